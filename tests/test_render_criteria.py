"""Proof that the Render criteria (P4-01…P4-12, P4-20…P4-29) can pass, and can fail.

Every test here runs the acceptance suite itself against a sandbox world and reads the
verdicts back from its Allure results.
"""

from __future__ import annotations

import socket

import pytest

from acceptance import run_suite
from phasegate.sandbox.simulator import RenderSimulator
from phasegate.sandbox.worlds import OUTCOMES, VIOLATES, world

RENDER_CRITERIA = [f"P4-{n:02d}" for n in [*range(1, 13), *range(20, 30), *range(60, 63), *range(64, 67)]]
RENDER_ONLY = ("-m", "staging and render", "--env", "sandbox")
DUMMY_URLS = {
    "DATABASE_URL": "postgresql://upload_worker_staging:pw-CANARY-db-1a2b@db.sandbox.invalid:5432/phase4?sslmode=require",
    "PRODUCTION_DATABASE_URL": "postgresql://upload_worker_prod:pw-CANARY-db-prod@db.sandbox.invalid:5432/phase4",
}
KEY_CANARY = "rnd_CANARY_apikey_5e4d3c2b1a"


def render_worlds(kind):
    return sorted(name for name, cid in VIOLATES.items() if (cid in RENDER_CRITERIA if kind == "violating"
                                                            else cid is None and name.startswith("compliant-")))


def test_every_render_criterion_has_a_world_that_violates_it():
    # Spelled out so that a criterion added to the features without a violating world is caught.
    required = {"P4-01", "P4-02", "P4-03", "P4-04", "P4-05", "P4-06", "P4-07", "P4-08", "P4-09", "P4-10",
                "P4-11", "P4-12", "P4-20", "P4-21", "P4-22", "P4-23", "P4-24", "P4-25", "P4-26", "P4-27",
                "P4-28", "P4-29", "P4-60", "P4-61", "P4-62", "P4-64", "P4-65", "P4-66"}
    assert required == set(RENDER_CRITERIA)
    assert required <= set(VIOLATES.values())


@pytest.fixture(scope="module")
def compliant_run(tmp_path_factory):
    return run_suite(tmp_path_factory.mktemp("compliant"), *RENDER_ONLY)


@pytest.fixture
def simulator():
    with RenderSimulator(world("compliant"), api_key=KEY_CANARY, substitutions=DUMMY_URLS) as sim:
        yield sim


def test_compliant_world_passes_every_render_criterion(compliant_run):
    assert compliant_run.outcomes == {cid: "passed" for cid in RENDER_CRITERIA}, compliant_run.stdout
    assert compliant_run.returncode == 0


def test_sandbox_run_says_sandbox(compliant_run):
    assert "SANDBOX" in compliant_run.stdout
    tags = {lb["value"] for r in compliant_run.results for lb in r["labels"] if lb["name"] == "tag"}
    assert "SANDBOX" in tags


@pytest.mark.parametrize("name", render_worlds("violating"))
def test_violating_world_fails_exactly_its_criterion(tmp_path, name):
    run = run_suite(tmp_path, *RENDER_ONLY, world=name)
    violated = VIOLATES[name]
    outcomes = run.outcomes
    assert outcomes.get(violated) == "failed", run.stdout
    assert [cid for cid, state in outcomes.items() if state == "failed"] == [violated], run.stdout
    if violated == "P4-01":
        # Without exactly one service nothing else can be judged: broken, never passed.
        assert {state for cid, state in outcomes.items() if cid != violated} == {"broken"}
    else:
        assert all(state == "passed" for cid, state in outcomes.items() if cid != violated), outcomes
    message = "\n".join(run.messages(violated))
    assert "expected" in message and "actual" in message
    if violated != "P4-01" or "missing" not in name:
        assert "https://dashboard.render.com/" in message
    assert run.returncode == 1


@pytest.mark.parametrize("name", render_worlds("compliant"))
def test_compliant_variants_pass(tmp_path, name):
    run = run_suite(tmp_path, *RENDER_ONLY, world=name)
    assert run.outcomes == {cid: "passed" for cid in RENDER_CRITERIA}, run.stdout


@pytest.mark.parametrize("name", sorted(n for n, expected in OUTCOMES.items()
                                         if VIOLATES[n] is None and set(expected) & set(RENDER_CRITERIA)))
def test_world_is_judged_exactly_as_expected(tmp_path, name):
    """Worlds whose verdicts are more than one failure: each criterion named fails or breaks
    as stated, every other Render criterion is still judged and passes."""
    run = run_suite(tmp_path, *RENDER_ONLY, world=name)
    expected = {cid: OUTCOMES[name].get(cid, "passed") for cid in RENDER_CRITERIA}
    assert run.outcomes == expected, run.stdout
    for cid, state in OUTCOMES[name].items():
        message = run.messages(cid)[0]
        if state == "broken":
            assert "\n" not in message.strip(), message  # the cause, in one line
        else:
            assert "expected" in message and "actual" in message


