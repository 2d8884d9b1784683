"""The claims of a hand-written report and what accounts for each: criteria, the phase verdict, or not verifiable.

A *claim line* is a line of a Markdown report with a check mark: ✅, ✔, ☑, or a ``[x]``
checkbox item. A claim's identity is its text with the marks, Markdown heading and list
markers, emphasis (``**``, ``__``, ``*``, ``_`` around words, never an underscore inside a
word such as ``LOG_LEVEL``) and backticks removed, whitespace collapsed (and none before
``:;,.)`` or after ``(``), compared case-insensitively: the same claim in several sections is
one entry of a phase's claims table.

The table (``claims`` in ``phase.yaml``) gives each claim exactly one of:

- ``criteria: [IDs]``: the criteria that judge it, of any phase (``by_section`` may narrow
  them for the lines under one heading, e.g. each issue's "Status: ✅ RESOLVED");
- ``phase_verdict: true``: the document's own status line, which phasegate computes;
- ``not_verifiable: why``: no machine can check it as worded; ``closest: [IDs]`` come nearest;
- ``not_applicable: why`` with ``field``: the claim cannot apply to this service, and the field that
  proves it (``service.type``: a background worker has no health check path); ``closest: [IDs]`` are
  the criteria that judge that field, so the claim stays not applicable only while they pass.

Pure functions over text and the table; the catalogue (:mod:`phasegate.catalogue.criteria`) checks the
IDs the table names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CRITERIA, PHASE_VERDICT, NOT_VERIFIABLE, UNMAPPED = "criteria", "phase_verdict", "not_verifiable", "unmapped"
NOT_APPLICABLE = "not_applicable"
STATUSES = (CRITERIA, PHASE_VERDICT, NOT_VERIFIABLE, NOT_APPLICABLE, UNMAPPED)
_KINDS = (CRITERIA, PHASE_VERDICT, NOT_VERIFIABLE, NOT_APPLICABLE)
PENDING = "not yet executable: "  # the skip reason of a scaffolded criterion that has no real steps yet

_MARKS = re.compile(r"[\u2705\u2714\u2611]\ufe0f?")  # ✅ ✔ ☑ (with or without the emoji variation selector)
_CHECKBOX = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\[[xX]\]\s")  # "- [x] done"
_CHECKBOX_MARK = re.compile(r"\[[xX]\]\s")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_LIST = re.compile(r"^\s*(?:>\s*)*(?:[-*+]|\d+[.)])\s+")
_QUOTE = re.compile(r"^\s*(?:>\s*)+")
_OPEN = re.compile(r"(?<!\w)[*_]+(?=\S)")  # emphasis opening a word: never inside one (LOG_LEVEL)
_CLOSE = re.compile(r"(?<=\S)[*_]+(?!\w)")  # emphasis closing a word


def is_claim_line(line: str) -> bool:
    return bool(_MARKS.search(line) or _CHECKBOX.match(line))


def _strip_markup(text: str) -> str:
    text = _CHECKBOX_MARK.sub(" ", text, count=1) if _CHECKBOX.match(text) else text
    text = _MARKS.sub(" ", text)
    heading = _HEADING.match(text)
    text = heading.group(2) if heading else _LIST.sub("", _QUOTE.sub("", text), count=1)
    text = text.replace("`", "")
    text = _CLOSE.sub("", _OPEN.sub("", text))
    return _tidy(text)


def claim_text(line: str) -> str:
    """The claim as a reader names it: ``- **Status**: ✅ LIVE`` -> ``Status: LIVE`` (case kept)."""
    return _strip_markup(line)


def claim_key(text: str) -> str:
    """A claim's identity: its text without marks, markers, emphasis and backticks, spacing collapsed, casefolded."""
    return _strip_markup(text).casefold()


def shown(line: str) -> str:
    """A claim line as a report shows it: without its check mark and list marker, emphasis and code kept."""
    text = _CHECKBOX_MARK.sub(" ", line, count=1) if _CHECKBOX.match(line) else line
    text = _MARKS.sub(" ", text)
    heading = _HEADING.match(text)
    text = heading.group(2) if heading else _LIST.sub("", _QUOTE.sub("", text), count=1)
    return _tidy(text)


def _tidy(text: str) -> str:
    """Spacing collapsed; none before punctuation that ends a word (``Status :`` -> ``Status:``) or inside ``( )``."""
    text = " ".join(text.split())
    text = re.sub(r"\s+([:;,.!?])(?=\s|$)", r"\1", text)
    return re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", text)).strip()


