"""Judgements of the round trip over what polling a canary job observed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .violation import Violation

if TYPE_CHECKING:  # what polling a canary job saw; judges never load the round trip's I/O
    from ..canary.round_trip import Observed


def _seen(job: Observed) -> str:
    error = "set" if job.last_error else "not set"
    return (f"status {job.status!r}, attempts {job.attempts} of max_attempts {job.max_attempts}, last_error {error}, "
            f"after {job.waited:g} s")


def _history(job: Observed) -> list[str]:
    steps = "; ".join(f"{s:g} s: {status} (attempts {attempts})" for s, status, attempts in job.history)
    return [f"job {job.id} ({job.kind} canary) seen: {steps}"]


def completed_once(job: Observed, done: str, bound: float, link: str | None) -> None:
    """The good canary reached the done state within the bound, on its first attempt."""
    if job.status != done or job.timed_out or job.attempts != 1:
        bound_note = f" within {bound:g} s (CANARY_TIMEOUT_SECONDS)" if job.timed_out else ""
        raise Violation(f"the canary job enqueued with the API's role{bound_note}",
                        f"status {done!r} with attempts 1, within {bound:g} s", _seen(job), link=link,
                        details=_history(job))


def failed_after_max_attempts(job: Observed, failed: str, bound: float, link: str | None) -> None:
    """The poison canary ended failed after exactly max_attempts attempts, with last_error set."""
    if (job.status != failed or job.timed_out or job.max_attempts is None or job.attempts != job.max_attempts
            or not job.last_error):
        expected_attempts = job.max_attempts if job.max_attempts is not None else "max_attempts"
        raise Violation("the poison canary job",
                        f"status {failed!r} after exactly {expected_attempts} attempts (max_attempts) with "
                        f"last_error set, within {bound:g} s", _seen(job), link=link, details=_history(job))
