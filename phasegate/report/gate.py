"""Whether a run may be signed, as one verdict and one exit code: what ``phasegate status`` and sign-off
share (the deploy gate over an environment's runs, ``phasegate gate``, is :mod:`.promotion`).

A run is signable when it was judged against the real target, the session finished, and
every criterion of the phase has a verdict: passed, or failed/broken/skipped/not run under
a waiver in force. Exit codes, most fundamental first:

- 3: not the real target — a sandbox profile, an answer from the phasegate simulator, or a
  Render API base URL other than Render's that no profile file declares real; a PRACTICE run
  (``phasegate practice``) is said to be one first, with what it would be as practice;
- 2: incomplete — interrupted, a criterion (or one of its scenarios) not run or skipped
  without a waiver, a criterion broken without a waiver, or nothing passed;
- 1: complete, and a criterion failed without a valid waiver;
- 0: signable.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import RENDER_API_URL, Run

SIGNABLE, FAILED, INCOMPLETE, NOT_REAL_TARGET = 0, 1, 2, 3
PRACTICE_RUN = ("a PRACTICE run of the sandbox (`phasegate practice`): signed only with `phasegate signoff "
                "--practice`, and a practice sign-off never opens a real environment's gate")


@dataclass
class Assessment:
    code: int
    label: str  # SIGNABLE, FAILED, BROKEN, PARTIAL, SANDBOX, NOT THE REAL TARGET
    reasons: list[str] = field(default_factory=list)  # why it cannot be signed; empty when signable
    verdict: str = ""  # the sign-off's verdict text, when signable

    def line(self) -> str:
        return f"{self.label}: {self.verdict if self.code == SIGNABLE else '; '.join(self.reasons)}"

    def to_dict(self) -> dict:
        return {"code": self.code, "label": self.label, "signable": self.code == SIGNABLE,
                "reasons": self.reasons, "verdict": self.verdict or None}


def target_reasons(run: Run, practice: bool = False) -> list[str]:
    """Why the run was not judged against the real target; empty when it was.

    ``practice``: the target is the practice one instead (``phasegate practice``): a practice run of the
    sandbox is judged against it, any other run is not.
    """
    if practice:
        return [] if run.practice else [f"not a PRACTICE run: --practice signs and gates only a run of "
                                        "`phasegate practice` (pytest --practice on the sandbox)"]
    reasons = []
    data, render = run.record, run.render_provenance
    api_url = str(render.get("api_url") or data.api_url or "").rstrip("/")
    if data.sandbox_world or (data.sandbox and not render.get("answered_as_simulator")):
        reasons.append(f"SANDBOX run (world {data.sandbox_world!r}): sandbox results are never signed off")
    if render.get("answered_as_simulator"):
        reasons.append(f"the Render API at {api_url} answered as the phasegate simulator (SANDBOX)")
    if api_url and api_url != RENDER_API_URL and not data.sandbox_world:
        declared = run.record.profile_provenance.get("api_url_declared_real")
        if render.get("api_url_from") == "process environment":
            reasons.append(f"RENDER_API_URL was set by the process environment to {api_url}, not Render's "
                           f"{RENDER_API_URL}")
        elif not declared:
            reasons.append(f"the Render API {api_url} is not Render's ({RENDER_API_URL}) and the profile "
                           "does not declare it real (RENDER_API_URL_IS_REAL=1)")
    return reasons


def _ids(results) -> str:
    return ", ".join(r.id + (f" ({r.partly})" if r.partly else "") for r in results)


def assess(run: Run, practice: bool = False) -> Assessment:
    """Whether the run may be signed (``practice``: signed as PRACTICE, :func:`target_reasons`)."""
    if run.practice and not practice:  # said first: signable for practice at most, never for real
        inner = assess(run, practice=True)
        return Assessment(NOT_REAL_TARGET, "PRACTICE", [PRACTICE_RUN, inner.verdict or "; ".join(inner.reasons)])
    not_real = target_reasons(run, practice)
    incomplete = []
    if run.state == "interrupted":
        incomplete.append("the session was interrupted before its end")
    elif run.state != "finished":
        incomplete.append("the session never finished (killed, or still running)")
    not_run = [r for r in run.results.values() if r.status == "not run"]
    if not_run:
        incomplete.append("partial run, not run: " + _ids(not_run))
    pending = [r for r in run.results.values() if r.pending]  # waived or not: a claim nobody can judge yet
    if pending:
        incomplete.append("pending, not yet executable (give each real steps, or move its claim to not_verifiable "
                          "in phase.yaml): " + "; ".join(f"{r.id} {r.title}" for r in pending))
    skipped = [r for r in run.results.values() if r.status == "skipped" and not r.pending]
    if skipped:
        incomplete.append("skipped without a waiver: " + _ids(skipped))
    blocking = run.blocking()
    if blocking:
        details = []
        for res in blocking:
            note = ""
            if res.judged.waiver_state == "expired":
                note = f", waiver expired {res.judged.waiver.expires.isoformat()}"
            details.append(f"{res.id} {res.status}{note}")
        failed_or_broken = "criteria failed or broken without a valid waiver: " + "; ".join(details)
    if not any(r.status == "passed" for r in run.ran):
        incomplete.append("no criterion passed: nothing to sign")
    broken = any(r.status == "broken" for r in blocking)
    if not_real:
        label = "NOT A PRACTICE RUN" if practice else "SANDBOX" if run.sandbox else "NOT THE REAL TARGET"
        return Assessment(NOT_REAL_TARGET, label, not_real + incomplete + ([failed_or_broken] if blocking else []))
    if incomplete or broken:
        label = "PARTIAL" if incomplete else "BROKEN"
        return Assessment(INCOMPLETE, label, incomplete + ([failed_or_broken] if blocking else []))
    if blocking:
        return Assessment(FAILED, "FAILED", [failed_or_broken])
    return Assessment(SIGNABLE, "SIGNABLE", [], verdict_of(run))


def verdict_of(run: Run) -> str:
    waived = [r for r in run.results.values() if r.status == "waived"]
    passed = sum(1 for r in run.ran if r.status == "passed")
    text = f"PASS: {passed} criteria passed"
    if waived:
        text += ", waived: " + ", ".join(f"{r.id} ({r.judged.outcome}, until {r.judged.waiver.expires.isoformat()}, "
                                         f"approved by {r.judged.waiver.approver})" for r in waived)
        text = "PASS WITH WAIVERS" + text[4:]
    return text
