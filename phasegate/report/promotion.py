"""``phasegate gate``: may a deploy pipeline promote this phase of this environment now?

Open (exit 0) only when the newest signed run of the phase in ``reports/<env>/``:

1. verifies against the allowed signers (:func:`phasegate.report.signoff.verify`: the
   signature, every hash, the attestation) and was signed for this environment and phase
   (an attestation an earlier phasegate wrote, ``result`` ``pass``/``fail``, is accepted, and
   the line says how it was read);
2. judged exactly the commits ``--commit`` asks about, if it asks (:mod:`.shipped`);
3. shows no drift in any later run of the phase (:mod:`.drift`); no service ``--commit`` does not
   name now runs another commit than the signed one, as the newest later run that recorded its
   deploy saw it (:func:`.shipped.changed`); and the newest later runs are not a hole (partial,
   interrupted, broken as a whole, another target, unreadable) that no complete run has superseded since;
4. is younger than ``--max-age``, and no waiver it relied on has expired since.

A practice sign-off (``phasegate practice``: a sandbox run, a throwaway key, its own namespace) never opens
the gate: it is refused in one line before its signature is checked. ``--practice`` asks the gate of a
practice folder instead: only a practice sign-off counts, later runs are judged against the practice
target, and every line starts PRACTICE.

The first of these that does not hold decides the code, in this order: 2 no valid signature,
6 not the signed commit, 1 drifted, 5 changed, 4 a later run cannot tell, 3 expired; the line
names it and then any other. 64 is a usage error (bad arguments, a ``--commit`` that is not a
full SHA or names no service the signed run judged, no such folder or allowed-signers file): a
pipeline can tell a mistake in its own call from a closed gate.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..record import run_record
from ..record.run_record import JudgedService
from . import drift, shipped
from .manifest import read as read_manifest
from .model import Run, load_run, utc_now
from .signoff import VerifyFailed, attestation_note, signed_at, verify

OPEN, DRIFTED, NO_SIGNATURE, EXPIRED, CANNOT_TELL, CHANGED, OTHER_COMMIT = 0, 1, 2, 3, 4, 5, 6
USAGE = 64  # sysexits' EX_USAGE
LABELS = {OPEN: "OPEN", DRIFTED: "DRIFTED", NO_SIGNATURE: "NO VALID SIGNATURE", EXPIRED: "EXPIRED",
          CANNOT_TELL: "UNCONFIRMED", CHANGED: "CHANGED", OTHER_COMMIT: "NOT THE SIGNED COMMIT"}
_PRIORITY = (NO_SIGNATURE, OTHER_COMMIT, DRIFTED, CHANGED, CANNOT_TELL, EXPIRED)
_AGE = re.compile(r"(\d+)([dhm])")
_UNIT = {"d": "days", "h": "hours", "m": "minutes"}


class UsageError(ValueError):
    """The gate cannot be asked this way (the message says why): exit 64."""


def parse_age(text: str) -> _dt.timedelta:
    """``7d``, ``36h``, ``90m`` (or a sum: ``1d12h``) as a positive duration; ValueError otherwise."""
    raw = (text or "").strip().lower()
    parts = _AGE.findall(raw)
    if not parts or "".join(n + u for n, u in parts) != raw:
        raise ValueError(f"--max-age {text!r} is not a duration like 7d, 36h or 90m")
    age = sum((_dt.timedelta(**{_UNIT[u]: int(n)}) for n, u in parts), _dt.timedelta())
    if age <= _dt.timedelta():
        raise ValueError(f"--max-age {text!r} must be longer than nothing")
    return age


def age_text(age: _dt.timedelta) -> str:
    minutes = max(0, int(age.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days}d"] * bool(days) + [f"{hours}h"] * bool(hours) + [f"{minutes}m"] * (not days and bool(minutes))
    return " ".join(parts) or "0m"


@dataclass
class Decision:
    code: int
    line: str
    phase: str
    environment: str
    causes: dict[int, str] = field(default_factory=dict)  # every code that holds, with its text
    signed_run: str | None = None
    signer: str | None = None
    signed_at: str | None = None
    age_seconds: int | None = None
    max_age_seconds: int | None = None
    later_runs: list = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # about the signed run, e.g. an earlier phasegate's attestation
    judged_services: list[JudgedService] | None = None  # the signed run's; None: recorded before phasegate kept them
    commits_asked: list = field(default_factory=list)  # --commit, as (role or service name or None, SHA)
    practice: bool = False  # asked with --practice: of a practice sign-off (phasegate practice), never a real gate

    @property
    def label(self) -> str:
        return LABELS[self.code]

    def to_dict(self) -> dict:
        return {"code": self.code, "decision": self.label, "open": self.code == OPEN, "line": self.line,
                "phase": self.phase, "environment": self.environment,
                "causes": [{"code": c, "decision": LABELS[c], "reason": t} for c, t in sorted(self.causes.items(),
                                                                                       key=lambda i: _PRIORITY.index(i[0]))],
                "signed_run": self.signed_run, "signer": self.signer, "signed_at": self.signed_at,
                "age_seconds": self.age_seconds, "max_age_seconds": self.max_age_seconds,
                "later_runs": [r.to_dict() for r in self.later_runs], "notes": list(self.notes),
                "judged_services": run_record.judged_to_json(self.judged_services),
                "commits_asked": [{"service": key or "every judged service", "commit": sha}
                                  for key, sha in self.commits_asked],
                "practice": self.practice}


def _closed(code: int, text: str, phase: str, env: str, **extra) -> Decision:
    return Decision(code, f"{LABELS[code]}: {phase}: {text}", phase, env, {code: text}, **extra)


def _check_call(env_folder: Path, allowed: Path) -> None:
    """A mistake in the gate's own call (exit 64), told apart from a closed gate before anything is read."""
    if not env_folder.is_dir():
        raise UsageError(f"{env_folder} is not a folder (expected reports/<env>)")
    if run_record.is_run_folder(env_folder):
        raise UsageError(f"{env_folder} is a run folder; the gate reads an environment's folder (its parent, "
                         f"{env_folder.parent})")
    if not allowed.is_file():
        raise UsageError(f"allowed signers file {allowed} does not exist")


