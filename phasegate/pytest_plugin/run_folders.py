"""The run folders: one per phase judged, started before the first criterion, written at the end.

Each holds the results, run.json (state, completeness, selection, Render statistics) and the waivers
record; the terminal gets its path. Then the plugin fires ``pytest_phasegate_run_folder_written``
(:mod:`.hookspecs`): the reports (:mod:`phasegate.report.at_session_end`) take it from there.
"""

from __future__ import annotations

import pytest

from ..catalogue.criteria import Phase
from . import interrupt
from .context import context
from .stash import (EXPECTED, OUTCOMES, PHASE_READS, PROFILE, RUN_FOLDERS, RUN_PHASES, SCENARIOS, SELECTION, SNAPSHOT,
                    WAIVERS)
from .terminal import end_progress_line


def start_run_folders(session) -> None:
    """The run record exists (as "running") before the first criterion: a killed run leaves it unfinished."""
    config = session.config
    if OUTCOMES not in config.stash or config.option.collectonly:
        return
    from ..record.folder import start_run_folder
    from ..timefmt import utc_now

    started = utc_now()  # one moment for the session: its phases' folders sort and read together
    config.stash[RUN_FOLDERS] = {phase.name: start_run_folder(
        config.stash[PROFILE], phase, report_root=config.rootpath / config.getoption("phasegate_report_dir"),
        selection=config.stash[SELECTION], started=started, practice=config.getoption("phasegate_practice"))
        for phase in config.stash[RUN_PHASES]}


def _completeness(config, phase: Phase, *, stopped_early: bool) -> dict:
    """Which criteria of the phase this session did not judge, or judged by only some of their scenarios."""
    from ..catalogue.completeness import phase_criteria

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


def finish_run_folders(session) -> None:
    """Write each phase's run folder (one per phase: a signature covers one phase, all of it), every run.json
    before any report, so that Ctrl-C while the reports are built leaves every record saying what ran."""
    config = session.config
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    interrupted = session.exitstatus == pytest.ExitCode.INTERRUPTED
    why = interrupt.cause(reporter)
    with interrupt.deferred_interrupt() as deferred:  # the records are written whatever Ctrl-C does meanwhile
        written = [(phase, *_write_phase_folder(session, phase)) for phase in config.stash[RUN_PHASES]]
    if interrupted:
        interrupt.say(reporter, interrupt.while_judging(
            why, [interrupt.phase_line(phase.title, done) for phase, _, done in written],
            [folder for _, folder, _ in written]), instead_of_pytest_banner=True)
    built: list[str] = []
    try:
        if deferred.caught:
            raise KeyboardInterrupt
        for phase, folder, _ in written:
            if reporter is not None:
                end_progress_line(reporter)
                reporter.write_line(f"phasegate: {phase.title}: run folder {folder}")
            config.hook.pytest_phasegate_run_folder_written(config=config, folder=folder, phase=phase)
            built.append(phase.title)
    except KeyboardInterrupt:
        with interrupt.deferred_interrupt():
            unbuilt = [folder for _, folder, _ in written[len(built):]]
            if reporter is not None:
                end_progress_line(reporter)
            interrupt.say(reporter, interrupt.while_reporting("Ctrl-C", built, unbuilt, judged=not interrupted),
                          instead_of_pytest_banner=False)
            session.exitstatus = pytest.ExitCode.INTERRUPTED


def judged_roles(config, phase: Phase) -> tuple[str, ...]:
    """The services the phase judged, by role: every role its selected criteria's steps read ("worker:env",
    "web:service"; a database session reads its service), the worker first, then the others by name."""
    from ..snapshot.take import wanted_parts

    reads = config.stash.get(PHASE_READS, {}).get(phase.name, frozenset())
    return tuple(sorted(wanted_parts(reads), key=lambda role: (role != "worker", role)))


def _write_phase_folder(session, phase: Phase) -> tuple:
    from ..record.configuration import configuration
    from ..record.folder import write_run_folder

    config = session.config
    interrupted = session.exitstatus in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.INTERNAL_ERROR)
    profile, phases, outcomes = config.stash[PROFILE], config.stash[RUN_PHASES], config.stash[OUTCOMES]
    completeness = _completeness(config, phase, stopped_early=bool(session.shouldstop or session.shouldfail))
    loaded = config.stash.get(WAIVERS, [])
    folder = write_run_folder(
        profile, phase,
        folder=config.stash.get(RUN_FOLDERS, {}).get(phase.name),
        state="interrupted" if interrupted else "finished",
        completeness=completeness,
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
        judged_roles=judged_roles(config, phase),
        practice=config.getoption("phasegate_practice"),
        waivers=[w.to_dict() for w in loaded if w.criterion in phase.criteria],
        # Secret digests are comparable across runs only under a fixed PHASEGATE_DIGEST_KEY.
        digests_comparable=profile.digest_key is not None,
        configuration=configuration(config.rootpath, profile, phase, {w.source for w in loaded if w.source}),
    )
    return folder, completeness
