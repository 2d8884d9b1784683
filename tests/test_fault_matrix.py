"""The fault matrix: everything a real network, a real API and a real database do to a nightly run.

Each test runs the acceptance suite itself (a ``pytest`` subprocess, see ``acceptance.py``)
against the sandbox with one fault injected, and asserts three things:

* the outcome (which criteria pass, fail, are broken; the exit code);
* a bound on wall time -- a *limit*, generous on purpose, not a benchmark;
* that no criterion whose evidence the fault kept from being read PASSED (a fault may
  only ever make the run less green, never more).

Tests that do not need the database select ``-m "staging and render"`` (faster). Tests
that do use the database run on a private PostgreSQL cluster (``XDG_CACHE_HOME`` pointed
at a per-module temporary directory, so pgserver's data directory is ours alone): the
sandbox reseeds -- drops and recreates -- the ``phase4`` database on every run, and on the
shared default cluster a colleague's concurrent run would drop it under ours.
"""

from __future__ import annotations

import secrets
import shutil
import socket
import tempfile
import time

import pytest

from acceptance import ROOT, criteria_tagged, run_suite
from phasegate.sandbox.simulator import RenderSimulator
from phasegate.sandbox.worlds import world

# The criteria read from Render alone (service, env, metrics, events) and those read from the database.
DATABASE_CRITERIA = set(criteria_tagged("database", "phase4"))
RENDER_CRITERIA = {f"P4-{n:02d}" for n in [*range(1, 13), *range(20, 30)]}  # at least these run
RENDER_ONLY = ("-m", "staging and render", "--env", "sandbox")
FULL = ("-m", "staging", "--env", "sandbox")
KEY = "rnd_faultmatrix_" + secrets.token_hex(8)
DUMMY_URLS = {
    "DATABASE_URL": "postgresql://upload_worker_staging:pw-fm-1@db.sandbox.invalid:5432/phase4?sslmode=require",
    "PRODUCTION_DATABASE_URL": "postgresql://upload_worker_prod:pw-fm-2@db.sandbox.invalid:5432/phase4",
}


def timed(tmp_path, *args, **kwargs):
    t0 = time.monotonic()
    run = run_suite(tmp_path, *args, **kwargs)
    return run, time.monotonic() - t0


def all_passed(run, criteria=RENDER_CRITERIA):
    assert set(run.outcomes) >= criteria, run.outcomes
    assert set(run.outcomes.values()) == {"passed"}, run.stdout[-3000:]
    assert run.returncode == 0, run.stdout[-3000:]


def all_broken(run, criteria=RENDER_CRITERIA):
    """Nothing could be read: every selected criterion broken, nothing passed, nothing judged."""
    assert set(run.outcomes) >= criteria - {"P4-28", "P4-29"}, run.outcomes
    assert set(run.outcomes.values()) == {"broken"}, run.outcomes
    assert run.returncode not in (0, 4), run.stdout[-3000:]


def one_line_cause(run, *words):
    # A criterion's own cause reads "P4-xx broken: …"; a whole target's is printed once as "phasegate: cause N — …".
    lines = [ln for ln in run.stdout.splitlines() if "broken:" in ln or ln.startswith("phasegate: cause ")]
    assert lines, run.stdout[-3000:]
    assert any(all(w.lower() in ln.lower() for w in words) for ln in lines), lines[:5]


@pytest.fixture(scope="module")
def private_pg():
    """A pgserver cluster of our own for the runs that touch the database (see module doc)."""
    folder = tempfile.mkdtemp(prefix="pgfm.", dir="/tmp")  # short: the Unix socket lives in it
    yield {"XDG_CACHE_HOME": folder}
    shutil.rmtree(folder, ignore_errors=True)  # each run stopped its server when it ended


@pytest.fixture
def simulator():
    with RenderSimulator(world("compliant"), api_key=KEY, substitutions=DUMMY_URLS) as sim:
        yield sim


# ----------------------------------------------------------------------------------- Render API


def test_401_wrong_key_is_broken_with_an_authentication_message(tmp_path, simulator):
    run, elapsed = timed(tmp_path, "-m", "staging and render", world=None,
                         env={"RENDER_API_URL": simulator.base_url, "RENDER_API_KEY": "rnd_wrong_key_0000"})
    all_broken(run)
    assert any("refused the key" in m or "401" in m for m in run.messages("P4-01")), run.messages("P4-01")
    assert {r.status for r in simulator.requests} == {401}
    assert elapsed < 60


def test_404_for_the_service_fails_p4_01_and_breaks_the_rest(tmp_path):
    run, elapsed = timed(tmp_path, *RENDER_ONLY, world="P4-01-missing")
    assert run.outcomes["P4-01"] == "failed", run.outcomes
    assert {state for cid, state in run.outcomes.items() if cid != "P4-01"} == {"broken"}, run.outcomes
    assert run.returncode == 1
    assert elapsed < 60


def test_429_with_retry_after_waits_and_passes(tmp_path):
    run, elapsed = timed(tmp_path, *RENDER_ONLY, faults="rate_limit_times=2,retry_after=1")
    all_passed(run)
    statuses = [r["status"] for r in run.requests]
    assert statuses.count(429) == 2, statuses
    # Every resource was eventually read with a 200, once.
    ok = [(r["path"], r["query"]) for r in run.requests if r["status"] == 200]
    assert len(ok) == len(set(ok))
    assert elapsed < 60


def test_429_forever_is_broken_within_the_runs_rate_wait_limit(tmp_path):
    run, elapsed = timed(tmp_path, *RENDER_ONLY, faults="rate_limit_forever,retry_after=1",
                         env={"RENDER_RATE_WAIT_SECONDS": "2"})
    all_broken(run)
    one_line_cause(run, "rate limit")
    assert elapsed < 45


