"""A real PostgreSQL for sandbox worlds, seeded compliant or violating one criterion.

Server: pgserver (a PostgreSQL 16 wheel; Unix socket only, no TCP). As root, pgserver runs
the server as a ``pgserver`` system user it creates. Or, when ``PHASEGATE_TEST_DATABASE_URL``
is set (a superuser URL), that server is used and pgserver is not touched.

The data directory persists (initdb once per machine); the server is shared by processes
that use it one after another or at once (pgserver keeps a handle list and stops the server
when the last handle goes). ``seed()`` serialises on a file lock, drops and recreates the
database and the sandbox roles (roles are cluster-wide, so variants cannot leak), then
builds the variant's world.

pgserver's initdb trusts every local connection; :meth:`SandboxPostgres.start` rewrites
``pg_hba.conf`` so the superuser stays trusted on the socket and every other role needs its
password (scram-sha-256), which makes wrong-password worlds real.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import stat
import time
import urllib.parse
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import psycopg
import psycopg.conninfo
from psycopg import sql

from phasegate import redact

from . import keys, supabase
__all__ = ["SandboxPostgres", "SeededWorld", "VARIANTS", "ALSO_AFFECTS", "default_data_dir",
           "STAGING_ROLE", "PRODUCTION_ROLE", "API_ROLE", "STAGING_SCHEMA", "PRODUCTION_SCHEMA", "QUEUE_TABLE"]

ENV_URL = "PHASEGATE_TEST_DATABASE_URL"
STAGING_ROLE = "upload_worker_staging"
PRODUCTION_ROLE = "upload_worker_prod"
API_ROLE = "upload_api_staging"  # the API's own role: it enqueues into the staging queue (Phase 5)
STAGING_SCHEMA = "upload_pipeline_staging"
PRODUCTION_SCHEMA = "upload_pipeline"
QUEUE_TABLE = "upload_jobs"
# Roles are cluster-wide: every seed drops and recreates these (Supabase's too, absent from some worlds).
SANDBOX_ROLES = (STAGING_ROLE, PRODUCTION_ROLE, API_ROLE, *supabase.SUPABASE_ROLES)
NO_SUPABASE_ROLES = ("compliant-no-supabase-roles",)
POOL_MAX = 10

# variant name -> the criterion it violates (None: compliant)
VARIANTS: dict[str, str | None] = {
    "compliant": None,
    "compliant-role-in-database": None,   # settings only as ALTER ROLE ... IN DATABASE
    "P4-40": "P4-40",                     # worker URL names a database that does not exist: connect fails
    "P4-41": "P4-41",                     # staging schema missing
    "P4-42-superuser": "P4-42",           # worker role is SUPERUSER
    "P4-42-postgres": "P4-42",            # worker URL is the admin superuser (postgres)
    "P4-42-production-role": "P4-42",     # worker URL uses the production role
    "P4-43-public-usage": "P4-43",        # GRANT USAGE ON SCHEMA upload_pipeline TO PUBLIC
    "P4-43-membership": "P4-43",          # GRANT upload_worker_prod TO upload_worker_staging
    "P4-43-public-select": "P4-43",       # GRANT SELECT ON upload_pipeline.documents TO PUBLIC (no schema USAGE)
    # One door each beyond schema and table grants (DOORS): the worker can reach production through it alone.
    "P4-43-column-grant": "P4-43",        # GRANT SELECT (id, title) ON upload_pipeline.documents TO the worker
    "P4-43-sequence": "P4-43",            # GRANT USAGE ON SEQUENCE upload_pipeline.documents_id_seq TO the worker
    "P4-43-view": "P4-43",                # a staging view over production, owned by the production role, SELECT to the worker
    "P4-43-materialized-view": "P4-43",   # the same as a materialized view
    "P4-43-view-of-a-view": "P4-43",      # a staging view over such a view (no grant on the inner one), SELECT to the worker
    "P4-43-rule": "P4-43",                # a staging table of the production role whose INSERT rule reads production
    "P4-43-definer-plpgsql": "P4-43",     # a SECURITY DEFINER plpgsql function of the production role reading production
    "P4-43-definer-sql": "P4-43",         # the same in LANGUAGE sql with a string body
    "P4-43-definer-atomic": "P4-43",      # the same with a SQL-standard BEGIN ATOMIC body
    "P4-43-definer-trigger": "P4-43",     # a definer trigger function writing production, on a table the worker fills
    "P4-43-foreign-table": "P4-43",       # a foreign table whose remote schema is upload_pipeline, SELECT to the worker
    "P4-43-user-mapping": "P4-43",        # a user mapping for the worker, to this database as the production role
    "P4-43-set-role": "P4-43",            # GRANT upload_worker_prod TO the worker WITH INHERIT FALSE: SET ROLE reaches it
    "P4-43-replication": "P4-43",         # ALTER ROLE the worker REPLICATION
    "P4-43-read-all-data": "P4-43",       # GRANT pg_read_all_data TO the worker
    "compliant-staging-definers": None,   # a view and a SECURITY DEFINER function over staging only, owned by the worker
    "compliant-supabase-definers": None,  # superuser-owned definer functions in auth, pgbouncer, extensions
    "P4-44": "P4-44",                     # search_path = upload_pipeline_staging, upload_pipeline
    "P4-44-user": "P4-44",                # search_path = "$user", public  + a schema named like the role
    "P4-45": "P4-45",                     # no statement_timeout (idle-in-transaction timeout still set)
    "P4-45-zero": "P4-45",                # statement_timeout = 0
    "P4-46": "P4-46",                     # queue table missing
    "P4-46-columns": "P4-46",             # queue table without attempts / max_attempts
    "P4-47-none": "P4-47",                # no worker sessions
    "P4-47-too-many": "P4-47",            # 12 worker sessions (pool max is 10)
    "P4-63": "P4-63",                     # a 'running' job started 2 hours ago
    "P5-06": "P5-06",                     # REVOKE UPDATE on the staging queue from the worker role
    "P5-07": "P5-07",                     # the staging queue has no last_error column
    "P5-07-over-attempts": "P5-07",       # a queued job with attempts 5 of max_attempts 3
    "P5-05-no-insert": "P5-05",           # the API role has no INSERT on the staging queue
    "P5-05-serial-no-usage": "P5-05",     # the queue's id is bigserial (nextval) and the API role has no USAGE on it
    "P5-05-production-usage": "P5-05",    # GRANT USAGE ON SCHEMA upload_pipeline TO upload_api_staging
    "P5-05-production-role": "P5-05",     # GRANT upload_worker_prod TO upload_api_staging
    "P5-05-view": "P5-05",                # a staging view over production, owned by the production role, SELECT to the API
    "P5-05-definer-function": "P5-05",    # a definer function reading production, EXECUTE to the API only
    "P5-05-column-grant": "P5-05",        # GRANT SELECT (id, owner_id) ON upload_pipeline.documents TO the API
    "P5-05-unreachable": "P5-05",         # the API's URL carries a wrong password: its session cannot open
    # The queue's states as its schema declares them (no job is in the failed state: the verdict rests on
    # what the status column allows).
    "compliant-queue-enum": None,         # status is an ENUM whose labels include the failed state
    "compliant-queue-dead": None,         # the failed state is 'dead' (QUEUE_FAILED_STATUS), allowed by a CHECK
    "compliant-queue-domain": None,       # status is a domain over a domain, each with a CHECK; a CHECK on attempts
    "compliant-queue-unconstrained": None,  # no constraint on status at all: any value is allowed
    "P5-07-queue-enum-without-failed": "P5-07",  # status is an ENUM without the failed state
    "queue-check-unreadable": None,       # CHECK (status ~ '^(…)$'): P5-07 cannot read it, so it is broken
    "P4-63-claimed": "P4-63",             # a job 'claimed' 2 hours ago, a running state of QUEUE_RUNNING_STATUSES
    # A door for a role a Supabase key acts as (sandbox/supabase.py), and the worlds where a key opens none.
    **keys.VARIANTS,
}

# variant -> the profile settings of the deployment it stands for (they fill keys the profile leaves unset)
PROFILE_SETTINGS: dict[str, dict[str, str]] = {
    "compliant-queue-dead": {"QUEUE_FAILED_STATUS": "dead"},
    "P4-63-claimed": {"QUEUE_RUNNING_STATUSES": "running,claimed"},
}

# variant -> other criteria the variant necessarily changes too (failed, or not judgeable)
ALSO_AFFECTS: dict[str, tuple[str, ...]] = {
    # Nothing can be read when the connection fails: every other database criterion is broken.
    "P4-40": ("P4-41", "P4-42", "P4-43", "P4-44", "P4-45", "P4-46", "P4-47", "P4-48", "P4-49", "P4-50", "P4-51",
              "P4-63"),
    # The configured search_path names a schema that does not exist (effective path empty); no queue.
    "P4-41": ("P4-44", "P4-46", "P4-63"),
    # A superuser passes every privilege check.
    "P4-42-superuser": ("P4-43",),
    # postgres: superuser (P4-43), no role settings -> server default "$user", public (P4-44), no timeouts (P4-45).
    "P4-42-postgres": ("P4-43", "P4-44", "P4-45"),
    # The production role owns the production schema (P4-43), its search_path is upload_pipeline (P4-44),
    # and it cannot read the staging queue (P4-63 not judgeable) nor the storage buckets (P4-51 not judgeable).
    "P4-42-production-role": ("P4-43", "P4-44", "P4-51", "P4-63"),
    "P4-46": ("P4-63",),  # no queue table: stuck jobs cannot be read
    # The API's session cannot open: P5-05, judged in it, is broken; the worker's criteria are untouched.
    "P5-05-unreachable": ("P5-05",),
    # Whether the failed state is allowed rests on a constraint phasegate cannot read: P5-07 is broken.
    "queue-check-unreadable": ("P5-07",),
}

_RUNNING_AGE = {"default": "1 minute", "P4-63": "2 hours"}


ENV_DATA_DIR = "PHASEGATE_SANDBOX_PGDATA"


def default_data_dir() -> Path:
    """``PHASEGATE_SANDBOX_PGDATA`` when set (a cluster of its own: sandboxes with different data directories run
    side by side, e.g. parallel CI jobs on one machine); else ~/.cache/phasegate/pgdata-<uid> (XDG_CACHE_HOME honoured).

    As root with a private home (e.g. /root mode 700), /var/tmp/phasegate/pgdata-0 instead:
    pgserver makes every parent of the data directory traversable by its ``pgserver`` user
    (chmod o+rx up to /), and loosening /root is not a side effect a test may have.
    """
    if os.environ.get(ENV_DATA_DIR):
        return Path(os.environ[ENV_DATA_DIR]).expanduser()
    uid = os.getuid()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    candidate = cache / "phasegate" / f"pgdata-{uid}"
    if os.geteuid() == 0:
        home = Path.home()
        try:
            private = not (home.stat().st_mode & stat.S_IXOTH)
        except OSError:
            private = True
        if private and home in candidate.parents:
            return Path("/var/tmp/phasegate") / f"pgdata-{uid}"
    return candidate


_HBA = """\
# Written by phasegate's sandbox (phasegate/sandbox/postgres.py).
# The superuser is trusted on the Unix socket; every other role needs its password.
local   all   postgres                 trust
local   all   all                      scram-sha-256
host    all   postgres   127.0.0.1/32  trust
host    all   all        127.0.0.1/32  scram-sha-256
host    all   postgres   ::1/128       trust
host    all   all        ::1/128       scram-sha-256
"""


def _build_url(params: dict[str, str]) -> str:
    """A libpq URL from conninfo parameters (socket hosts go in ?host=)."""
    p = {k: v for k, v in params.items() if v not in (None, "")}
    user = urllib.parse.quote(p.pop("user", ""), safe="")
    password = p.pop("password", None)
    cred = user + (":" + urllib.parse.quote(password, safe="") if password is not None else "")
    host = p.pop("host", "")
    query: dict[str, str] = {}
    if host.startswith("/") or "," in host:
        query["host"] = host
        netloc = ""
        if "port" in p:
            query["port"] = p.pop("port")
    else:
        netloc = (f"[{host}]" if ":" in host else host) + (f":{p.pop('port')}" if "port" in p else "")
    db = urllib.parse.quote(p.pop("dbname", ""), safe="")
    query.update(p)
    q = urllib.parse.urlencode(query, safe="/")
    return f"postgresql://{cred + '@' if cred else ''}{netloc}/{db}" + (f"?{q}" if q else "")


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@dataclass
class SeededWorld:
    """The URLs a seeded world serves. repr shows no password and no URL."""

    variant: str
    dbname: str
    worker_url: str = field(repr=False)
    production_url: str = field(repr=False)
    api_url: str = field(repr=False)  # the API's DATABASE_URL: it enqueues with its own role
    worker_role: str
    production_role: str
    password: str = field(repr=False)
    api_role: str = API_ROLE
    expected_worker_sessions: int = 3
    staging_schema: str = STAGING_SCHEMA
    production_schema: str = PRODUCTION_SCHEMA
    queue_table: str = QUEUE_TABLE
    violates: str | None = None
    also_affects: tuple[str, ...] = ()
    _sessions: list = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        redact.register(self.password)

    def start_worker_sessions(self, n: int | None = None) -> None:
        """A stand-in worker: ``n`` idle connections as the worker (default: expected_worker_sessions).

        Does nothing for "P4-47-none" (and "P4-40", whose URL cannot connect).
        """
        if self.expected_worker_sessions == 0:
            return
        count = self.expected_worker_sessions if n is None else n
        for _ in range(max(0, count - len(self._sessions))):
            conn = psycopg.connect(self.worker_url, autocommit=True, connect_timeout=10,
                                   application_name="upload-worker (phasegate sandbox stand-in)")
            conn.execute("SELECT 1")
            self._sessions.append(conn)

    def stop_worker_sessions(self) -> None:
        while self._sessions:
            conn = self._sessions.pop()
            with contextlib.suppress(Exception):
                conn.close()

    @property
    def worker_session_count(self) -> int:
        return len(self._sessions)


class SandboxPostgres:
    """pgserver (PostgreSQL 16 wheel; Unix socket only; runs as root by creating a pgserver
    user), or the server named by env PHASEGATE_TEST_DATABASE_URL (a superuser URL) when set."""

    def __init__(self, data_dir: str | Path | None = None) -> None:
        self.external_url: str | None = os.environ.get(ENV_URL) or None
        self.data_dir = Path(data_dir).expanduser() if data_dir else default_data_dir()
        self._server = None
        self.admin_url: str = ""
        self.socket_dir: Path | None = None
        self.start_seconds: float | None = None
        self.initialised_now = False
        self._worlds: list[SeededWorld] = []

    # ------------------------------------------------------------------ lifecycle
    @property
    def _lock_path(self) -> Path:
        if self.external_url:
            return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "phasegate" / "external-seed.lock"
        return self.data_dir.parent / f".{self.data_dir.name}.lock"

    @contextlib.contextmanager
    def world_lock(self) -> Iterator[None]:
        """Hold the sandbox world while using it: roles are cluster-wide and seeding drops the
        database, so users of one data directory (sandbox runs, tests) take turns."""
        with _file_lock(self._lock_path.with_name(self._lock_path.name + ".world")):
            yield

    def start(self) -> None:
        if self.admin_url:
            return
        t0 = time.monotonic()
        if self.external_url:
            params = psycopg.conninfo.conninfo_to_dict(self.external_url)
            if params.get("password"):
                redact.register(str(params["password"]))
            self.admin_url = self.external_url
            with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=10) as conn:
                if not conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]:
                    raise RuntimeError(f"{ENV_URL} must name a superuser")
            self.start_seconds = time.monotonic() - t0
            return

        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (containers); pgserver then uses /tmp/runtime-<uid>.
            warnings.simplefilter("ignore")
            import pgserver  # optional test dependency
            from pgserver.postgres_server import PostgresServer

        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self.initialised_now = not (self.data_dir / "PG_VERSION").exists()
        with _file_lock(self._lock_path):
            self._prune_stale_handles(PostgresServer)
            self._server = pgserver.get_server(self.data_dir, cleanup_mode="stop")
            info = self._server.get_postmaster_info()
            self.socket_dir = info.socket_dir
            self.admin_url = self._server.get_uri()  # postgresql://postgres:@/postgres?host=<socket dir>
            self._ensure_hba()
        self.start_seconds = time.monotonic() - t0

    def _prune_stale_handles(self, server_cls) -> None:
        """pgserver stops the server when the last handle's pid leaves its list; a killed
        process never leaves it. Drop pids that no longer run, under pgserver's own lock."""
        handles = self.data_dir / ".handle_pids.json"
        if not handles.exists():
            return
        with server_cls._lock:
            try:
                pids = json.loads(handles.read_text())
                alive = [p for p in pids if _pid_alive(p)]
                if alive != pids:
                    handles.write_text(json.dumps(alive))
            except (OSError, ValueError):
                pass

    def _ensure_hba(self) -> None:
        hba = self.data_dir / "pg_hba.conf"
        if hba.read_text() == _HBA:
            return
        hba.write_text(_HBA)  # keeps the file's owner (pgserver) and mode
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute("SELECT pg_reload_conf()")
            # Wait until the postmaster has re-read pg_hba.conf (a new backend sees the new rules).
            for _ in range(50):
                errors = conn.execute("SELECT count(*) FROM pg_hba_file_rules WHERE error IS NOT NULL").fetchone()[0]
                if errors:
                    raise RuntimeError(f"the sandbox pg_hba.conf has {errors} invalid lines")
                if _password_required(self.socket_dir):
                    break
                time.sleep(0.1)

    def stop(self) -> None:
        for world in self._worlds:
            world.stop_worker_sessions()
        self._worlds.clear()
        if self._server is not None:
            with contextlib.suppress(Exception):
                self._server.cleanup()  # stops the server only if this is its last handle
            self._server = None
        self.admin_url = ""

    def __enter__(self) -> "SandboxPostgres":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = "external server" if self.external_url else f"pgserver at {self.data_dir}"
        return f"SandboxPostgres({where}, running={bool(self.admin_url)})"

    # ------------------------------------------------------------------ urls
    def url_for(self, user: str, password: str | None, dbname: str) -> str:
        """A libpq URL for ``user`` on this server (Unix socket: ``postgresql://u:pw@/db?host=/dir``)."""
        if not self.admin_url:
            raise RuntimeError("SandboxPostgres is not started")
        if password:
            redact.register(password)
        params = dict(psycopg.conninfo.conninfo_to_dict(self.admin_url))
        params.update(user=user, dbname=dbname)
        params.pop("password", None)
        if password is not None:
            params["password"] = password
        return _build_url(params)

    def _admin_url_for(self, dbname: str) -> str:
        params = dict(psycopg.conninfo.conninfo_to_dict(self.admin_url))
        params["dbname"] = dbname
        return _build_url(params)

    @property
    def admin_user(self) -> str:
        return str(psycopg.conninfo.conninfo_to_dict(self.admin_url).get("user") or "postgres")

    # ------------------------------------------------------------------ seeding
    def seed(self, variant: str = "compliant", *, dbname: str = "phase4") -> SeededWorld:
        """Drop and recreate ``dbname`` and the sandbox roles, then build ``variant``'s world."""
        world = self.plan(variant, dbname=dbname)
        self.build(world)
        return world

    def plan(self, variant: str = "compliant", *, dbname: str = "phase4") -> SeededWorld:
        """The world's URLs and roles, before anything is built: a simulator can serve them at once
        while :meth:`build` runs alongside (the URLs do not change when the world is built)."""
        if variant not in VARIANTS:
            raise ValueError(f"unknown sandbox database variant {variant!r}; known: {', '.join(VARIANTS)}")
        if not self.admin_url:
            self.start()
        password = "pw-CANARY-" + secrets.token_hex(12)  # canary: leak tests grep for it
        redact.register(password)
        worker_url = self.url_for(STAGING_ROLE, password, dbname)
        production_url = self.url_for(PRODUCTION_ROLE, password, dbname)
        api_url = self.url_for(API_ROLE, password if variant != "P5-05-unreachable" else password + "-wrong", dbname)
        expected = 3
        if variant == "P4-40":
            worker_url = self.url_for(STAGING_ROLE, password, dbname + "_missing")
            expected = 0
        elif variant == "P4-42-postgres":
            worker_url = self._admin_url_for(dbname)
        elif variant == "P4-42-production-role":
            worker_url = production_url
        elif variant == "P4-47-none":
            expected = 0
        elif variant == "P4-47-too-many":
            expected = POOL_MAX + 2
        return SeededWorld(
            variant=variant, dbname=dbname, worker_url=worker_url, production_url=production_url, api_url=api_url,
            worker_role=(self.admin_user if variant == "P4-42-postgres"
                         else PRODUCTION_ROLE if variant == "P4-42-production-role" else STAGING_ROLE),
            production_role=PRODUCTION_ROLE, password=password, expected_worker_sessions=expected,
            violates=VARIANTS[variant], also_affects=ALSO_AFFECTS.get(variant, ()),
        )

    def build(self, world: SeededWorld) -> None:
        """Drop and recreate the database and roles of a planned world, and build it."""
        with _file_lock(self._lock_path):
            self._reset(world.dbname)
            self._create_roles(world.variant, world.password)
            self._create_database(world.dbname)
            self._build(world.variant, world.dbname)
        self._worlds.append(world)

    def _admin(self, dbname: str | None = None, autocommit: bool = True) -> psycopg.Connection:
        url = self.admin_url if dbname is None else self._admin_url_for(dbname)
        return psycopg.connect(url, autocommit=autocommit, connect_timeout=10,
                               application_name="phasegate sandbox seed")

    def _reset(self, dbname: str) -> None:
        for world in self._worlds:
            world.stop_worker_sessions()
        self._worlds.clear()
        with self._admin() as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE pid <> pg_backend_pid() AND (datname = %s OR usename = ANY(%s))",
                (dbname, list(SANDBOX_ROLES)),
            )
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))
            existing = [r[0] for r in conn.execute(
                "SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", (list(SANDBOX_ROLES),))]
            if not existing:
                return
            idents = sql.SQL(", ").join(sql.Identifier(r) for r in existing)
            conn.execute(sql.SQL("DROP OWNED BY {}").format(idents))
            try:
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(idents))
                return
            except psycopg.errors.DependentObjectsStillExist:
                pass
            # They own things in other databases (an earlier seed under another name): drop those too.
            others = [r[0] for r in conn.execute(
                "SELECT datname FROM pg_database WHERE datallowconn AND datname <> current_database()")]
        for other in others:
            with self._admin(other) as oc:
                oc.execute(sql.SQL("DROP OWNED BY {}").format(idents))
        with self._admin() as conn:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(idents))

    def _create_roles(self, variant: str, password: str) -> None:
        superuser = sql.SQL("SUPERUSER" if variant == "P4-42-superuser" else "NOSUPERUSER")
        with self._admin() as conn:
            conn.execute(sql.SQL(
                "CREATE ROLE {} LOGIN {} NOCREATEDB NOCREATEROLE PASSWORD {}"
            ).format(sql.Identifier(STAGING_ROLE), superuser, sql.Literal(password)))
            conn.execute(sql.SQL(
                "CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {}"
            ).format(sql.Identifier(PRODUCTION_ROLE), sql.Literal(password)))
            conn.execute(sql.SQL(
                "CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {}"
            ).format(sql.Identifier(API_ROLE), sql.Literal(password)))
            conn.execute(sql.SQL("COMMENT ON ROLE {} IS 'phasegate sandbox: staging API (enqueues jobs)'").format(
                sql.Identifier(API_ROLE)))
            conn.execute(sql.SQL("COMMENT ON ROLE {} IS 'phasegate sandbox: staging worker'").format(
                sql.Identifier(STAGING_ROLE)))
            conn.execute(sql.SQL("COMMENT ON ROLE {} IS 'phasegate sandbox: production worker'").format(
                sql.Identifier(PRODUCTION_ROLE)))
            if variant not in NO_SUPABASE_ROLES:
                for statement in supabase.create_roles():
                    conn.execute(statement)

    def _create_database(self, dbname: str) -> None:
        with self._admin() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
            conn.execute(sql.SQL("COMMENT ON DATABASE {} IS 'phasegate sandbox (dropped on every seed)'").format(
                sql.Identifier(dbname)))

    def _build(self, variant: str, dbname: str) -> None:
        """The variant's schemas, tables, grants and door (one transaction), then its roles' settings."""
        with self._admin(dbname, autocommit=False) as conn:
            x = conn.execute
            x("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
            _build_production(x)
            _build_staging(x, variant)
            if variant not in NO_SUPABASE_ROLES:  # a Supabase project: its Data API roles and what they are granted
                x(supabase.exposed(STAGING_SCHEMA, dbname))
                if variant != "P4-41":
                    for statement in supabase.guide_grants(_STS):
                        x(statement)
                for statement in supabase.reference(STAGING_SCHEMA, _ST, _API, keys.STAGING_BUCKET):
                    x(statement)
            if variant in ISOLATION_GRANTS:
                x(ISOLATION_GRANTS[variant])
            for statement in DOORS.get(variant, ()):
                x(statement)
            conn.commit()
        with self._admin() as conn:
            _set_role_settings(conn.execute, variant, dbname)


_ST, _PR, _API = sql.Identifier(STAGING_ROLE), sql.Identifier(PRODUCTION_ROLE), sql.Identifier(API_ROLE)
_STS, _PRS = sql.Identifier(STAGING_SCHEMA), sql.Identifier(PRODUCTION_SCHEMA)


def _build_production(x) -> None:
    """Production: owned by the production role, nothing for PUBLIC."""
    x(sql.SQL("CREATE SCHEMA {} AUTHORIZATION {}").format(_PRS, _PR))
    x(sql.SQL("REVOKE ALL ON SCHEMA {} FROM PUBLIC").format(_PRS))
    x(sql.SQL("SET ROLE {}").format(_PR))
    x(_queue_ddl(PRODUCTION_SCHEMA, with_retry=True))
    x(sql.SQL(
        "CREATE TABLE {}.documents (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
        "owner_id text NOT NULL, title text, storage_key text, created_at timestamptz NOT NULL DEFAULT now())"
    ).format(_PRS))
    x(sql.SQL("INSERT INTO {}.documents (owner_id, title, storage_key) VALUES "
              "('u-1', 'contract.pdf', 'prod/u-1/contract.pdf'), ('u-2', 'invoice.pdf', 'prod/u-2/invoice.pdf')"
              ).format(_PRS))
    x(_queue_rows(PRODUCTION_SCHEMA, sql.Literal("1 minute"), with_retry=True))
    x(sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM PUBLIC").format(_PRS))
    x(sql.SQL("REVOKE ALL ON ALL SEQUENCES IN SCHEMA {} FROM PUBLIC").format(_PRS))
    x("RESET ROLE")


def _build_staging(x, variant: str) -> None:
    """Staging: owned by (and only usable by) the staging role; its queue as the variant shapes it."""
    running_age = sql.Literal(_RUNNING_AGE.get(variant, _RUNNING_AGE["default"]))
    if variant != "P4-41":
        x(sql.SQL("CREATE SCHEMA {} AUTHORIZATION {}").format(_STS, _ST))
        x(sql.SQL("REVOKE ALL ON SCHEMA {} FROM PUBLIC").format(_STS))
        if variant != "P4-46":
            x(sql.SQL("SET ROLE {}").format(_ST))
            with_retry = variant != "P4-46-columns"
            x(_queue_ddl(STAGING_SCHEMA, with_retry=with_retry, serial_id=variant == "P5-05-serial-no-usage"))
            x(_queue_rows(STAGING_SCHEMA, running_age, with_retry=with_retry))
            if variant != "P5-07":
                x(sql.SQL("ALTER TABLE {}.upload_jobs ADD COLUMN last_error text").format(_STS))
            if variant == "P5-07-over-attempts":
                x(sql.SQL("INSERT INTO {}.upload_jobs (status, attempts, max_attempts) "
                          "VALUES ('queued', 5, 3)").format(_STS))
            if variant == "P5-06":  # the owner gives up its own UPDATE: claiming is impossible
                x(sql.SQL("REVOKE UPDATE ON {}.upload_jobs FROM {}").format(_STS, _ST))
            for statement in _queue_states_ddl(variant):
                x(statement)
            x(_api_grants(variant))
            x("RESET ROLE")
    if variant == "P4-44-user":
        x(sql.SQL("CREATE SCHEMA {} AUTHORIZATION {}").format(_ST, _ST))


def _staging_settings(variant: str) -> dict[str, str | None]:
    """The staging role's settings as the variant has them (None: not set)."""
    staging: dict[str, str | None] = {
        "search_path": STAGING_SCHEMA,
        "statement_timeout": "30s",
        "idle_in_transaction_session_timeout": "60s",
    }
    if variant == "P4-44":
        staging["search_path"] = f"{STAGING_SCHEMA}, {PRODUCTION_SCHEMA}"
    elif variant == "P4-44-user":
        staging["search_path"] = '"$user", public'
    elif variant == "P4-45":
        staging["statement_timeout"] = None
    elif variant == "P4-45-zero":
        staging["statement_timeout"] = "0"
    return staging


def _set_role_settings(x, variant: str, dbname: str) -> None:
    """Role settings (cluster-wide per role, or per role in this database)."""
    db = sql.Identifier(dbname)
    in_db = variant == "compliant-role-in-database"
    for name, value in _staging_settings(variant).items():
        if value is None:
            continue
        # search_path always per role in the database (as the brief's example); the
        # timeouts per role, or per role in the database for "compliant-role-in-database".
        scope = in_db or name == "search_path"
        target = (sql.SQL("ALTER ROLE {} IN DATABASE {}").format(_ST, db) if scope
                  else sql.SQL("ALTER ROLE {}").format(_ST))
        if name == "search_path":
            x(sql.SQL("{} SET search_path = {}").format(target, sql.SQL(value)))
        else:
            x(sql.SQL("{} SET {} = {}").format(target, sql.Identifier(name), sql.Literal(value)))
    x(sql.SQL("ALTER ROLE {} IN DATABASE {} SET search_path = {}").format(_PR, db, _PRS))
    x(sql.SQL("ALTER ROLE {} IN DATABASE {} SET search_path = {}").format(_API, db, _STS))
    x(sql.SQL("ALTER ROLE {} SET statement_timeout = '30s'").format(_API))
    x(sql.SQL("ALTER ROLE {} SET statement_timeout = '30s'").format(_PR))
    x(sql.SQL("ALTER ROLE {} SET idle_in_transaction_session_timeout = '60s'").format(_PR))


# The worlds that grant production's schema or a table to someone it should not (one statement each).
ISOLATION_GRANTS: dict[str, sql.Composed] = {
    "P4-43-public-usage": sql.SQL("GRANT USAGE ON SCHEMA {} TO PUBLIC").format(_PRS),
    "P4-43-membership": sql.SQL("GRANT {} TO {}").format(_PR, _ST),
    "P4-43-public-select": sql.SQL("GRANT SELECT ON {}.documents TO PUBLIC").format(_PRS),
    "P5-05-production-usage": sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(_PRS, _API),
    "P5-05-production-role": sql.SQL("GRANT {} TO {}").format(_PR, _API),
}


def _definer(language: str, source: sql.Composable, grant_to: sql.Identifier | None = None) -> list[sql.Composed]:
    """A SECURITY DEFINER function ``document_titles()`` in staging, owned by the production role; EXECUTE
    for everyone (PUBLIC has it by default), or only for ``grant_to``."""
    statements = [
        sql.SQL("CREATE FUNCTION {}.document_titles() RETURNS SETOF text LANGUAGE {} SECURITY DEFINER "
                "SET search_path = pg_catalog {}").format(_STS, sql.SQL(language), source),
        sql.SQL("ALTER FUNCTION {}.document_titles() OWNER TO {}").format(_STS, _PR),
    ]
    if grant_to is not None:
        statements += [
            sql.SQL("REVOKE EXECUTE ON FUNCTION {}.document_titles() FROM PUBLIC").format(_STS),
            sql.SQL("GRANT EXECUTE ON FUNCTION {}.document_titles() TO {}").format(_STS, grant_to),
        ]
    return statements


def _view(kind: str, reader: sql.Identifier) -> list[sql.Composed]:
    """A staging (materialized) view over production's documents, owned by the production role, SELECT to ``reader``."""
    view = sql.SQL(kind)
    return [
        sql.SQL("CREATE {} {}.document_titles AS SELECT id, title FROM {}.documents").format(view, _STS, _PRS),
        sql.SQL("ALTER {} {}.document_titles OWNER TO {}").format(view, _STS, _PR),
        sql.SQL("GRANT SELECT ON {}.document_titles TO {}").format(_STS, reader),
    ]


def _foreign_server(dbname: str) -> list[sql.Composed | str]:
    """A foreign server to ``dbname``. pgserver ships no postgres_fdw: a wrapper without a handler leaves the
    catalog as postgres_fdw would."""
    return [
        "CREATE FOREIGN DATA WRAPPER phasegate_sandbox_fdw",
        sql.SQL("CREATE SERVER production_database FOREIGN DATA WRAPPER phasegate_sandbox_fdw "
                "OPTIONS (host 'db.production.invalid', dbname {})").format(sql.Literal(dbname)),
    ]


_TITLES = sql.SQL("SELECT title FROM {}.documents").format(_PRS)


def _rule(writer: sql.Identifier) -> list[sql.Composed]:
    """A staging table of the production role whose INSERT rule reads production, INSERT to ``writer``."""
    return [
        sql.SQL("CREATE TABLE {}.document_lookups (owner_id text)").format(_STS),
        sql.SQL("CREATE RULE lookup AS ON INSERT TO {s}.document_lookups DO INSTEAD "
                "SELECT d.title, d.storage_key FROM {p}.documents d WHERE d.owner_id = NEW.owner_id").format(
            s=_STS, p=_PRS),
        sql.SQL("ALTER TABLE {}.document_lookups OWNER TO {}").format(_STS, _PR),
        sql.SQL("GRANT INSERT ON {}.document_lookups TO {}").format(_STS, writer),
    ]


def _foreign_table(reader: sql.Identifier) -> list[sql.Composed | str]:
    """A foreign table whose remote schema is production's, SELECT to ``reader``."""
    return [
        *_foreign_server("elsewhere"),
        sql.SQL("CREATE FOREIGN TABLE {}.remote_documents (id bigint, title text) SERVER production_database "
                "OPTIONS (schema_name {}, table_name 'documents')").format(_STS, sql.Literal(PRODUCTION_SCHEMA)),
        sql.SQL("GRANT SELECT ON {}.remote_documents TO {}").format(_STS, reader),
    ]

# The worlds that open one door into production other than a schema or table grant (or none: the
# compliant ones), built by the admin after the staging schema, in order. Each lets the worker (or the
# API) read or write production through it alone; the sandbox's bench and every other criterion are untouched.
DOORS: dict[str, list[sql.Composed | str]] = {
    "P4-43-column-grant": [sql.SQL("GRANT SELECT (id, title) ON {}.documents TO {}").format(_PRS, _ST)],
    "P5-05-column-grant": [sql.SQL("GRANT SELECT (id, owner_id) ON {}.documents TO {}").format(_PRS, _API)],
    "P4-43-sequence": [sql.SQL("GRANT USAGE ON SEQUENCE {}.documents_id_seq TO {}").format(_PRS, _ST)],
    "P4-43-view": _view("VIEW", _ST),
    "P5-05-view": _view("VIEW", _API),
    "P4-43-materialized-view": _view("MATERIALIZED VIEW", _ST),
    "P4-43-view-of-a-view": [
        sql.SQL("CREATE VIEW {}.document_titles AS SELECT id, title FROM {}.documents").format(_STS, _PRS),
        sql.SQL("CREATE VIEW {s}.recent_titles AS SELECT title FROM {s}.document_titles").format(s=_STS),
        *(sql.SQL("ALTER VIEW {}.{} OWNER TO {}").format(_STS, sql.Identifier(view), _PR)
          for view in ("document_titles", "recent_titles")),
        sql.SQL("GRANT SELECT ON {}.recent_titles TO {}").format(_STS, _ST),
    ],
    # INSERT INTO document_lookups (owner_id) VALUES ('u-1') returns that owner's production documents.
    "P4-43-rule": _rule(_ST),
    "P4-43-definer-plpgsql": _definer("plpgsql", sql.SQL("AS $$ BEGIN RETURN QUERY {}; END $$").format(_TITLES)),
    "P4-43-definer-sql": _definer("sql", sql.SQL("AS $$ {} $$").format(_TITLES)),
    "P4-43-definer-atomic": _definer("sql", sql.SQL("BEGIN ATOMIC {}; END").format(_TITLES)),
    "P5-05-definer-function": _definer("plpgsql", sql.SQL("AS $$ BEGIN RETURN QUERY {}; END $$").format(_TITLES),
                                       grant_to=_API),
    # No EXECUTE for anyone but its owner: the trigger alone runs it, when the worker inserts an event.
    "P4-43-definer-trigger": [
        sql.SQL("SET ROLE {}").format(_ST),
        sql.SQL("CREATE TABLE {}.document_events (owner_id text NOT NULL, title text)").format(_STS),
        "RESET ROLE",
        sql.SQL("CREATE FUNCTION {s}.copy_document() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER "
                "SET search_path = pg_catalog AS $$ BEGIN INSERT INTO {p}.documents (owner_id, title) "
                "VALUES (NEW.owner_id, NEW.title); RETURN NEW; END $$").format(s=_STS, p=_PRS),
        sql.SQL("ALTER FUNCTION {}.copy_document() OWNER TO {}").format(_STS, _PR),
        sql.SQL("REVOKE EXECUTE ON FUNCTION {}.copy_document() FROM PUBLIC").format(_STS),
        sql.SQL("CREATE TRIGGER copy_document AFTER INSERT ON {s}.document_events "
                "FOR EACH ROW EXECUTE FUNCTION {s}.copy_document()").format(s=_STS),
    ],
    "P4-43-foreign-table": _foreign_table(_ST),
    # The worker may create foreign tables in its own schema through this mapping.
    "P4-43-user-mapping": [
        *_foreign_server("phase4"),
        sql.SQL("GRANT USAGE ON FOREIGN SERVER production_database TO {}").format(_ST),
        sql.SQL("CREATE USER MAPPING FOR {} SERVER production_database "
                "OPTIONS (user {}, password 'mapping-CANARY-pw-8f8f')").format(_ST, sql.Literal(PRODUCTION_ROLE)),
    ],
    "P4-43-set-role": [sql.SQL("GRANT {} TO {} WITH INHERIT FALSE").format(_PR, _ST)],
    "P4-43-read-all-data": [sql.SQL("GRANT pg_read_all_data TO {}").format(_ST)],
    "P4-43-replication": [sql.SQL("ALTER ROLE {} REPLICATION").format(_ST)],
    "compliant-staging-definers": [
        sql.SQL("SET ROLE {}").format(_ST),
        sql.SQL("CREATE VIEW {s}.job_counts AS SELECT status, count(*) AS jobs FROM {s}.upload_jobs "
                "GROUP BY status").format(s=_STS),
        sql.SQL("CREATE FUNCTION {s}.queued_jobs() RETURNS bigint LANGUAGE sql SECURITY DEFINER "
                "SET search_path = {s} AS $$ SELECT count(*) FROM {s}.upload_jobs WHERE status = 'queued' $$"
                ).format(s=_STS),
        sql.SQL("CREATE FUNCTION {s}.job_statuses() RETURNS SETOF text LANGUAGE sql SECURITY DEFINER "
                "BEGIN ATOMIC SELECT DISTINCT status FROM {s}.upload_jobs; END").format(s=_STS),
        "RESET ROLE",
    ],
    # As Supabase ships them: owned by a superuser, SECURITY DEFINER, touching no application schema.
    "compliant-supabase-definers": [
        *(statement for schema in ("auth", "pgbouncer", "extensions") for statement in (
            sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)),
            sql.SQL("GRANT USAGE ON SCHEMA {} TO PUBLIC").format(sql.Identifier(schema)))),
        "CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE SECURITY DEFINER AS $$ "
        "SELECT coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''), "
        "(nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'))::uuid $$",
        "CREATE FUNCTION pgbouncer.get_auth(p_usename text) RETURNS TABLE(username text, password text) "
        "LANGUAGE plpgsql SECURITY DEFINER AS $$ BEGIN RAISE DEBUG 'PgBouncer auth request: %', p_usename; "
        "RETURN QUERY SELECT usename::text, passwd::text FROM pg_catalog.pg_shadow WHERE usename = p_usename; "
        "END $$",
        "CREATE FUNCTION extensions.uuid_generate_v4() RETURNS uuid LANGUAGE internal SECURITY DEFINER "
        "AS 'gen_random_uuid'",
    ],
}


