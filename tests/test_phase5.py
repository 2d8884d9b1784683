"""Proof that Phase 5's readiness criteria can pass, and that each fails on a world that violates it."""

from __future__ import annotations

import json

import pytest

from acceptance import run_suite
from phasegate.catalogue.criteria import load_phase
from phasegate.sandbox.session import CATALOGUE
from phasegate.sandbox.worlds import canary_values, world
from acceptance import ROOT
from cli_runner import phasegate

PHASE5 = ("-m", "staging", "--env", "sandbox", "--phase", "phase5")
# Spelled out so that a criterion added to the features without a violating world is caught.
READINESS = {"P5-01", "P5-02", "P5-03", "P5-04", "P5-05", "P5-06", "P5-07", "P5-08"}
THROUGH_THE_POOLER = {"PHASEGATE_SANDBOX_POOLER": "1"}
ROUND_TRIP = {"P5-20", "P5-21"}  # opt-in (--active): skipped here, proven in test_round_trip.py
ENDPOINTS = {"P5-09", "P5-10", "P5-11", "P5-12"}  # the API's public endpoints: their worlds in test_endpoints.py
# What a whole Phase 5 run judges beside the readiness criteria: the round trip skipped, the endpoints passed
# (no readiness world touches the API's public endpoints).
SKIPPED = {**{cid: "skipped" for cid in ROUND_TRIP}, **{cid: "passed" for cid in ENDPOINTS}}


def test_phase5_is_read_from_its_features():
    phase = load_phase(ROOT, "phase5")
    assert (phase.title, phase.prefix) == ("Phase 5", "P5")
    assert set(phase.criteria) == READINESS | ENDPOINTS | ROUND_TRIP
    assert phase.criteria["P5-01"].severity == "blocker" and phase.criteria["P5-04"].concern == "Service integration"


def test_every_phase5_criterion_has_a_world_that_violates_it():
    assert READINESS <= {spec.violates for spec in CATALOGUE.values()}


@pytest.fixture(scope="module")
def compliant_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("phase5")
    return tmp, run_suite(tmp, *PHASE5, f"--report-dir={tmp / 'reports'}")


def test_compliant_world_passes_every_phase5_criterion(compliant_run):
    _, run = compliant_run
    assert run.outcomes == {**{cid: "passed" for cid in READINESS}, **SKIPPED}, run.stdout
    assert run.returncode == 0


def test_a_phase5_run_names_its_phase(compliant_run):
    tmp, run = compliant_run
    [folder] = (tmp / "reports" / "sandbox").glob("*-phase5")
    record = json.loads((folder / "run.json").read_text())
    assert record["phase"]["name"] == "phase5" and set(record["criteria"]) == READINESS | ENDPOINTS | ROUND_TRIP
    assert record["completeness"]["phase_criteria"] == sorted(READINESS | ENDPOINTS | ROUND_TRIP)
    report = (folder / "completion-report.md").read_text()
    # The phase's own services (phase.yaml), not only the profile's worker.
    assert report.startswith("# SANDBOX — Phase 5 Readiness Report: upload-api-staging, upload-worker-staging (")
    assert "**Services**: `upload-api-staging`, `upload-worker-staging`" in report
    assert "14 of 14 Phase 5 criteria were judged" in report and "skipped 2" in report and "P4-" not in report
    assert "API-Worker Communication: Ready for configuration — The API's database role" in report
    assert "not in this catalogue" not in report
    epics = {lb["value"] for r in run.results for lb in r["labels"] if lb["name"] == "epic"}
    assert epics == {"Phase 5", "Environment policy"}
    assert "phasegate: Phase 5 criteria" in run.stdout


@pytest.mark.parametrize("name", sorted(n for n, spec in CATALOGUE.items() if spec.violates in READINESS))
def test_violating_world_fails_exactly_its_phase5_criterion(tmp_path, name):
    run = run_suite(tmp_path, *PHASE5, world=name)
    violated, also = CATALOGUE[name].violates, CATALOGUE[name].also_affects
    assert run.outcomes == {**{cid: ("failed" if cid == violated else "broken" if cid in also else "passed")
                               for cid in READINESS}, **SKIPPED}, run.stdout
    message = "\n".join(run.messages(violated))
    assert "expected" in message and "actual" in message and "https://dashboard.render.com/" in message
    leaked = [v for v in canary_values(world(CATALOGUE[name].render_world)) if v in run.artifacts_text()]
    assert not leaked  # secrets compared part by part, by keyed digest, never printed
    assert run.returncode == 1


