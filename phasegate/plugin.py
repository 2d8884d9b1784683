"""The pytest plugin: profile selection, the one snapshot per run, outcomes that say what they mean.

Wiring only. What to read lives in :mod:`phasegate.snapshot`, how to judge in
:mod:`phasegate.judge`, the simulated Render in :mod:`phasegate.sandbox`.
"""

from __future__ import annotations

import contextlib

import logging
import secrets as _random
from pathlib import Path

import allure
import pytest

from . import secrets
from .causes import Causes, whole_target
from .claims import PENDING
from .ci_results import CRITERION_PROPERTY, OUTCOME_PROPERTY, readable, rewrite_junit
from .config import DEFAULT_API_URL, ENVIRONMENT_TAGS, Profile, choose_profile, load_profile
from .criteria import CatalogueError, Phase, SEVERITIES, criterion_ids, declared_reads, load_phases
from .errors import ConfigError, PhasegateError, TargetError
from .judge import Violation

PROFILE = pytest.StashKey[Profile]()
PHASES = pytest.StashKey[dict]()  # every phase of the repository, by folder name
RUN_PHASES = pytest.StashKey[list]()  # the phases this run judges (each gets its own run folder), in name order
NEEDS = pytest.StashKey[frozenset]()
OUTCOMES = pytest.StashKey[dict]()
SCENARIOS = pytest.StashKey[list]()
SNAPSHOT = pytest.StashKey[object]()
WAIVERS = pytest.StashKey[list]()
EXPECTED = pytest.StashKey[dict]()  # phase -> criterion -> scenarios and Examples rows a complete run judges
SELECTION = pytest.StashKey[dict]()
RUN_FOLDERS = pytest.StashKey[dict]()  # phase -> its run folder
CAUSES = pytest.StashKey[Causes]()


def pytest_addoption(parser):
    group = parser.getgroup("phasegate")
    group.addoption("--env", dest="phasegate_env", metavar="NAME", default=None,
                    help="profile environments/NAME.env (default: the environment named by -m, else staging)")
    group.addoption("--report-dir", dest="phasegate_report_dir", metavar="DIR", default="reports",
                    help="where run folders are written: DIR/<env>/<UTC timestamp>/ (default: reports)")
    group.addoption("--phase", dest="phasegate_phase", metavar="NAME", action="append", default=None,
                    help="judge only this phase, features/NAME/ (repeatable; default: the phases the profile's "
                         "PHASEGATE_PHASES lists, else every phase)")
    group.addoption("--no-report", dest="phasegate_no_report", action="store_true", default=False,
                    help="write the run folder (results, run.json) but not the completion report and HTML")


def pytest_configure(config):
    _scrub_all_log_records()
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


def _scrub_all_log_records() -> None:
    """Every log record, from any library, is scrubbed of registered secret values."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "phasegate", False):
        return

    def scrubbed(*args, **kwargs):
        record = factory(*args, **kwargs)
        message = record.getMessage()
        clean = secrets.scrub(message)
        if clean != message:
            record.msg, record.args = clean, ()
        return record

    scrubbed.phasegate = True
    logging.setLogRecordFactory(scrubbed)


def profile_name(config) -> str:
    """``--env`` wins; else the environment ``-m`` names (never a fallback for a missing one); else staging."""
    return choose_profile(config.getoption("phasegate_env"), config.option.markexpr, config.rootpath)


def scenario_ids(item) -> list[str]:
    """The criterion IDs of a phase's scenario, ["policy"] for the environment policy, else []."""
    names = [m.name for m in item.iter_markers()]
    return criterion_ids(names) or (["policy"] if "policy" in names else [])


def is_criterion(item) -> bool:
    return bool(scenario_ids(item))


