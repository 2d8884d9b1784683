"""The completion report's body: each section of the hand-written report as the phase file
(``phase.yaml``'s ``report.sections``) lays it out — its criteria, the values and facts shown beside them,
the known issues it names — and then the *Environment-wide policy*, one result per matching service."""

from __future__ import annotations

import re

from ..model import Result, Run
from .context import ReportContext
from .criterion import criterion_line
from .document import Code, Doc, Link, Status


def section_of(report: dict) -> dict[str, str]:
    """Criterion -> the hand-written report's section it appears in (its first line there)."""
    found: dict[str, str] = {}
    for section in report.get("sections") or []:
        for line in section.get("lines") or []:
            found.setdefault(line if isinstance(line, str) else line["criterion"], section["heading"])
    return found


def _minute(stamp) -> str:
    """``2025-10-15T09:30:00.118320Z`` -> ``2025-10-15 09:30``: a table cell a person reads (the snapshot has the rest)."""
    match = re.match(r"^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)", str(stamp or ""))
    return f"{match.group(1)} {match.group(2)}" if match else (str(stamp) if stamp else "—")


def _service_value(run: Run, field: str):
    service = run.service()
    if not service:
        return None
    value = service.get(field)
    return "null" if value is None else value


def _env_value(run: Run, key: str):
    env = run.record.staging_env
    entry = env.get(key)
    return None if entry is None else entry.get("value")


def line_value(run: Run, source: str | None):
    """``service.<field>`` of the service under test, ``env.<KEY>`` of its effective environment."""
    if not source:
        return None
    kind, _, name = source.partition(".")
    if kind == "service":
        return _service_value(run, name)
    if kind == "env":
        return _env_value(run, name)
    raise ValueError(f"unknown report value {source!r}: service.<field> or env.<KEY>")


# --- facts of the run a phase's report may show beside its criteria (``blocks_before``/``blocks_after``) ---

def _dashboard(doc: Doc, run: Run) -> None:
    service = run.service()
    if service.get("dashboard_url"):
        doc.p("Render dashboard: ", Link(service["dashboard_url"], service["dashboard_url"]))


def _database_source(doc: Doc, run: Run) -> None:
    db = run.record.database_snapshot
    if db.get("source"):
        doc.p(f"Read through: {db.get('source')}.")


def _deploys(doc: Doc, run: Run) -> None:
    deploys = run.record.staging_deploys
    if deploys:
        rows = [[_minute(x.get("created_at")), _minute(x.get("finished_at")), Code(str(x.get("id"))),
                 str(x.get("status")), str(x.get("trigger") or ""),
                 (Code(str(x["commit_id"])[:12]) if x.get("commit_id") else "—"),
                 " ".join(str(x.get("commit_message") or "").split())[:100]] for x in deploys]
        doc.table(["created (UTC)", "finished (UTC)", "deploy", "status", "trigger", "commit", "message"], rows)
    else:
        doc.p("No deploy list was read in this run.")


_BLOCKS = {"dashboard": _dashboard, "database_source": _database_source, "deploys": _deploys}


def _block(doc: Doc, run: Run, name: str) -> None:
    if name not in _BLOCKS:
        raise ValueError(f"unknown report block {name!r}: dashboard, database_source or deploys")
    _BLOCKS[name](doc, run)


# --- one section -------------------------------------------------------------------------------------------

def _by_concern(doc: Doc, run: Run) -> None:
    """Every criterion of the phase, under a heading per concern."""
    concerns: dict[str, list[Result]] = {}
    for res in run.results.values():
        concerns.setdefault(res.concern or "Other", []).append(res)
    for concern, items in concerns.items():
        doc.h(3, concern)
        for res in items:
            criterion_line(doc, res, run=run)


def _section(doc: Doc, run: Run, section: dict, sections: dict[str, str]) -> None:
    """One section of the hand-written report, as the phase file lays it out."""
    r = run.results
    doc.h(2, section["heading"])
    if section.get("subheading"):
        doc.h(3, section["subheading"])
    if section.get("note_before"):
        doc.p(section["note_before"])
    for name in section.get("blocks_before") or []:
        _block(doc, run, name)
    if section.get("by_concern"):
        _by_concern(doc, run)
    for line in section.get("lines") or []:
        line = {"criterion": line} if isinstance(line, str) else line
        res = r[line["criterion"]]
        label = line.get("label")
        criterion_line(doc, res, label.replace("{title}", res.title) if label else None,
                       line_value(run, line.get("value")), run)
    for issue in section.get("issues") or []:  # each judged in its own section: named here, not repeated
        cid = issue["criterion"]
        doc.li(f"{issue['problem']} — guarded by {cid} ({sections.get(cid, 'below')}): ", Status(r[cid].status))
    if section.get("note_after"):
        doc.p(section["note_after"])
    for name in section.get("blocks_after") or []:
        _block(doc, run, name)


def phase_sections(doc: Doc, ctx: ReportContext) -> None:
    for section in ctx.run.phase.report.get("sections") or []:
        _section(doc, ctx.run, section, ctx.sections)


def environment_policy(doc: Doc, ctx: ReportContext) -> None:
    """Every service of the environment matching POLICY_SERVICE_PATTERN, one result each (if any was judged)."""
    policy = ctx.run.record.policy or []
    if not policy:
        return
    doc.h(2, "Environment-wide policy")
    doc.p("Every service of the environment matching the profile's POLICY_SERVICE_PATTERN, one result each.")
    for scenario in policy:
        name = scenario["name"].split("[", 1)[-1].rstrip("]")
        message = (scenario.get("message") or "").strip()
        doc.li(Status(scenario["outcome"]), f" {name}",
               detail=message if scenario["outcome"] != "passed" and message else None)
