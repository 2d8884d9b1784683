"""Render's resources as strict, frozen models, and the status words judges read.

Each model's ``from_wire`` reads one object of Render's wire format through
:class:`phasegate.render._wire._Wire`: a missing required field or a field of the wrong
kind is a ResponseFormatError naming it, never a default. Fields newer than the spec are
ignored; an unknown enum value is kept as text for the criterion that reads it.

Judges may import this module (its models and constants) without the client.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from phasegate.redact import Secret, is_plain

from ._wire import _Wire, _yes_no

_DASHBOARD_KIND = {
    "background_worker": "worker",
    "web_service": "web",
    "private_service": "pserv",
    "cron_job": "cron",
    "static_site": "static",
}
DASHBOARD = "https://dashboard.render.com"


@dataclass(frozen=True)
class Service:
    id: str | None = None
    name: str | None = None
    type: str | None = None
    dashboard_url: str | None = None
    branch: str | None = None
    repo: str | None = None
    auto_deploy: str | None = None
    auto_deploy_trigger: str | None = None
    suspended: str | None = None
    suspenders: tuple[str, ...] = ()
    runtime: str | None = None
    region: str | None = None
    plan: str | None = None
    dockerfile_path: str | None = None
    docker_command: str | None = None
    docker_context: str | None = None
    start_command: str | None = None
    num_instances: int | None = None
    created_at: str | None = None
    updated_at: str | None = None
    owner_id: str | None = None
    slug: str | None = None
    root_dir: str | None = None
    build_command: str | None = None  # a static site's serviceDetails, or a native runtime's envSpecificDetails
    pre_deploy_command: str | None = None
    publish_path: str | None = None  # static sites
    url: str | None = None  # web services and static sites (a background worker has none)
    health_check_path: str | None = None  # web services
    build_filter_paths: tuple[str, ...] = ()
    build_filter_ignored: tuple[str, ...] = ()
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_wire(cls, d: Any, where: str = "service") -> "Service":
        w = _Wire(d, where)
        sid = w.text("id", required=True)
        stype = w.text("type", required=True)
        dashboard_url = w.text("dashboardUrl")
        if not dashboard_url and stype in _DASHBOARD_KIND:
            dashboard_url = f"{DASHBOARD}/{_DASHBOARD_KIND[stype]}/{sid}"
        build_filter = w.obj("buildFilter")
        return cls(
            id=sid,
            name=w.text("name", required=True),
            type=stype,
            dashboard_url=dashboard_url or None,
            branch=w.text("branch"),
            repo=w.text("repo"),
            auto_deploy=_yes_no(w, "autoDeploy"),
            auto_deploy_trigger=w.text("autoDeployTrigger"),
            suspended=w.text("suspended"),
            suspenders=w.texts("suspenders"),
            created_at=w.text("createdAt"),
            updated_at=w.text("updatedAt"),
            owner_id=w.text("ownerId"),
            slug=w.text("slug"),
            root_dir=w.text("rootDir"),
            build_filter_paths=build_filter.texts("paths") if build_filter else (),
            build_filter_ignored=build_filter.texts("ignoredPaths") if build_filter else (),
            raw=d,
            **_details(w),
        )


def _details(w: _Wire) -> dict:
    """The fields of ``serviceDetails`` (and its ``envSpecificDetails``): their shape differs by service type."""
    details = w.obj("serviceDetails")
    if details is None:
        return {"region": w.text("region")}
    specific = details.obj("envSpecificDetails")

    def either(name: str) -> str | None:  # a native runtime's command sits in envSpecificDetails
        value = specific.text(name) if specific else None
        return value if value is not None else details.text(name)

    return {
        "runtime": details.text("runtime") if details.text("runtime") is not None else details.text("env"),
        "region": details.text("region") if details.text("region") is not None else w.text("region"),
        "plan": details.text("plan"),
        "dockerfile_path": specific.text("dockerfilePath") if specific else None,
        "docker_command": specific.text("dockerCommand") if specific else None,
        "docker_context": specific.text("dockerContext") if specific else None,
        "start_command": either("startCommand"),
        "build_command": either("buildCommand"),
        "pre_deploy_command": either("preDeployCommand"),
        "num_instances": details.integer("numInstances"),
        "publish_path": details.text("publishPath"),
        "url": details.text("url"),
        "health_check_path": details.text("healthCheckPath"),
    }


@dataclass(frozen=True)
class CustomDomain:
    """One custom domain of a service (``GET /services/{id}/custom-domains``)."""

    id: str
    name: str
    verification_status: str  # Render's verified | unverified; another value is kept as text
    domain_type: str | None = None  # apex | subdomain
    redirect_for_name: str | None = None
    created_at: str | None = None

    @classmethod
    def from_wire(cls, d: Any, where: str = "customDomain") -> "CustomDomain":
        w = _Wire(d, where)
        return cls(id=w.text("id", required=True), name=w.text("name", required=True),
                   verification_status=w.text("verificationStatus", required=True), domain_type=w.text("domainType"),
                   redirect_for_name=w.text("redirectForName"), created_at=w.text("createdAt"))


@dataclass(frozen=True)
class EnvVar:
    """An env var. The value is always a :class:`Secret`; the snapshot decides what is plain."""

    key: str
    value: Secret

    @classmethod
    def from_wire(cls, d: Any, where: str = "envVar") -> "EnvVar":
        w = _Wire(d, where)
        key = w.text("key", required=True)
        return cls(key=key, value=Secret(w.text("value", required=True), scrubbed=not is_plain(key)))


@dataclass(frozen=True)
class SecretFile:
    name: str
    content: Secret

    @classmethod
    def from_wire(cls, d: Any, where: str = "secretFile") -> "SecretFile":
        w = _Wire(d, where)
        return cls(name=w.text("name", required=True), content=Secret(w.text("content", required=True)))


# Render's ServiceTypeShort, the ``type`` of an env group's service link.
LINK_TYPES = {"worker": "background_worker", "web": "web_service", "pserv": "private_service",
              "cron": "cron_job", "static": "static_site"}


@dataclass(frozen=True)
class ServiceLink:
    id: str | None = None
    name: str | None = None
    type: str | None = None  # Render's short form: worker, web, pserv, cron, static

    @classmethod
    def from_wire(cls, d: Any, where: str = "serviceLink") -> "ServiceLink":
        w = _Wire(d, where)
        return cls(id=w.text("id", required=True), name=w.text("name"), type=w.text("type"))

    @property
    def service_type(self) -> str | None:
        """The link's type in the long form services carry (``background_worker``…)."""
        return LINK_TYPES.get(self.type or "", self.type)