class RunContext:
    """What one run reads through: the profile, the targets (a sandbox when asked), one Render client.

    Lives on the pytest config, not in a fixture: the environment-wide policy discovers its
    services while tests are collected, and the criteria read later through the same client,
    so no resource is read twice and the sandbox is started once.
    """

    def __init__(self, config):
        self.config = config
        self._profile: Profile | None = None
        self._sandbox = None
        self._targets = None
        self._client = None
        self.environment = None  # the policy's EnvironmentSnapshot, when policy scenarios run
        self.environment_error: PhasegateError | None = None

    def profile(self) -> Profile:
        if self._profile is None:
            self._profile = load_profile(profile_name(self.config), self.config.rootpath)
        return self._profile

    def targets(self, needs: frozenset[str]) -> "Targets":
        if self._targets is not None:
            return self._targets
        profile = self.profile()
        if not profile.sandbox:
            self._targets = Targets(profile.render_api_url, profile.render_api_key.reveal(), None, None)
            return self._targets
        from .sandbox.session import SandboxSession

        # The sandbox accepts the profile's key when one is given (leak tests use a canary), else a random one.
        key = profile.render_api_key.reveal() if profile.render_api_key else "rnd_sandbox_" + _random.token_hex(12)
        self._sandbox = SandboxSession(profile, api_key=key, needs=needs).__enter__()
        self._targets = Targets(self._sandbox.base_url, key, self._sandbox.database_route,
                                self._sandbox.database_ready, self._sandbox.api_database_route)
        return self._targets

    def client(self, needs: frozenset[str]):
        if self._client is None:
            from .render import RenderClient

            profile, targets = self.profile(), self.targets(needs)
            self._client = RenderClient(targets.api_url, targets.api_key(), timeout=profile.render_timeout,
                                        retry_budget=profile.render_retry_budget,
                                        rate_wait_limit=profile.render_rate_wait)
        return self._client

    @property
    def sandbox(self):
        """The run's SandboxSession once started (the round trip starts its stand-in worker), else None."""
        return self._sandbox

    def answered_as_simulator(self) -> bool:
        return self._client is not None and self._client.answered_as_simulator

    def is_sandbox(self) -> bool:
        """The profile says sandbox, or whatever answered said it is the phasegate simulator."""
        return self.profile().sandbox or self.answered_as_simulator()

    def render_stats(self) -> dict:
        """GETs sent (retries included), the lowest Ratelimit-Remaining, and where the API was read."""
        client, profile = self._client, self.profile()
        stats = {"requests": client.request_count if client else 0,
                 "ratelimit_remaining_min": client.ratelimit_remaining if client else None,
                 "refused_429": client.rate.refusals if client else 0,
                 "rate_waited_s": round(client.rate.waited, 1) if client else 0.0}
        stats.update({
            "api_url": self._targets.api_url if self._targets is not None else profile.render_api_url,
            "api_url_from": ("the sandbox" if profile.sandbox else
                             "process environment" if "RENDER_API_URL" in profile.from_environment else
                             "profile" if profile.render_api_url != DEFAULT_API_URL else "default"),
            "answered_by": sorted(client.answered_by) if client else [],
            "answered_as_simulator": self.answered_as_simulator(),
        })
        return stats

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        if self._sandbox is not None:
            self._sandbox.__exit__(None, None, None)
        self._client = self._sandbox = None


CONTEXT = pytest.StashKey[RunContext]()


def context(config) -> RunContext:
    if CONTEXT not in config.stash:
        config.stash[CONTEXT] = RunContext(config)
    return config.stash[CONTEXT]


def pytest_unconfigure(config):
    if CONTEXT in config.stash:
        config.stash[CONTEXT].close()
    if getattr(config.option, "xmlpath", None) and OUTCOMES in config.stash:  # written by now
        rewrite_junit(config.option.xmlpath)


def _selected_by_markexpr(config, markers) -> bool:
    expression = config.option.markexpr
    if not expression:
        return True
    from _pytest.mark import MarkMatcher
    from _pytest.mark.expression import Expression

    return Expression.compile(expression).evaluate(MarkMatcher.from_markers(markers))


