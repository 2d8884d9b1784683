"""Moved to phasegate.judges.round_trip; kept so other modules' imports hold."""

from phasegate.judges.round_trip import _seen, _history, completed_once, failed_after_max_attempts  # noqa: F401
