"""``phasegate practice [--dir DIR]``: the whole sign-off flow on the sandbox with a throwaway key, every artefact
stamped PRACTICE (:mod:`phasegate.report.practice`)."""

from __future__ import annotations

import sys
from pathlib import Path

from .base import EXIT_REFUSED


def register(sub) -> None:
    p = sub.add_parser("practice", help="practise the sign-off on the sandbox: run, sign, verify, gate OPEN, drift",
                       description="Walk the whole flow on the sandbox with a throwaway SSH key: a practice run "
                                   "(pytest --practice) -> status -> signoff --practice -> verify -> gate --practice "
                                   "OPEN -> a run of a world that violates a criterion -> gate DRIFTED, printing each "
                                   "command and its outcome. Every artefact is stamped PRACTICE; a practice "
                                   "signature never opens a real environment's gate. Exit 0 when the gate opened "
                                   "then drifted, 1 when a step did not end as it should, 2 when it cannot start.")
    p.add_argument("--dir", type=Path, default=None, metavar="DIR",
                   help="the practice report root (default: reports/practice in the checkout); runs go to DIR/sandbox/")
    p.set_defaults(func=cmd_practice)


def cmd_practice(args) -> int:
    from ..report.practice import ROOT, PracticeError, walk
    from ..sandbox.session import resolve
    from ..sandbox.settings import PRACTICE_DRIFT_WORLD

    try:
        return walk(args.dir or ROOT / "reports" / "practice", out=lambda line: print(line, flush=True),
                    drift=(PRACTICE_DRIFT_WORLD, resolve(PRACTICE_DRIFT_WORLD).violates))
    except PracticeError as exc:
        print(f"phasegate practice: {exc}", file=sys.stderr)
        return EXIT_REFUSED
