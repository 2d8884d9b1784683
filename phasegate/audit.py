"""``phasegate audit``: what accounts for each check-marked line of a hand-written Markdown report.

Reads any Markdown file, finds every line with ✅, ✔, ☑ or a ``[x]`` checkbox, and says for
each, in document order, whether a phase's claims table maps it to criteria, to the phase
verdict, to not verifiable (and why), or to nothing (**unmapped**). A line about a service the
phase does not judge (:mod:`phasegate.catalogue.services`) is unmapped, whatever its text: a verdict is
never lent across services. Without a phase named, the phase whose table matches most lines. With run folders (as ``phasegate status`` finds them),
each claim also gets today's verdict: the worst of its criteria's, or the phase's gate label
for the document's own status lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .catalogue.claims import (CRITERIA, NOT_APPLICABLE, NOT_VERIFIABLE, PHASE_VERDICT, UNMAPPED, Entry, account,
                               claim_lines, not_applicable_word, summary, worst)
from .catalogue.criteria import Phase
from .catalogue.services import ReportServices, report_services
from .errors import PhasegateError

EXIT_ACCOUNTED, EXIT_UNMAPPED, EXIT_UNUSABLE = 0, 1, 2


class AuditError(PhasegateError):
    """An unreadable report, an unknown phase or run folder: one line, exit 2."""


@dataclass
class Audit:
    path: Path
    phase: Phase | None
    entries: list[Entry]
    verdicts: dict[str, str] = field(default_factory=dict)  # criterion -> its status in the runs read
    phase_verdicts: dict[str, str] = field(default_factory=dict)  # phase name -> its run's gate label
    runs: list[str] = field(default_factory=list)  # the run folders read

    @property
    def unmapped(self) -> list[Entry]:
        return [e for e in self.entries if e.status == UNMAPPED]

    @property
    def code(self) -> int:
        return EXIT_UNMAPPED if self.unmapped else EXIT_ACCOUNTED

    def verdict(self, entry: Entry) -> str | None:
        """Today's verdict of what accounts for a claim; None without runs, or for nothing to judge."""
        if not self.runs:
            return None
        if entry.status == CRITERIA:
            return worst(self.verdicts.get(cid, "not run") for cid in entry.criteria)
        if entry.status == PHASE_VERDICT and self.phase is not None:
            return self.phase_verdicts.get(self.phase.name, "not run")
        if entry.status == NOT_APPLICABLE:
            return not_applicable_word(self.verdicts.get(cid, "not run") for cid in entry.criteria)
        return None

    def to_dict(self) -> dict:
        return {"phase": self.phase.name if self.phase else None, "total": len(self.entries),
                "unmapped": len(self.unmapped), "claims": [e.to_dict(self.verdict(e)) for e in self.entries]}

    def lines(self) -> list[str]:
        out = []
        for e in self.entries:
            if e.status == CRITERIA:
                what = "criteria " + ", ".join(e.criteria)
            elif e.status == PHASE_VERDICT:
                what = "phase verdict"
            elif e.status == NOT_VERIFIABLE:
                what = f"not verifiable: {e.reason}" + (f" (closest {', '.join(e.criteria)})" if e.criteria else "")
            elif e.status == NOT_APPLICABLE:
                what = f"not applicable: {e.reason} (proven by {e.field}" + (
                    f", judged by {', '.join(e.criteria)})" if e.criteria else ")")
            else:
                what = "UNMAPPED: " + (e.reason or "no entry in the claims table")
            verdict = self.verdict(e)
            out.append(f"{e.line.line:>5}  {e.line.text} — {what}" + (f" [{verdict}]" if verdict else ""))
        phase = f"{self.phase.title} ({self.phase.name})" if self.phase else "no phase"
        out.append(f"{self.path}: {summary(self.entries) if self.entries else '0 claims'}; against {phase}'s "
                   f"claims table; {len(self.unmapped)} unmapped"
                   + (f"; verdicts from {', '.join(self.runs)}" if self.runs else ""))
        return out


def read_report(path: Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AuditError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise AuditError(f"{path} is a folder, not a Markdown report") from None
    except UnicodeDecodeError:
        raise AuditError(f"{path} is not UTF-8 text") from None
    except OSError as exc:
        raise AuditError(f"{path} cannot be read ({exc.strerror or type(exc).__name__})") from None


def _about_others(phase: Phase, about: tuple[str, ...]) -> bool:
    """A line about services the phase does not judge (both known): its table's entry is not this line's."""
    return bool(phase.services) and bool(about) and not set(about) <= set(phase.services)


def choose_phase(text: str, phases: dict[str, Phase], name: str | None = None,
                 services: ReportServices | None = None) -> Phase | None:
    """The phase named, or the one whose claims table matches most of the document's claim lines
    (a line about services the phase does not judge is no match)."""
    if name is not None:
        if name not in phases:
            raise AuditError(f"no such phase {name}; phases: {', '.join(sorted(phases))}")
        return phases[name]
    lines = claim_lines(text)
    services = services or ReportServices()
    best, matched = None, 0
    for phase in sorted(phases.values(), key=lambda p: p.name):
        table = phase.claims_table()
        count = sum(1 for line in lines if line.key in table and not _about_others(phase, services.of(line.line)))
        if count > matched:
            best, matched = phase, count
    return best


def _same_service(entries: list[Entry], phase: Phase | None, services: ReportServices) -> list[Entry]:
    """Entries whose line is about another service than the phase judges: unmapped, saying whose they are."""
    if phase is None:
        return entries
    out = []
    for e in entries:
        about = services.of(e.line.line)
        if e.status != UNMAPPED and _about_others(phase, about):
            e = Entry(e.line, UNMAPPED, reason=f"about {', '.join(about)}; {phase.title}'s claims table is about "
                                               f"{', '.join(phase.services)}")
        out.append(e)
    return out


def audit(path: Path, phases: dict[str, Phase], phase: str | None = None) -> Audit:
    text = read_report(path)
    services = report_services(text, [s for p in phases.values() for s in p.services])
    chosen = choose_phase(text, phases, phase, services)
    table = chosen.claims_table() if chosen else {}
    return Audit(Path(path), chosen, _same_service(account(claim_lines(text), table), chosen, services))


def read_verdicts(result: Audit, folders: list[Path]) -> Audit:
    """Every criterion's status in the run folders (the newest of each phase) and each phase's gate label."""
    from .report.gate import assess
    from .report.model import load_run

    for folder in folders:
        run = load_run(folder)
        for cid, res in run.results.items():
            result.verdicts[cid] = res.status
        result.phase_verdicts[run.phase.name] = assess(run).label
        result.runs.append(str(folder))
    return result
