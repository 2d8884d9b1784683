"""One criterion's line in the completion report: status word and mark, ID, claim, value, evidence links;
its message and its charts (inlined images) below it."""

from __future__ import annotations

import base64

from ..model import Evidence, Result, Run
from .attention import anchor_of
from .document import Anchor, Code, Doc, Image, Link, Status


def evidence_names(files: list[Evidence]) -> list[str]:
    """Each file's name, unique within its criterion: a name several files share gets what tells them apart
    (the Examples row that attached it), and a number where even that is shared."""
    names = [ev.label for ev in files]
    names = [f"{name} — {ev.row}" if ev.row and names.count(name) > 1 else name for name, ev in zip(names, files)]
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(f"{name} ({seen[name]} of {names.count(name)})" if names.count(name) > 1 else name)
    return out


def _evidence_parts(result: Result) -> list:
    """Links named by what each file holds; images are shown, not linked."""
    files = [ev for ev in result.evidence if not ev.kind.startswith("image/")]
    if not files:
        return []
    parts: list = [" · evidence: "]
    for i, (ev, name) in enumerate(zip(files, evidence_names(files))):
        parts.extend([", "] if i else [])
        parts.append(Link(name, ev.href))
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
    # The anchor follows the ID: "- ❌ **failed** <ID> " stays the line's searchable start.
    parts: list = [Status("pending" if result.pending else result.status), f" {result.id} ",
                   Anchor(anchor_of(result.id))]
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