@dataclass
class _SignedRun:
    """The newest signed run of the phase, verified and signed for this environment and phase."""

    folder: Path
    record: dict  # the manifest's sign-off
    moment: _dt.datetime  # when it was signed
    base: dict  # the Decision's fields that name it
    note: str | None = None  # how its attestation was read, when an earlier phasegate wrote it


def _newest_signed(env_folder: Path, phase: str, runs: list[Path], allowed: Path,
                   practice: bool = False) -> Decision | _SignedRun:
    """Signature: the newest signed run of the phase, if it verifies; else the closed gate that says why not."""
    env = env_folder.name
    if not runs:
        seen = sorted({drift.folder_phase(p) for p in env_folder.iterdir() if run_record.is_run_folder(p)} - {""})
        return _closed(NO_SIGNATURE, f"no run of this phase in {env_folder} (phases here: "
                                     f"{', '.join(seen) or 'none'})", phase, env)
    signed = [p for p in runs if drift.is_signed(p)]
    if not signed:
        return _closed(NO_SIGNATURE, f"no signed run in {env_folder} ({len(runs)} run(s), none signed; newest "
                                     f"{runs[-1].name})", phase, env)
    folder = signed[-1]
    refused = _practice_refusal(folder, practice)
    if refused:
        return _closed(NO_SIGNATURE, refused, phase, env, signed_run=folder.name)
    try:
        verify(folder, allowed)
    except VerifyFailed as exc:
        return _closed(NO_SIGNATURE, f"the newest signed run {folder.name} does not verify: {exc}", phase, env,
                       signed_run=folder.name)
    return _signed_for(folder, phase, env, attestation_note(folder))


def _practice_refusal(folder: Path, practice: bool) -> str | None:
    """A practice sign-off opens only a gate asked with --practice, and --practice only a practice sign-off: said
    before the signature is checked (its signed record decides; a changed one no longer verifies)."""
    try:
        signed_practice = bool((read_manifest(folder).get("signoff") or {}).get("practice"))
    except (OSError, ValueError):
        return None  # verify names what is wrong with it
    if signed_practice and not practice:
        return (f"{folder.name} carries a PRACTICE signature (`phasegate practice`, a sandbox run and a throwaway "
                "key): a practice sign-off never opens a real environment's gate")
    if practice and not signed_practice:
        return f"--practice opens only on a practice sign-off; {folder.name} is signed for real (ask without --practice)"
    return None


def _signed_for(folder: Path, phase: str, env: str, note: str | None = None) -> Decision | _SignedRun:
    """Signature: the verified run was signed for this phase of this environment, at a readable time."""
    data = read_manifest(folder)
    record = data.get("signoff") or {}
    base = dict(signed_run=folder.name, signer=record.get("signer"), signed_at=record.get("signed_at"))
    if (data.get("phase") or {}).get("name") != phase or data.get("environment") != env:
        return _closed(NO_SIGNATURE, f"{folder.name} was signed for {(data.get('phase') or {}).get('name')} of "
                                     f"environment {data.get('environment')!r}, not {phase} of {env!r} (the folder's "
                                     "name)", phase, env, **base)
    moment = signed_at(record)
    if moment is None:
        return _closed(NO_SIGNATURE, f"{folder.name}: the sign-off's time {record.get('signed_at')!r} is not a UTC "
                                     "timestamp", phase, env, **base)
    return _SignedRun(folder, record, moment, base, note)


