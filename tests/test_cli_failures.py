"""The phasegate command never destroys a file or prints a traceback: every expected failure is one line and an exit code."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path

import pytest

from acceptance import run_suite
from cli_runner import phasegate
from phasegate.report import allure_html

EXIT_OK, EXIT_FAILED, EXIT_REFUSED = 0, 1, 2


def one_line_failure(done: subprocess.CompletedProcess, code: int) -> str:
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stdout + done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert "\x1b" not in lines[0], "no terminal escape codes in a message"
    return lines[0]


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    """One sandbox run folder with its reports but no Allure HTML; tests copy it before changing anything."""
    tmp = tmp_path_factory.mktemp("run")
    run_suite(tmp, "-m", "staging and P4-02", "--env", "sandbox", f"--report-dir={tmp / 'reports'}",
              env={"PHASEGATE_ALLURE_CLI": str(tmp / "none")})
    [folder] = [p for p in (tmp / "reports").glob("sandbox/*") if p.is_dir()]
    return folder


@pytest.fixture
def run(run_folder, tmp_path) -> Path:
    import shutil

    copy = tmp_path / "reports" / "sandbox" / run_folder.name
    shutil.copytree(run_folder, copy)
    return copy


def test_version():
    done = phasegate("--version")
    assert done.returncode == 0 and done.stdout.strip() == "phasegate 0.1.0"


@pytest.mark.skipif(allure_html.allure_cli() is None, reason="Allure 3 CLI not installed (npm ci)")
def test_report_works_from_any_folder_with_a_relative_path(run, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    relative = os.path.relpath(run, elsewhere)
    done = phasegate("report", relative, cwd=elsewhere)
    assert done.returncode == EXIT_OK, done.stdout + done.stderr
    assert "Allure HTML written" in done.stdout
    assert (run / "allure-report.html").read_text().startswith("<!")
    assert json.loads((run / "manifest.json").read_text())["allure_html"]["generated"] is True


def test_a_failed_rebuild_keeps_the_existing_html_and_says_why_on_one_line(run, tmp_path):
    before = "<!doctype html><title>the earlier report</title>"
    (run / "allure-report.html").write_text(before)
    failing = tmp_path / "allure"
    failing.write_text('#!/bin/sh\nprintf "\\033[31mno results here\\033[0m\\n" >&2\nexit 3\n')
    failing.chmod(0o755)
    done = phasegate("report", run, env={"PHASEGATE_ALLURE_CLI": str(failing)})
    assert done.returncode == EXIT_FAILED
    assert "\x1b" not in done.stdout and "no results here" in done.stdout
    assert "kept the previous allure-report.html" in done.stdout
    assert (run / "allure-report.html").read_text() == before
    assert not [p for p in run.iterdir() if p.name.endswith(".tmp")], "no temporary file left behind"


@pytest.mark.parametrize("command", [["report"], ["diff", "RUN"], ["signoff", "--key", "k", "--signer", "A <a@b.c>"]],
                         ids=lambda c: c[0])
def test_a_corrupt_run_json_is_one_line(run, command):
    (run / "run.json").write_text('{"criteria": ')
    args = [command[0], run, *[run if a == "RUN" else a for a in command[1:]]]
    line = one_line_failure(phasegate(*args), EXIT_REFUSED)
    assert "run.json is not valid JSON" in line


def test_verify_checks_the_signature_before_reading_run_json(run):
    """A corrupt run.json is a verification failure (exit 1, one line), whether signed (the hash names it,
    tests/test_signoff.py) or not (nothing to verify)."""
    (run / "run.json").write_text('{"criteria": ')
    line = one_line_failure(phasegate("verify", run, "--allowed-signers", "x"), EXIT_FAILED)
    assert "manifest.json.sig: missing (the run is not signed)" in line


@pytest.mark.parametrize("record, says", [
    ('{"criteria": {"P4-02": {"scenarios": 3}}}', "run.json: not a run record (no 'version'"),
    ('{"format": 2, "state": "finished", "criteria": {"P4-02": {"scenarios": 3}}}',
     "run.json: criteria.P4-02: field 'scenarios' is int, expected array"),
], ids=["no version", "a criterion's shape"])
def test_a_run_json_of_the_wrong_shape_is_one_line(run, record, says):
    """Refused before the command starts, naming the field (phasegate/record/run_record.py reads it strictly)."""
    (run / "run.json").write_text(record)
    line = one_line_failure(phasegate("report", run, "--no-html"), EXIT_REFUSED)
    assert says in line, line


def test_verify_of_an_unsigned_run_or_a_missing_signers_file_is_one_line(run, tmp_path):
    done = phasegate("verify", run, "--allowed-signers", tmp_path / "nosuch")
    assert done.returncode in (EXIT_FAILED, EXIT_REFUSED)
    one_line_failure(done, done.returncode)


def test_a_busy_port_is_one_line():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        line = one_line_failure(phasegate("sandbox", "serve", "--port", busy.getsockname()[1]), EXIT_REFUSED)
    assert "is in use" in line


@pytest.mark.parametrize("args", [[], ["nosuch"], ["report"], ["sandbox", "serve", "--port", "x"],
                                  ["sandbox", "serve", "--port", "99999"], ["sandbox", "serve", "--port", "-1"]],
                         ids=lambda a: " ".join(a) or "none")
def test_bad_arguments_are_one_line(args):
    line = one_line_failure(phasegate(*args), EXIT_REFUSED)
    assert line.startswith("phasegate") and "--help" in line
