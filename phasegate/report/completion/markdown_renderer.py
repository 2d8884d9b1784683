"""Renders a completion report's :class:`~.document.Doc` to Markdown (statuses as emoji marks)."""

from __future__ import annotations

import re

from .document import LEDGER_MARK, Anchor, Code, Doc, Link, Status, Verdict

MD_MARK = {"passed": "✅", "failed": "❌", "broken": "❌", "waived": "⚠", "skipped": "⏭", "not run": "➖",
           "pending": "⏳"}


def _text(text: str) -> str:
    """Plain text with a tag-like ``<`` escaped outside code spans: GitHub would take ``<the table>`` (a fix's
    placeholder) for a tag and drop it; an autolink (``<ana@example.com>``) is left as it is."""
    pieces = re.split(r"(`[^`]*`)", text)
    return "".join(p if p.startswith("`") else re.sub(r"<(?=/?[A-Za-z][A-Za-z0-9-]*[\s/>])", r"\\<", p) for p in pieces)


def _md_inline(parts) -> str:
    out = []
    for part in parts if isinstance(parts, list) else [parts]:
        if isinstance(part, Link):
            out.append(f"[{part.text}]({part.href})")
        elif isinstance(part, Code):
            out.append(f"`{part.text}`")
        elif isinstance(part, Anchor):
            out.append(f'<a id="{part.id}"></a>')
        elif isinstance(part, Status):
            out.append(f"{MD_MARK.get(part.word, '?')} **{part.word}**")
        elif isinstance(part, Verdict):
            mark = LEDGER_MARK.get(part.word)
            out.append((f"{mark} **{part.word}**" if mark else part.word) + part.note)
        else:
            out.append(_text(str(part)))
    return "".join(out)


def _list_item(block: tuple) -> list[str]:
    """``- item``, then its message as a fenced block and its images, indented under it."""
    lines = ["- " + _md_inline(block[1])]
    if block[2]:
        lines.extend(["", "  ```", *[f"  {ln}" for ln in block[2].splitlines()], "  ```", ""])
    for image in block[3]:
        lines.extend(["", f"  ![{image.label}]({image.href})", ""])
    return lines


def _table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        lines.append("| " + " | ".join(_md_inline(c).replace("|", "\\|") for c in row) + " |")
    lines.append("")
    return lines


def to_markdown(doc: Doc) -> str:
    lines: list[str] = []
    previous = None
    for block in doc.blocks:
        kind = block[0]
        if kind != "li" and previous == "li":
            lines.append("")
        if kind == "h":
            lines.extend(["#" * block[1] + " " + _md_inline(block[2]), ""])
        elif kind == "p":
            lines.extend([_md_inline(block[1]), ""])
        elif kind == "li":
            lines.extend(_list_item(block))
        elif kind == "table":
            lines.extend(_table(block[1], block[2]))
        elif kind == "pre":
            lines.extend(["```", block[1].rstrip("\n"), "```", ""])
        previous = kind
    return "\n".join(lines).rstrip("\n") + "\n"
