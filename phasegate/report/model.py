"""What the reports say, read from a run folder: outcomes after waivers, evidence per criterion.

The folder's ``run.json`` is read through :mod:`phasegate.record.run_record` (:class:`RunRecord`): a
:class:`Run` holds it as ``record`` and reads its fields, never the JSON's keys."""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from .. import RENDER_API_URL  # noqa: F401 (the report's modules read it from here)
from ..catalogue.claims import PENDING
from ..catalogue.criteria import Phase, load_phase, phase_names
from ..timefmt import utc_now, zulu as iso  # noqa: F401 (re-exported to the report's modules)
from ..catalogue.waivers import Judged, judge
from ..record import run_record
from ..record.judged import describe
from ..record.run_record import RESULTS, JudgedService, RunRecord  # noqa: F401 (RESULTS: the report's modules read it from here)

HTML_REPORT = "allure-report.html"
COMPLETION_MD = "completion-report.md"
COMPLETION_HTML = "completion-report.html"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.sig"
SIGNOFF = "signoff.json"
DIFF_APPENDIX = "diff-appendix.json"
ATTESTATION = "attestation.intoto.json"  # the in-toto Statement written at sign-off
ENVELOPE = "attestation.intoto.jsonl"  # the same statement in a DSSE envelope, signed with the signer's key
PUBLIC_KEY = "attestation.pub.pem"  # that key's public half, for verifiers that read no OpenSSH format

SYMBOL = {"passed": "✅", "failed": "❌", "broken": "❌", "waived": "⚠", "skipped": "⏭", "not run": "➖",
          "not applicable": "·"}


@dataclass
class Evidence:
    label: str  # what the file holds: the attachment's name
    href: str  # relative to the run folder
    kind: str = ""  # its media type; image/* is shown inline in the completion report
    row: str = ""  # the Examples row of the scenario that attached it ("variable WORKER_CONCURRENCY"), if any


@dataclass
class Result:
    id: str
    title: str
    concern: str
    severity: str
    judged: Judged | None  # None: not part of the phase in this environment
    messages: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    partly: str | None = None  # "1 of 2 scenarios ran": some of its scenarios were not run

    @property
    def status(self) -> str:
        return "not applicable" if self.judged is None else self.judged.status

    @property
    def pending(self) -> bool:
        """A scaffolded criterion whose step is not yet executable (a skip saying so): never a verdict, even waived."""
        return (self.judged is not None and self.judged.outcome == "skipped"
                and any(m.startswith(PENDING) for m in self.messages))

    @property
    def was_run(self) -> bool:
        return self.judged is not None and self.judged.outcome != "not run"

    @property
    def symbol(self) -> str:
        return SYMBOL[self.status]

    def verdict_text(self) -> str:
        """``passed``, ``failed``, ``broken``, ``waived (failed)``, ``skipped: reason``, ``not run in this run``."""
        if self.judged is None:
            return "not applicable to this environment"
        j = self.judged
        if j.outcome == "not run":
            text = "not run in this run" + (f" ({self.partly})" if self.partly else "")
            if j.status == "waived":
                w = j.waiver
                text += (f"; waived: {w.justification} — approved by {w.approver}, "
                         f"expires {w.expires.isoformat()} (UTC)")
            elif j.waiver_state == "expired":
                text += f" (waiver by {j.waiver.approver} expired {j.waiver.expires.isoformat()})"
            return text
        if j.status == "waived":
            w = j.waiver
            return (f"waived ({j.outcome}): {w.justification} — approved by {w.approver}, "
                    f"expires {w.expires.isoformat()} (UTC)")
        text = j.outcome
        if j.outcome == "skipped":
            reason = _line(next((m for m in self.messages if m), "no reason given").splitlines()[0])
            text = f"skipped: {reason}"
        elif j.outcome in ("failed", "broken"):
            first = _line(next((m for m in self.messages if m), "").split("\n", 1)[0])
            text = f"{j.outcome}: {first}" if first else j.outcome
        if j.waiver_state == "expired":
            text += f" (waiver by {j.waiver.approver} expired {j.waiver.expires.isoformat()}; it no longer applies)"
        return text


