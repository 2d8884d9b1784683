"""Read-only probes of the worker's database, returned as plain data.

:func:`probe` connects with the worker's own ``DATABASE_URL`` (so every privilege check is
the worker role's), reads everything criteria P4-40..P4-47 and P4-63 need in ONE session,
and closes it. The session is read-only (``default_transaction_read_only=on``) and bounded
by phasegate's own ``statement_timeout``; nothing is ever written.

Failures are :class:`DatabaseError` subclasses (``TargetError``: the scenario is *broken*,
not failed). Their message is one line, names user/host/database, never the password: the
password is registered with :mod:`phasegate.secrets` and every message is scrubbed.

Supabase's transaction pooler (port 6543) rejects startup ``options`` and shares server
connections between clients, so in that case the session is made read-only with
``SET TRANSACTION READ ONLY`` + ``SET LOCAL statement_timeout`` inside the one transaction
every probe read runs in (transaction-local, so nothing leaks to the pooler's other clients).
"""

from __future__ import annotations

import re
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import psycopg
import psycopg.conninfo
import psycopg.errors
from psycopg import sql
from psycopg.rows import dict_row

from phasegate import secrets
from phasegate.errors import TargetError

__all__ = [
    "DatabaseError",
    "DatabaseUnreachable",
    "DatabaseAuthFailed",
    "DatabaseTimeout",
    "ConnectionTarget",
    "DatabaseFacts",
    "open_session",
    "run_query",
    "probe",
    "RUNNING_STATUSES",
    "STUCK_TIMESTAMP_COLUMNS",
]

RUNNING_STATUSES = ("running", "processing", "in_progress")
STUCK_TIMESTAMP_COLUMNS = ("started_at", "locked_at", "updated_at")
TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
SEQUENCE_PRIVILEGES = ("USAGE", "SELECT", "UPDATE")
TIMEOUT_SETTINGS = ("statement_timeout", "idle_in_transaction_session_timeout")
_STUCK_ROWS_LIMIT = 1000


# --------------------------------------------------------------------------- errors


class DatabaseError(TargetError):
    """The worker's database could not be read. One line, scrubbed of every secret."""

    def __init__(self, message: str) -> None:
        super().__init__(_one_line(secrets.scrub(str(message))))


class DatabaseUnreachable(DatabaseError):
    """Nothing answered (refused, no socket, host down, connect timeout, no such database)."""


class DatabaseAuthFailed(DatabaseError):
    """The server answered but refused the credentials (password, unknown role, pg_hba)."""


class DatabaseTimeout(DatabaseError):
    """A read exceeded phasegate's own statement timeout."""


def _one_line(text: str) -> str:
    return " ".join(text.split())


# --------------------------------------------------------------------------- target

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "::1", "0:0:0:0:0:0:0:1"}


def _host_is_local(host: str | None) -> bool:
    if not host or host.startswith("/") or host.startswith("@"):
        return True  # Unix socket (libpq default, a directory, or an abstract socket)
    h = host.strip("[]").lower()
    return h in _LOOPBACK_NAMES or h.startswith("127.")


def _parse_conninfo(url: str) -> dict[str, str]:
    try:
        return psycopg.conninfo.conninfo_to_dict(url)  # type: ignore[return-value]
    except Exception as exc:  # psycopg.ProgrammingError; never echo the URL itself
        raise DatabaseError(f"the database URL cannot be parsed: {_first_line(exc)}") from None


