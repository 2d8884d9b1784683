"""The round trip (P5-20, P5-21): proof of each rule of phase5-criteria.md "Round trip (active, opt-in)".

Real parts only: suite runs are real pytest subprocesses against the sandbox (real PostgreSQL,
the real stand-in worker process ``phasegate.sandbox.worker``); the rows are read back as the
cluster's superuser after the run. Rule by rule:

1. opt-in: ``test_without_active_*``, ``test_without_the_canary_credential_*``,
   ``test_the_profile_key_opts_in_like_the_option``;
2. production refused: ``test_active_refuses_a_production_profile_*``,
   ``test_phasegate_active_in_a_production_profile_stops_the_run``, ``test_the_canary_itself_refuses_production``;
3. only canary rows, tagged, payload from the profile: ``test_compliant_active_run_*``,
   ``test_a_payload_template_from_the_profile_*``, ``test_malformed_payload_templates_stop_the_run_*``
   (and, from the server's own log, ``test_zero_writes.py::test_the_round_trip_writes_only_what_its_record_lists``);
4. removed even on failure or interruption, leftovers swept: ``test_violating_worker_world_*``,
   ``test_an_interrupted_run_removes_its_canary_rows``, ``test_rows_left_by_a_killed_run_are_swept_*``;
5. Phase 4 read-only whatever the flags: ``test_zero_writes.py::test_phase4_with_active_*`` and
   ``test_the_read_only_session_refuses_writes_even_with_the_api_credential``.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from acceptance import ROOT, run_suite, suite_command
from phasegate.canary.writer import CanaryRefused, CanaryRun, RUN_ID
from phasegate.profile import load_profile
from phasegate.catalogue.criteria import load_phase
from phasegate.errors import ConfigError
from phasegate.identity import ExpectedRole
from phasegate.sandbox.postgres import SandboxPostgres
from phasegate.sandbox.session import CATALOGUE
from phasegate.sandbox.worlds import WORKER_OUTCOMES, WORKER_WORLDS
from phasegate.redact import Secret

PHASE5 = ("-m", "staging", "--env", "sandbox", "--phase", "phase5")
ROUND_TRIP = {"P5-20", "P5-21"}
FAST = {"CANARY_TIMEOUT_SECONDS": "3"}  # worlds that never finish wait this long, not the reference 60 s
QUEUE = "upload_pipeline_staging.upload_jobs"
API = ExpectedRole("upload_api_staging", "the test", "the sandbox API role's URL")  # the role a canary must be


@pytest.fixture(scope="module")
def cluster():
    """The sandbox cluster the runs use (same XDG_CACHE_HOME), held so it can be read after a run."""
    server = SandboxPostgres()
    server.start()
    yield server
    server.stop()


def canary_rows(server: SandboxPostgres, dbname: str = "phase4") -> list[tuple]:
    """(id, run id, status) of every row of the staging queue that carries a canary run id."""
    with psycopg.connect(server._admin_url_for(dbname), autocommit=True) as conn:
        return conn.execute(f"SELECT id, payload->>'phasegate_canary', status FROM {QUEUE} "
                            "WHERE payload ? 'phasegate_canary' ORDER BY id").fetchall()


def record(tmp: Path) -> dict:
    [folder] = [p for p in (tmp / "reports" / "sandbox").iterdir() if p.is_dir()]
    path = folder / "canary.json"
    return json.loads(path.read_text()) if path.exists() else {}


def attachments(run, prefix: str) -> list[dict]:
    found = []

    def walk(node):
        for item in node.get("attachments", []):
            if item["name"].startswith(prefix):
                found.append(json.loads((run.allure_dir / item["source"]).read_text()))
        for step in node.get("steps", []):
            walk(step)

    for result in run.results:
        walk(result)
    return found


def test_round_trip_is_read_from_its_features():
    criteria = load_phase(ROOT, "phase5").criteria
    assert ROUND_TRIP <= set(criteria)
    assert criteria["P5-20"].severity == "critical" and criteria["P5-20"].concern == "Round trip"


def test_every_round_trip_criterion_has_worlds_that_violate_it():
    assert {cid for name in WORKER_WORLDS for cid in WORKER_OUTCOMES[name]} == ROUND_TRIP
    assert all(CATALOGUE[name].worker != "normal" for name in WORKER_WORLDS)


# --- rule 1: opt-in --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def passive_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("passive")
    return tmp, run_suite(tmp, *PHASE5)


def test_without_active_the_round_trip_is_skipped_naming_the_flag(passive_run):
    tmp, run = passive_run
    assert {run.outcomes[cid] for cid in ROUND_TRIP} == {"skipped"}, run.outcomes
    for cid in ROUND_TRIP:
        assert "set --active (or PHASEGATE_ACTIVE=1 in environments/sandbox.env)" in run.messages(cid)[0]
    assert run.returncode == 0 and "canary run" not in run.stdout
    assert record(tmp) == {}  # no canary run was made: nothing written, nothing to record


def test_without_the_canary_credential_the_round_trip_is_skipped_naming_the_key(tmp_path):
    run = run_suite(tmp_path, *PHASE5, "--active", env={"PHASEGATE_CANARY_DATABASE_URL": ""})
    assert {run.outcomes[cid] for cid in ROUND_TRIP} == {"skipped"}, run.outcomes
    message = run.messages("P5-20")[0]
    assert "PHASEGATE_CANARY_DATABASE_URL" in message and "--active" not in message
    assert record(tmp_path) == {} and "canary run" not in run.stdout


def test_the_profile_key_opts_in_like_the_option(tmp_path, cluster):
    run = run_suite(tmp_path, *PHASE5, "-k", "P5_20 or enqueues", env={"PHASEGATE_ACTIVE": "1"})
    assert run.outcomes == {"P5-20": "passed"}, run.stdout
    assert canary_rows(cluster) == []


# --- rule 2: production refused --------------------------------------------------------------


@pytest.fixture
def seeded(cluster):
    """A compliant world seeded by the test itself (not by a run), held while the test uses it."""
    with cluster.world_lock():
        world = cluster.seed("compliant")
        yield world
        world.stop_worker_sessions()


@pytest.fixture
def production_profile(tmp_path):
    """<unique>.env in a profiles folder of the test's own: the sandbox's settings, marked production."""
    name = "prodmark-" + secrets.token_hex(4)
    (tmp_path / "profiles").mkdir()
    text = (ROOT / "environments" / "sandbox.env").read_text().replace(
        "PHASEGATE_SCENARIO_TAG=staging", "PHASEGATE_SCENARIO_TAG=production")
    (tmp_path / "profiles" / f"{name}.env").write_text(text)
    return name, {"PHASEGATE_PROFILES_DIR": str(tmp_path / "profiles")}


def queue_state(server: SandboxPostgres, dbname: str = "phase4") -> tuple:
    """Rows of the queue, its id sequence's last value, and its insert/delete counters: what a write changes."""
    with psycopg.connect(server._admin_url_for(dbname), autocommit=True) as conn:
        conn.execute("SELECT pg_stat_force_next_flush()")
        rows = conn.execute(f"SELECT id, status, attempts, payload FROM {QUEUE} ORDER BY id").fetchall()
        sequence = conn.execute("SELECT pg_sequence_last_value(pg_get_serial_sequence(%s, 'id'))", (QUEUE,)).fetchone()
        counters = conn.execute("SELECT n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables "
                                "WHERE schemaname = 'upload_pipeline_staging' AND relname = 'upload_jobs'").fetchone()
    return rows, sequence, counters