@dataclass
class Run:
    folder: Path
    record: RunRecord
    results: dict[str, Result]
    as_of: _dt.datetime
    phase: Phase

    @property
    def sandbox(self) -> bool:
        return bool(self.record.sandbox) or bool(self.render_provenance.get("answered_as_simulator"))

    @property
    def practice(self) -> bool:
        """A run of ``phasegate practice`` (pytest --practice, on the sandbox only): stamped PRACTICE everywhere."""
        return bool(self.record.practice) and self.sandbox

    @property
    def provenance(self) -> dict:
        return self.record.provenance or {}

    @property
    def render_provenance(self) -> dict:
        return self.record.render_provenance

    @property
    def judged_services(self) -> list[JudgedService]:
        """What the run judged: each service's live deploy (``run.json``'s ``judged_services``; [] for a run
        recorded before phasegate kept them)."""
        return list(self.record.judged_services or [])

    @property
    def state(self) -> str:
        """finished, interrupted, or running (the session never reached its end)."""
        return self.record.state

    @property
    def completeness(self) -> run_record.Completeness:
        return self.record.completeness or run_record.Completeness()

    @property
    def ran(self) -> list[Result]:
        return [r for r in self.results.values() if r.was_run]

    @property
    def not_run(self) -> list[Result]:
        """Criteria of the phase not judged in full (waived or not)."""
        return [r for r in self.results.values() if r.judged is not None and not r.was_run]

    def blocking(self) -> list[Result]:
        """Criteria that failed or broke with no waiver in force."""
        return [r for r in self.ran if r.status in ("failed", "broken")]

    def missing(self) -> list[Result]:
        """Criteria of the phase without a verdict: not run, or skipped, with no waiver in force."""
        return [r for r in self.results.values() if r.status in ("not run", "skipped")]

    @property
    def partial(self) -> bool:
        return self.state != "finished" or any(r.status == "not run" for r in self.results.values())

    def counts(self) -> dict[str, int]:
        counts = {k: 0 for k in ("passed", "failed", "broken", "waived", "skipped", "not run", "not applicable")}
        for r in self.results.values():
            counts[r.status] += 1
        return counts

    def service(self) -> dict:
        return self.record.single_service()


def _line(text: str) -> str:
    return " ".join(str(text).split())


def run_phase(record: RunRecord) -> Phase:
    """The phase a run judged, as the run recorded it; the repository's first phase for runs that did not."""
    if record.phase:
        return Phase.from_dict(record.phase)
    root = Path(__file__).resolve().parents[2]  # runs written before phases were recorded had only one
    return load_phase(root, phase_names(root)[0])


def _evidence_index(results_dir: Path, known: dict) -> dict[str, list[Evidence]]:
    """Criterion ID -> its attachments under allure-results, each once, named by what it holds."""
    index: dict[str, list[Evidence]] = {}
    if not results_dir.is_dir():
        return index
    for path in sorted(results_dir.glob("*-result.json")):
        try:
            result = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        ids = sorted({lb.get("value") for lb in result.get("labels", [])
                      if lb.get("name") == "tag" and str(lb.get("value", "")) in known})
        found: list[Evidence] = []
        # Several rows of one Scenario Outline attach files of the same name: the row tells them apart.
        row = ", ".join(f"{p.get('name')} {p.get('value')}" for p in result.get("parameters") or [])

        def walk(node):
            for att in node.get("attachments") or []:
                if att.get("source") and (results_dir / att["source"]).exists():
                    found.append(Evidence(att.get("name") or att["source"], f"{RESULTS}/{att['source']}",
                                          str(att.get("type") or ""), row))
            for step in node.get("steps") or []:
                walk(step)

        walk(result)
        # The result JSON itself is Allure's bookkeeping, not evidence a signer reads: not linked.
        for cid in ids:
            bucket = index.setdefault(cid, [])
            for ev in found:
                if ev.href not in {e.href for e in bucket}:
                    bucket.append(ev)
    return index