DOORS.update(supabase.doors(_PRS, _PR, view=_view, definer=_definer, rule=_rule, foreign=_foreign_table))
DOORS.update(supabase.advisor_worlds(_STS, _ST, keys.STAGING_BUCKET))


def _api_grants(variant: str) -> sql.Composed:
    """What the API's role needs to enqueue, and DELETE for the canary's clean-up; granted by the queue's owner.

    USAGE on the id sequence matters only for a serial (nextval) id: an identity column's
    INSERT takes its next value without any privilege on the sequence.
    """
    sts, api = sql.Identifier(STAGING_SCHEMA), sql.Identifier(API_ROLE)
    table_privileges = "SELECT, DELETE" if variant == "P5-05-no-insert" else "SELECT, INSERT, DELETE"
    sequence_privileges = "SELECT" if variant == "P5-05-serial-no-usage" else "USAGE, SELECT"
    sequence = sql.Literal(f"{STAGING_SCHEMA}.{QUEUE_TABLE}")
    return sql.SQL(
        "GRANT USAGE ON SCHEMA {schema} TO {api}; "
        "GRANT {table_privileges} ON {schema}.{table} TO {api}; "
        "DO $$ BEGIN EXECUTE format('GRANT {sequence_privileges} ON SEQUENCE %s TO %I', "
        "pg_get_serial_sequence({sequence}, 'id'), {role}); END $$"
    ).format(schema=sts, api=api, table=sql.Identifier(QUEUE_TABLE), table_privileges=sql.SQL(table_privileges),
             sequence_privileges=sql.SQL(sequence_privileges), sequence=sequence, role=sql.Literal(API_ROLE))


