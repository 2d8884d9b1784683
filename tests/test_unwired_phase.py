"""Proof on a phase no one wired: a web frontend (the static site upload-web-staging) beside the API, written
as Gherkin and phase.yaml only, is judged in the sandbox like Phases 4 and 5.

The phase is written into a temporary features root (``PHASEGATE_FEATURES_DIR``) of a scratch checkout
(the suite's conftest.py, steps/, environments/ and the environment policy's feature, copied unchanged:
nothing is left in the checkout). Each world of ``phasegate.sandbox.worlds.WEB_CLAIMS`` is run once, by one
pytest subprocess, and shared by the tests: the compliant world passes every criterion, each other world
fails exactly the criterion it was built to violate.

Closing note: the phase is made of ``phases/phase9/phase.yaml``, ``phases/phase9/web.feature`` and
``phases/phase9/api.feature`` (``test_the_phase_is_gherkin_and_phase_yaml_only`` prints them); no Python
file changes for it, and the profile names the web role in one line (``RENDER_SERVICES=web:…``).
"""

from __future__ import annotations

import filecmp
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from acceptance import ROOT, SuiteRun, run_suite
from phasegate.sandbox.worlds import WEB_CLAIMS

PHASE_YAML = """\
# A web frontend beside the API: written as Gherkin only (tests/test_unwired_phase.py).
title: Phase 9
prefix: P9
report:
  title: Phase 9 Web Frontend Report
"""

WEB_FEATURE = """\
@render
Feature: Web frontend
  The web frontend upload-web-staging is a Render static site: built from the staging branch,
  published from dist/, calling the staging API by its Render URL, holding no secret.

  @P9-01 @blocker @staging
  Scenario: The frontend is a static site
    Given the "web" service as Render reports it
    Then its type is "static_site"

  @P9-02 @critical @staging
  Scenario: The frontend deploys from the staging branch
    Given the "web" service as Render reports it
    Then its branch is "staging"

  @P9-03 @staging
  Scenario: The frontend builds with npm ci
    Given the "web" service as Render reports it
    Then its build command is "npm ci && npm run build"

  @P9-04 @staging
  Scenario: The frontend publishes dist
    Given the "web" service as Render reports it
    Then its publish path is "dist"

  @P9-05 @critical @staging
  Scenario: The frontend is not suspended
    Given the "web" service as Render reports it
    Then it is not suspended

  @P9-06 @critical @staging
  Scenario: The frontend's latest deploy is live
    Given the "web" service as Render reports it
    Then its latest deploy is "live"

  @P9-07 @staging
  Scenario: The frontend deploys automatically
    Given the "web" service as Render reports it
    Then it deploys automatically

  @P9-08 @critical @staging
  Scenario: The frontend calls the staging API
    Given the "web" service's effective environment on Render
    Then "VITE_API_URL" is the "api" service's URL
    And "NODE_ENV" is "production"

  @P9-09 @critical @security @staging
  Scenario: The frontend holds no JWT secret
    Given the "web" service's effective environment on Render
    Then "JWT_SECRET" is absent from the service, its environment groups and its secret files

  @P9-10 @staging
  Scenario: The frontend's custom domain is verified
    Given the "web" service as Render reports it
    Then its custom domain "staging.uploads.example.com" is verified

  @P9-12 @staging
  Scenario: The frontend answers at its address
    Then "https://upload-web-staging.onrender.com/" answers 200
"""

API_FEATURE = """\
@render
Feature: The API behind the frontend

  @P9-11 @staging
  Scenario: The API answers its health check
    Given the "api" service as Render reports it
    Then its health check path is "/healthz"
    And its type is "web_service"
"""

# The criterion each world of WEB_CLAIMS violates (the worlds know the claim, this phase its ID).
VIOLATED = {"web-type": "P9-01", "web-branch": "P9-02", "web-build-command": "P9-03", "web-publish-path": "P9-04",
            "web-suspended": "P9-05", "web-deploy-failed": "P9-06", "web-auto-deploy-off": "P9-07",
            "web-api-url": "P9-08", "web-jwt-secret": "P9-09", "web-domain-unverified": "P9-10",
            "web-api-health-check": "P9-11", "web-unavailable": "P9-12"}
CRITERIA = sorted(set(VIOLATED.values()))
ARGS = ("-m", "staging and not policy", "--env", "sandbox")


def scratch_checkout(tmp: Path) -> Path:
    """The suite's own files, unchanged, and the new phase in a features root of its own (phases/)."""
    repo = tmp / "repo"
    repo.mkdir()
    for name in ("conftest.py", "pyproject.toml"):
        shutil.copy(ROOT / name, repo / name)
    for name in ("steps", "environments", "features/environment"):
        shutil.copytree(ROOT / name, repo / name, ignore=shutil.ignore_patterns("__pycache__", "*.local.env"))
    phase = repo / "phases" / "phase9"
    phase.mkdir(parents=True)
    for name, text in (("phase.yaml", PHASE_YAML), ("web.feature", WEB_FEATURE), ("api.feature", API_FEATURE)):
        (phase / name).write_text(text, encoding="utf-8")
    return repo


