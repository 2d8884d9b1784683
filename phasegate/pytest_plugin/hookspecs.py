"""The hooks phasegate's plugin declares, for what comes after it in the flow (the reports).

Added by :func:`.hooks.pytest_addhooks`. The plugin fires them and imports nothing of what
implements them: :mod:`phasegate.report.at_session_end`, registered beside the plugin by
conftest.py, builds the reports. pytest takes a plugin's hook only under a ``pytest_`` name.
"""

from __future__ import annotations

import pytest


@pytest.hookspec
def pytest_phasegate_run_folder_written(config, folder, phase):
    """A phase's run folder has been written at the session's end, and the terminal given its path.

    ``folder`` is the run folder (a :class:`pathlib.Path`), ``phase`` the
    :class:`phasegate.catalogue.criteria.Phase` it records. Fired once per phase judged, in order.
    """
