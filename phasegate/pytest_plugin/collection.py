"""Collection: the catalogue's markers, the policy's scenarios, which phases run, what is deselected.

Also what the snapshot must read (the union of the selected steps' ``@reads``), stored with the
rest of the run's selection on the config for the outcomes, the summary and the run folders.
"""

from __future__ import annotations

import contextlib

import pytest

from .. import redact
from ..record.ci_results import CRITERION_PROPERTY
from ..profile import Profile
from ..catalogue.criteria import FEATURES_DIR, CatalogueError, Phase, SEVERITIES, features_root, load_phases
from ..errors import ConfigError, PhasegateError
from .context import RunContext, context
from .introspection import reads_of_steps, selected_by_markexpr
from .scenario import environment_tags, is_criterion, item_criteria, scenario_ids
from .stash import (COLLECTED, EXPECTED, NEEDS, OUTCOMES, PHASE_READS, PHASES, PROFILE, RUN_PHASES, SCENARIOS,
                    SELECTION, WAIVERS)


def load_catalogue(config) -> None:
    """Every phase of features/ (or PHASEGATE_FEATURES_DIR), and its criterion IDs and severities as markers
    (--strict-markers)."""
    root = features_root(config.rootpath)
    if not root.resolve().is_relative_to(config.rootpath.resolve()):
        raise pytest.UsageError(f"phasegate: {FEATURES_DIR} (the process environment) names a folder outside the "
                                f"checkout ({root}); Allure's pytest-bdd plugin names each result by its feature's "
                                f"path under {config.rootpath}: keep the phases there")
    try:
        phases = load_phases(config.rootpath)
    except CatalogueError as exc:  # one line per problem, before anything is collected
        raise pytest.UsageError(f"phasegate: the features are not a consistent catalogue:\n{exc}") from None
    config.stash[PHASES] = phases
    # The criterion IDs and severities are tags, hence markers: registered from the features (--strict-markers).
    for phase in phases.values():
        for cid in phase.criteria:
            config.addinivalue_line("markers", f"{cid}: {phase.title} criterion {cid}")
    for severity in SEVERITIES:
        config.addinivalue_line("markers", f"{severity}: Allure severity of the criterion")


def chosen_phases(config, profile: Profile) -> list[Phase]:
    """``--phase NAME`` (repeatable); else the profile's PHASEGATE_PHASES; else every phase. In name order."""
    phases = config.stash[PHASES]
    if not phases:
        raise pytest.UsageError("phasegate: no phase: no features/<phase>/phase.yaml")
    options = config.getoption("phasegate_phase")
    names = [n.strip() for o in options for n in o.split(",")] if options else profile.phases or sorted(phases)
    where = "--phase" if options else profile.where("PHASEGATE_PHASES")
    unknown = [n for n in names if n not in phases]
    if unknown:
        raise pytest.UsageError(f"phasegate: {where}: no such phase {', '.join(unknown)}; phases: "
                                f"{', '.join(sorted(phases))}")
    return [phases[n] for n in sorted(set(names))]


def phase_of(config, cid: str) -> Phase | None:
    """The phase of this run that owns a criterion ID; None for the policy or another phase."""
    return next((p for p in config.stash.get(RUN_PHASES, []) if cid in p.criteria), None)


def parametrize_policy(metafunc) -> None:
    """One policy scenario per service of the environment, discovered from Render when selected."""
    definition = metafunc.definition
    if definition.get_closest_marker("policy") is None or "_pytest_bdd_example" not in metafunc.fixturenames:
        return
    names = ["not-selected"]
    if selected_by_markexpr(metafunc.config, list(definition.iter_markers())):
        names = _policy_services(context(metafunc.config))
    metafunc.parametrize("_pytest_bdd_example", [{"service": n} for n in names], ids=names)


def _policy_services(ctx: RunContext) -> list[str]:
    from ..profile.policy import Policy
    from ..snapshot.environment import read_environment

    try:
        policy = Policy.from_profile(ctx.profile())
        if policy is None:
            return ["no-pattern"]
        # The whole run's targets start now; the criteria will need everything a full run reads.
        # Capture is off while it reads: a large environment says how long it will take.
        capture = ctx.config.pluginmanager.getplugin("capturemanager")
        with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
            from ..snapshot import PARTS

            ctx.environment = read_environment(policy, ctx.client(PARTS))
    except PhasegateError as exc:  # reported by the scenario (broken) or, for config, before any scenario
        ctx.environment_error = exc
        return ["not-read"]
    return sorted(ctx.environment.services) or ["none-matched"]


