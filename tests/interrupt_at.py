"""A pytest plugin for tests/test_interrupt.py: Ctrl-C at a controlled moment.

Loaded into a suite run with ``-p interrupt_at`` (``tests/`` on PYTHONPATH): when the first scenario of a
criterion whose ID starts with ``INTERRUPT_AT`` (e.g. ``P5-``) is set up, SIGINT goes to the run's whole
process group, as a terminal's Ctrl-C does (the sandbox's children included).
"""

from __future__ import annotations

import os
import signal

from phasegate.pytest_plugin.scenario import item_criteria


def pytest_runtest_setup(item):
    prefix = os.environ.get("INTERRUPT_AT")
    if prefix and any(cid.startswith(prefix) for cid in item_criteria(item)):
        os.killpg(os.getpgid(0), signal.SIGINT)