def _drifted(later: list) -> str | None:
    """Drift: a later run of the phase judged differently from the signed one."""
    text = drift.drift_text(later)
    return f"since then {text}" if text else None


def _cannot_tell(later: list) -> str | None:
    """A later run cannot tell: the newest later runs are a hole no complete run has superseded."""
    return drift.hole_text(later) or None


def _expired(signed: _SignedRun, signed_run: Run, age: _dt.timedelta, max_age: _dt.timedelta,
             now: _dt.datetime) -> str | None:
    """Freshness: older than --max-age, or a waiver the sign-off relied on has expired since."""
    stale = []
    if age > max_age:
        stale.append(f"{age_text(age)} old, older than --max-age {age_text(max_age)}")
    today = load_run(signed.folder, now)
    lapsed = [r for r in signed_run.results.values() if r.status == "waived" and today.results[r.id].status != "waived"]
    if lapsed:
        stale.append("the waiver(s) it relied on expired: " + ", ".join(
            f"{r.id} ({r.judged.waiver.expires.isoformat()})" for r in lapsed))
    return "; ".join(stale) if stale else None


def decide(env_folder, phase: str, allowed_signers, max_age: _dt.timedelta,
           now: _dt.datetime | None = None, practice: bool = False, commits=()) -> Decision:
    """The gate's decision (``practice``: on a practice sign-off of ``phasegate practice``, every line PRACTICE;
    ``commits``: ``--commit``'s values, ``SHA`` or ``ROLE=SHA``, :mod:`.shipped`)."""
    asked = shipped.parse_commits(commits)
    decision = _decide(Path(env_folder), phase, Path(allowed_signers), max_age, now or utc_now(), practice, asked)
    if practice:
        decision.line, decision.practice = f"PRACTICE {decision.line}", True
    return decision


def _decide(env_folder: Path, phase: str, allowed: Path, max_age: _dt.timedelta, now: _dt.datetime,
            practice: bool, asked: list) -> Decision:
    _check_call(env_folder, allowed)
    env = env_folder.name
    runs = drift.runs_of(env_folder, phase)
    signed = _newest_signed(env_folder, phase, runs, allowed, practice)
    if isinstance(signed, Decision):
        signed.commits_asked = asked
        return signed
    signed_run = load_run(signed.folder, signed.moment)
    services = signed_run.record.judged_services  # None: signed before phasegate recorded them
    later = drift.since(signed_run, runs[runs.index(signed.folder) + 1:], now, practice)
    age = now - signed.moment
    found = {OTHER_COMMIT: shipped.not_the_signed_commit(services, asked, signed.folder.name),
             DRIFTED: _drifted(later), CHANGED: shipped.changed(services, later, env, asked),
             CANNOT_TELL: _cannot_tell(later), EXPIRED: _expired(signed, signed_run, age, max_age, now)}
    notes = [n for n in (signed.note, None if asked else shipped.no_commit_note(services, signed.folder.name)) if n]
    extra = dict(signed.base, age_seconds=int(age.total_seconds()), max_age_seconds=int(max_age.total_seconds()),
                 later_runs=later, notes=notes, judged_services=services, commits_asked=asked)
    return _decision(phase, env, drift.signed_line(signed.folder, signed.record), services, age, max_age,
                     {code: text for code, text in found.items() if text}, extra)


def _decision(phase: str, env: str, head: str, services, age, max_age, causes: dict, extra: dict) -> Decision:
    """The decision's code and one line: open, or the first cause (in ``_PRIORITY``) and then every other."""
    tail = "".join(f"; {note}" for note in extra["notes"])
    if not causes:
        at = "".join(f", {e.name} at {shipped.ran(e.deploy)}" for e in services or [] if e.deploy)
        later = extra["later_runs"]
        line = (f"OPEN: {phase} {head}{at}, {age_text(age)} old (max {age_text(max_age)}); "
                f"{len(later)} later run(s), no drift{drift.superseded_text(later)}{tail}")
        return Decision(OPEN, line, phase, env, {}, **extra)
    order = [c for c in _PRIORITY if c in causes]
    line = f"{LABELS[order[0]]}: {phase} {head}; " + "; also ".join(causes[c] for c in order) + tail
    return Decision(order[0], line, phase, env, causes, **extra)
