"""Steps for the database criteria, read in the worker's own read-only session."""

import pytest
from pytest_bdd import given, parsers, then

from phasegate.record import evidence
from phasegate.judges import database as judge_db
from phasegate.judges import advisor as judge_advisor
from phasegate.judges import keys as judge_keys
from phasegate.catalogue.criteria import reads

from steps.subject import role_service


@given("the worker's database, reached with the worker's own credentials", target_fixture="database")
@reads("service", "env", "database", role="worker")
def worker_database(snapshot, profile, services_named):
    """The worker's database in a read-only session, opened with the worker's own DATABASE_URL on Render.

    Example: Given the worker's database, reached with the worker's own credentials
    """
    services_named.name("worker", role_service(snapshot, profile, "worker"))
    evidence.attach_json("Database connection", snapshot.redacted().get("database"))
    evidence.link_service(snapshot.staging.dashboard_url, snapshot.sandbox)
    return snapshot.require_database()


@given("the API's database, reached with the API's own credentials", target_fixture="api_database")
@reads("api:service", "api:env", "api_database")
def api_database_session(snapshot):
    """The database in a second read-only session, opened with the API's own DATABASE_URL on Render.

    Example: Given the API's database, reached with the API's own credentials
    """
    evidence.attach_json("API's database connection", snapshot.redacted().get("api_database"))
    return snapshot.require_api_database()


def db_link(service) -> str | None:
    """Where a database criterion is fixed: the database's console (Supabase's SQL editor), else the dashboard."""
    return judge_advisor.console_link(service.database_project, service.dashboard_url)


def show(database, fact: str, scenario_criteria) -> None:
    """Attach the SQL and rows of the fact a step judges, under its criterion's ID and the fact's name (one
    criterion's steps read several facts: each file says which)."""
    cid, what = " ".join(scenario_criteria), fact.replace("_", " ")
    evidence.attach_json(f"{cid} SQL and rows: {what}", database.evidence_for(fact))
    if database.contradictions_for(fact):
        evidence.attach_json(f"{cid} CONTRADICTING evidence: {what}", database.contradictions_for(fact))


@then("the connection is encrypted unless the database is local")
@reads()
def connection_secure(snapshot, database, scenario_criteria):
    """The worker's session is encrypted (TLS), unless the database is on this machine.

    Example: Then the connection is encrypted unless the database is local
    """
    show(database, "connection", scenario_criteria)
    judge_db.connection_secure(snapshot.worker_database, database, db_link(snapshot.staging))


@then("the environment's schema exists")
@reads()
def schema_exists(snapshot, database, profile, scenario_criteria):
    """The environment's schema (DB_SCHEMA) exists.

    Example: Then the environment's schema exists
    """
    show(database, "schemas", scenario_criteria)
    judge_db.schema_exists(database, profile.db_schema, db_link(snapshot.staging))


@then("the worker's role is staging-specific: not production's, not a superuser, not postgres")
@reads()
def staging_credentials(snapshot, database, profile, scenario_criteria):
    """The worker's role is not production's (PRODUCTION_DB_ROLE), not a superuser, not postgres.

    Example: Then the worker's role is staging-specific: not production's, not a superuser, not postgres
    """
    show(database, "role", scenario_criteria)
    judge_db.staging_credentials(database, profile.production_db_role, db_link(snapshot.staging))


@then("the worker's role has no privilege on the production schema or any of its tables")
@reads()
def production_unreachable(snapshot, database, profile, scenario_criteria):
    """The worker's role has no door into the production schema (PRODUCTION_DB_SCHEMA): no privilege on it, its
    tables, columns or sequences, through PUBLIC, membership, views, definer functions or foreign tables.

    Example: Then the worker's role has no privilege on the production schema or any of its tables
    """
    show(database, "production_isolation", scenario_criteria)
    judge_db.production_unreachable(database, profile.production_db_schema, db_link(snapshot.staging))