def test_an_in_flight_deploy_is_named_with_its_id_and_status(tmp_path):
    run = run_suite(tmp_path, "-m", "staging and P4-08", "--env", "sandbox", world="deploy-in-flight")
    assert run.outcomes == {"P4-08": "broken"}
    message = run.messages("P4-08")[0]
    assert "dep-d3f1inflight000000000" in message and "build_in_progress" in message
    assert "DEPLOY_WAIT_SECONDS" in message


def test_events_are_read_for_the_whole_window_since_the_live_deploy(tmp_path):
    run = run_suite(tmp_path, "-m", "staging and P4-62", "--env", "sandbox", world="P4-62-hours-ago")
    assert run.outcomes == {"P4-62": "failed"}
    assert "server_failed (OOM-killed)" in run.messages("P4-62")[0]
    events = [r for r in run.requests if r["path"].endswith("/events")]
    assert events and all("startTime=2025-10-14T08%3A02%3A11" in r["query"] and "endTime=" in r["query"]
                          for r in events), events


def test_a_database_url_set_only_through_a_group_is_used(tmp_path):
    run = run_suite(tmp_path, "-m", "staging and database", "--env", "sandbox",
                    world="compliant-database-url-in-group")
    assert run.outcomes and set(run.outcomes.values()) == {"passed"}, run.stdout


def test_missing_metrics_break_memory_and_cpu_never_pass(tmp_path):
    run = run_suite(tmp_path, "-m", "staging and operations and render", "--env", "sandbox", world="metrics-missing")
    assert run.outcomes == {"P4-60": "broken", "P4-61": "broken", "P4-62": "passed", "P4-64": "passed",
                            "P4-65": "passed", "P4-66": "passed"}
    assert "no memory samples" in run.messages("P4-60")[0]


def test_one_unavailable_resource_breaks_only_the_criterion_that_needs_it(tmp_path):
    run = run_suite(tmp_path, *RENDER_ONLY, world="events-unavailable")
    assert run.outcomes["P4-62"] == "broken"
    assert {state for cid, state in run.outcomes.items() if cid != "P4-62"} == {"passed"}
    assert "503" in run.messages("P4-62")[0]


def test_memory_and_cpu_charts_are_attached_as_evidence(compliant_run):
    charts = [p for p in compliant_run.allure_dir.glob("*-attachment.svg")]
    assert len(charts) == 2
    assert all("limit" in p.read_text() and "threshold" in p.read_text() for p in charts)


@pytest.mark.parametrize("name", ["P4-27-env-group", "P4-27-secret-file", "P4-27-third-page"])
def test_jwt_secret_is_found_wherever_it_hides(tmp_path, name):
    run = run_suite(tmp_path, "-m", "staging and P4-27", "--env", "sandbox", world=name)
    assert run.outcomes == {"P4-27": "failed"}
    assert "JWT_SECRET" in run.messages("P4-27")[0]


def test_a_key_on_the_third_page_of_env_vars_is_seen(tmp_path):
    run = run_suite(tmp_path, "-m", "staging and P4-27", "--env", "sandbox", world="P4-27-third-page")
    pages = [r for r in run.requests if r["path"].endswith("/env-vars") and r["path"].startswith("/services/srv-d37")]
    assert len(pages) >= 3, pages
    assert run.outcomes == {"P4-27": "failed"}


def test_one_run_reads_each_resource_once_and_only_with_get(compliant_run):
    requests = compliant_run.requests
    assert requests, "the simulator logged no request"
    assert {r["method"] for r in requests} == {"GET"}
    seen = [(r["path"], r["query"]) for r in requests]
    assert len(seen) == len(set(seen)), sorted(seen)


