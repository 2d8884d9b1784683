"""One point-in-time, read-only picture of everything the selected criteria need.

Each Render resource is read once; reads that do not depend on each other go out
together (one thread per read, levels in order of dependency). Steps never reach the
network: they judge a :class:`Snapshot`. A read that fails is kept as the cause, so every
criterion that needed it is *broken* with that cause, and none is judged on half a picture.
"""

from __future__ import annotations

import datetime as _dt
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from . import secrets
from .config import Profile
from .errors import TargetError
from .render import DEPLOY_IN_FLIGHT, Deploy, EnvGroup, Event, RenderClient, SecretFile, Service
from .secrets import Secret
from .timefmt import utc_now, zulu


METRIC_KINDS = ("memory", "cpu", "memory-limit", "cpu-limit")
# What a snapshot can read; a step definition declares which of these it needs (criteria.reads).
PARTS = frozenset({"service", "env", "secret_files", "deploys", "events", "metrics", "production", "database",
                   "api",            # the API service that hands the worker jobs, read like the worker (env, deploys)
                   "api_database"})  # a second read-only session, with the API's own DATABASE_URL


def metrics_window(taken_at: str, hours: int = 1) -> dict:
    """The last hour before the snapshot, at one-minute resolution, as Render's query parameters."""
    end = _dt.datetime.fromisoformat(taken_at.replace("Z", "+00:00"))
    start = end - _dt.timedelta(hours=hours)
    return {"startTime": zulu(start), "endTime": zulu(end), "resolutionSeconds": 60}


class NotJudgeable(TargetError):
    """The evidence a criterion needs could not be read, or does not exist to be read."""


@dataclass(frozen=True)
class Setting:
    """One effective environment variable and where it comes from."""

    key: str
    value: Secret = field(repr=False)
    source: str  # "service" or "env group <name>"

    @property
    def plain(self) -> bool:
        return secrets.is_plain(self.key)

    def shown(self) -> str:
        """The value as evidence may carry it: plain settings verbatim, secrets masked."""
        return self.value.reveal() if self.plain else secrets.shown(self.key, self.value)


@dataclass
class ServiceSnapshot:
    """One Render service, found by name, with what was read about it."""

    name: str
    matches: list[Service] = field(default_factory=list)
    env_vars: list = field(default_factory=list, repr=False)
    env_groups: list[EnvGroup] = field(default_factory=list, repr=False)
    secret_files: list[SecretFile] = field(default_factory=list, repr=False)
    deploys: list[Deploy] = field(default_factory=list)
    events: list[Event] = field(default_factory=list, repr=False)  # since the live deploy
    deploy_waited: float = 0.0  # seconds spent waiting for a deploy in flight
    metrics: dict[str, list] = field(default_factory=dict, repr=False)  # kind -> Render series
    read: set[str] = field(default_factory=set)  # which parts were read
    errors: dict = field(default_factory=dict, repr=False)  # part -> the TargetError that prevented it
    lookup_error: TargetError | None = field(default=None, repr=False)

    def __repr__(self) -> str:  # Allure records step arguments: keep it short, and it holds no secret
        ids = ", ".join(s.id for s in self.matches) or "not found"
        return f"<service {self.name!r} ({ids})>"

    @property
    def service(self) -> Service:
        if self.lookup_error is not None:
            raise self.lookup_error
        if len(self.matches) != 1:
            found = "no service" if not self.matches else f"{len(self.matches)} services"
            raise NotJudgeable(f"cannot judge: Render has {found} named {self.name!r} (exactly one is required)")
        return self.matches[0]

    @property
    def dashboard_url(self) -> str | None:
        return self.matches[0].dashboard_url if len(self.matches) == 1 else None

    def require(self, part: str) -> None:
        if part in self.errors:
            raise self.errors[part]
        if part not in self.read:
            raise NotJudgeable(f"cannot judge: {part} of {self.name!r} was not read in this run")

    @property
    def live_deploy(self) -> Deploy:
        """The deploy that is live (the newest deploy may be a failed or queued one)."""
        self.require("deploys")
        for deploy in self.deploys:
            if deploy.status == "live":
                return deploy
        raise NotJudgeable(f"cannot judge: none of the {len(self.deploys)} newest deploys of {self.name!r} is live")

    @property
    def effective_env(self) -> dict[str, Setting]:
        """Service env vars over those of linked env groups (Render's precedence)."""
        self.require("env")
        env: dict[str, Setting] = {}
        for group in self.env_groups:
            for var in group.env_vars:
                env.setdefault(var.key, Setting(var.key, var.value, f"env group {group.name}"))
        for var in self.env_vars:
            env[var.key] = Setting(var.key, var.value, "service")
        return env

    @property
    def all_secret_file_names(self) -> list[tuple[str, str]]:
        """(file name, source) for the service's secret files and its linked groups'."""
        self.require("secret_files")
        names = [(f.name, "service secret file") for f in self.secret_files]
        for group in self.env_groups:
            names += [(f.name, f"secret file of env group {group.name}") for f in group.secret_files]
        return names

    def redacted(self) -> dict:
        """JSON-ready evidence without a single secret value."""
        data: dict = {"name": self.name, "matches": [_service_evidence(s) for s in self.matches]}
        if "env" in self.read:
            data["env"] = {k: {"value": s.shown(), "source": s.source} for k, s in sorted(self.effective_env.items())}
            data["env_groups"] = [{"id": g.id, "name": g.name} for g in self.env_groups]
        if "secret_files" in self.read:
            data["secret_files"] = [name for name, _ in self.all_secret_file_names]
        if "deploys" in self.read:
            data["deploys"] = [_deploy_evidence(d) for d in self.deploys]
        if "events" in self.read:
            data["events"] = [{"id": e.id, "type": e.type, "timestamp": e.timestamp} for e in self.events]
        if "metrics" in self.read:
            data["metrics"] = {kind: [{"unit": s.unit, "points": len(s.points)} for s in series]
                               for kind, series in self.metrics.items()}
        return data


def _service_evidence(service: Service) -> dict:
    fields = (
        "id", "name", "type", "runtime", "region", "plan", "branch", "auto_deploy", "auto_deploy_trigger",
        "suspended", "suspenders", "dockerfile_path", "docker_command", "start_command", "dashboard_url",
    )
    return {name: _plain(getattr(service, name, None)) for name in fields}


def _deploy_evidence(deploy: Deploy) -> dict:
    fields = ("id", "status", "trigger", "created_at", "finished_at", "commit_id", "commit_message")
    return {name: getattr(deploy, name, None) for name in fields}


def _plain(value):
    return list(value) if isinstance(value, tuple) else value


