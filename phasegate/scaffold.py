"""A new phase folder scaffolded from a hand-written report (``phasegate audit REPORT --scaffold``).

Writes ``features/<phase>/``: the report itself (``hand-written-report.md``), ``phase.yaml``
(title, prefix, the report's sections and its claims table) and one feature per section of
the report that has a claim no phase judges yet. Each such claim becomes a criterion with a
new ID, a ``@staging`` scenario named after the claim. When its words name a field the step vocabulary
judges ("**Service Type**: ✅ Static site", "✅ `DEBUG=false`": :mod:`phasegate.catalogue.claim_steps`) and
the report says which one service it is about, the scenario gets real steps on that service, by its role
(``Given the "web" service as Render reports it`` / ``Then its type is "static_site"``), each sentence
checked against the checkout's step definitions as pytest-bdd matches them; otherwise its one step says it
is not yet executable, so it is reported pending, never passed. Roles come from the services' names
(``upload-web-staging`` -> ``web``) or their type, or ``--role NAME=ROLE``; the output gives the
``RENDER_SERVICES`` line that names them in a profile. A claim another phase's table accounts for
keeps that entry only when that phase judges the service the claim is about (the report's own
``Service:`` lines and headings say which, :mod:`phasegate.catalogue.services`; they become the new
phase's ``services``): the same words about another service are the new phase's own claim. The
document's own status lines are its phase verdict; a vague claim ("Performance: Good") is proposed as
not verifiable, with why. An existing folder is never overwritten; a scaffold the catalogue rejects
is removed.
"""

from __future__ import annotations

import ast
import importlib
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import yaml

from .audit import AuditError, read_report
from .catalogue.claim_steps import ROLE, roles_for, service_type, steps_for
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


def _feature(heading: str, report: str, scenarios: list[tuple[str, str, list | None]]) -> str:
    out = [f"Feature: {heading}",
           f"  Scaffolded from the section \"{heading}\" of the hand-written report ({report}).",
           "  Each scenario is one of its claims that no criterion judges yet. One with real steps judges it on the",
           "  service the report names, by its role (RENDER_SERVICES); one whose step says it is not yet executable",
           "  is pending until that step is replaced by real ones (phasegate steps lists them), or the claim is",
           "  moved to not_verifiable in phase.yaml with a reason.", ""]
    for cid, name, steps in scenarios:
        out += [f"  @{cid} @staging" + (" @render" if steps else ""), f"  Scenario: {name}"]
        out += [f"    {keyword} {sentence}" for keyword, sentence in steps or [("Then", PENDING_STEP)]] + [""]
    return "\n".join(out).rstrip("\n") + "\n"


def _vocabulary(root: Path) -> Callable[[str, str], bool] | None:
    """Whether a step definition of the checkout at ``root`` (those its conftest.py registers from steps/) matches
    a sentence as pytest-bdd matches it, by step type; None when they cannot be read (then nothing is executable)."""
    added = str(root) not in sys.path
    try:
        tree = ast.parse((root / "conftest.py").read_text(encoding="utf-8"))
        modules = [name for node in tree.body if isinstance(node, ast.Assign)
                   and any(getattr(t, "id", None) == "pytest_plugins" for t in node.targets)
                   for name in ast.literal_eval(node.value) if name.startswith("steps.")]
        if added:
            sys.path.insert(0, str(root))
        for name in modules:
            importlib.import_module(name)
    except (OSError, SyntaxError, ValueError, ImportError):
        return None
    finally:
        if added and str(root) in sys.path:
            sys.path.remove(str(root))
    from .pytest_plugin.introspection import step_contexts

    contexts = step_contexts()

    def known(kind: str, sentence: str) -> bool:
        return any(c.type in (kind, None) and c.parser.is_matching(sentence) for c in contexts)

    return known if modules else None


@dataclass
class _Executable:
    """A claim line as real steps on the one service the report says it is about, by role; None: pending."""

    services: ReportServices
    roles: dict[str, tuple[str, str]]  # service name -> (its role, why)
    known: Callable[[str, str], bool] | None  # (step type, sentence) -> a step definition matches it
    used: dict[str, str] = field(default_factory=dict)  # service name -> role, of the steps written
    unplaced: list[int] = field(default_factory=list)  # lines the vocabulary covers about no single service
    unknown: list[str] = field(default_factory=list)  # sentences no step definition matches (left pending)

    def __call__(self, line: ClaimLine) -> list[tuple[str, str]] | None:
        steps = steps_for(line.raw, line.text)
        if steps is None or self.known is None:
            return None
        about = self.services.of(line.line)
        if len(about) != 1:
            self.unplaced.append(line.line)
            return None
        lines = steps.lines(self.roles[about[0]][0])
        kinds = {"Given": "given", "When": "when", "Then": "then", "And": "then"}
        missing = [f"{k} {s}" for k, s in lines if not self.known(kinds[k], s)]
        if missing:
            self.unknown.extend(missing)
            return None
        self.used[about[0]] = self.roles[about[0]][0]
        return lines


