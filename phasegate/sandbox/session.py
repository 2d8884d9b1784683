"""A sandbox for one run: the simulated Render serving a world, and its database when needed."""

from __future__ import annotations

import secrets as _random

from ..config import Profile
from .simulator import Faults, RenderSimulator
from .worlds import world as load_world


class SandboxSession:
    """Start what the world needs for the criteria selected; stop it all on exit."""

    def __init__(self, profile: Profile, *, api_key: str, needs: frozenset[str] = frozenset()):
        self.profile = profile
        self.api_key = api_key
        self.needs = needs
        self.world = load_world(profile.sandbox_world)
        self.simulator: RenderSimulator | None = None
        self.postgres = None
        self.seeded = None

    def __enter__(self) -> "SandboxSession":
        substitutions = self._database_urls()
        self.simulator = RenderSimulator(
            self.world,
            api_key=self.api_key,
            faults=Faults.parse(self.profile.sandbox_faults),
            substitutions=substitutions,
        )
        self.simulator.start()
        return self

    @property
    def base_url(self) -> str:
        return self.simulator.base_url

    def _database_urls(self) -> dict[str, str]:
        if "database" not in self.needs:
            # No database criterion runs: serve well-formed URLs nothing will connect to.
            password = "pw-sandbox-" + _random.token_hex(8)
            return {
                "DATABASE_URL": f"postgresql://upload_worker_staging:{password}@db.sandbox.invalid:5432/phase4?sslmode=require",
                "PRODUCTION_DATABASE_URL": f"postgresql://upload_worker_prod:{password}x@db.sandbox.invalid:5432/phase4?sslmode=require",
            }
        from .postgres import SandboxPostgres

        self.postgres = SandboxPostgres()
        self.postgres.start()
        variant = self.world.get("database", {}).get("variant", "compliant")
        self.seeded = self.postgres.seed(variant)
        self.seeded.start_worker_sessions()
        return {"DATABASE_URL": self.seeded.worker_url, "PRODUCTION_DATABASE_URL": self.seeded.production_url}

    def __exit__(self, *exc) -> None:
        if self.simulator is not None:
            if self.profile.sandbox_request_log:
                self.simulator.write_request_log(self.profile.sandbox_request_log)
            self.simulator.stop()
        if self.seeded is not None:
            self.seeded.stop_worker_sessions()
        if self.postgres is not None:
            self.postgres.stop()
