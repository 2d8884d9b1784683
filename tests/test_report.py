"""The run folder's reports: completion report, manifest, Allure HTML without trackers, no secrets."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from acceptance import run_suite, valid_run_record
from cli_runner import phasegate
from phasegate.report import allure_html
from phasegate.report.manifest import sha256

ALLURE = allure_html.allure_cli() is not None


def run_folder(reports: Path) -> Path:
    folders = [p for p in reports.glob("*/*") if p.is_dir()]
    assert len(folders) == 1, folders
    return folders[0]


@pytest.fixture(scope="module")
def sandbox_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sandbox")
    run = run_suite(tmp, "-m", "staging", "--env", "sandbox", f"--report-dir={tmp / 'reports'}", html=True)
    assert run.returncode == 0, run.stdout + run.stderr
    return run, run_folder(tmp / "reports")


def test_sandbox_folder_holds_reports_and_manifest(sandbox_run):
    _, folder = sandbox_run
    for name in ("run.json", "completion-report.md", "completion-report.html", "manifest.json"):
        assert (folder / name).is_file(), name
    md = (folder / "completion-report.md").read_text()
    assert "SANDBOX" in md.splitlines()[0]
    assert "SANDBOX" in (folder / "completion-report.html").read_text().splitlines()[0]
    for section in ("Executive Summary", "Service Details", "Validation Results", "Environment Configuration",
                    "Database Integration", "Security Validation", "Performance Metrics", "Deployment History",
                    "Issues Resolved", "Not verifiable as written", "Next Steps", "Sign-off"):
        assert f"## {section}" in md, section
    assert "\"Security configurations\" — not verifiable" in md  # each not-verifiable line of the hand-written report
    assert "\"Health Checks: Automated health monitoring\" — not applicable" in md
    run = valid_run_record(json.loads((folder / "run.json").read_text()))  # as docs/run-record.schema.json says
    assert run["criteria"], "no criterion ran"
    for cid, entry in run["criteria"].items():
        assert re.search(rf"^- (✅|❌|⚠|⏭) \*\*[a-z ]+\*\* {cid} ", md, re.M), cid
        assert entry["outcome"] == "passed"
    # Deployment history comes from the real deploy list.
    for deploy in run["snapshot"]["staging"]["deploys"]:
        assert deploy["id"] in md
    # Every evidence link resolves to a file in the run folder.
    for href in re.findall(r"\]\((allure-results/[^)]+)\)", md):
        assert (folder / href).is_file(), href


def test_manifest_lists_every_criterion_and_hashes_every_file(sandbox_run):
    _, folder = sandbox_run
    manifest = json.loads((folder / "manifest.json").read_text())
    run = json.loads((folder / "run.json").read_text())
    assert manifest["sandbox"] is True and manifest["environment"] == "sandbox"
    assert manifest["suite_commit"] == run["git_commit"] and manifest["packages"] == run["packages"]
    for cid, entry in run["criteria"].items():
        assert manifest["criteria"][cid]["outcome"] == entry["outcome"]
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {"manifest.json"}
    assert set(manifest["files"]) == files
    assert any(f.startswith("allure-results/") and f.endswith("-attachment.json") for f in files)
    for rel, digest in manifest["files"].items():
        assert sha256(folder / rel) == digest, rel


@pytest.mark.skipif(not ALLURE, reason="Allure 3 CLI not installed (npm ci)")
def test_allure_html_is_single_file_without_tracker(sandbox_run):
    _, folder = sandbox_run
    page = (folder / "allure-report.html").read_text()
    assert "googletagmanager" not in page.lower()
    assert "gtag(" not in page
    assert not re.search(r"""<script[^>]*src\s*=\s*["']?https?:""", page, re.I)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["allure_html"]["generated"] is True
    assert "allure-report.html" in manifest["files"]


def test_no_secret_value_in_any_file_of_the_run_folder(sandbox_run):
    run, folder = sandbox_run
    for path in folder.rglob("*"):
        if path.is_file():
            assert b"CANARY" not in path.read_bytes(), path
    assert "CANARY" not in run.stdout + run.stderr


def test_missing_allure_cli_still_writes_everything_else(tmp_path):
    run = run_suite(tmp_path, "-m", "staging and render", "--env", "sandbox", f"--report-dir={tmp_path / 'reports'}", env={"PHASEGATE_ALLURE_CLI": str(tmp_path / "no-allure")}, html=True)
    assert run.returncode == 0, run.stdout + run.stderr
    folder = run_folder(tmp_path / "reports")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["allure_html"]["generated"] is False
    assert "not installed" in manifest["allure_html"]["reason"]
    assert not (folder / "allure-report.html").exists()
    md = (folder / "completion-report.md").read_text()
    # Database criteria were not selected: listed as not run, never as passed.
    assert re.search(r"^- ➖ \*\*not run\*\* P4-41 .*not run in this run", md, re.M)
    assert manifest["criteria"]["P4-41"]["status"] == "not run"


def test_strip_trackers_removes_third_party_scripts_only():
    page = ("<html><head><script>window.app = 1;</script>"
            '<script async src="https://www.googletagmanager.com/gtag/js?id=G-X"></script>'
            "<script>window.dataLayer = window.dataLayer || []; function gtag(){dataLayer.push(arguments);}"
            "gtag('js', new Date());</script>"
            '<script src="//cdn.example.com/x.js"></script>'
            '<script src="data:text/javascript;base64,AAAA"></script></head><body></body></html>')
    clean = allure_html.strip_trackers(page)
    assert allure_html.remote_scripts(clean) == []
    assert "window.app = 1" in clean and "data:text/javascript;base64,AAAA" in clean
    assert "googletagmanager" not in clean and "gtag" not in clean and "cdn.example.com" not in clean


@pytest.mark.skipif(not ALLURE, reason="Allure 3 CLI not installed (npm ci)")
def test_no_html_writes_every_report_but_the_allure_html_which_report_builds_later(tmp_path):
    run = run_suite(tmp_path, "-m", "staging and P4-02", "--env", "sandbox", f"--report-dir={tmp_path / 'reports'}",
                    "--no-html", html=True)
    assert run.returncode == 0, run.stdout + run.stderr
    folder = run_folder(tmp_path / "reports")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["allure_html"] == {"generated": False, "file": None, "reason": "not requested"}
    assert (folder / "completion-report.md").is_file() and not (folder / "allure-report.html").exists()
    rebuilt = phasegate("report", folder)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert json.loads((folder / "manifest.json").read_text())["allure_html"]["generated"] is True
    assert (folder / "allure-report.html").read_text().startswith("<!")
