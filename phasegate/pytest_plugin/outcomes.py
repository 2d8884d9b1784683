"""Outcomes that say what they mean: failed (a violation), broken (a target), skipped, pending.

Rewrites each criterion's report (expected vs actual, one-line cause, shared cause once), records
the outcome per criterion for the summary and the run folders, and tells JUnit XML the same. A run
that selected a pending criterion, or judged none, does not exit 0.
"""

from __future__ import annotations

import pytest

from .. import redact
from ..causes import Causes
from ..record.ci_results import OUTCOME_PROPERTY, readable, rewrite_junit
from ..errors import PhasegateError, TargetError
from ..judges.violation import Violation
from .collection import phase_of
from .context import context
from .scenario import scenario_ids
from .stash import CAUSES, OUTCOMES, PROFILE, SCENARIOS
from .terminal import end_progress_line, pending_criteria

_ORDER = ("passed", "skipped", "failed", "broken")


def rewrite_report(item, call, report) -> None:
    """Shorten what the user reads: a violation is expected vs actual, a broken target one line."""
    ids = scenario_ids(item)
    if not ids:
        return
    error = call.excinfo.value if call.excinfo is not None else None
    _shorten(item, report, ids, error)
    outcomes = item.config.stash.get(OUTCOMES, None)
    if outcomes is not None and (report.when == "call" or report.outcome != "passed"):
        _record(item, call, report, ids, error, outcomes)


def skip_traceback(item, call):
    """Spare pytest the long traceback of a violation or a target's error, which :func:`rewrite_report` replaces
    unread (pytest parses every frame's source file for it: a tenth of a second a failure). Returns the undo."""
    error = call.excinfo.value if call.excinfo is not None else None
    if not isinstance(error, (Violation, PhasegateError)) or not scenario_ids(item):
        return lambda: None
    item.repr_failure = lambda excinfo, style=None: str(excinfo.value)

    def undo() -> None:
        del item.repr_failure

    return undo


def _shorten(item, report, ids: list[str], error) -> None:
    label = "[sandbox] " if PROFILE in item.config.stash and context(item.config).is_sandbox() else ""
    if isinstance(error, Violation):
        report.longrepr = redact.scrub(f"{label}{' '.join(ids)} violated: {error}{fixes(item.config, ids)}")
    elif isinstance(error, PhasegateError):
        kind = "broken" if isinstance(error, TargetError) else "not run"
        report.longrepr = redact.scrub(f"{label}{' '.join(ids)} {kind}: {error}")
        shared = item.config.stash.setdefault(CAUSES, Causes()).note(error, ids)
        if shared is not None:  # the whole target failed: its cause once, first; here a reference
            cause, first = shared
            reporter = item.config.pluginmanager.get_plugin("terminalreporter")
            if first and reporter is not None:
                end_progress_line(reporter)
                reporter.write_line(cause.line(), red=True, bold=True)
            report.phasegate_message, report.longrepr = report.longrepr, f"{label}{' '.join(ids)} {cause.reference()}"
    elif report.longrepr is not None and not isinstance(report.longrepr, tuple):
        report.longrepr = redact.scrub(str(report.longrepr))


def _record(item, call, report, ids: list[str], error, outcomes: dict) -> None:
    state = _outcome(report, error)
    message = getattr(report, "phasegate_message", report.longreprtext) if state != "passed" else ""
    if report.skipped and isinstance(report.longrepr, tuple):
        message = str(report.longrepr[2]).removeprefix("Skipped: ")
    for cid in ids:
        if phase_of(item.config, cid) is not None:  # the policy's scenarios are results, not criteria
            outcomes[cid] = _worst(outcomes.get(cid), state)
    item.user_properties.append((OUTCOME_PROPERTY, state))
    if error is not None and state in ("failed", "broken"):  # read by allure-pytest-bdd, an outer wrapper
        call.excinfo = pytest.ExceptionInfo.from_exception(readable(
            error, ids, "violated" if isinstance(error, Violation) else state,
            fixes(item.config, ids) if isinstance(error, Violation) else ""))
    item.config.stash[SCENARIOS].append({
        "criteria": ids, "name": item.name, "nodeid": item.nodeid, "outcome": state,
        "message": redact.scrub(message),
    })


def fixes(config, ids: list[str]) -> str:
    """The lines that say how to fix a violated criterion (its scenario's ``Fix:``), under the violation."""
    lines = []
    for cid in ids:
        phase = phase_of(config, cid)
        if phase is not None and phase.criteria[cid].fix:
            lines.append(f"\n  fix:      {phase.criteria[cid].fix}")
    return "".join(lines)


def _outcome(report, error) -> str:
    if report.skipped:
        return "skipped"
    if report.passed:
        return "passed"
    return "failed" if isinstance(error, AssertionError) else "broken"


def _worst(a: str | None, b: str) -> str:
    return b if a is None or _ORDER.index(b) > _ORDER.index(a) else a


def not_green_if_pending_or_nothing_judged(session, exitstatus) -> None:
    """A run is not green when it selected a pending criterion (work not done, as Cucumber's strict mode
    treats a pending step, whatever passed beside it), or judged none: everything skipped proves nothing."""
    config = session.config
    if exitstatus != 0:
        return
    why = []
    pending = pending_criteria(config)
    if pending:
        why.append(f"phasegate: {len(pending)} pending criteria selected (not yet executable: "
                   f"{', '.join(pending)}); the run is not green")
    if not [s for s in config.stash[SCENARIOS] if s["outcome"] in ("passed", "failed")]:
        why.append("phasegate: no criterion was judged (all skipped); the run is not green")
    if not why:
        return
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        end_progress_line(reporter)
        for line in why:
            reporter.write_line(line, red=True)


def rewrite_junit_outcomes(config) -> None:
    """JUnit XML (written by now) carries phasegate's outcome names, for CI."""
    if getattr(config.option, "xmlpath", None) and OUTCOMES in config.stash:
        rewrite_junit(config.option.xmlpath)