@dataclass(frozen=True)
class ConnectionTarget:
    """Where a database URL points. Carries no password, so its repr is safe anywhere."""

    host: str | None
    port: int | None
    dbname: str | None
    user: str | None
    sslmode: str | None
    is_local: bool

    @classmethod
    def parse(cls, url: str) -> "ConnectionTarget":
        params = _parse_conninfo(url)
        password = params.get("password")
        if password:
            secrets.register(str(password))
        host = params.get("host") or params.get("hostaddr") or None
        hosts = [h for h in (host or "").split(",")] if host else []
        first_host = hosts[0] if hosts else None
        port_text = (params.get("port") or "").split(",")[0].strip()
        port = int(port_text) if port_text.isdigit() else None
        return cls(
            host=host,
            port=port,
            dbname=params.get("dbname") or None,
            user=params.get("user") or None,
            sslmode=params.get("sslmode") or None,
            is_local=all(_host_is_local(h) for h in hosts) if hosts else _host_is_local(first_host),
        )

    def describe(self) -> str:
        """``postgresql://user@host:port/db?sslmode=require`` -- never a password."""
        user = urllib.parse.quote(self.user, safe="") + "@" if self.user else ""
        query: list[str] = []
        if self.host and (self.host.startswith("/") or self.host.startswith("@")):
            netloc = ""
            query.append(f"host={self.host}")
            if self.port is not None:
                query.append(f"port={self.port}")
        else:
            host = self.host or ""
            if ":" in host and not host.startswith("["):
                host = f"[{host}]"
            netloc = host + (f":{self.port}" if self.port is not None else "")
        if self.sslmode:
            query.append(f"sslmode={self.sslmode}")
        db = urllib.parse.quote(self.dbname, safe="") if self.dbname else ""
        return f"postgresql://{user}{netloc}/{db}" + ("?" + "&".join(query) if query else "")

    def __str__(self) -> str:
        return self.describe()


# --------------------------------------------------------------------------- facts


@dataclass(frozen=True)
class DatabaseFacts:
    """Everything P4-40..P4-47 and P4-63 need, read in one session, once per run."""

    target: ConnectionTarget
    connected: bool
    connect_seconds: float
    server_version: str
    tls_in_use: bool | None
    current_user: str
    session_user: str
    role: dict
    schemas: list[str]
    staging_schema_exists: bool
    production_schema_exists: bool
    production_schema_usage: bool | None
    production_schema_create: bool | None
    production_table_privileges: list[dict]
    search_path_raw: str
    search_path_effective: list[str]
    settings: dict
    queue_table: dict | None
    worker_sessions: int
    stuck_jobs: list[dict]
    evidence: list[dict] = field(default_factory=list)
    # Extras (beyond the brief's list), all plain data:
    staging_schema: str = ""
    production_schema: str = ""
    search_path_configured: str = ""        # the worker's configured value (role/db setting or server default)
    search_path_source: str | None = None   # "role+database" | "role" | "database" | "all" | "server"
    search_path_current_schemas: list[str] = field(default_factory=list)  # current_schemas(false) in our session
    tls_server_side: bool | None = None     # pg_stat_ssl for our backend (a pooler's own link, behind a pooler)
    stuck_threshold_minutes: int = 15

    def __repr__(self) -> str:  # Allure records step arguments: the evidence is attached, not repeated here
        return f"<database {self.target.describe()} as {self.current_user}>"

    def evidence_for(self, criterion: str) -> list[dict]:
        return [e for e in self.evidence if e["criterion"] == criterion]


# --------------------------------------------------------------------------- session


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line
    return type(exc).__name__


def _connect_error(exc: Exception, target: ConnectionTarget, connect_timeout: int) -> DatabaseError:
    text = str(exc)
    low = text.lower()
    where = target.describe()
    # libpq prefixes "connection to server at ... failed:"; keep the reason after the last "failed:".
    reason = _first_line(exc)
    if "failed:" in reason:
        reason = reason.rsplit("failed:", 1)[1].strip() or reason
    if "password authentication failed" in low or "authentication failed" in low:
        return DatabaseAuthFailed(
            f"password authentication failed for user {target.user or '?'!r} at {where}"
        )
    if "no password supplied" in low or "password is required" in low:
        return DatabaseAuthFailed(f"the server requires a password for user {target.user or '?'!r} at {where}")
    if re.search(r'role ".*" does not exist', low):
        return DatabaseAuthFailed(f"role {target.user or '?'!r} does not exist at {where}")
    if "no pg_hba.conf entry" in low:
        return DatabaseAuthFailed(f"the server's pg_hba.conf admits no connection for user {target.user or '?'!r} at {where}: {reason}")
    if re.search(r'database ".*" does not exist', low):
        return DatabaseUnreachable(f"database {target.dbname or '?'!r} does not exist at {where}")
    if "timeout expired" in low:
        return DatabaseUnreachable(f"no answer from {where} within the {connect_timeout} s connect timeout")
    if any(s in low for s in ("connection refused", "no such file or directory", "could not translate host name",
                              "name or service not known", "network is unreachable", "no route to host",
                              "could not connect", "server closed the connection", "host is down")):
        return DatabaseUnreachable(f"cannot reach {where}: {reason}")
    if isinstance(exc, psycopg.OperationalError):
        return DatabaseUnreachable(f"cannot connect to {where}: {reason}")
    return DatabaseError(f"cannot connect to {where}: {reason}")


