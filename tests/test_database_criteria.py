"""Proof that the database criteria (P4-40…P4-51, P4-63) can pass, and can fail -- both ways.

Each test runs the acceptance suite against a sandbox world whose real PostgreSQL was
seeded with one isolation mistake, and reads the verdicts back from its Allure results.
Every database world is run twice: directly, and through the sandbox's PgBouncer in
transaction mode (``PHASEGATE_SANDBOX_POOLER=1``, how a Render worker reaches Supabase); the
verdicts must be the same, except P4-47, which is skipped through a transaction pooler.
"""

from __future__ import annotations

import pytest

from acceptance import criteria_tagged, run_suite
from phasegate.sandbox.session import CATALOGUE

DB_CRITERIA = criteria_tagged("database", "phase4")
DB_ONLY = ("-m", "staging and database", "--env", "sandbox")
THROUGH_THE_POOLER = {"PHASEGATE_SANDBOX_POOLER": "1"}
_RUNS: dict[tuple[str, bool], object] = {}  # (world, pooled) -> SuiteRun: each world runs once each way


def database_run(tmp_path_factory, name: str, pooled: bool):
    if (name, pooled) not in _RUNS:
        folder = tmp_path_factory.mktemp(f"{name}-{'pooled' if pooled else 'direct'}")
        _RUNS[name, pooled] = run_suite(folder, *DB_ONLY, world=name, env=THROUGH_THE_POOLER if pooled else None)
    return _RUNS[name, pooled]


def database_worlds(violating: bool) -> list[str]:
    names = []
    for name, spec in CATALOGUE.items():
        touches_db = spec.database_variant != "compliant" or spec.url_style != "real"
        compliant = spec.violates is None and name.startswith("compliant")
        if touches_db and (spec.violates in DB_CRITERIA if violating else compliant):
            names.append(name)
    return sorted(names)


def test_there_is_a_violating_world_for_every_database_criterion():
    covered = {CATALOGUE[name].violates for name in database_worlds(violating=True)}
    assert covered == set(DB_CRITERIA)


@pytest.fixture(scope="module")
def compliant_run(tmp_path_factory):
    return run_suite(tmp_path_factory.mktemp("compliant-db"), "-m", "staging", "--env", "sandbox")


def test_compliant_world_passes_every_criterion(compliant_run):
    outcomes = compliant_run.outcomes
    assert set(DB_CRITERIA) <= set(outcomes)
    assert set(outcomes.values()) == {"passed"}, compliant_run.stdout
    assert compliant_run.returncode == 0


@pytest.mark.parametrize("name", database_worlds(violating=True))
def test_violating_world_fails_its_criterion(tmp_path_factory, name):
    spec = CATALOGUE[name]
    run = database_run(tmp_path_factory, name, pooled=False)
    outcomes = run.outcomes
    assert outcomes.get(spec.violates) == "failed", run.stdout
    for cid in DB_CRITERIA:
        if cid == spec.violates:
            continue
        if cid in spec.also_affects:  # documented in postgres.ALSO_AFFECTS: the mistake implies it
            assert outcomes[cid] in ("failed", "broken"), (cid, outcomes)
        else:
            assert outcomes[cid] == "passed", (cid, outcomes, run.stdout)
    assert "expected" in run.messages(spec.violates)[0]
    assert run.returncode == 1


# The Data API's criteria (Supabase's advisor and its Storage) do not apply to a database without its roles.
ADVISOR = ("P4-48", "P4-49", "P4-50", "P4-51")
NOT_APPLICABLE = {"compliant-no-supabase-roles": ADVISOR}


@pytest.mark.parametrize("name", database_worlds(violating=False))
def test_compliant_database_variants_pass(tmp_path_factory, name):
    run = database_run(tmp_path_factory, name, pooled=False)
    skipped = NOT_APPLICABLE.get(name, ())
    assert run.outcomes == {cid: "skipped" if cid in skipped else "passed" for cid in DB_CRITERIA}, run.stdout
    for cid in skipped:
        assert "not applicable: the database has no role anon or authenticated" in run.messages(cid)[0]


@pytest.mark.parametrize("name", database_worlds(violating=True) + database_worlds(violating=False)
                         + ["database-unreachable"])
