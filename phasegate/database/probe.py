"""The worker's database facts (:func:`probe`): one read-only session, one reader per concern, in this order.

The order is the evidence's: connection and role check first (another role raises
:class:`~phasegate.database.errors.DatabaseWrongRole` before any other read), then schemas, role,
production isolation, settings, search_path, the queue, sessions, pooling and contradictions, stuck jobs.
"""

from __future__ import annotations

from phasegate.database.advisor import advisor
from phasegate.database.connection import read_connection, read_role, read_schemas
from phasegate.database.facts import DatabaseFacts
from phasegate.database.isolation import production_isolation
from phasegate.database.keys import data_api_schemas, key_reach
from phasegate.database.pgtext import split_table
from phasegate.database.queue import queue_table as read_queue_table, stuck_jobs
from phasegate.database.session import ReadOnlySession, _in_session, _Reader
from phasegate.database.sessions import worker_sessions
from phasegate.database.settings import configured_settings, pooling_and_contradictions, search_path
from phasegate.identity import ExpectedRole
from phasegate.queue_states import QueueStates


def probe(
    url: str,
    *,
    staging_schema: str,
    production_schema: str,
    queue_table: str = "upload_jobs",
    stuck_threshold_minutes: int = 15,
    connect_timeout: int = 10,
    statement_timeout_ms: int = 15000,
    queue_states: QueueStates = QueueStates(),
    expected: ExpectedRole | None = None,
    key_roles: tuple[str, ...] = (),
) -> DatabaseFacts:
    """Read the worker's database facts in one read-only session. Raises DatabaseError subclasses.
    ``queue_states``: the queue's done, failed and running states, as the profile names them.

    With ``expected`` (the role the worker's own DATABASE_URL names), a session that is another
    role raises :class:`DatabaseWrongRole` before anything else is read."""
    return _in_session(url, _probe, connect_timeout, statement_timeout_ms, staging_schema=staging_schema,
                       production_schema=production_schema, queue_table=queue_table,
                       stuck_threshold_minutes=stuck_threshold_minutes, queue_states=queue_states,
                       expected=expected, key_roles=key_roles)


def _probe(session: ReadOnlySession, connect_seconds, *, staging_schema, production_schema, queue_table,
           stuck_threshold_minutes, queue_states: QueueStates, expected=None, key_roles=()) -> DatabaseFacts:
    r = _Reader(session)
    # Connection, server, TLS, read in a transaction of its own: a second one follows,
    # so a transaction pooler that moves the session to another backend shows it.
    ident, tls_in_use, server_tls = read_connection(r, connect_seconds, expected)
    schemas = read_schemas(r)
    role = read_role(r, ident, "the worker role")
    production_exists = production_schema in schemas
    usage, create, privileges, doors = production_isolation(r, production_schema, production_exists, role, "worker")
    reach = key_reach(r, key_roles, production_schema, production_exists, "worker")
    exposed = data_api_schemas(r)
    findings = advisor(r, exposed)
    settings, levels = configured_settings(r)
    sp = search_path(r, levels, ident["current_user"], schemas)
    queue = read_queue_table(r, *split_table(queue_table, staging_schema), queue_states)
    sessions = worker_sessions(r)
    pooling, contradictions = pooling_and_contradictions(r, session, settings, sp["configured"])
    stuck = stuck_jobs(r, queue, queue_states, stuck_threshold_minutes)
    return DatabaseFacts(
        target=session.target, connected=True, connect_seconds=connect_seconds,
        server_version=str(ident["server_version"]), tls_in_use=tls_in_use,
        current_user=ident["current_user"], session_user=ident["session_user"], role=role, schemas=schemas,
        staging_schema_exists=staging_schema in schemas, production_schema_exists=production_exists,
        production_schema_usage=usage, production_schema_create=create, production_table_privileges=privileges,
        search_path_raw=str(sp["session"].get("search_path_raw") or ""), search_path_effective=sp["effective"],
        settings=settings, queue_table=queue, worker_sessions=sessions, stuck_jobs=stuck, evidence=r.evidence,
        staging_schema=staging_schema, production_schema=production_schema,
        search_path_configured=sp["configured"], search_path_source=sp["source"],
        search_path_current_schemas=sp["current_schemas"], tls_server_side=server_tls,
        stuck_threshold_minutes=int(stuck_threshold_minutes), pooling=pooling, contradictions=contradictions,
        identity=ident["identity"], production_doors=doors, key_roles=reach, data_api_schemas=exposed,
        advisor=findings,
    )
