"""The environment's snapshot for the policy: every service a name pattern selects, with its counterpart.

Per service: its effective environment (env vars, linked groups) and, when its type has forbidden keys,
its own secret files; per counterpart, its effective environment only.

The environment is read once, concurrently, through the run's single Render client (so a resource
the phase's criteria also need is not read again), with the snapshot's own reads and its one rule
for env-group links.
"""

from __future__ import annotations

import fnmatch
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from ..errors import TargetError
from ..render import RenderClient, Service
from .jobs import SecretFilesJob, collect, links, submit_env
from .progress import Progress, estimate_seconds
from .model import ServiceSnapshot


@dataclass
class EnvironmentSnapshot:
    """Every service the policy selects, with its counterpart, as read once in this run."""

    policy: object  # phasegate.profile.policy.Policy (the snapshot reads what the profile's policy selects)
    services: dict[str, ServiceSnapshot]  # name -> the service and its effective environment
    counterparts: dict[str, ServiceSnapshot]  # staging name -> production counterpart
    requests_made: int = 0

    def __repr__(self) -> str:
        return f"<environment {self.policy.pattern!r}: {len(self.services)} services>"


def read_environment(policy, client: RenderClient) -> EnvironmentSnapshot:
    """Every service ``policy`` (a phasegate.profile.policy.Policy) selects and its counterpart, read once, concurrently."""
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
    linked = {g.id for g in all_groups for t in targets if links(g, t.matches[0])}
    # The forbidden-keys rule is key_absent's, which looks in the service's own secret files too: one more
    # GET for each selected service of a type with forbidden keys (a counterpart is only compared, by env).
    with_files = [t for t in services.values()
                  if len(t.matches) == 1 and policy.forbidden.get(t.matches[0].type or "")]
    reads, start = len(targets) + len(linked) + len(with_files), client.request_count
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
        for target in with_files:
            jobs.append(SecretFilesJob(target, pool.submit(client.list_secret_files, target.matches[0].id)))
        collect(targets, jobs, all_groups, details, groups_error)
    return EnvironmentSnapshot(policy, services, counterparts, client.request_count)
