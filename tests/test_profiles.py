"""Profiles cannot be misread: every line parses or the run stops at file and line; each value's source is named.

Unit tests load real files from a temporary root; the replays run the acceptance suite the
way a QA would (``tests/acceptance.py``) with a profile written into a profiles folder of the
test's own (``PHASEGATE_PROFILES_DIR``), never into the checkout's ``environments/``.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess

import pytest

from phasegate.profile import PROCESS_ENVIRONMENT, choose_profile, load_profile
from phasegate.errors import ConfigError
from acceptance import ROOT, run_suite

PASTED_KEY = "rnd_PASTEDsecretVALUE0123456789"


def _root(tmp_path, profile: str, local: str | None = None, name: str = "qa"):
    (tmp_path / "environments").mkdir(exist_ok=True)
    (tmp_path / "environments" / f"{name}.env").write_text(profile, encoding="utf-8")
    if local is not None:
        (tmp_path / "environments" / f"{name}.local.env").write_text(local, encoding="utf-8")
    return tmp_path


BASE = "# a comment\n\nRENDER_SERVICE_NAME=upload-worker-staging\nexport DB_SCHEMA=upload_pipeline_staging\n"


def _error(tmp_path, profile: str, local: str | None = None, environ: dict | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        load_profile("qa", _root(tmp_path, profile, local), environ={"RENDER_API_KEY": "rnd_x", **(environ or {})})
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_a_well_formed_profile_loads_and_knows_where_each_value_came_from(tmp_path):
    root = _root(tmp_path, BASE + 'WORKER_POOL_MAX="12"  # quoted\nSTUCK_JOB_MINUTES=20 # minutes\n',
                 local="RENDER_SERVICE_ID=srv-abc\n")
    profile = load_profile("qa", root, environ={"RENDER_API_KEY": "rnd_x", "DB_QUEUE_TABLE": "jobs"})
    assert (profile.worker_pool_max, profile.stuck_job_minutes, profile.db_schema) == (12, 20, "upload_pipeline_staging")
    assert profile.where("WORKER_POOL_MAX") == "environments/qa.env:5"
    assert profile.where("RENDER_SERVICE_ID") == "environments/qa.local.env:1"
    assert profile.where("DB_QUEUE_TABLE") == profile.where("RENDER_API_KEY") == PROCESS_ENVIRONMENT
    assert profile.scenario_tag == "qa", "the scenario tag defaults to the profile's name"


@pytest.mark.parametrize("line, expected", [
    ("RENDER_SERVICE_ID: srv-zzzz", "environments/qa.env:5: RENDER_SERVICE_ID is followed by ':' where KEY=value needs '='"),
    ("this line is not a setting", "environments/qa.env:5: not a setting: expected KEY=value"),
    ('RENDER_SERVICE_ID="unterminated', "environments/qa.env:5: RENDER_SERVICE_ID's value opens a \" quote that is never closed"),
    ("DB_SCHEMA=other", "environments/qa.env:5: DB_SCHEMA is set again (first at environments/qa.env:4)"),
    ("RENDER_SERIVCE_ID=srv-abc", "environments/qa.env:5: unknown key RENDER_SERIVCE_ID"),
])
def test_every_line_parses_or_the_run_stops_naming_file_and_line(tmp_path, line, expected):
    assert _error(tmp_path, BASE + line + "\n").startswith(expected)


def test_a_malformed_line_is_never_quoted(tmp_path):
    message = _error(tmp_path, BASE + f"RENDER_API_KEY {PASTED_KEY}\n")
    assert PASTED_KEY not in message and "rnd_" not in message
    message = _error(tmp_path, BASE + f'RENDER_API_KEY="{PASTED_KEY}\n')
    assert PASTED_KEY not in message


@pytest.mark.parametrize("where, expected", [
    ("profile", "environments/qa.env:5: WORKER_POOL_MAX"),
    ("local", "environments/qa.local.env:1: WORKER_POOL_MAX"),
    ("process", "the process environment: WORKER_POOL_MAX"),
])
def test_a_bad_value_names_the_source_it_came_from(tmp_path, where, expected):
    profile = BASE + ("WORKER_POOL_MAX=ten\n" if where == "profile" else "WORKER_POOL_MAX=10\n")
    local = "WORKER_POOL_MAX=ten\n" if where == "local" else None
    environ = {"WORKER_POOL_MAX": "ten"} if where == "process" else {}
    assert _error(tmp_path, profile, local, environ).startswith(expected)


@pytest.mark.parametrize("key, value", [
    ("RENDER_API_URL", PASTED_KEY),
    ("RENDER_SERVICE_ID", PASTED_KEY),
    ("WORKER_POOL_MAX", PASTED_KEY),
    ("DB_SCHEMA", PASTED_KEY + "-x"),
    ("PHASEGATE_SANDBOX", PASTED_KEY),
    ("RENDER_API_URL", "https://user:" + PASTED_KEY + "@api.render.com/v1"),
    ("RENDER_API_URL", "http://127.0.0.1:1/v1\nhttp://" + PASTED_KEY),  # two lines captured into one variable
])
def test_a_key_pasted_into_the_wrong_variable_is_described_not_echoed(tmp_path, key, value):
    message = _error(tmp_path, BASE, environ={key: value})
    assert message.startswith(f"the process environment: {key}")
    assert PASTED_KEY not in message and "PASTED" not in message
    if value == PASTED_KEY and key != "PHASEGATE_SANDBOX":
        assert "Render API key" in message


def test_an_unknown_profile_is_an_error_never_a_fallback(tmp_path):
    root = _root(tmp_path, BASE, name="staging")
    assert choose_profile(None, "production", root) == "production"
    assert choose_profile(None, "staging and render", root) == "staging"
    assert choose_profile("sandbox", "production", root) == "sandbox"
    with pytest.raises(ConfigError, match="names several environments"):
        choose_profile(None, "staging or production", root)
    (root / "environments" / "production.env.example").write_text(BASE)
    with pytest.raises(ConfigError) as caught:
        load_profile("production", root, environ={})
    assert str(caught.value) == ("environments/production.env: no such profile (profiles here: staging); "
                                 "copy environments/production.env.example to environments/production.env")


def test_render_services_names_each_role_and_the_older_keys_keep_theirs(tmp_path):
    root = _root(tmp_path, "RENDER_SERVICES=web:upload-web-staging, api:upload-api-staging\n"
                           "RENDER_SERVICE_NAME=upload-worker-staging\nRENDER_PRODUCTION_SERVICE_NAME=upload-worker\n")
    profile = load_profile("qa", root, environ={"RENDER_API_KEY": "rnd_x"})
    assert profile.services == {"worker": "upload-worker-staging", "api": "upload-api-staging",
                                "web": "upload-web-staging"}
    assert (profile.service_name, profile.api_service_name) == ("upload-worker-staging", "upload-api-staging")
    assert profile.production_services == {"worker": "upload-worker"}
    assert list(profile.services) == ["worker", "api", "web"], "the worker first, then the API, then the rest"
    assert "set RENDER_SERVICES (a pair docs:<service name>) in environments/qa.env" in profile.role_unnamed("docs")


def test_render_services_alone_names_the_worker(tmp_path):
    root = _root(tmp_path, "RENDER_SERVICES=worker:upload-worker-staging,web:upload-web-staging\n")
    profile = load_profile("qa", root, environ={"RENDER_API_KEY": "rnd_x"})
    assert profile.service_name == "upload-worker-staging" and profile.api_service_name is None


def test_a_profile_that_names_no_service_stops(tmp_path):
    message = _error(tmp_path, "DB_SCHEMA=upload_pipeline_staging\n")
    assert message.startswith("environments/qa.env: RENDER_SERVICE_NAME is not set")


@pytest.mark.parametrize("value, expected", [
    ("web:upload-web-staging,,api:x", "pair 2 is empty"),
    ("upload-web-staging", "pair 1 has no ':'"),
    ("Web:upload-web-staging", "the role of pair 1 must be a lower-case word"),
    ("web:upload web staging ", None),  # inner spaces are a name's; the pair is trimmed
    ("web:" + PASTED_KEY, "the service name of pair 1 must be a Render service name"),
    ("web:a/b", "the service name of pair 1 must be a Render service name"),
    ("web:a,web:b", "pairs 1 and 2 name the same role"),
    ("worker:other-worker", "RENDER_SERVICE_NAME and RENDER_SERVICES (environments/qa.env:5) name different services "
                            "for the worker role; keep one"),
])
def test_render_services_is_read_strictly_in_one_line_never_echoing_a_bad_value(tmp_path, value, expected):
    profile = BASE + f"RENDER_SERVICES={value}\n"
    if expected is None:
        load_profile("qa", _root(tmp_path, profile), environ={"RENDER_API_KEY": "rnd_x"})
        return
    message = _error(tmp_path, profile)
    assert message.startswith("environments/qa.env:") and expected in message, message
    assert PASTED_KEY not in message and "a/b" not in message and "other-worker" not in message


# --- replays of the commands, through the acceptance suite ------------------------------


@pytest.fixture
def qa_profile(tmp_path):
    """Where a QA's new profile goes: a profiles folder of the test's own (PHASEGATE_PROFILES_DIR)."""
    name = f"qa_{secrets.token_hex(4)}"
    (tmp_path / "profiles").mkdir()
    return name, tmp_path / "profiles" / f"{name}.env", {"PHASEGATE_PROFILES_DIR": str(tmp_path / "profiles")}


def _error_lines(run) -> list[str]:
    return [ln for ln in (run.stdout + run.stderr).splitlines() if ln.startswith("ERROR:")]


def test_a_copied_profile_that_selects_no_scenario_stops_with_the_reason(tmp_path, qa_profile):
    name, path, profiles = qa_profile
    shutil.copy(ROOT / "environments" / "staging.env", path)
    run = run_suite(tmp_path, "-m", "staging", "--env", name, world=None, env={**profiles, "RENDER_API_KEY": "rnd_x"})
    assert run.returncode == 4, run.stdout + run.stderr
    (line,) = _error_lines(run)
    assert f"tagged @{name}" in line and "PHASEGATE_SCENARIO_TAG" in line and "staging" in line
    # Stating the tag makes the copy a working profile (sandboxed here, so it runs offline).
    path.write_text((ROOT / "environments" / "sandbox.env").read_text())
    run = run_suite(tmp_path, "-m", "staging and P4-02", "--env", name, env=profiles)
    assert run.returncode == 0 and run.outcomes == {"P4-02": "passed"}, run.stdout


def test_a_malformed_line_stops_the_run_naming_file_and_line(tmp_path, qa_profile):
    name, path, profiles = qa_profile
    text = (ROOT / "environments" / "sandbox.env").read_text()
    path.write_text(text + "RENDER_SERVICE_ID: srv-zzzz\n")
    run = run_suite(tmp_path, "-m", "staging", "--env", name, env=profiles)
    assert run.returncode == 4
    (line,) = _error_lines(run)
    assert f"profiles/{name}.env:{len(text.splitlines()) + 1}: RENDER_SERVICE_ID" in line
    assert "Traceback" not in run.stdout + run.stderr and not run.results


def test_production_without_a_production_profile_is_an_error(tmp_path):
    assert not (ROOT / "environments" / "production.env").exists()
    run = run_suite(tmp_path, "-m", "production", world=None, env={"RENDER_API_KEY": "rnd_x"})
    assert run.returncode == 4
    (line,) = _error_lines(run)
    assert "environments/production.env: no such profile" in line


def test_a_selection_of_no_criterion_stops_with_the_reason(tmp_path):
    run = run_suite(tmp_path, "-m", "staging", "--env", "sandbox", "-k", "P4-99")
    assert run.returncode == 4
    (line,) = _error_lines(run)
    assert "-k 'P4-99' selects no criterion for profile environments/sandbox.env" in line


# --- a secret in a profile file git would commit --------------------------------------------------


def _checkout(tmp_path):
    """A git checkout with the repository's rule: environments/*.local.env ignored."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("environments/*.local.env\n")
    return tmp_path


