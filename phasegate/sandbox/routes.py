"""The simulator's routes: what ``GET /v1/...`` answers from one world, in Render's wire format.

A world (see :mod:`phasegate.sandbox.worlds`) is plain dicts written exactly as Render's API sends
them (camelCase keys, explicit ``null``s). :class:`WorldRoutes` answers ``/services`` (filtered, a
page) and a service with its env vars, secret files, deploys, events and custom domains; ``/env-groups`` (a bare
array, as Render's spec declares it) and one group; ``/metrics/{kind}``; ``/logs`` and ``/notification-settings/…`` (:mod:`.logs`). ``{{NAME}}`` placeholders
in env-var values are substituted (the sandbox's database URLs). Unknown paths and ids raise
:class:`~phasegate.sandbox.pages.HttpError` 404 ``not found: ...``; a world's ``failingRoutes``
answer 503 and its ``foreignItems`` routes carry one item of a shape Render does not allow.
"""

from __future__ import annotations

import copy
import datetime as _dt
import re
import urllib.parse
from typing import Any

from . import keys, logs
from .pages import HttpError, page, page_limit, parse_time, time_param

METRIC_KINDS = ("memory", "cpu", "memory-limit", "cpu-limit")
_METRIC_UNITS = {"memory": "bytes", "memory-limit": "bytes", "cpu": "cpu", "cpu-limit": "cpu"}
_PLACEHOLDER = re.compile(r"\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}")


def not_found(what: str) -> HttpError:
    return HttpError(404, f"not found: {what}")


