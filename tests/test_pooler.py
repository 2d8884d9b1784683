"""phasegate's database session through a real transaction pooler: PgBouncer set up like Supabase's.

One PgBouncer for the test session (``pool_mode = transaction``, ``ignore_startup_parameters =
options``, TLS required, SCRAM), restarted after each reseed so that it holds the roles' new
password verifiers. Nothing here fakes ``psycopg.connect``. Parameters are world names, never
URLs: a failing test must not print a password.
"""

from __future__ import annotations

import contextlib
import time

import psycopg
import psycopg.errors
import pytest

from phasegate import database as db
from phasegate import redact
from phasegate.judges import database as judge_db
from phasegate.database import ConnectionTarget, DatabaseAuthFailed, DatabaseUnreachable, open_session
from phasegate.sandbox.pooler import SandboxPooler
from phasegate.sandbox.postgres import SandboxPostgres

STAGING = "upload_pipeline_staging"
PRODUCTION = "upload_pipeline"
JOBS = f"{STAGING}.upload_jobs"


@pytest.fixture(scope="module")
def pg():
    with SandboxPostgres() as server:
        yield server


@pytest.fixture(scope="module")
def pooler(pg):
    with SandboxPooler(pg) as running:
        print(f"\nPgBouncer start: {running.start_seconds:.3f}s at {running.address}:{running.port}")
        yield running


@pytest.fixture
def world(pg, pooler):
    """The compliant world; ``world.worker_url`` is direct, ``world.pooled_url`` through PgBouncer."""
    with pg.world_lock():  # other test runs on this machine share the cluster
        seeded = pg.seed("compliant")
        pooler.restart()  # the roles were recreated with new passwords
        seeded.pooled_url = pooler.route(seeded.worker_url)
        yield seeded
        seeded.stop_worker_sessions()


def run_probe(url: str) -> db.DatabaseFacts:
    return db.probe(url, staging_schema=STAGING, production_schema=PRODUCTION)


def admin_count(pg, query: str) -> int:
    with psycopg.connect(pg._admin_url_for("phase4"), autocommit=True) as conn:
        return conn.execute(query).fetchone()[0]


# --------------------------------------------------------------------------- the pooler is real


def test_the_pooler_drops_startup_options_and_answers_for_the_backend(world):
    """What made the old session writable: read-only asked for in startup options is silently dropped."""
    with psycopg.connect(world.pooled_url, options="-c default_transaction_read_only=on -c statement_timeout=1234",
                         prepare_threshold=None, autocommit=True) as conn:
        assert conn.execute("SHOW default_transaction_read_only").fetchone()[0] == "off"
        assert conn.execute("SHOW statement_timeout").fetchone()[0] == "30s"  # the role's, not ours
        assert conn.pgconn.ssl_in_use
        assert conn.info.backend_pid != conn.execute("SELECT pg_backend_pid()").fetchone()[0]
    with pytest.raises(psycopg.OperationalError, match="SSL required"):
        psycopg.connect(world.pooled_url.replace("sslmode=require", "sslmode=disable"), connect_timeout=5)


# --------------------------------------------------------------------------- no write, at any point


def test_no_write_through_the_suites_session_via_the_pooler_before_and_after_a_rollback(world, pg):
    before = admin_count(pg, f"SELECT count(*) FROM {JOBS}")
    session = open_session(world.pooled_url)
    try:
        for attempt in range(3):
            with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
                session.execute(f"INSERT INTO {JOBS} (status) VALUES ('queued')")
            if attempt == 0:
                session.rollback()  # explicit rollback; the next attempts leave the failed transaction as it is
        session.rollback()
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            session.execute(f"CREATE TABLE {STAGING}.phasegate_was_here (id int)")
        session.rollback()
        # After every rollback the next transaction is armed again, whichever backend it lands on.
        assert session.execute("SHOW transaction_read_only").fetchone()[0] == "on"
        assert session.execute("SHOW statement_timeout").fetchone()[0] == "15s"
        assert len(session.transactions) >= 5
        assert {t["read_only"] for t in session.transactions} == {"on"}
    finally:
        session.close()
    assert admin_count(pg, f"SELECT count(*) FROM {JOBS}") == before
    assert admin_count(pg, "SELECT count(*) FROM pg_class WHERE relname = 'phasegate_was_here'") == 0


