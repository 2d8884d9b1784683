"""The queue's states, as the profile names them and as the schema declares them (P4-63, P5-07, P5-20, P5-21).

Three parts:

1. what a status column allows, read from a real PostgreSQL's catalogs in phasegate's read-only
   session, for every form PostgreSQL stores (``test_what_the_status_column_allows``);
2. the profile's keys: ``QUEUE_*`` states, the deprecated ``CANARY_*_STATUS`` names;
3. suite runs on sandbox worlds whose queue declares its states differently: P5-07 (read from the
   schema) and P5-21 (the poison canary through the real stand-in worker) agree on every one, and
   P4-63 judges the profile's running states.
"""

from __future__ import annotations

import psycopg
import pytest

from acceptance import run_suite
from phasegate.profile import load_profile
from phasegate.database import run_query, status_values
from phasegate.database.check_text import Unreadable, allows, parse_check, summary
from phasegate.errors import ConfigError
from phasegate.sandbox.postgres import SandboxPostgres
from phasegate.sandbox.session import CATALOGUE

SCRATCH = "phasegate_queue_states"  # a database of its own: seeding a world drops only the worlds' database

# table name -> (DDL of its status column and constraints, {state: allowed}), in schema qs (not on the path)
FORMS: dict[str, tuple[str, dict[str, bool | None]]] = {
    "in_list": ("status text CHECK (status IN ('queued', 'done', 'failed'))", {"failed": True, "dead": False}),
    "varchar_in": ("status varchar(20) CHECK (status IN ('queued', 'failed'))", {"failed": True, "done": False}),
    "any_array": ("status text CHECK (status = ANY (ARRAY['queued', 'dead']))", {"dead": True, "failed": False}),
    "or_chain": ("status text CHECK (status = 'queued' OR status = 'failed' OR status = 'done')",
                 {"failed": True, "dead": False}),
    "literal_first": ("status text CHECK ('failed' = status OR 'done' = status)", {"failed": True, "x": False}),
    "not_in": ("status text CHECK (status NOT IN ('failed', 'x'))", {"failed": False, "dead": True}),
    "not_any": ("status text CHECK (NOT (status = ANY (ARRAY['failed'])))", {"failed": False, "done": True}),
    "and_not_null": ("status text CHECK (status IS NOT NULL AND status <> 'failed')", {"failed": False, "ok": True}),
    "not_null_only": ("status text CHECK (status IS NOT NULL)", {"failed": True}),
    "no_constraint": ("status text", {"failed": True, "anything": True}),
    "bpchar": ("status char(10) CHECK (status IN ('done', 'failed'))", {"failed": True, "dead": False}),
    "not_valid": ("status text", {"failed": False, "done": True}),  # + a NOT VALID check, added below
    "two_checks": ("status text CHECK (status IN ('a', 'failed', 'done')) CHECK (status <> 'a')",
                   {"failed": True, "a": False}),
    "other_column": ("status text, attempts int CHECK (attempts >= 0)", {"failed": True}),
    "enum": ("status qs.state", {"failed": True, "dead": False}),
    "enum_check_cast": ("status qs.state CHECK (status::text IN ('queued', 'done'))", {"failed": False, "done": True}),
    "enum_check": ("status qs.state CHECK (status IN ('queued', 'failed'))", {"failed": True, "done": False}),
    "enum_quoted": ('status qs."JobState"', {"failed": False, "done": True}),
    "domain": ("status qs.d_status", {"failed": True, "dead": False}),
    "domain_over_domain": ("status qs.d_outer", {"failed": False, "done": True, "": False}),
    "domain_over_enum": ("status qs.d_enum", {"failed": False, "done": True, "dead": False}),
    "domain_quoted_enum": ('status qs."DEnum"', {"failed": False, "done": True}),
    # Not readable: broken for the criteria needing them, never guessed.
    "regex": ("status text CHECK (status ~ '^(done|failed)$')", {"failed": None}),
    "function": ("status text CHECK (lower(status) IN ('done', 'failed'))", {"failed": None}),
    "mixed_columns": ("status text, last_error text, CHECK (status <> 'failed' OR last_error IS NOT NULL)",
                      {"failed": None}),
    "domain_regex": ("status qs.d_regex", {"failed": None}),
    "collate": ("status text CHECK (status = 'failed' COLLATE \"C\")", {"failed": None}),
    # What can be read decides it, whatever the unreadable one says.
    "enum_without_and_regex": ("status qs.state_short CHECK (status::text ~ '^d')", {"failed": False, "done": None}),
}

