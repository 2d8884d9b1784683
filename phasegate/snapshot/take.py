"""Take the snapshot: read what the selected criteria need, each resource once, independent reads together.

Three levels in order of dependency: the services of every role read (and production counterparts)
by name and the env-group list; everything keyed by a service id (typed jobs, see :mod:`.jobs`) and
the linked groups' details; then the database sessions. Each read's failure is kept as its cause on the snapshot.
"""

from __future__ import annotations

import datetime as _dt
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from ..errors import TargetError
from ..render import DEPLOY_IN_FLIGHT, RenderClient
from ..timefmt import parse_zulu, utc_now, zulu
from .databases import _read_api_database, _read_database
from .endpoints import probes_of, read_endpoints
from ..catalogue.reads import roles_of
from .jobs import (CustomDomainsJob, DeploysJob, LogErrorsJob, LogsJob, MetricJob, NotificationsJob, SecretFilesJob,
                   collect, read_log_errors, read_logs, read_notifications, submit_env)
from .model import METRIC_KINDS, OTHER_PARTS, NotJudgeable, ServiceSnapshot, Snapshot

# The parts that need a service's effective environment (its env vars and its linked groups' details).
ENV_PARTS = frozenset({"env", "secret_files"})

if TYPE_CHECKING:
    from ..profile.model import Profile


def metrics_window(taken_at: str, hours: int = 1) -> dict:
    """The last hour before the snapshot, at one-minute resolution, as Render's query parameters."""
    end = parse_zulu(taken_at)
    start = end - _dt.timedelta(hours=hours)
    return {"startTime": zulu(start), "endTime": zulu(end), "resolutionSeconds": 60}


def take(profile: Profile, client: RenderClient, needs: frozenset[str], *,
         database_route: str | None = None, database_ready=None, api_database_route: str | None = None,
         endpoint_route=None) -> Snapshot:
    """Read what ``needs`` asks for ("worker:env", "web:service", "database"), each resource once, independent
    reads concurrently. A role the profile does not name is not read (its criteria say which key to set).
    Public endpoints (``"probe …"`` needs) are probed beside the database sessions, through ``endpoint_route``
    (the sandbox's loopback hosts and CA; None: DNS and the system's store)."""
    taken_at = zulu(utc_now())
    wanted = wanted_parts(needs)
    services = {role: ServiceSnapshot(profile.services[role], role=role) for role in wanted if role in profile.services}
    production = {role: ServiceSnapshot(profile.production_services[role], role=role) for role in services
                  if "production" in wanted[role] and role in profile.production_services}
    _read_render(profile, client, wanted, taken_at, services, production)
    snapshot = Snapshot(environment=profile.name, sandbox=profile.sandbox, api_url=profile.render_api_url,
                        taken_at=taken_at, services=services, production_services=production)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="phasegate-probes") as pool:
        probing = pool.submit(read_endpoints, snapshot, needs, endpoint_route) if probes_of(needs) else None
        if needs & OTHER_PARTS:
            _read_databases(snapshot, profile, needs, database_route, database_ready, api_database_route)
        if probing is not None:
            probing.result()
    snapshot.requests_made = client.request_count
    return snapshot


def wanted_parts(needs: frozenset[str]) -> dict[str, set[str]]:
    """Role -> the parts read of it. A database session reads its service's DATABASE_URL: the worker's
    environment for the worker's session, the API's for the API's."""
    wanted = roles_of(needs)
    for part, role in (("database", "worker"), ("api_database", "api")):
        if part in needs:
            wanted.setdefault(role, set()).update({"service", "env"})
    return wanted


def _parts_of(target: ServiceSnapshot, wanted: dict[str, set[str]], production: dict) -> set[str]:
    """What is read of one target: a production counterpart gives its service and environment."""
    if production.get(target.role) is target:
        return {"service", "env"}
    return wanted.get(target.role, set())


def _read_render(profile: Profile, client: RenderClient, wanted: dict[str, set[str]], taken_at: str,
                 services: dict[str, ServiceSnapshot], production: dict[str, ServiceSnapshot]) -> None:
    """Levels 1 and 2: the services by name and the env-group list, then everything keyed by a service id."""
    targets = [*services.values(), *production.values()]
    parts = {id(t): _parts_of(t, wanted, production) for t in targets}
    wants_env = any(parts[id(t)] & ENV_PARTS for t in targets)
    # Wide enough that every read of a level goes out at once (level 2 is about a dozen GETs).
    with ThreadPoolExecutor(max_workers=16, thread_name_prefix="phasegate-read") as pool:
        # Level 1: the services by name, and the env group list (it needs no id).
        found = {id(t): pool.submit(client.find_services, t.name) for t in targets}
        groups_meta = pool.submit(client.list_env_groups) if wants_env else None
        _found_services(targets, found, anchor=services.get("worker") or next(iter(services.values()), None))
        all_groups, groups_error = [], None
        if groups_meta is not None:
            try:
                all_groups = groups_meta.result()
            except TargetError as exc:
                groups_error = exc
        # Level 2: everything keyed by a service id, and linked env groups' details.
        jobs: list = []
        group_details: dict[str, object] = {}
        for target in targets:
            if len(target.matches) == 1:
                _submit(pool, client, profile, parts[id(target)], taken_at, target, all_groups, group_details, jobs,
                        judged=target in services.values())
        collect(targets, jobs, all_groups, group_details, groups_error if wants_env else None)