# Words that praise without measuring: a claim made only of them (and no number) names nothing to check.
_VAGUE = frozenset("good great excellent fine ok okay stable working works functional operational optimized optimised "
                   "optimal efficient fast smooth smoothly reliable robust improved acceptable satisfactory solid "
                   "nominal".split())
_FILLER = frozenset("and all as expected everything fully highly is it overall properly quite really very well".split())


def vague(text: str) -> str:
    """Why a claim cannot be checked as worded ("Performance: Good", "Stable"), or "" when it may be.

    Vague: what it asserts (the text after its label, or the whole claim) is only words of praise
    ("good", "stable", "working", "optimized", ...), with no number, threshold or name a machine could compare.
    """
    said = claim_text(text)
    value = said.split(":", 1)[1] if ":" in said else said
    words = re.findall(r"[^\W_]+", value.casefold())
    if not words or re.search(r"\d", value) or not set(words) <= _VAGUE | _FILLER or not set(words) & _VAGUE:
        return ""
    return (f"vague: \"{value.strip()}\" names no measure or bound a machine could check; say what is measured and "
            "its limit (e.g. p95 latency under 500 ms over 24 h) and make it a criterion")


@dataclass(frozen=True)
class ClaimLine:
    line: int  # 1-based, in the document
    raw: str  # the line as written
    section: str  # the nearest heading above it (its claim text), "" before the first

    @property
    def text(self) -> str:
        return claim_text(self.raw)

    @property
    def key(self) -> str:
        return claim_key(self.raw)

    def to_list(self) -> list:
        return [self.line, self.raw, self.section]


def claim_lines(markdown: str) -> list[ClaimLine]:
    """Every line with a check mark, in document order, with the heading it stands under.

    Lines inside fenced code blocks are examples, not claims.
    """
    found, section, fenced = [], "", False
    for number, line in enumerate(markdown.splitlines(), 1):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if fenced:
            continue
        if is_claim_line(line):
            found.append(ClaimLine(number, line, section))
        heading = _HEADING.match(line)
        if heading:
            section = claim_text(line)
    return found


@dataclass(frozen=True)
class Claim:
    """One entry of a phase's claims table."""

    text: str
    status: str  # criteria, phase_verdict or not_verifiable
    criteria: tuple[str, ...] = ()  # judge it (status criteria) or come closest (not_verifiable)
    reason: str = ""  # why it is not verifiable, or not applicable
    by_section: dict = field(default_factory=dict)  # heading key -> the criteria for lines under it
    phase: str = ""  # the phase whose table holds it
    field: str = ""  # not applicable: the field that proves it (service.<field> or env.<KEY>)

    @property
    def key(self) -> str:
        return claim_key(self.text)

    def criteria_under(self, section: str) -> tuple[str, ...]:
        return tuple(self.by_section.get(claim_key(section), self.criteria)) if self.status == CRITERIA \
            else self.criteria

    def ids(self) -> set[str]:
        return set(self.criteria).union(*(set(v) for v in self.by_section.values())) if self.by_section \
            else set(self.criteria)


def read_table(entries, where: str, phase: str = "") -> tuple[dict[str, Claim], list[str]]:
    """The claims table of a phase file: key -> Claim, and one line per problem of its shape."""
    table: dict[str, Claim] = {}
    problems: list[str] = []
    if entries is None:
        return table, problems
    if not isinstance(entries, list):
        return table, [f"{where}: claims must be a list of {{claim: …, criteria | phase_verdict | not_verifiable | "
                       "not_applicable}}"]
    for number, entry in enumerate(entries, 1):
        at = f"{where}: claims[{number}]"
        if not isinstance(entry, dict) or not str(entry.get("claim") or "").strip():
            problems.append(f"{at}: expected {{claim: TEXT, and one of criteria, phase_verdict, not_verifiable, "
                            "not_applicable}}")
            continue
        text = " ".join(str(entry["claim"]).split())
        kinds = [k for k in _KINDS if entry.get(k) not in (None, False, [], "")]
        unknown = sorted(set(entry) - {"claim", *_KINDS, "closest", "by_section", "field"})
        if unknown:
            problems.append(f"{at} {text!r}: unknown key(s) {', '.join(unknown)}")
            continue
        if len(kinds) != 1:
            problems.append(f"{at} {text!r}: needs exactly one of criteria, phase_verdict, not_verifiable, not_applicable "
                            f"(has {', '.join(kinds) or 'none'})")
            continue
        kind = kinds[0]
        ids = entry.get(CRITERIA) if kind == CRITERIA else entry.get("closest") or []
        by_section = entry.get("by_section") or {}
        if not _id_list(ids) or not isinstance(by_section, dict) or not all(_id_list(v) for v in by_section.values()):
            problems.append(f"{at} {text!r}: criteria, closest and by_section's values must be lists of IDs")
            continue
        if kind in (NOT_VERIFIABLE, NOT_APPLICABLE) and not isinstance(entry[kind], str):
            problems.append(f"{at} {text!r}: {kind} must say why, as text")
            continue
        if (kind == NOT_APPLICABLE) != bool(entry.get("field")) or not isinstance(entry.get("field", ""), str):
            problems.append(f"{at} {text!r}: field (the service.<field> or env.<KEY> that proves it) goes with "
                            "not_applicable, and only with it")
            continue
        claim = Claim(text, kind, tuple(str(i) for i in ids), str(entry.get(kind) if kind in (NOT_VERIFIABLE,
                      NOT_APPLICABLE) else ""),
                      {claim_key(str(h)): tuple(str(i) for i in v) for h, v in by_section.items()}, phase,
                      str(entry.get("field") or ""))
        if claim.key in table:
            problems.append(f"{at} {text!r}: the same claim as {table[claim.key].text!r} (one entry per claim)")
            continue
        table[claim.key] = claim
    return table, problems


