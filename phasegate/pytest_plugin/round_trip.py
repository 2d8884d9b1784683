"""The opt-in round trip's pytest wiring (features/phase5/round_trip.feature): the canary run and its clean-up.

The only writing criteria have their own, small part: the refusal of a production profile
before anything is collected, the session's :class:`~phasegate.canary.writer.CanaryRun` (opened by the
``canary_run`` fixture for the first round-trip scenario only, after the snapshot: its route, its
expected role, its start), and the clean-up at the end of the session, which runs whatever happened:
a failure, Ctrl-C (SIGINT) or SIGTERM (turned into an interruption while canary rows exist), and
writes the run's journal beside each phase's run.json. SIGKILL cannot be survived: the next run's
sweep removes what it left. The I/O is the writer's; the steps call :class:`~phasegate.canary.round_trip.RoundTrip`.
``--active`` is declared in :mod:`.options`.
"""

from __future__ import annotations

import json
import signal

import pytest

from .. import redact
from ..canary.writer import CanaryRun, not_opted_in, refusal
from ..profile import SANDBOX_ROLE_URLS
from ..errors import ConfigError
from .collection import phase_of
from .context import context
from .stash import RUN_FOLDERS
from .terminal import end_progress_line

CANARY_RUN = pytest.StashKey[CanaryRun]()
CANARY_RECORD = "canary.json"  # in the run folder, beside run.json: every write and every row, listed
_PREVIOUS_SIGTERM = pytest.StashKey[object]()


def refuse_production(config) -> None:
    """--active with a profile marked production stops the run, one line, before anything starts or connects
    (the environment policy starts the targets while tests are collected)."""
    if not config.getoption("phasegate_active", False):
        return
    try:
        profile = context(config).profile()
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    if (reason := refusal(profile)) is not None:
        raise pytest.UsageError(reason)


def open_canary_run(pytestconfig, profile, snapshot) -> CanaryRun:
    """The run's canary writer, once the snapshot is taken; skipped unless asked for."""
    if (reason := not_opted_in(profile, pytestconfig.getoption("phasegate_active"))) is not None:
        pytest.skip(reason)
    if snapshot.api is None:
        pytest.skip(f"RENDER_API_SERVICE_NAME is not set in {profile.source}: the canary's role is the API's, "
                    "named by the API's own DATABASE_URL on Render")
    ctx = context(pytestconfig)
    url = profile.canary_database_url
    # In words, not by its key: leak tests grep every result for the sandbox's canary word in capitals.
    route = f"the round trip's credential from {profile.where('PHASEGATE_CANARY_DATABASE_URL')}"
    if url.reveal() in SANDBOX_ROLE_URLS:
        route += f" (the sandbox's role {SANDBOX_ROLE_URLS[url.reveal()]})"
        ctx.sandbox.database_ready()
        url = redact.Secret(ctx.sandbox.role_url(url.reveal()))
    # The identity comes from Render, whatever the route: unknown, every round-trip scenario is broken.
    expected = snapshot.expected_role("API", route)
    run = CanaryRun(profile, url, expected=expected, connect_timeout=profile.db_connect_timeout,
                    statement_timeout_ms=profile.db_statement_timeout_ms)
    pytestconfig.stash[CANARY_RUN] = run  # its record is written even when its role is refused
    _interrupt_on_sigterm(pytestconfig)
    # A run that was killed outright left its rows: removed here, said at the end. Rows of a run
    # that may still be polling elsewhere (younger than twice this run's bound) are left to it.
    # A session that did not start (e.g. another role than the API's) wrote nothing: no worker for it.
    if run.start(sweep_older_than=2 * profile.canary_timeout) and ctx.sandbox is not None:
        ctx.sandbox.start_worker()
    return run


def _interrupt_on_sigterm(config) -> None:
    """SIGTERM ends pytest without its session-finish hooks; while canary rows may exist, it interrupts instead."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    config.stash[_PREVIOUS_SIGTERM] = signal.signal(signal.SIGTERM, interrupt)


def clean_up(session) -> None:
    """Remove this run's canary rows whatever happened; record every write beside run.json (before the manifest)."""
    config = session.config
    run = config.stash.get(CANARY_RUN, None)
    if run is None:
        return
    _remove_rows(config, run)
    # Beside run.json of each phase whose scenarios wrote (each phase of a session has its own folder).
    folders = config.stash.get(RUN_FOLDERS, {})
    phases = {phase.name for cid in run.journal["criteria"] if (phase := phase_of(config, cid)) is not None}
    for name in sorted(phases & set(folders)):
        (folders[name] / CANARY_RECORD).write_text(
            redact.scrub(json.dumps(run.journal, indent=2, sort_keys=True, default=str)))
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        end_progress_line(reporter)
        reporter.write_line(f"phasegate: {redact.scrub(run.summary())}", red=bool(run.written_and_open()))
        for error in run.journal["errors"]:
            reporter.write_line(f"phasegate: canary {error}", red=True)


def _remove_rows(config, run: CanaryRun) -> None:
    # Ctrl-C or SIGTERM once more must not leave the rows: the clean-up finishes first.
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        run.finish()
    finally:
        previous[signal.SIGTERM] = config.stash.get(_PREVIOUS_SIGTERM, previous[signal.SIGTERM])
        for sig, handler in previous.items():
            signal.signal(sig, handler)
