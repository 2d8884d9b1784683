"""The scaffold writes executable steps: a hand-written report about a static site becomes a phase that runs.

``tests/hand-written/phase6-static-site.md`` claims what a Phase 6 report about the static site
upload-web-staging would: its type, build branch, build command, publish directory, auto-deploy, an
environment variable, a custom domain, its latest deploy and that it is not suspended (each a field of the
step vocabulary), a vague performance line and one claim no sentence covers. ``phasegate audit --scaffold``
writes a phase whose scenarios judge every line the vocabulary covers on the ``web`` role, proposes the vague
line as not verifiable and leaves the last one pending, and says so in counts. The phase is then run in the
sandbox from the scratch copy it was written into, with the profile line the scaffold printed: the
compliant static site (world ``compliant-web``) passes every executable criterion, and a world built to
violate one claim fails exactly its criterion. The completion report's header names the services the run
judged, as the profile names them.

Counts for this report: 9 executable, 1 pending, 1 not verifiable (and 2 phase verdicts).
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from acceptance import ROOT, SuiteRun, run_suite
from cli_runner import phasegate
from phasegate.catalogue import claims
from phasegate.catalogue.claim_steps import roles_for, steps_for
from phasegate.catalogue.criteria import load_phases
from phasegate.report.completion import render
from phasegate.report.model import load_run
from test_catalogue import copy_repo, edit
from test_scaffold import scaffold_copy

REPORT = ROOT / "tests" / "hand-written" / "phase6-static-site.md"
AS_REPORTED, ENVIRONMENT = 'Given the "web" service as Render reports it', \
    'Given the "web" service\'s effective environment on Render'
# Each claim the vocabulary covers -> its criterion and the steps written for it.
EXECUTABLE = {
    "P6-01": ("Service Type: Static site", [AS_REPORTED, 'Then its type is "static_site"']),
    "P6-02": ("Build Branch: staging", [AS_REPORTED, 'Then its branch is "staging"']),
    "P6-03": ("Build Command: npm ci && npm run build", [AS_REPORTED, 'Then its build command is "npm ci && npm run build"']),
    "P6-04": ("Publish Directory: dist", [AS_REPORTED, 'Then its publish path is "dist"']),
    "P6-05": ("Auto Deploy: Enabled", [AS_REPORTED, "Then it deploys automatically"]),
    "P6-06": ("NODE_ENV=production", [ENVIRONMENT, 'Then "NODE_ENV" is "production"']),
    "P6-07": ("Custom Domain: staging.uploads.example.com verified",
              [AS_REPORTED, 'Then its custom domain "staging.uploads.example.com" is verified']),
    "P6-08": ("Latest Deploy: Live", [AS_REPORTED, 'Then its latest deploy is "live"']),
    "P6-09": ("Not suspended", [AS_REPORTED, "Then it is not suspended"]),
}
PENDING = {"P6-10": "Accessibility: Reviewed by the design team"}
COUNTS = ("13 claims: 9 executable (P6-01…P6-09), 1 pending (P6-10, not yet executable), 0 judged by existing "
          "criteria, 2 phase verdict(s), 1 not verifiable")
PROFILE_LINE = "RENDER_SERVICES=web:upload-web-staging"


def _scenarios(folder) -> dict[str, list[str]]:
    """Criterion ID -> its scenario's steps, as written in the phase's feature files."""
    found: dict[str, list[str]] = {}
    current = None
    for path in sorted(folder.glob("*.feature")):
        for line in path.read_text().splitlines():
            tags = [t[1:] for t in line.split() if re.fullmatch(r"@[A-Z][A-Z0-9]*-\d+", t)]
            if tags:
                current = found.setdefault(tags[0], [])
            elif current is not None and line.strip().startswith(("Given ", "When ", "Then ", "And ")):
                current.append(line.strip())
    return found


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory):
    return scaffold_copy(tmp_path_factory.mktemp("static-site"), REPORT, "phase6", "P6")


def test_the_scaffold_says_how_many_claims_became_executable_and_the_profile_line(scaffolded):
    _repo, lines = scaffolded
    assert lines[1] == COUNTS
    assert lines[3:5] == [
        "roles: web = upload-web-staging (from the word 'web' of its name) — another role: --role NAME=ROLE, or edit "
        "the features' Given lines and the profile together",
        f"add to the profile (environments/<env>.env): {PROFILE_LINE}"]


def test_every_line_the_vocabulary_covers_has_real_steps_the_rest_pending_or_not_verifiable(scaffolded):
    repo, _lines = scaffolded
    phase = load_phases(repo)["phase6"]
    written = _scenarios(repo / "features" / "phase6")
    assert written == {**{cid: steps for cid, (_claim, steps) in EXECUTABLE.items()},
                       **{cid: ["Then this claim is not yet executable"] for cid in PENDING}}
    assert {cid: c.title for cid, c in phase.criteria.items()} == {
        **{cid: claim for cid, (claim, _steps) in EXECUTABLE.items()}, **PENDING}
    assert all("render" in phase.criteria[cid].tags for cid in EXECUTABLE)
    table = {c.text: c for c in phase.claims_table().values()}
    assert table["Performance: Good"].status == claims.NOT_VERIFIABLE
    assert table["Performance: Good"].reason.startswith('vague: "Good" names no measure')
    assert phase.services == ("upload-web-staging",)


def _run(repo, tmp, world: str) -> SuiteRun:
    return run_suite(tmp, "-m", "staging", "--env", "sandbox", "--phase", "phase6", world=world, cwd=repo,
                     env=dict([PROFILE_LINE.split("=", 1)]))


@pytest.fixture(scope="module")
def runs(scaffolded, tmp_path_factory) -> dict[str, tuple[SuiteRun, object]]:
    """The scaffolded phase run in the sandbox: the compliant static site, and one built on the wrong branch."""
    repo, _lines = scaffolded

    def one(world: str):
        tmp = tmp_path_factory.mktemp(world)
        return _run(repo, tmp, world), tmp

    worlds = ("compliant-web", "web-branch")
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(worlds, pool.map(one, worlds)))


def test_the_scaffolded_phase_passes_every_executable_criterion_on_the_compliant_static_site(runs):
    run, tmp = runs["compliant-web"]
    assert run.outcomes == {**{cid: "passed" for cid in EXECUTABLE}, "P6-10": "skipped"}, run.stdout[-3000:]
    assert "pending  P6-10 Accessibility: Reviewed by the design team" in run.stdout.splitlines()
    assert run.returncode == 1  # the one pending criterion keeps the run from green, as any pending one does
    (folder,) = sorted((tmp / "reports" / "sandbox").glob("*/"))
    record = json.loads((folder / "run.json").read_text())
    assert {cid: e["outcome"] for cid, e in record["criteria"].items()} == {
        **{cid: "passed" for cid in EXECUTABLE}, "P6-10": "skipped"}
    assert [(e["role"], e["name"]) for e in record["judged_services"]] == [("web", "upload-web-staging")]
    md, _html = render(load_run(folder))
    assert md.startswith("# SANDBOX — Phase 6 Completion Report: upload-web-staging (simulated; not a sign-off)")
    assert "**Service**: `upload-web-staging`" in md


def test_a_world_built_to_violate_a_claim_fails_exactly_its_criterion(runs):
    run, _tmp = runs["web-branch"]
    assert run.outcomes == {**{cid: "failed" if cid == "P6-02" else "passed" for cid in EXECUTABLE},
                            "P6-10": "skipped"}, run.stdout[-3000:]
    message = "\n".join(run.messages("P6-02"))
    assert "staging" in message and "main" in message


def test_the_report_header_names_the_services_the_run_judged_as_the_profile_names_them(scaffolded, runs, tmp_path):
    """A qa profile's name for the web role shows, not phase.yaml's; phase.yaml's only when the run recorded none."""
    _run_, tmp = runs["compliant-web"]
    (folder,) = sorted((tmp / "reports" / "sandbox").glob("*/"))
    record = json.loads((folder / "run.json").read_text())
    record["judged_services"] = [dict(record["judged_services"][0], name="upload-web-qa")]
    (tmp_path / "qa").mkdir()
    (tmp_path / "qa" / "run.json").write_text(json.dumps(record))
    md, _html = render(load_run(tmp_path / "qa"))
    assert md.splitlines()[0] == "# SANDBOX — Phase 6 Completion Report: upload-web-qa (simulated; not a sign-off)"
    assert "**Service**: `upload-web-qa`" in md
    del record["judged_services"], record["version"]  # as a phasegate before the judged services wrote it
    record["format"] = 2
    (tmp_path / "qa" / "run.json").write_text(json.dumps(record))
    md, _html = render(load_run(tmp_path / "qa"))
    assert md.splitlines()[0] == "# SANDBOX — Phase 6 Completion Report: upload-web-staging (simulated; not a sign-off)"