def load_run(folder: Path, now: _dt.datetime | None = None) -> Run:
    folder = Path(folder)
    record = run_record.read(folder)
    as_of = now or utc_now()
    waivers = record.waivers_by_criterion()
    phase_ = run_phase(record)
    catalogue = phase_.criteria
    evidence = _evidence_index(folder / RESULTS, catalogue)
    criteria = record.criteria or {}
    completeness = record.completeness or run_record.Completeness()
    phase = set(completeness.phase_criteria or catalogue)
    partly = completeness.partly_run
    results: dict[str, Result] = {}
    for cid in sorted(set(catalogue) | set(criteria)):
        known = catalogue.get(cid)
        entry = criteria.get(cid)
        outcome = entry.outcome if entry else "not run"
        if cid in partly and outcome in ("passed", "skipped"):
            outcome = "not run"  # a criterion is judged by all of its scenarios, not by the ones that ran
        judged = judge(outcome, waivers.get(cid), as_of) if (cid in phase or entry) else None
        # Messages keep their lines (expected / actual / service are one fact per line).
        messages = [str(s.get("message") or "").strip() for s in (entry.scenarios if entry else [])]
        results[cid] = Result(
            id=cid,
            title=(entry and entry.title) or (known.title if known else cid),
            concern=(entry and entry.concern) or (known.concern if known else ""),
            severity=(entry and entry.severity) or (known.severity if known else "normal"),
            judged=judged,
            messages=[m for m in messages if m],
            evidence=evidence.get(cid, []),
            partly=partly.get(cid),
        )
    return Run(folder, record, results, as_of, phase_)


def provenance_lines(provenance: dict, api_url: str | None = None,
                     judged: list[JudgedService] | None = None) -> list[str]:
    """What a run read, as plain lines: Render API, what it judged (each service's deploy and commit; a run
    recorded before phasegate kept them says so when ``judged`` is None), database, suite, profile. Never a secret."""
    render = provenance.get("render") or {}
    lines = []
    url = render.get("api_url") or api_url or "unknown"
    answered = ", ".join(render.get("answered_by") or []) or "nothing (no request was answered)"
    simulator = " — the phasegate SIMULATOR" if render.get("answered_as_simulator") else ""
    lines.append(f"Render API: {url} (from {render.get('api_url_from') or 'unknown'}), answered by {answered}"
                 f"{simulator}")
    if judged is None:
        lines.append("Judged services: not recorded (a run recorded before phasegate kept each deploy's commit)")
    lines += [describe(entry) for entry in judged or []]
    lines.append(_database_line("Database", provenance.get("database")))
    if provenance.get("api_database"):  # the API's own session (Phase 5), through its own connection string
        lines.append(_database_line("API's database session", provenance["api_database"]))
    suite = provenance.get("suite") or {}
    modified = {True: " (with uncommitted changes)", False: "", None: ""}[suite.get("modified")]
    lines.append(f"Suite: phasegate {suite.get('version', '?')} at commit {suite.get('commit', 'unknown')}{modified}")
    profile = provenance.get("profile") or {}
    from_env = ", ".join(profile.get("from_process_environment") or []) or "none"
    lines.append(f"Profile: {', '.join(profile.get('files') or []) or 'unknown'}; keys from the process "
                 f"environment: {from_env}; RENDER_API_URL declared real: "
                 f"{'yes' if profile.get('api_url_declared_real') else 'no'}")
    return lines


def _database_line(label: str, db: dict | None) -> str:
    if db and not db.get("not_connected"):
        tls = {True: "on", False: "off", None: "unknown"}[db.get("tls")]
        port = f":{db['port']}" if db.get("port") is not None else ""
        return (f"{label}: {db.get('host') or 'default host'}{port}, database {db.get('dbname') or '?'}, "
                f"TLS {tls} (through {db.get('source')}){_role_words(db.get('role'))}")
    if db:
        refused = db.get("role") and not db["role"].get("matched")
        state = "refused before its first judged read" if refused else "not connected"
        return f"{label}: {state} (through {db.get('source')}){_role_words(db.get('role'))}"
    return f"{label}: not read in this run"


def _role_words(role: dict | None) -> str:
    """Whether the session was the role the service's own DATABASE_URL names, as read back before any judged read."""
    if not role:
        return ""
    if role.get("matched"):
        return (f"; role {role.get('expected_role')} (named by {role.get('expected_from')}): "
                "current_user and session_user matched")
    return (f"; role NOT matched: {role.get('expected_from')} names {role.get('expected_role')}, the session was "
            f"current_user {role.get('current_user')}, session_user {role.get('session_user')}")