@dataclass
class _Draft:
    """The new phase's claims table, its new criteria and its sections, one claim line at a time."""

    prefix: str
    known: dict[str, Claim]  # the entries of other phases' tables it may reuse (:func:`_lent`)
    steps_of: Callable[[ClaimLine], list | None] = lambda line: None  # a claim's real steps (:class:`_Executable`)
    claims: list[dict] = field(default_factory=list)
    seen: dict[str, str] = field(default_factory=dict)  # claim key -> its ID or status, once per claim
    new: dict[str, list[tuple[str, str, list | None]]] = field(default_factory=dict)  # section -> [(ID, claim, steps)]
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
            cid = f"{self.prefix}-{len(self.new_ids()) + 1:02d}"
            self.new.setdefault(section, []).append((cid, line.text, self.steps_of(line)))
            self.claims.append({"claim": line.text, CRITERIA: [cid]})
            self.seen[line.key] = cid

    def new_ids(self, executable: bool | None = None) -> list[str]:
        """The new criteria's IDs: all, those with real steps (``executable``), or the pending ones."""
        return [cid for v in self.new.values() for cid, _, steps in v
                if executable is None or bool(steps) == executable]

    def sections(self) -> list[dict]:
        """phase.yaml's report sections: those with a new criterion or one judged by other phases."""
        sections = []
        for heading in self.order:
            if heading not in self.new and heading not in self.judged:
                continue
            entry: dict = {"heading": heading}
            if heading in self.judged:
                entry["note_before"] = ("Claims of this section judged by criteria of other phases: "
                                        + ", ".join(sorted(self.judged[heading])) + ".")
            if heading in self.new:
                entry["lines"] = [cid for cid, _, _ in self.new[heading]]
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


def _roles(lines: list[ClaimLine], services: ReportServices, chosen: dict[str, str] | None) -> dict[str, tuple]:
    """Each service the report names (or a claim line does): its role and why (:func:`roles_for`); ``chosen``
    (``--role NAME=ROLE``) checked first. A claim of the service's type helps name it (a static site: web)."""
    names = list(dict.fromkeys([*services.named, *(n for about in services.lines.values() for n in about)]))
    chosen = dict(chosen or {})
    for name, role in chosen.items():
        if name not in names:
            raise AuditError(f"--role {name}={role}: the report names no service {name!r} "
                             f"(it names {', '.join(names) or 'none'})")
        if not ROLE.fullmatch(role):
            raise AuditError(f"--role {name}={role}: a role is a lower-case word (letters, digits, _, -), e.g. web")
    twice = sorted({r for r in chosen.values() if list(chosen.values()).count(r) > 1})
    if twice:
        raise AuditError(f"--role gives the role {', '.join(twice)} to more than one service")
    types: dict[str, str] = {}
    for line in lines:
        about, kind = services.of(line.line), service_type(line.raw, line.text)
        if kind and len(about) == 1:
            types.setdefault(about[0], kind)
    return roles_for(names, types, chosen)


def _draft(report: Path, text: str, section_of: dict[int, str], phases, prefix: str,
           executable: _Executable) -> _Draft:
    """Every claim line of the report, accounted for by a phase judging its service, the document's status,
    not verifiable (vague), or a new criterion: with real steps when the vocabulary covers it, else pending."""
    lines = claim_lines(text)
    draft = _Draft(prefix, _lent(lines, phases, executable.services), executable)
    for line in lines:
        draft.add(line, section_of.get(line.line, "Report"))
    count = len(draft.new_ids())
    if count > 99:
        raise AuditError(f"{report}: {count} new claims; criterion IDs have two digits (at most 99 per phase)")
    return draft


def _profile_line(used: dict[str, str]) -> str:
    return "RENDER_SERVICES=" + ",".join(f"{role}:{name}" for name, role in used.items())


def _phase_file(report: Path, doc_title: str, title: str, prefix: str, draft: _Draft,
                services: tuple[str, ...], used: dict[str, str]) -> str:
    """phase.yaml: a header saying where it came from, then title, prefix, services, report sections and claims."""
    meta = {"title": title, "prefix": prefix, **({"services": list(services)} if services else {}),
            "report": {"title": f"{title} Completion Report", "sections": draft.sections()},
            "hand_written": HAND_WRITTEN, "claims": draft.claims}
    source = f"{Path(report).name} ({doc_title or 'no title'})"
    roles = (f"# Their steps name each service by its role: {_profile_line(used)} in the profile.\n" if used else "")
    header = (f"# Scaffolded by `phasegate audit --scaffold` from {source}.\n"
              "# Each claim no phase judged became a criterion: with real steps when its words name a field the step\n"
              "# vocabulary judges (phasegate steps), on the one service the report says it is about.\n" + roles +
              "# The others are pending: give each scenario real steps, or move the claim to not_verifiable (with a\n"
              "# reason and the closest criteria) and remove its scenario. Vague claims are proposed as\n"
              "# not_verifiable; services are those the report names.\n")
    return header + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=110)


