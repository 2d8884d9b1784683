"""The round trip's writer: the one session through which phasegate writes (features/phase5/round_trip.feature).

Everything else phasegate runs is read-only (:class:`phasegate.database.ReadOnlySession`).
The round trip runs only when asked (:func:`not_opted_in`) and never on a profile marked production
(:func:`refusal`: a :class:`CanaryRun` refuses one before anything connects). A :class:`CanaryRun`
opens its own session with the API role's credential
(``PHASEGATE_CANARY_DATABASE_URL``), never the worker's: each connection reads ``current_user``
and ``session_user`` back before its first statement, and unless both are the role the API's own
``DATABASE_URL`` on Render names (:class:`~phasegate.identity.ExpectedRole`) it is closed and
:class:`~phasegate.database.DatabaseWrongRole` raised: nothing is read or written with it. It writes only:

* ``INSERT`` of a canary job whose payload is the profile's template (:mod:`.payload`) with this run's id;
* ``DELETE`` of canary jobs, by id *and* run id: this run's at the end (:meth:`CanaryRun.finish`), and
  leftovers of earlier runs (a run killed with SIGKILL cannot clean up after itself; the next one does).

Besides, it reads a canary job's state back (:meth:`CanaryRun.read_job`, what
:class:`~.round_trip.RoundTrip` polls). Every statement that wrote, every row written and every
row removed is kept in :attr:`CanaryRun.journal`: the evidence of the scenarios and the run
folder's ``canary.json``.
"""

from __future__ import annotations

import datetime as _dt
import re
import secrets

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from .. import redact
from ..database import ConnectionTarget, DatabaseError, DatabaseWrongRole, connect_error, first_line
from ..errors import ConfigError
from ..identity import ExpectedRole
from ..profile.model import PRODUCTION
from ..redact import Secret
from ..timefmt import zulu
from .payload import KINDS, PayloadTemplate

RUN_ID_PREFIX = "phasegate-canary-"
RUN_ID = re.compile(r"^phasegate-canary-(\d{8}T\d{6}Z)-[0-9a-f]{8}$")
APPLICATION_NAME = "phasegate canary"


class CanaryRefused(ConfigError):
    """The round trip may not write here (a production profile)."""


# --------------------------------------------------------------------------- opt-in


def refusal(profile) -> str | None:
    """Why the round trip refuses this profile (one line), or None.

    A profile is marked production by its name or its scenario tag (PHASEGATE_SCENARIO_TAG).
    """
    if profile.is_production:
        return (f"{profile.source}: the round trip writes canary jobs and refuses a profile marked "
                f"production (its name or PHASEGATE_SCENARIO_TAG is '{PRODUCTION}'); nothing was written")
    return None


def not_opted_in(profile, active_option: bool) -> str | None:
    """The skip reason when the round trip is not asked for, naming what to set; None when it may run."""
    missing = []
    if not (active_option or profile.active):
        missing.append(f"--active (or PHASEGATE_ACTIVE=1 in {profile.source})")
    if profile.canary_database_url is None:
        missing.append("PHASEGATE_CANARY_DATABASE_URL (the API role's database URL, a secret)")
    if not missing:
        return None
    return ("the round trip writes canary jobs and runs only when asked: set " + " and ".join(missing))


def new_run_id(now: _dt.datetime | None = None) -> str:
    now = now or _dt.datetime.now(_dt.timezone.utc)
    return f"{RUN_ID_PREFIX}{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


def run_started(run_id: str) -> _dt.datetime | None:
    match = RUN_ID.match(run_id or "")
    if not match:
        return None
    return _dt.datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=_dt.timezone.utc)


# --------------------------------------------------------------------------- the run


