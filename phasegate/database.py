"""Read-only probes of the worker's database, returned as plain data.

:func:`probe` connects with the worker's own ``DATABASE_URL`` or the runner's route to it, reads
``current_user`` and ``session_user`` back first and, unless both are the role the worker's own URL
names (:class:`~phasegate.identity.ExpectedRole`), raises :class:`DatabaseWrongRole` before any
other read (so every privilege check is the worker role's); then it reads every database fact the
criteria need in ONE session, and closes it. Nothing is ever written.

Read-only does not rest on startup parameters: Supabase's pooler (Supavisor) accepts the
startup ``options`` and drops them, and a transaction pooler hands each transaction to
whichever server connection is free. So :class:`ReadOnlySession` is the only way SQL is run:
every transaction it opens starts with ``SET TRANSACTION READ ONLY`` and
``SET LOCAL statement_timeout`` (transaction-local: nothing leaks to the pooler's other
clients) and reads ``transaction_read_only`` back before its first read; if that is not
``on``, :class:`DatabaseNotReadOnly` is raised and nothing is read.

Failures are :class:`DatabaseError` subclasses (``TargetError``: the scenario is *broken*,
not failed). Their message is one line, names user/host/database, never the password: the
password is registered with :mod:`phasegate.secrets` and every message is scrubbed.
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

from phasegate import isolation, secrets, status_values
from phasegate.errors import TargetError, one_line as _one_line
from phasegate.identity import ExpectedRole, role_named_by
from phasegate.queue_states import QueueStates

__all__ = [
    "DatabaseError",
    "DatabaseUnreachable",
    "DatabaseAuthFailed",
    "DatabaseTimeout",
    "DatabaseNotReadOnly",
    "DatabaseWrongRole",
    "ConnectionTarget",
    "expected_role",
    "ReadOnlySession",
    "pool_mode",
    "DatabaseFacts",
    "open_session",
    "run_query",
    "probe",
    "EnqueueFacts",
    "probe_enqueue",
    "STUCK_TIMESTAMP_COLUMNS",
]

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


class DatabaseNotReadOnly(DatabaseError):
    """A transaction phasegate opened did not read back as read-only: nothing was read in it."""


class DatabaseWrongRole(DatabaseError):
    """The session is another role than the one the service's own DATABASE_URL names: nothing was judged.

    ``identity`` is the evidence (route, expected role, current_user, session_user; no URL).
    """

    def __init__(self, message: str, identity: dict) -> None:
        super().__init__(message)
        self.identity = identity


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
        # libpq quotes the part it could not read, which may be any part of the URL: never shown.
        reason = re.sub(r'"[^"]*"?', '"…"', first_line(exc))
        raise DatabaseError(f"the database URL cannot be parsed: {reason}") from None


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
        """``user@host:port/db (sslmode require)`` -- never a password, and never a connection string.

        No scheme and no ``key=value``: every libpq connection string has one or the other, so
        a description can neither equal nor contain a secret ``DATABASE_URL`` (a password-less
        URL is still a secret value, and the scrubber would mask a description equal to it).
        """
        def part(text: str, safe: str = "") -> str:
            return urllib.parse.quote(text, safe=safe)

        user = part(self.user) + "@" if self.user else ""
        host = self.host or ""
        if not host or host.startswith("/") or host.startswith("@"):
            where = "unix:" + part(host or "<default socket>", safe="/@<> ")
        else:
            where = f"[{host}]" if ":" in host and not host.startswith("[") else host
        port = f":{self.port}" if self.port is not None else ""
        db = part(self.dbname) if self.dbname else ""
        tls = f" (sslmode {self.sslmode})" if self.sslmode else ""
        return f"{user}{where}{port}/{db}{tls}"

    def __str__(self) -> str:
        return self.describe()


def expected_role(url: str, *, whose: str, source: str, route: str) -> ExpectedRole:
    """The role the service's own ``url`` (its DATABASE_URL as Render reports it) logs in as.

    Raises :class:`DatabaseError` (one line, no URL) when the URL cannot be parsed or names no user:
    the role to judge is then unknown, and nothing is judged by any route.
    """
    try:
        params = _parse_conninfo(url)
    except DatabaseError as exc:
        raise DatabaseError(f"{source} cannot be parsed, so the {whose} role to judge is unknown: "
                            f"{str(exc).removeprefix('the database URL cannot be parsed: ')}") from None
    if params.get("password"):
        secrets.register(str(params["password"]))
    user = params.get("user") or ""
    if not user:
        raise DatabaseError(f"{source} names no user, so the {whose} role to judge is unknown")
    role, how = role_named_by(user, params.get("host") or params.get("hostaddr"), params.get("options"))
    return ExpectedRole(role=role, source=source, route=route, how=how)


# --------------------------------------------------------------------------- facts


@dataclass(frozen=True)
class DatabaseFacts:
    """Every database fact the criteria need, read in one session, once per run; evidence is kept per fact."""

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
    pooling: dict = field(default_factory=lambda: {"mode": "direct", "signals": [], "backend_pids": []})
    contradictions: list[dict] = field(default_factory=list)  # live settings that differ from the configured ones
    identity: dict = field(default_factory=dict)  # the role check before the first judged read (ExpectedRole.identity)
    production_doors: list[dict] = field(default_factory=list)  # views, rules, definer functions, foreign tables

    @property
    def pool_mode(self) -> str:
        return self.pooling.get("mode", "direct")

    def contradictions_for(self, fact: str) -> list[dict]:
        return [c for c in self.contradictions if c["fact"] == fact]

    def __repr__(self) -> str:  # Allure records step arguments: the evidence is attached, not repeated here
        return f"<database {self.target.describe()} as {self.current_user}>"

    def evidence_for(self, fact: str) -> list[dict]:
        return [e for e in self.evidence if e["fact"] == fact]


# --------------------------------------------------------------------------- session


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line
    return type(exc).__name__


_SUPABASE_POOLER_HOST = re.compile(r"(^|\.)pooler\.supabase\.com\.?$", re.IGNORECASE)
TRANSACTION_POOLER_PORT = 6543  # Supabase's transaction-mode pooler port


def looks_pooled(target: ConnectionTarget) -> bool:
    """A Supabase pooler host or the transaction-pooler port: known before connecting."""
    return bool(target.port == TRANSACTION_POOLER_PORT or _SUPABASE_POOLER_HOST.search(target.host or ""))


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


# The first read of every transaction: read-only state and the live settings this server
# connection carries (a pooled one may carry another client's session-level SET), before our own.
_GUARD_SQL = ("SELECT current_setting('transaction_read_only') AS read_only, pg_backend_pid() AS pid, "
              "current_setting('search_path') AS search_path, "
              "current_setting('statement_timeout') AS statement_timeout, "
              "current_setting('idle_in_transaction_session_timeout') AS idle_in_transaction_session_timeout")
_ARM_READ_ONLY = "SET TRANSACTION READ ONLY"


class ReadOnlySession:
    """phasegate's one way to run SQL: every transaction read-only and time-bounded, verified.

    A transaction begins with ``SET TRANSACTION READ ONLY``; ``transaction_read_only`` is read
    back at once, and unless it is ``on`` the transaction is rolled back and
    :class:`DatabaseNotReadOnly` raised before anything else is read. Then
    ``SET LOCAL statement_timeout`` bounds it, and is read back too. This holds whatever the
    startup parameters did, through any pooler, and again after every rollback: a new
    transaction is armed the same way before its first statement.
    """

    def __init__(self, conn: psycopg.Connection, target: ConnectionTarget, statement_timeout_ms: int) -> None:
        self.conn = conn
        self.target = target
        self.statement_timeout_ms = int(statement_timeout_ms)
        self.startup_pid = conn.info.backend_pid  # from BackendKeyData: a pooler sends its own
        self.transactions: list[dict] = []  # per transaction: backend pid and the live settings it found

    def __repr__(self) -> str:
        return f"<read-only session {self.target.describe()}>"

    def execute(self, query: Any, params: Any = None, *, row_factory: Any = None) -> psycopg.Cursor:
        status = self.conn.info.transaction_status
        if status == psycopg.pq.TransactionStatus.INERROR:
            self.conn.rollback()
            status = self.conn.info.transaction_status
        if status == psycopg.pq.TransactionStatus.IDLE:
            self._begin()
        cur = self.conn.cursor(row_factory=row_factory) if row_factory else self.conn.cursor()
        return cur.execute(query, params)

    def _begin(self) -> None:
        conn = self.conn
        conn.execute(_ARM_READ_ONLY)  # psycopg opens the transaction (autocommit is off)
        live = dict(zip(("read_only", "pid", "search_path", "statement_timeout",
                         "idle_in_transaction_session_timeout"), conn.execute(_GUARD_SQL).fetchone()))
        if live["read_only"] != "on":
            conn.rollback()
            raise DatabaseNotReadOnly(
                f"phasegate's transaction at {self.target.describe()} read back transaction_read_only = "
                f"{live['read_only']} after SET TRANSACTION READ ONLY: nothing was read")
        conn.execute(sql.SQL("SET LOCAL statement_timeout = {}").format(sql.Literal(self.statement_timeout_ms)))
        read_only, timeout_ms = conn.execute(
            "SELECT current_setting('transaction_read_only'), "
            "(SELECT setting::bigint FROM pg_settings WHERE name = 'statement_timeout')").fetchone()
        if read_only != "on" or int(timeout_ms) != self.statement_timeout_ms:
            conn.rollback()
            raise DatabaseNotReadOnly(
                f"phasegate's transaction at {self.target.describe()} read back transaction_read_only = {read_only}, "
                f"statement_timeout = {timeout_ms} ms instead of on, {self.statement_timeout_ms} ms: nothing was read")
        self.transactions.append(live)

    def rollback(self) -> None:
        self.conn.rollback()

    def close(self) -> None:
        _close(self.conn)

    @property
    def closed(self) -> bool:
        return self.conn.closed


def open_session(
    url: str,
    *,
    connect_timeout: int = 10,
    statement_timeout_ms: int = 15000,
    application_name: str = "phasegate",
) -> ReadOnlySession:
    """Connect to ``url`` and return phasegate's :class:`ReadOnlySession` on it.

    No startup ``options`` of phasegate's own are sent: a pooler may drop them (Supavisor,
    PgBouncer with ``ignore_startup_parameters = options``) or refuse them, and read-only must
    not depend on either. The URL's own parameters are passed as they are (the worker gets them too).
    """
    target = ConnectionTarget.parse(url)  # registers the password
    try:
        conn = psycopg.connect(url, connect_timeout=int(connect_timeout), application_name=application_name,
                               prepare_threshold=None, autocommit=False)
    except psycopg.Error as exc:
        raise connect_error(exc, target, connect_timeout) from None
    return ReadOnlySession(conn, target, statement_timeout_ms)


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
    """Runs labelled reads in phasegate's read-only session; maps errors; keeps the evidence."""

    def __init__(self, session: ReadOnlySession) -> None:
        self.session = session
        self.conn = session.conn
        self.target = session.target
        self.statement_timeout_ms = session.statement_timeout_ms
        self.evidence: list[dict] = []

    def rows(self, label: str, query: Any, params: Any = None, *, fact: str | None = None) -> list[dict]:
        try:
            with self.session.execute(query, params, row_factory=dict_row) as cur:
                rows = cur.fetchall() if cur.description else []
        except psycopg.errors.QueryCanceled:
            raise DatabaseTimeout(
                f"query exceeded phasegate's statement timeout of {self.statement_timeout_ms} ms "
                f"while reading {label} at {self.target.describe()}"
            ) from None
        except psycopg.OperationalError as exc:
            raise DatabaseUnreachable(
                f"connection to {self.target.describe()} lost while reading {label}: {first_line(exc)}"
            ) from None
        except psycopg.Error as exc:
            raise DatabaseError(f"cannot read {label} at {self.target.describe()}: {first_line(exc)}") from None
        rows = [_plain(dict(r)) for r in rows]
        if fact:
            text = query.as_string(self.conn) if isinstance(query, sql.Composable) else str(query)
            self.evidence.append({"fact": fact, "what": label, "sql": _one_line(text),
                                  "params": _plain(list(params)) if isinstance(params, (list, tuple)) else _plain(params),
                                  "rows": rows})
        return rows

    def one(self, label: str, query: Any, params: Any = None, *, fact: str | None = None) -> dict:
        rows = self.rows(label, query, params, fact=fact)
        return rows[0] if rows else {}

    def note(self, fact: str, what: str, rows: list[dict]) -> None:
        self.evidence.append({"fact": fact, "what": what, "sql": None, "params": None, "rows": _plain(rows)})


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
    session = open_session(url, connect_timeout=connect_timeout, statement_timeout_ms=statement_timeout_ms)
    try:
        return _Reader(session).rows(label, query, params)
    finally:
        session.close()


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
    queue_states: QueueStates = QueueStates(),
    expected: ExpectedRole | None = None,
) -> DatabaseFacts:
    """Read the worker's database facts in one read-only session. Raises DatabaseError subclasses.
    ``queue_states``: the queue's done, failed and running states, as the profile names them.

    With ``expected`` (the role the worker's own DATABASE_URL names), a session that is another
    role raises :class:`DatabaseWrongRole` before anything else is read."""
    return _in_session(url, _probe, connect_timeout, statement_timeout_ms, staging_schema=staging_schema,
                       production_schema=production_schema, queue_table=queue_table,
                       stuck_threshold_minutes=stuck_threshold_minutes, queue_states=queue_states,
                       expected=expected)