@dataclass(frozen=True)
class EnvGroup:
    """An environment group. Items of ``GET /env-groups`` carry no vars (empty tuples)."""

    id: str | None = None
    name: str | None = None
    service_links: tuple[ServiceLink, ...] = ()
    env_vars: tuple[EnvVar, ...] = ()
    secret_files: tuple[SecretFile, ...] = ()
    created_at: str | None = None

    @classmethod
    def from_wire(cls, d: Any, where: str = "envGroup", *, detail: bool = False) -> "EnvGroup":
        w = _Wire(d, where)
        return cls(
            id=w.text("id", required=True),
            name=w.text("name", required=True),
            service_links=tuple(ServiceLink.from_wire(x.data, x.where)
                                for x in w.items("serviceLinks", required=True)),
            env_vars=tuple(EnvVar.from_wire(x.data, x.where) for x in w.items("envVars", required=detail)),
            secret_files=tuple(SecretFile.from_wire(x.data, x.where)
                               for x in w.items("secretFiles", required=detail)),
            created_at=w.text("createdAt"),
        )


# Render's DeployStatus, by what it means for "the latest deploy".
DEPLOY_IN_FLIGHT = frozenset({"created", "queued", "build_in_progress", "update_in_progress",
                              "pre_deploy_in_progress"})
DEPLOY_SETTLED = frozenset({"live", "deactivated", "build_failed", "update_failed", "pre_deploy_failed",
                            "canceled"})


@dataclass(frozen=True)
class Deploy:
    id: str | None = None
    status: str | None = None
    trigger: str | None = None
    created_at: str | None = None
    finished_at: str | None = None
    commit_id: str | None = None
    commit_message: str | None = None
    # An image-backed deploy (``image``: absent for Git-backed ones): the reference and the digest it resolved to.
    image_ref: str | None = None
    image_sha: str | None = None
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_wire(cls, d: Any, where: str = "deploy") -> "Deploy":
        w = _Wire(d, where)
        commit = w.obj("commit")
        image = w.obj("image")
        return cls(
            id=w.text("id", required=True),
            status=w.text("status"),
            trigger=w.text("trigger"),
            created_at=w.text("createdAt"),
            finished_at=w.text("finishedAt"),
            commit_id=commit.text("id") if commit else None,
            commit_message=commit.text("message") if commit else None,
            image_ref=image.text("ref") if image else None,
            image_sha=image.text("sha") if image else None,
            raw=d,
        )