def test_unreachable_api_breaks_every_scenario_in_one_line(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again before the run: nothing listens there
    run = run_suite(tmp_path, "-m", "staging and render", world=None,
                    env={"RENDER_API_URL": f"http://127.0.0.1:{port}/v1", "RENDER_API_KEY": KEY_CANARY,
                         "RENDER_RETRY_BUDGET_SECONDS": "1"})
    assert set(run.outcomes) >= set(RENDER_CRITERIA) - {"P4-28", "P4-29"}
    assert set(run.outcomes.values()) == {"broken"}, run.outcomes
    assert run.returncode != 0
    # The Render API failed as a whole: its cause is printed once, first (phasegate.causes).
    line = next(ln for ln in run.stdout.splitlines() if ln.startswith("phasegate: cause 1 — "))
    assert f"127.0.0.1:{port}" in line


def test_invalid_key_is_broken_with_an_authentication_message(tmp_path, simulator):
    run = run_suite(tmp_path, "-m", "staging and render", world=None,
                    env={"RENDER_API_URL": simulator.base_url, "RENDER_API_KEY": "rnd_wrong_key_0000"})
    assert set(run.outcomes.values()) == {"broken"}, run.outcomes
    assert any("refused the key" in m or "401" in m for m in run.messages("P4-03"))


def test_staging_profile_judges_any_render_it_is_pointed_at(tmp_path, simulator):
    """`pytest -m staging` alone: the staging profile, with the API URL and key from the process."""
    run = run_suite(tmp_path, "-m", "staging and render", world=None,
                    env={"RENDER_API_URL": simulator.base_url, "RENDER_API_KEY": KEY_CANARY})
    assert "environments/staging.env" in run.stdout
    assert run.outcomes == {cid: "passed" for cid in RENDER_CRITERIA}, run.stdout


def test_canary_secrets_appear_nowhere(tmp_path, simulator):
    run = run_suite(tmp_path, "-m", "staging and render", world=None,
                    env={"RENDER_API_URL": simulator.base_url, "RENDER_API_KEY": KEY_CANARY})
    assert run.outcomes and set(run.outcomes.values()) == {"passed"}
    text = run.artifacts_text()
    assert "CANARY" not in text
    assert KEY_CANARY not in text


@pytest.mark.parametrize("name", ["P4-64", "P4-65"])
def test_log_lines_are_evidence_only_as_counts_and_scrubbed_samples(tmp_path, name):
    """The worlds' offending lines carry a database password and a token: neither is written anywhere."""
    run = run_suite(tmp_path, *RENDER_ONLY, world=name)
    assert run.outcomes[name] == "failed"
    text = run.artifacts_text()
    assert "CANARY" not in text and "ocrTOKENCANARY" not in text
    message = "\n".join(run.messages(name))
    assert ("error:" if name == "P4-65" else "unstructured:") in message and "***" in message


def test_missing_production_name_skips_the_comparisons_with_the_reason(tmp_path):
    run = run_suite(tmp_path, *RENDER_ONLY, env={"RENDER_PRODUCTION_SERVICE_NAME": ""})
    assert run.outcomes["P4-28"] == run.outcomes["P4-29"] == "skipped"
    assert "RENDER_PRODUCTION_SERVICE_NAME" in "\n".join(run.messages("P4-28"))
    assert run.returncode == 0


@pytest.mark.parametrize("setting, value, key", [
    ("RENDER_API_KEY", "", "RENDER_API_KEY"),
    ("RENDER_API_URL", "ftp://nowhere", "RENDER_API_URL"),
    ("RENDER_SERVICE_ID", "not-an-id", "RENDER_SERVICE_ID"),
    ("WORKER_POOL_MAX", "ten", "WORKER_POOL_MAX"),
])
def test_bad_setting_stops_the_run_with_one_line(tmp_path, setting, value, key):
    run = run_suite(tmp_path, "-m", "staging", world=None, env={"RENDER_API_KEY": KEY_CANARY, setting: value})
    assert run.returncode == 4
    output = run.stdout + run.stderr
    error = [ln for ln in output.splitlines() if ln.startswith("ERROR:")]
    # The values came from the process environment, and the message says so (never the profile file).
    assert len(error) == 1 and key in error[0] and error[0].startswith("ERROR: the process environment:"), output
    assert value in ("", "ftp://nowhere") or value not in error[0], "a value that could be a pasted secret is not echoed"
    assert "Traceback" not in output
    assert not run.results


def test_unknown_profile_names_the_file(tmp_path):
    run = run_suite(tmp_path, "-m", "staging", "--env", "nosuch", world=None)
    assert run.returncode == 4
    assert "environments/nosuch.env: no such profile" in run.stdout + run.stderr


def test_a_run_that_judged_nothing_is_not_green(tmp_path):
    run = run_suite(tmp_path, "-m", "staging and P4-28", "--env", "sandbox",
                    env={"RENDER_PRODUCTION_SERVICE_NAME": ""})
    assert run.outcomes == {"P4-28": "skipped"}
    assert run.returncode == 1
    assert "no criterion was judged" in run.stdout


def test_debug_false_in_any_case_is_false():
    from phasegate.judges.env import env_equals
    from phasegate.redact import Secret
    from phasegate.snapshot import ServiceSnapshot

    class _Service:
        dashboard_url = "https://dashboard.render.com/worker/srv-x"
        id = "srv-x"

    class _Var:
        def __init__(self, key, value):
            self.key, self.value = key, Secret(value, scrubbed=False)

    target = ServiceSnapshot("svc", matches=[_Service()], env_vars=[_Var("DEBUG", "False"), _Var("LOG_LEVEL", "info")],
                             read={"env"})
    env_equals(target, "DEBUG", "false")
    with pytest.raises(AssertionError, match="LOG_LEVEL"):
        env_equals(target, "LOG_LEVEL", "INFO")  # Python's logging knows INFO, not info
