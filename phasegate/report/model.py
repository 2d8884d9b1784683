"""What the reports say, read from a run folder: outcomes after waivers, evidence per criterion."""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..criteria import CATALOGUE
from ..waivers import Judged, from_run, judge

RESULTS = "allure-results"
HTML_REPORT = "allure-report.html"
COMPLETION_MD = "completion-report.md"
COMPLETION_HTML = "completion-report.html"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.sig"
SIGNOFF = "signoff.json"
DIFF_APPENDIX = "diff-appendix.json"

SYMBOL = {"passed": "✅", "failed": "❌", "broken": "❌", "waived": "⚠", "skipped": "⏭", "not run": "➖"}


def utc_now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)


def iso(moment: _dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@dataclass
class Evidence:
    label: str
    href: str  # relative to the run folder


@dataclass
class Result:
    id: str
    title: str
    concern: str
    severity: str
    judged: Judged | None  # None: not run in this run
    messages: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "not run" if self.judged is None else self.judged.status

    @property
    def symbol(self) -> str:
        return SYMBOL[self.status]

    def verdict_text(self) -> str:
        """``passed``, ``failed``, ``broken``, ``waived (failed)``, ``skipped: reason``, ``not run in this run``."""
        if self.judged is None:
            return "not run in this run"
        j = self.judged
        if j.status == "waived":
            w = j.waiver
            return (f"waived ({j.outcome}): {w.justification} — approved by {w.approver}, "
                    f"expires {w.expires.isoformat()} (UTC)")
        text = j.outcome
        if j.outcome == "skipped":
            reason = next((m for m in self.messages if m), "no reason given")
            text = f"skipped: {reason}"
        elif j.outcome in ("failed", "broken"):
            first = next((m for m in self.messages if m), "")
            text = f"{j.outcome}: {first}" if first else j.outcome
        if j.waiver_state == "expired":
            text += f" (waiver by {j.waiver.approver} expired {j.waiver.expires.isoformat()}; it no longer applies)"
        return text


@dataclass
class Run:
    folder: Path
    data: dict
    results: dict[str, Result]
    as_of: _dt.datetime

    @property
    def sandbox(self) -> bool:
        return bool(self.data.get("sandbox"))

    @property
    def snapshot(self) -> dict:
        return self.data.get("snapshot") or {}

    @property
    def ran(self) -> list[Result]:
        return [r for r in self.results.values() if r.judged is not None]

    @property
    def not_run(self) -> list[Result]:
        return [r for r in self.results.values() if r.judged is None]

    def blocking(self) -> list[Result]:
        """Criteria that failed or broke with no waiver in force."""
        return [r for r in self.ran if r.status in ("failed", "broken")]

    def counts(self) -> dict[str, int]:
        counts = {k: 0 for k in ("passed", "failed", "broken", "waived", "skipped", "not run")}
        for r in self.results.values():
            counts[r.status] += 1
        return counts

    def service(self) -> dict:
        matches = (self.snapshot.get("staging") or {}).get("matches") or []
        return matches[0] if len(matches) == 1 else {}


def _line(text: str) -> str:
    return " ".join(str(text).split())


def _evidence_index(results_dir: Path) -> dict[str, list[Evidence]]:
    """Criterion ID -> its attachments (and result files) under allure-results."""
    index: dict[str, list[Evidence]] = {}
    if not results_dir.is_dir():
        return index
    for path in sorted(results_dir.glob("*-result.json")):
        try:
            result = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        ids = sorted({lb.get("value") for lb in result.get("labels", [])
                      if lb.get("name") == "tag" and str(lb.get("value", "")) in CATALOGUE})
        found: list[Evidence] = []

        def walk(node):
            for att in node.get("attachments") or []:
                if att.get("source") and (results_dir / att["source"]).exists():
                    found.append(Evidence(att.get("name") or att["source"], f"{RESULTS}/{att['source']}"))
            for step in node.get("steps") or []:
                walk(step)

        walk(result)
        found.append(Evidence(f"Allure result: {result.get('name', path.name)}", f"{RESULTS}/{path.name}"))
        for cid in ids:
            bucket = index.setdefault(cid, [])
            for ev in found:
                if ev.href not in {e.href for e in bucket}:
                    bucket.append(ev)
    return index


def load_run(folder: Path, now: _dt.datetime | None = None) -> Run:
    folder = Path(folder)
    data = json.loads((folder / "run.json").read_text())
    as_of = now or utc_now()
    waivers = from_run(data)
    evidence = _evidence_index(folder / RESULTS)
    criteria = data.get("criteria") or {}
    results: dict[str, Result] = {}
    for cid in sorted(set(CATALOGUE) | set(criteria)):
        known = CATALOGUE.get(cid)
        entry = criteria.get(cid)
        judged = judge(entry["outcome"], waivers.get(cid), as_of) if entry else None
        messages = [_line(s.get("message") or "") for s in (entry or {}).get("scenarios", [])]
        results[cid] = Result(
            id=cid,
            title=(entry or {}).get("title") or (known.title if known else cid),
            concern=(entry or {}).get("concern") or (known.concern if known else ""),
            severity=(entry or {}).get("severity") or (known.severity if known else "normal"),
            judged=judged,
            messages=[m for m in messages if m],
            evidence=evidence.get(cid, []),
        )
    return Run(folder, data, results, as_of)
