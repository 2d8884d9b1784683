"""The suite's own tests: a failing test must not print a secret.

pytest's long traceback shows every frame's arguments (a URL with its password, say) and the
values of a failed assertion. Each report is scrubbed of every registered secret value and of
every canary the tests make (``pw-CANARY-…``, a secret by name) before pytest prints it.
"""

from __future__ import annotations

import os
import re
import signal

import pytest

from phasegate import redact
from phasegate.sandbox.postgres import ENV_DATA_DIR, SandboxPostgres, default_data_dir

# Under pytest-xdist each worker has a PostgreSQL cluster of its own: a sandbox world's roles are cluster-wide,
# so one cluster serves one world at a time, and two workers on one cluster would only take turns.
if os.environ.get("PYTEST_XDIST_WORKER") and not os.environ.get(ENV_DATA_DIR):
    _shared = default_data_dir()
    os.environ[ENV_DATA_DIR] = str(_shared.parent / os.environ["PYTEST_XDIST_WORKER"] / _shared.name)
# A test run started in the background of a non-interactive shell (`cmd &`) inherits SIGINT ignored,
# and an ignored signal stays ignored across exec: every suite the tests start would then shrug off
# Ctrl-C, and the tests that interrupt a run would see it finish. Ctrl-C means Ctrl-C here.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

_CANARY = re.compile(r"pw-CANARY-[\w.~-]*")


def scrubbed(text: str) -> str:
    return _CANARY.sub(redact.MASK, redact.scrub(text))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    report = (yield).get_result()
    if report.longrepr is not None:
        text = str(report.longrepr)
        if scrubbed(text) != text:
            report.longrepr = scrubbed(text)
    report.sections = [(title, scrubbed(body)) for title, body in report.sections]


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: -p no:xdist leaves it unknown
def pytest_xdist_auto_num_workers(config):
    """``-n auto``: a worker per core, and one more. A fifth of a sandbox run is spent waiting (for its world's
    database to be built, for a child to answer): a third worker on two cores fills it (the whole suite: 4 min 33 s
    against 5 min 20 s with two workers)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return cores + 1


# The files whose runs take longest, longest first (`python bench/bench_tests.py --log FILE` measures them): each
# file runs on one worker (--dist loadfile), and one of them started last would run alone at the end.
LONGEST_FIRST = ("test_database_criteria.py", "test_phase5.py", "test_render_criteria.py", "test_round_trip.py",
                 "test_queue_states.py", "test_allure_tree.py", "test_database.py", "test_policy.py",
                 "test_completeness.py", "test_phase4_outputs.py", "test_rate_budget.py", "test_gate.py",
                 "test_fault_matrix.py", "test_identity.py")


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: a file's tests stay together


@pytest.fixture(scope="session", autouse=True)
def sandbox_cluster():
    """The sandbox's PostgreSQL, held up for the whole session: each run attaches to it (pgserver counts its users)
    instead of starting it and stopping it again around every world, which costs a second or two a run."""
    server = SandboxPostgres()
    server.start()
    yield server
    server.stop()