def probe_enqueue(
    url: str,
    *,
    staging_schema: str,
    production_schema: str,
    queue_table: str = "upload_jobs",
    connect_timeout: int = 10,
    statement_timeout_ms: int = 15000,
    expected: ExpectedRole | None = None,
) -> "EnqueueFacts":
    """Read what the API's role may do, in a read-only session of its own opened with the API's URL
    (the same :class:`ReadOnlySession` as the worker's). Raises DatabaseError subclasses; with
    ``expected``, :class:`DatabaseWrongRole` before anything else is read when the session is another role."""
    return _in_session(url, _probe_enqueue, connect_timeout, statement_timeout_ms, staging_schema=staging_schema,
                       production_schema=production_schema, queue_table=queue_table, expected=expected)


def _in_session(url: str, read, connect_timeout: int, statement_timeout_ms: int, **options):
    """Open phasegate's read-only session on ``url``, ``read(session, connect_seconds, **options)`` in it, close it."""
    started = time.monotonic()
    session = open_session(url, connect_timeout=connect_timeout, statement_timeout_ms=statement_timeout_ms)
    connect_seconds = round(time.monotonic() - started, 3)
    try:
        return read(session, connect_seconds, **options)
    finally:
        session.close()


def pool_mode(target: ConnectionTarget, announced_pid: int, backend_pids: list[int]) -> dict:
    """How the session reaches PostgreSQL: "direct", "session" or "transaction" pooling, or a
    pooler of unknown mode. Behind transaction pooling (and an unknown mode) pg_stat_activity
    shows the pooler's server connections, not the worker's."""
    host = target.host or ""
    supabase = bool(_SUPABASE_POOLER_HOST.search(host))
    signals: list[str] = []
    if target.port == TRANSACTION_POOLER_PORT:
        signals.append(f"port {TRANSACTION_POOLER_PORT}: Supabase's transaction-mode pooler port")
    elif supabase and target.port not in (None, 5432):
        signals.append(f"Supabase pooler host {host} on port {target.port} (its session mode is port 5432)")
    distinct = list(dict.fromkeys(backend_pids))
    if len(distinct) > 1:
        signals.append("the backend changed between phasegate's transactions (pids "
                       + ", ".join(str(p) for p in distinct) + ")")
    # A direct connection announces its backend's pid (BackendKeyData); a pooler announces its own key.
    proxied = bool(distinct) and announced_pid != distinct[0]
    if signals:
        mode = "transaction"
    elif supabase:
        mode = "session"
        signals.append(f"Supabase pooler host {host} on port 5432: session mode")
    elif proxied:
        mode = "pooled, mode unknown"
    else:
        mode = "direct"
    if proxied:
        signals.append("the connection announced another backend pid than the server's: a pooler answers for it")
    return {"mode": mode, "signals": signals, "backend_pids": distinct}


