"""`phasegate diff` names a change of the worker's grants between two runs."""

from __future__ import annotations

from acceptance import run_suite
from cli_runner import phasegate


def test_diff_names_a_new_route_into_production(tmp_path):
    reports = tmp_path / "reports"
    before = run_suite(tmp_path / "a", "-m", "staging and database", "--env", "sandbox",
                       f"--report-dir={reports}", "--no-report", world="compliant")
    after = run_suite(tmp_path / "b", "-m", "staging and database", "--env", "sandbox",
                      f"--report-dir={reports}", "--no-report", world="P4-43-membership")
    assert before.returncode == 0 and after.returncode == 1
    folders = sorted(p for p in (reports / "sandbox").iterdir() if p.is_dir())
    assert len(folders) == 2
    done = phasegate("diff", *folders)
    assert done.returncode == 1 and "P4-43 passed -> failed" in done.stderr, done.stderr  # a regression
    assert "P4-43" in done.stdout and "passed -> failed" in done.stdout
    assert 'grants.member_of: [] -> ["upload_worker_prod"]' in done.stdout
    assert "grants.production_schema_usage: false -> true" in done.stdout


def test_diff_names_a_new_door_into_production(tmp_path):
    reports = tmp_path / "reports"
    for folder, world in (("a", "compliant"), ("b", "P4-43-view")):
        run_suite(tmp_path / folder, "-m", "staging and database", "--env", "sandbox", f"--report-dir={reports}",
                  "--no-report", world=world)
    folders = sorted(p for p in (reports / "sandbox").iterdir() if p.is_dir())
    done = phasegate("diff", *folders)
    assert done.returncode == 1 and "P4-43 passed -> failed" in done.stderr, done.stderr
    assert 'grants.production_doors: [] -> ["view upload_pipeline_staging.document_titles"]' in done.stdout, done.stdout
