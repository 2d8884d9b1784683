"""Bounded retries of one GET: which outcomes are tried again, how long to wait, when to stop.

500, 502, 503, 504, timeouts and transport errors are retried, at most ``max_attempts``
attempts and never sleeping past ``budget`` seconds of elapsed time outside rate waits
(measured with the injected ``clock``), with exponential backoff and full jitter (base
0.5 s, factor 2, cap 8 s); a 503 that carries ``Retry-After`` has it honoured. A 429
closes the rate window (:mod:`phasegate.render._pacing`) for its ``Retry-After`` (else
``Ratelimit-Reset``, seconds, or epoch seconds above 10**9); that wait is pacing, bounded
by the run's rate-wait limit, and uses no attempt.
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass
from typing import Any, Callable

import httpx

from . import _pacing, _transport
from ._exceptions import NetworkError
from ._pacing import RateWindow, parse_seconds

BACKOFF_BASE = 0.5
BACKOFF_FACTOR = 2.0
BACKOFF_CAP = 8.0


@dataclass(frozen=True)
class Policy:
    """How one client retries; ``uniform`` is the jitter's random draw, ``wall`` epoch seconds."""

    max_attempts: int
    budget: float
    clock: Callable[[], float]
    sleep: Callable[[float], Any]
    uniform: Callable[[float, float], float]
    wall: Callable[[], float]

    def backoff(self, attempt: int) -> float:
        ceiling = min(BACKOFF_CAP, BACKOFF_BASE * BACKOFF_FACTOR ** (attempt - 1))
        return max(0.0, float(self.uniform(0.0, ceiling)))

    def header_wait(self, response: httpx.Response, *, reset_too: bool) -> tuple[float, str] | None:
        """The wait a response names (Retry-After, else Ratelimit-Reset if asked) and its source."""
        retry_after = response.headers.get("Retry-After")
        if retry_after is not None:
            seconds = parse_seconds(retry_after)
            if seconds is None:
                try:
                    when = email.utils.parsedate_to_datetime(retry_after.strip())
                    seconds = when.timestamp() - self.wall()
                except (TypeError, ValueError, IndexError, OverflowError):
                    seconds = None
            if seconds is not None:
                seconds = max(0.0, seconds)
                return seconds, f"Retry-After {fmt(seconds)}s"
        if reset_too:
            reset = response.headers.get("Ratelimit-Reset")
            seconds = parse_seconds(reset) if reset is not None else None
            if seconds is not None:
                if seconds > _pacing.EPOCH_THRESHOLD:
                    seconds = seconds - self.wall()
                seconds = max(0.0, seconds)
                return seconds, f"Ratelimit-Reset {fmt(seconds)}s"
        return None


class _Tries:
    """One read's attempts so far and the time they took outside rate waits."""

    def __init__(self, start: float) -> None:
        self.start = start
        self.paced = 0.0  # time spent waiting for the rate window: not part of the retry budget
        self.refused = 0  # 429s in a row, for the backoff when a 429 names no wait
        self.attempt = 0


def read(send: Callable[[int], _transport.Sent], policy: Policy, rate: RateWindow, *,
         path: str, shown_base: str) -> Any:
    """The decoded body of one ``GET path``: each attempt admitted by ``rate``, sent by ``send``."""
    where = f"GET {path}"
    tries = _Tries(policy.clock())
    while True:
        tries.attempt += 1
        tries.paced += _pacing.admit(rate, policy.clock, path)
        sent: _transport.Sent | None = None
        try:
            sent = send(tries.attempt)
        finally:
            _pacing.release(rate, sent.response if sent is not None else None)
        body = _transport.answer(sent, path, where)
        if body is not _transport.RETRY:
            return body
        response = sent.response
        if response is not None and response.status_code == 429:
            # Another client spent the key's budget: the window is closed until Retry-After.
            # Waiting for it is pacing, bounded by the run's rate-wait limit, not an attempt.
            header = policy.header_wait(response, reset_too=True)
            tries.refused += 1
            rate.refused(header[0] if header is not None else policy.backoff(tries.refused))
            tries.attempt -= 1
            continue
        policy.sleep(_wait(sent, tries, policy, where, path, shown_base))


def _wait(sent: _transport.Sent, tries: _Tries, policy: Policy, where: str, path: str, shown_base: str) -> float:
    """Seconds to sleep before the next attempt after a 5xx or a transport error, or the error."""
    response, attempt = sent.response, tries.attempt
    if response is None:
        reason = f"cannot reach {shown_base}: {sent.cause}"
        header = None
        if sent.fatal:
            after = f" after {attempt} attempts" if attempt > 1 else ""
            raise NetworkError(f"{reason}{after} on {where}", path=path)
    else:
        reason = f"Render API server error {response.status_code} {response.reason_phrase}".rstrip()
        header = policy.header_wait(response, reset_too=False) if response.status_code == 503 else None
    if attempt >= policy.max_attempts:
        raise _transport.exhausted(response, f"{reason} after {attempt} attempts on {where}", path)
    if header is not None:
        wait, source = header
    else:
        wait = policy.backoff(attempt)
        source = f"backoff {fmt(wait)}s"
    elapsed = max(0.0, policy.clock() - tries.start - tries.paced)
    if elapsed + wait > policy.budget:
        raise _transport.exhausted(
            response,
            f"{reason} after {attempt} attempts ({source} exceeds the "
            f"{fmt(policy.budget)}s retry budget, {fmt(elapsed)}s already spent) on {where}",
            path,
        )
    return wait


def fmt(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:.1f}"
