"""The criteria catalogue, read from the features: a phase is a folder ``features/<phase>/``.

Each scenario carries exactly one criterion ID tag (``@PX-03``: the phase's prefix, a dash,
two digits); its name is the criterion's title, its Feature the concern, a severity tag
(``@critical``) its Allure severity. ``phase.yaml`` beside the features holds only what
Gherkin cannot: the phase's title and prefix, the services it judges (``services``, by name:
:mod:`phasegate.catalogue.services`), the layout of its completion report (the
hand-written report's section names), the hand-written report the phase replaces (beside it)
and its claims table (:mod:`phasegate.catalogue.claims`: every claim mapped to criteria of any phase, the
phase verdict, or not verifiable). What the snapshot must read is declared by the step
definitions (:func:`reads`, per service role: :mod:`phasegate.catalogue.reads`).

The IDs are the contract between the feature files (tags), the Allure results (labels,
severity), the completion report (sections), waivers and the sign-off.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml
from pytest_bdd.parser import FeatureParser

# libyaml's parser when PyYAML was built with it (the same safe constructor, many times faster), else PyYAML's own.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

from .claims import claim_lines, read_table, unknown_ids
from .reads import declared_reads, reads  # noqa: F401  (steps import them from here)
from .services import read_services
from ..errors import ConfigError

CRITERION_TAG = re.compile(r"^[A-Z][A-Z0-9]*-\d{2}$")
SEVERITIES = ("blocker", "critical", "normal", "minor", "trivial")  # Allure's; a tag names one, else normal
PHASE_FILE = "phase.yaml"
FEATURES = "features"
FEATURES_DIR = "PHASEGATE_FEATURES_DIR"  # a folder of phases instead of the checkout's features/


class CatalogueError(ConfigError):
    """The features and phase files do not make a consistent catalogue; one line per problem."""


@dataclass(frozen=True)
class Criterion:
    id: str
    title: str  # the scenario's name
    concern: str  # the scenario's Feature: the Allure feature and the report's section by concern
    severity: str  # from a severity tag; normal without one
    phase: str  # the phase folder's name
    where: str = ""  # feature file and line, for messages
    tags: frozenset[str] = frozenset()  # the scenario's and its Feature's tags
    fix: str = ""  # what to change when it fails: the scenario description's "Fix:" paragraph

    def to_dict(self) -> dict:
        return {"title": self.title, "concern": self.concern, "severity": self.severity,
                **({"fix": self.fix} if self.fix else {})}


@dataclass(frozen=True)
class Phase:
    name: str  # the folder: phase4
    title: str  # "Phase 4"
    prefix: str  # "P4"
    criteria: dict[str, Criterion] = field(default_factory=dict)
    report: dict = field(default_factory=dict)  # the completion report's layout for this phase
    claims: tuple = ()  # the claims table as phase.yaml writes it (see phasegate.catalogue.claims)
    # The hand-written report it replaces: {"file": name, "lines": [[line, text, heading], ...]}, its claim lines.
    hand_written: dict = field(default_factory=dict)
    others: dict = field(default_factory=dict)  # criterion of another phase its claims name -> that phase's title
    services: tuple[str, ...] = ()  # the services it judges, by name (phase.yaml's services; none recorded: ())

    def claims_table(self) -> dict:
        return read_table(list(self.claims), self.name, self.name)[0]

    def to_dict(self) -> dict:
        """What a run folder records of its phase: the reports read the catalogue from the run, not the repo."""
        data = {"name": self.name, "title": self.title, "prefix": self.prefix,
                "criteria": {cid: c.to_dict() for cid, c in self.criteria.items()}, "report": self.report}
        if self.claims:
            data.update(claims=list(self.claims), hand_written=self.hand_written, others=self.others)
        if self.services:
            data["services"] = list(self.services)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Phase":
        name = data["name"]
        criteria = {cid: Criterion(cid, c["title"], c["concern"], c["severity"], name, fix=c.get("fix") or "")
                    for cid, c in (data.get("criteria") or {}).items()}
        return cls(name, data["title"], data["prefix"], criteria, data.get("report") or {},
                   tuple(data.get("claims") or ()), data.get("hand_written") or {}, data.get("others") or {},
                   tuple(data.get("services") or ()))


def criterion_ids(tags) -> list[str]:
    """The criterion IDs among a scenario's tags or marker names."""
    return sorted({t for t in tags if CRITERION_TAG.match(t)})