@dataclass(frozen=True)
class Event:
    """One service event (``ServiceEvent``); ``details`` is the type-specific object."""

    id: str
    type: str
    timestamp: str
    details: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_wire(cls, d: Any, where: str = "event") -> "Event":
        w = _Wire(d, where)
        details = w.obj("details")
        return cls(id=w.text("id", required=True), type=w.text("type", required=True),
                   timestamp=w.text("timestamp", required=True), details=details.data if details else {})


@dataclass(frozen=True)
class Series:
    """One metrics time series (``TimeSeries``): its free-text unit and its points."""

    unit: str
    points: tuple[tuple[str, float], ...]
    labels: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_wire(cls, d: Any, where: str = "series") -> "Series":
        w = _Wire(d, where)
        labels = tuple((x.text("field", required=True), x.text("value", required=True))
                       for x in w.items("labels"))
        points = tuple((x.text("timestamp", required=True), x.number("value"))
                       for x in w.items("values", required=True))
        return cls(unit=w.text("unit", required=True), points=points, labels=labels)



@dataclass(frozen=True)
class LogEntry:
    """One log line (Render's ``Log``): its text may hold a secret, so evidence carries counts and scrubbed samples."""

    id: str
    message: str = field(repr=False)
    timestamp: str = ""
    labels: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_wire(cls, d: Any, where: str = "log") -> "LogEntry":
        w = _Wire(d, where)
        labels = tuple((x.text("name", required=True), x.text("value", required=True))
                       for x in w.items("labels", required=True))
        return cls(id=w.text("id", required=True), message=w.text("message", required=True),
                   timestamp=w.text("timestamp", required=True), labels=labels)

    def label(self, name: str) -> str | None:
        return next((value for key, value in self.labels if key == name), None)


@dataclass(frozen=True)
class LogPage:
    """One answer of ``GET /logs`` (Render's ``ListLogsResponse200``): the lines and where the next page is."""

    has_more: bool
    next_start_time: str
    next_end_time: str
    logs: tuple[LogEntry, ...]

    @classmethod
    def from_wire(cls, d: Any, where: str = "logs") -> "LogPage":
        w = _Wire(d, where)
        return cls(has_more=w.boolean("hasMore"), next_start_time=w.text("nextStartTime", required=True),
                   next_end_time=w.text("nextEndTime", required=True),
                   logs=tuple(LogEntry.from_wire(x.data, x.where) for x in w.items("logs", required=True)))


@dataclass(frozen=True)
class NotificationSettings:
    """An owner's notification settings (Render's ``NotificationSetting``); notificationsToSend: all | failure | none."""

    owner_id: str
    slack_enabled: bool
    email_enabled: bool
    preview_notifications_enabled: bool
    notifications_to_send: str

    @classmethod
    def from_wire(cls, d: Any, where: str = "notificationSetting") -> "NotificationSettings":
        w = _Wire(d, where)
        return cls(owner_id=w.text("ownerId", required=True), slack_enabled=w.boolean("slackEnabled"),
                   email_enabled=w.boolean("emailEnabled"),
                   preview_notifications_enabled=w.boolean("previewNotificationsEnabled"),
                   notifications_to_send=w.text("notificationsToSend", required=True))


@dataclass(frozen=True)
class NotificationOverride:
    """A service's override of its owner's settings (Render's ``NotificationServiceOverride``);
    notificationsToSend: default (the owner's) | all | failure | none."""

    service_id: str
    preview_notifications_enabled: str
    notifications_to_send: str

    @classmethod
    def from_wire(cls, d: Any, where: str = "notificationServiceOverride") -> "NotificationOverride":
        w = _Wire(d, where)
        return cls(service_id=w.text("serviceId", required=True),
                   preview_notifications_enabled=w.text("previewNotificationsEnabled", required=True),
                   notifications_to_send=w.text("notificationsToSend", required=True))
