"""A sandbox for one run: the simulated Render serving a world, and its database when needed.

A sandbox world has two halves: a Render world (``worlds.py``, wire format) and a database
variant (``postgres.py``). :data:`CATALOGUE` names every combination the tests use, with the
one criterion it must fail and the criteria it necessarily affects as well.
"""

from __future__ import annotations

import fcntl
import secrets as _random
from dataclasses import dataclass

from ..config import Profile
from . import worlds
from .simulator import Faults, RenderSimulator

# How the worker's DATABASE_URL is served. "real": the seeded database's URL. The others
# serve a remote-looking URL (what the worker would have on Render) and let the suite reach
# the same database by another route, as PHASEGATE_DATABASE_URL does for real runners.
URL_STYLES = {
    "real": None,
    "remote-without-tls": "postgresql://{user}:{password}@db.staging.example.com:5432/phase4",
    "remote-sslmode-disable": "postgresql://{user}:{password}@db.staging.example.com:5432/phase4?sslmode=disable",
    "remote-with-tls": "postgresql://{user}:{password}@db.staging.example.com:5432/phase4?sslmode=require",
}


@dataclass(frozen=True)
class SandboxWorld:
    render_world: str
    database_variant: str
    url_style: str
    violates: str | None
    also_affects: tuple[str, ...] = ()


def _catalogue() -> dict[str, SandboxWorld]:
    from .postgres import ALSO_AFFECTS, VARIANTS

    entries = {name: SandboxWorld(name, "compliant", "real", cid) for name, cid in worlds.VIOLATES.items()}
    for variant, cid in VARIANTS.items():
        if variant == "compliant":
            continue
        if variant == "P4-40":  # a worker URL naming a database that does not exist: unreachable
            entries["database-unreachable"] = SandboxWorld("compliant", variant, "real", None, ALSO_AFFECTS[variant])
            continue
        entries[variant] = SandboxWorld("compliant", variant, "real", cid, ALSO_AFFECTS.get(variant, ()))
    entries["P4-40"] = SandboxWorld("compliant", "compliant", "remote-without-tls", "P4-40")
    entries["P4-40-sslmode-disable"] = SandboxWorld("compliant", "compliant", "remote-sslmode-disable", "P4-40")
    entries["compliant-remote-with-tls"] = SandboxWorld("compliant", "compliant", "remote-with-tls", None)
    return entries


CATALOGUE = _catalogue()


def resolve(name: str) -> SandboxWorld:
    try:
        return CATALOGUE[name]
    except KeyError:
        raise KeyError(f"unknown sandbox world {name!r}; known: {', '.join(sorted(CATALOGUE))}") from None


class SandboxSession:
    """Start what the world needs for the criteria selected; stop it all on exit."""

    def __init__(self, profile: Profile, *, api_key: str, needs: frozenset[str] = frozenset(),
                 world_name: str | None = None, faults: str | None = None):
        self.profile = profile
        self.api_key = api_key
        self.needs = needs
        self.spec = resolve(world_name or profile.sandbox_world)
        self.faults = profile.sandbox_faults if faults is None else faults
        self.world = worlds.world(self.spec.render_world)
        self.simulator: RenderSimulator | None = None
        self.postgres = None
        self.seeded = None
        self.database_route: str | None = None  # how the suite reaches the database, when not by DATABASE_URL
        self._world_lock = None

    def __enter__(self) -> "SandboxSession":
        try:
            substitutions = self._database_urls()
            self.simulator = RenderSimulator(self.world, api_key=self.api_key, faults=Faults.parse(self.faults),
                                             substitutions=substitutions)
            self.simulator.start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    @property
    def base_url(self) -> str:
        return self.simulator.base_url

    def _database_urls(self) -> dict[str, str]:
        if "database" not in self.needs:
            # No database criterion runs: serve well-formed URLs nothing will connect to.
            password = "pw-sandbox-" + _random.token_hex(8)
            remote = URL_STYLES["remote-with-tls"]
            return {
                "DATABASE_URL": remote.format(user="upload_worker_staging", password=password),
                "PRODUCTION_DATABASE_URL": remote.format(user="upload_worker_prod", password=password + "p"),
            }
        from .postgres import SandboxPostgres

        self.postgres = SandboxPostgres()
        self.postgres.start()
        # Roles are cluster-wide and seeding drops the database: two sandbox runs on one
        # machine take turns rather than reseed each other's world mid-run.
        lock_path = self.postgres._lock_path.with_name(self.postgres._lock_path.name + ".world")
        self._world_lock = open(lock_path, "a+")
        fcntl.flock(self._world_lock, fcntl.LOCK_EX)
        self.seeded = self.postgres.seed(self.spec.database_variant)
        self.seeded.start_worker_sessions()
        worker_url = self.seeded.worker_url
        style = URL_STYLES[self.spec.url_style]
        if style is not None:
            self.database_route = worker_url
            worker_url = style.format(user=self.seeded.worker_role, password=self.seeded.password)
        return {"DATABASE_URL": worker_url, "PRODUCTION_DATABASE_URL": self.seeded.production_url}

    def __exit__(self, *exc) -> None:
        if self.simulator is not None:
            if self.profile.sandbox_request_log:
                self.simulator.write_request_log(self.profile.sandbox_request_log)
            self.simulator.stop()
            self.simulator = None
        if self.seeded is not None:
            self.seeded.stop_worker_sessions()
            self.seeded = None
        if self._world_lock is not None:
            self._world_lock.close()  # releases the flock
            self._world_lock = None
        if self.postgres is not None:
            self.postgres.stop()
            self.postgres = None
