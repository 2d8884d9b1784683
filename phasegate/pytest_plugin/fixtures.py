"""The session fixtures: profile -> targets -> snapshot, the environment policy's read, the canary run.

Registered as a plugin module by conftest.py (beside :mod:`.hooks`).
"""

from __future__ import annotations

import pytest

from ..causes import whole_target
from ..profile import Profile
from ..errors import ConfigError, TargetError
from .context import context
from .round_trip import open_canary_run
from .scenario import scenario_ids
from .stash import NEEDS, PROFILE, SNAPSHOT


@pytest.fixture
def scenario_criteria(request) -> list[str]:
    """The criterion IDs the running scenario judges: what steps name their evidence by (steps import no plugin module)."""
    return scenario_ids(request.node)


@pytest.fixture(scope="session")
def profile(pytestconfig) -> Profile:
    profile = pytestconfig.stash.get(PROFILE, None)
    if profile is None:
        raise ConfigError("no profile was loaded: no criterion scenario was selected")
    return profile


@pytest.fixture(scope="session")
def targets(profile, pytestconfig):
    """Where to read: the profile's Render, or a sandbox (simulated Render + database) for this run."""
    return context(pytestconfig).targets(pytestconfig.stash[NEEDS])


@pytest.fixture(scope="session")
def snapshot(profile, targets, pytestconfig):
    """The one read of everything the selected criteria need. A read failure breaks every scenario."""
    from ..snapshot import take

    client = context(pytestconfig).client(pytestconfig.stash[NEEDS])
    if context(pytestconfig).sandbox is not None:  # a route key may name a sandbox role: its URL in its place
        profile = profile.with_routes(context(pytestconfig).sandbox.role_url)
    try:
        snapshot = take(profile, client, pytestconfig.stash[NEEDS], database_route=targets.database_route,
                        database_ready=targets.database_ready, api_database_route=targets.api_database_route,
                        endpoint_route=targets.endpoint_route)
    except TargetError as exc:  # no snapshot at all: every criterion is broken by this one cause
        raise whole_target(exc, "Render API") from None
    pytestconfig.stash[SNAPSHOT] = snapshot
    return snapshot


@pytest.fixture(scope="session")
def environment(pytestconfig, profile):
    """The environment-wide policy's read of every selected service (taken while collecting)."""
    ctx = context(pytestconfig)
    if ctx.environment_error is not None:
        raise ctx.environment_error
    if ctx.environment is None:
        pytest.skip(f"POLICY_SERVICE_PATTERN is not set in {profile.source}: no environment policy to apply")
    return ctx.environment


@pytest.fixture(scope="session")
def canary_run(pytestconfig, profile, snapshot, targets):
    """The run's canary writer, once the snapshot is taken; skipped unless asked for."""
    return open_canary_run(pytestconfig, profile, snapshot)