def test_active_refuses_a_production_profile_before_anything_is_written(tmp_path, cluster, seeded, production_profile):
    before = queue_state(cluster)
    # A working API credential is given: the refusal, not a failed connection, is what stops it.
    name, profiles = production_profile
    run = run_suite(tmp_path, "-m", "production", "--env", name, "--phase", "phase5", "--active",
                    env={**profiles, "PHASEGATE_CANARY_DATABASE_URL": seeded.api_url}, timeout=60)
    assert run.returncode == 4, run.stdout + run.stderr
    lines = [line for line in (run.stdout + run.stderr).splitlines() if "refuses a profile marked production" in line]
    assert len(lines) == 1 and "nothing was written" in lines[0], run.stdout + run.stderr
    assert seeded.password not in run.stdout + run.stderr
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").rglob("run.json"))
    time.sleep(0.6)  # table counters reach pg_stat after a short delay
    assert queue_state(cluster) == before


def test_phasegate_active_in_a_production_profile_stops_the_run(tmp_path):
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "production.env").write_text(
        "RENDER_SERVICE_NAME=upload-worker\nPHASEGATE_ACTIVE=1\n")
    with pytest.raises(ConfigError) as caught:
        load_profile("production", tmp_path, environ={"RENDER_API_KEY": "rnd_x"})
    message = str(caught.value)
    assert "\n" not in message and message.startswith("environments/production.env:2: PHASEGATE_ACTIVE is refused")


