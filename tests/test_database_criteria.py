"""Proof that the database criteria (P4-40…P4-47, P4-63) can pass, and can fail.

Each test runs the acceptance suite against a sandbox world whose real PostgreSQL was
seeded with one isolation mistake, and reads the verdicts back from its Allure results.
"""

from __future__ import annotations

import pytest

from acceptance import run_suite
from phasegate.sandbox.session import CATALOGUE

DB_CRITERIA = [f"P4-{n}" for n in range(40, 48)] + ["P4-63"]
DB_ONLY = ("-m", "staging and database", "--env", "sandbox")


def database_worlds(violating: bool) -> list[str]:
    names = []
    for name, spec in CATALOGUE.items():
        touches_db = spec.database_variant != "compliant" or spec.url_style != "real"
        compliant = spec.violates is None and name.startswith("compliant")
        if touches_db and (spec.violates in DB_CRITERIA if violating else compliant):
            names.append(name)
    return sorted(names)


def test_there_is_a_violating_world_for_every_database_criterion():
    covered = {CATALOGUE[name].violates for name in database_worlds(violating=True)}
    assert covered == set(DB_CRITERIA)


@pytest.fixture(scope="module")
def compliant_run(tmp_path_factory):
    return run_suite(tmp_path_factory.mktemp("compliant-db"), "-m", "staging", "--env", "sandbox")


def test_compliant_world_passes_every_criterion(compliant_run):
    outcomes = compliant_run.outcomes
    assert set(DB_CRITERIA) <= set(outcomes)
    assert set(outcomes.values()) == {"passed"}, compliant_run.stdout
    assert compliant_run.returncode == 0


@pytest.mark.parametrize("name", database_worlds(violating=True))
def test_violating_world_fails_its_criterion(tmp_path, name):
    spec = CATALOGUE[name]
    run = run_suite(tmp_path, *DB_ONLY, world=name)
    outcomes = run.outcomes
    assert outcomes.get(spec.violates) == "failed", run.stdout
    for cid in DB_CRITERIA:
        if cid == spec.violates:
            continue
        if cid in spec.also_affects:  # documented in postgres.ALSO_AFFECTS: the mistake implies it
            assert outcomes[cid] in ("failed", "broken"), (cid, outcomes)
        else:
            assert outcomes[cid] == "passed", (cid, outcomes, run.stdout)
    assert "expected" in run.messages(spec.violates)[0]
    assert run.returncode == 1


@pytest.mark.parametrize("name", database_worlds(violating=False))
def test_compliant_database_variants_pass(tmp_path, name):
    run = run_suite(tmp_path, *DB_ONLY, world=name)
    assert run.outcomes == {cid: "passed" for cid in DB_CRITERIA}, run.stdout


def test_unreachable_database_breaks_database_criteria_in_one_line(tmp_path):
    run = run_suite(tmp_path, "-m", "staging", "--env", "sandbox", world="database-unreachable")
    outcomes = run.outcomes
    assert {outcomes[cid] for cid in DB_CRITERIA} == {"broken"}
    assert {state for cid, state in outcomes.items() if cid not in DB_CRITERIA} == {"passed"}
    message = run.messages("P4-43")[0]
    assert "does not exist" in message and "\n" not in message.strip()


def test_wrong_password_is_broken_and_the_password_is_not_shown(tmp_path):
    from phasegate.sandbox.postgres import SandboxPostgres

    with SandboxPostgres() as postgres:
        wrong = postgres.url_for("upload_worker_staging", "pw-CANARY-wrong-0123", "phase4")
    run = run_suite(tmp_path, *DB_ONLY, env={"PHASEGATE_DATABASE_URL": wrong})
    assert {run.outcomes[cid] for cid in DB_CRITERIA} == {"broken"}, run.stdout
    assert any("password" in m.lower() or "authentication" in m.lower() for m in run.messages("P4-42"))
    assert "CANARY" not in run.artifacts_text()


def test_database_password_appears_nowhere(compliant_run):
    # The seeded password and every secret of the world carry the word CANARY.
    assert "CANARY" not in compliant_run.artifacts_text()


def test_the_report_says_which_connection_string_was_used(tmp_path):
    run = run_suite(tmp_path, *DB_ONLY, world="P4-40")
    assert "the sandbox's own route to the worker's database" in run.artifacts_text()
