"""Steps for the database criteria (P4-40…P4-47) and the queue criterion P4-63."""

import pytest
from pytest_bdd import given, then

from phasegate import evidence, judge_db
from phasegate.criteria import criterion_ids, reads


@given("the worker's database, reached with the worker's own credentials", target_fixture="database")
@reads("service", "env", "database")
def worker_database(snapshot, request):
    evidence.attach_json("Database connection", snapshot.redacted().get("database"))
    evidence.link_service(snapshot.staging.dashboard_url, snapshot.sandbox)
    facts = snapshot.require_database()
    for cid in criterion_ids(m.name for m in request.node.iter_markers()):
        evidence.attach_json(f"{cid} SQL and rows", facts.evidence_for(cid))
        if facts.contradictions_for(cid):
            evidence.attach_json(f"{cid} CONTRADICTING evidence", facts.contradictions_for(cid))
    return facts


@then("the connection is encrypted unless the database is local")
@reads()
def connection_secure(snapshot, database):
    judge_db.connection_secure(snapshot.worker_database, database, snapshot.staging.dashboard_url)


@then("the environment's schema exists")
@reads()
def schema_exists(snapshot, database, profile):
    judge_db.schema_exists(database, profile.db_schema, snapshot.staging.dashboard_url)


@then("the worker's role is staging-specific: not production's, not a superuser, not postgres")
@reads()
def staging_credentials(snapshot, database, profile):
    judge_db.staging_credentials(database, profile.production_db_role, snapshot.staging.dashboard_url)


@then("the worker's role has no privilege on the production schema or any of its tables")
@reads()
def production_unreachable(snapshot, database, profile):
    judge_db.production_unreachable(database, profile.production_db_schema, snapshot.staging.dashboard_url)


@then("unqualified names resolve to the environment's schema and never to production's")
@reads()
def search_path(snapshot, database, profile):
    judge_db.search_path_staging(database, profile.db_schema, profile.production_db_schema,
                                 snapshot.staging.dashboard_url)


@then("statement and idle-in-transaction timeouts are set for the worker")
@reads()
def timeouts(snapshot, database):
    judge_db.timeouts_set(database, snapshot.staging.dashboard_url)


@then("the queue table exists with a status and retry bookkeeping")
@reads()
def queue(snapshot, database, profile):
    judge_db.queue_ready(database, profile.db_queue_table, snapshot.staging.dashboard_url)


@then("the worker holds at least one session and no more than its pool size")
@reads()
def sessions(snapshot, database, profile):
    if reason := judge_db.sessions_not_judgeable(database):
        pytest.skip(reason)
    judge_db.sessions_within_pool(database, profile.worker_pool_max, snapshot.staging.dashboard_url)


@then("no job has been running for longer than the stuck threshold")
@reads()
def stuck_jobs(snapshot, database, profile):
    judge_db.no_stuck_jobs(database, profile.stuck_job_minutes, snapshot.staging.dashboard_url)
