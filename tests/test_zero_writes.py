"""Zero writes: a full compliant sandbox run sends Render only GETs and writes nothing to the database.

Render: the simulator records every request it receives, whatever the method (it answers
anything but GET with 405); the run's request log must hold at least one request and only
GETs.

Database -- how this proves *no write*, not merely "no error":

* The run uses a PostgreSQL cluster of its own (pgserver data directory under a temporary
  ``XDG_CACHE_HOME``), so nothing but this run touches it, and the server is told to log
  every statement and every connection, with the session's transaction ID in each line
  (``log_statement=all``, ``log_connections=on``, ``log_line_prefix`` with ``%x``).
* The suite's sessions are found by their ``connection authorized: ...
  application_name=phasegate`` line; every line the server logged for those backends is
  examined.
* PostgreSQL assigns a transaction ID to a transaction at its first write of any kind (a
  row inserted, updated, deleted or locked, any DDL, a sequence advanced); a transaction
  that only reads never gets one, and ``%x`` prints 0. ``log_statement`` logs a statement
  before it runs, so the line of the statement that *ends* a transaction (``ROLLBACK`` /
  ``COMMIT``) shows whether anything before it in that transaction wrote. The test checks
  that every statement of the suite's sessions ran inside an explicit transaction block
  that was ended, and that every line carries ``xid=0``: no transaction of the suite ever
  wrote. This is the server's own bookkeeping, not a reading of SQL text.
* As a second, independent layer, every statement the suite sent starts with a read-only
  verb (SELECT, WITH, SHOW, BEGIN, ROLLBACK, COMMIT, SET) and, string literals removed,
  names no writing keyword
  (quoted identifiers removed too).

Why not ``pg_stat_user_tables`` counters before and after: the sandbox drops and reseeds
the database at the start of each run, so the counters mix the seed's writes with
whatever the suite might have done, and they miss DDL and catalog writes.

That every transaction of the session is read-only (``SET TRANSACTION READ ONLY``, read back
before the first read; INSERT and CREATE raise ``ReadOnlySqlTransaction``) is proven directly
in ``tests/test_database.py::test_session_is_read_only`` and, through a real transaction
pooler that drops startup options, in ``tests/test_pooler.py``; not repeated here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import psycopg
import pytest

from acceptance import run_suite
from phasegate.sandbox import postgres

LOGGING = {
    "log_statement": "all",
    "log_connections": "on",
    "log_line_prefix": "%m [%p] xid=%x app=[%a] ",
}
RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \S+ \[(?P<pid>\d+)\] xid=(?P<xid>\d+) app=\[(?P<app>.*?)\] "
                    r"(?P<level>[A-Z]+):  (?P<message>.*)$")
STATEMENT = re.compile(r"^(?:statement|execute [^:]*): (?P<sql>.*)$", re.S)
READ_VERBS = ("SELECT", "WITH", "SHOW", "BEGIN", "ROLLBACK", "COMMIT", "SET", "RESET")
WRITE_WORDS = re.compile(
    r"\b(INSERT|UPDATE|DELETE|MERGE|TRUNCATE|CREATE|ALTER|DROP|GRANT|REVOKE|COPY|VACUUM|ANALYZE|CLUSTER|"
    r"REINDEX|REFRESH|LOCK|CALL|DO|NEXTVAL|SETVAL|INTO|FOR\s+(NO\s+KEY\s+)?UPDATE|FOR\s+(KEY\s+)?SHARE)\b",
    re.IGNORECASE)


def records(text: str) -> list[dict]:
    """Server log lines, continuation lines joined to the record they belong to."""
    out: list[dict] = []
    for line in text.splitlines():
        match = RECORD.match(line)
        if match:
            out.append(match.groupdict())
        elif out:
            out[-1]["message"] += "\n" + line
    return out


def strip_literals(sql: str) -> str:
    """String literals, quoted identifiers and column aliases removed (a column named "create" or
    ``AS insert``, which the API's grant probe reads, is not a CREATE or an INSERT)."""
    unquoted = re.sub(r'"(?:[^"]|"")*"', '""', re.sub(r"'(?:[^']|'')*'", "''", sql))
    return re.sub(r"\bAS\s+[A-Za-z_]\w*(?=\s*(?:,|$|\n|FROM\b))", "AS _", unquoted, flags=re.IGNORECASE)


@pytest.fixture(scope="module")
def logged_cluster():
    """A private pgserver cluster logging every statement; yields (server, log file, env for the run)."""
    folder = tempfile.mkdtemp(prefix="pgzw.", dir="/tmp")  # short: the Unix socket lives in it
    server = postgres.SandboxPostgres(data_dir=Path(folder) / "phasegate" / f"pgdata-{os.getuid()}")
    server.start()  # held for the whole module: the run's subprocess joins this server
    try:
        with psycopg.connect(server.admin_url, autocommit=True) as conn:
            for name, value in LOGGING.items():
                conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")
            conn.execute("SELECT pg_reload_conf()")
            # A new backend sees the reloaded configuration.
        with psycopg.connect(server.admin_url, autocommit=True) as conn:
            assert conn.execute("SHOW log_statement").fetchone()[0] == "all"
        yield server, server.data_dir / "log", {"XDG_CACHE_HOME": folder, postgres.ENV_DATA_DIR: str(server.data_dir)}
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def full_run(tmp_path_factory, logged_cluster):
    server, log, env = logged_cluster
    offset = log.stat().st_size
    run = run_suite(tmp_path_factory.mktemp("zero-writes"), "-m", "staging", "--env", "sandbox", env=env)
    return run, log.read_bytes()[offset:].decode("utf-8", "replace")


def test_the_run_is_a_full_compliant_run_that_read_the_database(full_run):
    run, _ = full_run
    assert run.returncode == 0, run.stdout[-3000:]
    assert {"P4-01", "P4-40", "P4-41", "P4-47"} <= set(run.outcomes)
    assert set(run.outcomes.values()) == {"passed"}, run.outcomes


def test_render_received_only_gets(full_run):
    run, _ = full_run
    requests = run.requests
    assert requests, "the simulator logged no request"
    assert {r["method"] for r in requests} == {"GET"}, sorted({r["method"] for r in requests})
    assert {r["status"] for r in requests} == {200}


def test_the_database_saw_no_write_from_the_suite(full_run):
    _, text = full_run
    assert_no_write_from_phasegate(records(text))


def sessions_of(logged: list[dict], application: str) -> set[str]:
    """Backend pids whose connection was authorized with exactly this application_name."""
    return {r["pid"] for r in logged if r["message"].startswith("connection authorized:")
            and r["message"].endswith(f"application_name={application}")}


def assert_no_write_from_phasegate(logged: list[dict]) -> None:
    ours = sessions_of(logged, "phasegate")
    assert ours, "no phasegate session in the server log: the database was not read, nothing is proven"
    session_records = [r for r in logged if r["pid"] in ours]
    statements = [(r["pid"], STATEMENT.match(r["message"]).group("sql").strip())
                  for r in session_records if r["level"] == "LOG" and STATEMENT.match(r["message"])]
    assert len(statements) >= 5, statements

    # Server-side: no transaction of the suite was ever assigned a transaction ID.
    assigned = [r for r in session_records if r["xid"] != "0"]
    assert not assigned, assigned[:3]
    # ... and that covers every statement: each ran inside an explicit block that was ended,
    # and the ending statement's line (logged before it ran) shows the block's xid.
    for pid in ours:
        open_block = False
        for _, sql in [s for s in statements if s[0] == pid]:
            verb = sql.split(None, 1)[0].upper().rstrip(";") if sql else ""
            if verb in ("BEGIN", "START"):
                assert not open_block
                open_block = True
            elif verb in ("ROLLBACK", "COMMIT", "END", "ABORT"):
                assert open_block
                open_block = False
            else:
                assert open_block, f"a statement outside a transaction block: {sql[:120]!r}"
        assert not open_block, "a transaction of the suite was never ended (its xid would be unlogged)"

    # Statement text: read-only verbs only, no writing keyword outside string literals.
    for _, sql in statements:
        verb = sql.split(None, 1)[0].upper().rstrip(";")
        assert verb in READ_VERBS, sql[:200]
        assert not WRITE_WORDS.search(strip_literals(sql)), sql[:400]


def test_the_log_does_show_a_write_when_there_is_one(logged_cluster):
    """Control: the detector is not blind. A writing transaction (rolled back) shows its xid."""
    server, log, _ = logged_cluster
    offset = log.stat().st_size
    with psycopg.connect(server.admin_url, autocommit=False, application_name="zero-writes-control") as conn:
        conn.execute("CREATE TEMP TABLE zero_writes_control (id int)")
        conn.execute("INSERT INTO zero_writes_control VALUES (1)")
        conn.rollback()
    with psycopg.connect(server.admin_url, autocommit=True) as conn:
        conn.execute("SELECT 1")  # a later backend: the control's lines are in the log by now
    logged = [r for r in records(log.read_bytes()[offset:].decode("utf-8", "replace"))
              if r["app"] == "zero-writes-control"]
    ending = [r for r in logged if STATEMENT.match(r["message"])
              and STATEMENT.match(r["message"]).group("sql").strip().upper() == "ROLLBACK"]
    assert ending and ending[-1]["xid"] != "0", logged
    assert WRITE_WORDS.search("INSERT INTO t VALUES (1)") and not WRITE_WORDS.search(strip_literals(
        "SELECT has_schema_privilege(current_user, n.oid, 'CREATE') AS \"create\""))


# --- the round trip's flags (phasegate/canary/writer.py, the only writer) --------------------------------

CANARY_APPLICATION = "phasegate canary"
from phasegate.sandbox.worker import APPLICATION_NAME as STAND_IN_WORKER  # noqa: E402 -- the process, not the idle sessions


def _queue(server) -> list[tuple]:
    with psycopg.connect(server._admin_url_for("phase4"), autocommit=True) as conn:
        return conn.execute("SELECT id, status, attempts FROM upload_pipeline_staging.upload_jobs ORDER BY id").fetchall()


@pytest.fixture(scope="module")
def active_phase4_run(tmp_path_factory, logged_cluster):
    """Phase 4 with every round-trip switch on: --active, PHASEGATE_ACTIVE=1, the canary credential (sandbox.env)."""
    server, log, env = logged_cluster
    offset = log.stat().st_size
    run = run_suite(tmp_path_factory.mktemp("phase4-active"), "-m", "staging", "--env", "sandbox", "--phase", "phase4",
                    "--active",
                    env={**env, "PHASEGATE_ACTIVE": "1"})
    return run, records(log.read_bytes()[offset:].decode("utf-8", "replace")), _queue(server)


def test_phase4_with_active_and_the_canary_credential_writes_nothing(active_phase4_run):
    run, logged, queue = active_phase4_run
    assert run.returncode == 0 and set(run.outcomes.values()) == {"passed"}, run.stdout[-3000:]
    assert all(cid.startswith("P4-") for cid in run.outcomes)
    assert_no_write_from_phasegate(logged)  # every phasegate transaction read-only, xid 0
    assert not sessions_of(logged, CANARY_APPLICATION), "Phase 4 opened the canary's writing session"
    assert not sessions_of(logged, STAND_IN_WORKER), "Phase 4 started the stand-in worker"
    # The queue as seeded: nothing enqueued, claimed or removed.
    assert queue == [(1, "queued", 0), (2, "running", 1), (3, "done", 1), (4, "failed", 3)], queue
    assert "canary run" not in run.stdout


@pytest.fixture(scope="module")
def active_phase5_run(tmp_path_factory, logged_cluster):
    server, log, env = logged_cluster
    offset = log.stat().st_size
    tmp = tmp_path_factory.mktemp("phase5-active")
    run = run_suite(tmp, "-m", "staging", "--env", "sandbox", "--phase", "phase5", "--active", env=env)
    [journal] = (tmp / "reports").glob("sandbox/*/canary.json")
    return run, records(log.read_bytes()[offset:].decode("utf-8", "replace")), json.loads(journal.read_text())


def test_the_round_trip_writes_only_what_its_record_lists(active_phase5_run):
    """The server's log: the readiness sessions stay read-only; the canary's session wrote exactly its record."""
    run, logged, journal = active_phase5_run
    assert run.returncode == 0 and {"P5-20", "P5-21"} <= set(run.outcomes), run.stdout[-3000:]
    assert_no_write_from_phasegate(logged)
    canary = sessions_of(logged, CANARY_APPLICATION)
    assert len(canary) == 1
    statements = [r for r in logged if r["pid"] in canary and r["level"] == "LOG" and STATEMENT.match(r["message"])]
    texts = [STATEMENT.match(r["message"]).group("sql").strip() for r in statements]
    writes = [t for t in texts if WRITE_WORDS.search(strip_literals(t)) and not t.upper().startswith("SET")]
    assert [w.split()[0] for w in writes] == [s["sql"].split()[0] for s in journal["statements"]], writes
    assert all("upload_pipeline_staging" in w and "upload_jobs" in w for w in writes)
    # Each writing transaction carries an xid; none but those did (reads and SET LOCAL: xid 0).
    written = [r for r in statements if r["xid"] != "0"]
    assert {STATEMENT.match(r["message"]).group("sql").strip().upper() for r in written} <= {"COMMIT"}
    assert len(written) == len(writes)
    # Every INSERT's and DELETE's parameters name this run's id (parameters are logged with the statement).
    run_id = journal["run_id"]
    ours = [r for r in logged if r["pid"] in canary]
    parameters = [ours[i + 1]["message"] for i, r in enumerate(ours[:-1])
                  if r in statements and WRITE_WORDS.search(strip_literals(STATEMENT.match(r["message"]).group("sql")))
                  and not r["message"].split(": ", 1)[1].upper().startswith("SET") and ours[i + 1]["level"] == "DETAIL"]
    assert len(parameters) == len(writes) and all(run_id in p for p in parameters), parameters


@pytest.fixture(scope="module")
def wrong_role_canary_run(tmp_path_factory, logged_cluster):
    """--active with a canary credential of the worker's role (not the API's, which Render's DATABASE_URL names)."""
    server, log, env = logged_cluster
    offset = log.stat().st_size
    tmp = tmp_path_factory.mktemp("canary-wrong-role")
    run = run_suite(tmp, "-m", "staging", "--env", "sandbox", "--phase", "phase5", "--active",
                    env={**env, "PHASEGATE_CANARY_DATABASE_URL": "{{SANDBOX_WORKER_DATABASE_URL}}"})
    [journal] = (tmp / "reports").glob("sandbox/*/canary.json")
    return run, records(log.read_bytes()[offset:].decode("utf-8", "replace")), json.loads(journal.read_text())


def test_a_canary_of_another_role_writes_nothing(wrong_role_canary_run):
    """The server's log: the canary's session read its role back, was closed, and never wrote (xid 0 throughout)."""
    run, logged, journal = wrong_role_canary_run
    assert {run.outcomes[cid] for cid in ("P5-20", "P5-21")} == {"broken"}, run.stdout[-3000:]
    assert journal["statements"] == [] and journal["identity"]["matched"] is False
    assert_no_write_from_phasegate(logged)
    canary = sessions_of(logged, CANARY_APPLICATION)
    assert len(canary) == 1
    ours = [r for r in logged if r["pid"] in canary]
    assert ours and all(r["xid"] == "0" for r in ours), [r for r in ours if r["xid"] != "0"][:3]
    texts = [STATEMENT.match(r["message"]).group("sql").strip() for r in ours
             if r["level"] == "LOG" and STATEMENT.match(r["message"])]
    assert [t.split()[0].upper() for t in texts] == ["BEGIN", "SET", "SELECT", "ROLLBACK"], texts
    assert texts[2] == "SELECT current_user, session_user"
    assert not sessions_of(logged, STAND_IN_WORKER), "the stand-in worker started for a canary that was refused"
