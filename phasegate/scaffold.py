"""A new phase folder scaffolded from a hand-written report (``phasegate audit REPORT --scaffold``).

Writes ``features/<phase>/``: the report itself (``hand-written-report.md``), ``phase.yaml``
(title, prefix, the report's sections and its claims table) and one feature per section of
the report that has a claim no phase judges yet. Each such claim becomes a criterion with a
new ID: a ``@staging`` scenario named after the claim whose one step says it is not yet
executable, so it is reported pending, never passed. A claim another phase's table accounts for
keeps that entry only when that phase judges the service the claim is about (the report's own
``Service:`` lines and headings say which, :mod:`phasegate.catalogue.services`; they become the new
phase's ``services``): the same words about another service are the new phase's own claim. The
document's own status lines are its phase verdict; a vague claim ("Performance: Good") is proposed as
not verifiable, with why. An existing folder is never overwritten; a scaffold the catalogue rejects
is removed.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .audit import AuditError, read_report
from .catalogue.claims import CRITERIA, NOT_APPLICABLE, NOT_VERIFIABLE, PHASE_VERDICT, Claim, ClaimLine, claim_lines, claim_text, vague
from .catalogue.criteria import FEATURES, PHASE_FILE, CatalogueError, load_phases
from .catalogue.services import ReportServices, judges, report_services

HAND_WRITTEN = "hand-written-report.md"
PENDING_STEP = "this claim is not yet executable"
# The document's own status lines ("Status: ✅ COMPLETED", "Phase 6 Status: ✅ COMPLETED"): its phase verdict.
_STATUS_LINE = re.compile(r"^(?:phase\s+\S+\s+)?status:\s*(?:completed?|done|passed|finished)\b", re.I)
_SECTION = re.compile(r"^\s{0,3}##\s+(.*?)\s*#*\s*$")  # a second-level heading: one section of the report
_TITLE = re.compile(r"^\s{0,3}#\s+(.*?)\s*#*\s*$")


def _sections(text: str) -> tuple[str, dict[int, str]]:
    """The document's title and, for each line, the section (second-level heading) it stands in."""
    title, current, of_line = "", "", {}
    for number, line in enumerate(text.splitlines(), 1):
        if not title and _TITLE.match(line):
            title = claim_text(_TITLE.match(line).group(1))
        elif _SECTION.match(line):
            current = claim_text(_SECTION.match(line).group(1))
        of_line[number] = current or title or "Report"
    return title, of_line


def _lent(lines: list[ClaimLine], phases, services: ReportServices) -> dict[str, Claim]:
    """The entries of other phases' tables the new phase may reuse, by claim key.

    An entry is reused only when its phase judges every service each line of that claim is about (the
    first such phase in name order); otherwise the claim is the new phase's own. A report that names no
    service lends nothing: the same words about another service are another claim.
    """
    about: dict[str, list[tuple[str, ...]]] = {}
    for line in lines:
        about.setdefault(line.key, []).append(services.of(line.line))
    lent: dict[str, Claim] = {}
    for name in sorted(phases):
        for key, claim in phases[name].claims_table().items():
            if key in about and key not in lent and all(judges(phases[name].services, a) for a in about[key]):
                lent[key] = claim
    return lent


def _entry(claim: Claim, text: str, section: str) -> dict:
    if claim.status == PHASE_VERDICT:
        return {"claim": text, PHASE_VERDICT: True}
    if claim.status == NOT_VERIFIABLE:
        return {"claim": text, NOT_VERIFIABLE: claim.reason, "closest": list(claim.criteria)}
    if claim.status == NOT_APPLICABLE:
        return {"claim": text, NOT_APPLICABLE: claim.reason, "field": claim.field, "closest": list(claim.criteria)}
    return {"claim": text, CRITERIA: list(claim.criteria_under(section))}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.casefold()).strip("_")[:48] or "section"


def _feature(heading: str, report: str, scenarios: list[tuple[str, str]]) -> str:
    out = [f"Feature: {heading}",
           f"  Scaffolded from the section \"{heading}\" of the hand-written report ({report}).",
           "  Each scenario is one of its claims that no criterion judges yet: pending until its step is",
           "  replaced by real ones, or the claim is moved to not_verifiable in phase.yaml with a reason.", ""]
    for cid, name in scenarios:
        out += [f"  @{cid} @staging", f"  Scenario: {name}", f"    Then {PENDING_STEP}", ""]
    return "\n".join(out).rstrip("\n") + "\n"