@then("no Supabase key the worker holds opens a door into the production schema")
@reads("secret_files")
def keys_cannot_reach(snapshot, database, profile, scenario_criteria):
    """No Supabase key in the worker's environment or secret files acts as a role with a door into the production
    schema (each judged like the worker's own role, in the same session).

    Example: Then no Supabase key the worker holds opens a door into the production schema
    """
    judge_service_keys(snapshot.staging, database, profile, scenario_criteria, "the worker")


def judge_service_keys(service, database, profile, scenario_criteria, whose: str) -> None:
    """Attach the keys the service holds (by variable, never a value) and what the roles they act as reach, then
    judge them: the keys are read off the snapshot once, for the evidence and the judgement alike."""
    keys, project = service.supabase_keys(), service.database_project
    cid = " ".join(scenario_criteria)
    evidence.attach_json(f"{cid} Supabase keys and what their roles reach",
                         judge_keys.key_evidence(keys, project, database))
    show(database, "key_doors", scenario_criteria)
    judge_keys.keys_cannot_reach(keys, project, database, profile.production_db_schema, db_link(service), whose)


@then("unqualified names resolve to the environment's schema and never to production's")
@reads()
def search_path(snapshot, database, profile, scenario_criteria):
    """The worker's effective search_path resolves to the environment's schema and never to production's.

    Example: Then unqualified names resolve to the environment's schema and never to production's
    """
    show(database, "search_path", scenario_criteria)
    judge_db.search_path_staging(database, profile.db_schema, profile.production_db_schema,
                                 db_link(snapshot.staging))


@then("statement and idle-in-transaction timeouts are set for the worker")
@reads()
def timeouts(snapshot, database, scenario_criteria):
    """statement_timeout and idle_in_transaction_session_timeout are set for the worker's role.

    Example: Then statement and idle-in-transaction timeouts are set for the worker
    """
    show(database, "timeouts", scenario_criteria)
    judge_db.timeouts_set(database, db_link(snapshot.staging))


@then("the queue table exists with a status and retry bookkeeping")
@reads()
def queue(snapshot, database, profile, scenario_criteria):
    """The queue table (DB_QUEUE_TABLE) exists with a status column and retry bookkeeping (attempts, max attempts).

    Example: Then the queue table exists with a status and retry bookkeeping
    """
    show(database, "queue", scenario_criteria)
    judge_db.queue_ready(database, profile.db_queue_table, db_link(snapshot.staging))


@then("the worker holds at least one session and no more than its pool size")
@reads()
def sessions(snapshot, database, profile, scenario_criteria):
    """The worker holds at least one session and at most WORKER_POOL_MAX (skipped behind a transaction pooler).

    Example: Then the worker holds at least one session and no more than its pool size
    """
    show(database, "sessions", scenario_criteria)
    if reason := judge_db.sessions_not_judgeable(database):
        pytest.skip(reason)
    judge_db.sessions_within_pool(database, profile.worker_pool_max, db_link(snapshot.staging))


@then("no job has been running for longer than the stuck threshold")
@reads()
def stuck_jobs(snapshot, database, profile, scenario_criteria):
    """No job has been in a running state (QUEUE_RUNNING_STATUSES) for longer than STUCK_JOB_MINUTES.

    Example: Then no job has been running for longer than the stuck threshold
    """
    show(database, "stuck_jobs", scenario_criteria)
    judge_db.no_stuck_jobs(database, profile.stuck_job_minutes, db_link(snapshot.staging),
                           profile.queue_states.running)


@then("the worker's role may read and update the queue table")
@reads()
def can_claim(snapshot, database, profile, scenario_criteria):
    """The worker's role may SELECT and UPDATE the queue table (claim with FOR UPDATE SKIP LOCKED, finish).

    Example: Then the worker's role may read and update the queue table
    """
    show(database, "claim", scenario_criteria)
    judge_db.worker_can_claim(database, profile.db_queue_table, db_link(snapshot.staging))


@then("the queue records failures: a last_error, a failed state, and no job past its attempts elsewhere")
@reads()
def failures_recorded(snapshot, database, profile, scenario_criteria):
    """The queue records failures: a last_error column, the failed state (QUEUE_FAILED_STATUS) allowed, and no
    job past its attempts in another state.

    Example: Then the queue records failures: a last_error, a failed state, and no job past its attempts elsewhere
    """
    show(database, "failures", scenario_criteria)
    judge_db.failures_recorded(database, profile.db_queue_table, profile.queue_states, db_link(snapshot.staging))


