"""The queue's states, as the profile names them: one notion for every criterion that needs one.

A job of the queue table ends *done* (where the round trip's canary ends) or *failed* (the
terminal failed state the failure bookkeeping looks for, where the poison canary ends and where a
job past its attempts belongs) and, while a worker holds it, is in one of the *running* states
(those the stuck-jobs criterion looks at). The profile sets
them once (``QUEUE_DONE_STATUS``, ``QUEUE_FAILED_STATUS``, ``QUEUE_RUNNING_STATUSES``); the
probe, the judges and the round trip take them from there.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_DONE = "done"
DEFAULT_FAILED = "failed"
DEFAULT_RUNNING = ("running", "processing", "in_progress")


@dataclass(frozen=True)
class QueueStates:
    done: str = DEFAULT_DONE
    failed: str = DEFAULT_FAILED
    running: tuple[str, ...] = DEFAULT_RUNNING

    def as_evidence(self) -> dict:
        return {"done": self.done, "failed": self.failed, "running": list(self.running)}