def _write(target: Path, root: Path, text: str, phase_file: str, draft: _Draft) -> list[str]:
    """Write the folder and check it loads as a catalogue; removed again if not. The feature files' names."""
    target.mkdir(parents=True)
    try:
        (target / HAND_WRITTEN).write_text(text, encoding="utf-8")
        (target / PHASE_FILE).write_text(phase_file, encoding="utf-8")
        files = []
        for number, heading in enumerate(h for h in draft.order if h in draft.new):
            name = f"{number + 1:02d}_{_slug(heading)}.feature"
            (target / name).write_text(_feature(heading, HAND_WRITTEN, draft.new[heading]), encoding="utf-8")
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


def _ranges(ids: list[str]) -> str:
    """``P6-01…P6-04, P6-06, P6-07``: runs of three or more consecutive IDs shortened."""
    runs: list[list[str]] = []
    for cid in ids:
        if runs and int(cid.rsplit("-", 1)[1]) == int(runs[-1][-1].rsplit("-", 1)[1]) + 1:
            runs[-1].append(cid)
        else:
            runs.append([cid])
    return ", ".join(", ".join(run) if len(run) < 3 else f"{run[0]}…{run[-1]}" for run in runs)


def _counts(draft: _Draft) -> str:
    """``9 claims: 6 executable (P6-01…P6-06), 1 pending (P6-07, not yet executable), 0 judged by …``."""
    statuses = list(draft.seen.values())
    ready, waiting = draft.new_ids(executable=True), draft.new_ids(executable=False)
    return (f"{len(statuses)} claims: {len(ready)} executable" + (f" ({_ranges(ready)})" if ready else "")
            + f", {len(waiting)} pending" + (f" ({_ranges(waiting)}, not yet executable)" if waiting else "")
            + f", {statuses.count(CRITERIA)} judged by existing criteria, {statuses.count(PHASE_VERDICT)} phase "
            f"verdict(s), {statuses.count(NOT_VERIFIABLE)} not verifiable")


def _steps_said(steps: _Executable) -> list[str]:
    """The roles the written steps name and the profile line naming them; what was left pending, and why."""
    out = []
    if steps.used:
        out += ["roles: " + "; ".join(f"{role} = {name} ({steps.roles[name][1]})" for name, role in steps.used.items())
                + " — another role: --role NAME=ROLE, or edit the features' Given lines and the profile together",
                f"add to the profile (environments/<env>.env): {_profile_line(steps.used)}"]
    if steps.known is None:
        out.append("left pending: the step definitions (conftest.py's steps/) could not be read, so no claim was made "
                   "executable")
    if steps.unplaced:
        out.append(f"left pending: the vocabulary covers line(s) {', '.join(map(str, steps.unplaced))}, but the report "
                   "names no single service for them (a `Service:` line or a heading naming it says which)")
    if steps.unknown:
        out.append("left pending: no step definition matches " + "; ".join(dict.fromkeys(steps.unknown)))
    return out


def _said(target: Path, phases, files: list[str], draft: _Draft, steps: _Executable) -> list[str]:
    """The lines to print: what was written, how the claims were accounted for, how to run the phase."""
    listed = ",".join(sorted([*phases, target.name]))
    return [
        f"wrote {target}/: {PHASE_FILE}, {HAND_WRITTEN}, {len(files)} feature(s) ({', '.join(files) or 'none'})",
        _counts(draft),
        _about(steps.services.named),
        *_steps_said(steps),
        *([f"left out: a check mark with no claim on line(s) {', '.join(map(str, draft.empty))}"]
          if draft.empty else []),
        f"run it: pytest -m staging --env sandbox --phase {target.name}",
        f"to judge it with the others, add it to PHASEGATE_PHASES in environments/<env>.env: PHASEGATE_PHASES={listed}",
    ]


def scaffold(report: Path, target: Path, prefix: str | None, title: str | None = None,
             roles: dict[str, str] | None = None) -> list[str]:
    """Write the phase folder ``target`` (features/<phase>) from ``report``; the lines to print. ``roles``: a
    service name -> the role its steps name it by, instead of the one its name or type gives."""
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
    steps = _Executable(services, _roles(claim_lines(text), services, roles), _vocabulary(root))
    draft = _draft(report, text, section_of, phases, prefix, steps)
    phase_file = _phase_file(report, doc_title, title, prefix, draft, services.named, steps.used)
    files = _write(target, root, text, phase_file, draft)
    return _said(target, phases, files, draft, steps)