@then("the API's role may insert jobs into the queue table and draw their ids")
@reads()
def api_can_enqueue(api, api_database, profile, scenario_criteria):
    """The API's role may INSERT into the queue table and draw the values of its ids.

    Example: Then the API's role may insert jobs into the queue table and draw their ids
    """
    show(api_database, "enqueue", scenario_criteria)
    ids = judge_db.api_can_enqueue(api_database, profile.db_queue_table, db_link(api))
    evidence.attach_text("How the queue's ids get their values", "\n".join(ids))


@then("the API's role has no privilege on the production schema or any of its tables")
@reads()
def api_production_unreachable(api, api_database, profile, scenario_criteria):
    """The API's role has no door into the production schema (as the worker's, judged in its own session).

    Example: Then the API's role has no privilege on the production schema or any of its tables
    """
    show(api_database, "production_isolation", scenario_criteria)
    judge_db.production_unreachable(api_database, profile.production_db_schema, db_link(api), "the API's")


@then("no Supabase key the API holds opens a door into the production schema")
@reads("api:secret_files")
def api_keys_cannot_reach(api, api_database, profile, scenario_criteria):
    """No Supabase key the API holds acts as a role with a door into the production schema (judged in the API's
    session).

    Example: Then no Supabase key the API holds opens a door into the production schema
    """
    judge_service_keys(api, api_database, profile, scenario_criteria, "the API")


def advised(snapshot, database, scenario_criteria) -> str | None:
    """Show the advisor's evidence and skip when the database has no Data API; the link to Supabase's advisor."""
    show(database, "advisor", scenario_criteria)
    if reason := judge_advisor.not_applicable(database):
        pytest.skip(reason)
    return judge_advisor.advisor_link(snapshot.staging.database_project, snapshot.staging.dashboard_url)


@then("every table the Data API serves to anonymous and signed-in callers has row-level security")
@reads()
def rls_on_served_tables(snapshot, database, scenario_criteria):
    """Every table in a schema the Data API serves, readable by anon or authenticated, has row-level security
    enabled (Supabase's advisor: rls_disabled_in_public, sensitive columns).

    Example: Then every table the Data API serves to anonymous and signed-in callers has row-level security
    """
    judge_advisor.rls_on_served_tables(database, advised(snapshot, database, scenario_criteria))


@then("no view the Data API serves runs with its owner's rights")
@reads()
def no_definer_views(snapshot, database, scenario_criteria):
    """No view the Data API serves runs with its owner's rights (Supabase's advisor: security_definer_view).

    Example: Then no view the Data API serves runs with its owner's rights
    """
    judge_advisor.no_definer_views(database, advised(snapshot, database, scenario_criteria))


@then("every SECURITY DEFINER function the Data API's roles may run pins its search_path")
@reads()
def definers_pin_search_path(snapshot, database, scenario_criteria):
    """Every SECURITY DEFINER function anon or authenticated may run pins its search_path (Supabase's advisor:
    function_search_path_mutable).

    Example: Then every SECURITY DEFINER function the Data API's roles may run pins its search_path
    """
    judge_advisor.definers_pin_search_path(database, advised(snapshot, database, scenario_criteria))


@then(parsers.parse('the storage bucket named by "{variable}" is private'))
@reads()
def bucket_private(snapshot, database, variable, scenario_criteria):
    """The Supabase storage bucket the worker's variable names is not public (skipped without Supabase storage).

    Example: Then the storage bucket named by "SUPABASE_STORAGE_BUCKET" is private
    """
    show(database, "advisor", scenario_criteria)
    if reason := judge_advisor.bucket_not_applicable(database):
        pytest.skip(reason)
    setting = snapshot.staging.effective_env.get(variable)
    judge_advisor.bucket_private(database, variable, setting.value.reveal() if setting else None,
                                 judge_advisor.advisor_link(snapshot.staging.database_project,
                                                            db_link(snapshot.staging)))