def test_the_canary_itself_refuses_production(tmp_path):
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "eu.env").write_text(
        "RENDER_SERVICE_NAME=upload-worker\nPHASEGATE_SCENARIO_TAG=production\n")
    profile = load_profile("eu", tmp_path, environ={"RENDER_API_KEY": "rnd_x"})
    with pytest.raises(CanaryRefused, match="refuses a profile marked production"):
        CanaryRun(profile, Secret("postgresql://u:pw-CANARY-never-used@db.invalid:5432/x"),
                  expected=API)  # never connects


# --- rule 3: canary rows only, tagged with the run id; the payload from the profile ------------


@pytest.fixture(scope="module")
def active_run(tmp_path_factory, cluster):
    tmp = tmp_path_factory.mktemp("active")
    run = run_suite(tmp, *PHASE5, "--active", f"--report-dir={tmp / 'reports'}")
    return tmp, run, canary_rows(cluster)


def test_compliant_active_run_passes_the_round_trip(active_run):
    _, run, _ = active_run
    assert {cid: run.outcomes[cid] for cid in ROUND_TRIP} == {"P5-20": "passed", "P5-21": "passed"}, run.stdout
    assert set(run.outcomes.values()) == {"passed"} and run.returncode == 0


def test_compliant_active_run_writes_only_tagged_canary_rows_and_removes_them(active_run):
    tmp, run, left = active_run
    data = record(tmp)
    run_id = data["run_id"]
    assert RUN_ID.match(run_id)
    assert [w["kind"] for w in data["written"]] == ["good", "poison"]
    assert all(w["payload"] == {"phasegate_canary": run_id, "kind": w["kind"]} for w in data["written"])
    assert sorted(r["id"] for r in data["removed"]) == sorted(w["id"] for w in data["written"])
    assert {(r["kind"], r["status"], r["attempts"]) for r in data["removed"]} == {("good", "done", 1),
                                                                                   ("poison", "failed", 3)}
    verbs = [s["sql"].split()[0] for s in data["statements"]]
    assert verbs == ["INSERT", "DELETE", "INSERT", "DELETE"], verbs  # no sweep: nothing was left over
    assert all(run_id in json.dumps(s["params"]) for s in data["statements"])  # each write names the run
    assert left == [], "canary rows are left in the queue"
    assert f"canary run {run_id}: wrote 2 row(s) to {QUEUE} (ids" in run.stdout and "removed 2" in run.stdout
    assert "pw-CANARY-" not in run.artifacts_text() + json.dumps(data)


def test_each_round_trip_criterion_attaches_its_writes_and_rows(active_run):
    _, run, _ = active_run
    for cid, kind in (("P5-20", "good"), ("P5-21", "poison")):
        [evidence] = attachments(run, f"{cid} canary")
        assert [w["kind"] for w in evidence["written"]] == [kind]
        assert [r["id"] for r in evidence["removed"]] == [evidence["written"][0]["id"]]
        assert [s["sql"].split()[0] for s in evidence["statements"]] == ["INSERT", "DELETE"]


def test_the_canary_session_is_the_role_the_apis_own_database_url_names(active_run):
    """The route (the sandbox profile's credential) and the role read back before the first write, in evidence."""
    tmp, run, _ = active_run
    lines = (ROOT / "environments" / "sandbox.env").read_text().splitlines()
    at = next(n for n, line in enumerate(lines, 1) if line.startswith("PHASEGATE_CANARY_DATABASE_URL="))
    identity = {"route": f"the round trip's credential from environments/sandbox.env:{at} (the sandbox's role "
                         "upload_api_staging)", "expected_role": "upload_api_staging",
                "expected_from": "the API's own DATABASE_URL on Render", "current_user": "upload_api_staging",
                "session_user": "upload_api_staging", "matched": True}
    assert record(tmp)["identity"] == identity
    assert attachments(run, "Canary session: route and role") == [identity, identity]  # one per scenario
    assert all(evidence["identity"] == identity for cid in ROUND_TRIP for evidence in attachments(run, f"{cid} canary"))


