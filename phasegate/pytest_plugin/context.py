"""The run context: the profile, the targets (a sandbox when asked) and one Render client per run."""

from __future__ import annotations

import secrets

import pytest

from .. import redact
from .. import RENDER_API_URL
from ..profile import Profile, choose_profile, load_profile
from ..errors import PhasegateError


def profile_name(config) -> str:
    """``--env`` wins; else the environment ``-m`` names (never a fallback for a missing one); else staging."""
    return choose_profile(config.getoption("phasegate_env"), config.option.markexpr, config.rootpath)


class RunContext:
    """What one run reads through: the profile, the targets (a sandbox when asked), one Render client.

    Lives on the pytest config, not in a fixture: the environment-wide policy discovers its
    services while tests are collected, and the criteria read later through the same client,
    so no resource is read twice and the sandbox is started once.
    """

    def __init__(self, config):
        self.config = config
        self._profile: Profile | None = None
        self._sandbox = None
        self._targets = None
        self._client = None
        self.environment = None  # the policy's EnvironmentSnapshot, when policy scenarios run
        self.environment_error: PhasegateError | None = None

    def profile(self) -> Profile:
        if self._profile is None:
            self._profile = load_profile(profile_name(self.config), self.config.rootpath)
        return self._profile

    def targets(self, needs: frozenset[str]) -> "Targets":
        if self._targets is None:
            self._targets = self._start(needs)
        if self._sandbox is not None and self._targets.endpoint_route is None and any(
                need.startswith("probe ") for need in needs):  # its public endpoints: its hosts on loopback, its CA
            from ..endpoints import EndpointRoute

            self._targets.endpoint_route = EndpointRoute(self._sandbox.start_endpoints(),
                                                         self._sandbox.endpoint_ca_file)
        return self._targets

    def _start(self, needs: frozenset[str]) -> "Targets":
        profile = self.profile()
        if not profile.sandbox:
            return Targets(profile.render_api_url, profile.render_api_key.reveal(), None, None)
        from ..sandbox.session import SandboxSession

        # The sandbox accepts the profile's key when one is given (leak tests use a canary), else a random one.
        key = profile.render_api_key.reveal() if profile.render_api_key else "rnd_sandbox_" + secrets.token_hex(12)
        self._sandbox = SandboxSession(api_key=key, needs=needs, **profile.sandbox_arguments()).__enter__()
        return Targets(self._sandbox.base_url, key, self._sandbox.database_route, self._sandbox.database_ready,
                       self._sandbox.api_database_route)

    def client(self, needs: frozenset[str]):
        if self._client is None:
            from ..render import RenderClient

            profile, targets = self.profile(), self.targets(needs)
            self._client = RenderClient(targets.api_url, targets.api_key(), timeout=profile.render_timeout,
                                        retry_budget=profile.render_retry_budget,
                                        rate_wait_limit=profile.render_rate_wait)
        return self._client

    @property
    def sandbox(self):
        """The run's SandboxSession once started (the round trip starts its stand-in worker), else None."""
        return self._sandbox

    def answered_as_simulator(self) -> bool:
        return self._client is not None and self._client.answered_as_simulator

    def is_sandbox(self) -> bool:
        """The profile says sandbox, or whatever answered said it is the phasegate simulator."""
        return self.profile().sandbox or self.answered_as_simulator()

    def render_stats(self) -> dict:
        """GETs sent (retries included), the lowest Ratelimit-Remaining, and where the API was read."""
        client, profile = self._client, self.profile()
        stats = {"requests": client.request_count if client else 0,
                 "ratelimit_remaining_min": client.ratelimit_remaining if client else None,
                 "refused_429": client.rate.refusals if client else 0,
                 "rate_waited_s": round(client.rate.waited, 1) if client else 0.0}
        stats.update({
            "api_url": self._targets.api_url if self._targets is not None else profile.render_api_url,
            "api_url_from": ("the sandbox" if profile.sandbox else
                             "process environment" if "RENDER_API_URL" in profile.from_environment else
                             "profile" if profile.render_api_url != RENDER_API_URL else "default"),
            "answered_by": sorted(client.answered_by) if client else [],
            "answered_as_simulator": self.answered_as_simulator(),
        })
        return stats

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        if self._sandbox is not None:
            self._sandbox.__exit__(None, None, None)
        self._client = self._sandbox = None


class Targets:
    """The Render API to read and, in the sandbox, the route to the database. Repr shows no key."""

    def __init__(self, api_url: str, api_key: str, database_route: str | None, database_ready=None,
                 api_database_route: str | None = None):
        self.api_url, self._api_key, self.database_route = api_url, api_key, database_route
        self.api_database_route = api_database_route  # the sandbox's route to the API's database, like the worker's
        self.database_ready = database_ready  # the sandbox builds its database while Render is read
        self.endpoint_route = None  # public endpoints: DNS and the system's trust store, unless the sandbox says
        redact.register(api_key)

    def api_key(self) -> str:
        return self._api_key

    def __repr__(self) -> str:
        return f"<targets {self.api_url}>"


CONTEXT = pytest.StashKey[RunContext]()


def context(config) -> RunContext:
    if CONTEXT not in config.stash:
        config.stash[CONTEXT] = RunContext(config)
    return config.stash[CONTEXT]


def close_context(config) -> None:
    """Close the run's Render client and sandbox, if this run opened them."""
    if CONTEXT in config.stash:
        config.stash[CONTEXT].close()