def _connection(r: _Reader, connect_seconds: float,
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
    ident["identity"] = _check_role(expected, ident["current_user"], ident["session_user"])
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


def _check_role(expected: ExpectedRole | None, current_user: str, session_user: str) -> dict:
    """The role check's evidence; raises :class:`DatabaseWrongRole` when the session is not ``expected``."""
    if expected is None:
        return {}
    identity = expected.identity(current_user, session_user)
    if (problem := expected.mismatch(current_user, session_user)) is not None:
        raise DatabaseWrongRole(f"{problem}: nothing was read as another role", identity)
    return identity


def _role(r: _Reader, ident: dict, label: str) -> dict:
    """The session role's attributes and every role it is a member of, directly or not."""
    current_user, session_user = ident["current_user"], ident["session_user"]
    role_row = r.one(
        label,
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
        fact="role",
    )
    role = dict(role_row) if role_row else {"rolname": current_user}
    role["member_of"] = list(role.get("member_of") or [])
    r.note("role", "session identity", [{"current_user": current_user, "session_user": session_user}])
    return role


def _implicit_via(role: dict) -> list[str]:
    """What gives a privilege no ACL names: being a superuser (every ACL then matches: said once, as superuser),
    or a predefined role that reads or writes all data."""
    if role.get("rolsuper"):
        return ["superuser"]
    return [m for m in role.get("member_of") or [] if m in ("pg_read_all_data", "pg_write_all_data")]


def _production_isolation(r: _Reader, production_schema: str, production_exists: bool, role: dict,
                          whose: str) -> tuple[bool | None, bool | None, list[dict], list[dict]]:
    """How the session's role can reach the production schema: (USAGE, CREATE, privileges on its tables,
    their columns and its sequences, every other door), each privilege with what it comes through (PUBLIC, a
    role it is a member of, superuser); the other doors (views, rules, definer functions, foreign tables in
    any schema) are :func:`phasegate.isolation.doors`. (None, None, [], []) when the schema does not exist."""
    usage = create = None
    privileges: list[dict] = []
    doors: list[dict] = []
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
            fact="production_isolation",
        )
        usage, create = bool(sp["usage"]), bool(sp["create"])
        held = [name for name, has in (("USAGE", usage), ("CREATE", create)) if has]
        if held:
            via = _implicit_via(role) if role.get("rolsuper") else list(sp.get("via") or []) or _implicit_via(role)
            doors.append({"object": production_schema, "kind": "schema", "owner": sp.get("owner"),
                          "privilege": ", ".join(held), "via": via, "opens": ""})
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
            SELECT %(schema)s AS schema, relname AS "table", kind, pg_get_userbyid(relowner) AS owner,
                   priv AS privilege,
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
            fact="production_isolation",
        )
        for p in privileges:
            p["via"] = _implicit_via(role) if role.get("rolsuper") else list(p.get("via") or []) or _implicit_via(role)
        privileges += isolation.column_privileges(r, production_schema, role)
        doors += isolation.doors(r, production_schema, role, whose)
    r.note("production_isolation", f"{whose} role memberships",
           [{"member_of": role["member_of"], "rolsuper": role.get("rolsuper")}])
    return usage, create, privileges, doors


