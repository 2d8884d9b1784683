"""The pytest plugin, as a package: :mod:`.hooks` holds only the hook functions (each delegating),
:mod:`.fixtures` the session fixtures; conftest.py registers those two modules. :mod:`.hookspecs`
declares the hook fired for each run folder written, which :mod:`phasegate.report.at_session_end` implements.

The rest does one job each: :mod:`.options`, :mod:`.logscrub`, :mod:`.context` (the run context),
:mod:`.scenario` (what a collected item judges; steps get it from the ``scenario_criteria`` fixture), :mod:`.collection` (markers,
phase choice, deselection), :mod:`.introspection` (pytest's and pytest-bdd's private names),
:mod:`.outcomes`, :mod:`.allure_labels`, :mod:`.terminal`, :mod:`.run_folders`, :mod:`.round_trip`.
Importing this package registers nothing.
"""