def test_a_server_connection_left_read_write_by_another_client_is_still_read_only_for_the_suite(world):
    """Another client of the pooler makes its server connection read-write at session level."""
    with psycopg.connect(world.pooled_url, autocommit=True, prepare_threshold=None) as other:
        other.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE")
        session = open_session(world.pooled_url)
        try:
            with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
                session.execute(f"UPDATE {JOBS} SET status = 'done'")
        finally:
            session.close()


# --------------------------------------------------------------------------- judgements through the pooler


def test_probe_through_the_pooler_is_transaction_mode_and_p4_47_is_skipped_with_its_reason(world):
    world.start_worker_sessions()  # the stand-in worker connects the way the real one does: directly here
    direct = run_probe(world.worker_url)
    pooled = run_probe(world.pooled_url)
    assert direct.pool_mode == "direct" and judge_db.sessions_not_judgeable(direct) is None
    assert direct.worker_sessions == 3
    assert pooled.pool_mode == "transaction"
    assert any("port 6543" in s for s in pooled.pooling["signals"])
    assert any("announced another backend pid" in s for s in pooled.pooling["signals"])
    reason = judge_db.sessions_not_judgeable(pooled)
    assert reason.startswith("not judgeable through a transaction pooler") and "PHASEGATE_DATABASE_URL" in reason
    assert any(e["what"] == "pooling" and e["rows"][0]["judgeable"] is False for e in pooled.evidence_for("sessions"))
    # Every other fact reads the same both ways.
    for name in ("current_user", "role", "schemas", "production_schema_usage", "production_table_privileges",
                 "search_path_effective", "settings", "queue_table", "stuck_jobs"):
        assert getattr(pooled, name) == getattr(direct, name), name
    assert pooled.tls_in_use is True and direct.contradictions == pooled.contradictions == []
    assert world.password not in repr(pooled) + str(pooled.evidence)


def test_the_backend_changing_between_transactions_is_seen(world):
    """A transaction pooler moves a client to whichever server connection is free."""
    session = open_session(world.pooled_url)
    try:
        session.execute("SELECT 1")
        session.rollback()
        with psycopg.connect(world.pooled_url, prepare_threshold=None) as other:
            other.execute("SELECT 1")  # holds the server connection the session just gave back
            session.execute("SELECT 1")
            other.rollback()
        pids = [t["pid"] for t in session.transactions]
    finally:
        session.close()
    assert len(set(pids)) == 2
    elsewhere = ConnectionTarget.parse("postgresql://u@pooler.internal:6432/app")  # no port or host signal
    found = db.pool_mode(elsewhere, announced_pid=123456789, backend_pids=pids)
    assert found["mode"] == "transaction" and any("backend changed" in s for s in found["signals"])


def test_pool_mode_signals():
    supabase = "postgresql://upload_worker_staging.abcdefghijklmnop@aws-0-us-west-1.pooler.supabase.com"
    assert db.pool_mode(ConnectionTarget.parse(supabase + ":6543/postgres"), 1, [2])["mode"] == "transaction"
    assert db.pool_mode(ConnectionTarget.parse(supabase + ":5432/postgres"), 1, [2])["mode"] == "session"
    direct = ConnectionTarget.parse("postgresql://u@db.example.com:5432/app")
    assert db.pool_mode(direct, 7, [7, 7])["mode"] == "direct"
    assert db.pool_mode(direct, 1, [7, 7])["mode"] == "pooled, mode unknown"
    assert db.pool_mode(direct, 7, [7, 8])["mode"] == "transaction"


def test_settings_another_client_left_on_the_pooled_connection_are_flagged_next_to_the_verdict(world, pooler):
    """Session-level SETs persist on a pooled server connection; the verdicts stay on the role's values."""
    with contextlib.ExitStack() as stack:
        others = [stack.enter_context(psycopg.connect(world.pooled_url, prepare_threshold=None)) for _ in range(3)]
        for other in others:  # three transactions at once: three server connections, all tainted
            other.execute("SET statement_timeout = 0")
            other.execute("SET search_path = public")
        for other in others:
            other.commit()  # SET without LOCAL outlives the transaction: it stays on the server connection
        pooled = run_probe(world.pooled_url)
    judge_db.search_path_staging(pooled, STAGING, PRODUCTION, None)  # configured values: both pass
    judge_db.timeouts_set(pooled, None)
    flagged = {(c["fact"], c["setting"], c["live"]) for c in pooled.contradictions}
    assert ("search_path", "search_path", "public") in flagged and ("timeouts", "statement_timeout", "0") in flagged
    for fact in ("search_path", "timeouts"):
        assert any(e["what"] == db.CONTRADICTION for e in pooled.evidence_for(fact))
    assert not pooled.contradictions_for("production_isolation")


