"""Drift since a sign-off: what the runs of a phase after its signed run say about it.

The runs of an environment are the folders of ``reports/<env>/`` (name order is time
order). For a signed run, every later run of the same phase is read:

- a criterion that was passed in the signed run and failed or broke in a later run (waiver
  or not: the signer signed it passing), or that was waived in the signed run and failed or
  broke later with no waiver in force, has *drifted*;
- a later run that is partial, interrupted or still running, broken as a whole (no
  criterion judged: the target could not be read), not judged against the real target,
  without a criterion the sign-off covered (the catalogue changed), or whose ``run.json``
  cannot be read, *cannot tell*: a hole in the record, open until a complete later run
  supersedes it (what a partial or interrupted run did judge still counts as drift).

A criterion that is better in a later run (waived then, passed now) is not drift. The
signed run is judged as of its sign-off, a later run as of now.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .gate import target_reasons
from .shipped import changed
from .model import SIGNATURE, SIGNOFF, Run, load_run
from .signoff import signed_at
from ..record import run_record
from ..record.run_record import JudgedService
from ..timefmt import minute_utc

_FOLDER = re.compile(r"^\d{8}T\d{6}Z-(?P<phase>.+?)(-\d+)?$")
_VERB = {"failed": "failed", "broken": "broke"}
_SHOWN = 8  # criteria named in a line; the count says how many more


@dataclass
class Regression:
    criterion: str
    before: str  # its status in the signed run: passed or waived
    after: str  # its outcome in the later run: failed or broken
    note: str = ""  # e.g. "its waiver expired 2026-12-31"

    def to_dict(self) -> dict:
        return {"criterion": self.criterion, "before": self.before, "after": self.after,
                **({"note": self.note} if self.note else {})}


@dataclass
class LaterRun:
    folder: Path
    when: str  # finished_at (or started_at) of the run, as recorded; else its folder's name
    regressions: list[Regression] = field(default_factory=list)
    cannot_tell: str | None = None  # why this run says nothing either way
    services: list[JudgedService] | None = None  # what it saw live (run.json's); None: not recorded, or not the target

    def to_dict(self) -> dict:
        return {"run": self.folder.name, "at": self.when, "regressions": [r.to_dict() for r in self.regressions],
                "cannot_tell": self.cannot_tell, "judged_services": run_record.judged_to_json(self.services)}


def folder_phase(folder: Path) -> str:
    """The phase a run folder holds: its run.json's, else what its name says."""
    name = run_record.phase_of(folder)
    if name:
        return name
    match = _FOLDER.match(folder.name)
    return match.group("phase") if match else ""


def runs_of(env_folder: Path, phase: str) -> list[Path]:
    """The run folders of one phase in an environment's folder, oldest first."""
    return [p for p in sorted(Path(env_folder).iterdir())
            if p.is_dir() and run_record.is_run_folder(p) and folder_phase(p) == phase]


def is_signed(folder: Path) -> bool:
    return (folder / SIGNATURE).exists() or (folder / SIGNOFF).exists()