def _queue_ddl(schema: str, *, with_retry: bool, serial_id: bool = False) -> sql.Composed:
    retry = sql.SQL("attempts integer NOT NULL DEFAULT 0, max_attempts integer NOT NULL DEFAULT 3, " if with_retry else "")
    # The reference queue's id is an identity column; a serial id takes its value through nextval().
    id_column = sql.SQL("id bigserial PRIMARY KEY, " if serial_id else "id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, ")
    return sql.SQL(
        "CREATE TABLE {}.upload_jobs ({}"
        "status text NOT NULL DEFAULT 'queued', {}payload jsonb NOT NULL DEFAULT '{{}}', "
        "created_at timestamptz NOT NULL DEFAULT now(), started_at timestamptz, "
        "updated_at timestamptz NOT NULL DEFAULT now())"
    ).format(sql.Identifier(schema), id_column, retry)


def _queue_rows(schema: str, running_age: sql.Composable, *, with_retry: bool) -> sql.Composed:
    if with_retry:
        cols = sql.SQL("status, attempts, max_attempts, payload, created_at, started_at, updated_at")
        rows = sql.SQL(
            "('queued', 0, 3, '{{\"file\": \"a.pdf\"}}', now() - interval '5 minutes', NULL, now() - interval '5 minutes'), "
            "('running', 1, 3, '{{\"file\": \"b.pdf\"}}', now() - {age}::interval - interval '1 minute', now() - {age}::interval, now() - {age}::interval), "
            "('done', 1, 3, '{{\"file\": \"c.pdf\"}}', now() - interval '1 hour', now() - interval '59 minutes', now() - interval '58 minutes'), "
            "('failed', 3, 3, '{{\"file\": \"d.pdf\"}}', now() - interval '2 hours', now() - interval '119 minutes', now() - interval '118 minutes')"
        ).format(age=running_age)
    else:
        cols = sql.SQL("status, payload, created_at, started_at, updated_at")
        rows = sql.SQL(
            "('queued', '{{\"file\": \"a.pdf\"}}', now() - interval '5 minutes', NULL, now() - interval '5 minutes'), "
            "('running', '{{\"file\": \"b.pdf\"}}', now() - {age}::interval - interval '1 minute', now() - {age}::interval, now() - {age}::interval)"
        ).format(age=running_age)
    return sql.SQL("INSERT INTO {}.upload_jobs ({}) VALUES {}").format(sql.Identifier(schema), cols, rows)


