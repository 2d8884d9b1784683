"""Judgements of the operations criteria over Render metrics and events."""

from __future__ import annotations

import datetime as _dt

from ..snapshot import NotJudgeable, ServiceSnapshot
from .violation import Violation
from ..timefmt import parse_zulu

# Render's ServiceEventType (SDK render 1.5.0) plus the detail types its ServiceEvent union
# names. An event outside this set cannot be classified, so the failure-events criterion is broken, never passed.
RENDER_EVENT_TYPES = frozenset({
    "artifact_fetch_failed", "artifact_source_changed", "autoscaling_config_changed", "autoscaling_ended",
    "autoscaling_started", "auto_deploy_disabled", "auto_deploy_enabled", "branch_deleted", "build_ended",
    "build_started", "commit_ignored", "cron_job_run_ended", "cron_job_run_started", "deploy_ended",
    "deploy_started", "disk_created", "disk_deleted", "disk_snapshot_restored", "disk_updated",
    "edge_cache_disabled", "edge_cache_enabled", "edge_cache_purged", "image_pull_failed",
    "initial_deploy_hook_ended", "initial_deploy_hook_started", "instance_count_changed", "instance_type_changed",
    "job_run_ended", "maintenance_ended", "maintenance_mode_enabled", "maintenance_mode_uri_updated",
    "maintenance_started", "pipeline_minutes_exhausted", "plan_changed", "pre_deploy_ended", "pre_deploy_started",
    "server_available", "server_failed", "server_hardware_failure", "server_restarted", "service_disk_usage_high",
    "service_disk_usage_recovered", "service_resumed", "service_suspended", "suspender_added", "suspender_removed",
    "zero_downtime_redeploy_ended", "zero_downtime_redeploy_started",
})

# Where an "…_ended" event keeps its outcome (Render's EventStatus: succeeded, failed, canceled).
STATUS_FIELDS = {"build_ended": "buildStatus", "deploy_ended": "deployStatus", "pre_deploy_ended": "preDeployStatus"}
EVENT_STATUSES = frozenset({"succeeded", "failed", "canceled"})

# The feature's words for when an event type counts as a failure.
ALWAYS = "always"
WHEN_FAILED = "its status is failed"


def failure_rules(table: list[list[str]]) -> dict[str, str]:
    """The feature's table of failure-bearing event types -> {type: rule}, checked against Render's types."""
    rules = {}
    for row in table[1:]:
        kind, rule = (cell.strip() for cell in row[:2])
        if kind not in RENDER_EVENT_TYPES:
            raise ValueError(f"the feature names event type {kind!r}, which is not one of Render's event types")
        if rule not in (ALWAYS, WHEN_FAILED) or (rule == WHEN_FAILED and kind not in STATUS_FIELDS):
            raise ValueError(f"the feature's rule {rule!r} for {kind} is not one phasegate can apply")
        rules[kind] = rule
    return rules


# --------------------------------------------------------------------------- metrics

# Render's metric ``unit`` is free text. Memory in bytes and its binary multiples (Render's
# plans are sized that way: "512 MB" is 536,870,912 bytes); CPU in cores or millicores.
UNITS = {
    "memory": {"b": 1, "byte": 1, "bytes": 1, "kb": 1024, "kib": 1024, "mb": 1024 ** 2, "mib": 1024 ** 2,
               "gb": 1024 ** 3, "gib": 1024 ** 3},
    "cpu": {"cpu": 1, "cpus": 1, "core": 1, "cores": 1, "vcpu": 1, "millicores": 0.001, "millicpu": 0.001,
            "mcpu": 0.001, "m": 0.001},
}
BASE_UNIT = {"memory": "bytes", "cpu": "CPU"}


def _points(series_list: list, kind: str, what: str) -> list[tuple[str, float]]:
    """Every point of ``series_list`` in the base unit of ``kind``; an unknown unit is broken."""
    factors = UNITS[kind]
    points = []
    for series in series_list or []:
        factor = factors.get(series.unit.strip().lower())
        if factor is None:
            raise NotJudgeable(f"cannot judge: Render reported {what} in unit {series.unit!r}; expected one of "
                               f"{', '.join(sorted(factors))}")
        points += [(timestamp, value * factor) for timestamp, value in series.points]
    return sorted(points)


def usage(target: ServiceSnapshot, kind: str) -> tuple[list[tuple[str, float]], float]:
    """(usage points over the window, the plan's limit) for memory or cpu, in bytes or CPUs."""
    target.require("metrics")
    target.require(f"metrics:{kind}")
    target.require(f"metrics:{kind}-limit")
    points = _points(target.metrics.get(kind), kind, f"{kind} usage")
    limits = [v for _, v in _points(target.metrics.get(f"{kind}-limit"), kind, f"the {kind} limit") if v > 0]
    if not points:
        raise NotJudgeable(f"cannot judge: Render reported no {kind} samples for the last hour")
    if not limits:
        raise NotJudgeable(f"cannot judge: Render reported no {kind} limit for the service")
    return points, min(limits)


def under_threshold(target: ServiceSnapshot, kind: str, threshold_percent: float, unit: str, scale: float) -> None:
    points, limit = usage(target, kind)
    peak_time, peak = max(points, key=lambda p: p[1])
    percent = 100 * peak / limit
    if percent >= threshold_percent:
        raise Violation(
            f"{kind} over the last hour",
            f"under {threshold_percent:g} % of the limit ({limit / scale:.2f} {unit})",
            f"peak {peak / scale:.2f} {unit} = {percent:.0f} % at {peak_time}",
            link=target.service.dashboard_url,
        )


# --------------------------------------------------------------------------- events


def _parse_time(text: str | None) -> _dt.datetime | None:
    if not text:
        return None
    try:
        return parse_zulu(text)
    except ValueError:
        return None


def failure_reason(event, rules: dict[str, str]) -> str | None:
    """Why ``event`` is a failure under ``rules`` (None if it is not); NotJudgeable if it cannot be told."""
    if event.type not in RENDER_EVENT_TYPES:
        raise NotJudgeable(f"cannot judge: event {event.id} has type {event.type!r}, which is not one of "
                           "Render's event types; whether it is a failure cannot be told")
    rule = rules.get(event.type)
    if rule is None:
        return None
    if rule == ALWAYS:
        reason = event.details.get("reason") if isinstance(event.details, dict) else None
        if event.type == "server_failed" and isinstance(reason, dict) and reason.get("oomKilled") is not None:
            return "OOM-killed"
        return "failed"
    status = event.details.get(STATUS_FIELDS[event.type])
    if status not in EVENT_STATUSES:
        raise NotJudgeable(f"cannot judge: event {event.id} ({event.type}) has {STATUS_FIELDS[event.type]} "
                           f"{status!r}; expected one of {', '.join(sorted(EVENT_STATUSES))}")
    return "status failed" if status == "failed" else None


def no_failures_since_live_deploy(target: ServiceSnapshot, rules: dict[str, str]) -> list:
    """Failure events since the deploy that is live; older ones were fixed by it."""
    service = target.service
    target.require("deploys")
    target.require("events")
    live = target.live_deploy
    since = _parse_time(live.created_at)
    recent = [e for e in target.events if (_parse_time(e.timestamp) or since) >= since]
    failures = [(e, why) for e in recent if (why := failure_reason(e, rules))]
    if failures:
        shown = "; ".join(f"{e.type} ({why}) at {e.timestamp}" for e, why in failures)
        raise Violation("failure events since the deploy that is live",
                        f"none since {live.created_at} (deploy {live.id})",
                        f"{len(failures)}: {shown}", link=service.dashboard_url)
    return recent
