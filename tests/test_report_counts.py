"""Every count of the completion report equals the list it counts (read off the golden Phase 4 reports), its
*Needs attention* block lists exactly the failed and broken criteria, and its IDs never wrap."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

GOLDEN = sorted((Path(__file__).resolve().parent / "golden").glob("phase4-*.report.txt"))


def items_under(text: str, heading: str) -> int:
    section = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    return len(re.findall(r"^- ", section.group(1), re.M)) if section else 0


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.stem)
def test_the_summary_counts_what_the_sections_list(path):
    text = path.read_text(encoding="utf-8")
    summary = re.search(r"(\d+) claims: (\d+) judged by \d+ criteria, (\d+) phase verdicts?, (\d+) not verifiable"
                        r"(?:, (\d+) not applicable)?", text)
    total, judged, verdicts, not_verifiable, not_applicable = (int(g or 0) for g in summary.groups())
    assert items_under(text, "Not verifiable as written") == not_verifiable
    assert items_under(text, "Not applicable to this service") == not_applicable
    ledger = re.search(r"^## The hand-written report, line by line\n(.*?)(?=^## |\Z)", text, re.S | re.M).group(1)
    rows = [r for r in re.findall(r"^\| (\d+) \|", ledger, re.M)]
    assert len(rows) == total
    criteria = re.search(r"(\d+) of (\d+) Phase 4 criteria were judged", text)
    counted = re.search(r"Passed (\d+), failed (\d+), broken (\d+), waived (\d+), skipped (\d+), not run (\d+)", text)
    assert sum(int(n) for n in counted.groups()) == int(criteria.group(2))


def test_a_criterion_id_never_wraps_in_the_html_report():
    from phasegate.report.completion.html_renderer import _html_inline

    shown = _html_inline(["P4-43 failed; see **P5-05**"])
    assert shown == ('<span class="cid">P4-43</span> failed; see <strong><span class="cid">P5-05</span></strong>')


def needs_attention(text: str) -> str:
    return re.search(r"^## Needs attention\n(.*?)(?=^## )", text, re.S | re.M).group(1)


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.stem)
def test_needs_attention_lists_exactly_the_failed_and_broken_criteria_before_every_section(path):
    text = path.read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", text, re.M)
    assert headings[0] == "Needs attention", "the first section a signer reads"
    block = needs_attention(text)
    listed = re.findall(r"^- ❌ \*\*(?:failed|broken)\*\* \[(P4-\d\d)\]\(#(p4-\d\d)\)", block, re.M)
    assert all(cid.lower() == anchor for cid, anchor in listed)
    below = text.split("## Needs attention", 1)[1].split("\n## ", 1)[1]
    failed = re.findall(r"^- ❌ \*\*(?:failed|broken)\*\* (P4-\d\d) <a id=\"(p4-\d\d)\"></a>", below, re.M)
    assert sorted(cid for cid, _ in listed) == sorted(cid for cid, _ in failed), "exactly the failed and broken"
    assert {a for _, a in listed} <= {a for _, a in failed}, "each links to its entry below"
    if not failed:
        assert block.strip().splitlines()[0].startswith("No criterion failed or broke")