def test_without_an_api_service_name_phase5_skips_with_the_reason(tmp_path):
    run = run_suite(tmp_path, *PHASE5, env={"RENDER_API_SERVICE_NAME": ""})
    api = {"P5-01", "P5-02", "P5-03", "P5-04", "P5-05", "P5-08", "P5-09", "P5-11", "P5-12"}
    assert {run.outcomes[cid] for cid in api} == {"skipped"}, run.outcomes
    assert "RENDER_API_SERVICE_NAME is not set" in run.messages("P5-02")[0]


def test_phase4_alone_reads_nothing_of_the_api(tmp_path):
    run = run_suite(tmp_path, "-m", "staging and not policy", "--env", "sandbox")
    assert set(run.outcomes) and all(cid.startswith("P4-") for cid in run.outcomes)
    assert not any("srv-d38b1m2li9vc73f0a7q0" in r["path"] for r in run.requests), "the API was read"


def test_status_of_an_environment_names_the_newest_run_of_each_phase(compliant_run, tmp_path):
    tmp, _ = compliant_run
    reports = tmp / "reports"
    run_suite(tmp_path, "-m", "staging", "--env", "sandbox", f"--report-dir={reports}")
    done = phasegate("status", reports / "sandbox")
    lines = done.stdout.strip().splitlines()
    assert sorted(line.split(":")[0].rsplit("-", 1)[-1] for line in lines) == ["phase4", "phase5"], done.stdout
    assert done.returncode == 3  # sandbox runs: never the real target


# ---- P5-05: judged in the API's own read-only session, opened with the API's DATABASE_URL


def test_p5_05_says_how_the_queue_ids_get_their_values(compliant_run):
    tmp, run = compliant_run
    text = run.artifacts_text()
    # The reference queue's id is an identity column: its INSERT needs no privilege on the sequence.
    assert "id: identity (GENERATED ALWAYS) -> INSERT needs no privilege on upload_pipeline_staging.upload_jobs_id_seq" in text
    assert "the API's own DATABASE_URL on Render" in text and "as upload_api_staging" not in run.stdout
    [folder] = (tmp / "reports" / "sandbox").glob("*-phase5")
    record = json.loads((folder / "run.json").read_text())
    assert record["provenance"]["api_database"]["source"] == "the API's own DATABASE_URL on Render"
    assert "API's database session: " in (folder / "completion-report.md").read_text()


def test_a_serial_id_without_usage_on_its_sequence_fails_p5_05_saying_so(tmp_path):
    run = run_suite(tmp_path, *PHASE5, world="P5-05-serial-no-usage")
    assert run.outcomes == {**{cid: ("failed" if cid == "P5-05" else "passed") for cid in READINESS},
                            **SKIPPED}, run.stdout
    message = run.messages("P5-05")[0]
    assert "missing USAGE on sequence upload_pipeline_staging.upload_jobs_id_seq" in message
    assert "serial (a nextval() default on its own sequence)" in message


@pytest.mark.parametrize("pooled", [False, True], ids=["direct", "through-the-pooler"])
def test_an_api_url_that_cannot_connect_breaks_only_p5_05_in_one_line(tmp_path, pooled):
    run = run_suite(tmp_path, *PHASE5, world="api-database-unreachable", env=THROUGH_THE_POOLER if pooled else None)
    assert run.outcomes == {**{cid: ("broken" if cid == "P5-05" else "passed") for cid in READINESS},
                            **SKIPPED}, run.stdout
    message = run.messages("P5-05")[0].strip()
    assert "password authentication failed for user 'upload_api_staging'" in message and "\n" not in message
    assert (":6543/" in message) == pooled
    assert "CANARY" not in run.artifacts_text()