def _is_unsupported_startup_parameter(exc: Exception) -> bool:
    low = str(exc).lower()
    return "unsupported startup parameter" in low or ("startup" in low and "options" in low and "unsupported" in low)


def open_session(
    url: str,
    *,
    connect_timeout: int = 10,
    statement_timeout_ms: int = 15000,
    application_name: str = "phasegate",
) -> psycopg.Connection:
    """Open phasegate's read-only, time-bounded session on ``url``.

    Normally via startup ``options`` (``default_transaction_read_only=on``,
    ``statement_timeout``). If the server (a transaction pooler) rejects startup options,
    retries once without them and makes the *current transaction* read-only with a local
    statement timeout instead -- the caller must then keep every read inside that one
    transaction (``probe`` does; it never commits). ``conn.info`` is untouched;
    ``conn._phasegate_mode`` says which way it went ("options" or "transaction-local").
    """
    target = ConnectionTarget.parse(url)  # registers the password
    timeout_ms = int(statement_timeout_ms)
    base = dict(connect_timeout=int(connect_timeout), application_name=application_name,
                prepare_threshold=None, autocommit=False)
    # Keep any options the URL itself carries (the worker's session gets them too); ours come last.
    url_options = (_parse_conninfo(url).get("options") or "").strip()
    ours = f"-c default_transaction_read_only=on -c statement_timeout={timeout_ms}"
    try:
        conn = psycopg.connect(url, options=f"{url_options} {ours}".strip(), **base)
        conn._phasegate_mode = "options"  # type: ignore[attr-defined]
        return conn
    except psycopg.Error as exc:
        if not _is_unsupported_startup_parameter(exc):
            raise _connect_error(exc, target, connect_timeout) from None
    try:
        conn = psycopg.connect(url, options="", **base)
    except psycopg.Error as exc:
        raise _connect_error(exc, target, connect_timeout) from None
    try:
        conn.execute("SET TRANSACTION READ ONLY")
        conn.execute(sql.SQL("SET LOCAL statement_timeout = {}").format(sql.Literal(timeout_ms)))
    except psycopg.Error as exc:
        conn.close()
        raise DatabaseError(f"cannot make the session read-only at {target.describe()}: {_first_line(exc)}") from None
    conn._phasegate_mode = "transaction-local"  # type: ignore[attr-defined]
    return conn


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    return value


class _Reader:
    """Runs labelled reads in one session; maps errors; keeps the evidence."""

    def __init__(self, conn: psycopg.Connection, target: ConnectionTarget, statement_timeout_ms: int) -> None:
        self.conn = conn
        self.target = target
        self.statement_timeout_ms = statement_timeout_ms
        self.evidence: list[dict] = []

    def rows(self, label: str, query: Any, params: Any = None, *, criterion: str | None = None) -> list[dict]:
        try:
            with self.conn.cursor(row_factory=dict_row) as cur:
                cur.execute(query, params)
                rows = cur.fetchall() if cur.description else []
        except psycopg.errors.QueryCanceled:
            raise DatabaseTimeout(
                f"query exceeded phasegate's statement timeout of {self.statement_timeout_ms} ms "
                f"while reading {label} at {self.target.describe()}"
            ) from None
        except psycopg.OperationalError as exc:
            raise DatabaseUnreachable(
                f"connection to {self.target.describe()} lost while reading {label}: {_first_line(exc)}"
            ) from None
        except psycopg.Error as exc:
            raise DatabaseError(f"cannot read {label} at {self.target.describe()}: {_first_line(exc)}") from None
        rows = [_plain(dict(r)) for r in rows]
        if criterion:
            text = query.as_string(self.conn) if isinstance(query, sql.Composable) else str(query)
            self.evidence.append({"criterion": criterion, "what": label, "sql": _one_line(text),
                                  "params": _plain(list(params)) if isinstance(params, (list, tuple)) else _plain(params),
                                  "rows": rows})
        return rows

    def one(self, label: str, query: Any, params: Any = None, *, criterion: str | None = None) -> dict:
        rows = self.rows(label, query, params, criterion=criterion)
        return rows[0] if rows else {}

    def note(self, criterion: str, what: str, rows: list[dict]) -> None:
        self.evidence.append({"criterion": criterion, "what": what, "sql": None, "params": None, "rows": _plain(rows)})


