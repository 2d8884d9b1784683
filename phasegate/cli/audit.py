"""``phasegate audit REPORT``: what accounts for each ✅ of a hand-written report (:mod:`phasegate.audit`);
with ``--scaffold``, a new phase folder written from it instead (:mod:`phasegate.scaffold`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .base import EXIT_OK
from .folders import newest_runs


def register(sub) -> None:
    p = sub.add_parser("audit", help="what accounts for each ✅ of a hand-written report",
                       description="For every line of a Markdown report with ✅, ✔, ☑ or a [x] checkbox, in "
                                   "document order: its line, its text, and what accounts for it in a phase's claims "
                                   "table (criteria, phase verdict, not verifiable and why, or UNMAPPED). Exit 0 "
                                   "when every claim is accounted for, 1 when any is unmapped, 2 for an unreadable "
                                   "file, an unknown phase or run folder. With --scaffold, write a new phase folder "
                                   "from the report instead (exit 2 when refused).")
    p.add_argument("report", type=Path, metavar="REPORT", help="the hand-written Markdown report")
    p.add_argument("--phase", default=None, metavar="NAME",
                   help="the phase whose claims table to use (default: the one matching most lines)")
    p.add_argument("--run", type=Path, default=None, metavar="RUN",
                   help="a run folder, or reports/<env> for the newest run of each phase: adds today's verdicts")
    p.add_argument("--json", action="store_true",
                   help='one JSON object: phase, total, unmapped, claims [{line, text, status, criteria, reason, '
                        'verdict}]')
    p.add_argument("--scaffold", type=Path, default=None, metavar="features/<phase>",
                   help="write a new phase folder: phase.yaml, one feature per section, a scenario per claim no "
                        "phase accounts for: real steps when the step vocabulary covers it, else pending (refuses "
                        "an existing folder)")
    p.add_argument("--prefix", default=None, metavar="PREFIX", help="the new phase's criterion prefix, e.g. P6")
    p.add_argument("--title", default=None, metavar="TITLE",
                   help='the new phase\'s title (default: "Phase N" from the prefix PN)')
    p.add_argument("--role", action="append", default=[], metavar="NAME=ROLE",
                   help="with --scaffold: the role a service of the report is named by in the steps and in "
                        "RENDER_SERVICES (default: from its name, upload-web-staging -> web, or its type); repeatable")
    p.set_defaults(func=cmd_audit)


def _catalogue_root() -> Path:
    """The folder holding features/: the current one when it has them, else this checkout."""
    here = Path.cwd()
    return here if (here / "features").is_dir() else Path(__file__).resolve().parents[2]


def _role(pair: str) -> tuple[str, str]:
    """``--role upload-web-staging=web`` as (service name, role)."""
    from ..audit import AuditError

    name, equals, role = pair.partition("=")
    if not equals or not name.strip() or not role.strip():
        raise AuditError(f"--role needs NAME=ROLE (e.g. upload-web-staging=web), got {pair!r}")
    return name.strip(), role.strip()


def cmd_audit(args) -> int:
    from ..audit import EXIT_UNUSABLE, AuditError, audit, read_verdicts
    from ..catalogue.criteria import load_phases

    try:
        if args.scaffold is not None:
            from ..scaffold import scaffold

            roles = dict(_role(pair) for pair in args.role)
            for line in scaffold(args.report, args.scaffold, args.prefix, args.title, roles):
                print(line)
            return EXIT_OK
        result = audit(args.report, load_phases(_catalogue_root()), args.phase)
        if args.run is not None:
            folders = newest_runs(args.run)  # as status reads them: RUN, or the newest run of each phase
            if not folders:
                raise AuditError(f"{args.run} is neither a run folder nor a folder of runs")
            read_verdicts(result, folders)
    except AuditError as exc:
        print(f"phasegate audit: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        print("\n".join(result.lines()))
    return result.code
