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
from .model import LogRead, NotJudgeable, ServiceSnapshot


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
class LogsJob(Job):
    """The service's log lines of the last hour (a LogRead)."""

    breaks = ("logs",)

    def store(self, value) -> None:
        self.target.logs = value


@dataclass(frozen=True)
class LogErrorsJob(Job):
    """The service's log lines at level error since its live deploy (a LogRead)."""

    breaks = ("log_errors",)

    def store(self, value) -> None:
        self.target.log_errors = value


@dataclass(frozen=True)
class NotificationsJob(Job):
    """The owner's notification settings and the service's override of them."""

    breaks = ("notifications",)

    def store(self, value) -> None:
        self.target.notifications = value


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


# The last hour's log lines are read up to this many pages of 100 (the newest first); past it, the newest
# LOG_PAGES * 100 lines stand for the hour, and the evidence says so.
LOG_PAGES = 20


def read_logs(client: RenderClient, service: Service, start: str, end: str) -> LogRead:
    """The service's log lines between ``start`` and ``end``, newest first, every page up to LOG_PAGES."""
    lines, more = client.list_logs(_owner(service), service.id, start=start, end=end, max_pages=LOG_PAGES)
    return LogRead(tuple(lines), start, end, more)


def read_log_errors(client: RenderClient, service: Service, end: str) -> LogRead:
    """The service's lines at level error since its live deploy: one page (an error line is a failure; a
    hundred or more is said as such). The deploys are this run's read (the client reads each page once)."""
    deploys = client.list_deploys(service.id)
    live = next((d for d in deploys if d.status == "live"), None)
    if live is None or not live.created_at:
        raise NotJudgeable(f"cannot judge: none of the {len(deploys)} newest deploys of {service.name!r} is live, "
                           "so there is no window of log lines since it")
    lines, more = client.list_logs(_owner(service), service.id, start=live.created_at, end=end, level="error",
                                   max_pages=1)
    return LogRead(tuple(lines), live.created_at, end, more)


def read_notifications(client: RenderClient, service: Service) -> tuple:
    """(the owner's notification settings, the service's override): two GETs, the owner's once per run."""
    return client.get_notification_settings(_owner(service)), client.get_notification_override(service.id)


def _owner(service: Service) -> str:
    if not service.owner_id:
        raise NotJudgeable(f"cannot judge: Render reports no ownerId for {service.name!r}, and its logs and "
                           "notification settings are read by owner")
    return service.owner_id


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