def test_a_role_may_be_chosen_and_a_bad_one_is_refused(tmp_path):
    repo = copy_repo(tmp_path)
    done = phasegate("audit", REPORT, "--scaffold", "features/phase6", "--prefix", "P6",
                     "--role", "upload-web-staging=frontend", cwd=repo)
    assert done.returncode == 0, done.stderr
    assert "add to the profile (environments/<env>.env): RENDER_SERVICES=frontend:upload-web-staging" in done.stdout
    assert "roles: frontend = upload-web-staging (as chosen (--role))" in done.stdout
    assert _scenarios(repo / "features" / "phase6")["P6-01"][0] == 'Given the "frontend" service as Render reports it'
    for pair, why in [("upload-web-staging=Web", "--role upload-web-staging=Web: a role is a lower-case word"),
                      ("upload-site=web", "--role upload-site=web: the report names no service 'upload-site'"),
                      ("web", "--role needs NAME=ROLE (e.g. upload-web-staging=web), got 'web'")]:
        done = phasegate("audit", REPORT, "--scaffold", "features/phase7", "--prefix", "P7", "--role", pair, cwd=repo)
        assert done.returncode == 2 and done.stderr.startswith(f"phasegate audit: {why}"), done.stderr
        assert not (repo / "features" / "phase7").exists()


