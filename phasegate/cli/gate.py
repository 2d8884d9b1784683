"""``phasegate gate ENV_FOLDER --phase NAME``: may a pipeline promote this phase? Its own exit codes
(0 open … 64 usage, :mod:`phasegate.report.promotion`), so its usage errors exit 64, not 2."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("gate", help="may a pipeline promote this phase? signed, allowed, recent, no drift since",
                       description="Exit 0 (open) only when the newest signed run of PHASE in ENV_FOLDER verifies "
                                   "against the allowed signers (signature, every hash, the attestation), no later run "
                                   "of the phase shows a criterion passed or waived at sign-off now failed or broken, "
                                   "the newest later run is not partial, interrupted or broken as a whole (a complete "
                                   "run after one supersedes it), and the sign-off is "
                                   "younger than --max-age. Exit 1 drifted, 2 no valid signature (none, signer not "
                                   "allowed, a file changed), 3 expired (too old, or a waiver it relied on expired), "
                                   "4 a later run cannot tell, 64 usage. One line says why.")
    p.usage_exit = 64
    p.add_argument("env_folder", type=Path, metavar="ENV_FOLDER", help="an environment's runs: reports/<env>")
    p.add_argument("--phase", required=True, metavar="NAME", help="the phase's folder name, e.g. phase4")
    p.add_argument("--allowed-signers", required=True, type=Path, metavar="FILE",
                   help="OpenSSH allowed_signers file: who may sign off")
    p.add_argument("--max-age", default="7d", metavar="AGE",
                   help="how old a sign-off may be: 7d, 36h, 90m (default: 7d)")
    p.add_argument("--practice", action="store_true",
                   help="the gate of `phasegate practice`'s folder: opens only on a practice sign-off, every line "
                        "PRACTICE (without it, a practice sign-off never opens the gate)")
    p.add_argument("--json", action="store_true",
                   help="one JSON object: code, decision, line, causes, signed run, signer, age, later runs")
    p.set_defaults(func=cmd_gate)


def cmd_gate(args) -> int:
    from ..report.promotion import USAGE, UsageError, decide, parse_age

    try:
        decision = decide(args.env_folder, args.phase, args.allowed_signers, parse_age(args.max_age),
                          practice=args.practice)
    except (UsageError, ValueError) as exc:
        print(f"phasegate gate: {exc}", file=sys.stderr)
        return USAGE
    print(json.dumps(decision.to_dict(), sort_keys=True) if args.json else decision.line)
    return decision.code
