"""The simulator's ``GET /logs`` and ``GET /notification-settings/…``, in Render's wire format.

A world keeps each service's log lines as Render's ``Log`` objects under ``world["logs"][service id]``
(``{id, message, timestamp, labels: [{name, value}]}``), the owners' settings under
``world["notificationSettings"][owner id]`` and a service's override under
``world["notificationOverrides"][service id]`` (absent: Render's ``default`` override, the owner's settings).
``/logs`` answers ``{hasMore, nextStartTime, nextEndTime, logs}``: ``limit`` lines (default 20, at most 100),
newest first unless ``direction=forward``, filtered by ``resource`` (required), ``level`` and the window
``startTime``..``endTime`` (default: the last hour); while more remain, the next window is named.
"""

from __future__ import annotations

import copy
import datetime as _dt
from typing import Any

from .pages import MAX_PAGE_SIZE, HttpError, page_limit, parse_time, time_param

_TICK = _dt.timedelta(milliseconds=1)


def _zulu(moment: _dt.datetime) -> str:
    return moment.astimezone(_dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _level(line: dict) -> str | None:
    return next((label.get("value") for label in line.get("labels", []) if label.get("name") == "level"), None)


def page(world: dict, params: dict[str, list[str]]) -> dict:
    """One page of ``GET /logs``."""
    if not params.get("ownerId") or not params["ownerId"][-1]:
        raise HttpError(400, "ownerId is required")
    resources = [r for r in params.get("resource", []) if r]
    if not resources:
        raise HttpError(400, "resource is required")
    now = _dt.datetime.now(_dt.timezone.utc)
    start = time_param(params, "startTime", now - _dt.timedelta(hours=1))
    end = time_param(params, "endTime", now)
    levels = set(params.get("level", []))
    forward = (params.get("direction") or ["backward"])[-1] == "forward"
    limit = min(page_limit(params, 20), MAX_PAGE_SIZE)
    by_service = world.get("logs") or {}
    lines = [copy.deepcopy(line) for r in resources for line in by_service.get(r, [])
             if start <= parse_time(line["timestamp"]) <= end and (not levels or _level(line) in levels)]
    lines.sort(key=lambda line: parse_time(line["timestamp"]), reverse=not forward)
    chosen, more = lines[:limit], len(lines) > limit
    next_start, next_end = start, end
    if more and forward:
        next_start = parse_time(chosen[-1]["timestamp"]) + _TICK
    elif more:
        next_end = parse_time(chosen[-1]["timestamp"]) - _TICK
    return {"hasMore": more, "nextStartTime": _zulu(next_start), "nextEndTime": _zulu(next_end), "logs": chosen}


def notification_route(world: dict, parts: list[str]) -> Any:
    """``/notification-settings/owners/{ownerId}`` and ``/notification-settings/overrides/services/{serviceId}``."""
    if len(parts) == 3 and parts[1] == "owners":
        settings = (world.get("notificationSettings") or {}).get(parts[2])
        if settings is None:
            raise HttpError(404, f"not found: {parts[2]}")
        return copy.deepcopy(settings)
    if len(parts) == 4 and parts[1:3] == ["overrides", "services"]:
        if not any(s.get("id") == parts[3] for s in world.get("services", [])):
            raise HttpError(404, f"not found: {parts[3]}")
        default = {"serviceId": parts[3], "previewNotificationsEnabled": "default", "notificationsToSend": "default"}
        return copy.deepcopy((world.get("notificationOverrides") or {}).get(parts[3], default))
    raise HttpError(404, "not found: /v1/" + "/".join(parts))
