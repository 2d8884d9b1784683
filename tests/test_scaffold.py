"""A new phase scaffolded from another hand-written report: every claim no phase judges is pending, never passed.

The scaffold is written into a scratch copy of the repository (nothing is left in the checkout),
run there as QA would (``pytest -m staging --env sandbox --phase phase6``, before any profile's
PHASEGATE_PHASES lists it), and its run can be neither passed nor signed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from acceptance import ROOT, run_python, suite_command
from cli_runner import phasegate
from phasegate.catalogue.claims import PENDING
from phasegate.catalogue.criteria import load_phases
from phasegate.report.gate import assess
from phasegate.report.model import load_run
from test_catalogue import copy_repo
from test_phase4_outputs import GOLDEN, report_content

REPORT = ROOT / "tests" / "hand-written" / "phase6-report.md"
NEW = {"P6-01": "Upload Flow: Files uploaded through the API reach storage",
       "P6-02": "Thumbnails: Generated for every image upload",
       "P6-03": "Large files (100 MB) complete within 5 minutes",
       "P6-04": "Corrupt Files: Rejected with a clear error",
       "P6-05": "PagerDuty: Alerts routed to the on-call rotation"}


def scaffold_copy(tmp: Path, report: Path, phase: str, prefix: str) -> tuple[Path, list[str]]:
    """A scratch copy of the checkout with ``report`` scaffolded into features/<phase>: (the copy, what the
    scaffold printed)."""
    repo = copy_repo(tmp)
    done = phasegate("audit", report, "--scaffold", f"features/{phase}", "--prefix", prefix, cwd=repo)
    assert done.returncode == 0, done.stderr
    return repo, done.stdout.splitlines()


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory):
    return scaffold_copy(tmp_path_factory.mktemp("scaffold"), REPORT, "phase6", "P6")


def test_the_scaffold_writes_a_phase_and_says_how_to_enable_it(scaffolded):
    repo, lines = scaffolded
    assert lines == [
        "wrote features/phase6/: phase.yaml, hand-written-report.md, 2 feature(s) "
        "(01_end_to_end_uploads.feature, 02_alerting.feature)",
        "10 claims: 0 executable, 5 pending (P6-01…P6-05, not yet executable), 3 judged by existing criteria, "
        "2 phase verdict(s), 0 not verifiable",
        "services: upload-api-staging, upload-worker-staging (as the report names them); a claim of another phase's "
        "table is reused only when that phase judges the same service",
        "run it: pytest -m staging --env sandbox --phase phase6",
        "to judge it with the others, add it to PHASEGATE_PHASES in environments/<env>.env: "
        "PHASEGATE_PHASES=phase4,phase5,phase6",
    ]
    phase = load_phases(repo)["phase6"]
    assert (phase.title, phase.prefix) == ("Phase 6", "P6")
    assert phase.services == ("upload-api-staging", "upload-worker-staging")
    assert {cid: c.title for cid, c in phase.criteria.items()} == NEW
    assert all("staging" in c.tags for c in phase.criteria.values())
    table = {c.text: (c.status, c.criteria, c.reason) for c in phase.claims_table().values()}
    # Under "Environment", the report is about the worker, which Phase 4 judges: mapped, not scaffolded.
    assert table["ENVIRONMENT=staging"] == ("criteria", ("P4-20",), "")
    assert table["Worker Service: Ready for API integration"] == ("criteria", ("P5-01",), "")
    assert table["Logging: Structured logging implemented"] == ("criteria", ("P4-64",), "")  # the worker's logs
    assert table["Status: COMPLETED"][0] == table["Phase 6 Status: COMPLETED"][0] == "phase_verdict"
    assert [s["heading"] for s in phase.report["sections"]] == ["Environment", "End-to-End Uploads", "Alerting"]
    assert (repo / "features/phase6/hand-written-report.md").read_bytes() == REPORT.read_bytes()
    audited = json.loads(phasegate("audit", REPORT, "--json", cwd=repo).stdout)
    assert (audited["phase"], audited["total"], audited["unmapped"]) == ("phase6", 11, 0)
    assert not (ROOT / "features" / "phase6").exists()


def test_the_scaffold_never_overwrites_and_needs_a_prefix(scaffolded, tmp_path):
    repo, _ = scaffolded
    before = sorted(p.name for p in (repo / "features/phase6").iterdir())
    done = phasegate("audit", REPORT, "--scaffold", "features/phase6", "--prefix", "P7", cwd=repo)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "phasegate audit: refused: features/phase6 exists; a scaffold never overwrites a folder\n"
    assert sorted(p.name for p in (repo / "features/phase6").iterdir()) == before
    for prefix, why in [("p7", "--scaffold needs --prefix, capital letters and digits (e.g. P6), got 'p7'"),
                        ("P4", "refused: prefix P4 is phase4's")]:
        done = phasegate("audit", REPORT, "--scaffold", "features/phase7", "--prefix", prefix, cwd=repo)
        assert (done.returncode, done.stderr) == (2, f"phasegate audit: {why}\n")
        assert not (repo / "features/phase7").exists()


def test_a_check_mark_without_a_claim_is_left_out_and_said(tmp_path):
    repo = copy_repo(tmp_path)
    (tmp_path / "report.md").write_text("# Phase 7\n\n## Backups\n\n- ✅\n- ✅ **Backups**: Nightly\n")
    done = phasegate("audit", tmp_path / "report.md", "--scaffold", "features/phase7", "--prefix", "P7", cwd=repo)
    assert done.returncode == 0, done.stderr
    assert "1 claims: 0 executable, 1 pending (P7-01, not yet executable)" in done.stdout
    assert "left out: a check mark with no claim on line(s) 5" in done.stdout
    assert {c.title for c in load_phases(repo)["phase7"].criteria.values()} == {"Backups: Nightly"}


@pytest.fixture(scope="module")
def pending_run(scaffolded, tmp_path_factory):
    repo, _ = scaffolded
    tmp = tmp_path_factory.mktemp("phase6-run")
    cmd, env = suite_command(tmp, "-m", "staging", "--env", "sandbox", "--phase", "phase6",
                             f"--report-dir={tmp / 'reports'}")
    assert env["PHASEGATE_PHASES"] == "phase4"  # the profile does not list phase6: --phase runs it anyway
    done = run_python(cmd, cwd=repo, env=env, timeout=240)
    folders = sorted((tmp / "reports" / "sandbox").glob("*/"))
    return done, folders


def test_a_scaffolded_phase_runs_every_claim_pending_and_nothing_passes(pending_run):
    done, folders = pending_run
    assert [f.name.rsplit("-", 1)[-1] for f in folders] == ["phase6"], done.stdout[-3000:]  # no other phase ran
    for cid, claim in NEW.items():
        assert f"pending  {cid} {claim}" in done.stdout.splitlines()
    # Work not done: the policy's scenarios passed beside them, yet the run is not green (Cucumber's strict mode).
    assert done.returncode == 1, done.stdout[-3000:]
    assert ("phasegate: 5 pending criteria selected (not yet executable: P6-01, P6-02, P6-03, P6-04, P6-05); "
            "the run is not green") in done.stdout.splitlines()
    record = json.loads((folders[0] / "run.json").read_text())
    assert {cid: e["outcome"] for cid, e in record["criteria"].items()} == {cid: "skipped" for cid in NEW}
    messages = {cid: [s["message"] for s in e["scenarios"]] for cid, e in record["criteria"].items()}
    assert messages == {cid: [PENDING + claim] for cid, claim in NEW.items()}
    run = load_run(folders[0])
    assert all(r.pending for r in run.results.values()) and not any(r.status == "passed" for r in run.ran)
    md = (folders[0] / "completion-report.md").read_text()
    assert md.startswith("# SANDBOX — Phase 6 Completion Report: upload-api-staging, upload-worker-staging (")
    assert "**Services**: `upload-api-staging`, `upload-worker-staging`" in md
    for cid, claim in NEW.items():
        assert f"- ⏳ **pending** {cid} <a id=\"{cid.lower()}\"></a>{claim} — not yet executable" in md
    assert "0 of 5 Phase 6 criteria were judged" in md and ", skipped 0, not run 0, pending 5." in md
    assert "11 claims: 3 judged by 3 criteria, 6 pending (5 criteria), 2 phase verdicts, 0 not verifiable" in md
    assert "| 23 | **Upload Flow**: Files uploaded through the API reach storage | P6-01 | … **pending** |" in md
    assert "| 16 | `ENVIRONMENT=staging` | P4-20 | judged in Phase 4's run |" in md


def test_sign_off_refuses_a_pending_phase_naming_each_claim(pending_run):
    _done, folders = pending_run
    done = phasegate("signoff", folders[0], "--key", "missing-key", "--signer", "Ana QA <ana@example.com>")
    assert done.returncode == 2
    reason = ("pending, not yet executable (give each real steps, or move its claim to not_verifiable in phase.yaml): "
              + "; ".join(f"{cid} {claim}" for cid, claim in NEW.items()))
    assert reason in done.stderr


def test_a_pending_criterion_blocks_even_a_real_target_and_a_waiver(pending_run, tmp_path):
    """Outside the sandbox, and with a waiver for P6-01, the pending criteria still stop the sign-off."""
    _done, folders = pending_run
    record = json.loads((folders[0] / "run.json").read_text())
    record.update(sandbox=False, sandbox_world=None, api_url="https://api.render.com/v1")
    record["provenance"]["render"].update(answered_as_simulator=False, api_url="https://api.render.com/v1",
                                          api_url_from="default")
    record["criteria"]["P6-02"]["outcome"] = "passed"  # as if P6-02 had been given real steps
    record["criteria"]["P6-02"]["scenarios"][0]["message"] = ""
    record["waivers"] = [{"criterion": "P6-01", "justification": "later", "approver": "Jane <j@example.com>",
                          "expires": "2999-12-31", "source": "test"}]
    (tmp_path / "run.json").write_text(json.dumps(record))
    assessment = assess(load_run(tmp_path))
    assert (assessment.code, assessment.label) == (2, "PARTIAL")
    assert assessment.reasons == [
        "pending, not yet executable (give each real steps, or move its claim to not_verifiable in phase.yaml): "
        + "; ".join(f"{cid} {claim}" for cid, claim in NEW.items() if cid != "P6-02")]


def test_the_other_phases_are_unchanged_by_a_scaffold(scaffolded, tmp_path):
    """Phase 4 judged in the copy holding phase6 writes the same report as the golden one."""
    repo, _ = scaffolded
    for name in ("phase4", "phase5"):
        assert load_phases(repo)[name] == load_phases(ROOT)[name]
    cmd, env = suite_command(tmp_path, "-m", "staging", "--env", "sandbox", f"--report-dir={tmp_path / 'reports'}")
    done = run_python(cmd, cwd=repo, env=env, timeout=240)
    assert done.returncode == 0, done.stdout[-3000:]
    folders = sorted((tmp_path / "reports" / "sandbox").glob("*/"))
    assert [f.name.rsplit("-", 1)[-1] for f in folders] == ["phase4"]
    report = report_content((folders[0] / "completion-report.md").read_text())
    assert report == (GOLDEN / "phase4-compliant.report.txt").read_text()
