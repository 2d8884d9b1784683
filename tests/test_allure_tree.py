"""The Allure report reads like the catalogue: phase, then concern (the Feature), then criterion.

The labels come from the catalogue (parentSuite / suite / subSuite, the tree Allure 3 groups by,
beside epic / feature / story), each once: allure-pytest-bdd adds no suite label and a feature
label only when none is set. Headless Chromium then opens each run's single-file Allure HTML,
expands its tree and finds every criterion's results under phase > concern > criterion; the same
results without those labels (the tree before: one "features" node, then folders) fail the check.
The same run's completion reports name each criterion's evidence files apart.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from acceptance import ROOT, run_suite
from phasegate.catalogue.criteria import load_phase
from phasegate.report import allure_html

SUITES = ("parentSuite", "suite", "subSuite")
chromium = pytest.mark.skipif(shutil.which("chromium") is None,
                              reason="chromium not installed (apt-get install chromium)")


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("allure-tree")
    run = run_suite(tmp, "-m", "staging", "--env", "sandbox", f"--report-dir={tmp / 'reports'}", world="P4-03",
                    env={"PHASEGATE_PHASES": "phase4,phase5"}, html=True)
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-3000:]
    found = {p.name.rsplit("-", 1)[-1]: p for p in (tmp / "reports" / "sandbox").iterdir() if p.is_dir()}
    assert set(found) == {"phase4", "phase5"} and all((p / "allure-report.html").is_file() for p in found.values())
    return found


def results(folder: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in (folder / "allure-results").glob("*-result.json")]


@pytest.mark.parametrize("phase", ["phase4", "phase5"])
def test_each_result_has_its_phase_concern_and_criterion_once(folders, phase):
    catalogue = load_phase(ROOT, phase)
    seen = set()
    for result in results(folders[phase]):
        labels = result["labels"]
        values = {name: [lb["value"] for lb in labels if lb["name"] == name]
                  for name in (*SUITES, "epic", "feature", "story")}
        assert all(len(values[name]) == 1 for name in (*SUITES, "epic", "feature")), (result["name"], values)
        if values["epic"] == ["Environment policy"]:
            assert values["parentSuite"] == ["Environment policy"]
            continue
        cid = result["name"].split()[0]
        criterion = catalogue.criteria[cid]
        assert values["parentSuite"] == values["epic"] == [catalogue.title]
        assert values["suite"] == values["feature"] == [criterion.concern]
        assert values["subSuite"] == values["story"] == [f"{cid} {criterion.title}"]
        seen.add(cid)
    assert seen == set(catalogue.criteria), "every criterion of the phase has its results in the tree"


def screenshots(folder: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "report_screenshots.py"), str(folder),
                           "--out", str(out), "--only", "allure-tree"], capture_output=True, text=True, timeout=600)


@chromium
@pytest.mark.parametrize("phase", ["phase4", "phase5"])
def test_a_real_browser_shows_the_tree_by_phase_concern_and_criterion(folders, phase, tmp_path):
    done = screenshots(folders[phase], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    [line] = [ln for ln in done.stdout.splitlines() if ln.startswith("allure tree:")]
    title = load_phase(ROOT, phase).title
    assert f"2 top node(s) (Environment policy, {title})" in line, line
    assert "every criterion under its phase > concern > criterion" in line, line
    assert (tmp_path / "allure-tree.png").stat().st_size > 50_000


@chromium
def test_the_tree_check_fails_on_results_without_suite_labels(folders, tmp_path):
    """Before the labels, Allure 3 grouped by file path: one 'features' node, then folders."""
    folder = tmp_path / folders["phase4"].name
    shutil.copytree(folders["phase4"], folder)
    for path in (folder / "allure-results").glob("*-result.json"):
        result = json.loads(path.read_text())
        result["labels"] = [lb for lb in result["labels"] if lb["name"] not in SUITES]
        path.write_text(json.dumps(result))
    allure_html.generate(folder / "allure-results", folder / "allure-report.html", name="without suites")
    done = screenshots(folder, tmp_path / "shots")
    assert done.returncode == 1, done.stdout + done.stderr
    [line] = [ln for ln in done.stdout.splitlines() if ln.startswith("allure tree:")]
    assert "1 top node(s) (features)" in line and "WRONG: Phase 4 > " in line, line


@pytest.mark.parametrize("phase", ["phase4", "phase5"])
def test_no_criterion_links_two_evidence_files_by_the_same_name(folders, phase):
    """Rows of one Scenario Outline, and the facts one scenario reads, attach files of the same kind: the completion
    report names each by what tells it apart (the row, the fact), so a signer knows which link to open."""
    md = (folders[phase] / "completion-report.md").read_text()
    lines = [ln for ln in md.splitlines() if " · evidence: " in ln]
    assert lines
    for line in lines:
        names = re.findall(r"\[([^\]]+)\]\(allure-results/", line.split(" · evidence: ", 1)[1])
        assert len(names) == len(set(names)), line
    if phase == "phase4":
        assert "(redacted) — variable WORKER_CONCURRENCY]" in md and "P4-43 SQL and rows: key doors]" in md