# --------------------------------------------------------------------------- causes in one line


@pytest.mark.parametrize("case", ["wrong password", "unknown role", "missing database", "TLS disabled"])
def test_the_poolers_own_errors_name_the_real_cause(world, pg, pooler, case):
    canary = "pw-CANARY-" + world.password[-8:] + "x"
    url = {
        "wrong password": lambda: pooler.route(pg.url_for("upload_worker_staging", canary, "phase4")),
        "unknown role": lambda: pooler.route(pg.url_for("nobody_at_all", canary, "phase4")),
        "missing database": lambda: pooler.route(pg.url_for("upload_worker_staging", world.password,
                                                            "phase4_missing_" + str(time.monotonic_ns()))),
        "TLS disabled": lambda: world.pooled_url.replace("sslmode=require", "sslmode=disable"),
    }[case]()
    expected = {
        "wrong password": (DatabaseAuthFailed, "password authentication failed for user 'upload_worker_staging'"),
        "unknown role": (DatabaseAuthFailed, "password authentication failed for user 'nobody_at_all'"),
        "missing database": (DatabaseUnreachable, "database 'phase4_missing_"),
        "TLS disabled": (DatabaseUnreachable, "requires TLS and the URL does not use it: set sslmode=require"),
    }[case]
    with pytest.raises(expected[0]) as exc:
        run_probe(url)
    message = str(exc.value)
    assert expected[1] in message and ":6543/" in message and "\n" not in message
    assert canary not in message and world.password not in message


SUPAVISOR = "aws-0-us-west-1.pooler.supabase.com"


@pytest.mark.parametrize("text, kind, says", [
    # Supavisor's texts, old and new (lib/supavisor/errors/*.ex)
    ("FATAL:  Tenant or user not found", DatabaseAuthFailed,
     "knows no project and user 'upload_worker_staging' (Tenant or user not found); through Supabase's pooler "
     "the user is '<role>.<project-ref>'"),
    ("FATAL:  (ENOTFOUND) tenant/user upload_worker_staging.abc not found", DatabaseAuthFailed, "knows no project"),
    ("FATAL:  (ESSLREQUIRED) SSL connection is required for user: upload_worker_staging", DatabaseUnreachable,
     "requires TLS"),
    ("FATAL:  (EDBHANDLEREXITED) connection to database closed. Check logs for more information",
     DatabaseUnreachable, "cannot open a connection to the database behind it"),
    # PgBouncer 1.18's texts, as it answered in these tests' pooler
    ("FATAL:  server login has been failing, try again later (server_login_retry)", DatabaseUnreachable,
     "cannot log in to the database server behind it for database 'postgres' as 'upload_worker_staging'"),
    ("FATAL:  no such database: phase4_missing", DatabaseUnreachable, "database 'postgres' does not exist"),
    ("FATAL:  SASL authentication failed", DatabaseAuthFailed, "password authentication failed"),
    ("FATAL:  no such user", DatabaseAuthFailed, "role 'upload_worker_staging' does not exist"),
    ("connection timeout expired", DatabaseUnreachable,
     "within the 10 s connect timeout -- through a pooler, also how a database or role missing behind it shows"),
], ids=lambda v: v if isinstance(v, str) and len(v) < 40 else None)
def test_pooler_texts_map_to_the_cause(text, kind, says):
    target = ConnectionTarget.parse(f"postgresql://upload_worker_staging:pw-CANARY-map@{SUPAVISOR}:6543/postgres")
    error = db.connect_error(psycopg.OperationalError(f'connection to server at "{SUPAVISOR}" failed: {text}'),
                              target, 10)
    assert isinstance(error, kind) and says in str(error), str(error)
    assert "pw-CANARY-map" not in str(error) and "\n" not in str(error)


# --------------------------------------------------------------------------- descriptions are not secrets


def test_a_password_less_url_is_described_without_being_masked():
    """A password-less DATABASE_URL is still a secret value; its description must not equal it."""
    for url in ("postgresql://postgres@/phase4?host=/var/tmp/phasegate/pgdata-0",
                "postgresql://upload_worker_staging@127.0.0.1:6543/phase4?sslmode=require",
                "host=/tmp/sock dbname=phase4 user=w"):
        redact.Secret(url)  # registered as Render would have it: the whole value is secret
        described = ConnectionTarget.parse(url).describe()
        assert described != url and url not in described
        assert redact.scrub(described) == described and redact.MASK not in described
        assert "://" not in described and "=" not in described
