"""A signature means the whole phase was judged against the real target (issue 9).

Every refusal here is proven on a run that is otherwise signable: a declared-real profile,
a Render that does not answer as the simulator, the database criteria waived as
deliberately not run. Each test changes one thing and checks that ``signoff`` refuses it
naming what is missing, that ``status`` exits with the matching code, and that the
completion report says so on its first line.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from acceptance import ROOT, run_suite, suite_command
from cli_runner import phasegate
from phasegate.sandbox.faults import Faults
from phasegate.sandbox.simulator import RenderSimulator
from phasegate.sandbox.worlds import world
from standin import (DUMMY_URLS, KEY_CANARY, StandInRender, database_waivers, declared_profile, standin_run,
                     waiver_file)

SIGNER = "Quinn QA <quinn@example.com>"


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("keys")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp / "id")], check=True)
    return tmp / "id", None


def refused(folder: Path, key: Path) -> str:
    """Sign-off's one-line refusal; fails the test if it signed."""
    done = phasegate("signoff", folder, "--key", key, "--signer", SIGNER)
    assert done.returncode == 2, done.stdout + done.stderr
    assert not (folder / "manifest.json.sig").exists()
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "CANARY" not in done.stderr
    return done.stderr


def status(folder: Path) -> tuple[int, dict]:
    done = phasegate("status", folder, "--json")
    return done.returncode, json.loads(done.stdout)


def first_line(folder: Path) -> str:
    return (folder / "completion-report.md").read_text().splitlines()[0]


