"""What the round trip's steps call: one scenario's canary job enqueued, followed to its end, removed.

A :class:`RoundTrip` is one round-trip scenario (features/phase5/round_trip.feature) over the
session's :class:`~.writer.CanaryRun` (the one writing session, opened and closed by the plugin):
it notes the scenario's criteria on the run, enqueues the good or the poison canary, polls the
job until it is done or failed (the profile's queue states) or the bound
(``CANARY_TIMEOUT_SECONDS``) has passed, removes it whatever the poll did, and gives the run's
journal about that job (the evidence the steps attach). What the poll saw is an
:class:`Observed`, which :mod:`phasegate.judges.round_trip` judges.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the writer is handed in; this module opens nothing itself
    from .writer import CanaryRun

POLL_SECONDS = 0.1


@dataclass
class Observed:
    """A canary job as last read: what the judgement compares."""

    id: int
    kind: str
    status: str | None
    attempts: int | None
    max_attempts: int | None
    last_error: str | None
    waited: float
    timed_out: bool
    history: list = field(default_factory=list)  # (seconds, status, attempts) at each change


class RoundTrip:
    """One scenario's round trip through the run's canary writer: enqueue, follow (poll, remove), evidence."""

    def __init__(self, run: CanaryRun, criteria) -> None:
        self.run = run
        self.done = run.profile.queue_states.done
        self.failed = run.profile.queue_states.failed
        self.bound: float = run.profile.canary_timeout
        run.serves(criteria)  # their phases' run folders get the run's record

    def __repr__(self) -> str:  # Allure records fixture arguments: no URL here
        return repr(self.run)

    @property
    def identity(self) -> dict | None:
        """The session's route and role, as read back before its first statement (None before it connected)."""
        return self.run.journal.get("identity")

    def require_usable(self) -> None:
        """Raise why the run's session could not start (the scenario is then broken by it)."""
        self.run.require_usable()

    def enqueue(self, kind: str) -> int:
        """Enqueue the ``good`` or the ``poison`` canary; its job id."""
        return self.run.enqueue(kind)

    def poll(self, job_id: int) -> Observed:
        """Read the job until its status is done or failed, or the bound has passed."""
        until = (self.done, self.failed)
        t0, history = time.monotonic(), []
        while True:
            row = self.run.read_job(job_id)
            waited = time.monotonic() - t0
            if not history or history[-1][1:] != (row[0], row[1]):
                history.append((round(waited, 2), row[0], row[1]))
            if row[0] in until or waited >= self.bound:
                break
            time.sleep(POLL_SECONDS)
        return Observed(job_id, self.run.kind_of(job_id), row[0], row[1], row[2], row[3], round(waited, 2),
                        row[0] not in until, history)

    def follow(self, job_id: int) -> Observed:
        """Poll the job to done or failed (or the bound), then remove it, whatever the poll did."""
        try:
            return self.poll(job_id)
        finally:
            self.run.remove([job_id])

    def evidence_for(self, job_id: int) -> dict:
        """The run's journal about one job: the statements that wrote or removed it, and its rows."""
        journal = self.run.journal
        return {"run_id": self.run.run_id, "table": self.run.table_name, "identity": journal.get("identity"),
                "statements": [s for s in journal["statements"] if job_id in (s["rows"] or []) + s["jobs"]],
                "written": [w for w in journal["written"] if w["id"] == job_id],
                "removed": [r for r in journal["removed"] if r["id"] == job_id],
                "swept_at_start": journal["swept"]}