def _probe(session: ReadOnlySession, connect_seconds, *, staging_schema, production_schema, queue_table,
           stuck_threshold_minutes, queue_states: QueueStates, expected=None) -> DatabaseFacts:
    r = _Reader(session)
    target = session.target

    # ---- connection, server, TLS. Read in a transaction of its own: a second one follows,
    # so a transaction pooler that moves the session to another backend shows it.
    ident, tls_in_use, server_tls = _connection(r, connect_seconds, expected)
    current_user, session_user = ident["current_user"], ident["session_user"]

    # ---- schemas
    schema_rows = r.rows("the schema list", "SELECT nspname AS schema FROM pg_namespace ORDER BY nspname",
                         fact="schemas")
    schemas = [row["schema"] for row in schema_rows]
    staging_exists = staging_schema in schemas
    production_exists = production_schema in schemas

    # ---- role
    role = _role(r, ident, "the worker role")

    # ---- production isolation
    usage, create, privileges, doors = _production_isolation(r, production_schema, production_exists, role, "worker")

    # ---- configured settings (pg_db_role_setting)
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
    r.evidence.append({"fact": "timeouts", "what": "configured timeouts", "sql": settings_sql, "params": None,
                       "rows": settings_evidence + [{"parsed": settings}]})

    # ---- search_path
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
    r.evidence.append({"fact": "search_path", "what": "search_path", "sql": settings_sql, "params": None,
                       "rows": settings_evidence + [{
                           "configured": sp_value, "source": sp_source, "levels": sp_levels,
                           "effective (worker, $user expanded, missing schemas dropped)": effective,
                           "SHOW search_path (phasegate session)": sp_session.get("search_path_raw"),
                           "current_schemas(false) (phasegate session)": current_schemas}]})

    # ---- queue table
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
        fact="queue",
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
        "has_last_error": "last_error" in columns,
    }
    if q_exists:
        # What claiming a job with FOR UPDATE SKIP LOCKED and finishing it takes: SELECT and UPDATE.
        queue["privileges"] = r.one(
            "the worker's privileges on the queue table",
            """
            SELECT has_table_privilege(current_user, c.oid, 'SELECT') AS "SELECT",
                   has_table_privilege(current_user, c.oid, 'UPDATE') AS "UPDATE"
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = %s AND c.relname = %s
            """,
            (q_schema, q_table),
            fact="claim",
        )
    if q_exists and queue["has_status"]:
        queue["status_type"] = _status_type(r, q_schema, q_table, queue_states)
    if q_exists and queue["readable"] and queue["has_status"]:
        tbl = sql.Identifier(q_schema, q_table)
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

    # ---- worker sessions
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
    worker_sessions = int(sess.get("sessions") or 0)

    # ---- How the session reached PostgreSQL, and what the (possibly pooled) server connection carried
    pooling = pool_mode(target, session.startup_pid, [t["pid"] for t in session.transactions])
    r.note("connection", "pooling", [pooling])
    r.note("sessions", "pooling", [dict(pooling, judgeable=pooling["mode"] in JUDGEABLE_POOL_MODES)])
    reset = {row["name"]: row["reset_val"] for row in r.rows(
        "the timeouts' startup values", "SELECT name, reset_val FROM pg_settings WHERE name = ANY(%s)",
        (list(TIMEOUT_SETTINGS),))}
    contradictions = _contradictions(session.transactions, settings, sp_value or "", reset)
    for fact in sorted({c["fact"] for c in contradictions}):
        r.evidence.append({"fact": fact, "what": CONTRADICTION, "sql": _GUARD_SQL, "params": None,
                           "rows": [c for c in contradictions if c["fact"] == fact]})

    # ---- stuck jobs
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
        pooling=pooling,
        contradictions=contradictions,
        identity=ident["identity"],
        production_doors=doors,
    )


