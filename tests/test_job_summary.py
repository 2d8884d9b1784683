"""The nightly's job summary (``phasegate summary``): status's lines, the criteria not passed, no secret.

A real sandbox run of both phases in a world that fails P4-28 (a secret shared with
production, the world's values carrying canaries), with the Render API key and the digest
key as canaries too; the summary is rendered from its run folders the way the nightly
does (``$GITHUB_STEP_SUMMARY`` set, and the secrets still in the step's environment) and
scanned for every canary, raw and encoded.
"""

from __future__ import annotations

import re

import pytest

from acceptance import run_suite
from cli_runner import phasegate
from phasegate.report import summary
from phasegate.sandbox.worlds import canary_values, world
from test_leak_gate import DIGEST_KEY, KEY, encodings

WORLD = "P4-28"


@pytest.fixture(scope="module")
def failing_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("job-summary")
    run = run_suite(tmp, "-m", "staging", "--env", "sandbox", f"--report-dir={tmp / 'reports'}", "--no-report",
                    world=WORLD, env={"RENDER_API_KEY": KEY, "PHASEGATE_DIGEST_KEY": DIGEST_KEY,
                                      "PHASEGATE_PHASES": "phase4,phase5"})
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-3000:]
    assert run.outcomes["P4-28"] == "failed"
    env_folder = tmp / "reports" / "sandbox"
    step_summary = tmp / "step-summary.md"
    step_summary.write_text("earlier step's summary\n", encoding="utf-8")
    # The nightly's way: GITHUB_STEP_SUMMARY set; here the secrets are in the step's environment too.
    done = phasegate("summary", str(env_folder),
                     env={"GITHUB_STEP_SUMMARY": str(step_summary), "RENDER_API_KEY": KEY,
                          "PHASEGATE_DIGEST_KEY": DIGEST_KEY})
    return run, env_folder, step_summary, done


def test_the_summary_is_appended_to_the_step_summary(failing_run):
    run, env_folder, step_summary, done = failing_run
    assert done.returncode == 0, done.stdout + done.stderr
    text = step_summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step's summary\n## phasegate: "), "appended, not replaced"
    assert f"appended to {step_summary}" in done.stdout and done.stderr == ""


def test_it_holds_status_lines_verbatim_then_a_row_per_criterion_not_passed(failing_run):
    run, env_folder, step_summary, done = failing_run
    text = step_summary.read_text(encoding="utf-8")
    status = phasegate("status", str(env_folder))
    assert status.returncode == 3  # a sandbox run: not the real target
    lines = [ln for ln in status.stdout.splitlines() if ln.strip()]
    assert len(lines) >= 2, "one line per phase"
    for line in lines:
        assert f"- {summary.escape(line, 1000)}" in text
    rows = [ln for ln in text.splitlines() if re.match(r"\| Phase \d", ln)]
    by_id = {row.split(" | ")[1]: row for row in rows}
    assert set(by_id) == {"P4-28", "P5-20", "P5-21"}, rows  # the failure, and the round trip skipped
    failed = by_id["P4-28"]
    assert "No secret is shared with production" in failed and "❌ failed" in failed
    assert re.search(r"secrets shared with production: expected .+, actual same value in both: OPENAI\\?_API\\?_KEY",
                     failed), failed
    assert re.search(r"\| \[srv-\w+\]\(https://dashboard\.render\.com/worker/srv-\w+\) \|$", failed), failed
    assert "⏭ skipped" in by_id["P5-20"] and "--active" in by_id["P5-20"] and by_id["P5-20"].endswith("| — |")
    for row in [r for r in text.splitlines() if r.startswith("|")]:
        assert len(re.findall(r"(?<!\\)\|", row)) == 7, f"six cells: {row}"
    assert "**SANDBOX**" in text


def test_no_secret_canary_is_in_the_summary(failing_run):
    run, env_folder, step_summary, done = failing_run
    text = step_summary.read_text(encoding="utf-8") + done.stdout + done.stderr
    canaries = canary_values(world(WORLD)) | {KEY, DIGEST_KEY}
    assert canaries, "the world carries canaries"
    patterns = {"CANARY"} | {form for value in canaries for form in encodings(value)} | encodings("pw-CANARY-")
    assert [p for p in patterns if p in text] == []
    assert "P4-28" in text  # the scan read the failing run's summary, not an empty file


def test_without_a_step_summary_it_prints_and_out_wins(failing_run, tmp_path):
    run, env_folder, step_summary, done = failing_run
    printed = phasegate("summary", str(env_folder), env={"GITHUB_STEP_SUMMARY": ""})
    assert printed.returncode == 0 and printed.stdout.startswith("## phasegate: ")
    out = tmp_path / "summary.md"
    written = phasegate("summary", str(env_folder), "--out", str(out), env={"GITHUB_STEP_SUMMARY": str(step_summary)})
    assert written.returncode == 0 and out.read_text(encoding="utf-8") == printed.stdout


def test_a_folder_without_runs_says_so_and_exits_2(tmp_path):
    out = tmp_path / "summary.md"
    done = phasegate("summary", str(tmp_path), "--out", str(out))
    assert done.returncode == 2
    text = out.read_text(encoding="utf-8")
    assert "neither a run folder nor a folder of runs" in text and "No run folder could be read" in text


def test_a_cell_cannot_change_the_table():
    cell = summary.escape("a | b\nc <script>x</script> `d` [e](f) " + "z" * 400)
    assert "\n" not in cell and "<" not in cell and len(cell) < 360
    assert not re.search(r"(?<!\\)[|`\[\]]", cell)


def test_a_violation_reads_in_one_line():
    message = ("[sandbox] P4-03 violated: service type\n  expected: background_worker\n  actual:   web_service\n"
               "  service:  https://dashboard.render.com/web/srv-1")
    assert summary.one_line(message) == "service type: expected background_worker, actual web_service"
    assert summary.one_line("P4-40 broken: database 'x' does not exist") == "database 'x' does not exist"


def test_a_secret_in_the_step_environment_is_scrubbed_even_if_a_line_carried_it(monkeypatch):
    """The second line of defence: values of secret-looking variables (and URL passwords) never leave."""
    monkeypatch.setenv("PHASEGATE_DATABASE_URL", "postgresql://worker:pw-summary-7d1f3a@db.example.com/app")
    monkeypatch.setenv("RENDER_API_KEY", "rnd_summary_test_key_5e4d3c")
    text = summary.render("reports/staging", ["said pw-summary-7d1f3a and rnd_summary_test_key_5e4d3c"], [])
    assert "pw-summary-7d1f3a" not in text and "rnd_summary_test_key_5e4d3c" not in text
    assert "said \\*\\*\\* and \\*\\*\\*" in text
