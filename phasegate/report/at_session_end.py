"""The reports at the end of a pytest session: a pytest plugin module, registered by conftest.py.

It implements the plugin's ``pytest_phasegate_run_folder_written`` (declared in
:mod:`phasegate.pytest_plugin.hookspecs`): for each phase's run folder, the reports are built
(unless ``--no-report``; without the Allure HTML under ``--no-html``) and the terminal gets the run's
verdict, after the line naming the folder.
The plugin imports nothing of the reports; the reports come after it in the flow.
"""

from __future__ import annotations

from . import build_reports
from .gate import assess
from .model import load_run


def pytest_phasegate_run_folder_written(config, folder, phase):
    if not config.getoption("phasegate_no_report"):
        build_reports(folder, html=not config.getoption("phasegate_no_html"))
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"phasegate: {phase.title}: {assess(load_run(folder)).line()}")
