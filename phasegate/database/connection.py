"""The session's connection facts: who it is (checked against the expected role first), the server, TLS, the role.

Not :mod:`phasegate.identity` (the role a service's own DATABASE_URL names): this module reads what the
session *is* and, with an :class:`~phasegate.identity.ExpectedRole`, raises
:class:`~phasegate.database.errors.DatabaseWrongRole` before any other read.
"""

from __future__ import annotations

from phasegate.database.errors import DatabaseWrongRole
from phasegate.database.session import _Reader
from phasegate.identity import ExpectedRole


def read_connection(r: _Reader, connect_seconds: float,
                    expected: ExpectedRole | None = None) -> tuple[dict, bool | None, bool | None]:
    """Who the session is, the server and TLS: (identity, TLS in use, TLS of the server's own link).

    ``current_user`` and ``session_user`` are read first and, with ``expected``, checked before any
    other read: another role raises :class:`DatabaseWrongRole` (``ident["identity"]`` is the check).
    Read in a transaction of its own: a second one follows, so a transaction pooler that moves
    the session to another backend shows it.
    """
    session, target, conn = r.session, r.target, r.conn
    ident = r.one(
        "the session identity",
        "SELECT current_user, session_user, current_database() AS database, "
        "current_setting('server_version') AS server_version, pg_backend_pid() AS pid, "
        "current_setting('transaction_read_only') AS read_only",
    )
    ident["identity"] = check_role(expected, ident["current_user"], ident["session_user"])
    ssl_row = r.one("pg_stat_ssl", "SELECT ssl, version, cipher FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
    session.rollback()  # every read below runs in the next transaction, armed read-only the same way
    try:
        client_tls: bool | None = bool(conn.pgconn.ssl_in_use)
    except Exception:
        client_tls = None
    server_tls = ssl_row.get("ssl") if ssl_row else None
    tls_in_use = client_tls if client_tls is not None else server_tls
    r.note("connection", "connection", [{
        "target": target.describe(), "is_local": target.is_local, "connect_seconds": connect_seconds,
        "server_version": ident["server_version"], "database": ident["database"],
        "tls_in_use (client link, libpq)": client_tls, "pg_stat_ssl (own backend)": ssl_row or None,
        "read_only (read back before the first read of every transaction)": ident["read_only"],
        **({"role (read back before the first judged read)": ident["identity"]} if ident["identity"] else {}),
    }])
    return ident, tls_in_use, server_tls


def check_role(expected: ExpectedRole | None, current_user: str, session_user: str) -> dict:
    """The role check's evidence; raises :class:`DatabaseWrongRole` when the session is not ``expected``."""
    if expected is None:
        return {}
    identity = expected.identity(current_user, session_user)
    if (problem := expected.mismatch(current_user, session_user)) is not None:
        raise DatabaseWrongRole(f"{problem}: nothing was read as another role", identity)
    return identity


_ROLE_SQL = """
WITH RECURSIVE me AS (SELECT oid FROM pg_roles WHERE rolname = %(role)s::name),
m(roleid) AS (
    SELECT a.roleid FROM pg_auth_members a WHERE a.member = (SELECT oid FROM me)
    UNION
    SELECT a.roleid FROM pg_auth_members a JOIN m ON a.member = m.roleid
)
SELECT r.rolname, r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolbypassrls, r.rolreplication,
       r.rolinherit, r.rolcanlogin,
       coalesce((SELECT array_agg(p.rolname ORDER BY p.rolname) FROM pg_roles p
                 WHERE p.oid IN (SELECT roleid FROM m)), '{}') AS member_of
FROM pg_roles r WHERE r.rolname = %(role)s::name
"""


def read_role(r: _Reader, ident: dict, label: str) -> dict:
    """The session role's attributes and every role it is a member of, directly or not."""
    current_user, session_user = ident["current_user"], ident["session_user"]
    role = read_role_named(r, current_user, label, "role") or {"rolname": current_user, "member_of": []}
    r.note("role", "session identity", [{"current_user": current_user, "session_user": session_user}])
    return role


def read_role_named(r: _Reader, name: str, label: str, fact: str) -> dict | None:
    """A role's attributes and every role it is a member of, directly or not; None when it does not exist."""
    row = r.one(label, _ROLE_SQL, {"role": name}, fact=fact)
    if not row:
        return None
    role = dict(row)
    role["member_of"] = list(role.get("member_of") or [])
    return role


def read_schemas(r: _Reader) -> list[str]:
    """Every schema of the database, by name."""
    rows = r.rows("the schema list", "SELECT nspname AS schema FROM pg_namespace ORDER BY nspname", fact="schemas")
    return [row["schema"] for row in rows]
