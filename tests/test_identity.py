"""A route is not an identity: every session is the role the service's own DATABASE_URL on Render names.

``PHASEGATE_DATABASE_URL`` (the worker's criteria), ``PHASEGATE_API_DATABASE_URL`` (P5-05) and
``PHASEGATE_CANARY_DATABASE_URL`` (the round trip) only change the route. For each, a sandbox run
whose route logs in as another role (in a sandbox profile a route key may name a sandbox role:
``{{SANDBOX_WORKER_DATABASE_URL}}``, ``{{SANDBOX_API_DATABASE_URL}}``,
``{{SANDBOX_PRODUCTION_DATABASE_URL}}``) sees exactly the criteria that judge that role broken,
in one line naming both roles, and the canary writes nothing (its record here; the server's own
log in ``test_zero_writes.py::test_a_canary_of_another_role_writes_nothing``); a route that logs in
as the right role keeps today's verdicts, and the evidence and provenance say the role matched.
"""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from acceptance import ROOT, criteria_tagged, run_suite
from phasegate import database as db
from phasegate.profile import load_profile
from phasegate.errors import ConfigError, TargetError
from phasegate.identity import ExpectedRole, role_named_by
from phasegate.report.model import provenance_lines
from phasegate.sandbox.postgres import SandboxPostgres
from phasegate.redact import Secret
from phasegate.snapshot import NotJudgeable, ServiceSnapshot, Snapshot

WORKER, API, PRODUCTION = "upload_worker_staging", "upload_api_staging", "upload_worker_prod"
AS_WORKER, AS_API, AS_PRODUCTION = ("{{SANDBOX_WORKER_DATABASE_URL}}", "{{SANDBOX_API_DATABASE_URL}}",
                                    "{{SANDBOX_PRODUCTION_DATABASE_URL}}")
BOTH_PHASES = {"PHASEGATE_PHASES": "phase4,phase5"}
THROUGH_THE_POOLER = {"PHASEGATE_SANDBOX_POOLER": "1"}
# The criteria judged in the worker's session, and in the API's.
API_SESSION = {"P5-05"}  # judged in the API's own session
ROUND_TRIP = {"P5-20", "P5-21"}  # the canary's session
# Every other database criterion is judged in the worker's session.
WORKER_SESSION = set(criteria_tagged("database", "phase4") + criteria_tagged("database", "phase5")) - API_SESSION - ROUND_TRIP


def run_folder(tmp: Path, phase: str) -> Path:
    [folder] = [p for p in (tmp / "reports" / "sandbox").iterdir() if p.is_dir() and p.name.endswith(phase)]
    return folder


def provenance(tmp: Path, phase: str) -> dict:
    return json.loads((run_folder(tmp, phase) / "run.json").read_text())["provenance"]


def attachment(run, cid: str, name: str) -> dict:
    """The JSON attachment ``name`` of criterion ``cid``'s result."""
    found = []

    def walk(step):
        for a in step.get("attachments", []):
            if a["name"] == name:
                found.append(json.loads((run.allure_dir / a["source"]).read_text()))
        for child in step.get("steps", []):
            walk(child)
    for result in run.results:
        if any(lb.get("value") == cid for lb in result["labels"]):
            walk(result)
    assert found, f"{cid} has no attachment {name!r}"
    return found[0]


def assert_names_both_roles(run, criteria: set[str], route_key: str, seen: str, expected: str) -> None:
    for cid in sorted(criteria):
        [message] = run.messages(cid)
        line = message.strip()
        assert "\n" not in line, line
        assert f"is {seen!r}, not {expected!r}" in line and route_key in line, line
        assert "pw-CANARY" not in line and "postgresql://" not in line and "@" not in line, line


# --- the role a URL names ------------------------------------------------------------------------


@pytest.mark.parametrize("user, host, options, role", [
    # Supavisor (Supabase's shared pooler) takes the tenant after the last dot of the user.
    ("upload_worker_staging.abcdefghijklmnopqrst", "aws-0-eu-central-1.pooler.supabase.com", None,
     "upload_worker_staging"),
    ("my.dotted.role.abcdefghijklmnopqrst", "aws-0-eu-central-1.pooler.supabase.com", None, "my.dotted.role"),
    ("postgres.cluster.eu1", "aws-0-eu-central-1.pooler.supabase.com", None, "postgres"),
    # The tenant in the startup options: the user is the role as written.
    ("upload_worker_staging", "aws-0-eu-central-1.pooler.supabase.com", "reference=abcdefghijklmnopqrst",
     "upload_worker_staging"),
    # A project's own host: only a suffix equal to that project's ref.
    ("upload_worker_staging.abcdefghijklmnopqrst", "db.abcdefghijklmnopqrst.supabase.co", None,
     "upload_worker_staging"),
    ("upload_worker_staging.other", "db.abcdefghijklmnopqrst.supabase.co", None, "upload_worker_staging.other"),
    # Anywhere else (PgBouncer, a direct server, the sandbox): a dot is part of the role's name.
    ("upload_worker_staging.abcdefghijklmnopqrst", "127.0.0.1", None, "upload_worker_staging.abcdefghijklmnopqrst"),
    ("upload_worker_staging", "/tmp/socket-dir", None, "upload_worker_staging"),
    ("team.reader", "db.example.com", None, "team.reader"),
])
def test_the_role_a_url_names(user, host, options, role):
    assert role_named_by(user, host, options)[0] == role


