"""Judgements of the operations criteria over Render metrics and events (P4-60…P4-62)."""

from __future__ import annotations

import datetime as _dt

from .judge import Violation
from .snapshot import NotJudgeable, ServiceSnapshot

# Render event types (and words in them) that mean the worker failed while running.
FAILURE_EVENT_TYPES = {"server_failed", "server_hardware_failure", "instance_oom", "oom_killed", "crash_loop"}
FAILURE_WORDS = ("oom", "crash")
EVENTS_READ = 100  # one page of events, newest first


def _points(series_list: list) -> list[tuple[str, float]]:
    points = []
    for series in series_list or []:
        for point in (series or {}).get("values") or []:
            value = (point or {}).get("value")
            if isinstance(value, (int, float)):
                points.append((str(point.get("timestamp") or ""), float(value)))
    return sorted(points)


def usage(target: ServiceSnapshot, kind: str) -> tuple[list[tuple[str, float]], float]:
    """(usage points over the window, the plan's limit) for memory or cpu; broken without data."""
    target.require("metrics")
    points = _points(target.metrics.get(kind))
    limits = [v for _, v in _points(target.metrics.get(f"{kind}-limit")) if v > 0]
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


def _parse_time(text: str | None) -> _dt.datetime | None:
    if not text:
        return None
    try:
        return _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def is_failure(event: dict) -> bool:
    kind = str(event.get("type") or "").lower()
    details = str(event.get("details") or "").lower()
    return kind in FAILURE_EVENT_TYPES or any(w in kind for w in FAILURE_WORDS) or (
        kind.startswith("server_") and "oomkilled" in details)


def no_failures_since_latest_deploy(target: ServiceSnapshot) -> list[dict]:
    """Failure events newer than the latest deploy's start; older ones were fixed by it."""
    service = target.service
    target.require("events")
    target.require("deploys")
    if not target.deploys:
        raise NotJudgeable("cannot judge: the service has no deploy to count failures from")
    since = _parse_time(target.deploys[0].created_at)
    if since is None:
        raise NotJudgeable("cannot judge: the latest deploy has no creation time")
    recent = [e for e in target.events if (_parse_time(e.get("timestamp")) or since) > since]
    if len(target.events) >= EVENTS_READ and len(recent) == len(target.events):
        raise NotJudgeable(f"cannot judge: more than {EVENTS_READ} events since the latest deploy; "
                           "only the newest page was read")
    failures = [e for e in recent if is_failure(e)]
    if failures:
        shown = "; ".join(f"{e.get('type')} at {e.get('timestamp')}" for e in failures)
        raise Violation("failure events since the latest deploy", f"none since {target.deploys[0].created_at}",
                        f"{len(failures)}: {shown}", link=service.dashboard_url)
    return recent
