"""The phasegate command: --help everywhere, diff between runs, the standalone simulator."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import httpx
import pytest

from acceptance import run_suite
from cli_runner import phasegate, phasegate_started

COMMANDS = [[], ["audit"], ["report"], ["signoff"], ["verify"], ["status"], ["gate"], ["diff"], ["prune"],
            ["summary"], ["steps"], ["sandbox"], ["sandbox", "serve"],
            ["sandbox", "worlds"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "phasegate")
def test_every_command_has_help(command):
    done = phasegate(*command, "--help")
    assert done.returncode == 0, done.stderr
    assert "usage: phasegate" in done.stdout


def test_worlds_lists_each_world_with_its_criterion():
    done = phasegate("sandbox", "worlds")
    assert done.returncode == 0
    assert re.search(r"^compliant\s+render\s+violates nothing \(compliant\): the reference deployment", done.stdout, re.M)
    assert re.search(r"^P4-03\s+render\s+fails P4-03: the staging service is a web_service", done.stdout, re.M)
    assert re.search(r"^database-unreachable\s+database\s+breaks P4-41, .*: the worker's DATABASE_URL", done.stdout, re.M)
    assert re.search(r"^P5-20-worker-stopped\s+worker\s+fails P5-20, P5-21: the stand-in worker is not running", done.stdout, re.M)
    assert all(re.search(r"^\S+\s+(render|database|worker)\s+(fails|breaks|violates nothing).*: \S", line)
               for line in done.stdout.splitlines()), "every world says what it changes"


@pytest.mark.parametrize("name", ["P4-03", "compliant-fleet-10", "deploy-in-flight", "P4-43-public-usage",
                                  "database-unreachable", "no-such-world"])
def test_serve_accepts_every_render_world_listed_and_names_a_database_world_as_such(name):
    listed = {line.split()[0]: line.split()[1] for line in phasegate("sandbox", "worlds").stdout.splitlines()}
    if listed.get(name) == "render":
        proc = phasegate_started("sandbox", "serve", "--world", name)
        try:
            assert "serving at http://127.0.0.1:" in proc.stdout.readline()
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        return
    done = phasegate("sandbox", "serve", "--world", name)
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1
    expected = "is a database world" if name in listed else "no world named"
    assert expected in done.stderr


def test_a_path_that_is_no_run_folder_is_a_usage_error(tmp_path):
    done = phasegate("report", tmp_path)
    assert done.returncode == 2 and "not a run folder" in done.stderr


def _sandbox_run(tmp: Path, world: str) -> Path:
    run_suite(tmp, "-m", "staging and render", "--env", "sandbox", f"--report-dir={tmp / 'reports'}",
              world=world, env={"PHASEGATE_ALLURE_CLI": str(tmp / "none")})
    [folder] = [p for p in (tmp / "reports").glob("sandbox/*") if p.is_dir()]
    return folder


def test_diff_names_the_changed_criterion_and_field(tmp_path):
    a = _sandbox_run(tmp_path / "a", "compliant")
    b = _sandbox_run(tmp_path / "b", "P4-03")
    done = phasegate("diff", a, b, "--write")
    # A regressed outcome is a non-zero exit, so CI can gate on it; the way back is not a regression.
    assert done.returncode == 1, done.stderr
    assert "regressed: P4-03 passed -> failed" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert phasegate("diff", b, a).returncode == 0
    assert re.search(r"P4-03 .*: passed -> failed", done.stdout)
    assert re.search(r"^\s+type: background_worker -> web_service", done.stdout, re.M)
    assert "not comparable" in done.stdout  # the sandbox profile sets no PHASEGATE_DIGEST_KEY
    md = (b / "completion-report.md").read_text()
    assert "Appendix: changes since the previous run" in md and "passed -> failed" in md
    # The appendix is covered by the manifest.
    manifest = json.loads((b / "manifest.json").read_text())
    assert "diff-appendix.json" in manifest["files"]
    assert "CANARY" not in done.stdout + md


def test_diff_prints_one_env_key_per_line(tmp_path):
    a = _sandbox_run(tmp_path / "a", "compliant")
    b = _sandbox_run(tmp_path / "b", "compliant-many-env-vars")
    done = phasegate("diff", a, b)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    header = next(i for i, ln in enumerate(lines) if ln.startswith("Env var keys added: "))
    count = int(lines[header].split(": ")[1])
    assert count >= 250
    assert all(re.fullmatch(r"  \+ [A-Z][A-Z0-9_]*", ln) for ln in lines[header + 1: header + 1 + count])
    assert max(len(ln) for ln in lines) < 200, "no line carries a list of keys"


def test_report_rebuilds_a_run_folder(tmp_path):
    folder = _sandbox_run(tmp_path, "compliant")
    (folder / "completion-report.md").unlink()
    done = phasegate("report", folder, "--no-html")
    assert done.returncode == 0, done.stderr
    assert (folder / "completion-report.md").read_text().startswith("# SANDBOX")


def test_sandbox_serve_answers_curl_with_the_printed_key():
    proc = phasegate_started("sandbox", "serve", "--key", "rnd_cli_test_key")
    try:
        deadline, url = time.monotonic() + 20, None
        while time.monotonic() < deadline and url is None:
            line = proc.stdout.readline()
            match = re.search(r"serving at (http://127\.0\.0\.1:\d+/v1)", line)
            url = match.group(1) if match else None
        assert url, "no base URL printed"
        assert "rnd_cli_test_key" in proc.stdout.readline()
        answer = httpx.get(f"{url}/services", headers={"Authorization": "Bearer rnd_cli_test_key"}, timeout=5)
        assert answer.status_code == 200
        assert httpx.get(f"{url}/services", timeout=5).status_code == 401
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert proc.returncode == 0
