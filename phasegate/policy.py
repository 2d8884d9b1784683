"""The environment-wide policy: rules every service of an environment must follow.

Services are selected by a name pattern of the profile (``POLICY_SERVICE_PATTERN``, e.g.
``*-staging``); a service's production counterpart is the service of the same name
without the pattern's suffix. The environment is read once, concurrently, through the
run's single Render client (so a resource the phase's criteria also need is not read
again), and each service is judged on its own.
"""

from __future__ import annotations

import fnmatch
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from .errors import ConfigError, TargetError
from .judges.policy import judge_service  # noqa: F401 - moved to phasegate.judges.policy; kept so imports hold
from .progress import Progress, estimate_seconds
from .render import RenderClient, Service
from .snapshot import ServiceSnapshot, collect, submit_env

DEFAULT_FORBIDDEN = "background_worker=JWT_SECRET"


@dataclass(frozen=True)
class Policy:
    pattern: str
    environment: str  # the value ENVIRONMENT must have
    branch: str  # the branch every service deploys from
    suffix: str  # name suffix that separates a service from its production counterpart
    forbidden: dict = field(hash=False)  # service type -> keys it must not hold

    @classmethod
    def from_profile(cls, profile) -> "Policy | None":
        if not profile.policy_pattern:
            return None
        pattern = profile.policy_pattern
        suffix = pattern[1:] if pattern.startswith("*") and "*" not in pattern[1:] else ""
        return cls(pattern=pattern, environment=profile.policy_environment or profile.scenario_tag,
                   branch=profile.policy_branch or profile.scenario_tag, suffix=suffix,
                   forbidden=parse_forbidden(profile.policy_forbidden_keys or DEFAULT_FORBIDDEN, profile.source))

    def counterpart_name(self, name: str) -> str | None:
        if self.suffix and name.endswith(self.suffix) and len(name) > len(self.suffix):
            return name[: -len(self.suffix)]
        return None


def parse_forbidden(text: str, source: str) -> dict[str, tuple[str, ...]]:
    """``background_worker=JWT_SECRET,OTHER;web_service=`` -> {type: keys}."""
    rules: dict[str, tuple[str, ...]] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        kind, sep, keys = part.partition("=")
        if not sep or not kind.strip():
            raise ConfigError(f"{source}: POLICY_FORBIDDEN_KEYS must read type=KEY,KEY;type=…, got {part!r}")
        rules[kind.strip()] = tuple(k.strip() for k in keys.split(",") if k.strip())
    return rules


@dataclass
class EnvironmentSnapshot:
    """Every service the policy selects, with its counterpart, as read once in this run."""

    policy: Policy
    services: dict[str, ServiceSnapshot]  # name -> the service and its effective environment
    counterparts: dict[str, ServiceSnapshot]  # staging name -> production counterpart
    requests_made: int = 0

    def __repr__(self) -> str:
        return f"<environment {self.policy.pattern!r}: {len(self.services)} services>"


def read_environment(policy: Policy, client: RenderClient) -> EnvironmentSnapshot:
    listed = client.list_services()
    by_name: dict[str, list[Service]] = {}
    for service in listed:
        by_name.setdefault(service.name, []).append(service)
    selected = sorted(name for name in by_name if fnmatch.fnmatchcase(name, policy.pattern))
    services = {name: ServiceSnapshot(name, matches=by_name[name]) for name in selected}
    counterparts = {}
    for name in selected:
        other = policy.counterpart_name(name)
        if other and other in by_name:
            counterparts[name] = ServiceSnapshot(other, matches=by_name[other])
    targets = [t for t in [*services.values(), *counterparts.values()] if len(t.matches) == 1]
    all_groups, groups_error = [], None
    try:
        all_groups = client.list_env_groups()
    except TargetError as exc:
        groups_error = exc
    linked = {g.id for g in all_groups for t in targets if any(link.id == t.matches[0].id for link in g.service_links)}
    reads, start = len(targets) + len(linked), client.request_count
    progress = Progress("environment policy", reads, lambda: client.request_count - start)
    wait = estimate_seconds(reads, client.ratelimit_remaining)
    if wait:  # said once: a large environment is slow by Render's budget, not stuck
        progress.say(f"environment policy: {len(selected)} services match {policy.pattern!r}, {reads} reads; "
                     f"Render's budget of 400 GETs a minute makes that about {wait / 60:.0f} min")
    # Every service's reads are independent: send them together. The rate window, not the
    # pool, is what bounds a large environment: the client paces itself to it.
    with ThreadPoolExecutor(max_workers=64, thread_name_prefix="phasegate-policy") as pool, progress:
        jobs: list = []
        details: dict = {}
        for target in targets:
            submit_env(pool, client, target, all_groups, details, jobs)
        collect(targets, jobs, all_groups, details, groups_error)
    return EnvironmentSnapshot(policy, services, counterparts, client.request_count)