def test_the_complete_baseline_is_signable(tmp_path, keys):
    """The control: what the refusals below change one thing of."""
    key, _ = keys
    run, folder = standin_run(tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    code, data = status(folder)
    assert (code, data["label"], data["signable"]) == (0, "SIGNABLE", True)
    assert "PASS WITH WAIVERS" in data["verdict"] and "P4-40 (not run" in data["verdict"]
    assert "PARTIAL" not in first_line(folder)
    assert phasegate("signoff", folder, "--key", key, "--signer", SIGNER).returncode == 0


@pytest.mark.parametrize("selection, missing", [
    (("-k", "P4-01"), "P4-02, P4-03"),
    (("-k", "not SUPABASE_SERVICE_ROLE_KEY"), "P4-24 (1 of 2 scenarios ran)"),
], ids=["one criterion", "one Examples row left out"])
def test_a_run_selected_with_k_is_partial_and_refused(tmp_path, keys, selection, missing):
    key, _ = keys
    run, folder = standin_run(tmp_path, "-m", "staging and render", *selection)
    assert run.returncode == 0, run.stdout + run.stderr  # what ran, passed: pytest is green
    reason = refused(folder, key)
    assert "partial run, not run: " + missing in reason, reason
    assert "P4-40" not in reason  # waived as deliberately not run: not missing
    assert first_line(folder).startswith("# PARTIAL RUN (not run: ")
    assert status(folder)[0] == 2
    assert "PARTIAL: partial run, not run:" in run.stdout  # the session's last word says so too


def test_a_run_narrowed_by_m_is_partial_until_a_waiver_names_each_criterion_not_run(tmp_path, keys):
    key, _ = keys
    run, folder = standin_run(tmp_path / "a", "-m", "staging and render", waived={})
    assert run.returncode == 0
    assert ("partial run, not run: P4-40, P4-41, P4-42, P4-43, P4-44, P4-45, P4-46, P4-47, P4-48, P4-49, P4-50, P4-51, "
            "P4-63") in refused(folder, key)
    # One waiver short is still partial, and names the one left.
    waived = database_waivers()
    del waived["P4-63"]
    _, folder = standin_run(tmp_path / "b", "-m", "staging and render", waived=waived)
    assert refused(folder, key).rstrip().endswith("partial run, not run: P4-63")
    # An expired waiver does not cover a criterion not run.
    _, folder = standin_run(tmp_path / "c", "-m", "staging and render", expires="2020-01-31")
    assert "not run: P4-40" in refused(folder, key)


def test_a_last_failed_rerun_is_partial_and_refused(tmp_path, keys):
    key, _ = keys
    first, _ = standin_run(tmp_path / "first", world_name="P4-03", cache=True)
    assert first.returncode == 1
    # P4-03 fixed on Render; QA reruns what failed. The rerun passes, and is not the phase.
    rerun, folder = standin_run(tmp_path / "rerun", "-m", "staging and render", "--lf", cache=True)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    run = json.loads((folder / "run.json").read_text())
    assert run["selection"]["last_failed"] is True and list(run["criteria"]) == ["P4-03"]
    reason = refused(folder, key)
    assert "partial run, not run: P4-01, P4-02, P4-04" in reason
    assert status(folder)[0] == 2


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_a_run_killed_mid_criterion_is_refused(tmp_path, keys, sig):
    key, _ = keys
    reports = tmp_path / "reports"
    slow = Faults(latency_ms=1500)  # the snapshot, taken in the first criterion's setup, takes seconds
    with StandInRender(world("compliant"), api_key=KEY_CANARY, substitutions=DUMMY_URLS, faults=slow) as sim:
        with declared_profile(sim.base_url) as (name, profiles):
            cmd, environ = suite_command(
                tmp_path, "-m", "staging and render", "--env", name, f"--report-dir={reports}", "--no-report",
                world=None, env={**profiles, "RENDER_API_KEY": KEY_CANARY,
                                 "PHASEGATE_WAIVERS_FILE": str(waiver_file(tmp_path, database_waivers()))})
            proc = subprocess.Popen(cmd, cwd=ROOT, env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            try:
                deadline = time.monotonic() + 60
                while not list(reports.glob("*/*/run.json")) and time.monotonic() < deadline:
                    time.sleep(0.05)
                time.sleep(1.0)
                while not sim.requests and time.monotonic() < deadline:  # a criterion is reading Render
                    time.sleep(0.05)
                os.kill(proc.pid, sig)
                proc.communicate(timeout=60)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.communicate()
    [folder] = [p for p in reports.glob("*/*") if p.is_dir()]
    run = json.loads((folder / "run.json").read_text())
    assert run["state"] == ("interrupted" if sig == signal.SIGINT else "running")
    assert phasegate("report", folder, "--no-html").returncode == 0  # reportable, never signable
    reason = refused(folder, key)
    assert ("interrupted" if sig == signal.SIGINT else "never finished") in reason, reason
    assert first_line(folder).startswith("# PARTIAL RUN")
    code, data = status(folder)
    assert (code, data["label"]) == (2, "PARTIAL")


def test_a_run_against_the_simulator_under_a_real_profile_is_sandbox(tmp_path, keys):
    key, _ = keys
    run, folder = standin_run(tmp_path, simulator=RenderSimulator)  # the simulator, saying who it is
    assert run.returncode == 0
    data = json.loads((folder / "run.json").read_text())
    assert data["sandbox"] is True and data["provenance"]["render"]["answered_as_simulator"] is True
    assert first_line(folder).startswith("# SANDBOX")
    assert "SANDBOX" in run.stdout
    assert "answered as the phasegate simulator" in refused(folder, key)
    code, status_data = status(folder)
    assert (code, status_data["label"]) == (3, "SANDBOX")


@pytest.mark.parametrize("env", [
    {"RENDER_API_URL": "{SIMULATOR}"},
    {"RENDER_API_URL": "{SIMULATOR}", "RENDER_API_URL_IS_REAL": "1"},
], ids=["url", "url and declaration"])
def test_a_run_whose_api_url_the_process_environment_changed_is_refused(tmp_path, keys, env):
    key, _ = keys
    run, folder = standin_run(tmp_path, profile_url="https://api.render.com/v1", env=env, declare_real=False)
    assert run.returncode == 0, run.stdout + run.stderr  # it did read the stand-in: every criterion passed
    data = json.loads((folder / "run.json").read_text())
    assert data["api_url"].startswith("http://127.0.0.1:")  # the URL read, not the profile's
    assert "RENDER_API_URL" in data["provenance"]["profile"]["from_process_environment"]
    assert "RENDER_API_URL was set by the process environment to http://127.0.0.1:" in refused(folder, key)
    assert status(folder)[0] == 3


def test_a_profile_url_other_than_renders_needs_the_declaration(tmp_path, keys):
    key, _ = keys
    run, folder = standin_run(tmp_path, declare_real=False)
    assert run.returncode == 0
    assert "does not declare it real (RENDER_API_URL_IS_REAL=1)" in refused(folder, key)
    assert status(folder)[0] == 3


def test_a_skipped_criterion_needs_a_waiver_too(tmp_path, keys):
    key, _ = keys
    no_production = {"RENDER_PRODUCTION_SERVICE_NAME": ""}  # P4-28 and P4-29 skip without it
    run, folder = standin_run(tmp_path / "a", env=no_production)
    assert run.returncode == 0
    assert "skipped without a waiver: P4-28, P4-29" in refused(folder, key)
    assert status(folder)[0] == 2
    waived = {**database_waivers(), "P4-28": "no production service yet", "P4-29": "no production service yet"}
    _, folder = standin_run(tmp_path / "b", env=no_production, waived=waived)
    assert status(folder)[0] == 0


def test_status_exit_codes(tmp_path):
    # 1: complete, a criterion failed.
    _, failed = standin_run(tmp_path / "failed", world_name="P4-03")
    assert status(failed) == (1, status(failed)[1]) and status(failed)[1]["label"] == "FAILED"
    # 2: complete, the database criteria broken (the stand-in's DATABASE_URL does not resolve).
    _, broken = standin_run(tmp_path / "broken", "-m", "staging", waived={})
    code, data = status(broken)
    assert (code, data["label"]) == (2, "BROKEN"), data
    assert "P4-40 broken" in data["reasons"][0]
    # 3: the sandbox, complete: every scenario and Examples row the feature files hold for staging ran.
    sandbox = run_suite(tmp_path / "sandbox", "-m", "staging", "--env", "sandbox")
    assert sandbox.returncode == 0
    [folder] = [p for p in (tmp_path / "sandbox" / "reports").glob("sandbox/*") if p.is_dir()]
    completeness = json.loads((folder / "run.json").read_text())["completeness"]
    assert (completeness["not_run"], completeness["partly_run"]) == ([], {})
    assert len(completeness["phase_criteria"]) == 41 and sum(completeness["expected_scenarios"].values()) == 45
    code, data = status(folder)
    assert code == 3 and not any("partial" in reason or "interrupted" in reason for reason in data["reasons"])
    # The environment's folder means its newest run; the plain line says the verdict.
    done = phasegate("status", folder.parent)
    assert done.returncode == 3 and done.stdout.startswith(f"{folder}: SANDBOX: ")
    assert len(done.stdout.strip().splitlines()) == 1