def test_a_supabase_pooler_url_names_its_role_and_says_how():
    url = ("postgresql://upload_api_staging.abcdefghijklmnopqrst:pw-CANARY-sb-1@aws-0-eu-central-1.pooler.supabase.com"
           ":6543/postgres?sslmode=require")
    expected = db.expected_role(url, whose="API's", source="the API's own DATABASE_URL on Render", route="r")
    assert expected.role == API and "Supabase's pooler" in expected.how
    assert expected.mismatch(API, API) is None
    assert "pw-CANARY" not in repr(expected) + str(expected) + json.dumps(expected.identity(API, API))


@pytest.mark.parametrize("url, says", [
    ("postgresql://[broken-CANARY-host:5432/db", "cannot be parsed"),
    ("postgresql://db.example.com:5432/db?sslmode=require", "names no user"),
])
def test_a_render_url_that_names_no_role_is_one_line_without_the_url(url, says):
    with pytest.raises(db.DatabaseError) as caught:
        db.expected_role(url, whose="worker's", source="the worker's own DATABASE_URL on Render", route="r")
    message = str(caught.value)
    assert says in message and "the worker's role to judge is unknown" in message and "\n" not in message
    assert "CANARY" not in message and "example.com" not in message


def test_a_mismatch_names_both_roles_and_the_route_in_one_line():
    expected = ExpectedRole(API, "the API's own DATABASE_URL on Render", "PHASEGATE_API_DATABASE_URL from ci")
    line = expected.mismatch(WORKER, WORKER)
    assert line == ("the session through PHASEGATE_API_DATABASE_URL from ci is 'upload_worker_staging', not "
                    "'upload_api_staging', the role the API's own DATABASE_URL on Render names (a route is not an "
                    "identity)")
    assert "current_user 'upload_worker_prod' (session_user 'upload_api_staging')" in expected.mismatch(PRODUCTION, API)
    assert expected.identity(API, API)["matched"] and not expected.identity(API, WORKER)["matched"]


def test_without_a_database_url_on_render_the_role_is_unknown():
    snapshot = Snapshot("staging", False, "https://api.render.com/v1", "2026-12-01T00:00:00Z",
                        {"worker": ServiceSnapshot("upload-worker-staging", read={"env"})})
    with pytest.raises(NotJudgeable, match="so the worker's role that PHASEGATE_DATABASE_URL from x must log in "
                                           "as is unknown"):
        snapshot.expected_role("worker", "PHASEGATE_DATABASE_URL from x")


def test_a_sandbox_role_placeholder_is_refused_outside_a_sandbox_profile(tmp_path):
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "qa.env").write_text(f"RENDER_SERVICE_NAME=upload-worker\n"
                                                      f"PHASEGATE_API_DATABASE_URL={AS_WORKER}\n")
    with pytest.raises(ConfigError, match=r"environments/qa.env:2: PHASEGATE_API_DATABASE_URL: .* only in a "
                                          r"sandbox profile"):
        load_profile("qa", tmp_path, environ={"RENDER_API_KEY": "rnd_x"})


# --- the session itself: read back before the first judged read ------------------------------------


@pytest.fixture
def seeded():
    with SandboxPostgres() as server, server.world_lock():
        world = server.seed("compliant")
        yield server, world
        world.stop_worker_sessions()


def test_a_role_whose_settings_switch_to_another_is_refused_before_any_read(seeded):
    """current_user and session_user are both checked: a role setting ``role`` makes them differ at login."""
    server, world = seeded
    with psycopg.connect(server._admin_url_for("phase4"), autocommit=True) as conn:
        conn.execute(f"GRANT {PRODUCTION} TO {WORKER}")
        conn.execute(f"ALTER ROLE {WORKER} SET role = {PRODUCTION}")
    expected = ExpectedRole(WORKER, "the worker's own DATABASE_URL on Render", "the test's route")
    with pytest.raises(db.DatabaseWrongRole) as caught:
        db.probe(world.worker_url, staging_schema="upload_pipeline_staging", production_schema="upload_pipeline",
                 expected=expected)
    assert "is current_user 'upload_worker_prod' (session_user 'upload_worker_staging'), not 'upload_worker_staging'" \
        in str(caught.value)
    assert caught.value.identity == {"route": "the test's route", "expected_role": WORKER,
                                     "expected_from": "the worker's own DATABASE_URL on Render",
                                     "current_user": PRODUCTION, "session_user": WORKER, "matched": False}
    assert isinstance(caught.value, TargetError) and world.password not in str(caught.value)


