"""Render's GET budget, paced from the client side.

Render allows 400 GETs per key per fixed window and says on every response how many are
left (``Ratelimit-Remaining``) and when the window resets (``Ratelimit-Reset``, seconds).
A request is admitted only while the window has room for it: what is left minus what is
already in flight. Otherwise the caller waits for the announced reset; that wait is pacing,
not an error retry, and is bounded by one limit for the whole run. A 429 that still comes
(another client spending the same key's budget) closes the window until its Retry-After.

:func:`admit` and :func:`release` are the client's hand-off to the window around each GET.
"""

from __future__ import annotations

import threading
import time
from typing import Callable

import httpx

from ._exceptions import RateLimitedError

EPOCH_THRESHOLD = 10**9  # a Ratelimit-Reset above this is epoch seconds, below it seconds from now
UNKNOWN_WINDOW_IN_FLIGHT = 8  # before the first answer the budget is unknown: a few requests, not 64


class WaitLimitExceeded(Exception):
    """Waiting for the window would pass the run's limit on rate waits."""


class RateWindow:
    def __init__(self, *, wait_limit: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], object] = time.sleep, wall: Callable[[], float] = time.time) -> None:
        self.wait_limit = float(wait_limit)
        self._clock, self._sleep, self._wall = clock, sleep, wall
        self._lock = threading.Lock()
        self._remaining: int | None = None  # as announced for the current window
        self._limit: int | None = None
        self._reset_at: float | None = None  # clock time at which the current window ends
        self._in_flight = 0
        self.waited = 0.0  # seconds this run spent waiting for windows
        self._counted_until = float("-inf")  # clock time up to which ``waited`` already counts
        self.lowest_remaining: int | None = None
        self.refusals = 0  # 429s answered to this client

    def admit(self) -> None:
        """Block until the window has room for one more request, then count it as in flight."""
        while True:
            with self._lock:
                now = self._clock()
                if self._reset_at is not None and now >= self._reset_at:
                    # A new window: the whole budget, until an answer says otherwise.
                    self._remaining, self._reset_at = self._limit, None
                if self._remaining is None:
                    room = self._in_flight < UNKNOWN_WINDOW_IN_FLIGHT
                else:
                    room = self._remaining - self._in_flight > 0
                if room:
                    self._in_flight += 1
                    return
                if self._reset_at is None or (self._in_flight and (self._remaining or 0) > 0):
                    wait = 0.01  # room comes back as the requests in flight answer
                else:
                    wait = max(0.01, self._reset_at - now)
                    # The run's waiting time, not the sum over its threads: 64 readers waiting
                    # for the same reset wait once.
                    added = max(0.0, self._reset_at - max(self._counted_until, now))
                    if self.waited + added > self.wait_limit:
                        raise WaitLimitExceeded(
                            f"Render API rate limit: the window resets in {wait:.0f} s, past the run's "
                            f"{self.wait_limit:g} s limit on rate waits (RENDER_RATE_WAIT_SECONDS; "
                            f"{self.waited:.0f} s already waited)")
                    self.waited += added
                    self._counted_until = max(self._counted_until, self._reset_at)
            self._sleep(wait)

    def release(self, *, remaining: str | None, reset: str | None, limit: str | None) -> None:
        """One admitted request has its answer (or none); note what its headers say of the window."""
        with self._lock:
            self._in_flight = max(0, self._in_flight - 1)
            left, seconds = parse_seconds(remaining), parse_seconds(reset)
            if parse_seconds(limit) is not None:
                self._limit = int(parse_seconds(limit))
            if left is None:
                return
            left = int(left)
            self.lowest_remaining = left if self.lowest_remaining is None else min(self.lowest_remaining, left)
            if seconds is None:
                self._remaining = left if self._remaining is None else min(self._remaining, left)
                return
            if seconds > EPOCH_THRESHOLD:
                seconds -= self._wall()
            reset_at = self._clock() + max(0.0, seconds)
            if self._reset_at is None or reset_at > self._reset_at + 0.5:
                self._remaining, self._reset_at = left, reset_at  # the first answer of a new window
            else:
                self._remaining = min(self._remaining if self._remaining is not None else left, left)

    def refused(self, retry_after: float) -> None:
        """A 429: the window is spent for ``retry_after`` seconds, whatever the headers said."""
        with self._lock:
            self.refusals += 1
            self._remaining = 0
            self._reset_at = self._clock() + max(0.0, retry_after)


def parse_seconds(text: str | None) -> float | None:
    """A header's number (seconds, or a count); None if absent or not a finite number."""
    if text is None:
        return None
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def admit(rate: RateWindow, clock: Callable[[], float], path: str) -> float:
    """Wait for room in Render's rate window; the seconds it took (pacing, not retrying)."""
    before = clock()
    try:
        rate.admit()
    except WaitLimitExceeded as exc:
        raise RateLimitedError(f"{exc} on GET {path}", status=429, path=path) from None
    return clock() - before


def release(rate: RateWindow, response: httpx.Response | None) -> None:
    """One admitted GET is over; what its headers announce of the window (none if no answer)."""
    # A 429's own headers are read by the retry: its Retry-After is what closes the window.
    headers = response.headers if response is not None and response.status_code != 429 else {}
    rate.release(remaining=headers.get("Ratelimit-Remaining"),
                 reset=headers.get("Ratelimit-Reset"), limit=headers.get("Ratelimit-Limit"))