def features_root(root: Path) -> Path:
    """Where the phases are: ``features/`` of the checkout, or the folder ``PHASEGATE_FEATURES_DIR`` names
    (process environment; relative to the checkout) - phases kept outside it, or a test's own."""
    other = os.environ.get(FEATURES_DIR)
    return Path(root) / other if other else Path(root) / FEATURES


def phase_names(root: Path) -> list[str]:
    """Every folder of features that holds a phase file, in name order."""
    base = features_root(root)
    return sorted(p.parent.name for p in base.glob(f"*/{PHASE_FILE}")) if base.is_dir() else []


def fix_of(description: str | None) -> str:
    """The scenario description's ``Fix:`` paragraph (from that word to the end), on one line; "" without one."""
    text = description or ""
    at = next((i for i, line in enumerate(text.splitlines()) if line.strip().startswith("Fix:")), None)
    if at is None:
        return ""
    return " ".join(" ".join(text.splitlines()[at:]).split()).removeprefix("Fix:").strip()


def parse_features(folder: Path):
    """(path, Feature) for every feature file of a folder, in path order."""
    for path in sorted(folder.rglob("*.feature")):
        yield path, _parsed(folder, path)


# A run reads the catalogue more than once (the phases, then the scenarios each criterion expects): each file is
# parsed once a process while its text stays the same, and only read after.
_PARSED: dict[tuple[str, str], tuple[str, object]] = {}


def _parsed(folder: Path, path: Path):
    key, same = (str(folder), str(path)), hashlib.sha256(path.read_bytes()).hexdigest()
    held = _PARSED.get(key)
    if held is None or held[0] != same:
        held = _PARSED[key] = same, FeatureParser(str(folder), str(path.relative_to(folder))).parse()
    return held[1]


def load_phase(root: Path, name: str) -> Phase:
    folder = features_root(root) / name
    problems: list[str] = []
    meta = _phase_file(folder / PHASE_FILE)
    prefix = str(meta.get("prefix") or "")
    criteria: dict[str, Criterion] = {}
    for path, feature in parse_features(folder):
        shown = path.relative_to(Path(root)) if path.is_relative_to(Path(root)) else path
        for scenario in feature.scenarios.values():
            where = f"{shown}:{scenario.line_number}"
            tags = set(feature.tags) | set(scenario.tags)
            ids = criterion_ids(tags)
            if not ids:
                problems.append(f"{where}: scenario {scenario.name!r} has no criterion ID tag (@{prefix}-NN)")
                continue
            if len(ids) > 1:
                problems.append(f"{where}: scenario {scenario.name!r} has several criterion IDs: {', '.join(ids)}")
                continue
            cid = ids[0]
            if not cid.startswith(prefix + "-"):
                problems.append(f"{where}: {cid} does not carry the phase's prefix {prefix}")
            severities = sorted(tags & set(SEVERITIES))
            if len(severities) > 1:
                problems.append(f"{where}: {cid} has several severity tags: {', '.join(severities)}")
            if cid in criteria:
                problems.append(f"{where}: duplicate criterion ID {cid} (also {criteria[cid].where})")
                continue
            criteria[cid] = Criterion(cid, scenario.name, feature.name, severities[0] if severities else "normal",
                                      name, where, frozenset(tags), fix_of(scenario.description))
    for cid in sorted(_ids_named_by(meta.get("report") or {}) - set(criteria)):
        problems.append(f"{folder / PHASE_FILE}: {cid} is named but no scenario carries it")
    problems.extend(_unplaced(folder, meta.get("report") or {}, criteria))
    _table, table_problems = read_table(meta.get("claims"), str(folder / PHASE_FILE), name)
    problems.extend(table_problems)
    hand_written = _hand_written(folder, meta.get("hand_written"), problems)
    services, service_problems = read_services(meta.get("services"), str(folder / PHASE_FILE))
    problems.extend(service_problems)
    if problems:
        raise CatalogueError("\n".join(problems))
    return Phase(name, str(meta["title"]), prefix, dict(sorted(criteria.items())), meta.get("report") or {},
                 tuple(meta.get("claims") or ()), hand_written, services=services)


