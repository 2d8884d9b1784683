"""The sandbox's Render simulator in a process of its own.

A simulated Render in the suite's own process would share its interpreter lock: the
server's work would slow the client's, which Render never does. The parent starts the
child early, then writes one JSON line to its stdin (world, key, faults, substitutions,
request log path); the child prints its base URL on one line and serves until its stdin
closes, then writes the request log and exits. Secrets travel on the pipe, not in argv
or the environment. Ctrl-C is the suite's: the child ignores SIGINT and stops when its pipe closes.

:func:`start` makes the child. On Linux, from a process with one thread (a run, when its sandbox starts),
it is a fork of the run: no interpreter starts and imports phasegate again, so it answers a tenth of a
second sooner. Elsewhere, or with threads running, it is ``python -m`` this
module. Either way the parent holds the same handle: ``stdin``, ``stdout``, ``wait``, ``kill``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time


def start():
    """The simulator's process, waiting for its spec on ``stdin`` (a forked run, or a new interpreter)."""
    # A fork copies only the forking thread: with another running, a lock it held would stay held in the child.
    # macOS's system libraries (proxy lookup) are not safe across a fork without exec.
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return ForkedChild()
    return subprocess.Popen([sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)


class ForkedChild:
    """The simulator in a fork of this process, with :class:`subprocess.Popen`'s handle (text pipes)."""

    _held: set[int] = set()  # the parent's ends of every forked child's pipes, open in this process

    def __init__(self) -> None:
        spec_read, spec_write = os.pipe()
        url_read, url_write = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the child: never returns, never runs the parent's exit handlers or flushes its buffers
            code = 1
            try:
                # Another child's stdin held open here would keep it from ever seeing its end.
                # (A number the parent has closed since may name another file now: only the child's own are kept.)
                for fd in ForkedChild._held - {spec_read, url_write, 0, 1, 2} | {spec_write, url_read}:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
                code = main(os.fdopen(spec_read, "r"), os.fdopen(url_write, "w"))
            except BaseException:  # noqa: BLE001 - reported on stderr, as an interpreter would
                import traceback

                from .. import redact  # the fork holds the run's registered secrets: none reaches the traceback

                sys.stderr.write(redact.scrub(traceback.format_exc()))
            finally:
                os._exit(code)
        os.close(spec_read)
        os.close(url_write)
        self._fds = (spec_write, url_read)
        ForkedChild._held.update(self._fds)
        self.stdin, self.stdout = os.fdopen(spec_write, "w"), os.fdopen(url_read, "r")
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
                ForkedChild._held.difference_update(self._fds)  # closed by then (the handle's streams)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"{__name__} (pid {self.pid})", timeout)
            time.sleep(0.002)
        return self.returncode

    def kill(self) -> None:
        if self.poll() is None:
            os.kill(self.pid, signal.SIGKILL)


def main(stdin=None, stdout=None) -> int:
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the suite; it stops this child by closing stdin
    spec = json.loads(stdin.readline() or "{}")
    if not spec:
        return 0  # the parent gave up before sending a world
    from .simulator import serve

    try:
        simulator = serve(spec["world"], api_key=spec["key"], faults=spec.get("faults", ""),
                          substitutions=spec.get("substitutions"))
    except Exception as exc:  # one line for the parent to report
        print(f"error: {type(exc).__name__}: {exc}", file=stdout, flush=True)
        return 1
    print(simulator.base_url, file=stdout, flush=True)
    try:
        stdin.read()  # until the parent closes the pipe (or dies)
    finally:
        if spec.get("request_log"):
            simulator.write_request_log(spec["request_log"])
        simulator.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
