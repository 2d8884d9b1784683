"""The completion report's closing sections: *Next Steps* (what blocks the phase, waivers to renew or
fix, criteria not yet judged, the sign-off command), *Sign-off* (who signed and what the signature
covers, or unsigned) and the appendix of changes since the previous run."""

from __future__ import annotations

from ..gate import SIGNABLE
from .context import ReportContext
from .document import Doc, Status


def _waiver_steps(doc: Doc, ctx: ReportContext) -> None:
    """An expired waiver to renew, a live one to fix before it expires."""
    for x in ctx.run.ran:
        if x.judged and x.judged.waiver_state == "expired":
            doc.li(f"Waiver for {x.id} expired {x.judged.waiver.expires.isoformat()}: renew it or fix the criterion.")
        elif x.status == "waived":
            doc.li(Status("waived"), f" {x.id} is waived until {x.judged.waiver.expires.isoformat()}: fix it before then.")


def _unjudged_steps(doc: Doc, ctx: ReportContext) -> None:
    """Criteria that ran without a verdict (pending, skipped), then those not run at all."""
    run = ctx.run
    for x in run.ran:
        if x.pending:
            doc.li(Status("pending"), f" {x.id} ({x.title}) is not yet executable: give its scenario real steps, or "
                   "move the claim to not_verifiable in phase.yaml with a reason and remove the scenario.")
        elif x.status == "skipped":
            doc.li(Status("skipped"), f" {x.id} ({x.verdict_text()}): configure it to have it judged.")
    if run.not_run:
        doc.li("Not run in this run: " + ", ".join(x.id for x in run.not_run) + ". Run the whole phase "
               "(`pytest -m staging`), or waive what is deliberately not run.")


def next_steps(doc: Doc, ctx: ReportContext) -> None:
    run = ctx.run
    doc.h(2, "Next Steps")
    if run.sandbox:
        doc.li("This is a SANDBOX run: run `pytest -m staging` against the real staging service for a sign-off.")
    for x in ctx.blocking:
        doc.li(Status(x.status), f" Fix {x.id} ({x.title}), or record a waiver in environments/"
               f"{run.record.environment}.waivers.yaml, then run again.")
    _waiver_steps(doc, ctx)
    _unjudged_steps(doc, ctx)
    if ctx.gate.code == SIGNABLE and not ctx.signoff:
        doc.li("Sign off: `phasegate signoff RUN --key KEY --signer \"Name <email>\"`.")
    if run.phase.report.get("next_phase"):
        doc.li(run.phase.report["next_phase"])


def sign_off(doc: Doc, ctx: ReportContext) -> None:
    signoff = ctx.signoff
    doc.h(2, "Sign-off")
    if signoff and signoff.get("practice"):
        doc.li(f"PRACTICE — signed by: {signoff['signer']}, a throwaway key, namespace \"{signoff.get('namespace')}\"")
        doc.li(f"Signed at (UTC): {signoff['signed_at']}")
        doc.p(f"{signoff.get('note')}. Check it with `phasegate verify RUN --allowed-signers FILE` (the practice's "
              "allowed-signers file).")
    elif signoff:
        doc.li(f"Signed by: {signoff['signer']}")
        doc.li(f"Signed at (UTC): {signoff['signed_at']}")
        doc.li(f"Verdict: {signoff['verdict']}")
        doc.p("The signature (manifest.json.sig, OpenSSH, namespace \"phasegate\") covers manifest.json, which "
              "holds the SHA-256 of this report and of every evidence file, and of attestation.intoto.json "
              "(the same verdicts as an in-toto test-result Statement whose subjects are this folder's files). "
              "Check them with `phasegate verify RUN --allowed-signers FILE`.")
    else:
        doc.p("Unsigned." + (" A practice run is signed only as PRACTICE (`phasegate signoff RUN --practice`)."
                             if ctx.run.practice else " A sandbox run cannot be signed." if ctx.run.sandbox else ""))


def appendix(doc: Doc, ctx: ReportContext) -> None:
    if ctx.appendix:
        doc.h(2, "Appendix: changes since the previous run")
        doc.pre(ctx.appendix)