def run_query(
    url: str,
    query: str,
    params: Any = None,
    *,
    label: str = "a query",
    connect_timeout: int = 10,
    statement_timeout_ms: int = 15000,
) -> list[dict]:
    """One read in phasegate's read-only session (the same settings ``probe`` uses)."""
    target = ConnectionTarget.parse(url)
    conn = open_session(url, connect_timeout=connect_timeout, statement_timeout_ms=statement_timeout_ms)
    try:
        return _Reader(conn, target, statement_timeout_ms).rows(label, query, params)
    finally:
        _close(conn)


def _close(conn: psycopg.Connection) -> None:
    try:
        if not conn.closed:
            conn.rollback()
    except Exception:
        pass
    try:
        conn.close()
    except Exception:
        pass


# --------------------------------------------------------------------------- parsing helpers


def split_search_path(value: str | None) -> list[str]:
    """``'"$user", public'`` -> ``['$user', 'public']`` (quotes removed, case kept)."""
    if not value:
        return []
    items: list[str] = []
    buf: list[str] = []
    quoted = False
    was_quoted = False
    i = 0
    while i < len(value):
        ch = value[i]
        if quoted:
            if ch == '"':
                if i + 1 < len(value) and value[i + 1] == '"':
                    buf.append('"')
                    i += 1
                else:
                    quoted = False
            else:
                buf.append(ch)
        elif ch == '"':
            quoted = True
            was_quoted = True
        elif ch == ",":
            items.append(("".join(buf)) if was_quoted else "".join(buf).strip().lower())
            buf, was_quoted = [], False
        elif not ch.isspace():
            buf.append(ch)
        i += 1
    last = "".join(buf) if was_quoted else "".join(buf).strip().lower()
    if last or was_quoted:
        items.append(last)
    return [x for x in items if x != ""]


_UNITS_MS = {"us": 0.001, "ms": 1, "s": 1000, "min": 60_000, "h": 3_600_000, "d": 86_400_000}


def timeout_milliseconds(value: str | None) -> int | None:
    """``'30s'`` -> 30000, ``'0'`` -> 0, ``'1min'`` -> 60000; None if absent/unparseable."""
    if value is None:
        return None
    m = re.fullmatch(r"\s*'?(-?\d+(?:\.\d+)?)\s*([a-zA-Z]*)'?\s*", str(value))
    if not m:
        return None
    unit = m.group(2).lower() or "ms"
    if unit not in _UNITS_MS:
        return None
    return int(float(m.group(1)) * _UNITS_MS[unit])


