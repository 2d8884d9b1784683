"""What every section of the completion report reads: the run, the gate's assessment of it, where each
criterion sits in the hand-written report, the claims ledger, the sign-off and the diff appendix.

Computed once by :func:`phasegate.report.completion.build_document` and handed to each section builder.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..gate import Assessment
from ..model import Result, Run


@dataclass(frozen=True)
class ReportContext:
    run: Run
    gate: Assessment
    sections: dict[str, str]  # criterion -> the hand-written report's section it appears in
    ledger: list[tuple]  # (claims entry, verdict word, note) per claim line of the hand-written report
    blocking: list[Result]
    signoff: dict | None = None
    appendix: str | None = None

    @property
    def service_name(self) -> str:
        return self.run.record.service_name or "the worker"

    @property
    def services(self) -> tuple[str, ...]:
        """The services the run judged, as the profile names them (``run.json``'s ``judged_services``, by role);
        else, for a run that recorded none, the phase's (its phase.yaml's ``services``), else the profile's
        service under test."""
        judged = sorted((e.role, e.name) for e in self.run.judged_services if e.name)
        return tuple(dict.fromkeys(name for _role, name in judged)) or tuple(self.run.phase.services) \
            or (self.service_name,)

    @property
    def title(self) -> str:
        phase = self.run.phase
        return f"{phase.report.get('title') or phase.title + ' Completion Report'}: {', '.join(self.services)}"