def pytest_generate_tests(metafunc):
    """One policy scenario per service of the environment, discovered from Render when selected."""
    definition = metafunc.definition
    if definition.get_closest_marker("policy") is None or "_pytest_bdd_example" not in metafunc.fixturenames:
        return
    names = ["not-selected"]
    if _selected_by_markexpr(metafunc.config, list(definition.iter_markers())):
        names = _policy_services(context(metafunc.config))
    metafunc.parametrize("_pytest_bdd_example", [{"service": n} for n in names], ids=names)


def _policy_services(ctx: RunContext) -> list[str]:
    from .policy import Policy, read_environment

    try:
        policy = Policy.from_profile(ctx.profile())
        if policy is None:
            return ["no-pattern"]
        # The whole run's targets start now; the criteria will need everything a full run reads.
        # Capture is off while it reads: a large environment says how long it will take.
        capture = ctx.config.pluginmanager.getplugin("capturemanager")
        with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
            from .snapshot import PARTS

            ctx.environment = read_environment(policy, ctx.client(PARTS))
    except PhasegateError as exc:  # reported by the scenario (broken) or, for config, before any scenario
        ctx.environment_error = exc
        return ["not-read"]
    return sorted(ctx.environment.services) or ["none-matched"]


COLLECTED = pytest.StashKey[dict]()


