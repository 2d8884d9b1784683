"""The snapshot's Render reads as typed jobs: which service a read is for, what it fills, what its failure breaks.

A job is queued with its future; :func:`collect` waits for each and stores the value on its service
snapshot. A read that fails breaks only the parts it was to fill (a metric kind fails alone: memory
and CPU are judged apart).
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass

from ..errors import TargetError
from ..render import EnvGroup, RenderClient, Service
from .model import ServiceSnapshot


@dataclass(frozen=True)
class Job:
    """One queued read of one service's resource."""

    target: ServiceSnapshot
    future: Future

    @property
    def breaks(self) -> tuple[str, ...]:
        """The parts a failure of this read leaves unjudgeable."""
        raise NotImplementedError

    @property
    def fills(self) -> tuple[str, ...]:
        """The parts this read counts as read when it succeeds."""
        return self.breaks

    def store(self, value) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class EnvVarsJob(Job):
    """The service's own env vars (its linked groups' details are read apart, once per group)."""

    breaks = ("env",)

    def store(self, value) -> None:
        self.target.env_vars = value


@dataclass(frozen=True)
class SecretFilesJob(Job):
    breaks = ("secret_files",)

    def store(self, value) -> None:
        self.target.secret_files = value


@dataclass(frozen=True)
class CustomDomainsJob(Job):
    """The service's custom domains (``GET /services/{id}/custom-domains``)."""

    breaks = ("custom_domains",)

    def store(self, value) -> None:
        self.target.custom_domains = value


@dataclass(frozen=True)
class DeploysJob(Job):
    """The newest deploys (waiting for one in flight) and, ``with_events``, the events since the live one."""

    with_events: bool = False

    @property
    def breaks(self) -> tuple[str, ...]:
        return ("deploys", "events") if self.with_events else ("deploys",)

    def store(self, value) -> None:
        target = self.target
        target.deploys, target.deploy_waited, target.events, events_error = value
        if events_error is not None:
            target.errors["events"] = events_error


@dataclass(frozen=True)
class MetricJob(Job):
    """One metric kind over the window (memory, cpu, or a limit)."""

    kind: str = ""

    @property
    def breaks(self) -> tuple[str, ...]:
        return (f"metrics:{self.kind}",)

    @property
    def fills(self) -> tuple[str, ...]:
        return (f"metrics:{self.kind}", "metrics")

    def store(self, value) -> None:
        self.target.metrics[self.kind] = value or []


def links(group: EnvGroup, service: Service) -> bool:
    """Does the env group name the service among its links? By id; by name only if a link has no id.

    The one rule for env-group links: the snapshot, the policy's reads and their estimate use it.
    """
    for link in group.service_links:
        if link.id:
            if link.id == service.id:
                return True
        elif link.name == service.name:
            return True
    return False


def submit_env(pool, client: RenderClient, target: ServiceSnapshot, all_groups: list, group_details: dict,
               jobs: list) -> None:
    """Queue the reads of a service's effective environment: its env vars and linked groups' details."""
    service = target.matches[0]
    jobs.append(EnvVarsJob(target, pool.submit(client.list_env_vars, service.id)))
    for group in all_groups:
        if links(group, service) and group.id not in group_details:
            group_details[group.id] = pool.submit(client.get_env_group, group.id)


def collect(targets: list[ServiceSnapshot], jobs: list[Job], all_groups: list, group_details: dict,
            groups_error: TargetError | None) -> None:
    """Wait for queued reads. A failed read breaks only the criteria that need that part."""
    for job in jobs:
        try:
            value = job.future.result()
        except TargetError as exc:
            for name in job.breaks:
                job.target.errors.setdefault(name, exc)
            continue
        job.store(value)
    details = {}
    for gid, future in group_details.items():
        try:
            details[gid] = future.result()
        except TargetError as exc:
            groups_error = groups_error or exc
    for target in targets:
        if len(target.matches) != 1:
            continue
        parts = {p for job in jobs if job.target is target for p in job.fills}
        if groups_error is not None and "env" in parts:
            target.errors.setdefault("env", groups_error)
        target.env_groups = [details[g.id] for g in all_groups if g.id in details and links(g, target.matches[0])]
        target.read |= {part for part in parts if part not in target.errors}