def run_in(repo: Path, tmp: Path, world: str, features: str = "phases", **env: str) -> SuiteRun:
    return run_suite(tmp, *ARGS, world=world, cwd=repo,
                     env={"PHASEGATE_FEATURES_DIR": features, "PHASEGATE_PHASES": "phase9", **env})


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    return scratch_checkout(tmp_path_factory.mktemp("unwired"))


@pytest.fixture(scope="module")
def runs(repo, tmp_path_factory) -> dict[str, SuiteRun]:
    """One run per world (compliant-web and each violating world), four at a time."""
    def one(world: str) -> SuiteRun:
        return run_in(repo, tmp_path_factory.mktemp(world), world)

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(WEB_CLAIMS, pool.map(one, WEB_CLAIMS)))


def test_every_world_of_the_web_frontend_is_one_of_this_phases_criteria():
    assert set(VIOLATED) | {"compliant-web"} == set(WEB_CLAIMS)


def test_the_compliant_world_passes_every_criterion_reading_each_page_once(runs):
    run = runs["compliant-web"]
    assert run.outcomes == {cid: "passed" for cid in CRITERIA}, run.stdout[-3000:] + run.stderr[-2000:]
    assert run.returncode == 0
    reads = [(r["path"], r["query"]) for r in run.requests]
    assert len(reads) == len(set(reads)), "a resource page was read twice"
    paths = {path.rsplit("/", 1)[-1] for path, _ in reads}
    assert "custom-domains" in paths and not {"metrics", "events"} & paths  # only what its steps declare


@pytest.mark.parametrize("world", sorted(VIOLATED))
def test_a_world_built_to_violate_a_claim_fails_exactly_its_criterion(runs, world):
    run, violated = runs[world], VIOLATED[world]
    assert run.outcomes == {cid: "failed" if cid == violated else "passed" for cid in CRITERIA}, run.stdout[-3000:]
    message = "\n".join(run.messages(violated))
    assert "expected" in message and "actual" in message
    if violated != "P9-12":  # a URL of its own has no service to link; the others link the service on Render
        assert "https://dashboard.render.com/" in message
    assert "CANARY" not in run.artifacts_text()  # a secret on the static site is named, never shown
    assert run.returncode == 1


def test_a_role_the_profile_does_not_name_skips_its_criteria_with_the_key_to_set(repo, tmp_path):
    run = run_in(repo, tmp_path, "compliant-web", RENDER_SERVICES="")
    unnamed = ("P9-11", "P9-12")  # the API's, and a URL's of its own: no role to name
    web = [cid for cid in CRITERIA if cid not in unnamed]
    assert {run.outcomes[cid] for cid in web} == {"skipped"}, run.stdout
    assert {run.outcomes[cid] for cid in unnamed} == {"passed"}, run.stdout
    assert "no service plays the web role: set RENDER_SERVICES (a pair web:<service name>)" in run.messages("P9-01")[0]


def test_an_unknown_sentence_stops_the_run_at_collection_naming_file_line_and_the_nearest(repo, tmp_path):
    typo = repo / "typo-phases" / "phase9"
    shutil.copytree(repo / "phases" / "phase9", typo)
    (typo / "web.feature").write_text(WEB_FEATURE.replace("its publish path is", "its publish folder is"))
    run = run_in(repo, tmp_path, "compliant-web", features="typo-phases")
    errors = [line for line in (run.stdout + run.stderr).splitlines() if line.startswith("ERROR:")]
    line_number = WEB_FEATURE.splitlines().index('    Then its publish path is "dist"') + 1
    assert run.returncode == 4 and len(errors) == 1, run.stdout + run.stderr
    assert errors[0].startswith(f"ERROR: phasegate: typo-phases/phase9/web.feature:{line_number}: no step "
                                "definition matches Then 'its publish folder is \"dist\"'")
    assert 'nearest known: Then its publish path is "dist"' in errors[0] and not run.results


def test_a_role_from_an_examples_row_is_read_for_that_row(repo, tmp_path):
    """Collection renders each row before resolving the role: both services' deploys are read, each once."""
    outline = repo / "outline-phases" / "phase9"
    outline.mkdir(parents=True)
    (outline / "phase.yaml").write_text(PHASE_YAML)
    (outline / "deploys.feature").write_text("""\
@render
Feature: Deploys

  @P9-01 @staging
  Scenario Outline: The <role> service's latest deploy is live
    Given the "<role>" service as Render reports it
    Then its latest deploy is "live"

    Examples:
      | role |
      | web  |
      | api  |
""")
    run = run_in(repo, tmp_path, "compliant-web", features="outline-phases")
    assert run.outcomes == {"P9-01": "passed"}, run.stdout + run.stderr
    deploys = sorted(r["path"] for r in run.requests if r["path"].endswith("/deploys"))
    assert len(deploys) == 2 and len(set(deploys)) == 2, deploys


def test_the_phase_is_gherkin_and_phase_yaml_only(repo, capsys):
    files = sorted(p.relative_to(repo).as_posix() for p in (repo / "phases").rglob("*") if p.is_file())
    assert files == ["phases/phase9/api.feature", "phases/phase9/phase.yaml", "phases/phase9/web.feature"]
    compared = filecmp.dircmp(ROOT / "steps", repo / "steps", ignore=["__pycache__"])
    assert not (compared.diff_files or compared.left_only or compared.right_only), "a Python file differs"
    with capsys.disabled():
        print("\nthe phase no one wired is made of: " + ", ".join(files))