@dataclass
class _Draft:
    """The new phase's claims table, its pending criteria and its sections, one claim line at a time."""

    prefix: str
    known: dict[str, Claim]  # the entries of other phases' tables it may reuse (:func:`_lent`)
    claims: list[dict] = field(default_factory=list)
    seen: dict[str, str] = field(default_factory=dict)  # claim key -> its ID or status, once per claim
    pending: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # section -> [(ID, claim)]
    judged: dict[str, set[str]] = field(default_factory=dict)  # section -> criteria of other phases judging it
    order: list[str] = field(default_factory=list)  # the sections in document order
    empty: list[int] = field(default_factory=list)  # lines with a check mark and no text

    def add(self, line: ClaimLine, section: str) -> None:
        if section not in self.order:
            self.order.append(section)
        if not line.key:  # a check mark with no text: nothing to name a criterion after
            self.empty.append(line.line)
            return
        if line.key in self.seen:
            return
        claim = self.known.get(line.key)
        if claim is not None:
            self.claims.append(_entry(claim, line.text, line.section))
            self.seen[line.key] = claim.status
            if claim.status == CRITERIA:
                self.judged.setdefault(section, set()).update(claim.criteria_under(line.section))
        elif _STATUS_LINE.match(line.text):
            self.claims.append({"claim": line.text, PHASE_VERDICT: True})
            self.seen[line.key] = PHASE_VERDICT
        elif vague(line.text):  # "Performance: Good": no step could ever make it executable
            self.claims.append({"claim": line.text, NOT_VERIFIABLE: vague(line.text)})
            self.seen[line.key] = NOT_VERIFIABLE
        else:
            cid = f"{self.prefix}-{len(self.pending_ids()) + 1:02d}"
            self.pending.setdefault(section, []).append((cid, line.text))
            self.claims.append({"claim": line.text, CRITERIA: [cid]})
            self.seen[line.key] = cid

    def pending_ids(self) -> list[str]:
        return [cid for v in self.pending.values() for cid, _ in v]

    def sections(self) -> list[dict]:
        """phase.yaml's report sections: those with a pending claim or one judged by other phases."""
        sections = []
        for heading in self.order:
            if heading not in self.pending and heading not in self.judged:
                continue
            entry: dict = {"heading": heading}
            if heading in self.judged:
                entry["note_before"] = ("Claims of this section judged by criteria of other phases: "
                                        + ", ".join(sorted(self.judged[heading])) + ".")
            if heading in self.pending:
                entry["lines"] = [cid for cid, _ in self.pending[heading]]
            sections.append(entry)
        return sections


def _checked_target(target: Path, prefix: str | None) -> Path:
    """The catalogue root (the folder holding features/) of a scaffold that may be written at ``target``."""
    if not prefix or not re.fullmatch(r"[A-Z][A-Z0-9]*", prefix):
        raise AuditError(f"--scaffold needs --prefix, capital letters and digits (e.g. P6), got {prefix!r}")
    if target.exists():
        raise AuditError(f"refused: {target} exists; a scaffold never overwrites a folder")
    if target.resolve().parent.name != FEATURES:
        raise AuditError(f"--scaffold must name a folder of features/ (features/<phase>), not {target}")
    return target.resolve().parent.parent


def _draft(report: Path, text: str, section_of: dict[int, str], phases, prefix: str,
           services: ReportServices) -> _Draft:
    """Every claim line of the report, accounted for by a phase judging its service, the document's status,
    not verifiable (vague), or a new criterion."""
    lines = claim_lines(text)
    draft = _Draft(prefix, _lent(lines, phases, services))
    for line in lines:
        draft.add(line, section_of.get(line.line, "Report"))
    count = len(draft.pending_ids())
    if count > 99:
        raise AuditError(f"{report}: {count} new claims; criterion IDs have two digits (at most 99 per phase)")
    return draft


