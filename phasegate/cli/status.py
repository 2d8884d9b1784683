"""``phasegate status RUN``: each run's verdict in one line; the exit code is the gate's, the worst of them
(:mod:`phasegate.report.gate`). Of reports/<env>, also what the runs since the newest sign-off say of it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .base import EXIT_REFUSED
from .folders import newest_runs


def register(sub) -> None:
    p = sub.add_parser("status", help="the run's verdict in one line; the exit code is the gate",
                       description="Print whether RUN can be signed. Exit 0 signable (complete, every failure "
                                   "waived and valid), 1 a criterion failed, 2 one is broken or the run is partial "
                                   "(interrupted, or a criterion not run or skipped without a waiver), 3 not the "
                                   "real target (sandbox, the phasegate simulator, an undeclared API URL).")
    p.add_argument("run", type=Path, metavar="RUN",
                   help="run folder, or reports/<env> for its newest run")
    p.add_argument("--json", action="store_true", help="one JSON object: code, label, signable, reasons, verdict")
    p.set_defaults(func=cmd_status)


def cmd_status(args) -> int:
    from ..report.drift import status_line
    from ..report.gate import assess
    from ..report.model import load_run

    folders = newest_runs(args.run)
    if not folders:
        print(f"phasegate status: {args.run} is neither a run folder nor a folder of runs", file=sys.stderr)
        return EXIT_REFUSED
    codes = []
    for folder in folders:  # one line each; the exit code is the worst of them
        run = load_run(folder)
        assessment = assess(run)
        codes.append(assessment.code)
        # Of an environment's folder: the phase's newest signed run and what the runs since say of it.
        since = None if folder == args.run else status_line(args.run, run.phase.name)
        if args.json:
            print(json.dumps({"run": str(folder), "phase": run.phase.name, **assessment.to_dict(),
                              **({"since_signoff": since} if since else {})}, sort_keys=True))
        else:
            print(f"{folder}: {assessment.line()}")
            if since:
                print(since)
    return max(codes)