def test_every_database_world_is_judged_the_same_through_the_pooler(tmp_path_factory, name):
    direct = database_run(tmp_path_factory, name, pooled=False)
    pooled = database_run(tmp_path_factory, name, pooled=True)
    expected = dict(direct.outcomes)
    if expected["P4-47"] != "broken":  # nothing is judged when the connection fails, either way
        expected["P4-47"] = "skipped"
    assert pooled.outcomes == expected, (name, direct.outcomes, pooled.stdout)
    if expected["P4-47"] == "skipped":
        reason = pooled.messages("P4-47")[0]
        assert "not judgeable through a transaction pooler" in reason and "PHASEGATE_DATABASE_URL" in reason
    for run in (direct, pooled):  # a described target never equals a secret value (P4-42-postgres: no password)
        assert "CANARY" not in run.artifacts_text() and '"target": "***"' not in run.artifacts_text()


# P4-43's one line for the door each door world opens: object (kind, owner): the privilege that opens it.
S = "upload_pipeline_staging"
DOOR_LINES = {
    "P4-43-column-grant": "door: upload_pipeline.documents (table, owner upload_worker_prod): SELECT (id, title) "
                          "via upload_worker_staging",
    "P4-43-sequence": "door: upload_pipeline.documents_id_seq (sequence, owner upload_worker_prod): USAGE via "
                      "upload_worker_staging",
    "P4-43-view": f"door: {S}.document_titles (view, owner upload_worker_prod): SELECT via upload_worker_staging: "
                  "runs with its owner's privileges and reads upload_pipeline.documents",
    "P4-43-materialized-view": f"door: {S}.document_titles (materialized view, owner upload_worker_prod): SELECT via "
                               "upload_worker_staging: holds rows read from upload_pipeline.documents",
    "P4-43-view-of-a-view": f"door: {S}.recent_titles (view, owner upload_worker_prod): SELECT via "
                            "upload_worker_staging: runs with its owner's privileges and reads "
                            f"upload_pipeline.documents (through {S}.document_titles)",
    "P4-43-rule": f"door: {S}.document_lookups (rule lookup ON INSERT, owner upload_worker_prod): INSERT via "
                  "upload_worker_staging: runs with its owner's privileges and reads upload_pipeline.documents",
    "P4-43-definer-plpgsql": f"door: {S}.document_titles() (SECURITY DEFINER function (plpgsql), owner "
                             "upload_worker_prod): EXECUTE via PUBLIC: runs as its owner, who can reach "
                             "upload_pipeline, and its stored source names upload_pipeline",
    "P4-43-definer-sql": f"door: {S}.document_titles() (SECURITY DEFINER function (sql), owner upload_worker_prod): "
                         "EXECUTE via PUBLIC: runs as its owner, who can reach upload_pipeline, and its stored "
                         "source names upload_pipeline",
    "P4-43-definer-atomic": f"door: {S}.document_titles() (SECURITY DEFINER function (sql, BEGIN ATOMIC), owner "
                            "upload_worker_prod): EXECUTE via PUBLIC: runs as its owner, who can reach "
                            "upload_pipeline, and depends on upload_pipeline.documents",
    "P4-43-definer-trigger": f"door: {S}.copy_document() (SECURITY DEFINER function (plpgsql), owner "
                             f"upload_worker_prod): fires as a trigger on {S}.document_events: runs as its owner",
    "P4-43-foreign-table": f"door: {S}.remote_documents (foreign table (server production_database, wrapper "
                           "phasegate_sandbox_fdw), owner ",
    "P4-43-user-mapping": "door: server production_database (foreign server (wrapper phasegate_sandbox_fdw) with a "
                          "user mapping for upload_worker_staging, owner ",
    "P4-43-set-role": "door: upload_worker_prod (role): SET ROLE: reaches upload_pipeline, and its privileges are not "
                      "inherited",
    "P4-43-replication": "door: upload_worker_staging (role attribute): REPLICATION: a replication connection streams "
                         "every schema's rows",
}


