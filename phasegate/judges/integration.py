"""Judgements of two services together: the worker and the API that hands it jobs.

Values that are secrets (connection strings, Sentry DSNs) are parsed inside the process and
compared part by part; a violation names the parts that differ, never their values, and
shows a keyed digest where a value must be told apart.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from .. import redact
from ..snapshot import ServiceSnapshot
from .violation import Violation


def same_service_field(worker: ServiceSnapshot, api: ServiceSnapshot, attribute: str, wording: str) -> None:
    ours, theirs = getattr(worker.service, attribute), getattr(api.service, attribute)
    if ours != theirs:
        raise Violation(f"{wording} of {worker.name!r} and {api.name!r}", f"the same {wording}",
                        f"{worker.name}: {ours!r}, {api.name}: {theirs!r}", link=api.service.dashboard_url)


def shared_settings_not_overridden(worker: ServiceSnapshot, api: ServiceSnapshot) -> list[str]:
    """Every key of an env group linked to both services has the group's value on both. Returns the keys checked."""
    worker.service, api.service  # noqa: B018 - an ambiguous or missing service is not judged
    shared = [g for g in worker.env_groups if g.id in {h.id for h in api.env_groups}]
    ours, theirs = worker.effective_env, api.effective_env
    checked, overridden = [], []
    for group in shared:
        for var in group.env_vars:
            checked.append(f"{var.key} (env group {group.name})")
            for target, env in ((worker, ours), (api, theirs)):
                setting = env.get(var.key)
                if setting is None or setting.value.digest != var.value.digest:
                    overridden.append(f"{var.key} on {target.name} ({setting.source if setting else 'unset'})")
    if overridden:
        raise Violation("settings shared through an environment group", "the group's value on both services",
                        "overridden: " + ", ".join(overridden), link=api.service.dashboard_url)
    return checked


def _url(target: ServiceSnapshot, key: str):
    setting = target.effective_env.get(key)
    if setting is None or setting.value.is_empty():
        raise Violation(f"{key} of {target.name!r}", "set and not empty", "<not set>",
                        link=target.service.dashboard_url)
    return urlsplit(setting.value.reveal())


def _database_identity(target: ServiceSnapshot) -> dict:
    """Host, port, database and (for a Supabase pooler user ``role.<ref>``) the project ref: no credential."""
    url = _url(target, "DATABASE_URL")
    try:
        port = url.port or 5432
    except ValueError:
        port = None
    user = url.username or ""
    identity = {"host": (url.hostname or "").lower(), "port": port, "database": url.path.lstrip("/")}
    if "." in user:  # the pooler routes by the user's project ref; the host is shared by many projects
        identity["project ref"] = user.split(".", 1)[1]
    return identity


def same_database(worker: ServiceSnapshot, api: ServiceSnapshot) -> None:
    ours, theirs = _database_identity(worker), _database_identity(api)
    differ = sorted(k for k in set(ours) | set(theirs) if ours.get(k) != theirs.get(k))
    if differ:
        shown = ", ".join(f"{k} (hmac {redact.digest(str(ours.get(k)))} vs {redact.digest(str(theirs.get(k)))})"
                          for k in differ)
        raise Violation(f"DATABASE_URL of {worker.name!r} and {api.name!r}", "the same host, port and database",
                        f"they differ in {shown}", link=api.service.dashboard_url)


def _sentry_project(target: ServiceSnapshot, key: str) -> str:
    """The DSN without its key: host and project id (https://<key>@<host>/<project>)."""
    url = _url(target, key)
    project = url.path.strip("/")
    if not url.hostname or not project:
        raise Violation(f"{key} of {target.name!r}", "a DSN naming a host and a project",
                        "no project in it", link=target.service.dashboard_url)
    return f"{url.hostname.lower()}/{project}"


def same_sentry_project(worker: ServiceSnapshot, api: ServiceSnapshot, key: str = "SENTRY_DSN") -> None:
    ours, theirs = redact.digest(_sentry_project(worker, key)), redact.digest(_sentry_project(api, key))
    if ours != theirs:
        raise Violation(f"Sentry project of {worker.name!r} and {api.name!r}", "the same project",
                        f"different projects (hmac {ours} vs {theirs})", link=api.service.dashboard_url)
