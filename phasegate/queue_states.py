"""The queue's states, as the profile names them: one notion for every criterion that needs one.

A job of the queue table is *done* (P5-20's canary ends there), *failed* (P5-07's terminal
failed state, where P5-21's poison canary ends and where a job past its attempts belongs) or,
while a worker holds it, in one of the *running* states (P4-63's stuck jobs). The profile sets
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
