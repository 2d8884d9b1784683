"""The worker role's other sessions, as ``pg_stat_activity`` shows them (behind a transaction pooler: the pooler's)."""

from __future__ import annotations

from phasegate.database.session import _Reader


def worker_sessions(r: _Reader) -> int:
    """How many client sessions of the session's role, other than ours, the server has."""
    sess = r.one(
        "the worker's sessions",
        """
        SELECT count(*)::int AS sessions,
               coalesce(jsonb_agg(jsonb_build_object('state', state, 'application_name', application_name)
                        ORDER BY pid), '[]') AS detail
        FROM pg_stat_activity
        WHERE usename = current_user AND pid <> pg_backend_pid() AND backend_type = 'client backend'
        """,
        fact="sessions",
    )
    return int(sess.get("sessions") or 0)