def test_every_door_has_a_world():
    assert set(DOOR_LINES) == {n for n in database_worlds(violating=True)
                               if n.startswith("P4-43-") and not n.startswith("P4-43-key-")} - {
        "P4-43-public-usage", "P4-43-membership", "P4-43-public-select", "P4-43-read-all-data"}


# P4-43's line for the door a Supabase key the worker holds opens: the same analysis as the worker's own role,
# for the role the key acts as (service_role unless the world says otherwise), naming the variable, never the value.
_KEY = "door via SUPABASE_SERVICE_ROLE_KEY (acts as service_role): "
_PROD = "owner upload_worker_prod"
KEY_DOOR_LINES = {
    "P4-43-key-schema-usage": f"{_KEY}upload_pipeline (schema, {_PROD}): USAGE via service_role",
    "P4-43-key-table": f"{_KEY}upload_pipeline.upload_jobs (table, {_PROD}): SELECT, INSERT via service_role",
    "P4-43-key-column": f"{_KEY}upload_pipeline.documents (table, {_PROD}): SELECT (id, title) via service_role",
    "P4-43-key-sequence": f"{_KEY}upload_pipeline.documents_id_seq (sequence, {_PROD}): USAGE via service_role",
    "P4-43-key-view": f"{_KEY}{S}.document_titles (view, {_PROD}): SELECT via service_role: runs with its owner's "
                      "privileges and reads upload_pipeline.documents",
    "P4-43-key-rule": f"{_KEY}{S}.document_lookups (rule lookup ON INSERT, {_PROD}): INSERT via service_role",
    "P4-43-key-definer": f"{_KEY}{S}.document_titles() (SECURITY DEFINER function (plpgsql), {_PROD}): EXECUTE via "
                         "service_role: runs as its owner",
    "P4-43-key-membership": f"{_KEY}upload_worker_prod (role): SET ROLE: reaches upload_pipeline",
    "P4-43-key-set-role": f"{_KEY}upload_worker_prod (role): SET ROLE: reaches upload_pipeline",
    "P4-43-key-foreign-table": f"{_KEY}{S}.remote_documents (foreign table (server production_database, wrapper "
                               "phasegate_sandbox_fdw)",
    "P4-43-key-read-all-data": f"{_KEY}pg_read_all_data (role): SET ROLE: reaches upload_pipeline",
    "P4-43-key-supabase-guide": f"{_KEY}upload_pipeline.upload_jobs (table, {_PROD}): SELECT, INSERT, UPDATE, DELETE",
    "P4-43-key-anon": f"door via SUPABASE_SERVICE_ROLE_KEY (acts as anon): upload_pipeline.documents (table, {_PROD}): "
                      "SELECT via anon",
    "P4-43-key-secret": f"{_KEY}upload_pipeline.documents (table, {_PROD}): SELECT via service_role",
    "P4-43-key-by-name": f"{_KEY}upload_pipeline.documents (table, {_PROD}): SELECT via service_role",
    "P4-43-key-same-project": f"{_KEY}upload_pipeline.documents (table, {_PROD}): SELECT via service_role",
}


def test_every_key_door_has_a_world():
    assert set(KEY_DOOR_LINES) == {n for n in database_worlds(violating=True) if n.startswith("P4-43-key-")}


@pytest.mark.parametrize("pooled", [False, True], ids=["direct", "through-the-pooler"])
@pytest.mark.parametrize("name", sorted(KEY_DOOR_LINES))
def test_p4_43_names_the_door_a_key_opens_by_its_variable_and_role(tmp_path_factory, name, pooled):
    run = database_run(tmp_path_factory, name, pooled)  # the same runs as above: each world once each way
    message = run.messages("P4-43")[0]
    assert "the worker's Supabase keys reaching production schema upload_pipeline" in message, message
    assert KEY_DOOR_LINES[name] in message, message
    if name == "P4-43-key-by-name":
        assert "judged by its name as service_role" in message
    assert "CANARY" not in run.artifacts_text()  # no key's value, anywhere