def test_the_run_record_holds_the_canary_record_under_its_manifest(active_run):
    tmp, _, _ = active_run
    [folder] = [p for p in (tmp / "reports" / "sandbox").iterdir() if p.is_dir()]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert "canary.json" in json.dumps(manifest)


def test_a_payload_template_from_the_profile_shapes_the_canary(tmp_path, cluster):
    template = '{"source": {"tool": "phasegate", "phasegate_canary": "{run_id}"}, "kind": "{kind}", "n": [1, 2]}'
    run = run_suite(tmp_path, *PHASE5, "--active", env={"CANARY_JOB_PAYLOAD": template, **FAST})
    assert {cid: run.outcomes[cid] for cid in ROUND_TRIP} == {"P5-20": "passed", "P5-21": "passed"}, run.stdout
    data = record(tmp_path)
    assert [w["payload"] for w in data["written"]] == [
        {"source": {"tool": "phasegate", "phasegate_canary": data["run_id"]}, "kind": kind, "n": [1, 2]}
        for kind in ("good", "poison")]
    assert len(data["removed"]) == 2


@pytest.mark.parametrize("key, value, says", [
    ("CANARY_JOB_PAYLOAD", "pw-CANARY-not-json", "is not valid JSON"),
    ("CANARY_JOB_PAYLOAD", '["{run_id}"]', "must be a JSON object, got a JSON list"),
    ("CANARY_JOB_PAYLOAD", '{"kind": "{kind}", "secret": "pw-CANARY-x"}', 'hold "{run_id}" exactly once'),
    ("CANARY_JOB_PAYLOAD", '{"a": "{run_id}", "b": "{run_id}", "kind": "{kind}"}', "(found 2)"),
    ("CANARY_JOB_PAYLOAD", '{"a": "{run_id}"}', 'has no "{kind}" value'),
    ("CANARY_JOB_PAYLOAD", '{"a": "{run_id}", "kind": "x-{kind}-pw-CANARY"}', "placeholders stand alone"),
    ("CANARY_POISON_PAYLOAD", '{"other": "{run_id}", "kind": "poison"}', "at the same place"),
    ("CANARY_TIMEOUT_SECONDS", "soon", "must be a number"),
    ("PHASEGATE_CANARY_DATABASE_URL", "pw-CANARY-pasted-password", "must be a postgresql:// URL"),
    ("PHASEGATE_CANARY_DATABASE_URL", "{{SANDBOX_API_DATABASE_URL}}", "only in a sandbox profile"),
    ("CANARY_DONE_STATUS", "done; DROP TABLE x", "must be a job status name"),
])
def test_malformed_payload_templates_stop_the_run_naming_the_key_not_the_value(tmp_path, key, value, says):
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "qa.env").write_text(f"RENDER_SERVICE_NAME=upload-worker-staging\n{key}='{value}'\n")
    with pytest.raises(ConfigError) as caught:
        load_profile("qa", tmp_path, environ={"RENDER_API_KEY": "rnd_x"})
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"environments/qa.env:2: {key}") and says in message, message
    assert "pw-CANARY" not in message
    if not value.startswith("{{"):  # the sandbox placeholder is named by the message; any other value is not
        assert value not in message


# --- rule 4: removed whatever happens; leftovers of a killed run swept -------------------------


@pytest.mark.parametrize("name", sorted(WORKER_WORLDS))
def test_violating_worker_world_fails_exactly_its_round_trip_criteria(tmp_path, cluster, name):
    run = run_suite(tmp_path, *PHASE5, "--active", world=name, env=FAST)
    expected = WORKER_OUTCOMES[name]
    assert {cid: run.outcomes[cid] for cid in ROUND_TRIP} == {cid: expected.get(cid, "passed") for cid in ROUND_TRIP}
    assert {state for cid, state in run.outcomes.items() if cid not in ROUND_TRIP} == {"passed"}, run.outcomes
    for cid in expected:
        message = run.messages(cid)[0]
        assert "expected: status" in message and "actual:   status" in message, message
    data = record(tmp_path)
    assert sorted(r["id"] for r in data["removed"]) == sorted(w["id"] for w in data["written"]) != []
    assert canary_rows(cluster) == [] and run.returncode == 1


