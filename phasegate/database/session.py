"""phasegate's one way to run SQL: :class:`ReadOnlySession`, :func:`open_session` and the evidence reader.

Read-only does not rest on startup parameters: Supabase's pooler (Supavisor) accepts the
startup ``options`` and drops them, and a transaction pooler hands each transaction to
whichever server connection is free. So every transaction a :class:`ReadOnlySession` opens
starts with ``SET TRANSACTION READ ONLY`` and ``SET LOCAL statement_timeout``
(transaction-local: nothing leaks to the pooler's other clients) and reads
``transaction_read_only`` back before its first read; if that is not ``on``,
:class:`~phasegate.database.errors.DatabaseNotReadOnly` is raised and nothing is read.
:class:`_Reader` runs labelled reads in it, maps psycopg's errors and keeps the evidence.
"""

from __future__ import annotations

import time
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import psycopg
import psycopg.errors
from psycopg import sql
from psycopg.rows import dict_row

from phasegate.database.causes import connect_error
from phasegate.database.errors import DatabaseError, DatabaseNotReadOnly, DatabaseTimeout, DatabaseUnreachable, first_line
from phasegate.database.target import ConnectionTarget
from phasegate.errors import one_line as _one_line

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


def _in_session(url: str, read, connect_timeout: int, statement_timeout_ms: int, **options):
    """Open phasegate's read-only session on ``url``, ``read(session, connect_seconds, **options)`` in it, close it."""
    started = time.monotonic()
    session = open_session(url, connect_timeout=connect_timeout, statement_timeout_ms=statement_timeout_ms)
    connect_seconds = round(time.monotonic() - started, 3)
    try:
        return read(session, connect_seconds, **options)
    finally:
        session.close()
