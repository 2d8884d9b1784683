"""``phasegate prune --keep N``: remove old run folders per environment, never a signed one
(:mod:`phasegate.report.history`)."""

from __future__ import annotations

import sys
from pathlib import Path

from .base import EXIT_OK, EXIT_REFUSED


def register(sub) -> None:
    p = sub.add_parser("prune", help="remove old run folders, keeping the newest N per environment and phase",
                       description="Per environment and phase under the report folder (a folder holding run "
                                   "folders), remove all run folders but the newest N (signed runs are never "
                                   "removed) and cap each Allure history file.")
    p.add_argument("--keep", required=True, type=int, metavar="N",
                   help="run folders to keep per environment and phase")
    p.add_argument("--report-dir", default="reports", type=Path, metavar="DIR",
                   help="the folder pytest wrote runs into (default: reports)")
    p.add_argument("--env", default=None, metavar="NAME", help="prune only this environment")
    p.add_argument("--dry-run", action="store_true", help="say what would be removed; remove nothing")
    p.set_defaults(func=cmd_prune)


def cmd_prune(args) -> int:
    from ..report.history import HISTORY_RUNS, prune

    try:
        done = prune(args.report_dir, args.keep, environment=args.env, dry_run=args.dry_run)
    except (ValueError, FileNotFoundError) as exc:
        print(f"phasegate prune: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    verb = "would remove" if args.dry_run else "removed"
    for env in done:
        signed = f"; kept {len(env.kept_signed)} older signed run(s): signed runs are never pruned" \
            if env.kept_signed else ""
        print(f"{env.environment}: {verb} {len(env.removed)} run folder(s) ({env.freed_bytes / 1e6:.1f} MB), "
              f"kept {len(env.kept)} (the newest {args.keep} of each phase){signed}; history capped at "
              f"{HISTORY_RUNS} runs")
    return EXIT_OK
