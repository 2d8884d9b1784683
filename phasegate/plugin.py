"""Moved to phasegate.pytest_plugin; kept so other modules' imports hold (no hooks or fixtures: register
phasegate.pytest_plugin.hooks and phasegate.pytest_plugin.fixtures, never this module)."""

from .pytest_plugin.collection import chosen_phases, phase_of  # noqa: F401
from .pytest_plugin.context import CONTEXT, RunContext, Targets, context, profile_name  # noqa: F401
from .pytest_plugin.scenario import is_criterion, scenario_ids  # noqa: F401
from .pytest_plugin.stash import (CAUSES, COLLECTED, EXPECTED, NEEDS, OUTCOMES, PHASES, PROFILE,  # noqa: F401
                                  RUN_FOLDERS, RUN_PHASES, SCENARIOS, SELECTION, SNAPSHOT, WAIVERS)
from .pytest_plugin.terminal import end_progress_line  # noqa: F401
