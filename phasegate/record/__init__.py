"""The record of a run: the run folder and what goes into it, and what CI tools and Allure read.

:mod:`.run_record` is ``run.json`` itself (``RunRecord``, typed and versioned; every reader reads it there, and
:mod:`.run_record_schema` is its field table and published JSON Schema);
:mod:`.folder` starts the run folder (``run.json`` saying "running") and writes it at the end;
:mod:`.provenance` says what ran (suite commit, package versions) and what was read, as connected;
:mod:`.configuration` the files that configured the run, with their digests; :mod:`.allure_results`
the run folder's copy of one phase's Allure results and the run-wide files beside them;
:mod:`.ci_results` the outcome-named Allure errors and the JUnit XML rewrite; :mod:`.evidence` the
redacted attachments steps add to Allure results, and :mod:`.charts` the SVG charts among them.
Importing this package imports none of its modules: each imports its siblings directly.
"""