# P5-05's one line for the door each of the API's door worlds opens (the worker's role has none of them).
API_DOORS = {
    "P5-05-view": "door: upload_pipeline_staging.document_titles (view, owner upload_worker_prod): SELECT via "
                  "upload_api_staging: runs with its owner's privileges and reads upload_pipeline.documents",
    "P5-05-definer-function": "door: upload_pipeline_staging.document_titles() (SECURITY DEFINER function (plpgsql), "
                              "owner upload_worker_prod): EXECUTE via upload_api_staging: runs as its owner",
    "P5-05-column-grant": "door: upload_pipeline.documents (table, owner upload_worker_prod): SELECT (id, owner_id) "
                          "via upload_api_staging",
}


# P5-05's line for the door a Supabase key the API holds opens (the worker's keys open none of them).
API_KEY_DOORS = {
    "P5-05-key-anon": "door via SUPABASE_KEY (acts as anon): upload_pipeline.documents (table, owner "
                      "upload_worker_prod): SELECT via anon",
    "P5-05-key-service-role": "door via SUPABASE_KEY (acts as service_role): upload_pipeline.documents (table, "
                              "owner upload_worker_prod): SELECT via service_role",
    "P5-05-key-secret": "door via SUPABASE_KEY (acts as service_role): upload_pipeline.documents (table, "
                        "owner upload_worker_prod): SELECT via service_role",
}


@pytest.mark.parametrize("name", ["compliant", "P5-05-no-insert", "P5-05-production-role", *sorted(API_DOORS),
                                  *sorted(API_KEY_DOORS)])
def test_p5_05_is_judged_the_same_through_the_pooler(tmp_path, name):
    run = run_suite(tmp_path, *PHASE5, world=name, env=THROUGH_THE_POOLER)
    violated = CATALOGUE[name].violates
    assert run.outcomes == {**{cid: ("failed" if cid == violated else "passed") for cid in READINESS},
                            **SKIPPED}, run.stdout
    if name in API_DOORS:
        message = run.messages("P5-05")[0]
        assert "the API's reach into production schema upload_pipeline" in message and API_DOORS[name] in message
    if name in API_KEY_DOORS:
        message = run.messages("P5-05")[0]
        assert "the API's Supabase keys reaching production schema upload_pipeline" in message
        assert API_KEY_DOORS[name] in message
    assert "CANARY" not in run.artifacts_text()
    [connection] = api_database_evidence(run)  # the API's own session, through PgBouncer on port 6543
    assert connection["pooling"]["mode"] == "transaction" and ":6543/" in connection["url"], connection


def api_database_evidence(run) -> list:
    """The redacted API session of a run's P5-05 result: its attachment "API's database connection"."""
    [result] = [r for r in run.results if any(lb.get("value") == "P5-05" for lb in r["labels"])]
    found = []

    def walk(step):
        for a in step.get("attachments", []):
            if a["name"] == "API's database connection":
                found.append(json.loads((run.allure_dir / a["source"]).read_text()))
        for child in step.get("steps", []):
            walk(child)
    walk(result)
    return found


def test_phasegate_api_database_url_is_the_api_sessions_route(tmp_path):
    from phasegate.sandbox.postgres import SandboxPostgres

    with SandboxPostgres() as postgres:  # the production role's URL: P5-05 must then fail, read through it
        production = postgres.url_for("upload_worker_prod", "pw-CANARY-wrong-5e5e", "phase4")
    run = run_suite(tmp_path, *PHASE5, env={"PHASEGATE_API_DATABASE_URL": production})
    assert run.outcomes["P5-05"] == "broken", run.stdout  # a wrong password: refused, and said in one line
    assert "PHASEGATE_API_DATABASE_URL from the process environment" in run.artifacts_text()
    assert "CANARY" not in run.artifacts_text()
    assert {cid: state for cid, state in run.outcomes.items() if cid != "P5-05"} == {
        **{cid: "passed" for cid in READINESS - {"P5-05"}}, **SKIPPED}


def test_phase4_opens_no_session_of_the_api(tmp_path):
    run = run_suite(tmp_path, "-m", "staging and database", "--env", "sandbox")
    assert set(run.outcomes) and "upload_api_staging" not in run.artifacts_text()