def pytest_itemcollected(item):
    """Before -m deselects anything: what the features offer, to explain an empty selection."""
    if is_criterion(item):
        item.user_properties.extend((CRITERION_PROPERTY, cid) for cid in scenario_ids(item))  # JUnit XML
        collected = item.config.stash.setdefault(COLLECTED, {"criteria": 0, "tags": set()})
        collected["criteria"] += 1
        collected["tags"] |= {m.name for m in item.iter_markers()} & set(ENVIRONMENT_TAGS)


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


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    scenarios = [item for item in items if is_criterion(item)]
    if not scenarios:
        _stop_if_nothing_selected(config, [])  # when criteria were collected and -m left none
        return
    try:
        profile = context(config).profile()
        from .waivers import load_waivers

        config.stash[WAIVERS] = load_waivers(profile.name, config.rootpath)
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    if profile.digest_key is not None:
        secrets.set_digest_key(profile.digest_key.reveal().encode())
    phases = chosen_phases(config, profile)
    reads = _reads_of_steps(config, items)
    owned = {cid for phase in phases for cid in phase.criteria}
    # Scenarios and Examples rows tagged for another environment, or of a phase not judged, do not apply to this run.
    keep, drop = [], []
    for item in items:
        tags = {m.name for m in item.iter_markers()} & set(ENVIRONMENT_TAGS)
        other_phase = any(cid not in owned for cid in criterion_ids(m.name for m in item.iter_markers()))
        (drop if is_criterion(item) and (other_phase or tags and profile.scenario_tag not in tags)
         else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
    _stop_if_nothing_selected(config, items, profile)
    config.stash[PROFILE] = profile
    # A phase none of whose scenarios was selected is not part of this run: it gets no run folder.
    # A run of the environment policy alone is recorded (as partial) in every phase's folder.
    selected = {cid for item in items for cid in criterion_ids(m.name for m in item.iter_markers())}
    config.stash[RUN_PHASES] = [phase for phase in phases if selected & set(phase.criteria)] or phases
    from .phase import expected_scenarios

    config.stash[EXPECTED] = {phase.name: expected_scenarios(config.rootpath, profile.scenario_tag, phase)
                              for phase in config.stash[RUN_PHASES]}
    config.stash[SELECTION] = _selection(config)
    # What the snapshot reads: the union of what the selected criteria's steps declare.
    config.stash[NEEDS] = frozenset().union(*(reads.get(item.nodeid, frozenset())
                                              for item in items if criterion_ids(m.name for m in item.iter_markers())))
    config.stash[OUTCOMES] = {}
    config.stash[SCENARIOS] = []
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        for line in _header(profile):
            reporter.write_line(line, bold=True)
        for line in profile.deprecations:  # a deprecated key the profile used: said once, at the start
            reporter.write_line(line, yellow=True)
        reporter.write_line("phasegate: judging " + ", ".join(
            f"{phase.title} ({phase.name})" for phase in config.stash[RUN_PHASES]), bold=True)


def _reads_of_steps(config, items) -> dict[str, frozenset]:
    """Node ID -> what its steps declare they read. A step without a declaration, or declaring a part
    the snapshot does not know, stops the run (one line each)."""
    from pytest_bdd.scenario import find_fixturedefs_for_step, scenario_wrapper_template_registry
    from pytest_bdd.steps import step_function_context_registry

    from .snapshot import PARTS

    reads: dict[str, frozenset] = {}
    problems: dict[str, None] = {}
    found: dict[tuple, tuple] = {}
    for item in items:
        template = scenario_wrapper_template_registry.get(getattr(item, "function", None))
        if template is None:
            continue
        union: set[str] = set()
        # The template's steps (placeholders unfilled): every Examples row and policy service of a
        # scenario binds the same definitions, so a large environment is resolved once per step.
        for step in template.steps:
            key = (item.parent.nodeid, step.type, step.name)
            if key not in found:
                defs = list(find_fixturedefs_for_step(step, item.session._fixturemanager, item))
                context_ = step_function_context_registry.get(defs[-1].func) if defs else None
                found[key] = (context_.step_func if context_ else None,
                              declared_reads(context_.step_func) if context_ else None)
            func, declared = found[key]
            where = f"{Path(template.feature.filename).relative_to(config.rootpath)}:{step.line_number}"
            if func is None:
                continue  # pytest-bdd reports a step without a definition when the scenario runs
            name = f"{func.__module__}.{func.__name__}"
            if declared is None:
                problems[f"{where}: step {step.keyword} {step.name!r} ({name}) does not declare what it reads: "
                         "@reads(...)"] = None
                continue
            for part in sorted(declared - PARTS):
                problems[f"{where}: step {name} reads {part!r}, which the snapshot does not know "
                         f"(known: {', '.join(sorted(PARTS))})"] = None
            union |= declared & PARTS
        reads[item.nodeid] = frozenset(union)
    if problems:
        raise pytest.UsageError("phasegate: steps whose needs are unknown:\n" + "\n".join(problems))
    return reads


def _selection(config) -> dict:
    """How this session chose its scenarios, as typed (scrubbed), for the report of a partial run."""
    return {"args": [secrets.scrub(str(a)) for a in config.invocation_params.args],
            "markexpr": config.option.markexpr or "", "keyword": config.option.keyword or "",
            "last_failed": bool(getattr(config.option, "lf", False)),
            "deselect": [str(d) for d in (getattr(config.option, "deselect", None) or [])]}


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session):
    """The run record exists (as "running") before the first criterion: a killed run leaves it unfinished."""
    config = session.config
    if OUTCOMES not in config.stash or config.option.collectonly:
        return None
    from .runrecord import start_run_folder, utc_now

    started = utc_now()  # one moment for the session: its phases' folders sort and read together
    config.stash[RUN_FOLDERS] = {phase.name: start_run_folder(
        config.stash[PROFILE], phase, report_root=config.rootpath / config.getoption("phasegate_report_dir"),
        selection=config.stash[SELECTION], started=started) for phase in config.stash[RUN_PHASES]}
    return None


def _header(profile: Profile) -> list[str]:
    if profile.sandbox:
        return [f"phasegate: SANDBOX run (profile {profile.source}, world {profile.sandbox_world!r}): "
                "a simulated Render and database, never a sign-off"]
    return [f"phasegate: profile {profile.source}, Render API {profile.render_api_url}, "
            f"service {profile.service_name!r}"]


# --- session fixtures: profile -> target -> snapshot -------------------------------------------


@pytest.fixture(scope="session")
def profile(pytestconfig) -> Profile:
    profile = pytestconfig.stash.get(PROFILE, None)
    if profile is None:
        raise ConfigError("no profile was loaded: no criterion scenario was selected")
    return profile


