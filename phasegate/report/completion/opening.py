"""The completion report's opening sections: the title line (SANDBOX and PARTIAL RUN said there), the run's
facts and its status, *Provenance* (what the run read, as connected) and the *Executive Summary*."""

from __future__ import annotations

from ...catalogue import claims as _claims
from ..gate import SIGNABLE
from ..model import HTML_REPORT, iso, provenance_lines
from .context import ReportContext
from .document import Code, Doc, Link


def title_line(doc: Doc, ctx: ReportContext) -> None:
    run = ctx.run
    partial = ""
    if run.partial:  # said on the first line: a partial run is never mistaken for the phase's report
        missing = [x.id for x in run.results.values() if x.status == "not run"]
        partial = "PARTIAL RUN" + (f" (not run: {', '.join(missing)})" if missing else f" ({run.state})") + " — "
    if run.practice:  # phasegate practice: signed as PRACTICE at most, never for a real gate
        doc.h(1, f"PRACTICE — SANDBOX — {partial}{ctx.title} (simulated; a practice sign-off at most)")
    elif run.sandbox:
        doc.h(1, f"SANDBOX — {partial}{ctx.title} (simulated; not a sign-off)")
    else:
        doc.h(1, f"{partial}{ctx.title}")


def _status(ctx: ReportContext) -> str:
    """The phase's verdict in one line: complete (with which waivers), or not signable and why."""
    if ctx.gate.code == SIGNABLE:
        waived = [x.id for x in ctx.run.results.values() if x.status == "waived"]
        return ("COMPLETE WITH WAIVERS — " + ", ".join(waived)) if waived else \
            "COMPLETE — every criterion of the phase passed"
    return f"NOT SIGNABLE ({ctx.gate.label}) — " + "; ".join(ctx.gate.reasons)


def run_facts(doc: Doc, ctx: ReportContext) -> None:
    """Environment, service, the run's times, the suite's version and the status (a Markdown line break each)."""
    run, d = ctx.run, ctx.run.record
    doc.p("**Environment**: ", Code(str(d.environment)),
          f" (profile {d.profile}" + (f", sandbox world {d.sandbox_world!r}" if run.sandbox else "")
          + ")  ")
    names = [part for i, name in enumerate(ctx.services) for part in ([", "] if i else []) + [Code(name)]]
    doc.p("**Services**: " if len(ctx.services) > 1 else "**Service**: ", *names, "  ")
    doc.p(f"**Snapshot taken**: {d.snapshot_taken_at or 'not taken'} · **Run finished**: "
          f"{d.finished_at} · **Waivers judged as of**: {iso(run.as_of)}  ")
    doc.p(f"**Suite**: phasegate {d.phasegate_version} at commit ", Code(str(d.git_commit)), "  ")
    doc.p(f"**Status**: {_status(ctx)}")


def provenance(doc: Doc, ctx: ReportContext) -> None:
    run, d = ctx.run, ctx.run.record
    doc.h(2, "Provenance")
    doc.p("What this run read, as connected (no secret is recorded):")
    for line in provenance_lines(run.provenance, d.api_url, d.judged_services):
        doc.li(line)
    if run.state != "finished":
        doc.li(f"Session: {run.state} — the run did not reach its end")
    selection = d.selection or {}
    if selection.get("args"):
        doc.li("Invoked as: ", Code("pytest " + " ".join(selection["args"])))


def executive_summary(doc: Doc, ctx: ReportContext) -> None:
    run, d, r = ctx.run, ctx.run.record, ctx.run.results
    pending = [x for x in r.values() if x.pending]  # work not done: neither judged nor skipped, waived or not
    counts = run.counts()
    for x in pending:
        counts[x.status] -= 1
    judged = [x for x in run.ran if not x.pending]
    doc.h(2, "Executive Summary")
    doc.p(f"{len(judged)} of {len(r)} {run.phase.title} criteria were judged in this run against "
          + ("a simulated Render and database (SANDBOX). " if run.sandbox else f"{d.api_url}. ")
          + f"Passed {counts['passed']}, failed {counts['failed']}, broken {counts['broken']}, "
          f"waived {counts['waived']}, skipped {counts['skipped']}, not run {counts['not run']}"
          + (f", pending {len(pending)}" if pending else "") + ". "
          "Each criterion appears once below, in the section of the hand-written report it replaces, with "
          "its evidence; claims that no machine can check are listed under \"Not verifiable as written\".")
    if pending:
        doc.p(f"Pending (not yet executable, so not judged): {', '.join(x.id for x in pending)}. A pending "
              "criterion is never a verdict: the phase cannot be signed until each has real steps or its claim is "
              "moved to not verifiable.")
    if ctx.ledger:
        contradicted = sum(1 for _entry, word, _note in ctx.ledger if word in ("failed", "broken"))
        summary = _claims.summary([entry for entry, _w, _n in ctx.ledger], {x.id for x in pending})
        doc.p(f"The hand-written report ({run.phase.hand_written['file']}): {summary}; this run contradicts "
              f"{contradicted} (see \"The hand-written report, line by line\").")
    if ctx.blocking:
        doc.p("Blocking: " + ", ".join(f"{x.id} {x.status} ({ctx.sections.get(x.id, 'below')})" for x in ctx.blocking)
              + ".")
    doc.p("Full evidence: ", Link("Allure report (single file)", HTML_REPORT), " and ",
          Link("raw Allure results", "allure-results/"), ".")