def _hand_written(folder: Path, file, problems: list[str]) -> dict:
    """The claim lines of the hand-written report a phase replaces (a file beside its phase.yaml)."""
    if not file:
        return {}
    path = folder / str(file)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{folder / PHASE_FILE}: hand_written {file!r} cannot be read ({type(exc).__name__})")
        return {}
    return {"file": str(file), "lines": [line.to_list() for line in claim_lines(text)]}


def load_phases(root: Path) -> dict[str, Phase]:
    """Every phase of the repository; an ID claimed by two phases is a problem like any other."""
    phases, problems = {}, []
    for name in phase_names(root):
        try:
            phases[name] = load_phase(root, name)
        except CatalogueError as exc:
            problems.append(str(exc))
    owner: dict[str, str] = {}
    for phase in phases.values():
        for cid in phase.criteria:
            if cid in owner:
                problems.append(f"duplicate criterion ID {cid}: in {owner[cid]} and {phase.name}")
            owner[cid] = phase.name
    for name, phase in phases.items():  # a claim may name a criterion of any phase, but of a phase
        table = phase.claims_table()
        where = _shown(features_root(root) / name / PHASE_FILE, root)
        problems.extend(unknown_ids(table, set(owner), where))
        named = set().union(*(c.ids() for c in table.values())) if table else set()
        others = {cid: phases[owner[cid]].title for cid in sorted(named) if owner.get(cid, name) != name}
        phases[name] = replace(phase, others=others)
    if problems:
        raise CatalogueError("\n".join(problems))
    return phases


def _shown(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _phase_file(path: Path) -> dict:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogueError(f"{path}: cannot be read: {' '.join(str(exc).split())}") from None
    missing = [k for k in ("title", "prefix") if not data.get(k)]
    if missing:
        raise CatalogueError(f"{path}: missing {', '.join(missing)}")
    if not re.fullmatch(r"[A-Z][A-Z0-9]*", str(data["prefix"])):
        raise CatalogueError(f"{path}: prefix {data['prefix']!r} is not capital letters and digits")
    return data


def _unplaced(folder: Path, report: dict, criteria: dict) -> list[str]:
    """Criteria a laid-out report would not show: in no section, and no section lists them by concern.

    Without this a new scenario is judged, signed and gated, yet missing from the completion report.
    """
    sections = report.get("sections") or []
    if not sections or any(isinstance(s, dict) and s.get("by_concern") for s in sections):
        return []
    named = _ids_named_by(report)
    return [f"{folder / PHASE_FILE}: {cid} ({criteria[cid].where}) is in no section of the report layout: "
            "add it to the section its claim belongs to, or the completion report would not show it"
            for cid in sorted(set(criteria) - named)]


def _ids_named_by(node) -> set[str]:
    """Every criterion ID the phase file's report layout names."""
    if isinstance(node, str):
        return {node} if CRITERION_TAG.match(node) else set()
    if isinstance(node, dict):
        return set().union(*(_ids_named_by(v) for v in node.values())) if node else set()
    if isinstance(node, list):
        return set().union(*(_ids_named_by(v) for v in node)) if node else set()
    return set()
