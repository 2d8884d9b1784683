"""A sandbox for one run: the simulated Render serving a world, and its database when needed.

A sandbox world has two halves: a Render world (``worlds.py``, wire format) and a database
variant (``postgres.py``). :data:`CATALOGUE` names every combination the tests use, with the
one criterion it must fail and the criteria it necessarily affects as well.
"""

from __future__ import annotations

import fcntl
from pathlib import Path
import json
import subprocess
import sys
import threading
import secrets
import tempfile
from dataclasses import dataclass, field

from ..errors import ConfigError, TargetError
from ..redact import describe
from . import child, keys, worlds
from .settings import DEFAULT_WORLD, SANDBOX_ROLE_URLS, check_faults

# How the worker's DATABASE_URL is served. "real": the seeded database's URL. The others
# serve a remote-looking URL (what the worker would have on Render) and let the suite reach
# the same database by another route, as PHASEGATE_DATABASE_URL does for real runners.
URL_STYLES = {
    "real": None,
    "remote-without-tls": "postgresql://{user}:{password}@db.staging.example.com:5432/phase4",
    "remote-sslmode-disable": "postgresql://{user}:{password}@db.staging.example.com:5432/phase4?sslmode=disable",
    "remote-with-tls": "postgresql://{user}:{password}@db.staging.example.com:5432/phase4?sslmode=require",
    "supabase-project": keys.PROJECT_URL,  # names the Supabase project the keys of a world may belong to
}


# The snapshot parts that need the sandbox's database: the worker's session and the API's.
DATABASE_PARTS = frozenset({"database", "api_database"})


@dataclass(frozen=True)
class SandboxWorld:
    render_world: str
    database_variant: str
    url_style: str
    violates: str | None
    also_affects: tuple[str, ...] = ()
    worker: str = "normal"  # the stand-in worker's behaviour in the round trip (phasegate.sandbox.worker)
    # The profile settings of the deployment the world stands for (postgres.PROFILE_SETTINGS): they fill
    # the keys the profile leaves unset, e.g. a queue whose failed state is QUEUE_FAILED_STATUS=dead.
    settings: dict = field(default_factory=dict)


def _catalogue() -> dict[str, SandboxWorld]:
    from .postgres import ALSO_AFFECTS, PROFILE_SETTINGS, VARIANTS

    entries = {name: SandboxWorld(name, "compliant", "real", cid, worlds.ALSO_AFFECTS.get(name, ()))
               for name, cid in worlds.VIOLATES.items()}
    for variant, cid in VARIANTS.items():
        if variant == "compliant":
            continue
        if variant == "P4-40":  # a worker URL naming a database that does not exist: unreachable
            entries["database-unreachable"] = SandboxWorld("compliant", variant, "real", None, ALSO_AFFECTS[variant])
            continue
        if variant == "P5-05-unreachable":  # the API's URL carries a wrong password: only its session fails
            entries["api-database-unreachable"] = SandboxWorld("compliant", variant, "real", None,
                                                               ALSO_AFFECTS[variant])
            continue
        style = "supabase-project" if variant in keys.PROJECT_URL_VARIANTS else "real"
        entries[variant] = SandboxWorld("compliant", variant, style, cid, ALSO_AFFECTS.get(variant, ()),
                                        settings=PROFILE_SETTINGS.get(variant, {}))
    entries["P4-40"] = SandboxWorld("compliant", "compliant", "remote-without-tls", "P4-40")
    entries["P4-40-sslmode-disable"] = SandboxWorld("compliant", "compliant", "remote-sslmode-disable", "P4-40")
    entries["compliant-remote-with-tls"] = SandboxWorld("compliant", "compliant", "remote-with-tls", None)
    for name, (behaviour, outcomes, _) in worlds.WORKER_WORLDS.items():
        failed = [cid for cid, state in outcomes.items() if state == "failed"]
        entries[name] = SandboxWorld("compliant", "compliant", "real", failed[0] if len(failed) == 1 else None,
                                     worker=behaviour)
    return entries


CATALOGUE = _catalogue()


def resolve(name: str) -> SandboxWorld:
    try:
        return CATALOGUE[name]
    except KeyError:
        raise KeyError(f"unknown sandbox world {name!r}; known: {', '.join(sorted(CATALOGUE))}") from None


def world_settings(name: str) -> dict[str, str]:
    """The profile settings a world carries for the deployment it stands for ({} for an unknown world:
    :func:`check_world` refuses it)."""
    world = CATALOGUE.get(name)
    return dict(world.settings) if world else {}


def check_world(where: str, name: str) -> None:
    if name not in CATALOGUE:
        raise ConfigError(f"{where}: PHASEGATE_SANDBOX_WORLD is not a sandbox world, got {describe(name)} "
                          "(phasegate sandbox worlds lists them)")


