#!/usr/bin/env python
"""Benchmark of the suite's own tests (a script, not a test): wall time, tests, sandbox worlds judged.

    python bench/bench_tests.py                 # the README's test command, as CI runs it
    python bench/bench_tests.py --before        # the shape before: one worker, a new interpreter per command

Runs ``python -m pytest tests`` (``--before``: ``-p no:xdist`` and ``PHASEGATE_TESTS_SUBPROCESS=1``) with a log of
every ``python -m`` command the tests make (``PHASEGATE_TESTS_RUNLOG``), and prints: the wall time, the tests
passed / failed, the acceptance-suite runs and ``phasegate`` commands the tests made, and the distinct sandbox
worlds they judged. The counts of tests and worlds must not shrink when the time does.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README_COMMAND = ["python", "-m", "pytest", "tests", "-n", "auto", "--dist", "loadfile"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", action="store_true", help="one worker, a new interpreter per command")
    parser.add_argument("--log", type=Path, help="keep the log of every command (JSON lines: test, command, world, "
                                                 "seconds) here")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "commands.jsonl"
        env = {**os.environ, "PHASEGATE_TESTS_RUNLOG": str(log)}
        extra = []
        if options.before:
            env["PHASEGATE_TESTS_SUBPROCESS"] = "1"
            extra = ["-p", "no:xdist"]
        command = README_COMMAND[1:4] if options.before else README_COMMAND[1:]
        started = time.monotonic()
        done = subprocess.run([sys.executable, *command, *extra, "-q", "-p", "no:cacheprovider"],
                              cwd=ROOT, env=env, capture_output=True, text=True)
        wall = time.monotonic() - started
        commands = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
        if options.log and log.exists():
            options.log.write_text(log.read_text())
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-300:]
    kinds = Counter(c["command"][1] for c in commands if len(c["command"]) > 1)
    worlds = set()
    for command in commands:
        world = command.get("world")
        if world:
            worlds.add(world)
    print(f"shape:     {'before (one worker, new interpreters)' if options.before else 'README (xdist, warm forks)'}")
    print(f"wall:      {wall:.0f} s")
    print(f"tests:     {summary}")
    for line in done.stdout.splitlines():
        if line.startswith(("FAILED", "ERROR")):
            print(f"           {line}")
    print(f"commands:  {kinds.get('pytest', 0)} acceptance-suite runs, {kinds.get('phasegate.cli', 0)} phasegate "
          f"commands ({sum(c['seconds'] for c in commands):.0f} s in all)")
    print(f"worlds:    {len(worlds)} distinct sandbox worlds judged")
    return 0 if done.returncode == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