def _status_type(r: _Reader, schema: str, table: str, states: QueueStates) -> dict | None:
    """What the status column's type allows (checks on it and its domains, enum labels), in one catalog read;
    noted with the profile's states and whether each is allowed, for every fact that rests on the states."""
    row = r.one("the status column's type and constraints", status_values.STATUS_TYPE_SQL,
                {"schema": schema, "table": table, "column": "status"}, fact="failures")
    found = status_values.status_type(row)
    if found is not None:
        found["states (profile)"] = {
            "done": {"state": states.done, "allowed": status_values.allows(found, states.done)},
            "failed": {"state": states.failed, "allowed": status_values.allows(found, states.failed)},
            "running": [{"state": s, "allowed": status_values.allows(found, s)} for s in states.running],
        }
        r.note("failures", "what the status column allows", [found])
        r.note("stuck_jobs", "the running states (profile) and what the status column allows",
               [{"running": found["states (profile)"]["running"], "allowed": status_values.summary(found)}])
    return found


@dataclass(frozen=True)
class EnqueueFacts:
    """What the API's own role may do, read in its own read-only session: enqueue, and reach production.

    The production fields mean what :class:`DatabaseFacts`' do, for the API's role, so the
    worker's production isolation judgement judges them too.
    """

    target: ConnectionTarget
    connect_seconds: float
    tls_in_use: bool | None
    current_user: str
    session_user: str
    role: dict
    production_schema: str
    production_schema_exists: bool
    production_schema_usage: bool | None
    production_schema_create: bool | None
    production_table_privileges: list[dict]
    queue_table: dict  # schema, table, exists, schema_usage, insert, id_sequences
    pooling: dict
    evidence: list[dict] = field(default_factory=list)
    identity: dict = field(default_factory=dict)  # the role check before the first judged read (ExpectedRole.identity)
    production_doors: list[dict] = field(default_factory=list)

    @property
    def pool_mode(self) -> str:
        return self.pooling.get("mode", "direct")

    def evidence_for(self, fact: str) -> list[dict]:
        return [e for e in self.evidence if e["fact"] == fact]

    def contradictions_for(self, fact: str) -> list[dict]:
        return []  # no verdict of the API's session rests on its live settings

    def __repr__(self) -> str:  # Allure records step arguments: the evidence is attached, not repeated here
        return f"<API's database {self.target.describe()} as {self.current_user}>"