class CanaryRun:
    """One run's canary jobs: enqueue with the API's role, read back, remove, sweep leftovers.

    ``url`` is the API role's credential (registered as a secret; never shown); ``expected`` the
    role it must log in as (the user of the API's own DATABASE_URL on Render). Writes go
    through :meth:`_write`, which keeps each statement, its parameters and the rows it
    touched in :attr:`journal`; the role check is ``journal["identity"]``.
    """

    def __init__(self, profile, url: Secret, *, expected: ExpectedRole, run_id: str | None = None,
                 connect_timeout: int = 10, statement_timeout_ms: int = 15000) -> None:
        if (reason := refusal(profile)) is not None:
            raise CanaryRefused(reason)
        self.profile = profile
        self._url = url
        self.expected = expected
        self.run_id = run_id or new_run_id()
        self.template: PayloadTemplate = profile.canary_payload
        self.table = sql.Identifier(profile.db_schema, profile.db_queue_table)
        self.table_name = f"{profile.db_schema}.{profile.db_queue_table}"
        self.connect_timeout, self.statement_timeout_ms = connect_timeout, statement_timeout_ms
        self._conn: psycopg.Connection | None = None
        self.journal: dict = {"run_id": self.run_id, "table": self.table_name, "criteria": [], "statements": [],
                              "written": [], "removed": [], "swept": [], "errors": []}
        self._ours: dict[int, str] = {}  # id -> kind, rows written and not yet removed
        self.unusable: DatabaseError | None = None  # why its session could not start (its role refused, ...)

    def require_usable(self) -> None:
        """Raise why the run's session could not start (each round-trip scenario is then broken by it)."""
        if self.unusable is not None:
            raise self.unusable

    def __repr__(self) -> str:  # Allure records fixture arguments: no URL here
        return f"<canary run {self.run_id} on {self.table_name}>"

    # -------------------------------------------------------------- connection
    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed or self._conn.broken:
            url = self._url.reveal()
            target = ConnectionTarget.parse(url)  # registers the password
            try:
                conn = psycopg.connect(url, connect_timeout=self.connect_timeout, autocommit=False,
                                       prepare_threshold=None, application_name=APPLICATION_NAME)
            except psycopg.Error as exc:
                raise connect_error(exc, target, self.connect_timeout) from None
            self._check_role(conn)  # before the connection is kept: nothing runs as another role
            self._conn = conn
        return self._conn

    def _check_role(self, conn: psycopg.Connection) -> None:
        """current_user and session_user, read back first; another role than expected closes the connection."""
        try:
            conn.execute(sql.SQL("SET LOCAL statement_timeout = {}").format(sql.Literal(self.statement_timeout_ms)))
            current_user, session_user = conn.execute("SELECT current_user, session_user").fetchone()
            conn.rollback()
        except psycopg.Error as exc:
            conn.close()
            raise DatabaseError(f"the canary session could not read its own role: {first_line(exc)}") from None
        self.journal["identity"] = self.expected.identity(current_user, session_user)
        if (problem := self.expected.mismatch(current_user, session_user)) is not None:
            conn.close()
            self.journal["errors"].append(f"session refused before its first statement: {problem}")
            raise DatabaseWrongRole(f"{problem}: the canary wrote nothing through it", self.journal["identity"])

    def _transaction(self, query, params=()) -> list[tuple]:
        """One statement in a transaction of its own, time-bounded with SET LOCAL (a pooler drops options)."""
        conn = self._connection()
        try:
            if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                conn.rollback()
            conn.execute(sql.SQL("SET LOCAL statement_timeout = {}").format(sql.Literal(self.statement_timeout_ms)))
            cur = conn.execute(query, params)
            rows = cur.fetchall() if cur.description else []
            conn.commit()
            return rows
        except psycopg.Error as exc:
            if not conn.closed:
                conn.rollback()
            raise DatabaseError(f"the canary statement on {self.table_name} failed: {first_line(exc)}") from None

    def _write(self, purpose: str, query, params: tuple, shown_params: list, jobs=()) -> list[tuple]:
        entry = {"at": _now(), "purpose": purpose, "sql": query.as_string(self._connection()),
                 "params": shown_params, "jobs": list(jobs), "rows": None}
        self.journal["statements"].append(entry)  # before it runs: an interrupted write is listed too
        rows = self._transaction(query, params)
        entry["rows"] = [r[0] for r in rows]
        return rows

    # -------------------------------------------------------------- the round trip
    def serves(self, criteria) -> None:
        """Note the criteria whose scenarios use this run: their phases' run folders get its record."""
        self.journal["criteria"] = sorted(set(self.journal["criteria"]) | set(criteria))

    def enqueue(self, kind: str) -> int:
        if kind not in KINDS:
            raise ValueError(f"a canary is {' or '.join(KINDS)}, not {kind!r}")
        payload = self.template.render(self.run_id, kind)
        rows = self._write(f"enqueue the {kind} canary", sql.SQL(
            "INSERT INTO {} (payload) VALUES (%s) RETURNING id, status, attempts, max_attempts").format(self.table),
            (Jsonb(payload),), [payload])
        job_id, status, attempts, max_attempts = rows[0]
        self._ours[job_id] = kind
        self.journal["written"].append({"id": job_id, "kind": kind, "payload": payload, "status": status,
                                        "attempts": attempts, "max_attempts": max_attempts, "at": _now()})
        return job_id

    def read_job(self, job_id: int) -> tuple:
        """The job's (status, attempts, max_attempts, last_error) as it is now; all None once it is gone."""
        rows = self._transaction(sql.SQL(
            "SELECT status, attempts, max_attempts, last_error FROM {} WHERE id = %s").format(self.table),
            (job_id,))
        return rows[0] if rows else (None, None, None, None)

    def kind_of(self, job_id: int) -> str:
        """``good`` or ``poison`` for a row this run wrote and has not removed; ``?`` otherwise."""
        return self._ours.get(job_id, "?")

    def remove(self, job_ids=None) -> list[dict]:
        """Delete this run's canary rows (by id and run id); what was removed, as it was."""
        ids = sorted(self._ours if job_ids is None else [i for i in job_ids if i in self._ours])
        if not ids:
            return []
        rows = self._write("remove this run's canary rows", sql.SQL(
            "DELETE FROM {} WHERE id = ANY(%s) AND payload #>> %s = %s "
            "RETURNING id, status, attempts, max_attempts, last_error").format(self.table),
            (ids, list(self.template.run_id_path), self.run_id), [ids, list(self.template.run_id_path), self.run_id],
            jobs=ids)
        removed = [_row(r, kind=self._ours.get(r[0])) for r in rows]
        for job_id in ids:
            self._ours.pop(job_id, None)
        self.journal["removed"] += removed
        return removed

    def sweep(self, older_than: float) -> list[dict]:
        """Remove canary rows of earlier runs that started more than ``older_than`` seconds ago.

        A run killed outright (SIGKILL) leaves its rows; its run id says when it started. Rows
        of a run that may still be polling (younger than ``older_than``) are left to it.
        """
        path = list(self.template.run_id_path)
        found = self._transaction(sql.SQL(
            "SELECT id, payload #>> %s FROM {} WHERE payload #>> %s LIKE %s AND payload #>> %s <> %s").format(
            self.table), (path, path, RUN_ID_PREFIX + "%", path, self.run_id))
        cutoff = _dt.datetime.now(_dt.timezone.utc) - _dt.timedelta(seconds=older_than)
        stale = {job_id: rid for job_id, rid in found if (started := run_started(rid)) and started < cutoff}
        if not stale:
            return []
        rows = self._write("remove leftover canary rows of earlier runs", sql.SQL(
            "DELETE FROM {} WHERE id = ANY(%s) AND payload #>> %s LIKE %s AND payload #>> %s <> %s "
            "RETURNING id, status, attempts, max_attempts, last_error, payload #>> %s").format(self.table),
            (sorted(stale), path, RUN_ID_PREFIX + "%", path, self.run_id, path),
            [sorted(stale), path, RUN_ID_PREFIX + "%", path, self.run_id, path])
        swept = [dict(_row(r[:5]), run_id=r[5]) for r in rows]
        self.journal["swept"] += swept
        return swept

    def start(self, *, sweep_older_than: float) -> bool:
        """Open the session by sweeping leftovers of earlier runs; False when it could not start.

        The reason (e.g. another role than the API's: nothing written) is kept in :attr:`unusable`,
        which breaks each round-trip scenario (:meth:`require_usable`); the journal is still recorded.
        """
        try:
            self.sweep(older_than=sweep_older_than)
        except DatabaseError as exc:
            self.unusable = exc
            return False
        return True

    def finish(self) -> None:
        """Remove this run's rows still there and close; a failure is journalled (the next run's sweep removes them)."""
        try:
            self.remove()
        except Exception as exc:  # noqa: BLE001 -- said, recorded; the next run's sweep removes them
            self.journal["errors"].append(redact.scrub(f"clean-up failed: {exc}"))
        finally:
            self.close()

    def written_and_open(self) -> list[int]:
        return sorted(self._ours)

    def close(self) -> None:
        if self._conn is not None and not self._conn.closed:
            try:
                self._conn.rollback()
            finally:
                self._conn.close()
        self._conn = None

    def summary(self) -> str:
        """One line for the terminal: what was written, removed and swept."""
        written = [str(w["id"]) for w in self.journal["written"]]
        removed = [str(r["id"]) for r in self.journal["removed"]]
        line = (f"canary run {self.run_id}: wrote {len(written)} row(s) to {self.table_name}"
                f"{' (ids ' + ', '.join(written) + ')' if written else ''}, removed {len(removed)}")
        if self.journal["swept"]:
            runs = sorted({s["run_id"] for s in self.journal["swept"]})
            line += (f"; removed {len(self.journal['swept'])} leftover canary row(s) of earlier runs "
                     f"({', '.join(runs)})")
        if self._ours:
            line += f"; NOT removed: ids {', '.join(map(str, sorted(self._ours)))}"
        return line


def _row(r, kind: str | None = None) -> dict:
    data = {"id": r[0], "status": r[1], "attempts": r[2], "max_attempts": r[3],
            "last_error": None if r[4] is None else str(r[4])[:200], "at": _now()}
    if kind is not None:
        data["kind"] = kind
    return data


def _now() -> str:
    return zulu(_dt.datetime.now(_dt.timezone.utc), "milliseconds")