def test_a_worker_that_never_finishes_is_reported_with_the_bound(tmp_path):
    run = run_suite(tmp_path, *PHASE5, "--active", "-k", "enqueues", world="P5-20-worker-stopped", env=FAST)
    message = run.messages("P5-20")[0]
    assert "within 3 s (CANARY_TIMEOUT_SECONDS)" in message and "actual:   status 'queued', attempts 0" in message


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_run_removes_its_canary_rows(tmp_path, cluster, sig):
    cmd, environ = suite_command(tmp_path, *PHASE5, "--active", world="P5-20-worker-stopped",
                                 env={"CANARY_TIMEOUT_SECONDS": "120"})
    proc = subprocess.Popen(cmd, cwd=ROOT, env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline, seen = time.monotonic() + 90, []
        while not seen and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
            try:
                seen = canary_rows(cluster)  # the run reseeds the database as it starts: retry until it is there
            except psycopg.Error:
                pass
        assert seen, "the run never enqueued its canary"
        os.kill(proc.pid, sig)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 2, out[-2000:] + err[-2000:]  # interrupted
    assert canary_rows(cluster) == []
    data = record(tmp_path)
    assert [w["id"] for w in data["written"]] == [seen[0][0]] == [r["id"] for r in data["removed"]]
    assert data["removed"][0]["status"] == "queued"
    assert "wrote 1 row(s)" in out and "removed 1" in out and "NOT removed" not in out


_KILLED_RUN = """
import os, sys, time
from pathlib import Path
from phasegate.canary.writer import CanaryRun
from phasegate.profile import load_profile
from phasegate.identity import ExpectedRole
from phasegate.redact import Secret
run = CanaryRun(load_profile("sandbox", Path(sys.argv[1]), environ={}), Secret(os.environ["CANARY_URL"]),
                expected=ExpectedRole("upload_api_staging", "the test", "the test's URL"))
print(run.run_id, run.enqueue("good"), flush=True)
time.sleep(120)
"""


def test_rows_left_by_a_killed_run_are_swept_by_the_next_and_said(seeded, cluster):
    """SIGKILL: no process survives it, so the next run finds the rows by their run id and removes them."""
    killed = subprocess.Popen([sys.executable, "-c", _KILLED_RUN, str(ROOT)], cwd=ROOT, stdout=subprocess.PIPE,
                              text=True, env={**os.environ, "CANARY_URL": seeded.api_url})
    try:
        old_run_id, old_id = killed.stdout.readline().split()
    finally:
        killed.send_signal(signal.SIGKILL)
        killed.communicate()
    assert [row[:2] for row in canary_rows(cluster)] == [(int(old_id), old_run_id)]  # left behind
    profile = load_profile("sandbox", ROOT, environ={"CANARY_TIMEOUT_SECONDS": "1"})
    time.sleep(2.2)  # the killed run started more than twice the bound ago
    # A run still in flight elsewhere, just started: not swept.
    other = CanaryRun(profile, Secret(seeded.api_url), expected=API)
    young = other.enqueue("good")
    nxt = CanaryRun(profile, Secret(seeded.api_url), expected=API)
    try:
        swept = nxt.sweep(older_than=2 * profile.canary_timeout)
        assert [(s["id"], s["run_id"]) for s in swept] == [(int(old_id), old_run_id)]
        assert f"removed 1 leftover canary row(s) of earlier runs ({old_run_id})" in nxt.summary()
        assert [s["sql"].split()[0] for s in nxt.journal["statements"]] == ["DELETE"]
        assert [row[0] for row in canary_rows(cluster)] == [young]
    finally:
        nxt.close()
        other.remove()
        other.close()
    assert canary_rows(cluster) == []


# --- rule 5: Phase 4 stays read-only (the server-log proof is in test_zero_writes.py) -----------


def test_the_read_only_session_refuses_writes_even_with_the_api_credential(seeded):
    from phasegate.database import open_session

    session = open_session(seeded.api_url)  # a role that may INSERT and DELETE on the queue
    try:
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            session.execute(f"INSERT INTO {QUEUE} (payload) VALUES ('{{}}')")
        session.rollback()
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            session.execute(f"DELETE FROM {QUEUE}")
    finally:
        session.close()