def _id_list(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def unknown_ids(table: dict[str, Claim], known: set[str], where: str) -> list[str]:
    """One line per claim mapped to a criterion no scenario of any phase carries."""
    return [f"{where}: claim {c.text!r} is mapped to {cid}, which no scenario carries"
            for c in table.values() for cid in sorted(c.ids() - known)]


@dataclass(frozen=True)
class Entry:
    """One claim line of a document and what accounts for it."""

    line: ClaimLine
    status: str
    criteria: tuple[str, ...] = ()
    reason: str = ""
    field: str = ""  # not applicable: the field that proves it

    def to_dict(self, verdict: str | None = None) -> dict:
        return {"line": self.line.line, "text": self.line.text, "status": self.status,
                "criteria": list(self.criteria), "reason": self.reason or None, "verdict": verdict,
                **({"field": self.field} if self.field else {})}


def account(lines: list[ClaimLine], table: dict[str, Claim]) -> list[Entry]:
    """Each claim line, in document order, with what accounts for it (unmapped: nothing does)."""
    out = []
    for line in lines:
        claim = table.get(line.key)
        if claim is None:
            out.append(Entry(line, UNMAPPED))
        else:
            out.append(Entry(line, claim.status, claim.criteria_under(line.section), claim.reason, claim.field))
    return out


def summary(entries: list[Entry], pending=frozenset()) -> str:
    """``88 claims: 71 judged by 34 criteria, 3 phase verdicts, 14 not verifiable`` (and any unmapped).

    A claim accounted for by a ``pending`` criterion (not yet executable) is not judged: it is counted
    apart, ``…, 6 pending (5 criteria), …``.
    """
    mapped = [e for e in entries if e.status == CRITERIA]
    waiting = [e for e in mapped if set(e.criteria) & set(pending)]
    judged = [e for e in mapped if e not in waiting]
    ids = {cid for e in judged for cid in e.criteria}
    count = {s: sum(1 for e in entries if e.status == s) for s in STATUSES}
    text = f"{len(entries)} claims: {len(judged)} judged by {len(ids)} criteria, "
    if waiting:
        text += f"{len(waiting)} pending ({len({c for e in waiting for c in e.criteria if c in pending})} criteria), "
    text += (f"{count[PHASE_VERDICT]} phase verdict{'s' if count[PHASE_VERDICT] != 1 else ''}, "
             f"{count[NOT_VERIFIABLE]} not verifiable")
    text += f", {count[NOT_APPLICABLE]} not applicable" if count[NOT_APPLICABLE] else ""
    return text + (f", {count[UNMAPPED]} unmapped" if count[UNMAPPED] else "")


# Several criteria account for one claim: its verdict is the worst of theirs.
VERDICT_ORDER = ("passed", "waived", "not applicable", "skipped", "pending", "not run", "failed", "broken")


def worst(verdicts) -> str | None:
    verdicts = [v for v in verdicts if v]
    if not verdicts:
        return None
    return max(verdicts, key=lambda v: VERDICT_ORDER.index(v) if v in VERDICT_ORDER else len(VERDICT_ORDER))


def not_applicable_word(proving) -> str:
    """A not-applicable claim's verdict from the verdicts of the criteria that judge its field: not applicable
    while they pass (or there are none); otherwise theirs, since the field that proves it is not established."""
    word = worst(proving)
    return "not applicable" if word in (None, "passed") else word
