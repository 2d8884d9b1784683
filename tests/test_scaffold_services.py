"""A verdict is never lent across services, and pending is never "judged": in process, no suite run.

A hand-written Phase 6 report about a static site whose lines read like Phase 4's (the worker's) claims
is scaffolded: nothing of it is mapped to a Phase 4 criterion, its vague lines are proposed as not
verifiable, and the scaffolded phase's completion report names its own service and counts its pending
criteria as pending, not judged. The run's exit code is proven where the process is the point
(tests/test_scaffold.py).
"""

from __future__ import annotations

import json

import pytest

from acceptance import ROOT
from phasegate.audit import audit
from phasegate.catalogue import claims
from phasegate.catalogue.claims import PENDING
from phasegate.catalogue.criteria import CatalogueError, load_phase, load_phases
from phasegate.catalogue.services import judges, read_services, report_services
from phasegate.report.completion import render
from phasegate.report.model import load_run
from phasegate.scaffold import scaffold
from test_catalogue import copy_repo, edit

WEB = ROOT / "tests" / "hand-written" / "phase6-web-report.md"  # Service: upload-web-staging
# The same words as Phase 4's claims about the worker.
COLLIDING = ["Auto Deploy: Enabled", "Branch: staging (corrected from deployment/cloud-infrastructure)", "Plan: Starter"]


@pytest.fixture(scope="module")
def web_phase(tmp_path_factory):
    repo = copy_repo(tmp_path_factory.mktemp("web"))
    said = scaffold(WEB, repo / "features" / "phase6", "P6")
    return repo, said, load_phases(repo)["phase6"]


def test_the_web_reports_claims_collide_with_phase4s_by_text():
    """The premise: without the service, these lines are Phase 4's (the worker's) claims, word for word."""
    table = load_phase(ROOT, "phase4").claims_table()
    assert [table[claims.claim_key(c)].criteria for c in COLLIDING] == [("P4-12",), ("P4-11",), ("P4-06",)]


def test_a_report_about_another_service_borrows_no_phase4_criterion(web_phase):
    repo, said, phase = web_phase
    assert phase.services == ("upload-web-staging",)
    table = {c.text: c for c in phase.claims_table().values()}
    named = {cid for c in table.values() for cid in c.ids()}
    assert not {cid for cid in named if not cid.startswith("P6-")}, named  # no criterion of another phase
    assert {c: table[c].criteria for c in COLLIDING} == {
        "Plan: Starter": ("P6-01",), COLLIDING[1]: ("P6-02",), "Auto Deploy: Enabled": ("P6-03",)}
    assert {cid: c.title for cid, c in phase.criteria.items()} == {
        "P6-01": "Plan: Starter", "P6-02": COLLIDING[1], "P6-03": "Auto Deploy: Enabled",
        "P6-04": "Custom Domain: staging.uploads.example.com verified"}
    assert phase.others == {}
    assert said[1:5] == [
        "8 claims: 4 executable (P6-01…P6-04), 0 pending, 0 judged by existing criteria, 2 phase verdict(s), "
        "2 not verifiable",
        "services: upload-web-staging (as the report names them); a claim of another phase's table is reused only "
        "when that phase judges the same service",
        "roles: web = upload-web-staging (from the word 'web' of its name) — another role: --role NAME=ROLE, or edit "
        "the features' Given lines and the profile together",
        "add to the profile (environments/<env>.env): RENDER_SERVICES=web:upload-web-staging"]
    # Its own claims, judged on the web role (not the worker's criteria with the same words).
    feature = (repo / "features" / "phase6" / "01_site_details.feature").read_text()
    for cid, then in [("P6-01", 'its plan is "starter"'), ("P6-02", 'its branch is "staging"'),
                      ("P6-03", "it deploys automatically")]:
        assert (f"  @{cid} @staging @render\n  Scenario: {phase.criteria[cid].title}\n"
                f"    Given the \"web\" service as Render reports it\n    Then {then}\n") in feature


def test_vague_claims_are_proposed_not_verifiable_with_the_reason(web_phase):
    _repo, _said, phase = web_phase
    table = {c.text: c for c in phase.claims_table().values()}
    for text, word in [("Performance: Good", "Good"), ("Stable", "Stable")]:
        assert table[text].status == claims.NOT_VERIFIABLE and table[text].criteria == ()
        assert table[text].reason.startswith(f'vague: "{word}" names no measure or bound a machine could check')
    assert not any(c.title in ("Performance: Good", "Stable") for c in phase.criteria.values())


@pytest.mark.parametrize("text, is_vague", [
    ("Performance: Good", True), ("- **Performance**: ✅ Good", True), ("Stable", True), ("Working", True),
    ("Optimized", True), ("Reliability: Working as expected", True), ("Memory: Stable at 200 MB", False),
    ("Auto Deploy: Enabled", False), ("Uptime: 99.9%", False), ("Logging: Structured logging implemented", False),
])
def test_a_claim_is_vague_when_it_only_praises(text, is_vague):
    assert bool(claims.vague(text)) is is_vague


