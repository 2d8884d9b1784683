"""``phasegate diff RUN_A RUN_B``: what changed between two runs; exit 1 when an outcome regressed
(:mod:`phasegate.report.diff`)."""

from __future__ import annotations

import sys

from .base import EXIT_FAILED, EXIT_OK, EXIT_REFUSED
from .folders import run_folder


def register(sub) -> None:
    p = sub.add_parser("diff", help="what changed between two runs",
                       description="Criterion outcomes, service configuration fields, env var keys, rotated "
                                   "secrets (by digest) and grants that differ between RUN_A and RUN_B. Exit 1 "
                                   "when a criterion's outcome is worse in RUN_B (e.g. passed -> failed).")
    p.add_argument("run_a", type=run_folder, metavar="RUN_A", help="the earlier run folder")
    p.add_argument("run_b", type=run_folder, metavar="RUN_B", help="the later run folder")
    p.add_argument("--write", action="store_true", help="also write the diff as an appendix of RUN_B's report")
    p.set_defaults(func=cmd_diff)


def cmd_diff(args) -> int:
    from ..report.diff import DifferentPhases, diff_runs, regressions, write_appendix

    try:
        text = diff_runs(args.run_a, args.run_b)
    except DifferentPhases as exc:
        print(f"phasegate diff: refused: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    print(text, end="")
    if args.write:
        try:
            write_appendix(args.run_a, args.run_b, text)
        except PermissionError as exc:
            print(f"phasegate diff: refused: {exc}", file=sys.stderr)
            return EXIT_REFUSED
        print(f"appendix written into {args.run_b / 'completion-report.md'}")
    worse = regressions(args.run_a, args.run_b)
    if worse:
        print(f"phasegate diff: {len(worse)} outcome(s) regressed: {', '.join(worse)}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK
