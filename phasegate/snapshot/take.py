"""Take the snapshot: read what the selected criteria need, each resource once, independent reads together.

Three levels in order of dependency: the services by name and the env-group list; everything
keyed by a service id (typed jobs, see :mod:`.jobs`) and the linked groups' details; then the
database sessions. Each read's failure is kept as its cause on the snapshot.
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
from .jobs import DeploysJob, MetricJob, SecretFilesJob, collect, submit_env
from .model import METRIC_KINDS, NotJudgeable, ServiceSnapshot, Snapshot

if TYPE_CHECKING:
    from ..profile.model import Profile


def metrics_window(taken_at: str, hours: int = 1) -> dict:
    """The last hour before the snapshot, at one-minute resolution, as Render's query parameters."""
    end = parse_zulu(taken_at)
    start = end - _dt.timedelta(hours=hours)
    return {"startTime": zulu(start), "endTime": zulu(end), "resolutionSeconds": 60}


def take(profile: Profile, client: RenderClient, needs: frozenset[str], *,
         database_route: str | None = None, database_ready=None, api_database_route: str | None = None) -> Snapshot:
    """Read what ``needs`` asks for, each resource once, independent reads concurrently."""
    taken_at = zulu(utc_now())
    staging = ServiceSnapshot(profile.service_name)
    production = None
    if "production" in needs and profile.production_service_name:
        production = ServiceSnapshot(profile.production_service_name)
    api = None
    if "api" in needs and profile.api_service_name:
        api = ServiceSnapshot(profile.api_service_name)
    _read_render(profile, client, needs, taken_at, staging, production, api)
    snapshot = Snapshot(
        environment=profile.name,
        sandbox=profile.sandbox,
        api_url=profile.render_api_url,
        taken_at=taken_at,
        staging=staging,
        production=production,
        api=api,
    )
    if needs & {"database", "api_database"}:
        _read_databases(snapshot, profile, needs, database_route, database_ready, api_database_route)
    snapshot.requests_made = client.request_count
    return snapshot


def _read_render(profile: Profile, client: RenderClient, needs: frozenset[str], taken_at: str,
                 staging: ServiceSnapshot, production: ServiceSnapshot | None, api: ServiceSnapshot | None) -> None:
    """Levels 1 and 2: the services by name and the env-group list, then everything keyed by a service id."""
    targets = [s for s in (staging, production, api) if s is not None]
    wants_env = bool(needs & {"env", "secret_files", "database", "api"})
    # Wide enough that every read of a level goes out at once (level 2 is about a dozen GETs).
    with ThreadPoolExecutor(max_workers=16, thread_name_prefix="phasegate-read") as pool:
        # Level 1: the services by name, and the env group list (it needs no id).
        found = {id(t): pool.submit(client.find_services, t.name) for t in targets}
        groups_meta = pool.submit(client.list_env_groups) if wants_env else None
        for target in targets:
            try:
                target.matches = found[id(target)].result()
            except TargetError as exc:
                if target is staging:
                    raise  # without the service nothing at all can be judged
                target.lookup_error = exc
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
            if len(target.matches) != 1:
                continue
            if wants_env:
                submit_env(pool, client, target, all_groups, group_details, jobs)
            if target is api and "api_secret_files" in needs:
                jobs.append(SecretFilesJob(target, pool.submit(client.list_secret_files, target.matches[0].id)))
            if target is api:  # the API is read with the worker's code: its environment and its deploys
                jobs.append(DeploysJob(target, pool.submit(
                    read_deploys_and_events, client, target.matches[0].id, False, profile.deploy_wait_seconds)))
            if target is staging:
                _submit_worker(pool, client, profile, needs, taken_at, target, jobs)
        collect(targets, jobs, all_groups, group_details, groups_error if wants_env else None)


def _submit_worker(pool, client: RenderClient, profile: Profile, needs: frozenset[str], taken_at: str,
                   target: ServiceSnapshot, jobs: list) -> None:
    """Queue the worker's own level-2 reads: secret files, deploys (and events), metrics.

    Its deploys are read in every run, whatever the criteria declare: the run records what it judged,
    the live deploy's commit (``run.json``'s ``judged_services``). A deploy in flight is waited for only
    when a criterion reads the deploys.
    """
    sid = target.matches[0].id
    if "secret_files" in needs:
        jobs.append(SecretFilesJob(target, pool.submit(client.list_secret_files, sid)))
    with_events = "events" in needs
    wait = profile.deploy_wait_seconds if needs & {"deploys", "events"} else 0
    jobs.append(DeploysJob(target, pool.submit(read_deploys_and_events, client, sid, with_events, wait), with_events))
    if "metrics" in needs:
        window = metrics_window(taken_at)
        for kind in METRIC_KINDS:
            jobs.append(MetricJob(target, pool.submit(client.get_metrics, kind, dict(window, resource=sid)), kind))


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