def note_collected(item) -> None:
    """Before -m deselects anything: what the features offer, to explain an empty selection."""
    if is_criterion(item):
        item.user_properties.extend((CRITERION_PROPERTY, cid) for cid in scenario_ids(item))  # JUnit XML
        collected = item.config.stash.setdefault(COLLECTED, {"criteria": 0, "tags": set()})
        collected["criteria"] += 1
        collected["tags"] |= environment_tags(item)


def _stop_if_nothing_selected(config, items, profile: Profile | None = None) -> None:
    """A run of the criteria whose profile or -m selects none stops with the reason (exit 4), never "0 selected"."""
    collected = config.stash.get(COLLECTED, None)
    if collected is None:
        return
    try:
        profile = profile or context(config).profile()
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    if profile.scenario_tag not in collected["tags"]:
        raise pytest.UsageError(
            f"{profile.where('PHASEGATE_SCENARIO_TAG')}: the profile selects scenarios tagged @{profile.scenario_tag} "
            f"(PHASEGATE_SCENARIO_TAG, default: the profile's name) and no scenario carries that tag; set "
            f"PHASEGATE_SCENARIO_TAG to one of {', '.join(sorted(collected['tags']))} in {profile.source}")
    if not any(is_criterion(item) for item in items):
        options = [f"{flag} {value!r}" for flag, value in (("-m", config.option.markexpr),
                                                            ("-k", config.option.keyword)) if value]
        expression = " ".join(options) or "the command line"
        raise pytest.UsageError(f"{expression} selects no criterion for profile {profile.source} (scenario tag "
                                f"@{profile.scenario_tag}); the tags are in features/")


def select(config, items) -> bool:
    """Deselect what does not apply to this run and record the run's selection; False when no criterion
    was collected (nothing recorded: not a phasegate run)."""
    if not any(is_criterion(item) for item in items):
        _stop_if_nothing_selected(config, [])  # when criteria were collected and -m left none
        return False
    try:
        profile = context(config).profile()
        from ..catalogue.waivers import load_waivers

        config.stash[WAIVERS] = load_waivers(profile.name, config.rootpath)
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    if config.getoption("phasegate_practice") and not profile.sandbox:
        raise pytest.UsageError(f"--practice runs only on the sandbox (--env sandbox), not {profile.source}: a "
                                "practice run is never a real environment's")
    if profile.digest_key is not None:
        redact.set_digest_key(profile.digest_key.reveal().encode())
    phases = chosen_phases(config, profile)
    reads = reads_of_steps(config, items)
    _deselect(config, items, profile, phases)
    _stop_if_nothing_selected(config, items, profile)
    config.stash[PROFILE] = profile
    _record_selection(config, items, phases, reads, profile)
    return True


def _deselect(config, items, profile: Profile, phases: list[Phase]) -> None:
    """Scenarios and Examples rows tagged for another environment, or of a phase not judged, do not apply."""
    owned = {cid for phase in phases for cid in phase.criteria}
    keep, drop = [], []
    for item in items:
        tags = environment_tags(item)
        other_phase = any(cid not in owned for cid in item_criteria(item))
        (drop if is_criterion(item) and (other_phase or tags and profile.scenario_tag not in tags)
         else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _record_selection(config, items, phases: list[Phase], reads: dict, profile: Profile) -> None:
    """The run's phases, what a complete run judges, how it was chosen and what the snapshot reads."""
    # A phase none of whose scenarios was selected is not part of this run: it gets no run folder.
    # A run of the environment policy alone is recorded (as partial) in every phase's folder.
    selected = {cid for item in items for cid in item_criteria(item)}
    config.stash[RUN_PHASES] = [phase for phase in phases if selected & set(phase.criteria)] or phases
    from ..catalogue.completeness import expected_scenarios

    config.stash[EXPECTED] = {phase.name: expected_scenarios(config.rootpath, profile.scenario_tag, phase)
                              for phase in config.stash[RUN_PHASES]}
    config.stash[SELECTION] = _selection(config)
    # What the snapshot reads: the union of what the selected criteria's steps declare.
    config.stash[NEEDS] = frozenset().union(*(reads.get(item.nodeid, frozenset())
                                              for item in items if item_criteria(item)))
    config.stash[PHASE_READS] = {phase.name: frozenset().union(*(
        reads.get(item.nodeid, frozenset()) for item in items if set(item_criteria(item)) & set(phase.criteria)))
        for phase in config.stash[RUN_PHASES]}
    config.stash[OUTCOMES] = {}
    config.stash[SCENARIOS] = []


def _selection(config) -> dict:
    """How this session chose its scenarios, as typed (scrubbed), for the report of a partial run."""
    return {"args": [redact.scrub(str(a)) for a in config.invocation_params.args],
            "markexpr": config.option.markexpr or "", "keyword": config.option.keyword or "",
            "last_failed": bool(getattr(config.option, "lf", False)),
            "deselect": [str(d) for d in (getattr(config.option, "deselect", None) or [])]}