def test_the_right_role_reads_on_and_the_evidence_says_it_matched(seeded):
    _, world = seeded
    expected = ExpectedRole(WORKER, "the worker's own DATABASE_URL on Render", "the test's route")
    facts = db.probe(world.worker_url, staging_schema="upload_pipeline_staging", production_schema="upload_pipeline",
                     expected=expected)
    assert facts.identity["matched"] and facts.identity["current_user"] == facts.identity["session_user"] == WORKER
    [connection] = [e for e in facts.evidence_for("connection") if e["what"] == "connection"]
    assert connection["rows"][0]["role (read back before the first judged read)"]["matched"] is True


# --- PHASEGATE_DATABASE_URL: the worker's criteria ---------------------------------------------------


@pytest.fixture(scope="module")
def worker_route_as_api(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("worker-route-as-api")
    return tmp, run_suite(tmp, env={**BOTH_PHASES, "PHASEGATE_DATABASE_URL": AS_API})


def test_a_worker_route_of_another_role_breaks_exactly_the_worker_sessions_criteria(worker_route_as_api):
    tmp, run = worker_route_as_api
    broken = {cid for cid, state in run.outcomes.items() if state == "broken"}
    assert broken == WORKER_SESSION, run.stdout[-3000:]
    assert {state for cid, state in run.outcomes.items() if cid not in broken | ROUND_TRIP} == {"passed"}
    assert_names_both_roles(run, WORKER_SESSION, "PHASEGATE_DATABASE_URL from the process environment", API, WORKER)
    assert "CANARY" not in run.artifacts_text()


def test_the_evidence_and_provenance_say_the_worker_role_did_not_match(worker_route_as_api):
    tmp, run = worker_route_as_api
    identity = attachment(run, "P4-43", "Database connection")["identity"]
    assert identity == {"route": "PHASEGATE_DATABASE_URL from the process environment", "expected_role": WORKER,
                        "expected_from": "the worker's own DATABASE_URL on Render", "current_user": API,
                        "session_user": API, "matched": False}
    worker = provenance(tmp, "phase4")["database"]
    assert worker["role"]["matched"] is False and worker["source"].startswith("PHASEGATE_DATABASE_URL")
    [line] = [x for x in provenance_lines(provenance(tmp, "phase4")) if x.startswith("Database:")]
    assert "role NOT matched" in line and WORKER in line and API in line
    # The API's own session is untouched: its role matched.
    assert provenance(tmp, "phase5")["api_database"]["role"]["matched"] is True


def test_a_worker_route_of_the_right_role_keeps_the_verdicts_and_says_it_matched(tmp_path):
    run = run_suite(tmp_path, env={"PHASEGATE_DATABASE_URL": AS_WORKER})
    assert run.returncode == 0 and set(run.outcomes.values()) == {"passed"}, run.stdout[-3000:]
    worker = provenance(tmp_path, "phase4")["database"]
    assert worker["source"] == "PHASEGATE_DATABASE_URL from the process environment"
    assert worker["role"] == {"expected_role": WORKER, "expected_from": "the worker's own DATABASE_URL on Render",
                              "current_user": WORKER, "session_user": WORKER, "matched": True}
    [line] = [x for x in provenance_lines(provenance(tmp_path, "phase4")) if x.startswith("Database:")]
    assert "through PHASEGATE_DATABASE_URL from the process environment" in line
    assert f"role {WORKER} (named by the worker's own DATABASE_URL on Render): current_user and session_user " \
           "matched" in line


def test_a_phase4_route_of_the_production_role_is_broken_not_judged_as_production(tmp_path):
    """P4-42 judges 'not production's role': a route of production's role must not make it fail (or pass)."""
    run = run_suite(tmp_path, "-m", "staging and database", "--env", "sandbox", env={"PHASEGATE_DATABASE_URL":
                                                                                       AS_PRODUCTION})
    assert {run.outcomes[cid] for cid in WORKER_SESSION - {"P5-06", "P5-07"}} == {"broken"}, run.stdout[-3000:]
    assert_names_both_roles(run, {"P4-42", "P4-43"}, "PHASEGATE_DATABASE_URL", PRODUCTION, WORKER)


# --- PHASEGATE_API_DATABASE_URL: P5-05 --------------------------------------------------------------


@pytest.mark.parametrize("pooled", [False, True], ids=["direct", "through-the-pooler"])
def test_an_api_route_of_the_workers_role_breaks_only_p5_05_naming_both_roles(tmp_path, pooled):
    run = run_suite(tmp_path, "-m", "staging", "--env", "sandbox", "--phase", "phase5",
                    env={"PHASEGATE_API_DATABASE_URL": AS_WORKER, **(THROUGH_THE_POOLER if pooled else {})})
    assert {cid for cid, state in run.outcomes.items() if state == "broken"} == API_SESSION, run.stdout[-3000:]
    assert {state for cid, state in run.outcomes.items() if cid not in API_SESSION | ROUND_TRIP} == {"passed"}
    assert_names_both_roles(run, API_SESSION, "PHASEGATE_API_DATABASE_URL from the process environment", WORKER, API)
    identity = attachment(run, "P5-05", "API's database connection")["identity"]
    assert identity["matched"] is False and identity["current_user"] == WORKER and identity["expected_role"] == API
    api = provenance(tmp_path, "phase5")["api_database"]
    assert api["role"]["matched"] is False and api.get("not_connected") is True
    assert "CANARY" not in run.artifacts_text()


def test_an_api_route_of_the_right_role_keeps_p5_05_and_says_it_matched(tmp_path):
    run = run_suite(tmp_path, "-m", "staging", "--env", "sandbox", "--phase", "phase5",
                    env={"PHASEGATE_API_DATABASE_URL": AS_API})
    assert run.outcomes["P5-05"] == "passed", run.stdout[-3000:]
    api = provenance(tmp_path, "phase5")["api_database"]
    assert api["source"] == "PHASEGATE_API_DATABASE_URL from the process environment"
    assert api["role"]["matched"] is True and api["role"]["current_user"] == API
    identity = attachment(run, "P5-05", "API's database connection")["identity"]
    assert identity["route"] == "PHASEGATE_API_DATABASE_URL from the process environment" and identity["matched"]


# --- PHASEGATE_CANARY_DATABASE_URL: the round trip ----------------------------------------------------


def canary_rows(server: SandboxPostgres) -> list[tuple]:
    with psycopg.connect(server._admin_url_for("phase4"), autocommit=True) as conn:
        return conn.execute("SELECT id FROM upload_pipeline_staging.upload_jobs "
                            "WHERE payload ? 'phasegate_canary'").fetchall()


@pytest.mark.parametrize("pooled", [False, True], ids=["direct", "through-the-pooler"])
def test_a_canary_credential_of_the_workers_role_breaks_the_round_trip_and_writes_nothing(tmp_path, pooled):
    run = run_suite(tmp_path, "-m", "staging", "--env", "sandbox", "--phase", "phase5", "--active",
                    env={"PHASEGATE_CANARY_DATABASE_URL": AS_WORKER, **(THROUGH_THE_POOLER if pooled else {})})
    assert {cid for cid, state in run.outcomes.items() if state == "broken"} == ROUND_TRIP, run.stdout[-3000:]
    assert {state for cid, state in run.outcomes.items() if cid not in ROUND_TRIP} == {"passed"}
    assert_names_both_roles(run, ROUND_TRIP, "the round trip's credential from the process environment", WORKER, API)
    assert all(m.strip().endswith("the canary wrote nothing through it") for cid in ROUND_TRIP
               for m in run.messages(cid))
    record = json.loads((run_folder(tmp_path, "phase5") / "canary.json").read_text())
    assert record["statements"] == [] and record["written"] == [] and record["removed"] == []
    assert record["identity"]["matched"] is False and record["identity"]["current_user"] == WORKER
    assert "wrote 0 row(s)" in run.stdout and "canary session refused before its first statement" in run.stdout
    with SandboxPostgres() as server:
        assert canary_rows(server) == []
    assert "CANARY" not in run.artifacts_text()


def test_a_route_without_a_database_url_on_render_to_name_the_role_is_broken_in_one_line(tmp_path):
    """World P4-23: the worker's DATABASE_URL is empty on Render; a route of the runner's own cannot stand in."""
    run = run_suite(tmp_path, "-m", "staging and database", "--env", "sandbox", world="P4-23",
                    env={"PHASEGATE_DATABASE_URL": AS_WORKER})
    db_criteria = WORKER_SESSION - {"P5-06", "P5-07"}
    assert {run.outcomes[cid] for cid in db_criteria} == {"broken"}, run.stdout[-3000:]
    [message] = run.messages("P4-43")
    assert "'upload-worker-staging' has no usable DATABASE_URL on Render" in message, message
    assert "so the worker's role that PHASEGATE_DATABASE_URL from the process environment must log in as is " \
           "unknown" in message and "\n" not in message.strip()