SECRETS = [
    ("RENDER_API_KEY", PASTED_KEY),
    ("PHASEGATE_DIGEST_KEY", "PASTEDdigestKEY"),
    ("PHASEGATE_DATABASE_URL", "host=db.example.com user=upload_worker_staging password=PASTEDpw"),
    ("PHASEGATE_API_DATABASE_URL", "postgresql://upload_api_staging@db.example.com/postgres?password=PASTEDpw"),
    ("PHASEGATE_CANARY_DATABASE_URL", "postgresql://upload_api_staging:PASTEDpw@db.example.com:6543/postgres"),
]


def _committed_error(root, profile: str, local: str | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        load_profile("qa", _root(root, profile, local), environ={"RENDER_API_KEY": "rnd_x"})
    message = str(caught.value)
    assert "\n" not in message and "PASTED" not in message, message
    return message


@pytest.mark.parametrize("key, value", SECRETS, ids=[key for key, _ in SECRETS])
def test_a_secret_in_a_committed_profile_stops_the_run_pointing_at_the_local_file(tmp_path, key, value):
    message = _committed_error(_checkout(tmp_path), BASE + f"{key}={value}\n")
    what = "carries a password" if key.endswith("_DATABASE_URL") else "is a secret"
    assert message == (f"environments/qa.env:5: {key} {what}, and environments/qa.env is not ignored by git (it "
                       "would be committed): move the line to environments/qa.local.env (git-ignored), or pass "
                       f"{key} in the process environment")


@pytest.mark.parametrize("key, value", SECRETS, ids=[key for key, _ in SECRETS])
def test_the_same_secret_in_the_git_ignored_local_file_is_taken(tmp_path, key, value):
    environ = {} if key == "RENDER_API_KEY" else {"RENDER_API_KEY": "rnd_x"}
    profile = load_profile("qa", _root(_checkout(tmp_path), BASE, local=f"{key}={value}\n"), environ=environ)
    assert profile.where(key) == "environments/qa.local.env:1"


@pytest.mark.parametrize("line", [
    "PHASEGATE_DATABASE_URL=postgresql://upload_worker_staging@db.example.com:5432/postgres?sslmode=require",
    "PHASEGATE_API_DATABASE_URL=host=db.example.com user=upload_api_staging",
    "RENDER_API_KEY=",
], ids=["url without a password", "keywords without a password", "an empty key"])
def test_a_setting_without_a_secret_stays_in_the_committed_profile(tmp_path, line):
    load_profile("qa", _root(_checkout(tmp_path), BASE + line + "\n"), environ={"RENDER_API_KEY": "rnd_x"})


def test_a_local_file_git_does_not_ignore_is_committed_too(tmp_path):
    root = _checkout(tmp_path)
    (root / ".gitignore").write_text("")  # a checkout that forgot the rule
    message = _committed_error(root, BASE, local=f"RENDER_API_KEY={PASTED_KEY}\n")
    assert message.startswith("environments/qa.local.env:1: RENDER_API_KEY is a secret, and "
                              "environments/qa.local.env is not ignored by git (it would be committed): add "
                              "qa.local.env to .gitignore")


def test_outside_a_git_checkout_the_repository_rule_decides(tmp_path):
    """No git repository holds the folder: <name>.env is the committed file by the repository's rule."""
    assert subprocess.run(["git", "-C", str(tmp_path), "rev-parse"], capture_output=True).returncode != 0
    message = _committed_error(tmp_path, BASE + f"RENDER_API_KEY={PASTED_KEY}\n")
    assert message.startswith("environments/qa.env:5: RENDER_API_KEY is a secret") and "qa.local.env" in message
    profile = load_profile("qa", _root(tmp_path, BASE, local=f"RENDER_API_KEY={PASTED_KEY}\n"), environ={})
    assert profile.render_api_key.reveal() == PASTED_KEY


def test_a_secret_in_a_committed_profile_stops_the_suite_with_exit_4(tmp_path, qa_profile):
    name, path, profiles = qa_profile
    path.write_text((ROOT / "environments" / "sandbox.env").read_text() + f"RENDER_API_KEY={PASTED_KEY}\n")
    run = run_suite(tmp_path, "-m", "staging", "--env", name, env=profiles)
    assert run.returncode == 4, run.stdout + run.stderr
    (line,) = _error_lines(run)
    assert f"profiles/{name}.env:" in line and "RENDER_API_KEY is a secret" in line and f"{name}.local.env" in line
    assert "PASTED" not in run.stdout + run.stderr and "Traceback" not in run.stdout + run.stderr
