"""Moved to phasegate.judges.operations; kept so other modules' imports hold."""

from phasegate.judges.operations import RENDER_EVENT_TYPES, STATUS_FIELDS, EVENT_STATUSES, ALWAYS, WHEN_FAILED, failure_rules, UNITS, BASE_UNIT, _points, usage, under_threshold, _parse_time, failure_reason, no_failures_since_live_deploy  # noqa: F401
