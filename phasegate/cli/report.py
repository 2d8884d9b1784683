"""``phasegate report RUN``: (re)build a run folder's reports; refused for a signed run."""

from __future__ import annotations

import sys

from .base import EXIT_FAILED, EXIT_OK, EXIT_REFUSED
from .folders import run_folder


def register(sub) -> None:
    p = sub.add_parser("report", help="(re)build the reports of a run folder",
                       description="(Re)build completion-report.md/.html, the single-file Allure HTML and "
                                   "manifest.json of a run folder.")
    p.add_argument("run", type=run_folder, metavar="RUN", help="run folder (reports/<env>/<UTC timestamp>)")
    p.add_argument("--no-html", action="store_true", help="skip the Allure HTML (keep any existing one)")
    p.set_defaults(func=cmd_report)


def cmd_report(args) -> int:
    from ..report import build_reports
    from ..report.model import SIGNATURE, SIGNOFF

    if (args.run / SIGNOFF).exists() or (args.run / SIGNATURE).exists():
        print(f"phasegate report: refused: {args.run.name} is signed; rebuilding would break its signature",
              file=sys.stderr)
        return EXIT_REFUSED
    data = build_reports(args.run, html=not args.no_html, history=False)
    html = data["allure_html"]
    if args.no_html:
        note = "Allure HTML left as it was"
    elif html.get("reason"):
        note = f"Allure HTML not rebuilt: {html['reason']}"
    else:
        note = "Allure HTML written"
    counts = ", ".join(f"{v} {k}" for k, v in data["counts"].items() if v)
    print(f"{args.run}: completion-report.md/.html, manifest.json ({len(data['files'])} files); {note}; {counts}")
    return EXIT_FAILED if html.get("reason") and not args.no_html else EXIT_OK