@dataclass
class Snapshot:
    """Everything read in one run. Its repr is safe: Allure records it as a step argument."""

    environment: str
    sandbox: bool
    api_url: str
    taken_at: str
    staging: ServiceSnapshot
    production: ServiceSnapshot | None = None
    api: ServiceSnapshot | None = None  # the API service, when its criteria were selected and it is named
    database: object | None = None  # DatabaseFacts, when database criteria were selected
    database_error: TargetError | None = None
    database_source: str | None = None  # which connection string was used, in words
    worker_database: object | None = None  # ConnectionTarget of the worker's own DATABASE_URL
    api_database: object | None = None  # EnqueueFacts: what the API's role may do, read in its own session
    api_database_error: TargetError | None = None
    api_database_source: str | None = None  # which connection string the API's session used, in words
    # The role check of each session (phasegate.identity.ExpectedRole.identity): route, expected role, as read back.
    database_identity: dict | None = None
    api_database_identity: dict | None = None
    requests_made: int = 0

    def __repr__(self) -> str:
        label = "SANDBOX " if self.sandbox else ""
        return f"<{label}snapshot of {self.staging.name!r} in {self.environment} at {self.taken_at}>"

    def redacted(self) -> dict:
        data = {
            "environment": self.environment,
            "sandbox": self.sandbox,
            "api_url": self.api_url,
            "taken_at": self.taken_at,
            "staging": self.staging.redacted(),
            "production": self.production.redacted() if self.production else None,
            "requests_made": self.requests_made,
        }
        if self.api is not None:
            data["api"] = self.api.redacted()
        if self.database_source is not None:
            data["database"] = {
                "source": self.database_source,
                "worker_url": self.worker_database.describe() if self.worker_database else None,
                "error": str(self.database_error) if self.database_error else None,
                "identity": self.database_identity,
            }
            facts = self.database
            if facts is not None:  # what a diff between runs should see: who the worker is, what it may reach
                data["database"]["grants"] = {
                    "role": facts.current_user,
                    "superuser": bool(facts.role.get("rolsuper")),
                    "member_of": sorted(facts.role.get("member_of") or []),
                    "production_schema_usage": facts.production_schema_usage,
                    "production_table_privileges": sorted(
                        f"{g.get('privilege')} on {g.get('table')}" for g in facts.production_table_privileges),
                    "production_doors": sorted(f"{d['kind']} {d['object']}" for d in facts.production_doors),
                    "search_path": list(facts.search_path_effective),
                }
        if self.api_database_source is not None:
            api_facts = self.api_database
            data["api_database"] = {
                "source": self.api_database_source,
                "url": api_facts.target.describe() if api_facts is not None else None,
                "error": str(self.api_database_error) if self.api_database_error else None,
                "pooling": api_facts.pooling if api_facts is not None else None,
                "identity": self.api_database_identity,
            }
            if api_facts is not None:  # what a diff between runs should see: what the API's role may do
                queue = api_facts.queue_table
                data["api_database"]["grants"] = {
                    "role": api_facts.current_user,
                    "member_of": sorted(api_facts.role.get("member_of") or []),
                    "queue": {k: queue.get(k) for k in ("schema_usage", "insert")},
                    "id_sequences": [f"{s['column']}: {s['kind']}, USAGE {s['usage']}" for s in queue["id_sequences"]],
                    "production_schema_usage": api_facts.production_schema_usage,
                    "production_table_privileges": sorted(
                        f"{g.get('privilege')} on {g.get('table')}" for g in api_facts.production_table_privileges),
                    "production_doors": sorted(f"{d['kind']} {d['object']}" for d in api_facts.production_doors),
                }
        return data

    def require_database(self):
        """The database facts, or the reason they could not be read (the scenario is then broken)."""
        if self.database_error is not None:
            from .causes import whole_target

            raise whole_target(self.database_error, "database")  # every database criterion shares it
        if self.database is None:
            raise NotJudgeable("cannot judge: the database was not read in this run")
        return self.database

    def expected_role(self, who: str, route: str):
        """The role ``route`` must log in as: the user of the service's own DATABASE_URL as Render reports
        it (``who``: "worker" or "API"). Raises a TargetError (one line) when Render gives none or it cannot
        be parsed: the role is then unknown, and nothing may be judged as it by any route."""
        from . import database

        service = self.staging if who == "worker" else self.api
        url = own_database_url(service)
        if url is None:
            name = service.name if service is not None else "the API service"
            raise NotJudgeable(f"cannot judge: {name!r} has no usable DATABASE_URL on Render (no single service, "
                               f"its environment could not be read, or the variable is unset), so the {who}'s role "
                               f"that {route} must log in as is unknown")
        return database.expected_role(url, whose=who + "'s", source=f"the {who}'s own DATABASE_URL on Render",
                                      route=route)

    def require_api_database(self):
        """What the API's role may do, or why its session could not be read (the scenario is then broken)."""
        if self.api_database_error is not None:
            from .causes import whole_target

            raise whole_target(self.api_database_error, "API's database session")
        if self.api_database is None:
            raise NotJudgeable("cannot judge: the API's database session was not opened in this run")
        return self.api_database


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
            sid = target.matches[0].id
            if wants_env:
                submit_env(pool, client, target, all_groups, group_details, jobs)
            if target is api:  # the API is read with the worker's code: its environment and its deploys
                jobs.append((target, "deploys", pool.submit(
                    read_deploys_and_events, client, sid, False, profile.deploy_wait_seconds)))
            if target is not staging:
                continue
            if "secret_files" in needs:
                jobs.append((target, "secret_files", pool.submit(client.list_secret_files, sid)))
            if needs & {"deploys", "events"}:
                jobs.append((target, "deploys+events" if "events" in needs else "deploys", pool.submit(
                    read_deploys_and_events, client, sid, "events" in needs, profile.deploy_wait_seconds)))
            if "metrics" in needs:
                window = metrics_window(taken_at)
                for kind in METRIC_KINDS:
                    jobs.append((target, f"metrics:{kind}", pool.submit(client.get_metrics, kind,
                                                                        dict(window, resource=sid))))
        collect(targets, jobs, all_groups, group_details, groups_error if wants_env else None)

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
        # Level 3: the database, through the connection string the worker itself is given, and
        # (a session of its own, at the same time) through the API's.
        try:
            if database_ready is not None:
                database_ready()
        except Exception as exc:  # the sandbox's own database failed to build: nothing to judge
            error = TargetError(f"the sandbox database could not be built: {type(exc).__name__}")
            snapshot.database_error = error if "database" in needs else None
            snapshot.api_database_error = error if "api_database" in needs else None
        else:
            with ThreadPoolExecutor(max_workers=2, thread_name_prefix="phasegate-db") as pool:
                reads = []
                if "database" in needs:
                    reads.append(pool.submit(_read_database, snapshot, profile, database_route))
                if "api_database" in needs:
                    reads.append(pool.submit(_read_api_database, snapshot, profile, api_database_route))
                for done in reads:
                    done.result()
    snapshot.requests_made = client.request_count
    return snapshot


