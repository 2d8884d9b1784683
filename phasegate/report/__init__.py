"""Reports built from a run folder: completion report, manifest, Allure HTML; sign-off (with its in-toto
attestation), verify, diff, status, and the deploy gate with drift since a sign-off.

:func:`build_reports` is called at the end of a pytest session by :mod:`.at_session_end` (unless
``--no-report``) and by ``phasegate report RUN``. It never fails the pytest run for want of
the Allure CLI: the manifest records that the HTML was not generated, and why.
"""

from __future__ import annotations

import json
from pathlib import Path

from .. import redact
from ..fileio import write_atomic
from . import allure_html, completion, manifest
from .history import HISTORY_RUNS, cap_history, history_file
from .model import (COMPLETION_HTML, COMPLETION_MD, DIFF_APPENDIX, HTML_REPORT, RESULTS, SIGNOFF, load_run)

__all__ = ["build_reports", "write_completion"]


def _read_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def write_completion(folder: Path, run=None, now=None):
    """(Re)write completion-report.md/.html from run.json, signoff.json and any diff appendix."""
    folder = Path(folder)
    run = run or load_run(folder, now)
    signoff = _read_json(folder / SIGNOFF)
    appendix = (_read_json(folder / DIFF_APPENDIX) or {}).get("text")
    md, page = completion.render(run, signoff, appendix)
    write_atomic(folder / COMPLETION_MD, redact.scrub(md))
    write_atomic(folder / COMPLETION_HTML, redact.scrub(page))
    return run


def build_reports(folder, *, html: bool = True, history: bool = True, now=None) -> dict:
    """Write the completion report, the Allure HTML and the manifest into the run folder."""
    folder = Path(folder)
    run = write_completion(folder, now=now)
    html_status = {"generated": False, "file": None, "reason": "not requested"}
    if html:
        out = folder / HTML_REPORT
        # Per environment (the nightly workflow caches it), per world for a sandbox run; capped.
        trend = history_file(folder, run.record) if history else None
        if trend is not None:
            cap_history(trend, HISTORY_RUNS - 1)  # Allure adds this run: the page embeds at most HISTORY_RUNS
        try:
            allure_html.generate(
                folder / RESULTS, out,
                name=("PRACTICE — " if run.practice else "") + ("SANDBOX — " if run.sandbox else "")
                + f"{run.phase.title} — {run.record.environment}",
                history=trend,
            )
            html_status = {"generated": True, "file": HTML_REPORT, "reason": None}
        except allure_html.HtmlNotGenerated as exc:
            # A rebuild that fails keeps the HTML an earlier build wrote; the manifest says both.
            kept = out.exists()
            html_status = {"generated": kept, "file": HTML_REPORT if kept else None,
                           "reason": f"{exc}; kept the previous {HTML_REPORT}" if kept else str(exc)}
    elif (folder / HTML_REPORT).exists():
        html_status = {"generated": True, "file": HTML_REPORT, "reason": None}
    data = manifest.build(run, html=html_status, signoff=_read_json(folder / SIGNOFF))
    manifest.write(folder, data)
    return data