@pytest.fixture(scope="session")
def targets(profile, pytestconfig):
    """Where to read: the profile's Render, or a sandbox (simulated Render + database) for this run."""
    return context(pytestconfig).targets(pytestconfig.stash[NEEDS])


class Targets:
    """The Render API to read and, in the sandbox, the route to the database. Repr shows no key."""

    def __init__(self, api_url: str, api_key: str, database_route: str | None, database_ready=None,
                 api_database_route: str | None = None):
        self.api_url, self._api_key, self.database_route = api_url, api_key, database_route
        self.api_database_route = api_database_route  # the sandbox's route to the API's database, like the worker's
        self.database_ready = database_ready  # the sandbox builds its database while Render is read
        secrets.register(api_key)

    def api_key(self) -> str:
        return self._api_key

    def __repr__(self) -> str:
        return f"<targets {self.api_url}>"


@pytest.fixture(scope="session")
def snapshot(profile, targets, pytestconfig):
    """The one read of everything the selected criteria need. A read failure breaks every scenario."""
    from .snapshot import take

    client = context(pytestconfig).client(pytestconfig.stash[NEEDS])
    if context(pytestconfig).sandbox is not None:  # a route key may name a sandbox role: its URL in its place
        profile = context(pytestconfig).sandbox.routed(profile)
    try:
        snapshot = take(profile, client, pytestconfig.stash[NEEDS], database_route=targets.database_route,
                        database_ready=targets.database_ready, api_database_route=targets.api_database_route)
    except TargetError as exc:  # no snapshot at all: every criterion is broken by this one cause
        raise whole_target(exc, "Render API") from None
    pytestconfig.stash[SNAPSHOT] = snapshot
    return snapshot


@pytest.fixture(scope="session")
def environment(pytestconfig, profile):
    """The environment-wide policy's read of every selected service (taken while collecting)."""
    ctx = context(pytestconfig)
    if ctx.environment_error is not None:
        raise ctx.environment_error
    if ctx.environment is None:
        pytest.skip(f"POLICY_SERVICE_PATTERN is not set in {profile.source}: no environment policy to apply")
    return ctx.environment


@pytest.hookimpl(trylast=True)  # after allure-pytest-bdd has opened the scenario's result
def pytest_bdd_before_scenario(request, feature, scenario):
    """Allure labels from the catalogue: epic = the phase, feature per concern, story = ID and title, severity.

    The same three levels as parentSuite / suite / subSuite, which the Allure 3 report's tree groups
    by (allure-pytest-bdd sets no suite label, and a feature label only when none is set).
    """
    ids = scenario_ids(request.node)
    if not ids or RUN_PHASES not in request.config.stash:
        return
    phase = phase_of(request.config, ids[0])
    criterion = phase.criteria.get(ids[0]) if phase is not None else None
    top = phase.title if criterion is not None else "Environment policy"
    allure.dynamic.epic(top)
    allure.dynamic.parent_suite(top)
    if criterion is not None:
        allure.dynamic.feature(criterion.concern)
        allure.dynamic.story(f"{criterion.id} {criterion.title}")
        allure.dynamic.severity(criterion.severity)
        allure.dynamic.suite(criterion.concern)
        allure.dynamic.sub_suite(f"{criterion.id} {criterion.title}")
    else:
        allure.dynamic.suite(feature.name)
        allure.dynamic.sub_suite(scenario.name)
    allure.dynamic.title(f"{' '.join(ids)} {scenario.name}" if criterion is not None else scenario.name)
    # The Gherkin tags (criterion IDs included) are Allure tags already: none is added twice.
    if PROFILE in request.config.stash and context(request.config).is_sandbox():
        allure.dynamic.tag("SANDBOX")