def _read_database(snapshot: Snapshot, profile: Profile, database_route: str | None) -> None:
    from . import database

    worker_url = own_database_url(snapshot.staging)
    if worker_url is not None:
        try:
            snapshot.worker_database = database.ConnectionTarget.parse(worker_url)
        except TargetError:
            pass  # unparsable: said below, as the role it cannot name
    snapshot.database_source, url = _which_url(profile, "PHASEGATE_DATABASE_URL", profile.database_url_override,
                                               database_route, worker_url, "worker")
    if url is None:
        snapshot.database_error = NotJudgeable(
            f"cannot judge: {profile.service_name!r} has no usable DATABASE_URL on Render (no single service, or the variable is unset)")
        return
    try:
        expected = snapshot.expected_role("worker", snapshot.database_source)
        snapshot.database = database.probe(url, stuck_threshold_minutes=profile.stuck_job_minutes,
                                           queue_states=profile.queue_states, expected=expected,
                                           **_session_options(profile))
        snapshot.database_identity = snapshot.database.identity
    except database.DatabaseWrongRole as exc:
        snapshot.database_identity, snapshot.database_error = exc.identity, exc
    except TargetError as exc:
        snapshot.database_error = exc


def _read_api_database(snapshot: Snapshot, profile: Profile, route: str | None) -> None:
    """The API's own session: opened with the API's DATABASE_URL, so every privilege read is its role's."""
    from . import database

    api_url = own_database_url(snapshot.api)
    snapshot.api_database_source, url = _which_url(profile, "PHASEGATE_API_DATABASE_URL",
                                                   profile.api_database_url_override, route, api_url, "API")
    if url is None:
        snapshot.api_database_error = NotJudgeable(
            f"cannot judge: {profile.api_service_name!r} has no usable DATABASE_URL on Render (no single service, "
            "its environment could not be read, or the variable is unset)")
        return
    try:
        expected = snapshot.expected_role("API", snapshot.api_database_source)
        snapshot.api_database = database.probe_enqueue(url, expected=expected, **_session_options(profile))
        snapshot.api_database_identity = snapshot.api_database.identity
    except database.DatabaseWrongRole as exc:
        snapshot.api_database_identity, snapshot.api_database_error = exc.identity, exc
    except TargetError as exc:
        snapshot.api_database_error = exc


