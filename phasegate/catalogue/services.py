"""Which services a hand-written report, and each of its claim lines, is about; which a phase judges.

A claim is about a service. "Auto Deploy: ✅ Enabled" in a report about a static site is not the
worker's auto-deploy, although its text is the same: a claims table's entry is lent to a claim line only
when the phase whose table holds it judges every service the line is about (:func:`judges`).

A report says which services it is about in its own words:

- a ``Service:``, ``Services:`` or ``Service Name:`` line (list marker, emphasis, backticks and check
  marks allowed: ``**Services**: `upload-api-staging`, `upload-worker-staging```). Before the first
  section (a heading of level 2 or deeper) it speaks for the whole document; inside one, for that
  section and the headings under it;
- a heading naming a known service (``## upload-web-staging``): for the lines under it;
- a claim line naming a known service: for that line alone.

Known services are those the report's service lines name and those the phases judge (``services:`` in
``phase.yaml``). Pure functions over text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .claims import claim_text, is_claim_line

_SERVICE_LINE = re.compile(r"^services?(?:\s+names?)?\s*:\s*(.+)$", re.I)
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_BACKTICKED = re.compile(r"`([^`\s][^`]*?)`")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]*$")  # an unquoted service name: lower case, as Render's slugs are
_NOT_NAMES = {"and", "or", "the", "with", "plus", "both"}


def service_line_names(raw: str) -> tuple[str, ...]:
    """The services a ``Service:`` / ``Services:`` / ``Service Name:`` line names; () for any other line.

    Names in backticks are taken as written; without backticks, lower-case slugs (``upload-web-staging``),
    so that "Service: Background Worker" names none.
    """
    text = claim_text(raw)
    match = _SERVICE_LINE.match(text)
    if not match:
        return ()
    quoted = [" ".join(n.split()) for n in _BACKTICKED.findall(raw)]
    if quoted:
        return tuple(dict.fromkeys(quoted))
    value = re.sub(r"\([^)]*\)", " ", match.group(1))
    words = [w.strip(".") for w in re.split(r"[,;&\s]+", value)]
    return tuple(dict.fromkeys(w for w in words if w and _SLUG.match(w) and w not in _NOT_NAMES))


def named_in(text: str, known) -> tuple[str, ...]:
    """The known services ``text`` names as whole words (``upload-worker`` is not in ``upload-worker-staging``)."""
    return tuple(name for name in known
                 if re.search(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", text))


@dataclass(frozen=True)
class ReportServices:
    """What a report says it is about: the whole document, and each claim line (by line number)."""

    document: tuple[str, ...] = ()
    lines: dict[int, tuple[str, ...]] = field(default_factory=dict)  # claim line -> the services it is about
    named: tuple[str, ...] = ()  # every service the report names in a service line or heading, in order

    def of(self, line: int) -> tuple[str, ...]:
        return self.lines.get(line, self.document)


def _unfenced(markdown: str):
    """(line number, line) outside fenced code blocks: examples are not the report's words."""
    fenced = False
    for number, line in enumerate(markdown.splitlines(), 1):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if not fenced:
            yield number, line


def _scopes(markdown: str, known: tuple[str, ...]) -> tuple[tuple[str, ...], dict[int, tuple[str, ...]]]:
    """The document's services, and each section heading's (by its line number): what it or its lines name."""
    document: list[str] = []
    heading_services: dict[int, list[str]] = {}
    stack: list[tuple[int, int]] = []  # (level, line number) of the headings above, level 2 or deeper
    for number, line in _unfenced(markdown):
        heading = _HEADING.match(line)
        if heading and len(heading.group(1)) >= 2:
            level = len(heading.group(1))
            stack = [(lv, n) for lv, n in stack if lv < level] + [(level, number)]
            heading_services[number] = list(named_in(claim_text(heading.group(2)), known))
            continue
        names = service_line_names(line)
        if names:
            bucket = heading_services[stack[-1][1]] if stack else document
            bucket.extend(n for n in names if n not in bucket)
    return tuple(document), {n: tuple(v) for n, v in heading_services.items()}


def report_services(markdown: str, known=()) -> ReportServices:
    """Which services the report and each of its claim lines is about (see the module's docstring)."""
    named = [n for _number, line in _unfenced(markdown) for n in service_line_names(line)]
    known_names = tuple(dict.fromkeys([*named, *known]))
    document, headings = _scopes(markdown, known_names)
    lines: dict[int, tuple[str, ...]] = {}
    stack: list[tuple[int, int]] = []
    for number, line in _unfenced(markdown):
        heading = _HEADING.match(line)
        if heading and len(heading.group(1)) >= 2:
            level = len(heading.group(1))
            stack = [(lv, n) for lv, n in stack if lv < level] + [(level, number)]
        if not is_claim_line(line):
            continue
        own = service_line_names(line) or (() if heading else named_in(claim_text(line), known_names))
        scoped = next((headings[n] for _lv, n in reversed(stack) if headings.get(n)), document)
        lines[number] = own or scoped
    in_headings = [n for v in headings.values() for n in v]
    return ReportServices(document, lines, tuple(dict.fromkeys([*named, *in_headings])))


def judges(phase_services, about) -> bool:
    """Whether a phase that judges ``phase_services`` judges a line ``about`` those services: each of them.

    Unknown on either side (a report that names no service, a phase that records none) is not the same
    service: an entry is never lent on a guess.
    """
    return bool(about) and bool(phase_services) and set(about) <= set(phase_services)


def read_services(value, where: str) -> tuple[tuple[str, ...], list[str]]:
    """``services:`` of a phase file: the services the phase judges, by name; and one line per problem."""
    if value is None:
        return (), []
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        return (), [f"{where}: services must be a non-empty list of service names (e.g. [upload-worker-staging])"]
    names = [" ".join(v.split()) for v in value]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        return (), [f"{where}: services names {', '.join(twice)} more than once"]
    return tuple(names), []
