"""Phase 4's outputs do not change when the catalogue moves: same report content, same Allure labels.

The golden files were written by the code that held the catalogue in Python (before the
features became the catalogue); ``PHASEGATE_WRITE_GOLDEN=1`` rewrites them, which a change
to Phase 4's outputs must do deliberately. The one such change so far: the Allure labels'
last column, each result's parentSuite > suite > subSuite (the Allure tree by phase, concern,
criterion), added with those labels; every earlier column is as it was. The report's own, since: a
*Needs attention* block under the status (the failed and broken criteria, each linked to its entry) and an
explicit anchor on every criterion's line.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from acceptance import run_suite
from phasegate.catalogue.criteria import SEVERITIES

GOLDEN = Path(__file__).parent / "golden"
# Worlds covering every kind of line: all passed, a Render criterion failed, a database one failed,
# the whole database broken, one Render resource unavailable (broken), and a run narrowed with -k (not run).
WORLDS = {
    "compliant": (),
    "P4-03": (),
    "P4-43-public-usage": (),
    "database-unreachable": (),
    "events-unavailable": (),
    "compliant-partial": ("-k", "not P4-05"),
}
_RUN_SPECIFIC = ("**Snapshot taken**", "**Suite**", "**Status**")


def report_content(markdown: str) -> str:
    """The report without what differs from run to run: provenance, times, ports, evidence links."""
    out, skipping = [], False
    for line in markdown.splitlines():
        if line.startswith("## "):
            skipping = line == "## Provenance"
        if skipping or line.startswith(_RUN_SPECIFIC):
            continue
        line = re.sub(r" · evidence: .*$", "", line)  # evidence links name files by uuid
        if line.lstrip().startswith("!["):  # charts: files named by uuid
            continue
        line = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", line)
        line = re.sub(r"unix:\S*/pgdata-\d+", "unix:PGDATA", line)  # the sandbox cluster's folder, per user
        out.append(line)
    return "\n".join(out) + "\n"


def allure_labels(results: list[dict]) -> str:
    """Per scenario result: its epic, feature, story, severity, tags, status, and its place in the suites tree.

    The last column (parentSuite > suite > subSuite, each label once) was added when the Allure tree
    began to group by phase, concern and criterion; before, results had no suite label.
    """
    rows = set()
    for result in results:
        labels = result.get("labels", [])
        named = {lb["name"]: lb["value"] for lb in labels if lb["name"] in ("epic", "feature", "story", "severity")}
        suites = [[lb["value"] for lb in labels if lb["name"] == name] for name in ("parentSuite", "suite", "subSuite")]
        tree = " > ".join(values[0] if len(values) == 1 else f"{len(values)} labels {values}" for values in suites)
        # Severity tags (@critical) are new in the features; the severity label itself is compared.
        tags = sorted(lb["value"] for lb in labels if lb["name"] == "tag" and lb["value"] not in SEVERITIES)
        if named.get("epic") == "Environment policy":
            continue
        rows.add(" | ".join([named.get("epic", ""), named.get("feature", ""), named.get("story", ""),
                             named.get("severity", ""), " ".join(tags), result.get("status", ""), tree]))
    return "\n".join(sorted(rows)) + "\n"


@pytest.mark.parametrize("name", sorted(WORLDS))
def test_phase4_outputs_are_unchanged(tmp_path, name):
    world = name.removesuffix("-partial")
    run = run_suite(tmp_path, "-m", "staging", "--env", "sandbox", *WORLDS[name],
                    f"--report-dir={tmp_path / 'reports'}", world=world)
    assert run.returncode in (0, 1), run.stdout[-3000:] + run.stderr[-3000:]
    report = next((tmp_path / "reports" / "sandbox").glob("*/completion-report.md"))
    actual = {"report": report_content(report.read_text()), "allure": allure_labels(run.results)}
    for kind, text in actual.items():
        golden = GOLDEN / f"phase4-{name}.{kind}.txt"
        if os.environ.get("PHASEGATE_WRITE_GOLDEN") == "1":
            golden.write_text(text)
        assert text == golden.read_text(), f"{kind} of world {name} differs from {golden.name}"


@pytest.mark.parametrize("name", ["compliant", "P4-43-public-usage"])
def test_phase4_outputs_are_unchanged_when_phase5_is_judged_in_the_same_session(tmp_path, name):
    """One session, two phases: Phase 4's folder reports exactly what a Phase 4 run alone reports."""
    run = run_suite(tmp_path, "-m", "staging", "--env", "sandbox", f"--report-dir={tmp_path / 'reports'}",
                    world=name, env={"PHASEGATE_PHASES": "phase4,phase5"})
    assert run.returncode in (0, 1), run.stdout[-3000:] + run.stderr[-3000:]
    folder = next((tmp_path / "reports" / "sandbox").glob("*-phase4"))
    results = [json.loads(p.read_text()) for p in (folder / "allure-results").glob("*-result.json")]
    actual = {"report": report_content((folder / "completion-report.md").read_text()),
              "allure": allure_labels(results)}
    for kind, text in actual.items():
        assert text == (GOLDEN / f"phase4-{name}.{kind}.txt").read_text(), f"{kind} of world {name} differs"