# --- outcomes -----------------------------------------------------------------------------------


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_makereport(item, call):
    """Shorten what the user reads: a violation is expected vs actual, a broken target one line."""
    outcome = yield
    report = outcome.get_result()
    ids = scenario_ids(item)
    if not ids:
        return
    label = "[sandbox] " if PROFILE in item.config.stash and context(item.config).is_sandbox() else ""
    error = call.excinfo.value if call.excinfo is not None else None
    if isinstance(error, Violation):
        report.longrepr = secrets.scrub(f"{label}{' '.join(ids)} violated: {error}")
    elif isinstance(error, PhasegateError):
        kind = "broken" if isinstance(error, TargetError) else "not run"
        report.longrepr = secrets.scrub(f"{label}{' '.join(ids)} {kind}: {error}")
        shared = item.config.stash.setdefault(CAUSES, Causes()).note(error, ids)
        if shared is not None:  # the whole target failed: its cause once, first; here a reference
            cause, first = shared
            reporter = item.config.pluginmanager.get_plugin("terminalreporter")
            if first and reporter is not None:
                end_progress_line(reporter)
                reporter.write_line(cause.line(), red=True, bold=True)
            report.phasegate_message, report.longrepr = report.longrepr, f"{label}{' '.join(ids)} {cause.reference()}"
    elif report.longrepr is not None and not isinstance(report.longrepr, tuple):
        report.longrepr = secrets.scrub(str(report.longrepr))
    outcomes = item.config.stash.get(OUTCOMES, None)
    if outcomes is not None and (report.when == "call" or report.outcome != "passed"):
        state = _outcome(report, error)
        message = getattr(report, "phasegate_message", report.longreprtext) if state != "passed" else ""
        if report.skipped and isinstance(report.longrepr, tuple):
            message = str(report.longrepr[2]).removeprefix("Skipped: ")
        for cid in ids:
            if phase_of(item.config, cid) is not None:  # the policy's scenarios are results, not criteria
                outcomes[cid] = _worst(outcomes.get(cid), state)
        item.user_properties.append((OUTCOME_PROPERTY, state))
        if error is not None and state in ("failed", "broken"):  # read by allure-pytest-bdd, an outer wrapper
            call.excinfo = pytest.ExceptionInfo.from_exception(
                readable(error, ids, "violated" if isinstance(error, Violation) else state))
        item.config.stash[SCENARIOS].append({
            "criteria": ids, "name": item.name, "nodeid": item.nodeid, "outcome": state,
            "message": secrets.scrub(message),
        })


_ORDER = ("passed", "skipped", "failed", "broken")


def end_progress_line(reporter) -> None:
    """Our lines start on a line of their own, not after the dots of a -q progress line."""
    if getattr(reporter._tw, "width_of_current_line", 0):
        reporter.write("\n")


def _outcome(report, error) -> str:
    if report.skipped:
        return "skipped"
    if report.passed:
        return "passed"
    return "failed" if isinstance(error, AssertionError) else "broken"


def _worst(a: str | None, b: str) -> str:
    return b if a is None or _ORDER.index(b) > _ORDER.index(a) else a


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    outcomes = config.stash.get(OUTCOMES, None)
    profile = config.stash.get(PROFILE, None)
    if not outcomes or profile is None:
        return
    from .waivers import judge

    waivers = {w.criterion: w for w in config.stash.get(WAIVERS, [])}
    sandbox = " (SANDBOX — not a sign-off)" if context(config).is_sandbox() else ""
    pending = {cid for s in config.stash[SCENARIOS] if s["outcome"] == "skipped" and s["message"].startswith(PENDING)
               for cid in s["criteria"]}
    for index, phase in enumerate(config.stash[RUN_PHASES]):
        terminalreporter.section(f"phasegate: {phase.title} criteria{sandbox}")
        if index == 0:
            for cause in config.stash.get(CAUSES, Causes()):
                terminalreporter.line(f"cause {cause.number} (the {cause.target}, printed above) broke "
                                      f"{len(cause.criteria)} criteria", red=True)
        for cid in sorted(c for c in outcomes if c in phase.criteria):
            judged = judge(outcomes[cid], waivers.get(cid))
            note = ""
            if judged.status == "waived":
                note = f" ({outcomes[cid]}; waived by {judged.waiver.approver} until {judged.waiver.expires})"
            elif judged.waiver_state == "expired":
                note = f" (waiver expired {judged.waiver.expires})"
            status = "pending" if cid in pending else judged.status  # a scaffolded claim, not yet executable
            terminalreporter.line(f"{status:8} {cid} {phase.criteria[cid].title}{note}")


