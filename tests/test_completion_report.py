"""The completion report is made for the signer: what needs attention first, each link landing on its criterion; each
criterion once, in the seed's sections; status as a word with its mark; evidence named by what it holds; charts inline,
with labelled axes, the threshold and the peak; messages keep their lines; tables fit in a real browser."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from acceptance import ROOT, run_suite
from phasegate.catalogue.criteria import load_phase

CATALOGUE = load_phase(ROOT, "phase4").criteria

LINE = re.compile(r"^- (✅|❌|⚠|⏭|➖) \*\*(passed|failed|broken|waived|skipped|not run)\*\* (P4-\d\d) ", re.M)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    """A full sandbox run with two failures (P4-08 and P4-62) and its reports."""
    tmp = tmp_path_factory.mktemp("completion")
    run_suite(tmp, "-m", "staging", "--env", "sandbox", f"--report-dir={tmp / 'reports'}",
              world="P4-08-failed-after-live", env={"PHASEGATE_ALLURE_CLI": str(tmp / "none")})
    [folder] = [p for p in (tmp / "reports" / "sandbox").iterdir() if p.is_dir()]
    return folder


def test_each_criterion_appears_once_in_the_seeds_sections(report):
    md = (report / "completion-report.md").read_text()
    ids = [m.group(3) for m in LINE.finditer(md)]
    assert sorted(ids) == sorted(CATALOGUE), "every criterion exactly once"
    sections = [h for h in re.findall(r"^## (.+)$", md, re.M)]
    for seed in ("Executive Summary", "Service Details", "Validation Results", "Database Integration",
                 "Issues Resolved", "Security Validation", "Performance Metrics", "Deployment History",
                 "Monitoring and Alerting", "Job Processing Validation", "Next Steps"):
        assert seed in sections, seed
    assert sections.index("Service Details") < sections.index("Database Integration") < sections.index(
        "Security Validation") < sections.index("Deployment History"), "in the seed's order"


def test_status_is_a_word_with_its_mark(report):
    md = (report / "completion-report.md").read_text()
    assert re.search(r"^- ❌ \*\*failed\*\* P4-08 ", md, re.M) and re.search(r"^- ✅ \*\*passed\*\* P4-01 ", md, re.M)
    page = (report / "completion-report.html").read_text()
    assert '<span class="st st-failed">✗ failed</span> <span class="cid">P4-08</span>' in page
    assert "✅" not in page and "❌" not in page, "no emoji in the HTML: boxes where no emoji font exists"


def test_evidence_links_are_named_by_what_they_hold(report):
    md = (report / "completion-report.md").read_text()
    labels = re.findall(r"\[([^\]]+)\]\((allure-results/[^)]+)\)", md)
    assert labels
    assert not [t for t, _ in labels if re.fullmatch(r"evidence( \d+)?", t)]
    assert not [h for _, h in labels if h.endswith("-result.json")], "no link to Allure's result JSON"
    assert "P4-43 SQL and rows" in md and "Secrets compared by keyed fingerprint" in md


def test_needs_attention_comes_first_and_each_link_lands_on_its_criterion(report):
    """The failed and broken criteria of the run (run.json's outcomes) are listed before every other section, and each
    link of the page lands on an element of the page: the criterion's entry."""
    outcomes = json.loads((report / "run.json").read_text())["criteria"]
    bad = sorted(cid for cid, c in outcomes.items() if c["outcome"] in ("failed", "broken"))
    assert bad == ["P4-08", "P4-62"]
    md = (report / "completion-report.md").read_text()
    assert re.findall(r"^## (.+)$", md, re.M)[0] == "Needs attention"
    block = md.split("## Needs attention", 1)[1].split("\n## ", 1)[0]
    assert sorted(re.findall(r"^- ❌ \*\*(?:failed|broken)\*\* \[(P4-\d\d)\]", block, re.M)) == bad
    assert "**Fix:** " in block
    page = (report / "completion-report.html").read_text()
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)) and set(CATALOGUE) <= {i.upper() for i in ids}, "one anchor per criterion"
    targets = re.findall(r'href="#([^"]+)"', page)
    assert set(targets) >= {c.lower() for c in bad} and set(targets) <= set(ids)
    assert re.search(r'<li id="p4-08"><span class="st st-failed">', page), "the entry itself carries the id"


def _chart(page: str, kind: str) -> str:
    for alt, data in ((a, d) for d, a in re.findall(r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)" '
                                                    r'alt="([^"]+)"', page)):
        if alt.startswith(kind):
            return base64.b64decode(data).decode()
    raise AssertionError(f"no {kind} chart")


def test_charts_label_their_axes_and_draw_the_threshold_and_the_peak(report):
    page = (report / "completion-report.html").read_text()
    for kind, axis in (("memory", "memory used (GiB)"), ("cpu", "CPU used (CPU)")):
        svg = _chart(page, kind)
        assert axis in svg and "time (UTC)" in svg, kind
        assert re.search(r'stroke-dasharray="[^"]+"/>\s*<text[^>]*>80 % threshold \(\d', svg), kind
        assert re.search(r">peak \d+\.\d\d \S+ = \d+ % of the limit at \d{4}-", svg), kind


def test_charts_are_shown_inline_and_messages_keep_their_lines(report):
    page = (report / "completion-report.html").read_text()
    charts = re.findall(r'<img src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+" alt="([^"]+)"', page)
    assert any("memory" in c for c in charts) and any("cpu" in c for c in charts), charts
    md = (report / "completion-report.md").read_text()
    assert re.search(r"^  !\[memory[^\]]*\]\(allure-results/[^)]+\.svg\)$", md, re.M)
    block = re.search(r"P4-08 violated: latest deploy status\n\s+expected: live\n\s+actual:\s+build_failed", page)
    assert block, "the message keeps its lines in the HTML"
    assert re.search(r"^  \s*expected: live$", md, re.M)


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium not installed (apt-get install chromium)")
def test_a_real_browser_shows_the_report_fitting_at_1280_and_800_pixels(report, tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "report_screenshots.py"), str(report),
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2 and all(" fits; " in ln for ln in lines), lines
    assert all("2/2 images shown" in ln and "✗ failed" in ln for ln in lines), lines
    for name in ("wide", "narrow"):
        assert (tmp_path / f"completion-report-{name}.png").stat().st_size > 10_000
