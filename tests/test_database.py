"""phasegate.database against a real PostgreSQL (pgserver, or PHASEGATE_TEST_DATABASE_URL)."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import psycopg
import psycopg.errors
import pytest

from phasegate import database as db
from phasegate.database import (
    ConnectionTarget,
    DatabaseAuthFailed,
    DatabaseError,
    DatabaseTimeout,
    DatabaseUnreachable,
    open_session,
    probe,
    run_query,
)
from phasegate.errors import TargetError
from phasegate.sandbox import postgres as pgserver_postgres
SandboxPostgres = pgserver_postgres.SandboxPostgres
VARIANTS = pgserver_postgres.VARIANTS
ALSO_AFFECTS = pgserver_postgres.ALSO_AFFECTS

STAGING = "upload_pipeline_staging"
PRODUCTION = "upload_pipeline"


@pytest.fixture(scope="session")
def pg():
    server = SandboxPostgres()
    server.start()
    print(f"\nsandbox postgres start: {server.start_seconds:.2f}s (initdb now: {server.initialised_now})")
    yield server
    server.stop()


def run_probe(url: str, **kw) -> db.DatabaseFacts:
    return probe(url, staging_schema=STAGING, production_schema=PRODUCTION, **kw)


@pytest.fixture
def world(pg, request):
    variant = getattr(request, "param", "compliant")
    with pg.world_lock():  # other test runs on this machine share the cluster
        w = pg.seed(variant)
        yield w
        w.stop_worker_sessions()


def _no_secret(world, *texts: str) -> None:
    for text in texts:
        assert world.password not in text


# --------------------------------------------------------------------------- compliant


def test_compliant_world_probes_compliant(world):
    world.start_worker_sessions()
    f = run_probe(world.worker_url)
    assert f.connected and f.connect_seconds < 5
    with psycopg.connect(world.worker_url, application_name="phasegate-test") as conn:
        shown = conn.execute("SHOW server_version").fetchone()[0]
    assert f.server_version == shown
    if not os.environ.get(pgserver_postgres.ENV_URL):
        assert shown.startswith("16"), shown  # pgserver's wheel is PostgreSQL 16
    assert f.target.is_local and f.tls_in_use is False
    assert f.current_user == f.session_user == "upload_worker_staging"
    assert f.role["rolname"] == "upload_worker_staging"
    assert f.role["rolsuper"] is False and f.role["rolcreaterole"] is False and f.role["rolcreatedb"] is False
    assert f.role["rolbypassrls"] is False and f.role["rolreplication"] is False
    assert f.role["member_of"] == []
    assert {STAGING, PRODUCTION, "public"} <= set(f.schemas)
    assert f.staging_schema_exists and f.production_schema_exists
    assert f.production_schema_usage is False and f.production_schema_create is False
    assert f.production_table_privileges == []
    assert f.search_path_raw == STAGING
    assert f.search_path_effective == [STAGING]
    assert f.search_path_source == "role+database"
    assert f.search_path_current_schemas == [STAGING]
    st, idle = f.settings["statement_timeout"], f.settings["idle_in_transaction_session_timeout"]
    assert (st["value"], st["milliseconds"], st["is_set"], st["source"]) == ("30s", 30000, True, "role")
    assert (idle["value"], idle["milliseconds"], idle["is_set"], idle["source"]) == ("60s", 60000, True, "role")
    q = f.queue_table
    assert q["exists"] and q["readable"] and q["has_status"] and q["has_attempts"] and q["has_max_attempts"]
    assert q["schema"] == STAGING and q["table"] == "upload_jobs"
    assert q["columns"]["status"] == "text" and q["columns"]["payload"] == "jsonb"
    assert q["columns"]["started_at"] == "timestamp with time zone"
    assert f.worker_sessions == 3  # the stand-ins, not phasegate's own session
    assert f.stuck_jobs == []
    facts = {e["fact"] for e in f.evidence}
    assert {"connection", "schemas", "role", "production_isolation", "search_path", "timeouts", "queue", "sessions",
            "stuck_jobs"} <= facts
    _no_secret(world, repr(f), str(f.evidence))


@pytest.mark.parametrize("world", ["compliant-role-in-database"], indirect=True)
def test_role_in_database_settings(world):
    f = run_probe(world.worker_url)
    for name, value in (("statement_timeout", "30s"), ("idle_in_transaction_session_timeout", "60s")):
        s = f.settings[name]
        assert s["value"] == value and s["is_set"] and s["source"] == "role+database"
        assert s["levels"]["role"] is None and s["levels"]["role+database"] == value
    assert f.search_path_effective == [STAGING]


# --------------------------------------------------------------------------- variants


def test_every_variant_names_a_criterion():
    assert VARIANTS["compliant"] is None and VARIANTS["compliant-role-in-database"] is None
    for name, criterion in VARIANTS.items():
        if criterion:
            assert name.startswith(criterion)
    assert set(ALSO_AFFECTS) <= set(VARIANTS)


@pytest.mark.parametrize("world", ["P4-40"], indirect=True)
def test_p4_40_connect_fails(world):
    with pytest.raises(DatabaseUnreachable) as exc:
        run_probe(world.worker_url)
    msg = str(exc.value)
    assert "does not exist" in msg and "\n" not in msg and "phase4_missing" in msg
    _no_secret(world, msg, repr(exc.value))
    world.start_worker_sessions()  # nothing to hold: expected 0
    assert world.worker_session_count == 0 == world.expected_worker_sessions


@pytest.mark.parametrize("world", ["P4-41"], indirect=True)
def test_p4_41_staging_schema_missing(world):
    f = run_probe(world.worker_url)
    assert f.staging_schema_exists is False and STAGING not in f.schemas
    assert f.search_path_effective == []  # configured path names a schema that does not exist
    assert f.queue_table["exists"] is False and f.stuck_jobs == []


@pytest.mark.parametrize("world", ["P4-42-superuser"], indirect=True)
def test_p4_42_superuser(world):
    f = run_probe(world.worker_url)
    assert f.role["rolsuper"] is True
    assert f.production_schema_usage is True  # superusers pass every check (ALSO_AFFECTS P4-43)
    assert "P4-43" in world.also_affects


@pytest.mark.parametrize("world", ["P4-42-postgres"], indirect=True)
def test_p4_42_postgres(world, pg):
    f = run_probe(world.worker_url)
    assert f.current_user == pg.admin_user and f.role["rolsuper"] is True
    assert f.production_schema_usage is True
    assert f.search_path_source == "server" and STAGING not in f.search_path_effective
    assert f.settings["statement_timeout"]["is_set"] is False


@pytest.mark.parametrize("world", ["P4-42-production-role"], indirect=True)
def test_p4_42_production_role(world):
    f = run_probe(world.worker_url)
    assert f.current_user == "upload_worker_prod" == world.worker_role
    assert f.production_schema_usage is True and f.production_schema_create is True
    assert f.search_path_effective == [PRODUCTION]
    assert f.queue_table["exists"] is True and f.queue_table["readable"] is False


@pytest.mark.parametrize("world", ["P4-43-public-usage"], indirect=True)
def test_p4_43_public_usage(world):
    f = run_probe(world.worker_url)
    assert f.production_schema_usage is True and f.production_schema_create is False
    assert f.production_table_privileges == []
    schema_ev = [e for e in f.evidence_for("production_isolation") if e["what"] == "production schema privileges"]
    assert schema_ev[0]["rows"][0]["via"] == ["PUBLIC"]


@pytest.mark.parametrize("world", ["P4-43-membership"], indirect=True)
def test_p4_43_membership(world):
    f = run_probe(world.worker_url)
    assert f.role["member_of"] == ["upload_worker_prod"]
    assert f.production_schema_usage is True
    leaks = {(p["table"], p["privilege"]) for p in f.production_table_privileges}
    for table in ("documents", "upload_jobs"):
        for priv in db.TABLE_PRIVILEGES:
            assert (table, priv) in leaks
    assert ("documents_id_seq", "USAGE") in leaks  # sequences are reported too
    assert all(p["via"] == ["upload_worker_prod"] for p in f.production_table_privileges)


@pytest.mark.parametrize("world", ["P4-43-public-select"], indirect=True)
def test_p4_43_public_select(world):
    f = run_probe(world.worker_url)
    assert f.production_schema_usage is False
    assert f.production_table_privileges == [
        {"schema": PRODUCTION, "table": "documents", "kind": "table", "owner": "upload_worker_prod",
         "privilege": "SELECT", "via": ["PUBLIC"]}
    ]


# Each door world opens exactly one door other than a schema or table grant: (object, kind, owner, privilege, via).
DOORS = {
    "P4-43-view": (f"{STAGING}.document_titles", "view", "upload_worker_prod", "SELECT", ["upload_worker_staging"]),
    "P4-43-materialized-view": (f"{STAGING}.document_titles", "materialized view", "upload_worker_prod", "SELECT",
                                ["upload_worker_staging"]),
    "P4-43-view-of-a-view": (f"{STAGING}.recent_titles", "view", "upload_worker_prod", "SELECT",
                             ["upload_worker_staging"]),
    "P4-43-rule": (f"{STAGING}.document_lookups", "rule lookup ON INSERT", "upload_worker_prod", "INSERT",
                   ["upload_worker_staging"]),
    "P4-43-definer-plpgsql": (f"{STAGING}.document_titles()", "SECURITY DEFINER function (plpgsql)",
                              "upload_worker_prod", "EXECUTE", ["PUBLIC"]),
    "P4-43-definer-sql": (f"{STAGING}.document_titles()", "SECURITY DEFINER function (sql)", "upload_worker_prod",
                          "EXECUTE", ["PUBLIC"]),
    "P4-43-definer-atomic": (f"{STAGING}.document_titles()", "SECURITY DEFINER function (sql, BEGIN ATOMIC)",
                             "upload_worker_prod", "EXECUTE", ["PUBLIC"]),
    "P4-43-definer-trigger": (f"{STAGING}.copy_document()", "SECURITY DEFINER function (plpgsql)", "upload_worker_prod",
                              f"fires as a trigger on {STAGING}.document_events", []),
    "P4-43-foreign-table": (f"{STAGING}.remote_documents",
                            "foreign table (server production_database, wrapper phasegate_sandbox_fdw)", "postgres",
                            "SELECT", ["upload_worker_staging"]),
    "P4-43-user-mapping": ("server production_database", "foreign server (wrapper phasegate_sandbox_fdw) with a user "
                           "mapping for upload_worker_staging", "postgres", "USAGE", ["upload_worker_staging"]),
    "P4-43-set-role": ("upload_worker_prod", "role", None, "SET ROLE", []),
    "P4-43-replication": ("upload_worker_staging", "role attribute", None, "REPLICATION", []),
}


@pytest.mark.parametrize("world", sorted(DOORS), indirect=True)
def test_each_door_world_opens_exactly_its_door(world, pg):
    f = run_probe(world.worker_url)
    assert f.production_schema_usage is False and f.production_schema_create is False
    assert f.production_table_privileges == []
    [door] = f.production_doors
    obj, kind, owner, privilege, via = DOORS[world.variant]
    owner = pg.admin_user if owner == "postgres" else owner
    assert (door["object"], door["kind"], door["owner"], door["privilege"], door["via"]) == (obj, kind, owner,
                                                                                            privilege, via)
    assert "upload_pipeline" in door["opens"] or door["kind"] == "role attribute"
    assert world.password not in str(f.evidence) and "CANARY" not in str(f.evidence)  # no user mapping's password


@pytest.mark.parametrize("world", ["P4-43-column-grant"], indirect=True)
def test_a_column_grant_is_a_privilege_on_the_table(world):
    f = run_probe(world.worker_url)
    assert f.production_doors == [] and f.production_schema_usage is False
    assert f.production_table_privileges == [
        {"schema": PRODUCTION, "table": "documents", "kind": "table", "owner": "upload_worker_prod",
         "privilege": "SELECT", "columns": ["id", "title"], "via": ["upload_worker_staging"]}
    ]


@pytest.mark.parametrize("world", ["P4-43-read-all-data"], indirect=True)
def test_a_predefined_role_that_reads_all_data_is_named(world):
    f = run_probe(world.worker_url)
    assert f.production_schema_usage is True and f.production_doors[0]["via"] == ["pg_read_all_data"]
    assert {p["privilege"] for p in f.production_table_privileges} == {"SELECT"}
    assert all(p["via"] == ["pg_read_all_data"] for p in f.production_table_privileges)


@pytest.mark.parametrize("world", ["P4-43-sequence"], indirect=True)
def test_a_sequence_grant_is_a_door(world):
    f = run_probe(world.worker_url)
    assert [(p["table"], p["kind"], p["privilege"]) for p in f.production_table_privileges] == [
        ("documents_id_seq", "sequence", "USAGE")]


def definer_listing(f) -> list[dict]:
    [listing] = [e for e in f.evidence_for("production_isolation") if e["what"].startswith("every SECURITY DEFINER")]
    return listing["rows"]


@pytest.mark.parametrize("world", ["compliant-staging-definers"], indirect=True)
def test_views_and_definer_functions_over_staging_only_open_no_door(world):
    f = run_probe(world.worker_url)
    assert f.production_doors == [] and f.production_table_privileges == []
    listed = {row["function"]: row for row in definer_listing(f)}
    assert set(listed) == {f"{STAGING}.queued_jobs()", f"{STAGING}.job_statuses()"}
    assert all(row["owner"] == "upload_worker_staging" and row["verdict"].startswith("not a door: its owner")
               for row in listed.values())


@pytest.mark.parametrize("world", ["compliant-supabase-definers"], indirect=True)
def test_superuser_definer_functions_that_never_touch_production_are_listed_not_failed(world, pg):
    f = run_probe(world.worker_url)
    assert f.production_doors == []
    listed = {row["function"]: row for row in definer_listing(f)}
    assert set(listed) == {"auth.uid()", "pgbouncer.get_auth(p_usename text)", "extensions.uuid_generate_v4()"}
    assert all(row["owner"] == pg.admin_user and row["owner is superuser"] for row in listed.values())
    assert listed["auth.uid()"]["verdict"].startswith("not a door as far as the catalog shows")
    assert listed["extensions.uuid_generate_v4()"]["verdict"].startswith("not proven: compiled code (internal)")


def test_the_compliant_world_lists_no_definer_function(world):
    f = run_probe(world.worker_url)
    assert f.production_doors == [] and definer_listing(f) == [{"definer functions": "none"}]


@pytest.mark.parametrize("world", ["P5-05-view", "P5-05-definer-function", "P5-05-column-grant"], indirect=True)
def test_an_api_door_is_the_apis_alone(world):
    api = db.probe_enqueue(world.api_url, staging_schema=STAGING, production_schema=PRODUCTION)
    worker = run_probe(world.worker_url)
    assert api.production_doors or api.production_table_privileges
    assert {d["via"][0] for d in api.production_doors} | {p["via"][0] for p in api.production_table_privileges} == {
        "upload_api_staging"}
    assert worker.production_doors == [] and worker.production_table_privileges == []


@pytest.mark.parametrize("world", ["P4-44"], indirect=True)
def test_p4_44_search_path_reaches_production(world):
    f = run_probe(world.worker_url)
    assert f.search_path_effective == [STAGING, PRODUCTION]
    assert f.search_path_raw == f"{STAGING}, {PRODUCTION}"
    # PostgreSQL itself drops schemas the role cannot use from current_schemas(): why it is not the judge.
    assert f.search_path_current_schemas == [STAGING]


@pytest.mark.parametrize("world", ["P4-44-user"], indirect=True)
def test_p4_44_dollar_user(world):
    f = run_probe(world.worker_url)
    assert f.search_path_raw == '"$user", public'
    assert f.search_path_effective == ["upload_worker_staging", "public"]


@pytest.mark.parametrize("world", ["P4-45"], indirect=True)
def test_p4_45_no_statement_timeout(world):
    f = run_probe(world.worker_url)
    assert f.settings["statement_timeout"] == {
        "value": None, "milliseconds": None, "source": None, "is_set": False,
        "levels": {"role+database": None, "role": None, "database": None, "all": None},
    }
    assert f.settings["idle_in_transaction_session_timeout"]["is_set"] is True


@pytest.mark.parametrize("world", ["P4-45-zero"], indirect=True)
def test_p4_45_zero_statement_timeout(world):
    f = run_probe(world.worker_url)
    s = f.settings["statement_timeout"]
    assert (s["value"], s["milliseconds"], s["is_set"], s["source"]) == ("0", 0, False, "role")


@pytest.mark.parametrize("world", ["P4-46"], indirect=True)
def test_p4_46_queue_missing(world):
    f = run_probe(world.worker_url)
    assert f.staging_schema_exists
    assert f.queue_table["exists"] is False and f.queue_table["columns"] == {}
    assert f.stuck_jobs == []
    assert f.evidence_for("stuck_jobs")[0]["rows"] == [{"reason": "the queue table is missing"}]


@pytest.mark.parametrize("world", ["P4-46-columns"], indirect=True)
def test_p4_46_queue_without_retry_columns(world):
    f = run_probe(world.worker_url)
    q = f.queue_table
    assert q["exists"] and q["has_status"] and not q["has_attempts"] and not q["has_max_attempts"]


@pytest.mark.parametrize("world", ["P4-47-none"], indirect=True)
def test_p4_47_no_sessions(world):
    world.start_worker_sessions()
    assert world.expected_worker_sessions == 0
    assert run_probe(world.worker_url).worker_sessions == 0


@pytest.mark.parametrize("world", ["P4-47-too-many"], indirect=True)
def test_p4_47_too_many_sessions(world):
    world.start_worker_sessions()
    assert world.expected_worker_sessions == 12
    assert run_probe(world.worker_url).worker_sessions == 12
    world.stop_worker_sessions()
    assert run_probe(world.worker_url).worker_sessions == 0


@pytest.mark.parametrize("world", ["P4-63"], indirect=True)
def test_p4_63_stuck_job(world):
    f = run_probe(world.worker_url)
    assert len(f.stuck_jobs) == 1
    job = f.stuck_jobs[0]
    assert job["status"] == "running" and job["timestamp_column"] == "started_at"
    assert 7000 < job["age_seconds"] < 7400
    assert run_probe(world.worker_url, stuck_threshold_minutes=180).stuck_jobs == []


# --------------------------------------------------------------------------- session safety


def test_session_is_read_only(world):
    """Direct: no startup options any more, so this is the per-transaction arming alone."""
    session = open_session(world.worker_url)
    try:
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            session.execute(f"CREATE TABLE {STAGING}.phasegate_was_here (id int)")
        session.rollback()
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            session.execute(f"INSERT INTO {STAGING}.upload_jobs (status) VALUES ('queued')")
        session.rollback()
        assert session.execute("SHOW statement_timeout").fetchone()[0] == "15s"
        assert session.execute("SHOW transaction_read_only").fetchone()[0] == "on"
        assert session.execute("SHOW application_name").fetchone()[0] == "phasegate"
        # The session-level default stays off: read-only comes from each transaction, not from startup.
        assert session.execute("SELECT reset_val FROM pg_settings WHERE name = 'default_transaction_read_only'"
                               ).fetchone()[0] == "off"
    finally:
        session.close()


def test_a_transaction_that_does_not_read_back_read_only_is_refused_and_reads_nothing(world, monkeypatch):
    """If SET TRANSACTION READ ONLY did not take (here: replaced by READ WRITE), nothing is read."""
    monkeypatch.setattr(db.session, "_ARM_READ_ONLY", "SET TRANSACTION READ WRITE")
    with pytest.raises(db.DatabaseNotReadOnly) as exc:
        run_probe(world.worker_url)
    message = str(exc.value)
    assert "transaction_read_only = off" in message and "nothing was read" in message and "\n" not in message
    assert isinstance(exc.value, TargetError)
    _no_secret(world, message)
    session = open_session(world.worker_url)
    try:
        t0 = time.monotonic()
        with pytest.raises(db.DatabaseNotReadOnly):
            session.execute("SELECT pg_sleep(3)")  # refused before it is sent: no 3 s wait
        assert time.monotonic() - t0 < 1.5
        assert session.conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE  # rolled back
    finally:
        session.close()


def test_wrong_password_is_auth_failed_without_the_password(pg, world):
    canary = "pw-CANARY-" + os.urandom(6).hex()
    url = pg.url_for("upload_worker_staging", canary, "phase4")
    with pytest.raises(DatabaseAuthFailed) as exc:
        run_probe(url)
    msg = str(exc.value)
    assert "upload_worker_staging" in msg and "\n" not in msg
    assert canary not in msg and canary not in repr(exc.value)
    assert exc.value.__cause__ is None and exc.value.__suppress_context__
    assert isinstance(exc.value, TargetError)


def test_unreachable_socket_and_refused_port():
    with pytest.raises(DatabaseUnreachable) as exc:
        run_probe("postgresql://someone:pw-CANARY-sock@/phase4?host=/tmp/phasegate-no-such-socket-dir",
                  connect_timeout=3)
    assert "\n" not in str(exc.value) and "pw-CANARY-sock" not in str(exc.value)
    assert "/tmp/phasegate-no-such-socket-dir" in str(exc.value)
    with pytest.raises(DatabaseUnreachable) as exc:
        run_probe("postgresql://someone:pw-CANARY-tcp@127.0.0.1:1/phase4", connect_timeout=3)
    assert "\n" not in str(exc.value) and "pw-CANARY-tcp" not in str(exc.value)
    assert "refused" in str(exc.value).lower()


def test_statement_timeout_is_database_timeout(world):
    t0 = time.monotonic()
    with pytest.raises(DatabaseTimeout) as exc:
        run_query(world.worker_url, "SELECT pg_sleep(5)", label="a slow read", statement_timeout_ms=300)
    assert time.monotonic() - t0 < 3
    msg = str(exc.value)
    assert msg.startswith("query exceeded phasegate's statement timeout of 300 ms while reading a slow read")
    _no_secret(world, msg)


def test_server_down_is_unreachable_and_start_times():
    """A private server: first start (initdb), stop, second start, stop; then it is down."""
    if os.environ.get("PHASEGATE_TEST_DATABASE_URL"):
        pytest.skip("uses pgserver")
    base = Path("/var/tmp/phasegate") if os.geteuid() == 0 else Path(tempfile.gettempdir())
    base.mkdir(parents=True, exist_ok=True)
    data = Path(tempfile.mkdtemp(prefix="pgdata-test-", dir=base))
    shutil.rmtree(data)  # pgserver wants to create it
    try:
        first = SandboxPostgres(data)
        first.start()
        t1 = first.start_seconds
        assert first.initialised_now
        w = first.seed("compliant")
        url = w.worker_url
        first.stop()
        second = SandboxPostgres(data)
        second.start()
        t2 = second.start_seconds
        assert not second.initialised_now
        assert run_probe(url).current_user == "upload_worker_staging"  # data persisted
        second.stop()
        print(f"\npgserver start: first (initdb) {t1:.2f}s, second {t2:.2f}s")
        with pytest.raises(DatabaseUnreachable) as exc:
            run_probe(url, connect_timeout=3)
        assert "\n" not in str(exc.value)
    finally:
        shutil.rmtree(data, ignore_errors=True)


# --------------------------------------------------------------------------- parsing


def test_connection_target_hides_password_and_knows_local():
    t = ConnectionTarget.parse("postgresql://worker:pw-CANARY-xyz@db.example.com:6543/app?sslmode=require")
    assert (t.host, t.port, t.dbname, t.user, t.sslmode, t.is_local) == (
        "db.example.com", 6543, "app", "worker", "require", False)
    assert t.describe() == "worker@db.example.com:6543/app (sslmode require)"
    assert "pw-CANARY" not in repr(t) and "pw-CANARY" not in str(t)
    sock = ConnectionTarget.parse("postgresql://w:pw-CANARY-xyz@/phase4?host=/tmp/sock")
    assert sock.is_local and sock.host == "/tmp/sock"
    assert sock.describe() == "w@unix:/tmp/sock/phase4"
    for local in ("postgresql://u@localhost/x", "postgresql://u@127.0.0.2:5432/x", "postgresql://u@[::1]/x",
                  "postgresql:///x", "host=/var/run/postgresql dbname=x"):
        assert ConnectionTarget.parse(local).is_local, local
    assert not ConnectionTarget.parse("postgresql://u@10.0.0.1/x").is_local
    assert not ConnectionTarget.parse("postgresql://u@aws-0-eu-west-1.pooler.supabase.com:5432/x").is_local


def test_unparseable_url_is_database_error_without_the_url():
    with pytest.raises(DatabaseError) as exc:
        ConnectionTarget.parse("postgresql://u:pw-CANARY-bad@host:notaport/db?bogus_param=1")
    assert "pw-CANARY-bad" not in str(exc.value)


def test_search_path_and_timeout_parsing():
    assert db.split_search_path('"$user", public') == ["$user", "public"]
    assert db.split_search_path('Staging, "Mixed Case", "a""b"') == ["staging", "Mixed Case", 'a"b']
    assert db.split_search_path("") == []
    assert db.timeout_milliseconds("30s") == 30000
    assert db.timeout_milliseconds("0") == 0
    assert db.timeout_milliseconds("1min") == 60000
    assert db.timeout_milliseconds("250") == 250
    assert db.timeout_milliseconds(None) is None
