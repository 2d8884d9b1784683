"""The real cause of a failed connection, in one line (:func:`connect_error`).

Classifies PostgreSQL's own texts and those of PgBouncer and Supavisor into
:class:`~phasegate.database.errors.DatabaseAuthFailed` or ``DatabaseUnreachable``. Used by
:func:`phasegate.database.session.open_session` and by the canary writer (:mod:`phasegate.canary`).
"""

from __future__ import annotations

import re

import psycopg

from phasegate.database.errors import DatabaseAuthFailed, DatabaseError, DatabaseUnreachable, first_line
from phasegate.database.target import ConnectionTarget, looks_pooled


def connect_error(exc: Exception, target: ConnectionTarget, connect_timeout: int) -> DatabaseError:
    """The real cause in one line: PostgreSQL's own texts, and those of PgBouncer and Supavisor."""
    low = str(exc).lower()
    where = target.describe()
    user, dbname = target.user or "?", target.dbname or "?"
    # libpq prefixes "connection to server at ... failed:"; keep the reason after the last "failed:".
    reason = first_line(exc)
    if "failed:" in reason:
        reason = reason.rsplit("failed:", 1)[1].strip() or reason
    reason = reason.removeprefix("FATAL:").strip()
    # Supavisor: "Tenant or user not found", "(ENOTFOUND) tenant/user u.ref not found", "(ETENANTNOTFOUND) ..."
    if "tenant or user not found" in low or re.search(r"tenant/user \S* not found", low) or "etenantnotfound" in low:
        hint = ("" if "." in user else
                f"; through Supabase's pooler the user is '<role>.<project-ref>', not {user!r}")
        return DatabaseAuthFailed(f"the Supabase pooler at {where} knows no project and user {user!r} "
                                  f"(Tenant or user not found){hint}")
    if "password authentication failed" in low or "authentication failed" in low:  # PgBouncer: "SASL authentication failed"
        return DatabaseAuthFailed(f"password authentication failed for user {user!r} at {where} (a wrong "
                                  "password or an unknown role: with SCRAM neither the server nor a pooler says which)")
    if "no password supplied" in low or "password is required" in low:
        return DatabaseAuthFailed(f"the server requires a password for user {user!r} at {where}")
    if re.search(r'role ".*" does not exist', low) or re.search(r"\bno such user\b", low):  # PgBouncer: "no such user"
        return DatabaseAuthFailed(f"role {user!r} does not exist at {where}")
    if "no pg_hba.conf entry" in low:
        return DatabaseAuthFailed(f"the server's pg_hba.conf admits no connection for user {user!r} at {where}: {reason}")
    if re.search(r'database ".*" does not exist', low) or "no such database" in low:  # PgBouncer: "no such database: x"
        return DatabaseUnreachable(f"database {dbname!r} does not exist at {where}")
    # PgBouncer's client_tls_sslmode=require, Supavisor's "(ESSLREQUIRED) SSL connection is required for user: u"
    if "ssl required" in low or "ssl connection is required" in low or "esslrequired" in low:
        return DatabaseUnreachable(f"the pooler at {where} requires TLS and the URL does not use it: "
                                   f"set sslmode=require in the URL")
    if "server_login_retry" in low or "server login has been failing" in low:
        return DatabaseUnreachable(
            f"the pooler at {where} cannot log in to the database server behind it for database {dbname!r} as "
            f"{user!r} (PgBouncer server_login_retry): the database or role does not exist there, or the "
            f"server refuses the pooler's login")
    if "unsupported startup parameter" in low:
        return DatabaseUnreachable(f"the pooler at {where} refuses a startup parameter the URL sets ({reason}): "
                                   f"remove it from the URL")
    if "edbhandlerexited" in low or "pgbouncer cannot connect to server" in low:
        return DatabaseUnreachable(f"the pooler at {where} cannot open a connection to the database behind it: {reason}")
    if "max_client_conn" in low or "max client connections reached" in low or "emaxclientconn" in low:
        return DatabaseUnreachable(f"the pooler at {where} is full and takes no more clients: {reason}")
    if "timeout expired" in low:
        behind = (" -- through a pooler, also how a database or role missing behind it shows (the pooler "
                  "holds the login while its own login to the server fails)" if looks_pooled(target) else "")
        return DatabaseUnreachable(f"no answer from {where} within the {connect_timeout} s connect timeout{behind}")
    if any(s in low for s in ("connection refused", "no such file or directory", "could not translate host name",
                              "name or service not known", "network is unreachable", "no route to host",
                              "could not connect", "server closed the connection", "host is down")):
        return DatabaseUnreachable(f"cannot reach {where}: {reason}")
    if isinstance(exc, psycopg.OperationalError):
        return DatabaseUnreachable(f"cannot connect to {where}: {reason}")
    return DatabaseError(f"cannot connect to {where}: {reason}")
