"""The completion report, in the shape of the hand-written one it replaces, drawn from results.

Every line that claims something is a criterion result (✅ passed, ❌ failed or broken,
⚠ waived, ⏭ skipped, ➖ not run) linked to its evidence. The seed's claims that no machine
can check are listed under *Not verifiable as written*, and *The hand-written report, line by
line* gives every check-marked line of the document the phase replaces with today's verdict of
what accounts for it (its claims table, :mod:`phasegate.catalogue.claims`).

:func:`build_document` runs one builder per section, in the report's order, over one document
model (:mod:`.document`); :func:`render` renders it to Markdown (:mod:`.markdown_renderer`) and to
self-contained HTML (:mod:`.html_renderer`: no external script, font or stylesheet).
"""

from __future__ import annotations

from ..gate import assess
from ..model import Run
from .attention import needs_attention
from .claims_sections import hand_written_line_by_line, ledger_of, not_applicable, not_verifiable
from .closing import appendix as appendix_section
from .closing import next_steps, sign_off
from .context import ReportContext
from .document import Doc
from .html_renderer import to_html
from .markdown_renderer import to_markdown
from .opening import executive_summary, provenance, run_facts, title_line
from .phase_sections import environment_policy, phase_sections, section_of

__all__ = ["SECTIONS", "build_document", "render"]

# The report, top to bottom: each builder appends its section (or nothing) to the document. What needs
# attention comes right under the status, before the long sections, so a signer reads the problems first.
SECTIONS = (title_line, run_facts, needs_attention, provenance, executive_summary, phase_sections, environment_policy,
            not_verifiable, not_applicable, hand_written_line_by_line, next_steps, sign_off, appendix_section)


def build_document(run: Run, signoff: dict | None = None, appendix: str | None = None) -> tuple[Doc, str]:
    ctx = ReportContext(run=run, gate=assess(run), sections=section_of(run.phase.report), ledger=ledger_of(run),
                        blocking=run.blocking(), signoff=signoff, appendix=appendix)
    doc = Doc()
    for build in SECTIONS:
        build(doc, ctx)
    return doc, ctx.title


def render(run: Run, signoff: dict | None = None, appendix: str | None = None) -> tuple[str, str]:
    doc, title = build_document(run, signoff, appendix)
    stamp = ("PRACTICE — " if run.practice else "") + ("SANDBOX — " if run.sandbox else "")
    return to_markdown(doc), to_html(doc, stamp + title, run.sandbox)