def test_500_once_is_retried_and_passes(tmp_path):
    run, elapsed = timed(tmp_path, *RENDER_ONLY, faults="server_error_times=1")
    all_passed(run)
    assert [r["status"] for r in run.requests].count(500) == 1
    assert elapsed < 60


def test_500_always_is_broken(tmp_path):
    run, elapsed = timed(tmp_path, *RENDER_ONLY, faults="server_error_forever",
                         env={"RENDER_RETRY_BUDGET_SECONDS": "2"})
    all_broken(run)
    one_line_cause(run, "500")
    assert elapsed < 45


def test_a_hanging_response_is_broken_within_the_timeout(tmp_path):
    run, elapsed = timed(tmp_path, *RENDER_ONLY, faults="hang",
                         env={"RENDER_TIMEOUT_SECONDS": "1", "RENDER_RETRY_BUDGET_SECONDS": "2"})
    all_broken(run)
    assert elapsed < 45


def test_connection_refused_is_broken_in_one_line(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again before the run: nothing listens there
    run, elapsed = timed(tmp_path, "-m", "staging and render", world=None,
                         env={"RENDER_API_URL": f"http://127.0.0.1:{port}/v1", "RENDER_API_KEY": KEY,
                              "RENDER_RETRY_BUDGET_SECONDS": "2"})
    all_broken(run)
    one_line_cause(run, f"127.0.0.1:{port}")
    assert elapsed < 45


def test_malformed_json_is_broken(tmp_path):
    run, elapsed = timed(tmp_path, *RENDER_ONLY, faults="malformed_json")
    all_broken(run)
    assert "Traceback" not in run.stdout
    assert elapsed < 60


# ------------------------------------------------------------------------------------- database


def test_database_down_breaks_database_criteria_only(tmp_path, private_pg):
    run, elapsed = timed(tmp_path, *FULL, world="database-unreachable", env=private_pg)
    outcomes = run.outcomes
    assert set(outcomes) >= RENDER_CRITERIA | DATABASE_CRITERIA, outcomes
    assert {state for cid, state in outcomes.items() if cid not in DATABASE_CRITERIA} == {"passed"}, outcomes
    assert {outcomes[cid] for cid in DATABASE_CRITERIA} == {"broken"}, outcomes
    assert run.returncode == 1
    assert elapsed < 90


def test_database_slow_is_broken_by_the_suites_own_statement_timeout(tmp_path, private_pg):
    """The sandbox database cannot be slowed from outside, so the suite's own statement timeout is
    made smaller than any query can take (DB_STATEMENT_TIMEOUT_MS=1): every query the probe sends
    is cancelled by the server, exactly what a slow database looks like to the suite."""
    run, elapsed = timed(tmp_path, *FULL, env={**private_pg, "DB_STATEMENT_TIMEOUT_MS": "1"})
    outcomes = run.outcomes
    assert set(outcomes) >= RENDER_CRITERIA | DATABASE_CRITERIA, outcomes
    assert {state for cid, state in outcomes.items() if cid not in DATABASE_CRITERIA} == {"passed"}, outcomes
    assert {outcomes[cid] for cid in DATABASE_CRITERIA} == {"broken"}, outcomes
    assert any("statement timeout" in m for m in run.messages("P4-41")), run.messages("P4-41")
    assert run.returncode == 1
    assert elapsed < 90


# -------------------------------------------------------------------------------------- profile


def test_env_file_missing_stops_with_exit_4_and_one_line(tmp_path):
    run, elapsed = timed(tmp_path, "-m", "staging", "--env", "nosuch", world=None)
    assert run.returncode == 4
    output = run.stdout + run.stderr
    errors = [ln for ln in output.splitlines() if ln.startswith("ERROR:")]
    assert len(errors) == 1 and "environments/nosuch.env: no such profile" in errors[0], output
    assert "Traceback" not in output and not run.results
    assert elapsed < 60


@pytest.fixture
def malformed_profile(tmp_path):
    """A throwaway profile with one malformed value, in a profiles folder of the test's own."""
    name = f"faultmatrix-{secrets.token_hex(6)}"
    (tmp_path / "profiles").mkdir()
    sandbox = (ROOT / "environments" / "sandbox.env").read_text()
    (tmp_path / "profiles" / f"{name}.env").write_text(sandbox.replace("WORKER_POOL_MAX=10", "WORKER_POOL_MAX=ten"))
    return name, {"PHASEGATE_PROFILES_DIR": str(tmp_path / "profiles")}


def test_env_file_malformed_stops_with_exit_4_naming_key_and_file(tmp_path, malformed_profile):
    name, profiles = malformed_profile
    run, elapsed = timed(tmp_path, "-m", "staging", "--env", name, world=None, env=profiles)
    assert run.returncode == 4, run.stdout[-2000:]
    output = run.stdout + run.stderr
    errors = [ln for ln in output.splitlines() if ln.startswith("ERROR:")]
    assert len(errors) == 1, output
    assert "WORKER_POOL_MAX" in errors[0] and f"profiles/{name}.env" in errors[0], errors
    assert "Traceback" not in output and not run.results
    assert elapsed < 60


def test_malformed_value_in_the_process_environment_stops_with_exit_4(tmp_path):
    run, elapsed = timed(tmp_path, *RENDER_ONLY, env={"RENDER_TIMEOUT_SECONDS": "soon"})
    assert run.returncode == 4
    errors = [ln for ln in (run.stdout + run.stderr).splitlines() if ln.startswith("ERROR:")]
    # The value came from the process environment, and the message names that source, not the profile file.
    assert len(errors) == 1 and "RENDER_TIMEOUT_SECONDS" in errors[0] and "the process environment" in errors[0]
    assert not run.results
    assert elapsed < 60
