"""The CI job summary: an environment's verdict and its criteria not passed, as GitHub Markdown.

``phasegate summary reports/<env>`` renders it from run folders (the newest run of each
phase, read by :func:`~phasegate.report.model.load_run`, as the completion report reads
them) and appends it to ``$GITHUB_STEP_SUMMARY``: the lines ``phasegate status`` printed
for that folder, verbatim (one per phase, and whatever else status says about the
environment), then one table row per criterion that did not pass: ID, title, status,
expected vs actual in one line (a broken criterion's cause, a skip's reason, a waiver's
justification), and the Render dashboard link its message names (none for a skip or a cause
that names no service).

What the table shows is what the run folder already shows (the judges' messages, written
scrubbed); before the text leaves, the values of secret-looking variables in this
process's environment (and the passwords of URLs among them) are scrubbed from it too.
Every cell is escaped, so a value read from Render cannot change the table's shape.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from pathlib import Path

from .. import redact
from .model import Result, Run

MAX_ROWS = 200  # GitHub caps a step's summary at 1 MiB; a row is at most a few hundred bytes
MAX_CELL = 300
_PREFIX = re.compile(r"^(\[sandbox\]\s*)?([A-Z][A-Z0-9]*-\d+\s+)+(violated|broken|not run|failed|skipped):\s*")
_FIELD = re.compile(r"^\s+(expected|actual|service):\s*(.*)$")
_DASHBOARD = re.compile(r"https://dashboard\.render\.com/[\w/.-]+")
_SECRETISH = re.compile(r"KEY|SECRET|TOKEN|PASSWORD|DATABASE_URL|DSN", re.IGNORECASE)
_LABEL = {"passed": "✅ passed", "failed": "❌ failed", "broken": "❌ broken", "waived": "⚠ waived",
          "skipped": "⏭ skipped", "not run": "➖ not run"}


def escape(text: str, limit: int = MAX_CELL) -> str:
    """One table cell: one line, at most ``limit`` characters, no character that changes the table."""
    text = " ".join(redact.scrub(str(text)).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*\[\]|])", r"\\\1", text)


def one_line(message: str) -> str:
    """A judge's message in one line: ``what: expected X, actual Y`` (details after ``;``), else its first line."""
    lines = [ln for ln in str(message).splitlines() if ln.strip()]
    if not lines:
        return ""
    head = _PREFIX.sub("", lines[0].strip())
    fields, details = {}, []
    for line in lines[1:]:
        match = _FIELD.match(line)
        if match:
            fields[match.group(1)] = match.group(2).strip()
        else:
            details.append(line.strip())
    if "expected" in fields or "actual" in fields:
        text = f"{head}: expected {fields.get('expected', '?')}, actual {fields.get('actual', '?')}"
    else:
        text = head
    return "; ".join([text, *details])


def dashboard_link(result: Result) -> str | None:
    """The Render dashboard page the criterion's message names (a violation names its service's); else None."""
    for message in result.messages:
        found = _DASHBOARD.search(message)
        if found:
            return found.group(0)
    return None


def outcome_text(result: Result) -> str:
    """What happened instead of a pass, in one line."""
    judged = result.judged
    said = " / ".join(dict.fromkeys(filter(None, (one_line(m) for m in result.messages))))
    if judged is not None and judged.status == "waived":
        waiver = judged.waiver
        return f"{judged.outcome}: {said or 'no message'} — waived until {waiver.expires.isoformat()} by " \
               f"{waiver.approver}: {waiver.justification}"
    if result.status == "not run":
        return "not run in this run" + (f" ({result.partly})" if result.partly else "")
    text = said or result.verdict_text()
    if judged is not None and judged.waiver_state == "expired":
        text += f" (waiver by {judged.waiver.approver} expired {judged.waiver.expires.isoformat()})"
    return text


def not_passed(run: Run) -> list[Result]:
    """The phase's criteria whose status is not passed (failed, broken, waived, skipped, not run)."""
    return [r for r in run.results.values() if r.status not in ("passed", "not applicable")]


def render(where: str, status_lines: list[str], runs: list[Run]) -> str:
    """The job summary's Markdown for one environment folder."""
    register_environment()
    out = [f"## phasegate: {escape(where)}", ""]
    if any(run.sandbox for run in runs):
        out += ["**SANDBOX** — results of the sandbox, never a sign-off.", ""]
    out += ["`phasegate status`:", ""]
    out += [f"- {escape(line, 1000)}" for line in status_lines if line.strip()] or ["- (no output)"]
    rows = [(run, result) for run in runs for result in not_passed(run)]
    out.append("")
    if not runs:
        out.append("No run folder could be read: no criterion to list.")
    elif not rows:
        phases = ", ".join(run.phase.title for run in runs)
        out.append(f"Every criterion passed ({escape(phases)}).")
    else:
        out += [f"### Criteria not passed ({len(rows)})", "",
                "| Phase | ID | Criterion | Status | Expected vs actual | Render dashboard |",
                "|---|---|---|---|---|---|"]
        for run, result in rows[:MAX_ROWS]:
            link = dashboard_link(result)
            cell = f"[{escape(link.rsplit('/', 1)[-1], 60)}]({link})" if link else "—"
            out.append(f"| {escape(run.phase.title, 60)} | {escape(result.id, 20)} | {escape(result.title)} | "
                       f"{_LABEL.get(result.status, escape(result.status))} | {escape(outcome_text(result))} | "
                       f"{cell} |")
        if len(rows) > MAX_ROWS:
            out += ["", f"… and {len(rows) - MAX_ROWS} more: see each run's completion report."]
    out += ["", "Each run folder's completion-report.md holds the full messages and the evidence.", ""]
    return redact.scrub("\n".join(out))


def register_environment() -> None:
    """Register, to be scrubbed, every secret-looking value of this process's environment."""
    for key, value in os.environ.items():
        if redact.is_plain(key) or not _SECRETISH.search(key) or len(value) < 8:
            continue
        redact.register(value)
        try:
            password = urllib.parse.urlsplit(value).password
        except ValueError:
            password = None
        if password:
            redact.register(urllib.parse.unquote(password))


def write(text: str, out: Path | None) -> Path | None:
    """Append to ``out``, else to ``$GITHUB_STEP_SUMMARY`` when set; None: nowhere (print it)."""
    target = out or (Path(os.environ["GITHUB_STEP_SUMMARY"]) if os.environ.get("GITHUB_STEP_SUMMARY") else None)
    if target is None:
        return None
    with open(target, "a", encoding="utf-8") as handle:
        handle.write(text)
    return target