def test_the_checkout_audit_lends_the_web_report_nothing():
    """Against the checkout's phases, the web report's lines match Phase 4's text but not its service."""
    result = audit(WEB, load_phases(ROOT))
    assert result.phase is None and result.code == 1
    forced = audit(WEB, load_phases(ROOT), "phase4")
    entries = {e.line.text: e for e in forced.entries}
    for text in COLLIDING:
        assert entries[text].status == claims.UNMAPPED and entries[text].criteria == ()
        assert entries[text].reason == ("about upload-web-staging; Phase 4's claims table is about "
                                        "upload-worker-staging")
    seed = audit(ROOT / "features" / "phase4" / "hand-written-report.md", load_phases(ROOT))
    assert (seed.phase.name, len(seed.unmapped)) == ("phase4", 0)  # the seed is about upload-worker-staging


def _pending_run(folder, phase) -> None:
    """A sandbox run folder of ``phase`` in which every criterion was pending (as a scenario whose step is not yet
    executable records it)."""
    folder.mkdir()
    criteria = {cid: {"outcome": "skipped", "title": c.title, "concern": c.concern, "severity": c.severity,
                      "scenarios": [{"message": PENDING + c.title, "outcome": "skipped"}]}
                for cid, c in phase.criteria.items()}
    # An earlier format (docs/run-record.md): read without the ended record's every field.
    record = {"format": 2, "phase": phase.to_dict(), "criteria": criteria, "sandbox": True, "environment": "sandbox",
              "profile": "environments/sandbox.env", "sandbox_world": "compliant", "state": "finished",
              "service_name": "upload-worker-staging", "completeness": {"phase_criteria": sorted(criteria)}}
    (folder / "run.json").write_text(json.dumps(record))


def test_the_scaffolded_phases_report_names_its_service_and_counts_pending_as_pending(web_phase, tmp_path):
    _repo, _said, phase = web_phase
    _pending_run(tmp_path / "run", phase)
    md, _html = render(load_run(tmp_path / "run"))
    assert md.startswith("# SANDBOX — Phase 6 Completion Report: upload-web-staging (simulated; not a sign-off)")
    assert "**Service**: `upload-web-staging`" in md and "upload-worker-staging" not in md
    assert "0 of 4 Phase 6 criteria were judged" in md
    assert "Passed 0, failed 0, broken 0, waived 0, skipped 0, not run 0, pending 4." in md
    assert "Pending (not yet executable, so not judged): P6-01, P6-02, P6-03, P6-04." in md
    assert "8 claims: 0 judged by 0 criteria, 4 pending (4 criteria), 2 phase verdicts, 2 not verifiable" in md


def test_which_services_a_report_and_each_line_is_about():
    text = "\n".join([
        "# Phase 7", "**Services**: `upload-api-staging`, `upload-web-staging`", "",  # 2: the document
        "- ✅ Auto Deploy: Enabled",  # 4: the document's services
        "## upload-web-staging", "- ✅ Branch: staging",  # 5-6: a heading naming a service
        "### Build", "- ✅ Plan: Starter",  # 7-8: under it
        "## Worker", "- **Service Name**: upload-worker-staging", "- ✅ Plan: Starter",  # 9-11: a service line
        "## Both", "- ✅ upload-api-staging answers on /health",  # 12-13: a line naming one
        "```", "Service: not-a-service", "```",  # examples in a code block say nothing
    ])
    found = report_services(text, ["upload-worker-staging"])
    assert found.document == ("upload-api-staging", "upload-web-staging")
    assert {n: found.of(n) for n in (4, 6, 8, 11, 13)} == {
        4: ("upload-api-staging", "upload-web-staging"), 6: ("upload-web-staging",), 8: ("upload-web-staging",),
        11: ("upload-worker-staging",), 13: ("upload-api-staging",)}
    assert found.named == ("upload-api-staging", "upload-web-staging", "upload-worker-staging")
    assert report_services("- ✅ Auto Deploy: Enabled\n- **Service**: Background Worker\n").document == ()


def test_a_verdict_is_lent_only_to_lines_about_services_the_phase_judges():
    worker, both = ("upload-worker-staging",), ("upload-api-staging", "upload-worker-staging")
    assert judges(worker, worker) and judges(both, worker)
    assert not judges(worker, both) and not judges(worker, ("upload-web-staging",))
    assert not judges(worker, ()) and not judges((), worker)  # unknown is not the same service


def test_phase_yaml_services_are_validated(tmp_path):
    assert read_services(None, "x") == ((), [])
    assert read_services(["a", "b"], "x") == (("a", "b"), [])
    for bad in ("upload-worker-staging", [], [""], [3]):
        assert read_services(bad, "x")[1] == ["x: services must be a non-empty list of service names "
                                              "(e.g. [upload-worker-staging])"]
    assert read_services(["a", "a"], "x")[1] == ["x: services names a more than once"]
    repo = copy_repo(tmp_path)
    edit(repo / "features/phase4/phase.yaml", "services: [upload-worker-staging]", "services: upload-worker-staging")
    with pytest.raises(CatalogueError, match="phase.yaml: services must be a non-empty list"):
        load_phases(repo)


def test_the_checkouts_phases_record_the_services_they_judge():
    phases = load_phases(ROOT)
    assert phases["phase4"].services == ("upload-worker-staging",)
    assert phases["phase5"].services == ("upload-api-staging", "upload-worker-staging")