# Every sequence an id of the queue takes its values from: the one the column owns (serial or
# identity: what pg_get_serial_sequence returns, read from pg_depend because pg_get_serial_sequence
# needs USAGE on the schema, which a role under judgement may lack) and one a nextval() default
# names without owning it.
_ID_SEQUENCES_SQL = """
SELECT a.attname AS column,
       CASE a.attidentity WHEN 'a' THEN 'identity (GENERATED ALWAYS)' WHEN 'd' THEN 'identity (GENERATED BY DEFAULT)'
            WHEN '' THEN CASE WHEN seq.owned IS NOT NULL THEN 'serial (a nextval() default on its own sequence)'
                              ELSE 'nextval() default' END END AS kind,
       a.attidentity <> '' AS is_identity,
       format('%%I.%%I', sn.nspname, s.relname) AS sequence,
       has_sequence_privilege(current_user, s.oid, 'USAGE') AS usage
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
CROSS JOIN LATERAL (
    SELECT (SELECT dep.objid FROM pg_depend dep
            WHERE dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass
              AND dep.refobjid = c.oid AND dep.refobjsubid = a.attnum AND dep.deptype IN ('a', 'i')
            LIMIT 1) AS owned,
           (SELECT dep.refobjid FROM pg_depend dep
            WHERE dep.classid = 'pg_attrdef'::regclass AND dep.objid = d.oid AND dep.refclassid = 'pg_class'::regclass
            LIMIT 1) AS by_default
) seq
JOIN pg_class s ON s.oid = coalesce(seq.owned, seq.by_default) AND s.relkind = 'S'
JOIN pg_namespace sn ON sn.oid = s.relnamespace
WHERE n.nspname = %s AND c.relname = %s
ORDER BY a.attnum
"""


