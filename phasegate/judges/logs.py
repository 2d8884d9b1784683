"""Judgements over a service's Render logs and notification settings.

A log line may hold a secret: a judge never puts one in a message whole. Evidence is counts, and at most
:data:`SAMPLES` lines, each scrubbed of every registered secret, of long token-like runs and of
``key=value`` secrets, then cut to :data:`SAMPLE_CHARS` characters (:func:`sample`).
"""

from __future__ import annotations

import json

from ..redact import sample as redact_sample
from ..snapshot import NotJudgeable, ServiceSnapshot
from .violation import Violation

SAMPLES = 3
SAMPLE_CHARS = 120
# The keys a structured log line names its level by: structlog/pino/zap ("level"), python-json-logger
# ("levelname"), Google Cloud / Stackdriver ("severity").
LEVEL_KEYS = ("level", "levelname", "severity")


def sample(message: str) -> str:
    """One log line as evidence may carry it: :func:`phasegate.redact.sample`, at most SAMPLE_CHARS."""
    return redact_sample(message, SAMPLE_CHARS)


def structured(message: str) -> bool:
    """A JSON object naming its level (one of LEVEL_KEYS, a non-empty string)."""
    try:
        body = json.loads(message)
    except ValueError:
        return False
    return isinstance(body, dict) and any(isinstance(body.get(k), str) and body[k].strip() for k in LEVEL_KEYS)


def _lines(target: ServiceSnapshot, part: str):
    target.require(part)
    read = getattr(target, part)
    if read is None:
        raise NotJudgeable(f"cannot judge: {part} of {target.name!r} was not read in this run")
    return read


def log_summary(target: ServiceSnapshot) -> dict:
    """The last hour's lines as evidence: counts, the window, and a few scrubbed samples of unstructured ones."""
    read = _lines(target, "logs")
    loose = [line for line in read.lines if not structured(line.message)]
    return {"window": f"{read.start} .. {read.end}", "lines": len(read.lines), "structured": len(read.lines) - len(loose),
            "more_unread": read.more, "unstructured_samples": [sample(line.message) for line in loose[:SAMPLES]]}


def structured_share(target: ServiceSnapshot, percent: float) -> dict:
    """At least ``percent`` % of the last hour's lines are structured; a silent hour is not judgeable."""
    summary = log_summary(target)
    total = summary["lines"]
    if total == 0:
        raise NotJudgeable(f"cannot judge: {target.name!r} logged no line in the last hour ({summary['window']}), "
                           "so there is no log format to judge")
    share = 100.0 * summary["structured"] / total
    if share < percent:
        scope = f"the newest {total} lines (more were not read)" if summary["more_unread"] else f"{total} lines"
        raise Violation(f"{target.name}: log lines in the last hour that are JSON with a level",
                        f"at least {percent:g}%", f"{share:.1f}% ({summary['structured']} of {scope})",
                        link=target.dashboard_url,
                        details=[f"unstructured: {s}" for s in summary["unstructured_samples"]])
    return summary


def no_error_lines(target: ServiceSnapshot) -> dict:
    """No line at level error since the live deploy. A service silent in the last hour is not judgeable: its
    silence is not evidence that nothing went wrong."""
    errors = _lines(target, "log_errors")
    hour = _lines(target, "logs")
    evidence = {"since": errors.start, "error_lines": len(errors.lines), "more_unread": errors.more,
                "lines_in_the_last_hour": len(hour.lines), "samples": [sample(x.message) for x in errors.lines[:SAMPLES]]}
    if errors.lines:
        count = f"{len(errors.lines)}{' or more' if errors.more else ''}"
        raise Violation(f"{target.name}: log lines at level error since its live deploy ({errors.start})",
                        "none", f"{count} (newest at {errors.lines[0].timestamp})", link=target.dashboard_url,
                        details=[f"error: {s}" for s in evidence["samples"]])
    if not hour.lines:
        raise NotJudgeable(f"cannot judge: {target.name!r} logged no line in the last hour ({hour.start} .. "
                           f"{hour.end}), so no error line since its live deploy proves nothing")
    return evidence


def failing_deploy_notifies(target: ServiceSnapshot) -> dict:
    """A failing deploy reaches a person: the owner sends email or Slack, its notificationsToSend is failure or
    all, and the service does not override it to none (its override: default, failure or all)."""
    target.require("notifications")
    settings, override = target.notifications
    channels = [name for name, on in (("email", settings.email_enabled), ("Slack", settings.slack_enabled)) if on]
    evidence = {"owner_channels": channels, "owner_sends": settings.notifications_to_send,
                "service_override": override.notifications_to_send}
    effective = settings.notifications_to_send if override.notifications_to_send == "default" else \
        override.notifications_to_send
    known = {"all", "failure", "none"}
    if effective not in known or settings.notifications_to_send not in known:
        raise NotJudgeable(f"cannot judge: Render reports notificationsToSend {effective!r}, not one of "
                           f"{', '.join(sorted(known))} (owner {settings.notifications_to_send!r}, "
                           f"service override {override.notifications_to_send!r})")
    problems = []
    if not channels:
        problems.append("the owner has neither email nor Slack notifications enabled")
    if effective == "none":
        where = "the service overrides it to none" if override.notifications_to_send == "none" else \
            "the owner sends none"
        problems.append(f"no notification is sent ({where})")
    if problems:
        raise Violation(f"{target.name}: a failing deploy notifies someone",
                        "a channel (email or Slack) enabled, failure notifications sent, no override to none",
                        "; ".join(problems), link=target.dashboard_url,
                        details=[f"owner: email {settings.email_enabled}, Slack {settings.slack_enabled}, "
                                 f"sends {settings.notifications_to_send}; service override: "
                                 f"{override.notifications_to_send}"])
    return evidence