TYPES = [
    "CREATE TYPE qs.state AS ENUM ('queued', 'running', 'done', 'failed')",
    "CREATE TYPE qs.state_short AS ENUM ('queued', 'done')",
    "CREATE TYPE qs.\"JobState\" AS ENUM ('queued', 'done')",
    "CREATE DOMAIN qs.d_status AS text CHECK (VALUE IN ('queued', 'done', 'failed'))",
    "CREATE DOMAIN qs.d_inner AS text CHECK (VALUE <> '')",
    "CREATE DOMAIN qs.d_outer AS qs.d_inner CHECK (VALUE IN ('queued', 'done', '')) CHECK (VALUE <> 'x')",
    "CREATE DOMAIN qs.d_enum AS qs.state CHECK (VALUE <> 'failed')",
    "CREATE DOMAIN qs.\"DEnum\" AS qs.\"JobState\" CHECK (VALUE <> 'queued'::qs.\"JobState\")",
    "CREATE DOMAIN qs.d_regex AS text CHECK (VALUE ~ '^d')",
]


@pytest.fixture(scope="module")
def scratch():
    """A database holding one table per form, built as the cluster's superuser; read in the read-only session."""
    server = SandboxPostgres()
    server.start()
    with psycopg.connect(server._admin_url_for("postgres"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH}")
        conn.execute(f"CREATE DATABASE {SCRATCH}")
    with psycopg.connect(server._admin_url_for(SCRATCH), autocommit=True) as conn:
        conn.execute("CREATE SCHEMA qs")
        for statement in TYPES:
            conn.execute(statement)
        for table, (columns, _) in FORMS.items():
            conn.execute(f"CREATE TABLE qs.{table} (id int, {columns})")
        conn.execute("INSERT INTO qs.not_valid (status) VALUES ('failed')")
        conn.execute("ALTER TABLE qs.not_valid ADD CONSTRAINT not_failed CHECK (status <> 'failed') NOT VALID")
    yield server._admin_url_for(SCRATCH)
    with psycopg.connect(server._admin_url_for("postgres"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH}")
    server.stop()


def read(url: str, table: str) -> dict:
    [row] = run_query(url, status_values.STATUS_TYPE_SQL, {"schema": "qs", "table": table, "column": "status"},
                      label="the status column's type")
    return status_values.status_type(row)


# --- 1. what the column's type allows, from the catalogs ------------------------------------------


@pytest.mark.parametrize("table", sorted(FORMS))
def test_what_the_status_column_allows(scratch, table):
    status = read(scratch, table)
    for state, expected in FORMS[table][1].items():
        assert allows(status, state) is expected, (table, state, status)
    if None in FORMS[table][1].values():  # the evidence names the constraint that could not be read, as stored
        assert status["unreadable"] and all(("CHECK" in d or "collation" in d) for d in status["unreadable"]), status
        assert "UNREADABLE" in summary(status)
    else:
        assert status["unreadable"] == [], status


def test_constraints_on_other_columns_are_ignored_and_said(scratch):
    status = read(scratch, "other_column")
    assert [(i["definition"], i["why"]) for i in status["ignored"]] == [("CHECK ((attempts >= 0))",
                                                                        "does not mention status")]
    assert status["unconstrained"] and "with no constraint: any value" in summary(status)


def test_a_domain_over_a_domain_reads_every_level(scratch):
    status = read(scratch, "domain_over_domain")
    assert [t["type"] for t in status["types"]] == ["qs.d_outer", "qs.d_inner", "text"]
    assert [c["on"] for c in status["constraints"]] == ["domain qs.d_outer", "domain qs.d_outer", "domain qs.d_inner"]
    assert status["allowed"] == {"only": ["done", "queued"]}


def test_a_not_valid_constraint_is_read_and_flagged(scratch):
    status = read(scratch, "not_valid")
    [constraint] = status["constraints"]
    assert constraint["validated"] is False and "NOT VALID" in constraint["note"]


def test_a_constraint_mixing_columns_is_unreadable_with_its_definition(scratch):
    status = read(scratch, "mixed_columns")
    assert status["unreadable"] == ["CHECK (((status <> 'failed'::text) OR (last_error IS NOT NULL)))"]
    assert "mixes status with other columns (last_error)" in summary(status)


@pytest.mark.parametrize("definition, reason", [
    ("CHECK ((status = ANY (ARRAY['a'::text, NULL::text])))", "the keyword NULL"),
    ("CHECK ((status = ALL (ARRAY['a'::text])))", "only = ANY and <> ALL"),
    ("CHECK ((status = other))", "another column or name (other)"),
    ("CHECK (((status)::integer = 1))", "a cast to integer"),
    ("CHECK (((status)::character varying(3) = 'fai'::text))", "with a length"),
    ("CHECK ((status OPERATOR(public.=) 'a'::text))", "OPERATOR"),
    ("CHECK ((status = 'a'::citext))", "a cast to citext"),
])
def test_forms_phasegate_does_not_read_are_unreadable(definition, reason):
    with pytest.raises(Unreadable, match=None) as caught:
        parse_check(definition, "status")
    assert reason in str(caught.value), str(caught.value)


# --- 2. the profile -------------------------------------------------------------------------------


def profile_with(tmp_path, text: str, environ: dict | None = None):
    (tmp_path / "environments").mkdir(exist_ok=True)
    (tmp_path / "environments" / "qa.env").write_text("RENDER_SERVICE_NAME=upload-worker-staging\n" + text)
    return load_profile("qa", tmp_path, environ={"RENDER_API_KEY": "rnd_x", **(environ or {})})


def test_the_queue_states_default_as_before(tmp_path):
    profile = profile_with(tmp_path, "")
    states = profile.queue_states
    assert (states.done, states.failed, states.running) == ("done", "failed", ("running", "processing", "in_progress"))
    assert profile.deprecations == ()


def test_the_queue_states_come_from_the_profile(tmp_path):
    profile = profile_with(tmp_path, "QUEUE_DONE_STATUS=finished\nQUEUE_FAILED_STATUS=dead\n"
                                     "QUEUE_RUNNING_STATUSES=claimed, working\n")
    assert profile.queue_states.as_evidence() == {"done": "finished", "failed": "dead", "running": ["claimed", "working"]}
    assert (profile.canary_done_status, profile.canary_failed_status) == ("finished", "dead")  # the old names
    assert profile.deprecations == ()


def test_the_canary_keys_still_name_the_states_with_one_deprecation_line(tmp_path):
    profile = profile_with(tmp_path, "CANARY_FAILED_STATUS=dead\nCANARY_DONE_STATUS=finished\n")
    assert (profile.queue_states.done, profile.queue_states.failed) == ("finished", "dead")
    [line] = profile.deprecations
    assert "CANARY_DONE_STATUS, CANARY_FAILED_STATUS are deprecated" in line
    assert "environments/qa.env:3; environments/qa.env:2" in line and "QUEUE_DONE_STATUS, QUEUE_FAILED_STATUS" in line


def test_old_and_new_keys_set_alike_are_accepted_and_different_stop_the_run(tmp_path):
    profile = profile_with(tmp_path, "CANARY_FAILED_STATUS=dead\nQUEUE_FAILED_STATUS=dead\n")
    assert profile.queue_states.failed == "dead" and len(profile.deprecations) == 1
    with pytest.raises(ConfigError) as caught:
        profile_with(tmp_path, "CANARY_FAILED_STATUS=dead\n", environ={"QUEUE_FAILED_STATUS": "failed"})
    message = str(caught.value)
    assert message == ("environments/qa.env:2: CANARY_FAILED_STATUS (deprecated) and QUEUE_FAILED_STATUS "
                       "(the process environment) name different states; keep QUEUE_FAILED_STATUS only")


@pytest.mark.parametrize("text, says", [
    ("QUEUE_RUNNING_STATUSES=running,,claimed\n", "QUEUE_RUNNING_STATUSES must list job status names"),
    ("QUEUE_RUNNING_STATUSES=running,running\n", "each once"),
    ("QUEUE_FAILED_STATUS=done\n", "must be different states"),
    ("QUEUE_RUNNING_STATUSES=running,failed\n", "must be different states"),
    ("QUEUE_DONE_STATUS='done; DROP TABLE x'\n", "QUEUE_DONE_STATUS must be a job status name"),
])
def test_malformed_queue_states_stop_the_run_in_one_line(tmp_path, text, says):
    with pytest.raises(ConfigError) as caught:
        profile_with(tmp_path, text)
    assert says in str(caught.value) and "\n" not in str(caught.value) and "DROP" not in str(caught.value)


def test_a_sandbox_world_carries_its_deployments_states(tmp_path):
    assert CATALOGUE["compliant-queue-dead"].settings == {"QUEUE_FAILED_STATUS": "dead"}
    from acceptance import ROOT

    profile = load_profile("sandbox", ROOT, environ={"PHASEGATE_SANDBOX_WORLD": "compliant-queue-dead"})
    assert profile.queue_states.failed == "dead"
    assert profile.where("QUEUE_FAILED_STATUS") == "the sandbox world compliant-queue-dead"
    environ = {"PHASEGATE_SANDBOX_WORLD": "compliant-queue-dead", "QUEUE_FAILED_STATUS": "failed"}
    assert load_profile("sandbox", ROOT, environ=environ).queue_states.failed == "failed"  # the profile wins


# --- 3. P5-07 and P5-21 agree on every queue; P4-63 judges the profile's running states -----------

PHASE5 = ("-m", "staging", "--env", "sandbox", "--phase", "phase5", "--active")
FAST = {"CANARY_TIMEOUT_SECONDS": "4"}
# world -> (P5-07, P5-21)
QUEUE_WORLDS = {
    "compliant-queue-enum": ("passed", "passed"),
    "P5-07-queue-enum-without-failed": ("failed", "failed"),
    "compliant-queue-dead": ("passed", "passed"),
    "compliant-queue-domain": ("passed", "passed"),
    "compliant-queue-unconstrained": ("passed", "passed"),
    # P5-07 cannot read the check, so it judges nothing (broken, with the definition); P5-21 sees what happens.
    "queue-check-unreadable": ("broken", "passed"),
}


@pytest.mark.parametrize("name", sorted(QUEUE_WORLDS))
def test_p5_07_and_p5_21_agree_on_every_queue(tmp_path, name):
    run = run_suite(tmp_path, *PHASE5, world=name, env=FAST)
    p5_07, p5_21 = QUEUE_WORLDS[name]
    assert (run.outcomes["P5-07"], run.outcomes["P5-21"]) == (p5_07, p5_21), run.stdout
    others = {cid: state for cid, state in run.outcomes.items() if cid not in ("P5-07", "P5-21")}
    assert set(others.values()) == {"passed"}, run.outcomes  # P5-20 included: the done state is allowed everywhere
    if p5_07 == "failed":
        message = run.messages("P5-07")[0]
        assert "no job is 'failed' and the status column does not allow it: only 'done', 'queued', 'running' " \
               "(enum job_status" in message, message
        assert "expected: status 'failed' after exactly 3 attempts" in run.messages("P5-21")[0]
    if p5_07 == "broken":
        message = run.messages("P5-07")[0]
        assert "CHECK ((status ~ '^(queued|running|done|failed)$'::text))" in message and "\n" not in message.strip()
    assert "CANARY" not in run.artifacts_text()


def test_the_dead_queue_judged_with_the_default_failed_state_fails_both(tmp_path):
    run = run_suite(tmp_path, *PHASE5, world="compliant-queue-dead", env={**FAST, "QUEUE_FAILED_STATUS": "failed"})
    assert (run.outcomes["P5-07"], run.outcomes["P5-21"]) == ("failed", "failed"), run.stdout
    assert "only 'dead', 'done', 'queued', 'running'" in run.messages("P5-07")[0]


def test_the_deprecated_key_judges_the_dead_queue_and_says_so_once(tmp_path):
    run = run_suite(tmp_path, *PHASE5, world="compliant-queue-dead", env={**FAST, "CANARY_FAILED_STATUS": "dead"})
    assert (run.outcomes["P5-07"], run.outcomes["P5-21"]) == ("passed", "passed"), run.stdout
    lines = [line for line in run.stdout.splitlines() if "is deprecated" in line]
    assert lines == ["phasegate: CANARY_FAILED_STATUS is deprecated (the process environment): it names the queue's "
                     "states for every criterion; rename it QUEUE_FAILED_STATUS"], run.stdout


DB_ONLY = ("-m", "staging and database", "--env", "sandbox")


def test_stuck_jobs_are_judged_in_the_profiles_running_states(tmp_path):
    run = run_suite(tmp_path / "claimed", *DB_ONLY, world="P4-63-claimed")
    assert run.outcomes["P4-63"] == "failed", run.stdout
    message = run.messages("P4-63")[0]
    assert "jobs stuck in a running state (running, claimed)" in message and " claimed for " in message, message
    run = run_suite(tmp_path / "default", *DB_ONLY, world="P4-63-claimed",
                    env={"QUEUE_RUNNING_STATUSES": "running,processing,in_progress"})
    assert run.outcomes["P4-63"] == "passed", run.stdout  # 'claimed' is not one of these running states


@pytest.mark.parametrize("name", ["P5-07-queue-enum-without-failed", "queue-check-unreadable", "compliant-queue-domain"])
def test_p5_07_is_judged_the_same_through_the_pooler(tmp_path, name):
    run = run_suite(tmp_path, "-m", "staging", "--env", "sandbox", "--phase", "phase5", "-k", "P5_07 or failures",
                    world=name, env={"PHASEGATE_SANDBOX_POOLER": "1"})
    assert run.outcomes == {"P5-07": QUEUE_WORLDS[name][0]}, run.stdout
