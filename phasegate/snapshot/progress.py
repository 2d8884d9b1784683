"""A line of progress for reads that take longer than a glance: said once, then updated.

Output goes to the real stderr (pytest captures ``sys.stderr`` inside fixtures): on a
terminal the line is rewritten in place, elsewhere (CI logs) a new line every ``every`` s.
"""

from __future__ import annotations

import sys
import threading
from typing import Callable, TextIO

RENDER_GETS_PER_MINUTE = 400  # Render's documented GET budget per key


def estimate_seconds(reads: int, remaining: int | None) -> float:
    """How long Render's budget makes ``reads`` GETs take when ``remaining`` are left in this window."""
    left = RENDER_GETS_PER_MINUTE if remaining is None else remaining
    if reads <= left:
        return 0.0
    windows = -(-(reads - left) // RENDER_GETS_PER_MINUTE)  # further windows needed, each a minute
    return 60.0 * windows


class Progress:
    def __init__(self, what: str, total: int, done: Callable[[], int], *, every: float = 5.0,
                 stream: TextIO | None = None) -> None:
        self.what, self.total, self._done, self.every = what, total, done, every
        self._stream = stream or sys.__stderr__
        self._tty = bool(getattr(self._stream, "isatty", lambda: False)())
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="phasegate-progress", daemon=True)

    def say(self, text: str) -> None:
        print(f"phasegate: {text}", file=self._stream, flush=True)

    def __enter__(self) -> "Progress":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        if self._tty:
            print(file=self._stream, flush=True)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            line = f"phasegate: {self.what}: {min(self._done(), self.total)}/{self.total} read"
            if self._tty:
                print(f"\r{line}", end="", file=self._stream, flush=True)
            else:
                print(line, file=self._stream, flush=True)
