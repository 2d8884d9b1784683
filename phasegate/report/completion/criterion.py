"""One criterion's line in the completion report: status word and mark, ID, claim, value, evidence links;
its message and its charts (inlined images) below it."""

from __future__ import annotations

import base64

from ..model import Result, Run
from .document import Code, Doc, Image, Link, Status


def _evidence_parts(result: Result) -> list:
    """Links named by what each file holds; images are shown, not linked."""
    files = [ev for ev in result.evidence if not ev.kind.startswith("image/")]
    if not files:
        return []
    parts: list = [" · evidence: "]
    for i, ev in enumerate(files):
        parts.extend([", "] if i else [])
        parts.append(Link(ev.label, ev.href))
    return parts


def _images(run: Run, result: Result) -> list[Image]:
    images = []
    for ev in result.evidence:
        if ev.kind.startswith("image/"):
            path = run.folder / ev.href
            try:
                data = base64.b64encode(path.read_bytes()).decode("ascii")
            except OSError:
                continue
            images.append(Image(ev.label, ev.href, f"data:{ev.kind};base64,{data}"))
    return images


def criterion_line(doc: Doc, result: Result, label: str | None = None, value=None, run: Run | None = None) -> None:
    """One criterion, once: status word and mark, ID, claim, value, evidence; its message and charts below."""
    parts: list = [Status("pending" if result.pending else result.status), f" {result.id} "]
    parts.append(label if label else result.title)
    if value is not None:
        parts.extend([": ", Code(str(value))])
    if result.pending:
        parts.append(" — not yet executable" + (f" ({result.verdict_text()})" if result.status == "waived" else ""))
    elif result.status not in ("passed", "failed", "broken"):
        parts.append(f" — {result.verdict_text()}")
    elif result.status != "passed" and result.judged and result.judged.waiver_state == "expired":
        parts.append(f" — {result.verdict_text()}")
    parts.extend(_evidence_parts(result))
    message = "\n".join(m for m in result.messages if m) if result.status in ("failed", "broken", "waived") else None
    doc.li(*parts, detail=message or None, images=_images(run, result) if run is not None else ())
