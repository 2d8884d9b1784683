"""The completion report's *Needs attention* block, shown right under the run's status: every criterion that
failed or broke (ID, title, section, the one-line reason, the catalogue's ``Fix:``), then those not judged
(pending, skipped, not run), each linked to its entry further down; one line when nothing needs attention.

A signer reads the problems first instead of scrolling past every passed criterion to find them. Each
entry's anchor is :func:`anchor_of` its ID, set on the criterion's line by :mod:`.criterion`.
"""

from __future__ import annotations

import re

from ..model import Result
from .context import ReportContext
from .document import Doc, Link, Status

_REASON_CAP = 200  # characters: one line in the block; the whole message is at the criterion's entry
_FIX_CAP = 360  # a fix cut short misleads: room for the catalogue's longest first sentence (the key doors')


def anchor_of(cid: str) -> str:
    """The fragment of a criterion's entry (``p4-03``): lower case, as GitHub keeps explicit anchors."""
    return cid.lower()


def _cap(text: str, limit: int = _REASON_CAP) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " …"


def reason(result: Result) -> str:
    """The first message as one line: what was violated, then expected and actual (the fix is given apart)."""
    message = next((m for m in result.messages if m), "")
    if not message:
        return ""
    first, *rest = message.splitlines()
    first = re.sub(r"^\[sandbox\]\s*", "", first.strip())
    first = re.sub(rf"^{re.escape(result.id)} (violated|failed|broken):\s*", "", first)
    fields = dict(re.match(r"\s*(expected|actual):\s*(.*)$", ln).groups() for ln in rest
                  if re.match(r"\s*(expected|actual):", ln))
    if not fields:
        return _cap(first)
    # What was found first: an expectation can be long, and its cap must not cut the finding.
    found = _cap(f"{first}: {fields.get('actual', '?')}", 160)
    return f"{found} (expected {_cap(fields.get('expected', '?'), 80)})"


def _fix(ctx: ReportContext, result: Result) -> str:
    """The catalogue's ``Fix:`` paragraph, its first sentence (the entry below has the rest)."""
    criterion = ctx.run.phase.criteria.get(result.id)
    text = criterion.fix if criterion else ""
    return _cap(re.split(r"(?<=\.)\s", text, maxsplit=1)[0], _FIX_CAP) if text else ""


def _entry(doc: Doc, ctx: ReportContext, result: Result, word: str, why: str) -> None:
    section = ctx.sections.get(result.id)
    parts: list = [Status(word), " ", Link(result.id, "#" + anchor_of(result.id)), f" {result.title}"]
    parts.append(f" ({section})" if section else "")
    if why:
        parts.append(f" — {why}" + ("" if why.endswith((".", "…")) else "."))
    fix = _fix(ctx, result) if word in ("failed", "broken") else ""
    if fix:
        parts.append(f" **Fix:** {fix}")
    doc.li(*parts)


def needs_attention(doc: Doc, ctx: ReportContext) -> None:
    """Failed and broken first, then what was not judged; the same criteria the gate blocks on."""
    run = ctx.run
    broken = ctx.blocking
    unjudged = [x for x in run.ran if x.pending or (x.status == "skipped")]
    doc.h(2, "Needs attention")
    if not broken:
        doc.p("No criterion failed or broke" + (": what was not judged is listed below." if unjudged or run.not_run
                                                  else "."))
    for x in broken:
        _entry(doc, ctx, x, x.status, reason(x) or x.verdict_text())
    for x in unjudged:
        word = "pending" if x.pending else "skipped"
        _entry(doc, ctx, x, word, "not yet executable" if x.pending else x.verdict_text().removeprefix("skipped: "))
    if run.not_run:
        parts: list = [Status("not run"), " "]
        for i, x in enumerate(run.not_run):
            parts.extend(([", "] if i else []) + [Link(x.id, "#" + anchor_of(x.id))])
        doc.li(*parts, " — run the whole phase to have them judged.")
