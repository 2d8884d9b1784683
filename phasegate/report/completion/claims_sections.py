"""The completion report's account of the hand-written report it replaces, from the phase's claims table
(:mod:`phasegate.catalogue.claims`): *Not verifiable as written* (claims no machine can check, with the
closest criterion) and *The hand-written report, line by line* (every check-marked line with today's
verdict of what accounts for it). :func:`ledger_of` computes that verdict per line."""

from __future__ import annotations

from ...catalogue import claims as _claims
from ..gate import SIGNABLE
from ..model import Run
from .context import ReportContext
from .phase_sections import line_value
from .document import Doc, Verdict


def _not_verifiable(phase) -> list[dict]:
    """The phase's not-verifiable claims: its claims table's, else (a run recorded before it) report.not_verifiable."""
    if phase.claims:
        return [{"claim": c.text, "why": c.reason, "closest": list(c.criteria)}
                for c in phase.claims_table().values() if c.status == _claims.NOT_VERIFIABLE]
    return phase.report.get("not_verifiable") or []


def _closest(run: Run, cid: str) -> str:
    """``<ID> passed`` for a criterion of this run, ``<ID> (Phase N)`` for another phase's; else nothing."""
    if cid in run.results:
        return f"{cid} {run.results[cid].status}"
    other = run.phase.others.get(cid)
    return f"{cid} ({other})" if other else ""


def _field_value(run: Run, field: str) -> str:
    try:
        value = line_value(run, field)
    except ValueError:
        return "unreadable"
    return "not read in this run" if value is None else str(value)


def _listed(ctx: ReportContext, status: str) -> list[tuple[str, object]]:
    """(where, claim) to list under a status: each claim line of the hand-written report with it (so the list has
    as many items as the summary counts), else (no report on file) each entry of the claims table."""
    run = ctx.run
    if ctx.ledger:
        table = run.phase.claims_table()
        return [(f"line {entry.line.line}: ", table[entry.line.key]) for entry, _w, _n in ctx.ledger
                if entry.status == status and entry.line.key in table]
    return [("", c) for c in run.phase.claims_table().values() if c.status == status] if run.phase.claims else []


def not_applicable(doc: Doc, ctx: ReportContext) -> None:
    """Claims that cannot apply to the service under test, each with the field that proves it, read in this run."""
    run = ctx.run
    items = _listed(ctx, _claims.NOT_APPLICABLE)
    if not items:
        return
    doc.h(2, "Not applicable to this service")
    doc.p("Claims of the hand-written report that cannot apply to the service under test. They are never counted "
          "as passed; each holds only while the criteria that judge its field pass.")
    for where, claim in items:
        word = _claims.not_applicable_word(run.results[c].status if c in run.results else "not run"
                                           for c in claim.criteria)
        judged = ", ".join(_closest(run, c) for c in claim.criteria if _closest(run, c))
        doc.li(f"{where}\"{claim.text}\" — {word}: {claim.reason} ({claim.field} = {_field_value(run, claim.field)}"
               + (f"; judged by {judged})" if judged else ")"))


def not_verifiable(doc: Doc, ctx: ReportContext) -> None:
    run = ctx.run
    doc.h(2, "Not verifiable as written")
    items = ([(where, {"claim": c.text, "why": c.reason, "closest": list(c.criteria)})
              for where, c in _listed(ctx, _claims.NOT_VERIFIABLE)] if ctx.ledger
             else [("", item) for item in _not_verifiable(run.phase)])
    if not items:  # the summary points here: say why nothing is listed
        doc.p(f"None: every claim of the hand-written report for {run.phase.title} is a criterion above.")
    else:
        doc.p("Claims of the hand-written report that no machine can check as worded, one item per line of it (as "
              "the summary counts them). They are not counted as passed; the closest criterion is given where one "
              "exists.")
    for where, item in items:
        parts: list = [f"{where}\"{item['claim']}\" — not verifiable: {item['why']}."]
        closest = [_closest(run, c) for c in item.get("closest") or []]
        if any(closest):
            parts.append(" Closest: " + ", ".join(c for c in closest if c))
        doc.li(*parts)


def ledger_of(run: Run) -> list[tuple]:
    """(entry, verdict word, note) for each claim line of the hand-written report, in document order."""
    lines = [_claims.ClaimLine(*line) for line in (run.phase.hand_written or {}).get("lines") or []]
    if not lines:
        return []
    out = []
    for entry in _claims.account(lines, run.phase.claims_table()):
        word, note = "", ""
        if entry.status == _claims.NOT_APPLICABLE:
            word = _claims.not_applicable_word(run.results[c].status if c in run.results else "not run"
                                               for c in entry.criteria)
        if entry.status == _claims.CRITERIA:
            here = [c for c in entry.criteria if c in run.results]
            elsewhere = [c for c in entry.criteria if c not in run.results]
            word = _claims.worst("pending" if run.results[c].pending else run.results[c].status for c in here) or ""
            if elsewhere:
                phases = sorted({run.phase.others.get(c, "another phase") for c in elsewhere})
                note = (" (and " if word else "") + f"judged in {', '.join(phases)}'s run" + (")" if word else "")
        out.append((entry, word, note))
    return out


def _accounted_for(entry, word: str, note: str, phase_verdict: str, run: Run) -> tuple[str, Verdict]:
    """A ledger row's "accounted for by" cell and its verdict today."""
    if entry.status == _claims.NOT_APPLICABLE:
        value = _field_value(run, entry.field)
        proof = f"{entry.field} = {value}" + (f", judged by {', '.join(entry.criteria)}" if entry.criteria else "")
        return f"not applicable ({entry.field})", Verdict(word, f": {entry.reason} ({proof})")
    if entry.status == _claims.CRITERIA:
        return ", ".join(entry.criteria), (Verdict(word, note) if word else Verdict(note.strip()))
    if entry.status == _claims.PHASE_VERDICT:
        return "phase verdict", Verdict(f"phase verdict: {phase_verdict}")
    if entry.status == _claims.NOT_VERIFIABLE:
        by = "not verifiable" + (f" (closest {', '.join(entry.criteria)})" if entry.criteria else "")
        return by, Verdict(f"not verifiable: {entry.reason}")
    return "**unmapped**", Verdict("not accounted for: no entry in the claims table")


def hand_written_line_by_line(doc: Doc, ctx: ReportContext) -> None:
    """Only for a phase with a hand-written report on file (its claim lines are in the run)."""
    run, gate = ctx.run, ctx.gate
    if not ctx.ledger:
        return
    doc.h(2, "The hand-written report, line by line")
    doc.p(f"Every line of {run.phase.hand_written['file']} with a check mark, in its order, with what accounts for "
          "it and today's verdict: ✔ passed, ✘ failed, ! broken (the worst of its criteria), the phase verdict, "
          "or not verifiable and why.")
    if run.phase.others:
        doc.p(f"Criteria of another phase are judged in that phase's own run; `phasegate audit features/"
              f"{run.phase.name}/{run.phase.hand_written['file']} --run reports/{run.record.environment}` "
              "shows every claim with the newest run of each phase.")
    verdict = "COMPLETE" if gate.code == SIGNABLE else f"NOT SIGNABLE ({gate.label})"
    rows = []
    for entry, word, note in ctx.ledger:
        by, today = _accounted_for(entry, word, note, verdict, run)
        rows.append([str(entry.line.line), _claims.shown(entry.line.raw), by, today])
    doc.table(["line", "the hand-written report says", "accounted for by", "today"], rows)
