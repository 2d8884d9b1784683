"""The snapshot's model: one point-in-time, read-only picture of what the selected criteria need.

A :class:`Snapshot` holds a :class:`ServiceSnapshot` per service role it read (``worker``, ``api``,
``web``…, as the profile names them), the production counterpart of a role where one was read, and
the database facts of each read-only session. A read that
failed is kept as the cause, so every criterion that needed it is *broken* with that cause, and
none is judged on half a picture. Judges and steps see only this.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import redact
from ..errors import TargetError
from ..render.models import Deploy, EnvGroup, Event, SecretFile, Service
from ..redact import Secret
from ..supabase_keys import HeldKey, database_project, held_keys
from .evidence import service_evidence, snapshot_evidence

METRIC_KINDS = ("memory", "cpu", "memory-limit", "cpu-limit")
# What a snapshot can read of a service, per role; a step definition declares which it needs (catalogue.reads),
# the snapshot's needs say whose: "worker:env", "web:custom_domains".
SERVICE_PARTS = frozenset({"service", "env", "secret_files", "deploys", "events", "metrics", "custom_domains",
                           "logs",  # its log lines of the last hour (GET /logs, every page up to a cap)
                           "log_errors",  # its log lines at level error since its live deploy (one page)
                           "notifications",  # its owner's notification settings and its own override
                           "production"})  # the role's production counterpart: its service and environment
# What a snapshot reads that is no service's: the worker's read-only session, and the API's own.
OTHER_PARTS = frozenset({"database", "api_database"})
PARTS = SERVICE_PARTS | OTHER_PARTS


class NotJudgeable(TargetError):
    """The evidence a criterion needs could not be read, or does not exist to be read."""


@dataclass(frozen=True)
class LogRead:
    """Log lines read for one window (``start``..``end``, RFC 3339); ``more``: lines were left unread (the cap)."""

    lines: tuple = field(repr=False)
    start: str
    end: str
    more: bool = False


@dataclass(frozen=True)
class Setting:
    """One effective environment variable and where it comes from."""

    key: str
    value: Secret = field(repr=False)
    source: str  # "service" or "env group <name>"

    @property
    def plain(self) -> bool:
        return redact.is_plain(self.key)

    def shown(self) -> str:
        """The value as evidence may carry it: plain settings verbatim, secrets masked."""
        return self.value.reveal() if self.plain else redact.shown(self.key, self.value)


@dataclass
class ServiceSnapshot:
    """One Render service, found by name, with what was read about it."""

    name: str
    role: str = ""  # the role it plays in the profile (worker, api, web…); "" for a service of the policy's
    matches: list[Service] = field(default_factory=list)
    env_vars: list = field(default_factory=list, repr=False)
    env_groups: list[EnvGroup] = field(default_factory=list, repr=False)
    secret_files: list[SecretFile] = field(default_factory=list, repr=False)
    deploys: list[Deploy] = field(default_factory=list)
    events: list[Event] = field(default_factory=list, repr=False)  # since the live deploy
    deploy_waited: float = 0.0  # seconds spent waiting for a deploy in flight
    metrics: dict[str, list] = field(default_factory=dict, repr=False)  # kind -> Render series
    custom_domains: list = field(default_factory=list, repr=False)
    logs: object | None = field(default=None, repr=False)  # LogRead: the last hour's lines
    log_errors: object | None = field(default=None, repr=False)  # LogRead: error lines since the live deploy
    notifications: tuple | None = field(default=None, repr=False)  # (NotificationSettings, NotificationOverride)
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

    def supabase_keys(self) -> list[HeldKey]:
        """Every Supabase key the service holds: in its effective environment and in its own and its groups'
        secret files (:mod:`phasegate.supabase_keys`). Raises NotJudgeable when either was not read."""
        env = self.effective_env
        self.require("secret_files")
        files = [(f.name, f.content.reveal(), "service secret file") for f in self.secret_files]
        for group in self.env_groups:
            files += [(f.name, f.content.reveal(), f"secret file of env group {group.name}")
                      for f in group.secret_files]
        return held_keys([(s.key, s.value.reveal(), s.source) for s in env.values()], files)

    @property
    def database_project(self) -> str | None:
        """The Supabase project the service's own DATABASE_URL reaches; None when it cannot be told."""
        return database_project(own_database_url(self))

    def key_roles(self) -> tuple[str, ...]:
        """The roles of the keys that front the service's own database; () when its keys cannot be read."""
        try:
            keys = self.supabase_keys()
        except TargetError:
            return ()
        project = self.database_project
        return tuple(dict.fromkeys(k.role for k in keys if k.role and k.fronts(project)))

    def redacted(self) -> dict:
        """JSON-ready evidence without a single secret value."""
        return service_evidence(self)


@dataclass
class Snapshot:
    """Everything read in one run. Its repr is safe: Allure records it as a step argument."""

    environment: str
    sandbox: bool
    api_url: str
    taken_at: str
    services: dict = field(default_factory=dict)  # role -> ServiceSnapshot, for the roles the criteria read
    production_services: dict = field(default_factory=dict)  # role -> its production counterpart, when read
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
    # The public endpoints probed (phasegate.endpoints): need -> Answer, Preflight or Certificate, or its cause.
    endpoints: dict = field(default_factory=dict, repr=False)
    endpoint_errors: dict = field(default_factory=dict, repr=False)
    endpoint_requests: int = 0

    def endpoint(self, need: str):
        """What a probe read, or why it could not be (the criterion is then broken)."""
        if need in self.endpoint_errors:
            raise self.endpoint_errors[need]
        if need not in self.endpoints:
            raise NotJudgeable(f"cannot judge: {need[len('probe '):]} was not read in this run")
        return self.endpoints[need]

    def role(self, role: str) -> ServiceSnapshot | None:
        """The service playing ``role``, when the run read it (None: the profile names none, or none was needed)."""
        return self.services.get(role)

    @property
    def staging(self) -> ServiceSnapshot | None:
        """The worker (the service Phase 4 judges), under the name it has always had here."""
        return self.services.get("worker")

    @property
    def api(self) -> ServiceSnapshot | None:
        return self.services.get("api")

    @property
    def production(self) -> ServiceSnapshot | None:
        """The worker's production counterpart."""
        return self.production_services.get("worker")

    def __repr__(self) -> str:
        label = "SANDBOX " if self.sandbox else ""
        names = ", ".join(repr(s.name) for s in self.services.values()) or "no service"
        return f"<{label}snapshot of {names} in {self.environment} at {self.taken_at}>"

    def redacted(self) -> dict:
        """JSON-ready evidence without a single secret value."""
        return snapshot_evidence(self)

    def require_database(self):
        """The database facts, or the reason they could not be read (the scenario is then broken)."""
        if self.database_error is not None:
            from ..causes import whole_target

            raise whole_target(self.database_error, "database")  # every database criterion shares it
        if self.database is None:
            raise NotJudgeable("cannot judge: the database was not read in this run")
        return self.database

    def expected_role(self, who: str, route: str):
        """The role ``route`` must log in as: the user of the service's own DATABASE_URL as Render reports
        it (``who``: "worker" or "API"). Raises a TargetError (one line) when Render gives none or it cannot
        be parsed: the role is then unknown, and nothing may be judged as it by any route."""
        from .. import database

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
            from ..causes import whole_target

            raise whole_target(self.api_database_error, "API's database session")
        if self.api_database is None:
            raise NotJudgeable("cannot judge: the API's database session was not opened in this run")
        return self.api_database


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