def _probe_enqueue(session: ReadOnlySession, connect_seconds, *, staging_schema, production_schema,
                   queue_table, expected=None) -> EnqueueFacts:
    r = _Reader(session)
    ident, tls_in_use, _ = _connection(r, connect_seconds, expected)
    role = _role(r, ident, "the API role")
    production_exists = bool(r.one(
        "the production schema", "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = %s) AS exists",
        (production_schema,), fact="production_isolation").get("exists"))
    usage, create, privileges, doors = _production_isolation(r, production_schema, production_exists, role, "API")

    q_schema, q_table = _split_table(queue_table, staging_schema)
    found = r.one(
        "the API role's privileges on the queue table",
        """
        SELECT c.oid IS NOT NULL AS exists, has_schema_privilege(current_user, n.oid, 'USAGE') AS schema_usage,
               CASE WHEN c.oid IS NOT NULL THEN has_table_privilege(current_user, c.oid, 'INSERT') END AS insert
        FROM pg_namespace n LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = %s
             AND c.relkind IN ('r', 'p', 'v', 'f')
        WHERE n.nspname = %s
        """,
        (q_table, q_schema),
        fact="enqueue",
    )
    queue = {"schema": q_schema, "table": q_table, "exists": bool(found.get("exists")),
             "schema_usage": bool(found.get("schema_usage")), "insert": bool(found.get("insert")), "id_sequences": []}
    if queue["exists"]:
        rows = r.rows("the queue's id sequences", _ID_SEQUENCES_SQL, (q_schema, q_table), fact="enqueue")
        for row in rows:
            # Checked on PostgreSQL 16: an identity column's INSERT draws its next value with no
            # privilege on the sequence; a nextval() default needs USAGE (or UPDATE) on it.
            row["usage_required"] = not row["is_identity"]
        queue["id_sequences"] = rows
    pooling = pool_mode(session.target, session.startup_pid, [t["pid"] for t in session.transactions])
    r.note("connection", "pooling", [pooling])
    return EnqueueFacts(
        target=session.target, connect_seconds=connect_seconds, tls_in_use=tls_in_use,
        current_user=ident["current_user"], session_user=ident["session_user"], role=role,
        production_schema=production_schema, production_schema_exists=production_exists,
        production_schema_usage=usage, production_schema_create=create, production_table_privileges=privileges,
        queue_table=queue, pooling=pooling, evidence=r.evidence, identity=ident["identity"],
        production_doors=doors,
    )


