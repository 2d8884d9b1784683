"""The queue's facts: its table (columns, privileges to claim a job), its status type, job counts, stuck jobs.

The done, failed and running states are the profile's (:class:`~phasegate.queue_states.QueueStates`);
what the status column's type allows is read by :mod:`phasegate.database.status_values`'s catalog query.
"""

from __future__ import annotations

from psycopg import sql

from phasegate.database.status_values import STATUS_TYPE_SQL, status_type as type_from_row
from phasegate.database.check_text import allows, summary
from phasegate.database.session import _Reader
from phasegate.queue_states import QueueStates

STUCK_TIMESTAMP_COLUMNS = ("started_at", "locked_at", "updated_at")
_STUCK_ROWS_LIMIT = 1000


_COLUMNS_SQL = """
        SELECT a.attname AS column, format_type(a.atttypid, a.atttypmod) AS data_type
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = %s AND c.relname = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
          AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum
        """
_EXISTS_SQL = """
        SELECT c.oid IS NOT NULL AS exists,
               coalesce(has_schema_privilege(current_user, n.oid, 'USAGE')
                        AND has_table_privilege(current_user, c.oid, 'SELECT'), false) AS readable
        FROM pg_namespace n LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = %s
             AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
        WHERE n.nspname = %s
        """
# What claiming a job with FOR UPDATE SKIP LOCKED and finishing it takes: SELECT and UPDATE.
_CLAIM_PRIVILEGES_SQL = """
            SELECT has_table_privilege(current_user, c.oid, 'SELECT') AS "SELECT",
                   has_table_privilege(current_user, c.oid, 'UPDATE') AS "UPDATE"
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = %s AND c.relname = %s
            """


def queue_table(r: _Reader, q_schema: str, q_table: str, queue_states: QueueStates) -> dict:
    """The queue table: columns, existence, whether the worker reads it, what claiming takes, its status counts."""
    queue = _table_shape(r, q_schema, q_table)
    if queue["exists"]:
        queue["privileges"] = r.one("the worker's privileges on the queue table", _CLAIM_PRIVILEGES_SQL,
                                    (q_schema, q_table), fact="claim")
    if queue["exists"] and queue["has_status"]:
        queue["status_type"] = status_type(r, q_schema, q_table, queue_states)
    if queue["exists"] and queue["readable"] and queue["has_status"]:
        _job_counts(r, queue, queue_states)
    return queue


def _table_shape(r: _Reader, q_schema: str, q_table: str) -> dict:
    """Whether the queue table exists and the worker reads it, and its columns."""
    cols = r.rows("the queue table's columns", _COLUMNS_SQL, (q_schema, q_table), fact="queue")
    exists_row = r.one("the queue table", _EXISTS_SQL, (q_table, q_schema))
    columns = {c["column"]: c["data_type"] for c in cols}
    q_exists = bool(exists_row.get("exists")) if exists_row else False
    return {
        "schema": q_schema, "table": q_table, "exists": q_exists, "columns": columns,
        "has_status": "status" in columns, "has_attempts": "attempts" in columns,
        "has_max_attempts": "max_attempts" in columns,
        "readable": bool(exists_row.get("readable")) if exists_row else False,
        "has_last_error": "last_error" in columns,
    }


def _job_counts(r: _Reader, queue: dict, queue_states: QueueStates) -> None:
    """Jobs by status (``statuses``) and, with attempts columns, those past them outside the failed state."""
    tbl = sql.Identifier(queue["schema"], queue["table"])
    queue["statuses"] = {row["status"]: row["jobs"] for row in r.rows(
        "jobs by status",
        sql.SQL("SELECT status::text AS status, count(*)::int AS jobs FROM {} GROUP BY 1 ORDER BY 1").format(tbl),
        fact="failures",
    )}
    if queue["has_attempts"] and queue["has_max_attempts"]:
        queue["over_attempts"] = int(r.one(
            "jobs past their attempts outside the failed state",
            sql.SQL("SELECT count(*)::int AS jobs FROM {} WHERE attempts > max_attempts "
                    "AND status::text <> ALL(%s)").format(tbl),
            ([queue_states.failed],),
            fact="failures",
        ).get("jobs") or 0)


def stuck_jobs(r: _Reader, queue: dict, queue_states: QueueStates, stuck_threshold_minutes: int) -> list[dict]:
    """Jobs in a running state for longer than the threshold, by the first timestamp column the table has."""
    q_schema, q_table, columns, q_exists = queue["schema"], queue["table"], queue["columns"], queue["exists"]
    stuck: list[dict] = []
    ts_col = next((c for c in STUCK_TIMESTAMP_COLUMNS if c in columns), None)
    if q_exists and queue["readable"] and queue["has_status"] and ts_col:
        wanted = [c for c in ("id", "status", "attempts", "max_attempts") if c in columns]
        select_cols = sql.SQL(", ").join([sql.Identifier(c) for c in wanted] + [sql.Identifier(ts_col)])
        query = sql.SQL(
            "SELECT {cols}, round(extract(epoch FROM (now() - {ts}))::numeric, 1) AS age_seconds "
            "FROM {tbl} WHERE {status}::text = ANY(%s) AND {ts} < now() - make_interval(mins => %s) "
            "ORDER BY {ts} LIMIT {limit}"
        ).format(cols=select_cols, ts=sql.Identifier(ts_col), tbl=sql.Identifier(q_schema, q_table),
                 status=sql.Identifier("status"), limit=sql.Literal(_STUCK_ROWS_LIMIT))
        stuck = r.rows("stuck jobs", query, (list(queue_states.running), int(stuck_threshold_minutes)),
                       fact="stuck_jobs")
        for row in stuck:
            row["timestamp_column"] = ts_col
    else:
        why = ("the queue table is missing" if not q_exists else "the worker role cannot SELECT the queue table"
               if not queue["readable"] else "the queue table has no status column" if not queue["has_status"]
               else f"the queue table has none of {', '.join(STUCK_TIMESTAMP_COLUMNS)}")
        r.note("stuck_jobs", "stuck jobs not read", [{"reason": why}])
    queue["stuck_timestamp_column"] = ts_col
    queue["states"] = queue_states.as_evidence()
    return stuck


def status_type(r: _Reader, schema: str, table: str, states: QueueStates) -> dict | None:
    """What the status column's type allows (checks on it and its domains, enum labels), in one catalog read;
    noted with the profile's states and whether each is allowed, for every fact that rests on the states."""
    row = r.one("the status column's type and constraints", STATUS_TYPE_SQL,
                {"schema": schema, "table": table, "column": "status"}, fact="failures")
    found = type_from_row(row)
    if found is not None:
        found["states (profile)"] = {
            "done": {"state": states.done, "allowed": allows(found, states.done)},
            "failed": {"state": states.failed, "allowed": allows(found, states.failed)},
            "running": [{"state": s, "allowed": allows(found, s)} for s in states.running],
        }
        r.note("failures", "what the status column allows", [found])
        r.note("stuck_jobs", "the running states (profile) and what the status column allows",
               [{"running": found["states (profile)"]["running"], "allowed": summary(found)}])
    return found


