"""Bounded disk: prune keeps the newest N runs per environment (never a signed one); history is per environment
and per sandbox world, capped, and so is the history the HTML embeds."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from acceptance import run_suite
from cli_runner import phasegate
from phasegate.record.run_record import RunRecord
from phasegate.report import allure_html
from phasegate.report.history import HISTORY_RUNS, cap_history, history_file


def _runs(root: Path, env: str, names: list[str], signed: tuple[str, ...] = ()) -> None:
    for name in names:
        folder = root / env / name
        folder.mkdir(parents=True)
        (folder / "run.json").write_text("{}")
        (folder / "allure-report.html").write_text("x" * 1000)
        if name in signed:
            (folder / "manifest.json.sig").write_text("sig")


def test_prune_keeps_the_newest_n_per_environment_and_every_signed_run(tmp_path):
    root = tmp_path / "reports"
    _runs(root, "staging", [f"2026010{d}T000000Z" for d in range(1, 6)], signed=("20260101T000000Z",))
    _runs(root, "sandbox", ["20260101T000000Z", "20260102T000000Z", "20260102T000000Z-2"])
    (root / "staging" / "notes").mkdir()  # not a run folder: never touched
    (root / "allure-results").mkdir()  # a plain pytest run's results beside the environments: no environment
    (root / "allure-results" / "x-result.json").write_text("{}")
    history = root / "staging" / "allure-history.jsonl"
    history.write_text("".join(json.dumps({"run": i}) + "\n" for i in range(HISTORY_RUNS + 5)))

    dry = phasegate("prune", "--keep", 2, "--report-dir", root, "--dry-run")
    assert dry.returncode == 0 and "would remove" in dry.stdout
    assert len(list((root / "staging").iterdir())) == 7, "a dry run removes nothing"

    done = phasegate("prune", "--keep", 2, "--report-dir", root)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (root / "staging").iterdir()) == [
        "20260101T000000Z", "20260104T000000Z", "20260105T000000Z", "allure-history.jsonl", "notes"]
    assert sorted(p.name for p in (root / "sandbox").iterdir()) == ["20260102T000000Z", "20260102T000000Z-2"]
    assert "staging: removed 2 run folder(s)" in done.stdout and "1 older signed" in done.stdout
    assert "allure-results" not in done.stdout and (root / "allure-results" / "x-result.json").is_file()
    assert "(the newest 2 of each phase)" in done.stdout
    assert [json.loads(ln)["run"] for ln in history.read_text().splitlines()] == list(range(5, HISTORY_RUNS + 5))


@pytest.mark.parametrize("args, message", [
    (["--keep", "-1"], "--keep must be 0 or more"),
    (["--keep", "2", "--env", "nosuch"], "no runs for environment nosuch"),
])
def test_prune_refuses_in_one_line(tmp_path, args, message):
    (tmp_path / "reports").mkdir()
    done = phasegate("prune", *args, "--report-dir", tmp_path / "reports")
    assert done.returncode == 2 and done.stderr.strip().endswith(message) and len(done.stderr.splitlines()) == 1


def _record(sandbox: bool, phase: str | None = None, world: str | None = None) -> RunRecord:
    return RunRecord(version=3, state="running", phase={"name": phase} if phase else None, environment="sandbox",
                     profile="environments/sandbox.env", sandbox=sandbox, selection={}, phasegate_version="0",
                     sandbox_world=world)


def test_history_is_per_environment_per_sandbox_world_and_per_phase(tmp_path):
    folder = tmp_path / "reports" / "sandbox" / "20260101T000000Z"
    assert history_file(folder, _record(True, "phase4", "P4-43-public-usage")).name == \
        "allure-history.P4-43-public-usage.phase4.jsonl"
    assert history_file(folder, _record(True, "phase5", "compliant")).name == \
        "allure-history.compliant.phase5.jsonl"
    assert history_file(folder.parent.parent / "staging" / "x", _record(False, "phase4")).name == \
        "allure-history.phase4.jsonl"
    assert history_file(folder.parent.parent / "staging" / "x", _record(False)).name == "allure-history.jsonl"


def test_cap_history_keeps_the_newest(tmp_path):
    path = tmp_path / "h.jsonl"
    path.write_text("".join(f"{i}\n" for i in range(30)))
    cap_history(path, 3)
    assert path.read_text() == "27\n28\n29\n"


@pytest.mark.skipif(allure_html.allure_cli() is None, reason="Allure 3 CLI not installed (npm ci)")
def test_the_html_embeds_a_capped_history_and_stops_growing(tmp_path):
    report_dir = tmp_path / "reports"
    history = report_dir / "sandbox" / "allure-history.compliant.phase4.jsonl"
    run_suite(tmp_path, "-m", "staging and P4-02", "--env", "sandbox", f"--report-dir={report_dir}", html=True)
    # A full history, as many nights would leave it: the run's own entry, HISTORY_RUNS + 5 times.
    entry = json.loads(history.read_text().splitlines()[-1])
    history.write_text("".join(json.dumps({**entry, "uuid": str(uuid.uuid4()), "timestamp": entry["timestamp"] - i})
                               + "\n" for i in range(HISTORY_RUNS + 5, 0, -1)))
    for _ in range(2):
        run_suite(tmp_path, "-m", "staging and P4-02", "--env", "sandbox", f"--report-dir={report_dir}", html=True)
    assert len(history.read_text().splitlines()) == HISTORY_RUNS
    assert not (report_dir / "sandbox" / "allure-history.jsonl").exists(), "sandbox worlds do not share history"
    folders = sorted(p for p in (report_dir / "sandbox").iterdir() if p.is_dir())
    sizes = [(f / "allure-report.html").stat().st_size for f in folders]
    # The first page embedded 1 run of history, the second HISTORY_RUNS: the history is in the page,
    # one run's worth is `per_run` bytes. With the history full, the third page does not grow by one.
    per_run = (sizes[1] - sizes[0]) / (HISTORY_RUNS - 1)
    assert per_run > 100, sizes
    assert abs(sizes[2] - sizes[1]) < 0.25 * per_run, sizes