CONTRADICTION = ("CONTRADICTION: the session ran with other settings than the role's configured ones "
                 "(the verdict is on the configured values)")
JUDGEABLE_POOL_MODES = ("direct", "session")


def _contradictions(transactions: list[dict], settings: dict, search_path_configured: str,
                    reset: dict) -> list[dict]:
    """Live settings of each transaction's server connection that differ from the configured ones.

    Through a pooler a server connection can carry another client's session-level ``SET``;
    the verdicts on search_path and timeouts stay on the configured values (what every new connection of
    the role gets), and the evidence says where the live ones differed.
    """
    why = ("a session-level SET left on this server connection (through a pooler: by another client), "
           "or the URL's startup options")
    found: dict[tuple, dict] = {}
    for t in transactions:
        if split_search_path(t["search_path"]) != split_search_path(search_path_configured):
            found.setdefault(("search_path", t["search_path"]), {
                "fact": "search_path", "setting": "search_path", "configured": search_path_configured,
                "live": t["search_path"], "backend_pid": t["pid"], "likely cause": why})
        for name in TIMEOUT_SETTINGS:
            configured = settings[name]["value"]
            expected = configured if configured is not None else reset.get(name)
            if timeout_milliseconds(t[name]) != timeout_milliseconds(expected):
                shown = configured if configured is not None else f"<not set for the role; server: {reset.get(name)} ms>"
                found.setdefault((name, t[name]), {
                    "fact": "timeouts", "setting": name, "configured": shown, "live": t[name],
                    "backend_pid": t["pid"], "likely cause": why})
    return list(found.values())