def _queue_states_ddl(variant: str) -> list[sql.Composed]:
    """The staging queue's status column as a queue-states variant declares it (run as the queue's owner)."""
    schema = sql.Identifier(STAGING_SCHEMA)
    table = sql.SQL("{}.upload_jobs").format(schema)

    def q(text: str) -> sql.Composed:
        return sql.SQL(text).format(table=table, schema=schema)

    if variant == "P4-63-claimed":
        return [q("INSERT INTO {table} (status, attempts, max_attempts, payload, created_at, started_at, updated_at) "
                  "VALUES ('claimed', 1, 3, '{{\"file\": \"e.pdf\"}}', now() - interval '121 minutes', "
                  "now() - interval '2 hours', now() - interval '2 hours')")]
    if not variant.startswith(("compliant-queue-", "P5-07-queue-", "queue-")):
        return []
    statements = [q("DELETE FROM {table} WHERE status = 'failed'")]
    to_enum = ("ALTER TABLE {table} ALTER COLUMN status DROP DEFAULT, ALTER COLUMN status TYPE {schema}.job_status "
               "USING status::{schema}.job_status, ALTER COLUMN status SET DEFAULT 'queued'")
    if variant == "compliant-queue-enum":
        statements += [q("CREATE TYPE {schema}.job_status AS ENUM ('queued', 'running', 'done', 'failed')"), q(to_enum)]
    elif variant == "P5-07-queue-enum-without-failed":
        statements += [q("CREATE TYPE {schema}.job_status AS ENUM ('queued', 'running', 'done')"), q(to_enum)]
    elif variant == "compliant-queue-dead":
        statements.append(q("ALTER TABLE {table} ADD CONSTRAINT upload_jobs_status_check "
                            "CHECK (status IN ('queued', 'running', 'done', 'dead'))"))
    elif variant == "compliant-queue-domain":
        statements += [q("CREATE DOMAIN {schema}.job_state AS text CHECK (VALUE <> '')"),
                       q("CREATE DOMAIN {schema}.job_status AS {schema}.job_state "
                         "CHECK (VALUE IN ('queued', 'running', 'done', 'failed'))"),
                       q("ALTER TABLE {table} ALTER COLUMN status TYPE {schema}.job_status, "
                         "ADD CONSTRAINT upload_jobs_attempts_check CHECK (attempts >= 0)")]
    elif variant == "queue-check-unreadable":
        statements.append(q("ALTER TABLE {table} ADD CONSTRAINT upload_jobs_status_check "
                            "CHECK (status ~ '^(queued|running|done|failed)$')"))
    return statements


def _pid_alive(pid: object) -> bool:
    try:
        os.kill(int(pid), 0)  # type: ignore[arg-type]
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError, TypeError):
        return True
    return True


def _password_required(socket_dir: Path | None) -> bool:
    """True once a non-superuser without a password is refused (the new pg_hba.conf is live)."""
    if socket_dir is None:
        return True
    try:
        psycopg.connect(f"postgresql://phasegate_hba_probe@/postgres?host={socket_dir}", connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        low = str(exc).lower()
        return "password" in low  # before: 'role "phasegate_hba_probe" does not exist'
    return False
