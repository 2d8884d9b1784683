"""``phasegate summary RUN``: the CI job summary (Markdown) — ``phasegate status``'s own lines for the folder,
then the criteria not passed (:mod:`phasegate.report.summary`)."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import phasegate.cli.status as status_command  # the module itself: its sub-parser runs here
from .base import EXIT_OK, EXIT_REFUSED, command_parser, run_command
from .folders import newest_runs


def register(sub) -> None:
    p = sub.add_parser("summary", help="the CI job summary (Markdown) of an environment's newest runs",
                       description="Markdown for $GITHUB_STEP_SUMMARY: the lines `phasegate status RUN` prints, then "
                                   "a table of the criteria not passed (ID, title, status, expected vs actual in "
                                   "one line, Render dashboard link). Appended to --out, else to "
                                   "$GITHUB_STEP_SUMMARY when set, else printed. Exit 0 written, 2 no run folder.")
    p.add_argument("run", type=Path, metavar="RUN",
                   help="reports/<env> (the newest run of each phase), or a run folder")
    p.add_argument("--out", type=Path, default=None, metavar="FILE", help="append to FILE instead")
    p.set_defaults(func=cmd_summary)


def _status_said(run: Path) -> list[str]:
    """The lines ``phasegate status RUN`` prints, verbatim: parsed and run as the command line would
    (whatever status reports; its exit code is the gate's, not the summary's)."""
    said = io.StringIO()
    with contextlib.redirect_stdout(said), contextlib.redirect_stderr(said):
        run_command(command_parser([status_command]).parse_args(["status", str(run)]))
    return said.getvalue().splitlines()


def cmd_summary(args) -> int:
    from ..report import summary
    from ..report.model import load_run

    said = _status_said(args.run)
    runs = []
    for folder in newest_runs(args.run):
        try:
            runs.append(load_run(folder))
        except (OSError, ValueError, KeyError, TypeError):
            pass  # status's line names what is wrong with it
    text = summary.render(str(args.run), said, runs)
    target = summary.write(text, args.out)
    if target is None:
        print(text, end="")
    else:
        rows = sum(len(summary.not_passed(run)) for run in runs)
        print(f"job summary of {args.run} appended to {target}: {len(runs)} run(s), {rows} criteria not passed")
    return EXIT_OK if runs else EXIT_REFUSED
