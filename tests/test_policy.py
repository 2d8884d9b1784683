"""Proof that the environment-wide policy judges every service of the environment, and can fail."""

from __future__ import annotations

import pytest

from acceptance import run_suite
from phasegate.sandbox.worlds import VIOLATES

POLICY_ONLY = ("-m", "staging and policy", "--env", "sandbox")
REFERENCE_SERVICES = {"upload-api-staging", "thumbnail-worker-staging", "upload-worker-staging"}


def policy_results(run) -> dict[str, str]:
    """service name -> status, from the Allure results of the policy scenarios."""
    out = {}
    for result in run.results:
        if any(lb["name"] == "tag" and lb["value"] == "policy" for lb in result["labels"]):
            name = result["name"].split(" follows", 1)[0]
            out[name] = result["status"]
    return out


def test_every_service_matching_the_pattern_gets_its_own_scenario(tmp_path):
    run = run_suite(tmp_path, *POLICY_ONLY)
    assert policy_results(run) == {name: "passed" for name in REFERENCE_SERVICES}, run.stdout
    assert run.returncode == 0


@pytest.mark.parametrize("name", sorted(n for n, cid in VIOLATES.items() if cid == "policy"))
def test_a_violating_service_fails_its_scenario_only(tmp_path, name):
    run = run_suite(tmp_path, "-m", "staging", "--env", "sandbox", world=name)
    results = policy_results(run)
    assert results.pop("thumbnail-worker-staging") == "failed", run.stdout
    assert set(results.values()) == {"passed"}
    assert set(run.outcomes.values()) == {"passed"}, run.outcomes  # the Phase 4 criteria are not affected
    message = next(r["statusDetails"]["message"] for r in run.results
                   if r["name"].startswith("thumbnail-worker-staging"))
    assert "expected" in message and "dashboard.render.com" in message


def test_a_large_environment_is_judged_service_by_service(tmp_path):
    run = run_suite(tmp_path, *POLICY_ONLY, world="compliant-fleet-10")
    results = policy_results(run)
    assert len(results) == 13 and set(results.values()) == {"passed"}


def test_no_pattern_skips_with_the_reason(tmp_path):
    run = run_suite(tmp_path, "-m", "staging and (policy or P4-03)", "--env", "sandbox",
                    env={"POLICY_SERVICE_PATTERN": ""})
    skipped = [r for r in run.results if r["status"] == "skipped"]
    assert len(skipped) == 1 and "POLICY_SERVICE_PATTERN" in skipped[0]["statusDetails"]["message"]
    assert run.outcomes == {"P4-03": "passed"}


def test_a_pattern_matching_nothing_fails(tmp_path):
    run = run_suite(tmp_path, *POLICY_ONLY, env={"POLICY_SERVICE_PATTERN": "*-nowhere"})
    assert list(policy_results(run).values()) == ["failed"]
    assert run.returncode == 1


def test_a_full_run_reads_each_resource_once(tmp_path):
    run = run_suite(tmp_path, "-m", "staging", "--env", "sandbox")
    assert run.returncode == 0, run.stdout
    seen = [(r["method"], r["path"], r["query"]) for r in run.requests]
    assert seen and len(seen) == len(set(seen)), sorted(seen)
    assert {m for m, _, _ in seen} == {"GET"}


def test_the_completion_report_lists_the_policy_per_service(tmp_path):
    run = run_suite(tmp_path, "-m", "staging and (policy or P4-03)", "--env", "sandbox",
                    f"--report-dir={tmp_path / 'reports'}", world="policy-branch")
    folder = next(p for p in (tmp_path / "reports" / "sandbox").iterdir() if p.is_dir())
    report = (folder / "completion-report.md").read_text()
    section = report.split("## Environment-wide policy", 1)[1].split("\n## ", 1)[0]
    assert "- ✅ **passed** upload-worker-staging" in section
    assert "- ❌ **failed** thumbnail-worker-staging" in section
    assert run.returncode == 1