def signoff_record(folder: Path) -> dict:
    """signoff.json as written (not verified here); {} when it cannot be read."""
    try:
        data = json.loads((folder / SIGNOFF).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _when(run: Run) -> str:
    return str(run.record.finished_at or run.record.started_at or run.folder.name)


def _cannot_tell(run: Run, practice: bool = False) -> str | None:
    if target_reasons(run, practice):
        target = "the practice target" if practice else "the real target"
        return f"not judged against {target}: " + "; ".join(target_reasons(run, practice))
    if run.state == "interrupted":
        return "interrupted before its end"
    if run.state != "finished":
        return "never finished (killed, or still running)"
    judged = [r for r in run.ran if r.judged.outcome in ("passed", "failed")]
    if not judged and any(r.judged.outcome == "broken" for r in run.ran):
        return "broken as a whole: no criterion could be judged"
    not_run = [r.id for r in run.results.values() if r.status in ("not run", "skipped")]
    if not_run:
        shown = ", ".join(not_run[:_SHOWN]) + (f", … ({len(not_run)} in all)" if len(not_run) > _SHOWN else "")
        return "partial: not judged (no waiver in force): " + shown
    return None


def _uncovered(signed: Run, later: Run) -> str | None:
    """Criteria the sign-off covered that the later run's catalogue no longer judges: named, never dropped."""
    gone = [cid for cid, res in sorted(signed.results.items()) if res.status in ("passed", "waived")
            and (cid not in later.results or later.results[cid].judged is None)]
    if not gone:
        return None
    return "does not judge what the sign-off covered (not in its catalogue or environment): " + ", ".join(gone)


def compare(signed: Run, later: Run) -> list[Regression]:
    out = []
    for cid, before in sorted(signed.results.items()):
        after = later.results.get(cid)
        if after is None or after.judged is None or before.status not in ("passed", "waived"):
            continue
        outcome = after.judged.outcome
        if outcome not in ("failed", "broken"):
            continue
        if before.status == "waived" and after.status == "waived":
            continue  # it failed under a waiver then, and still does: what was signed still holds
        note = ""
        if after.judged.waiver_state == "expired":
            note = f"its waiver expired {after.judged.waiver.expires.isoformat()}"
        elif after.status == "waived":
            note = f"under a waiver by {after.judged.waiver.approver} the sign-off did not cover"
        out.append(Regression(cid, before.status, outcome, note))
    return out


def since(signed: Run, later_folders: list[Path], now: _dt.datetime | None = None,
          practice: bool = False) -> list[LaterRun]:
    """What each later run of the signed run's phase says, oldest first (``practice``: of a practice sign-off,
    whose later runs are judged against the practice target, the sandbox of ``phasegate practice``)."""
    out = []
    for folder in later_folders:
        try:
            run = load_run(folder, now)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            out.append(LaterRun(folder, folder.name, cannot_tell=f"run.json cannot be read ({run_record.unreadable(exc)})"))
            continue
        hole = _cannot_tell(run, practice) or _uncovered(signed, run)
        # A run that judged nothing real (broken as a whole, another target) shows no drift, only a hole;
        # what a partial or interrupted run did judge counts.
        blind = hole is not None and hole.startswith(("broken as a whole", "not judged against"))
        # What it saw live counts unless it read another target (a partial run still saw the deploys).
        seen = None if target_reasons(run, practice) or run.record.judged_services is None else run.judged_services
        out.append(LaterRun(folder, _when(run), [] if blind else compare(signed, run), hole, seen))
    return out


def short_time(stamp: str) -> str:
    """2026-12-01T03:00:12Z -> 2026-12-01 03:00 UTC (a folder name is kept as it is)."""
    return minute_utc(stamp)


def drift_text(later: list[LaterRun]) -> str | None:
    """``<ID> failed in the run of 2026-12-01 03:00 UTC (…-phase4); …``: each criterion once, where it first drifted."""
    seen, parts = set(), []
    for entry in later:
        fresh = [r for r in entry.regressions if r.criterion not in seen]
        if not fresh:
            continue
        seen |= {r.criterion for r in fresh}
        what = ", ".join(f"{r.criterion} {_VERB[r.after]}" + (f" ({r.note})" if r.note else "") for r in fresh)
        parts.append(f"{what} in the run of {short_time(entry.when)} ({entry.folder.name})")
    return "; ".join(parts) or None


def open_holes(later: list[LaterRun]) -> list[LaterRun]:
    """The runs that cannot tell and that no complete later run has superseded (the newest word is a hole)."""
    complete = [i for i, e in enumerate(later) if not e.cannot_tell]
    return [e for e in later[(complete[-1] + 1) if complete else 0:] if e.cannot_tell]


def hole_text(later: list[LaterRun]) -> str | None:
    holes = open_holes(later)
    if not holes:
        return None
    first = holes[0]
    more = f" (and {len(holes) - 1} more such run(s))" if len(holes) > 1 else ""
    return f"the run of {short_time(first.when)} ({first.folder.name}) cannot tell: {first.cannot_tell}{more}"


def signed_line(folder: Path, record: dict) -> str:
    return f"signed {short_time(str(record.get('signed_at') or '?'))} by {record.get('signer') or '?'} ({folder.name})"


def status_line(env_folder: Path, phase: str, now: _dt.datetime | None = None) -> str | None:
    """For ``phasegate status reports/<env>``: the phase's newest signed run and what later runs say of it.

    None when the phase has no signed run or nothing ran after it. The signature is not checked
    here (``phasegate gate`` does that, against an allowed-signers file).
    """
    runs = runs_of(env_folder, phase)
    signed = [p for p in runs if is_signed(p)]
    if not signed or signed[-1] == runs[-1]:
        return None
    folder = signed[-1]
    record = signoff_record(folder)
    head = f"{phase} since its sign-off: {signed_line(folder, record)}"
    try:
        run = load_run(folder, signed_at(record))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"{head}; its run.json cannot be read ({run_record.unreadable(exc)})"
    later = since(run, runs[runs.index(folder) + 1:], now, practice=bool(record.get("practice")))
    parts = [f"since then {text}" for text in [drift_text(later)] if text]
    parts += [f"CHANGED: {text}" for text in [changed(run.judged_services, later, env_folder.name)] if text]
    hole = hole_text(later)
    if hole:
        parts.append(hole if parts else f"no drift seen, but {hole}")
    if not parts:
        parts.append(f"no drift in {len(later)} later run(s)" + superseded_text(later))
    return "; ".join([head, *parts])


def superseded_text(later: list[LaterRun]) -> str:
    n = sum(1 for e in later if e.cannot_tell) - len(open_holes(later))
    return f" ({n} of them could not tell, superseded by a complete later run)" if n else ""