def _found_services(targets: list[ServiceSnapshot], found: dict, anchor: ServiceSnapshot | None) -> None:
    """Each target's services by name. The anchor's lookup failing (the worker's, when it is read) fails the
    whole read: without it nothing at all can be judged; another's is kept as that service's cause."""
    for target in targets:
        try:
            target.matches = found[id(target)].result()
        except TargetError as exc:
            if target is anchor:
                raise
            target.lookup_error = exc


def _submit(pool, client: RenderClient, profile: Profile, parts: set[str], taken_at: str, target: ServiceSnapshot,
            all_groups: list, group_details: dict, jobs: list, judged: bool = False) -> None:
    """Queue one service's level-2 reads: environment, secret files, deploys (and events), metrics, domains."""
    sid = target.matches[0].id
    if parts & ENV_PARTS:
        submit_env(pool, client, target, all_groups, group_details, jobs)
    if "secret_files" in parts:
        jobs.append(SecretFilesJob(target, pool.submit(client.list_secret_files, sid)))
    # A judged service's deploys are read in every run, whatever the criteria declare: the run records what it
    # judged, the live deploy's commit (run.json's judged_services). One in flight is waited for only when a
    # criterion reads the deploys.
    if judged or parts & {"deploys", "events"}:
        with_events = "events" in parts
        wait = profile.deploy_wait_seconds if parts & {"deploys", "events"} else 0
        jobs.append(DeploysJob(target, pool.submit(read_deploys_and_events, client, sid, with_events, wait),
                               with_events))
    if "metrics" in parts:
        window = metrics_window(taken_at)
        for kind in METRIC_KINDS:
            jobs.append(MetricJob(target, pool.submit(client.get_metrics, kind, dict(window, resource=sid)), kind))
    if "custom_domains" in parts:
        jobs.append(CustomDomainsJob(target, pool.submit(client.list_custom_domains, sid)))
    _submit_logs(pool, client, parts, taken_at, target, jobs)


def _submit_logs(pool, client: RenderClient, parts: set[str], taken_at: str, target: ServiceSnapshot,
                 jobs: list) -> None:
    """Queue the service's log reads (the last hour; errors since the live deploy) and its notification settings."""
    service = target.matches[0]
    if "logs" in parts:
        window = metrics_window(taken_at)
        jobs.append(LogsJob(target, pool.submit(read_logs, client, service, window["startTime"],
                                                window["endTime"])))
    if "log_errors" in parts:
        jobs.append(LogErrorsJob(target, pool.submit(read_log_errors, client, service, taken_at)))
    if "notifications" in parts:
        jobs.append(NotificationsJob(target, pool.submit(read_notifications, client, service)))


def _read_databases(snapshot: Snapshot, profile: Profile, needs: frozenset[str], database_route: str | None,
                    database_ready, api_database_route: str | None) -> None:
    """Level 3: the database, through the connection string the worker itself is given, and
    (a session of its own, at the same time) through the API's."""
    try:
        if database_ready is not None:
            database_ready()
    except Exception as exc:  # the sandbox's own database failed to build: nothing to judge
        error = TargetError(f"the sandbox database could not be built: {type(exc).__name__}")
        snapshot.database_error = error if "database" in needs else None
        snapshot.api_database_error = error if "api_database" in needs else None
        return
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="phasegate-db") as pool:
        reads = []
        if "database" in needs:
            reads.append(pool.submit(_read_database, snapshot, profile, database_route))
        if "api_database" in needs:
            reads.append(pool.submit(_read_api_database, snapshot, profile, api_database_route))
        for done in reads:
            done.result()


DEPLOY_POLL_SECONDS = 10.0


def read_deploys_and_events(client: RenderClient, service_id: str, with_events: bool, wait_seconds: float,
                            *, sleep=time.sleep, clock=time.monotonic):
    """(deploys, seconds waited, events since the live deploy, why the events could not be read).

    A newest deploy still in flight is polled for up to ``wait_seconds``; the events are then
    read for the whole window from the live deploy's creation up to now (Render's own
    default window is only the last hour).
    """
    deploys = client.list_deploys(service_id)
    start = clock()
    while deploys and deploys[0].status in DEPLOY_IN_FLIGHT and clock() - start < wait_seconds:
        sleep(min(DEPLOY_POLL_SECONDS, wait_seconds - (clock() - start)))
        deploys = client.list_deploys(service_id, fresh=True)
    waited = round(clock() - start, 1)
    if not with_events:
        return deploys, waited, [], None
    live = next((d for d in deploys if d.status == "live"), None)
    if live is None or not live.created_at:
        return deploys, waited, [], NotJudgeable(
            f"cannot judge: none of the {len(deploys)} newest deploys is live, so there is no window of events")
    now = zulu(_dt.datetime.now(_dt.timezone.utc), "seconds")
    try:
        return deploys, waited, client.list_events(service_id, start=live.created_at, end=now), None
    except TargetError as exc:
        return deploys, waited, [], exc