def _phase_file(report: Path, doc_title: str, title: str, prefix: str, draft: _Draft,
                services: tuple[str, ...]) -> str:
    """phase.yaml: a header saying where it came from, then title, prefix, services, report sections and claims."""
    meta = {"title": title, "prefix": prefix, **({"services": list(services)} if services else {}),
            "report": {"title": f"{title} Completion Report", "sections": draft.sections()},
            "hand_written": HAND_WRITTEN, "claims": draft.claims}
    source = f"{Path(report).name} ({doc_title or 'no title'})"
    header = (f"# Scaffolded by `phasegate audit --scaffold` from {source}.\n"
              "# Each claim no phase judged became a pending criterion: give its scenario real steps, or move the\n"
              "# claim to not_verifiable (with a reason and the closest criteria) and remove its scenario. Vague\n"
              "# claims are proposed as not_verifiable; services are those the report names.\n")
    return header + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=110)


def _write(target: Path, root: Path, text: str, phase_file: str, draft: _Draft) -> list[str]:
    """Write the folder and check it loads as a catalogue; removed again if not. The feature files' names."""
    target.mkdir(parents=True)
    try:
        (target / HAND_WRITTEN).write_text(text, encoding="utf-8")
        (target / PHASE_FILE).write_text(phase_file, encoding="utf-8")
        files = []
        for number, heading in enumerate(h for h in draft.order if h in draft.pending):
            name = f"{number + 1:02d}_{_slug(heading)}.feature"
            (target / name).write_text(_feature(heading, HAND_WRITTEN, draft.pending[heading]), encoding="utf-8")
            files.append(name)
        load_phases(root)  # the scaffold must be a consistent catalogue, like any phase
    except (OSError, CatalogueError) as exc:
        shutil.rmtree(target, ignore_errors=True)
        raise AuditError(f"the scaffold was not kept: {' '.join(str(exc).split())}") from None
    return files


def _about(services: tuple[str, ...]) -> str:
    """Which services the new phase judges, as the report said: the line that says whose claims were reused."""
    if services:
        return (f"services: {', '.join(services)} (as the report names them); a claim of another phase's table is "
                "reused only when that phase judges the same service")
    return ("services: none named (no `Service:` line in the report), so no claim was reused from another phase's "
            f"table; name them in {PHASE_FILE} (services: [...])")


def _said(target: Path, phases, files: list[str], draft: _Draft, services: tuple[str, ...]) -> list[str]:
    """The lines to print: what was written, how the claims were accounted for, how to run the phase."""
    statuses = list(draft.seen.values())
    ids = draft.pending_ids()
    listed = ",".join(sorted([*phases, target.name]))
    return [
        f"wrote {target}/: {PHASE_FILE}, {HAND_WRITTEN}, {len(files)} feature(s) ({', '.join(files) or 'none'})",
        f"{len(statuses)} claims: {len(ids)} pending" + (f" ({ids[0]}…{ids[-1]}, not yet executable)" if ids else "")
        + f", {statuses.count(CRITERIA)} judged by existing criteria, {statuses.count(PHASE_VERDICT)} phase "
        f"verdict(s), {statuses.count(NOT_VERIFIABLE)} not verifiable",
        _about(services),
        *([f"left out: a check mark with no claim on line(s) {', '.join(map(str, draft.empty))}"]
          if draft.empty else []),
        f"run it: pytest -m staging --env sandbox --phase {target.name}",
        f"to judge it with the others, add it to PHASEGATE_PHASES in environments/<env>.env: PHASEGATE_PHASES={listed}",
    ]


def scaffold(report: Path, target: Path, prefix: str | None, title: str | None = None) -> list[str]:
    """Write the phase folder ``target`` (features/<phase>) from ``report``; the lines to print."""
    target = Path(target)
    root = _checked_target(target, prefix)
    text = read_report(report)
    phases = load_phases(root)
    taken = {p.prefix: p.name for p in phases.values()}
    if prefix in taken:
        raise AuditError(f"refused: prefix {prefix} is {taken[prefix]}'s")
    title = title or (f"Phase {prefix[1:]}" if re.fullmatch(r"P\d+", prefix) else prefix)
    doc_title, section_of = _sections(text)
    services = report_services(text, [s for p in phases.values() for s in p.services])
    draft = _draft(report, text, section_of, phases, prefix, services)
    files = _write(target, root, text, _phase_file(report, doc_title, title, prefix, draft, services.named), draft)
    return _said(target, phases, files, draft, services.named)
