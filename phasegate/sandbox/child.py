"""The sandbox's Render simulator in a process of its own.

A simulated Render in the suite's own process would share its interpreter lock: the
server's work would slow the client's, which Render never does. The parent starts this
module early, then writes one JSON line to its stdin (world, key, faults, substitutions,
request log path); the child prints its base URL on one line and serves until its stdin
closes, then writes the request log and exits. Secrets travel on the pipe, not in argv
or the environment. Ctrl-C is the suite's: the child ignores SIGINT and stops when its pipe closes.
"""

from __future__ import annotations

import json
import signal
import sys


def main() -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the suite; it stops this child by closing stdin
    spec = json.loads(sys.stdin.readline() or "{}")
    if not spec:
        return 0  # the parent gave up before sending a world
    from .simulator import serve

    try:
        simulator = serve(spec["world"], api_key=spec["key"], faults=spec.get("faults", ""),
                          substitutions=spec.get("substitutions"))
    except Exception as exc:  # one line for the parent to report
        print(f"error: {type(exc).__name__}: {exc}", flush=True)
        return 1
    print(simulator.base_url, flush=True)
    try:
        sys.stdin.read()  # until the parent closes the pipe (or dies)
    finally:
        if spec.get("request_log"):
            simulator.write_request_log(spec["request_log"])
        simulator.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