class WorldRoutes:
    """Answer GETs from one world (the caller's copy, read, never changed)."""

    def __init__(self, world: dict, *, substitutions: dict[str, str], page_size_default: int) -> None:
        self.world = world
        self.substitutions = {**keys.DEFAULT_KEYS, **substitutions}  # a served world always holds keys
        self.page_size_default = page_size_default

    def get(self, path: str, params: dict[str, list[str]]) -> Any:
        """The body of ``GET /v1{path}`` (``path`` as it came, still quoted); :class:`HttpError` when it has none."""
        return self._with_foreign_item(path, self._route(path, params))

    def _route(self, path: str, params: dict[str, list[str]]) -> Any:
        parts = [urllib.parse.unquote(p) for p in path.strip("/").split("/") if p]
        world = self.world
        # A world may name routes that always fail, e.g. ["events"]: one broken part of Render.
        if parts and parts[-1] in world.get("failingRoutes", ()):
            raise HttpError(503, f"service unavailable: {path}")
        if parts == ["services"]:
            return self._list_services(params)
        if len(parts) >= 2 and parts[0] == "services":
            return self._service_route(path, parts, params)
        if parts == ["env-groups"]:
            return self._list_env_groups(params)
        if len(parts) == 2 and parts[0] == "env-groups":
            return self._env_group(parts[1])
        if len(parts) == 2 and parts[0] == "metrics":
            return self._metrics(parts[1], params)
        if parts == ["logs"]:
            return logs.page(self.world, params)
        if parts[:1] == ["notification-settings"]:
            return logs.notification_route(self.world, parts)
        raise not_found("/v1" + path)

    def _service_route(self, path: str, parts: list[str], params: dict[str, list[str]]) -> Any:
        """``/services/{id}`` and what is under it: env-vars, secret-files, deploys, custom-domains (a page or one),
        events."""
        world = self.world
        service_id = parts[1]
        service = self._service(service_id)
        if len(parts) == 2:
            return copy.deepcopy(service)
        sub = parts[2]
        if sub == "env-vars":
            env_vars = [self._substitute_env_var(v) for v in world.get("envVars", {}).get(service_id, [])]
            return self._page_or_item(path, parts, params, f"env-vars/{service_id}", "envVar", env_vars, "key")
        if sub == "secret-files":
            files = copy.deepcopy(world.get("secretFiles", {}).get(service_id, []))
            return self._page_or_item(path, parts, params, f"secret-files/{service_id}", "secretFile", files, "name")
        if sub == "deploys":
            deploys = copy.deepcopy(world.get("deploys", {}).get(service_id, []))
            return self._page_or_item(path, parts, params, f"deploys/{service_id}", "deploy", deploys, "id")
        if sub == "custom-domains":
            domains = copy.deepcopy(world.get("customDomains", {}).get(service_id, []))
            return self._page_or_item(path, parts, params, f"custom-domains/{service_id}", "customDomain", domains,
                                      "id")
        if sub == "events" and len(parts) == 3:
            return self._events(service_id, params)
        raise not_found("/v1" + path)

    def _page_or_item(self, path: str, parts: list[str], params: dict[str, list[str]], scope: str, resource: str,
                      items: list, key: str) -> Any:
        """A page of a service's ``items`` (``/services/{id}/{sub}``), or the one whose ``key`` is the
        path's last part (``/services/{id}/{sub}/{key}``)."""
        if len(parts) == 3:
            return self._page_of(scope, resource, items, params)
        if len(parts) == 4:
            for item in items:
                if item.get(key) == parts[3]:
                    return item
            raise not_found(parts[3])
        raise not_found("/v1" + path)

    def _events(self, service_id: str, params: dict[str, list[str]]) -> list:
        """A page of the service's events, filtered by type and time."""
        events = copy.deepcopy(self.world.get("events", {}).get(service_id, []))
        types = params.get("type")
        # Render's ListEventsParams: startTime defaults to now - 1 hour, endTime to now.
        now = _dt.datetime.now(_dt.timezone.utc)
        start = time_param(params, "startTime", now - _dt.timedelta(hours=1))
        end = time_param(params, "endTime", now)
        indexed = [(i, e) for i, e in enumerate(events)
                   if (not types or e.get("type") in types) and start <= parse_time(e["timestamp"]) <= end]
        return self._page_of(f"events/{service_id}", "event", events, params, indexed=indexed)

    def _env_group(self, group_id: str) -> dict:
        """``/env-groups/{id}``: the group with its env vars (placeholders substituted) and secret files."""
        for group in self.world.get("envGroups", []):
            if group.get("id") == group_id:
                full = copy.deepcopy(group)
                full["envVars"] = [self._substitute_env_var(v) for v in group.get("envVars", [])]
                full.setdefault("secretFiles", [])
                return full
        raise not_found(group_id)

    def _with_foreign_item(self, path: str, body: Any) -> Any:
        """A world may name list routes (``foreignItems``) whose first page carries one item of
        a shape Render's spec does not allow: proof that the client never skips one."""
        route = path.strip("/").split("/")[-1]
        if isinstance(body, list) and route in self.world.get("foreignItems", ()):
            return [*body, {"cursor": "foreign", "surprise": {"shape": "not in Render's spec"}}]
        return body

    def _list_env_groups(self, params: dict[str, list[str]]) -> list:
        """``GET /env-groups`` as Render's spec declares it: a bare array of envGroupMeta
        (no cursor in it), filtered by name, environmentId and creation time, ``limit``
        items (default 20, at most 100)."""
        names, environments = params.get("name"), params.get("environmentId")
        after = time_param(params, "createdAfter", None)
        before = time_param(params, "createdBefore", None)
        meta = []
        for group in self.world.get("envGroups", []):
            created = parse_time(group["createdAt"])
            if names and group.get("name") not in names:
                continue
            if environments and group.get("environmentId") not in environments:
                continue
            if (after and created < after) or (before and created > before):
                continue
            meta.append({k: copy.deepcopy(v) for k, v in group.items() if k not in ("envVars", "secretFiles")})
        return meta[: page_limit(params, self.page_size_default)]

    def _service(self, service_id: str) -> dict:
        for service in self.world.get("services", []):
            if service.get("id") == service_id:
                return service
        raise not_found(service_id)

    def _list_services(self, params: dict[str, list[str]]) -> list:
        services = copy.deepcopy(self.world.get("services", []))
        filters = {
            "name": lambda s: s.get("name"),
            "type": lambda s: s.get("type"),
            "ownerId": lambda s: s.get("ownerId"),
            "region": lambda s: (s.get("serviceDetails") or {}).get("region"),
            "env": lambda s: (s.get("serviceDetails") or {}).get("env"),
            "suspended": lambda s: s.get("suspended"),
        }
        active = {k: set(v) for k, v in params.items() if k in filters}
        indexed = [
            (i, s)
            for i, s in enumerate(services)
            if all(filters[k](s) in wanted for k, wanted in active.items())
        ]
        return self._page_of("services", "service", services, params, indexed=indexed)

    def _page_of(self, scope: str, resource: str, items: list, params: dict[str, list[str]], *,
                 indexed: list[tuple[int, Any]] | None = None) -> list:
        return page(scope, resource, items, params, page_size_default=self.page_size_default, indexed=indexed)

    def _substitute(self, value: Any) -> Any:
        if not isinstance(value, str) or "{{" not in value:
            return value

        def replace(match: re.Match) -> str:
            name = match.group(1)
            return self.substitutions.get(name, match.group(0))

        return _PLACEHOLDER.sub(replace, value)

    def _substitute_env_var(self, env_var: dict) -> dict:
        out = copy.deepcopy(env_var)
        if "value" in out:
            out["value"] = self._substitute(out["value"])
        return out

    def _metrics(self, kind: str, params: dict[str, list[str]]) -> list:
        """``world["metrics"][kind][service_id]`` is either a list of series in wire
        format (dicts with ``labels``/``unit``/``values``) or a plain list of points
        ``{"timestamp", "value"}``, which is wrapped in one series."""
        if kind not in METRIC_KINDS:
            raise not_found(f"/v1/metrics/{kind}")
        resources = [r for r in params.get("resource", []) if r]
        if not resources:
            raise HttpError(400, "resource is required")
        by_service = (self.world.get("metrics") or {}).get(kind) or {}
        series: list = []
        for resource in resources:
            data = copy.deepcopy(by_service.get(resource) or [])
            if data and isinstance(data[0], dict) and "values" in data[0]:
                series.extend(data)
            elif data:
                series.append(
                    {
                        "labels": [{"field": "resource", "value": resource}],
                        "unit": _METRIC_UNITS[kind],
                        "values": data,
                    }
                )
        return series
