"""Moved to phasegate.pytest_plugin.round_trip; kept so other modules' imports hold (no hooks or fixtures:
never register this module)."""

from .pytest_plugin.round_trip import CANARY_RECORD, CANARY_RUN  # noqa: F401
