"""The completion report's document model: a list of blocks (headings, paragraphs, list items, tables,
preformatted text) whose inline parts are plain text or the small typed parts below.

Section builders append blocks to a :class:`Doc`; :mod:`.markdown_renderer` and :mod:`.html_renderer`
render the same document to Markdown and to self-contained HTML.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Link:
    text: str
    href: str


@dataclass
class Anchor:
    """Where a link inside the report lands (a criterion's entry): an explicit ``<a id>`` in Markdown, which
    GitHub keeps; the ``id`` of the list item in HTML."""

    id: str


@dataclass
class Code:
    text: str


@dataclass
class Status:
    """A criterion's status: a word with its mark (an emoji in Markdown, a plain mark and colour in HTML)."""

    word: str


@dataclass
class Image:
    label: str
    href: str  # relative to the run folder: Markdown links it
    data_uri: str  # the HTML shows it inline (the page allows data: images only)


@dataclass
class Verdict:
    """A claim's verdict in the ledger: a mark and a word (the same in Markdown and HTML: no emoji)."""

    word: str
    note: str = ""


# The ledger's marks, shared by both renderers (no emoji: the same in Markdown and HTML).
LEDGER_MARK = {"passed": "✔", "failed": "✘", "broken": "!", "waived": "⚠", "skipped": "–", "pending": "…",
               "not run": "·", "not applicable": "·"}


class Doc:
    def __init__(self) -> None:
        self.blocks: list[tuple] = []

    def h(self, level: int, *inline) -> None:
        self.blocks.append(("h", level, list(inline)))

    def p(self, *inline) -> None:
        self.blocks.append(("p", list(inline)))

    def li(self, *inline, detail: str | None = None, images: tuple = ()) -> None:
        """A list item; ``detail`` (a message, its lines kept) and ``images`` are shown under it."""
        self.blocks.append(("li", list(inline), detail, tuple(images)))

    def table(self, header: list[str], rows: list[list]) -> None:
        self.blocks.append(("table", header, rows))

    def pre(self, text: str) -> None:
        self.blocks.append(("pre", text))
