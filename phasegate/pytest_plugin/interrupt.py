"""Ctrl-C during a run: one line, ``interrupted: …``, and run folders that say exactly what ran.

Where the interrupt lands decides what is left to do:

- while the criteria are judged: pytest stops the loop (exit 2); every phase's run folder is still
  written, as interrupted, with each criterion judged before the interrupt and the rest not run;
- while the run folders are written: the interrupt waits (:func:`deferred_interrupt`) until every
  ``run.json`` is written, then counts as one that landed while the reports were built;
- while the reports are built (the completion report, the Allure HTML): the reports not yet built are
  left unbuilt and said so (``phasegate report RUN`` builds them); the records stand as written, the
  run exits 2;
- while the run's context is closed (the simulator, the sandbox's sessions): it waits until they are.

pytest's own banner for a KeyboardInterrupt (a separator, the file and line it landed on, a hint) becomes
the one line; ``--full-trace`` keeps pytest's. The sandbox's child processes ignore SIGINT and stop when
their pipe closes, so they print nothing.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from dataclasses import dataclass


@dataclass
class Deferred:
    caught: bool = False  # a SIGINT arrived while it was deferred


@contextlib.contextmanager
def deferred_interrupt():
    """SIGINT is held until the block ends (``.caught`` says whether one came); outside the main thread, a no-op."""
    deferred = Deferred()
    if threading.current_thread() is not threading.main_thread():
        yield deferred
        return

    def hold(_signum, _frame):
        deferred.caught = True

    previous = signal.signal(signal.SIGINT, hold)
    try:
        yield deferred
    finally:
        signal.signal(signal.SIGINT, previous)


def phase_line(title: str, completeness: dict) -> str:
    """``Phase 5: 3 of 12 criteria judged (not run: <IDs>)``, from what the run folder records."""
    criteria = completeness.get("phase_criteria") or []
    not_run = completeness.get("not_run") or []
    partly = sorted(completeness.get("partly_run") or {})
    judged = len(criteria) - len(not_run) - len(partly)
    text = f"{title}: {judged} of {len(criteria)} criteria judged"
    missing = not_run + [f"{cid} (in part)" for cid in partly]
    if missing:
        shown = ", ".join(missing[:6]) + (f", … ({len(missing)} in all)" if len(missing) > 6 else "")
        text += f" (not run: {shown})"
    return text


def while_judging(why: str, phases: list[str], folders: list) -> str:
    where = ", ".join(str(folder) for folder in folders)
    return (f"interrupted: {why} before the run's end; " + "; ".join(phases)
            + f"; the run folder(s) say so and cannot be signed: {where}")


def while_reporting(why: str, built: list[str], unbuilt: list, *, judged: bool) -> str:
    """The reports the end of the run had not built when it was interrupted (every run.json was written)."""
    done = f"reports built for {', '.join(built)}; " if built else ""
    todo = "; ".join(f"`phasegate report {folder}`" for folder in unbuilt)
    after = "after every criterion was judged" if judged else "after the interrupted run was recorded"
    return (f"interrupted: {why} at the run's end, {after}; {done}not built for {len(unbuilt)} run folder(s), "
            f"each run.json says what ran: {todo}")


def cause(reporter) -> str:
    """What interrupted the run, as pytest recorded it: Ctrl-C, or pytest.exit's reason (SIGTERM, …)."""
    memo = getattr(reporter, "_keyboardinterrupt_memo", None)
    message = str(getattr(getattr(memo, "reprcrash", None), "message", "") or "")
    if not message or "KeyboardInterrupt" in message:
        return "Ctrl-C"
    return " ".join(message.split())[:200]


def say(reporter, line: str, *, instead_of_pytest_banner: bool) -> None:
    """The one line: in place of pytest's KeyboardInterrupt banner (a separator, where it landed, a hint) when
    pytest is about to print one (not with --full-trace), else as a line of its own."""
    if reporter is None:
        return
    if instead_of_pytest_banner and not reporter.config.option.fulltrace \
            and callable(getattr(reporter, "_report_keyboardinterrupt", None)):
        reporter._report_keyboardinterrupt = lambda: reporter.write_line(line, red=True)
        return
    reporter.write_line(line, red=True)


def before_any_criterion(session) -> None:
    """Interrupted before the criteria were selected (while collecting): nothing judged, no run folder."""
    import pytest

    if session.exitstatus == pytest.ExitCode.INTERRUPTED:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        say(reporter, f"interrupted: {cause(reporter)} before any criterion was judged; no run folder was written",
            instead_of_pytest_banner=True)