def test_a_sentence_no_step_definition_matches_is_left_pending_and_said(tmp_path):
    """The scaffold checks each sentence against the checkout's step definitions, as pytest-bdd matches them."""
    repo = copy_repo(tmp_path)
    edit(repo / "steps" / "service_vocabulary.py", """parsers.parse('its custom domain "{name}" is verified')""",
         """parsers.parse('its custom domain "{name}" is checked')""")
    done = phasegate("audit", REPORT, "--scaffold", "features/phase6", "--prefix", "P6", cwd=repo)
    assert done.returncode == 0, done.stderr
    assert ("left pending: no step definition matches Then its custom domain \"staging.uploads.example.com\" is "
            "verified") in done.stdout
    assert "8 executable (P6-01…P6-06, P6-08, P6-09), 2 pending (P6-07, P6-10, not yet executable)" in done.stdout
    assert _scenarios(repo / "features" / "phase6")["P6-07"] == ["Then this claim is not yet executable"]


def test_a_claim_about_no_single_service_stays_pending(tmp_path):
    repo = copy_repo(tmp_path)
    (tmp_path / "report.md").write_text("# Phase 7\n\n**Services**: `upload-web-staging`, `upload-api-staging`\n\n"
                                        "## Build\n\n- **Build Branch**: ✅ `staging`\n\n## upload-api-staging\n\n"
                                        "- **Health Check Path**: ✅ `/healthz`\n")
    done = phasegate("audit", tmp_path / "report.md", "--scaffold", "features/phase7", "--prefix", "P7", cwd=repo)
    assert done.returncode == 0, done.stderr
    assert "2 claims: 1 executable (P7-02), 1 pending (P7-01, not yet executable)" in done.stdout
    assert ("left pending: the vocabulary covers line(s) 7, but the report names no single service for them"
            in done.stdout)
    assert "RENDER_SERVICES=api:upload-api-staging" in done.stdout
    assert _scenarios(repo / "features" / "phase7") == {
        "P7-01": ["Then this claim is not yet executable"],
        "P7-02": ['Given the "api" service as Render reports it', 'Then its health check path is "/healthz"']}


@pytest.mark.parametrize("line, steps", [
    ("- **Service Type**: ✅ Static site", ['its type is "static_site"']),
    ("- **Type**: ✅ Background Worker", ['its type is "background_worker"']),
    ("- **Branch**: ✅ `staging` (corrected from `deployment/cloud-infrastructure`)", ['its branch is "staging"']),
    ("- **Region**: ✅ Oregon (US West)", ['its region is "oregon"']),
    ("- **Plan**: ✅ Starter", ['its plan is "starter"']),
    ("- **Runtime**: ✅ Node.js 20", ['its runtime is "node"']),
    ("- **Start Command**: ✅ `node server.js`", ['its start command is "node server.js"']),
    ("- **Health Check Path**: ✅ `/health`", ['its health check path is "/health"']),
    ("- **Suspended**: ✅ No", ["it is not suspended"]),
    ("- ✅ Auto-deploy enabled", ["it deploys automatically"]),
    ("- ✅ `DEBUG=false`", ['"DEBUG" is "false"']),
    ("- ✅ `LOG_LEVEL=info`, `DEBUG=false`", ['"LOG_LEVEL" is "info"', '"DEBUG" is "false"']),
    ("- **`JWT_SECRET`**: ✅ Not set",
     ['"JWT_SECRET" is absent from the service, its environment groups and its secret files']),
    ("- **SENTRY_DSN**: ✅ Set", ['"SENTRY_DSN" is set and not empty']),
    # What cannot be read with certainty stays pending.
    ("- **Auto Deploy**: ✅ Disabled", None),
    ("- **Branch**: ✅ staging and main", None),
    ("- **Region**: ✅ US West", None),
    ("- **Health Check**: ✅ Responding", None),
    ("- ✅ **Upload Flow**: Files uploaded through the API reach storage", None),
])
def test_the_table_of_claims_and_sentences(line, steps):
    found = steps_for(line, claims.claim_text(line))
    assert (list(found.thens) if found else None) == steps


def test_roles_come_from_the_name_or_the_type_and_never_collide():
    assert roles_for(["upload-web-staging", "upload-api-staging", "upload-worker-staging", "billing", "reports-qa"],
                     {"billing": "static_site"}) == {
        "upload-web-staging": ("web", "from the word 'web' of its name"),
        "upload-api-staging": ("api", "from the word 'api' of its name"),
        "upload-worker-staging": ("worker", "from the word 'worker' of its name"),
        "billing": ("web-2", "from its type static_site, numbered: another service is web"),
        "reports-qa": ("reports", "from the last word of its name")}
