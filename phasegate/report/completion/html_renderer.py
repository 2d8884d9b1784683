"""Renders a completion report's :class:`~.document.Doc` to one self-contained HTML page: inline CSS,
images as data: URIs, a Content-Security-Policy that allows nothing else (no script, font or stylesheet)."""

from __future__ import annotations

import html
import re

from .document import LEDGER_MARK, Anchor, Code, Doc, Link, Status, Verdict

# Marks every common font has (emoji fonts are often missing, and then show as empty boxes).
HTML_MARK = {"passed": "✓", "failed": "✗", "broken": "✗", "waived": "!", "skipped": "–", "not run": "·",
             "pending": "…"}

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
line-height:1.45;color:#1b1b1b}
h1{font-size:1.6rem}h2{border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0;width:100%;font-size:.9rem}td,th{border:1px solid #ccc;
padding:.25rem .4rem;text-align:left;vertical-align:top;overflow-wrap:break-word}td code{word-break:break-all}
code,pre{background:#f4f4f4;border-radius:3px;overflow-wrap:anywhere}pre{padding:.5rem;white-space:pre-wrap;margin:.3rem 0}
.st{display:inline-block;min-width:5.5rem;font-weight:bold;padding:0 .3rem;border-radius:3px}
.st-passed{color:#11632a;background:#e3f4e8}.st-failed,.st-broken{color:#9b1c1c;background:#fde8e8}
.st-waived{color:#7a5200;background:#fff3cd}
.st-skipped,.st-not-run,.st-pending,.st-not-applicable{color:#555;background:#eee}
.cid{white-space:nowrap}
figure{margin:.4rem 0}figure img{max-width:100%;height:auto;border:1px solid #ddd}figcaption{font-size:.85rem;color:#555}
.sandbox{background:#fff3cd;border:2px solid #d39e00;padding:.5rem 1rem;font-weight:bold}
ul{padding-left:1.4rem}li{margin:.15rem 0}
"""


_CRITERION_ID = re.compile(r"\b([A-Z][A-Z0-9]*\d-\d+)\b")


def _html_inline(parts) -> str:
    out = []
    for part in parts if isinstance(parts, list) else [parts]:
        if isinstance(part, Link):
            text = _CRITERION_ID.sub(r'<span class="cid">\1</span>', html.escape(part.text))
            out.append(f'<a href="{html.escape(part.href, quote=True)}">{text}</a>')
        elif isinstance(part, Anchor):
            continue  # the list item carries the id (see _block)
        elif isinstance(part, Code):
            out.append(f"<code>{html.escape(part.text)}</code>")
        elif isinstance(part, Status):
            word = html.escape(part.word)
            out.append(f'<span class="st st-{word.replace(" ", "-")}">{HTML_MARK.get(part.word, "?")} {word}</span>')
        elif isinstance(part, Verdict):
            word, mark = html.escape(part.word), LEDGER_MARK.get(part.word)
            shown = f'<span class="st st-{word.replace(" ", "-")}">{mark} {word}</span>' if mark else word
            out.append(shown + html.escape(part.note))
        else:
            text = html.escape(str(part), quote=False)
            text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
            text = _CRITERION_ID.sub(r'<span class="cid">\1</span>', text)  # a criterion ID never wraps
            out.append(re.sub(r"`([^`]+)`", r"<code>\1</code>", text))
    return "".join(out)


def _head(title: str, sandbox: bool) -> list[str]:
    first = "<!DOCTYPE html>" + ("<!-- SANDBOX run: simulated Render and database, never a sign-off -->"
                                 if sandbox else "")
    return [first, '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
            "img-src data:\">",
            f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"]


def _block(block: tuple) -> list[str]:
    """One block of the document as HTML lines (the list around list items is opened by :func:`to_html`)."""
    kind = block[0]
    if kind == "h":
        return [f"<h{block[1]}>{_html_inline(block[2])}</h{block[1]}>"]
    if kind == "p":
        return [f"<p>{_html_inline(block[1])}</p>"]
    if kind == "li":
        detail = f"<pre>{html.escape(block[2])}</pre>" if block[2] else ""
        images = "".join(f'<figure><img src="{image.data_uri}" alt="{html.escape(image.label, quote=True)}">'
                         f"<figcaption>{html.escape(image.label)}</figcaption></figure>" for image in block[3])
        anchor = next((f' id="{html.escape(p.id, quote=True)}"' for p in block[1] if isinstance(p, Anchor)), "")
        return [f"<li{anchor}>{_html_inline(block[1])}{detail}{images}</li>"]
    if kind == "table":
        return (["<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in block[1]) + "</tr>"]
                + ["<tr>" + "".join(f"<td>{_html_inline(c)}</td>" for c in row) + "</tr>" for row in block[2]]
                + ["</table>"])
    if kind == "pre":
        return [f"<pre>{html.escape(block[1])}</pre>"]
    return []


def to_html(doc: Doc, title: str, sandbox: bool) -> str:
    out = _head(title, sandbox)
    if sandbox:
        out.append('<p class="sandbox">SANDBOX run: a simulated Render and database. Not a sign-off.</p>')
    in_list = False
    for block in doc.blocks:
        kind = block[0]
        if kind == "li" and not in_list:
            out.append("<ul>")
            in_list = True
        elif kind != "li" and in_list:
            out.append("</ul>")
            in_list = False
        out.extend(_block(block))
    if in_list:
        out.append("</ul>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
