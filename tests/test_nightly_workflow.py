"""The workflows keep the properties they depend on: the nightly run, and the example deploy behind the gate.

Parsed with PyYAML, so the checks are on structure, not text. YAML 1.1 reads the bare key
``on`` as the boolean True; :func:`triggers` accepts either spelling.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "nightly.yml"
PROMOTE = ROOT / ".github" / "workflows" / "promote.example.yml"
SECRETS = ("RENDER_API_KEY", "PHASEGATE_DATABASE_URL", "PHASEGATE_DIGEST_KEY", "PHASEGATE_API_DATABASE_URL",
           "PHASEGATE_CANARY_DATABASE_URL")
MASKING = re.compile(r"\|\|\s*(true|:|exit\s+0)\b|set\s+\+e\b")


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def steps(workflow) -> list[dict]:
    jobs = workflow["jobs"]
    assert len(jobs) == 1, "one job: install, run, report"
    return next(iter(jobs.values()))["steps"]


def triggers(workflow: dict) -> dict:
    on = workflow.get("on", workflow.get(True))
    assert on is not None, "the workflow has no triggers"
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return {name: None for name in on}
    return on


def commands(step: dict) -> list[str]:
    """The shell commands of a run step, one per line, comments dropped."""
    lines = [ln.split("#", 1)[0].strip() for ln in str(step.get("run", "")).splitlines()]
    return [ln for ln in lines if ln]


def staging_step(steps) -> dict:
    found = [s for s in steps if any(_is_pytest_staging(c) for c in commands(s))]
    assert len(found) == 1, "exactly one step runs `pytest -m staging`"
    return found[0]


def _is_pytest_staging(command: str) -> bool:
    try:
        words = shlex.split(command)
    except ValueError:
        return False
    if "pytest" not in words and "pytest" not in " ".join(words[:3]):
        return False
    return any(words[i] == "-m" and words[i + 1] == "staging" for i in range(len(words) - 1))


def uses(step: dict, action: str) -> bool:
    return str(step.get("uses", "")).split("@")[0] == action


def test_runs_nightly_on_a_schedule_and_on_demand(workflow):
    on = triggers(workflow)
    assert "workflow_dispatch" in on
    schedule = on.get("schedule")
    assert schedule and all(len(str(entry["cron"]).split()) == 5 for entry in schedule)
    minute, hour, dom, month, dow = str(schedule[0]["cron"]).split()
    assert (dom, month, dow) == ("*", "*", "*"), "every night"
    assert minute.isdigit() and hour.isdigit(), "once a night, at a fixed time"


def test_secrets_come_from_repository_secrets_into_the_test_process(workflow, steps):
    step = staging_step(steps)
    env = {**(workflow.get("env") or {}), **(next(iter(workflow["jobs"].values())).get("env") or {}),
           **(step.get("env") or {})}
    assert env.get("RENDER_API_KEY") == "${{ secrets.RENDER_API_KEY }}"
    for name in SECRETS:
        if name in env:
            assert env[name] == f"${{{{ secrets.{name} }}}}", name
    # A secret is never written into the workflow itself, nor echoed.
    text = WORKFLOW.read_text(encoding="utf-8")
    assert "rnd_" not in text
    assert not re.search(r"echo[^\n]*secrets\.", text)


def test_the_nightly_run_opts_in_to_the_round_trip_with_its_own_credential(steps):
    """Phase 5 is signable only with its round trip; the write credential is a secret of its own."""
    step = staging_step(steps)
    assert any("--active" in shlex.split(c) for c in commands(step))
    assert step["env"]["PHASEGATE_CANARY_DATABASE_URL"] == "${{ secrets.PHASEGATE_CANARY_DATABASE_URL }}"


def readme_block(heading: str) -> list[str]:
    """The commands of the first sh block under a README heading (comments dropped)."""
    block = re.search(rf"^## {heading}.*?\n.*?```sh\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"),
                      re.S | re.M)
    assert block, f"the README has a '{heading}' section with a sh block"
    return [ln.split("  #", 1)[0].strip() for ln in block.group(1).splitlines() if ln.strip()]


def readme_commands() -> tuple[str, str]:
    """The README's set-up command (its Set up section) and the suite's test command (For contributors)."""
    return readme_block("Set up")[0], readme_block("For contributors")[0]


def test_the_readme_set_up_is_the_set_up_script_and_ci_runs_it_then_the_test_command():
    setup, test = readme_commands()
    assert setup == "bash scripts/setup.sh"
    assert test == ". .venv/bin/activate && python -m pytest tests -n auto --dist loadfile"
    ci = [c for c in commands({"run": (ROOT / ".ci" / "run").read_text(encoding="utf-8")})
          if not c.startswith(("set ", "cd "))]
    assert ci[0] == setup, "the same script, not a copy of it"
    assert " && ".join(ci[1:]) == test, ".ci/run ends with exactly the README's test command"
    script = (ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")
    for needed in ("pgbouncer", "openssh-client", "pip install --quiet -e '.[test]'", "npm ci"):
        assert needed in script, needed


def test_installs_the_project_the_readme_way(steps):
    setup, _ = readme_commands()
    installs = [s for s in steps if setup in commands(s)]
    assert len(installs) == 1, "the nightly sets up with the README's set-up command"
    index = {id(s): i for i, s in enumerate(steps)}
    install = installs[0]
    assert index[id(install)] < index[id(staging_step(steps))]
    assert any(". .venv/bin/activate" in c or "source .venv/bin/activate" in c for c in commands(staging_step(steps)))


def test_the_test_step_fails_the_job_when_a_criterion_fails(workflow, steps):
    step = staging_step(steps)
    assert "continue-on-error" not in step
    job = next(iter(workflow["jobs"].values()))
    assert not job.get("continue-on-error"), "the job must fail when pytest does"
    for command in commands(step):
        assert not MASKING.search(command), f"exit code masked: {command!r}"
    # GitHub's default shell for run steps on Linux is `bash -e {0}`: the step's exit code is pytest's.
    assert step.get("shell") in (None, "bash")
    assert not step.get("if"), "the test step always runs"


def test_reports_are_uploaded_even_when_the_run_fails(steps):
    uploads = [s for s in steps if uses(s, "actions/upload-artifact")]
    assert len(uploads) == 1
    upload = uploads[0]
    assert "always()" in str(upload.get("if", ""))
    assert str(upload["with"]["path"]).rstrip("/") == "reports"
    assert steps.index(upload) > steps.index(staging_step(steps))


def test_allure_history_is_carried_from_the_previous_run(steps):
    history = "reports/staging/allure-history.*.jsonl"  # the files build_reports passes to Allure, one per phase
    restore = [s for s in steps if uses(s, "actions/cache/restore") and history in str(s["with"]["path"])]
    save = [s for s in steps if uses(s, "actions/cache/save") and history in str(s["with"]["path"])]
    assert restore and save
    restore, save = restore[0], save[0]
    assert steps.index(restore) < steps.index(staging_step(steps)) < steps.index(save)
    # A unique key each run, found again by prefix on the next: the newest history wins.
    prefix = str(restore["with"]["restore-keys"]).strip().splitlines()[0]
    assert str(restore["with"]["key"]).startswith(prefix) and str(save["with"]["key"]).startswith(prefix)
    assert "github.run_id" in str(save["with"]["key"])
    assert "always()" in str(save.get("if", "")), "history is kept after a failing night too"


def test_history_file_is_where_the_report_step_reads_it(tmp_path):
    from fnmatch import fnmatch

    from phasegate.record.run_record import VERSION, RunRecord
    from phasegate.report.history import history_file

    for phase in ("phase4", "phase5"):
        folder = tmp_path / "reports" / "staging" / f"20260101T000000Z-{phase}"
        record = RunRecord(version=VERSION, state="running", phase={"name": phase}, environment="staging",
                           profile="environments/staging.env", sandbox=False, selection={}, phasegate_version="0")
        cached = history_file(folder, record)
        assert cached.relative_to(tmp_path).as_posix() == f"reports/staging/allure-history.{phase}.jsonl"
        assert fnmatch(cached.relative_to(tmp_path).as_posix(), "reports/staging/allure-history.*.jsonl")


def test_a_job_summary_is_written_after_a_failing_run_too_and_before_the_gate(steps):
    found = [s for s in steps if any(c.strip() == "phasegate summary reports/staging" for c in commands(s))]
    assert len(found) == 1, "one step writes the job summary, in one line"
    step = found[0]
    assert "always()" in str(step.get("if", "")), "the summary is written when pytest failed"
    assert not step.get("env"), "the summary step gets no secret"
    assert steps.index(staging_step(steps)) < steps.index(step) < len(steps) - 1, "after the run, before the gate"


def test_the_last_step_is_the_gate_on_the_newest_run(steps):
    gate = steps[-1]
    assert any(c.strip() == "phasegate status reports/staging" for c in commands(gate))
    assert "always()" in str(gate.get("if", "")), "the verdict is printed after a failing pytest too"
    assert not any(MASKING.search(c) for c in commands(gate))
    upload = next(s for s in steps if uses(s, "actions/upload-artifact"))
    assert steps.index(upload) < steps.index(gate)


# --- hardening: pinned actions, no persisted token, least permissions, zizmor clean -------------

PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def test_every_action_is_pinned_to_a_full_commit_sha_with_its_version_in_a_comment(steps):
    lines = WORKFLOW.read_text(encoding="utf-8").splitlines()
    for step in steps:
        if "uses" not in step:
            continue
        assert PINNED.match(step["uses"]), f"not pinned to a commit: {step['uses']}"
        line = next(ln for ln in lines if f"uses: {step['uses']}" in ln)
        assert re.search(r"#\s*v\d+(\.\d+)*\s*$", line), f"no version comment: {line.strip()}"


def test_checkout_keeps_no_credentials_on_disk(steps):
    checkouts = [s for s in steps if uses(s, "actions/checkout")]
    assert checkouts and all((s.get("with") or {}).get("persist-credentials") is False for s in checkouts)


def test_permissions_are_least(workflow):
    assert workflow.get("permissions") == {}, "the workflow grants nothing by default"
    job = next(iter(workflow["jobs"].values()))
    assert job.get("permissions") == {"contents": "read"}


def _zizmor(folder: Path, *flags: str) -> subprocess.CompletedProcess:
    zizmor = shutil.which("zizmor") or str(Path(sys.executable).parent / "zizmor")
    return subprocess.run([zizmor, "--offline", "--no-progress", "--format", "plain", *flags, str(folder)],
                          capture_output=True, text=True, timeout=120)


def test_zizmor_reports_nothing_on_the_workflows():
    result = _zizmor(ROOT / ".github")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings" in result.stdout + result.stderr


def test_zizmor_would_catch_an_unpinned_action_and_persisted_credentials(tmp_path):
    # The check above can fail: the same workflow with a tag reference and default checkout is flagged.
    text = WORKFLOW.read_text(encoding="utf-8")
    text = re.sub(r"actions/checkout@[0-9a-f]{40}", "actions/checkout@v4", text)
    text = text.replace("persist-credentials: false", "fetch-depth: 1")
    folder = tmp_path / ".github"  # zizmor collects workflows only from a folder laid out as .github/
    (folder / "workflows").mkdir(parents=True)
    (folder / "workflows" / "nightly.yml").write_text(text, encoding="utf-8")
    result = _zizmor(folder)
    assert result.returncode != 0
    assert "unpinned-uses" in result.stdout and "artipacked" in result.stdout


# --- the example deploy workflow: phasegate gate before a (placeholder) deploy ----------------------


@pytest.fixture(scope="module")
def promote() -> dict:
    return yaml.safe_load(PROMOTE.read_text(encoding="utf-8"))


def promote_steps(promote: dict) -> list[dict]:
    return [step for job in promote["jobs"].values() for step in job["steps"]]


def test_promote_runs_only_by_hand(promote):
    on = triggers(promote)
    assert set(on) == {"workflow_dispatch"}, "a deploy is started by a person, never by a push or a schedule"
    assert on["workflow_dispatch"]["inputs"]["nightly-run-id"]["required"] is True


def test_promote_gates_the_nightlys_reports_before_the_deploy(promote):
    gate, deploy = promote["jobs"]["gate"], promote["jobs"]["deploy"]
    download = [s for s in gate["steps"] if uses(s, "actions/download-artifact")]
    assert len(download) == 1
    # The artifact the nightly uploads (phasegate-staging-<run id>, the reports/ folder), into reports/.
    nightly_upload = next(s for s in yaml.safe_load(WORKFLOW.read_text())["jobs"]["staging"]["steps"]
                          if uses(s, "actions/upload-artifact"))
    assert nightly_upload["with"]["name"] == "phasegate-staging-${{ github.run_id }}"
    assert download[0]["with"]["name"] == "phasegate-staging-${{ inputs.nightly-run-id }}"
    assert download[0]["with"]["run-id"] == "${{ inputs.nightly-run-id }}"
    assert str(download[0]["with"]["path"]).rstrip("/") == "reports"
    gates = [s for s in gate["steps"] if any(c.startswith("phasegate gate ") for c in commands(s))]
    assert len(gates) == 1
    assert commands(gates[0])[-1] == ("phasegate gate reports/staging --phase phase4 --allowed-signers "
                                      'allowed_signers --max-age 7d --commit "worker=$COMMIT" '
                                      "--attest verification-summary.intoto.json")
    # The commit about to be deployed reaches the gate as an environment variable, never as script text.
    assert gates[0]["env"] == {"COMMIT": "${{ inputs.commit }}"}
    assert triggers(promote)["workflow_dispatch"]["inputs"]["commit"]["required"] is True
    # The decision, open or closed, is kept: the VSA --attest wrote, uploaded even when the gate closed.
    keep = [s for s in gate["steps"] if uses(s, "actions/upload-artifact")]
    assert len(keep) == 1 and keep[0]["with"]["path"] == "verification-summary.intoto.json"
    assert keep[0]["if"] == "${{ always() }}" and gate["steps"].index(gates[0]) < gate["steps"].index(keep[0])
    assert gate["steps"].index(download[0]) < gate["steps"].index(gates[0])
    assert not gates[0].get("if") and "continue-on-error" not in gates[0] and not gate.get("continue-on-error")
    assert not any(MASKING.search(c) for s in gate["steps"] for c in commands(s))
    # The deploy runs only after the gate job succeeded; it is a placeholder and says so.
    assert deploy["needs"] in ("gate", ["gate"]) and not deploy.get("if")
    assert all("PLACEHOLDER" in s["name"].upper() for s in deploy["steps"])


def test_promote_is_hardened_like_the_nightly(promote):
    lines = PROMOTE.read_text(encoding="utf-8").splitlines()
    for step in promote_steps(promote):
        if "uses" in step:
            assert PINNED.match(step["uses"]), f"not pinned to a commit: {step['uses']}"
            line = next(ln for ln in lines if f"uses: {step['uses']}" in ln)
            assert re.search(r"#\s*v\d+(\.\d+)*\s*$", line), f"no version comment: {line.strip()}"
        if uses(step, "actions/checkout"):
            assert step["with"]["persist-credentials"] is False
        # No template injection: an expression never reaches a shell script, only action inputs.
        assert "${{" not in str(step.get("run", "")), step["name"]
    assert promote.get("permissions") == {}
    assert promote["jobs"]["gate"]["permissions"] == {"contents": "read", "actions": "read"}
    assert promote["jobs"]["deploy"]["permissions"] == {}
    assert "secrets." not in PROMOTE.read_text(encoding="utf-8")


def test_zizmor_reports_nothing_on_promote_even_as_an_auditor(tmp_path):
    folder = tmp_path / ".github"
    (folder / "workflows").mkdir(parents=True)
    shutil.copy(PROMOTE, folder / "workflows" / PROMOTE.name)
    result = _zizmor(folder, "--persona", "auditor")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings" in result.stdout + result.stderr


def test_zizmor_would_catch_the_run_id_in_a_shell_script(tmp_path):
    text = PROMOTE.read_text(encoding="utf-8").replace(
        "if [ -d signoffs/staging ]", 'echo "gating ${{ inputs.nightly-run-id }}"; if [ -d signoffs/staging ]')
    folder = tmp_path / ".github"
    (folder / "workflows").mkdir(parents=True)
    (folder / "workflows" / PROMOTE.name).write_text(text, encoding="utf-8")
    result = _zizmor(folder, "--persona", "auditor")
    assert result.returncode != 0 and "template-injection" in result.stdout