class SandboxSession:
    """Start what the world needs for the criteria selected; stop it all on exit.

    Plain settings in: the world and faults (``faults_at`` names where they came from, for the
    one-line refusal), the request log, whether PgBouncer stands between, and the queue's done
    and failed states the stand-in worker writes.
    """

    def __init__(self, *, api_key: str, needs: frozenset[str] = frozenset(), world: str = DEFAULT_WORLD,
                 faults: str = "", faults_at: str = "the sandbox", request_log: str | None = None,
                 pooler: bool = False, done_status: str = "done", failed_status: str = "failed"):
        self.api_key = api_key
        self.needs = needs
        self.spec = resolve(world)
        self.faults, self.faults_at = faults, faults_at
        self.request_log, self.use_pooler = request_log, pooler
        self.done_status, self.failed_status = done_status, failed_status
        self.world = worlds.world(self.spec.render_world)
        self._child: subprocess.Popen | child.ForkedChild | None = None
        self.base_url: str | None = None
        self.postgres = None
        self.seeded = None
        self.database_route: str | None = None  # how the suite reaches the database, when not by DATABASE_URL
        self.api_database_route: str | None = None  # the same, for the API's session
        self.pooler = None  # the sandbox's PgBouncer, when the profile asks for it
        self._world_lock = None
        self._building: threading.Thread | None = None
        self._build_error: BaseException | None = None
        self._worker: subprocess.Popen | None = None  # the stand-in worker, for the round trip
        self._endpoints = None  # the world's public endpoints (phasegate.sandbox.endpoints), when a criterion probes
        self._endpoint_dir: tempfile.TemporaryDirectory | None = None
        self.endpoint_hosts: dict[str, tuple[str, int]] = {}  # host -> where the run reaches it (loopback)
        self.endpoint_ca_file: str | None = None  # the only CA the run trusts for them

    def __enter__(self) -> "SandboxSession":
        check_faults(self.faults_at, self.faults)
        # The simulator's interpreter starts while the database is prepared.
        self._child = child.start()
        try:
            substitutions = self._substitutions()
            spec = {"world": self.spec.render_world, "key": self.api_key, "faults": self.faults,
                    "substitutions": substitutions, "request_log": self.request_log}
            self._child.stdin.write(json.dumps(spec) + "\n")
            self._child.stdin.flush()
            line = self._child.stdout.readline().strip()
            if not line.startswith("http"):
                raise TargetError(f"the sandbox's Render simulator did not start: {line or 'no answer'}")
            self.base_url = line
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def start_endpoints(self) -> dict[str, tuple[str, int]]:
        """Serve the world's public endpoints over TLS on loopback (once; when a selected criterion probes one):
        where the run reaches each host. ``endpoint_ca_file`` is then the one CA the run trusts for them."""
        if self._endpoints is not None:
            return self.endpoint_hosts
        from .endpoints import EndpointServer

        self._endpoint_dir = tempfile.TemporaryDirectory(prefix="phasegate-sandbox-tls-")
        self._endpoints = EndpointServer(self.world["endpoints"], Path(self._endpoint_dir.name))
        self.endpoint_hosts = self._endpoints.start()
        self.endpoint_ca_file = str(self._endpoints.ca_file)
        return self.endpoint_hosts

    @property
    def endpoint_refusals(self) -> list[str]:
        """Methods the endpoint server was sent that it refuses (anything but GET, HEAD, OPTIONS): none, ever."""
        return list(self._endpoints.refused) if self._endpoints is not None else []

    def _substitutions(self) -> dict[str, str]:
        """What the simulator puts in place of the world's placeholders: the database URLs and the keys."""
        return {**keys.keys_for(self.spec.database_variant), **self._database_urls()}

    def _database_urls(self) -> dict[str, str]:
        if not self.needs & DATABASE_PARTS:
            # No database criterion runs: serve well-formed URLs nothing will connect to.
            password = "pw-sandbox-" + secrets.token_hex(8)
            remote = URL_STYLES["remote-with-tls"]
            return {
                "DATABASE_URL": remote.format(user="upload_worker_staging", password=password),
                "PRODUCTION_DATABASE_URL": remote.format(user="upload_worker_prod", password=password + "p"),
                "API_DATABASE_URL": remote.format(user="upload_api_staging", password=password + "a"),
            }
        from .postgres import SandboxPostgres

        self.postgres = SandboxPostgres()
        self.postgres.start()
        # Roles are cluster-wide and seeding drops the database: two sandbox runs on one
        # machine take turns rather than reseed each other's world mid-run.
        lock_path = self.postgres._lock_path.with_name(self.postgres._lock_path.name + ".world")
        self._world_lock = open(lock_path, "a+")
        fcntl.flock(self._world_lock, fcntl.LOCK_EX)
        self.seeded = self.postgres.plan(self.spec.database_variant)
        if self.use_pooler:
            # PHASEGATE_SANDBOX_POOLER: the worker (and the suite) reach the database through
            # PgBouncer in transaction mode, as a Render worker reaches Supabase.
            from .pooler import SandboxPooler

            self.pooler = SandboxPooler(self.postgres)  # started once the world's roles exist
            self.seeded.worker_url = self.pooler.route(self.seeded.worker_url)
            self.seeded.production_url = self.pooler.route(self.seeded.production_url)
            self.seeded.api_url = self.pooler.route(self.seeded.api_url)
        # The database is built while the simulator serves and Render is read; the suite waits
        # for it only before its own database read (database_ready).
        self._building = threading.Thread(target=self._build_database, name="phasegate-sandbox-seed", daemon=True)
        self._building.start()
        worker_url, api_url = self.seeded.worker_url, self.seeded.api_url
        style = URL_STYLES[self.spec.url_style]
        if style is not None:  # both services are served the remote-looking URL, each with its own role
            self.database_route, self.api_database_route = worker_url, api_url
            worker_url = style.format(user=self.seeded.worker_role, password=self.seeded.password)
            api_url = style.format(user=self.seeded.api_role, password=self.seeded.password)
        return {"DATABASE_URL": worker_url, "PRODUCTION_DATABASE_URL": self.seeded.production_url,
                "API_DATABASE_URL": api_url}

    def _build_database(self) -> None:
        try:
            self.postgres.build(self.seeded)
            if self.pooler is not None:
                self.pooler.start()
            self.seeded.start_worker_sessions()
        except BaseException as exc:  # reported by database_ready, in the thread that reads
            self._build_error = exc

    def database_ready(self) -> None:
        """Block until the sandbox database is built; raise what building it raised."""
        if self._building is not None:
            self._building.join()
        if self._build_error is not None:
            raise self._build_error

    def role_url(self, placeholder: str) -> str:
        """The URL of the sandbox role a route key's placeholder names (settings.SANDBOX_ROLE_URLS), through the
        pooler when there is one: how a test gives a route that logs in as another role than the service's own."""
        from .postgres import API_ROLE, PRODUCTION_ROLE, STAGING_ROLE

        if self.seeded is None:
            raise TargetError(f"the sandbox database was not started: no role for {placeholder}")
        role = SANDBOX_ROLE_URLS[placeholder]
        if role == API_ROLE:
            return self.seeded.api_url
        if role == PRODUCTION_ROLE:
            return self.seeded.production_url
        assert role == STAGING_ROLE, role
        url = self.postgres.url_for(STAGING_ROLE, self.seeded.password, self.seeded.dbname)
        return self.pooler.route(url) if self.pooler is not None else url

    def start_worker(self, poll_seconds: float = 0.1) -> None:
        """Start the stand-in worker (phasegate.sandbox.worker) as the worker role, unless the world stops it.

        Called by the round trip once the snapshot is taken: the worker changes the queue, and
        every other criterion is judged on the queue as seeded.
        """
        if self._worker is not None or self.spec.worker == "stopped":
            return
        self.database_ready()
        # The deployed worker's states, as the profile names them.
        spec = {"url": self.seeded.worker_url, "schema": self.seeded.staging_schema, "table": self.seeded.queue_table,
                "behaviour": self.spec.worker, "poll_seconds": poll_seconds,
                "done_status": self.done_status, "failed_status": self.failed_status}
        # The URL goes through stdin: a command line is visible to every user of the machine.
        self._worker = subprocess.Popen([sys.executable, "-m", "phasegate.sandbox.worker"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        self._worker.stdin.write(json.dumps(spec) + "\n")
        self._worker.stdin.flush()
        line = self._worker.stdout.readline().strip()
        if line != "ready":
            self._stop_worker()
            raise TargetError(f"the sandbox's stand-in worker did not start: {line or 'no answer'}")

    def _stop_worker(self) -> None:
        _close_child(self._worker)  # the worker finishes its job in hand and exits
        self._worker = None

    def __exit__(self, *exc) -> None:
        self._stop_worker()
        if self._endpoints is not None:
            self._endpoints.stop()
            self._endpoints = None
        if self._endpoint_dir is not None:
            self._endpoint_dir.cleanup()
            self._endpoint_dir = None
        if self._building is not None:
            self._building.join()
        _close_child(self._child)  # the simulator writes its request log and exits
        self._child = None
        if self.seeded is not None:
            self.seeded.stop_worker_sessions()
            self.seeded = None
        if self._world_lock is not None:
            self._world_lock.close()  # releases the flock
            self._world_lock = None
        if self.pooler is not None:
            self.pooler.stop()
            self.pooler = None
        if self.postgres is not None:
            self.postgres.stop()
            self.postgres = None


def _close_child(process: subprocess.Popen | None) -> None:
    """Close a child's stdin (its signal to finish and exit); kill it if it has not exited 10 s later."""
    if process is None:
        return
    try:
        process.stdin.close()
        process.wait(timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        process.kill()
        process.wait()
    process.stdout.close()