def own_database_url(service: ServiceSnapshot | None) -> str | None:
    """The service's own DATABASE_URL as Render reports it; None when there is no single service, its
    environment could not be read, or the variable is unset or empty."""
    if service is None:
        return None
    try:
        setting = service.effective_env.get("DATABASE_URL")
    except TargetError:
        return None
    return setting.value.reveal() if setting is not None and not setting.value.is_empty() else None


def _which_url(profile: Profile, override_key: str, override: Secret | None, route: str | None,
               own_url: str | None, who: str) -> tuple[str, str | None]:
    """(where the connection string comes from, in words; the string): the runner's own route from the
    profile key, else the sandbox's route, else the service's own DATABASE_URL on Render; None if none."""
    if override is not None:
        return f"{override_key} from {profile.where(override_key)}", override.reveal()
    if route is not None:
        return f"the sandbox's own route to the {who}'s database", route
    if own_url is not None:
        return f"the {who}'s own DATABASE_URL on Render", own_url
    return f"none: the {who} has no DATABASE_URL", None


def _session_options(profile: Profile) -> dict:
    """What every read-only session is told: the schemas and queue to read, and its time bounds."""
    return {"staging_schema": profile.db_schema, "production_schema": profile.production_db_schema,
            "queue_table": profile.db_queue_table, "connect_timeout": profile.db_connect_timeout,
            "statement_timeout_ms": profile.db_statement_timeout_ms}


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


def submit_env(pool, client: RenderClient, target: ServiceSnapshot, all_groups: list, group_details: dict,
               jobs: list) -> None:
    """Queue the reads of a service's effective environment: its env vars and linked groups' details."""
    service = target.matches[0]
    jobs.append((target, "env", pool.submit(client.list_env_vars, service.id)))
    for group in all_groups:
        if _links(group, service) and group.id not in group_details:
            group_details[group.id] = pool.submit(client.get_env_group, group.id)


def collect(targets: list[ServiceSnapshot], jobs: list, all_groups: list, group_details: dict,
            groups_error: TargetError | None) -> None:
    """Wait for queued reads. A failed read breaks only the criteria that need that part."""
    for target, part, future in jobs:
        try:
            value = future.result()
        except TargetError as exc:
            # A metric kind fails alone (memory and CPU are judged apart); other parts by name.
            names = [part] if part.startswith("metrics:") else part.split("+")
            for name in names:
                target.errors.setdefault(name, exc)
            continue
        if part.startswith("deploys"):
            target.deploys, target.deploy_waited, target.events, events_error = value
            if events_error is not None:
                target.errors["events"] = events_error
        elif part.startswith("metrics:"):
            target.metrics[part.split(":", 1)[1]] = value or []
        else:
            setattr(target, "env_vars" if part == "env" else part, value)
    details = {}
    for gid, future in group_details.items():
        try:
            details[gid] = future.result()
        except TargetError as exc:
            groups_error = groups_error or exc
    for target in targets:
        if len(target.matches) != 1:
            continue
        parts = {p for owner, part, _ in jobs if owner is target
                 for p in ([part, "metrics"] if part.startswith("metrics:") else part.split("+"))}
        if groups_error is not None and "env" in parts:
            target.errors.setdefault("env", groups_error)
        target.env_groups = [details[g.id] for g in all_groups if g.id in details and _links(g, target.matches[0])]
        target.read |= {part for part in parts if part not in target.errors}


def _links(group: EnvGroup, service: Service) -> bool:
    """Does the env group name the service among its links? By id; by name only if a link has no id."""
    for link in group.service_links:
        if link.id:
            if link.id == service.id:
                return True
        elif link.name == service.name:
            return True
    return False