def _completeness(config, phase: Phase, *, stopped_early: bool) -> dict:
    """Which criteria of the phase this session did not judge, or judged by only some of their scenarios."""
    from .phase import phase_criteria

    expected = config.stash[EXPECTED][phase.name]
    ran: dict[str, set] = {}
    for scenario in config.stash[SCENARIOS]:
        for cid in scenario["criteria"]:
            ran.setdefault(cid, set()).add(scenario["nodeid"])
    criteria = phase_criteria(expected, phase)
    not_run = [cid for cid in criteria if not ran.get(cid)]
    partly = {cid: f"{len(ran[cid])} of {expected[cid]} scenarios ran" for cid in criteria
              if ran.get(cid) and len(ran[cid]) < expected[cid]}
    return {"phase_criteria": criteria, "expected_scenarios": {c: expected[c] for c in criteria},
            "not_run": not_run, "partly_run": partly, "stopped_early": stopped_early}


@pytest.hookimpl(trylast=True)  # after allure-pytest-bdd has written its last result file
def pytest_sessionfinish(session, exitstatus):
    config = session.config
    outcomes = config.stash.get(OUTCOMES, None)
    if outcomes is None or config.option.collectonly:
        return
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    # A run that judged no criterion is not green: everything skipped proves nothing.
    judged = [s for s in config.stash[SCENARIOS] if s["outcome"] in ("passed", "failed")]
    if exitstatus == 0 and not judged:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if reporter is not None:
            reporter.write_line("phasegate: no criterion was judged (all skipped); the run is not green", red=True)
    from .report.gate import assess
    from .report.model import load_run
    from .runrecord import configuration, write_run_folder
    from .waivers import record

    interrupted = session.exitstatus in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.INTERNAL_ERROR)
    profile, phases = config.stash[PROFILE], config.stash[RUN_PHASES]
    folders = config.stash.get(RUN_FOLDERS, {})
    for phase in phases:  # one run folder per phase: a signature covers one phase, all of it
        folder = write_run_folder(
            profile, phase,
            folder=folders.get(phase.name),
            state="interrupted" if interrupted else "finished",
            completeness=_completeness(config, phase, stopped_early=bool(session.shouldstop or session.shouldfail)),
            sandbox=context(config).is_sandbox(),
            selection=config.stash[SELECTION],
            outcomes={cid: state for cid, state in outcomes.items() if cid in phase.criteria},
            scenarios=[s for s in config.stash[SCENARIOS]
                       if s["criteria"] == ["policy"] or set(s["criteria"]) & set(phase.criteria)],
            snapshot=config.stash.get(SNAPSHOT, None),
            allure_dir=getattr(config.option, "allure_report_dir", None),
            report_root=config.rootpath / config.getoption("phasegate_report_dir"),
            exit_status=int(session.exitstatus),
            render=context(config).render_stats(),
            session_phases=[p.name for p in phases],
        )
        # Secret digests are comparable across runs only under a fixed PHASEGATE_DIGEST_KEY.
        waivers = [w for w in config.stash.get(WAIVERS, []) if w.criterion in phase.criteria]
        record(folder, waivers, digests_comparable=profile.digest_key is not None,
               configuration=configuration(config.rootpath, profile, phase,
                                           {w.source for w in config.stash.get(WAIVERS, []) if w.source}))
        if not config.getoption("phasegate_no_report"):
            from .report import build_reports

            build_reports(folder)
        if reporter is not None:
            end_progress_line(reporter)
            reporter.write_line(f"phasegate: {phase.title}: run folder {folder}")
            reporter.write_line(f"phasegate: {phase.title}: {assess(load_run(folder)).line()}")