@pytest.mark.parametrize("name", ["compliant", "compliant-key-other-project", "compliant-no-supabase-roles"])
def test_p4_43_evidence_lists_each_key_and_what_its_role_reaches(tmp_path_factory, name):
    run = database_run(tmp_path_factory, name, pooled=False)
    text = run.artifacts_text()
    assert '"variable": "SUPABASE_SERVICE_ROLE_KEY"' in text and '"acts as": "service_role"' in text
    expected = {"compliant": '"reaches in production": "nothing"',
                "compliant-key-other-project": "it belongs to project othersandboxprojectx",
                "compliant-no-supabase-roles": "the database has no such role"}[name]
    assert expected in text


@pytest.mark.parametrize("pooled", [False, True], ids=["direct", "through-the-pooler"])
@pytest.mark.parametrize("name", sorted(DOOR_LINES))
def test_p4_43_names_the_one_door_its_world_opens(tmp_path_factory, name, pooled):
    run = database_run(tmp_path_factory, name, pooled)  # the same runs as above: each world once each way
    message = run.messages("P4-43")[0]
    assert "actual:   1 door(s): " in message and DOOR_LINES[name] in message, message
    assert "CANARY" not in run.artifacts_text()  # a user mapping's password is never read


@pytest.mark.parametrize("name", ["compliant-supabase-definers", "compliant-staging-definers"])
def test_definer_functions_the_worker_may_run_are_listed_with_their_owner(tmp_path_factory, name):
    text = database_run(tmp_path_factory, name, pooled=False).artifacts_text()
    assert "every SECURITY DEFINER function the worker role may run, with its owner" in text
    functions = (["auth.uid()", "pgbouncer.get_auth(p_usename text)", "extensions.uuid_generate_v4()"]
                 if name == "compliant-supabase-definers" else [f"{S}.queued_jobs()", f"{S}.job_statuses()"])
    assert all(f'"function": "{function}"' in text for function in functions), text[-3000:]
    assert ("not proven: compiled code (internal)" in text) == (name == "compliant-supabase-definers")


def test_compliant_world_through_the_pooler_passes_all_but_p4_47(tmp_path):
    run = run_suite(tmp_path, "-m", "staging", "--env", "sandbox", env=THROUGH_THE_POOLER)
    outcomes = run.outcomes
    assert outcomes.pop("P4-47") == "skipped", run.stdout
    assert set(DB_CRITERIA) - {"P4-47"} <= set(outcomes) and set(outcomes.values()) == {"passed"}, run.stdout
    assert run.returncode == 0
    assert "CANARY" not in run.artifacts_text()


@pytest.mark.parametrize("pooled", [False, True], ids=["direct", "through-the-pooler"])
def test_unreachable_database_breaks_database_criteria_in_one_line(tmp_path, pooled):
    run = run_suite(tmp_path, "-m", "staging", "--env", "sandbox", world="database-unreachable",
                    env=THROUGH_THE_POOLER if pooled else None)
    outcomes = run.outcomes
    assert {outcomes[cid] for cid in DB_CRITERIA} == {"broken"}
    assert {state for cid, state in outcomes.items() if cid not in DB_CRITERIA} == {"passed"}
    message = run.messages("P4-43")[0]
    assert "database 'phase4_missing' does not exist" in message and "\n" not in message.strip()
    assert ":6543/" in message if pooled else ":6543/" not in message


def test_wrong_password_is_broken_and_the_password_is_not_shown(tmp_path):
    from phasegate.sandbox.postgres import SandboxPostgres

    with SandboxPostgres() as postgres:
        wrong = postgres.url_for("upload_worker_staging", "pw-CANARY-wrong-0123", "phase4")
    run = run_suite(tmp_path, *DB_ONLY, env={"PHASEGATE_DATABASE_URL": wrong})
    assert {run.outcomes[cid] for cid in DB_CRITERIA} == {"broken"}, run.stdout
    assert any("password" in m.lower() or "authentication" in m.lower() for m in run.messages("P4-42"))
    assert "CANARY" not in run.artifacts_text()


def test_database_password_appears_nowhere(compliant_run):
    # The seeded password and every secret of the world carry the word CANARY.
    assert "CANARY" not in compliant_run.artifacts_text()


def test_the_report_says_which_connection_string_was_used(tmp_path):
    run = run_suite(tmp_path, *DB_ONLY, world="P4-40")
    assert "the sandbox's own route to the worker's database" in run.artifacts_text()
