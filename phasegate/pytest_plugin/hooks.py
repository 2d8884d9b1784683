"""The pytest hook functions of phasegate, each delegating to the module that does the work.

Registered as a plugin module by conftest.py (beside :mod:`.fixtures`). The hooks the round trip
shares with the main plugin are one function each here, calling the round trip's part where the
separate round-trip plugin used to run (its configure first, its session finish before ours).
"""

from __future__ import annotations

import pytest

from . import (allure_labels, collection, hookspecs, interrupt, logscrub, options, outcomes, round_trip, run_folders,
               terminal)
from .context import close_context
from .stash import OUTCOMES


def pytest_addhooks(pluginmanager):
    pluginmanager.add_hookspecs(hookspecs)


def pytest_addoption(parser):
    options.add_options(parser)


def pytest_configure(config):
    round_trip.refuse_production(config)
    logscrub.scrub_all_log_records()
    collection.load_catalogue(config)


def pytest_unconfigure(config):
    with interrupt.deferred_interrupt():  # Ctrl-C now waits until the simulator and the sessions are closed
        close_context(config)
    outcomes.rewrite_junit_outcomes(config)


def pytest_generate_tests(metafunc):
    collection.parametrize_policy(metafunc)


def pytest_itemcollected(item):
    collection.note_collected(item)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    if collection.select(config, items):
        terminal.write_header(config)


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session):
    run_folders.start_run_folders(session)
    return None  # pytest's own loop runs the tests


@pytest.hookimpl(trylast=True)  # after allure-pytest-bdd has opened the scenario's result
def pytest_bdd_before_scenario(request, feature, scenario):
    allure_labels.label_scenario(request, feature, scenario)


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_makereport(item, call):
    skipped = outcomes.skip_traceback(item, call)
    outcome = yield
    skipped()
    outcomes.rewrite_report(item, call, outcome.get_result())


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    terminal.write_summary(terminalreporter, config)


@pytest.hookimpl(specname="pytest_sessionfinish")  # no order: before ours (trylast), like the round-trip plugin
def pytest_sessionfinish_round_trip(session, exitstatus):
    round_trip.clean_up(session)


@pytest.hookimpl(trylast=True)  # after allure-pytest-bdd has written its last result file
def pytest_sessionfinish(session, exitstatus):
    config = session.config
    if OUTCOMES not in config.stash or config.option.collectonly:
        interrupt.before_any_criterion(session)
        return
    outcomes.not_green_if_pending_or_nothing_judged(session, exitstatus)
    run_folders.finish_run_folders(session)