def _parse_setconfig(items: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or []:
        name, _, value = item.partition("=")
        out[name.strip().lower()] = value
    return out


_LEVELS = ("role+database", "role", "database", "all")  # PostgreSQL's precedence, highest first


# --------------------------------------------------------------------------- probe


def _split_table(queue_table: str, default_schema: str) -> tuple[str, str]:
    if "." in queue_table:
        schema, _, table = queue_table.partition(".")
        return schema.strip('"'), table.strip('"')
    return default_schema, queue_table


def probe(
    url: str,
    *,
    staging_schema: str,
    production_schema: str,
    queue_table: str = "upload_jobs",
    stuck_threshold_minutes: int = 15,
    connect_timeout: int = 10,
    statement_timeout_ms: int = 15000,
) -> DatabaseFacts:
    """Read the worker's database facts in one read-only session. Raises DatabaseError subclasses."""
    target = ConnectionTarget.parse(url)
    started = time.monotonic()
    conn = open_session(url, connect_timeout=connect_timeout, statement_timeout_ms=statement_timeout_ms)
    connect_seconds = round(time.monotonic() - started, 3)
    try:
        return _probe(conn, target, connect_seconds, staging_schema=staging_schema,
                      production_schema=production_schema, queue_table=queue_table,
                      stuck_threshold_minutes=stuck_threshold_minutes, statement_timeout_ms=statement_timeout_ms)
    finally:
        _close(conn)


def _probe(conn, target, connect_seconds, *, staging_schema, production_schema, queue_table,
           stuck_threshold_minutes, statement_timeout_ms) -> DatabaseFacts:
    r = _Reader(conn, target, statement_timeout_ms)

    # ---- P4-40: connection, server, TLS
    ident = r.one(
        "the session identity",
        "SELECT current_user, session_user, current_database() AS database, "
        "current_setting('server_version') AS server_version, pg_backend_pid() AS pid, "
        "current_setting('transaction_read_only') AS read_only",
    )
    ssl_row = r.one("pg_stat_ssl", "SELECT ssl, version, cipher FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
    try:
        client_tls: bool | None = bool(conn.pgconn.ssl_in_use)
    except Exception:
        client_tls = None
    server_tls = ssl_row.get("ssl") if ssl_row else None
    tls_in_use = client_tls if client_tls is not None else server_tls
    r.note("P4-40", "connection", [{
        "target": target.describe(), "is_local": target.is_local, "connect_seconds": connect_seconds,
        "server_version": ident["server_version"], "database": ident["database"],
        "tls_in_use (client link, libpq)": client_tls, "pg_stat_ssl (own backend)": ssl_row or None,
        "session_mode": getattr(conn, "_phasegate_mode", None), "read_only": ident["read_only"],
    }])
    current_user, session_user = ident["current_user"], ident["session_user"]

    # ---- P4-41: schemas
    schema_rows = r.rows("the schema list", "SELECT nspname AS schema FROM pg_namespace ORDER BY nspname",
                         criterion="P4-41")
    schemas = [row["schema"] for row in schema_rows]
    staging_exists = staging_schema in schemas
    production_exists = production_schema in schemas

    # ---- P4-42: role
    role_row = r.one(
        "the worker role",
        """
        WITH RECURSIVE me AS (SELECT oid FROM pg_roles WHERE rolname = current_user),
        m(roleid) AS (
            SELECT a.roleid FROM pg_auth_members a WHERE a.member = (SELECT oid FROM me)
            UNION
            SELECT a.roleid FROM pg_auth_members a JOIN m ON a.member = m.roleid
        )
        SELECT r.rolname, r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolbypassrls, r.rolreplication,
               r.rolinherit, r.rolcanlogin,
               coalesce((SELECT array_agg(p.rolname ORDER BY p.rolname) FROM pg_roles p
                         WHERE p.oid IN (SELECT roleid FROM m)), '{}') AS member_of
        FROM pg_roles r WHERE r.rolname = current_user
        """,
        criterion="P4-42",
    )
    role = dict(role_row) if role_row else {"rolname": current_user}
    role["member_of"] = list(role.get("member_of") or [])
    r.note("P4-42", "session identity", [{"current_user": current_user, "session_user": session_user}])

    # ---- P4-43: production isolation
    usage = create = None
    privileges: list[dict] = []
    if production_exists:
        sp = r.one(
            "production schema privileges",
            """
            SELECT has_schema_privilege(current_user, n.oid, 'USAGE') AS usage,
                   has_schema_privilege(current_user, n.oid, 'CREATE') AS "create",
                   pg_get_userbyid(n.nspowner) AS owner,
                   array(SELECT DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END
                         FROM aclexplode(coalesce(n.nspacl, acldefault('n'::"char", n.nspowner))) a
                         WHERE a.privilege_type IN ('USAGE', 'CREATE')
                           AND (a.grantee = 0 OR pg_has_role(current_user, a.grantee, 'USAGE'))) AS via
            FROM pg_namespace n WHERE n.nspname = %s
            """,
            (production_schema,),
            criterion="P4-43",
        )
        usage, create = bool(sp["usage"]), bool(sp["create"])
        privileges = r.rows(
            "production table privileges",
            """
            WITH objs AS (
                SELECT c.oid, c.relname, c.relkind, c.relowner, c.relacl,
                       CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view'
                                      WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table'
                                      WHEN 'S' THEN 'sequence' END AS kind
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
            ),
            checks AS (
                SELECT o.*, p.priv,
                       CASE WHEN o.relkind = 'S' THEN has_sequence_privilege(current_user, o.oid, p.priv)
                            ELSE has_table_privilege(current_user, o.oid, p.priv) END AS has
                FROM objs o
                JOIN (SELECT unnest(%(tprivs)s::text[]) AS priv, false AS seq
                      UNION ALL SELECT unnest(%(sprivs)s::text[]), true) p
                  ON p.seq = (o.relkind = 'S')
            )
            SELECT %(schema)s AS schema, relname AS "table", kind, priv AS privilege,
                   array(SELECT DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END
                         FROM aclexplode(coalesce(relacl, acldefault((CASE WHEN relkind = 'S' THEN 's' ELSE 'r' END)::"char",
                                                                     relowner))) a
                         WHERE a.privilege_type = priv
                           AND (a.grantee = 0 OR pg_has_role(current_user, a.grantee, 'USAGE'))) AS via
            FROM checks WHERE has
            ORDER BY relname, array_position(%(order)s::text[], priv)
            """,
            {"schema": production_schema, "tprivs": list(TABLE_PRIVILEGES), "sprivs": list(SEQUENCE_PRIVILEGES),
             "order": list(TABLE_PRIVILEGES) + ["USAGE"]},
            criterion="P4-43",
        )
        for p in privileges:
            p["via"] = list(p.get("via") or []) or (["superuser"] if role.get("rolsuper") else [])
    r.note("P4-43", "worker role memberships", [{"member_of": role["member_of"], "rolsuper": role.get("rolsuper")}])

    # ---- P4-44 / P4-45: configured settings (pg_db_role_setting)
    setting_rows = r.rows(
        "the role and database settings",
        """
        SELECT CASE WHEN s.setrole = 0 THEN NULL ELSE pg_get_userbyid(s.setrole) END AS role,
               CASE WHEN s.setdatabase = 0 THEN NULL ELSE d.datname END AS database,
               s.setconfig
        FROM pg_db_role_setting s LEFT JOIN pg_database d ON d.oid = s.setdatabase
        WHERE (s.setrole = 0 OR s.setrole = (SELECT oid FROM pg_roles WHERE rolname = session_user))
          AND (s.setdatabase = 0 OR s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database()))
        """,
    )
    levels: dict[str, dict[str, str]] = {}
    for row in setting_rows:
        level = ("role+database" if row["role"] and row["database"] else "role" if row["role"]
                 else "database" if row["database"] else "all")
        levels[level] = _parse_setconfig(row["setconfig"])
    interesting = ("search_path",) + TIMEOUT_SETTINGS
    settings_evidence = [
        {"level": lvl, **{k: v for k, v in levels.get(lvl, {}).items() if k in interesting}}
        for lvl in _LEVELS if lvl in levels
    ]
    settings_sql = ("SELECT setrole, setdatabase, setconfig FROM pg_db_role_setting WHERE setrole IN (0, <session_user>) "
                    "AND setdatabase IN (0, <current_database>) -- only search_path and the timeouts are kept")

    def configured(name: str) -> tuple[str | None, str | None, dict]:
        per_level = {lvl: levels.get(lvl, {}).get(name) for lvl in _LEVELS}
        for lvl in _LEVELS:
            if per_level[lvl] is not None:
                return per_level[lvl], lvl, per_level
        return None, None, per_level

    settings: dict[str, dict] = {}
    for name in TIMEOUT_SETTINGS:
        value, source, per_level = configured(name)
        ms = timeout_milliseconds(value)
        settings[name] = {
            "value": value, "milliseconds": ms, "source": source,
            "is_set": bool(ms) and ms > 0,   # "0" means disabled, i.e. unset
            "levels": per_level,
        }
    r.evidence.append({"criterion": "P4-45", "what": "configured timeouts", "sql": settings_sql, "params": None,
                       "rows": settings_evidence + [{"parsed": settings}]})

    # ---- P4-44: search_path
    sp_session = r.one(
        "the search_path",
        "SELECT current_setting('search_path') AS search_path_raw, current_schemas(false) AS current_schemas, "
        "(SELECT reset_val FROM pg_settings WHERE name = 'search_path') AS reset_val, "
        "(SELECT boot_val FROM pg_settings WHERE name = 'search_path') AS boot_val, "
        "(SELECT source FROM pg_settings WHERE name = 'search_path') AS source",
    )
    sp_value, sp_source, sp_levels = configured("search_path")
    if sp_value is None and sp_session.get("source") == "client":
        # The URL's own startup options set it: the worker's session gets the same.
        sp_value, sp_source = sp_session.get("search_path_raw"), "url options"
    elif sp_value is None:
        # No role/database setting: the server's own default (postgresql.conf or built-in).
        reset_source = sp_session.get("source")
        if reset_source in ("default", "configuration file", "override", "environment variable", "command line"):
            sp_value = sp_session.get("reset_val")
        else:
            sp_value = sp_session.get("boot_val")
        sp_source = "server"
    configured_path = split_search_path(sp_value)
    effective: list[str] = []
    for name in configured_path:
        if name == "$user":
            if current_user in schemas:
                effective.append(current_user)
        elif name in schemas and name not in effective:
            effective.append(name)
    current_schemas = list(sp_session.get("current_schemas") or [])
    r.evidence.append({"criterion": "P4-44", "what": "search_path", "sql": settings_sql, "params": None,
                       "rows": settings_evidence + [{
                           "configured": sp_value, "source": sp_source, "levels": sp_levels,
                           "effective (worker, $user expanded, missing schemas dropped)": effective,
                           "SHOW search_path (phasegate session)": sp_session.get("search_path_raw"),
                           "current_schemas(false) (phasegate session)": current_schemas}]})

    # ---- P4-46: queue table
    q_schema, q_table = _split_table(queue_table, staging_schema)
    cols = r.rows(
        "the queue table's columns",
        """
        SELECT a.attname AS column, format_type(a.atttypid, a.atttypmod) AS data_type
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = %s AND c.relname = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
          AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum
        """,
        (q_schema, q_table),
        criterion="P4-46",
    )
    exists_row = r.one(
        "the queue table",
        """
        SELECT c.oid IS NOT NULL AS exists,
               coalesce(has_schema_privilege(current_user, n.oid, 'USAGE')
                        AND has_table_privilege(current_user, c.oid, 'SELECT'), false) AS readable
        FROM pg_namespace n LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = %s
             AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
        WHERE n.nspname = %s
        """,
        (q_table, q_schema),
    )
    columns = {c["column"]: c["data_type"] for c in cols}
    q_exists = bool(exists_row.get("exists")) if exists_row else False
    queue: dict = {
        "schema": q_schema, "table": q_table, "exists": q_exists, "columns": columns,
        "has_status": "status" in columns, "has_attempts": "attempts" in columns,
        "has_max_attempts": "max_attempts" in columns,
        "readable": bool(exists_row.get("readable")) if exists_row else False,
    }

    # ---- P4-47: worker sessions
    sess = r.one(
        "the worker's sessions",
        """
        SELECT count(*)::int AS sessions,
               coalesce(jsonb_agg(jsonb_build_object('state', state, 'application_name', application_name)
                        ORDER BY pid), '[]') AS detail
        FROM pg_stat_activity
        WHERE usename = current_user AND pid <> pg_backend_pid() AND backend_type = 'client backend'
        """,
        criterion="P4-47",
    )
    worker_sessions = int(sess.get("sessions") or 0)

    # ---- P4-63: stuck jobs
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
        stuck = r.rows("stuck jobs", query, (list(RUNNING_STATUSES), int(stuck_threshold_minutes)),
                       criterion="P4-63")
        for row in stuck:
            row["timestamp_column"] = ts_col
    else:
        why = ("the queue table is missing" if not q_exists else "the worker role cannot SELECT the queue table"
               if not queue["readable"] else "the queue table has no status column" if not queue["has_status"]
               else f"the queue table has none of {', '.join(STUCK_TIMESTAMP_COLUMNS)}")
        r.note("P4-63", "stuck jobs not read", [{"reason": why}])
    queue["stuck_timestamp_column"] = ts_col

    return DatabaseFacts(
        target=target,
        connected=True,
        connect_seconds=connect_seconds,
        server_version=str(ident["server_version"]),
        tls_in_use=tls_in_use,
        current_user=current_user,
        session_user=session_user,
        role=role,
        schemas=schemas,
        staging_schema_exists=staging_exists,
        production_schema_exists=production_exists,
        production_schema_usage=usage,
        production_schema_create=create,
        production_table_privileges=privileges,
        search_path_raw=str(sp_session.get("search_path_raw") or ""),
        search_path_effective=effective,
        settings=settings,
        queue_table=queue,
        worker_sessions=worker_sessions,
        stuck_jobs=stuck,
        evidence=r.evidence,
        staging_schema=staging_schema,
        production_schema=production_schema,
        search_path_configured=sp_value or "",
        search_path_source=sp_source,
        search_path_current_schemas=current_schemas,
        tls_server_side=server_tls,
        stuck_threshold_minutes=int(stuck_threshold_minutes),
    )
