"""Render's own models as the judge of a response body: ``render.public_api`` (the SDK on
PyPI, generated from Render's OpenAPI spec) parses what phasegate reads.

The only body change before parsing is the one real deviation the SDK's models do not
accept: an explicit ``null`` for an optional field (real captures carry ``"commit": null``,
``"finishedAt": null``; see ``render-samples/SOURCES.md``). Such keys are dropped, which the
SDK then reads as "unset"; a required field that is null is still rejected.
"""

from __future__ import annotations

import importlib
import re
from importlib.metadata import version
from typing import Any, Callable

from render.public_api.models.custom_domain_with_cursor import CustomDomainWithCursor
from render.public_api.models.deploy_with_cursor import DeployWithCursor
from render.public_api.models.env_group import EnvGroup
from render.public_api.models.env_group_meta import EnvGroupMeta
from render.public_api.models.env_var_with_cursor import EnvVarWithCursor
from render.public_api.models.list_logs_response_200 import ListLogsResponse200
from render.public_api.models.notification_service_override import NotificationServiceOverride
from render.public_api.models.notification_setting import NotificationSetting
from render.public_api.models.secret_file_with_cursor import SecretFileWithCursor
from render.public_api.models.service import Service
from render.public_api.models.service_event_with_cursor import ServiceEventWithCursor
from render.public_api.models.service_with_cursor import ServiceWithCursor
from render.public_api.models.static_site_details import StaticSiteDetails
from render.public_api.models.time_series import TimeSeries

SDK_VERSION = version("render")


def drop_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_nulls(v) for v in value]
    return value


def _each(model) -> Callable[[Any], list]:
    def parse(body: Any) -> list:
        assert isinstance(body, list), f"expected a JSON array, got {type(body).__name__}"
        return [model.from_dict(drop_nulls(item)) for item in body]
    return parse


def _one(model) -> Callable[[Any], Any]:
    def parse(body: Any) -> Any:
        assert isinstance(body, dict), f"expected a JSON object, got {type(body).__name__}"
        return model.from_dict(drop_nulls(body))
    return parse


def _events(body: Any) -> list:
    """The SDK reads ``details`` through a loose union (any object fits some member), so each
    event's details are read again with the model named after its type (``deploy_ended`` ->
    ``DeployEnded``), which does check the fields."""
    events = _each(ServiceEventWithCursor)(body)
    for item in body:
        event = item["event"]
        try:
            module = importlib.import_module(f"render.public_api.models.{event['type']}")
        except ModuleNotFoundError:
            continue
        model = getattr(module, "".join(part.capitalize() for part in event["type"].split("_")))
        model.from_dict(drop_nulls(event["details"]))
    return events


def _services(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The SDK reads ``serviceDetails`` through a loose union too (it tries StaticSiteDetails first and keeps
    whatever fits), so a static site's details are read again with StaticSiteDetails, which checks them."""
    def check_details(body: Any) -> Any:
        parsed = parse(body)
        items = body if isinstance(body, list) else [{"service": body}]
        for item in items:
            service = item.get("service") or {}
            if service.get("type") == "static_site":
                StaticSiteDetails.from_dict(drop_nulls(service["serviceDetails"]))
        return parsed
    return check_details


# Every endpoint phasegate reads, as the SDK's operation for it parses the 200 body.
ENDPOINTS: list[tuple[re.Pattern, Callable[[Any], Any]]] = [
    (re.compile(r"^/services$"), _services(_each(ServiceWithCursor))),  # list_services
    (re.compile(r"^/services/[^/]+$"), _services(_one(Service))),  # retrieve_service
    (re.compile(r"^/services/[^/]+/env-vars$"), _each(EnvVarWithCursor)),  # get_env_vars_for_service
    (re.compile(r"^/services/[^/]+/secret-files$"), _each(SecretFileWithCursor)),  # list_secret_files_for_service
    (re.compile(r"^/services/[^/]+/deploys$"), _each(DeployWithCursor)),  # list_deploys
    (re.compile(r"^/services/[^/]+/events$"), _events),  # list_events
    (re.compile(r"^/services/[^/]+/custom-domains$"), _each(CustomDomainWithCursor)),  # list_custom_domains
    (re.compile(r"^/env-groups$"), _each(EnvGroupMeta)),  # list_env_groups: a bare array
    (re.compile(r"^/env-groups/[^/]+$"), _one(EnvGroup)),  # retrieve_env_group
    (re.compile(r"^/metrics/(memory|cpu|memory-limit|cpu-limit)$"), _each(TimeSeries)),  # get_memory …
    (re.compile(r"^/logs$"), _one(ListLogsResponse200)),  # list_logs
    (re.compile(r"^/notification-settings/owners/[^/]+$"), _one(NotificationSetting)),  # retrieve_owner_…
    (re.compile(r"^/notification-settings/overrides/services/[^/]+$"),
     _one(NotificationServiceOverride)),  # retrieve_service_notification_overrides
]


def check(path: str, body: Any) -> Any:
    """Parse ``body`` of ``GET /v1<path>`` with Render's own model; raises if it does not fit."""
    path = path.split("?", 1)[0]
    if path.startswith("/v1"):
        path = path[3:]
    for pattern, parse in ENDPOINTS:
        if pattern.match(path):
            return parse(body)
    raise AssertionError(f"no Render model registered for GET {path}")
