"""Ctrl-C during a run: one line, ``interrupted: …``, no traceback, and run folders that say exactly what ran.

Each test starts the suite as QA would (a ``pytest`` subprocess in a session of its own) and sends SIGINT to its
whole process group, as a terminal does, at a controlled moment: when Phase 5's first scenario starts (a plugin
of the tests, ``tests/interrupt_at.py``), or while the Allure HTML is being built (a stand-in Allure CLI that
says it started, then waits).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from acceptance import ROOT, suite_command, valid_run_record
from phasegate.catalogue.criteria import load_phase

PHASES = {"PHASEGATE_PHASES": "phase4,phase5"}


def _start(tmp_path: Path, *args: str, env: dict, html: bool = False) -> subprocess.Popen:
    cmd, environ = suite_command(tmp_path, "-m", "staging", "--env", "sandbox", *args, env={**PHASES, **env},
                                 html=html)
    return subprocess.Popen(cmd, cwd=ROOT, env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


def _folders(reports: Path) -> dict[str, dict]:
    """phase -> (folder, run.json) of the one run written under reports/sandbox."""
    out = {}
    for folder in sorted((reports / "sandbox").iterdir()):
        if (folder / "run.json").is_file():
            record = valid_run_record(json.loads((folder / "run.json").read_text()))
            out[record["phase"]["name"]] = {"folder": folder, "record": record}
    return out


def _one_interrupted_line(output: str) -> str:
    lines = [ln for ln in output.splitlines() if "interrupted:" in ln]
    assert len(lines) == 1 and lines[0].startswith("interrupted: "), output
    for noise in ("Traceback", "KeyboardInterrupt", "!!!!!", "--full-trace"):
        assert noise not in output, output
    return lines[0]


def _judged(record: dict) -> set[str]:
    return {cid for cid, entry in record["criteria"].items() if entry["outcome"] != "not run"}


def test_ctrl_c_while_phase5_is_judged_leaves_phase4_judged_and_phase5_saying_what_ran(tmp_path):
    env = {"INTERRUPT_AT": "P5-", "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "tests"),
                                                                              os.environ.get("PYTHONPATH")]))}
    run = _start(tmp_path, "-p", "interrupt_at", env=env)
    output, _ = run.communicate(timeout=240)
    assert run.returncode == 2, output
    line = _one_interrupted_line(output)
    runs = _folders(tmp_path / "reports")
    phase4, phase5 = runs["phase4"]["record"], runs["phase5"]["record"]
    assert phase4["state"] == phase5["state"] == "interrupted"
    # Phase 4 ran whole before the interrupt: every criterion judged (and passed), none "not run".
    assert _judged(phase4) == set(phase4["completeness"]["phase_criteria"]) and not phase4["completeness"]["not_run"]
    assert {e["outcome"] for e in phase4["criteria"].values()} == {"passed"}
    # Phase 5 was interrupted at its first scenario: what it did not judge is named, in the record and the line.
    expected5 = set(load_phase(ROOT, "phase5").criteria)
    assert phase5["completeness"]["not_run"] and set(phase5["completeness"]["not_run"]) <= expected5
    n4 = len(phase4["completeness"]["phase_criteria"])
    assert f"Phase 4: {n4} of {n4} criteria judged;" in line
    assert f"Phase 5: {len(_judged(phase5))} of {len(phase5['completeness']['phase_criteria'])} criteria judged " \
           f"(not run: {phase5['completeness']['not_run'][0]}" in line
    assert str(runs["phase5"]["folder"]) in line


def test_ctrl_c_while_the_reports_are_built_leaves_every_record_whole(tmp_path):
    started = tmp_path / "allure-started"
    cli = tmp_path / "allure"
    cli.write_text(f"#!/bin/sh\ntouch '{started}'\nexec sleep 120\n")
    cli.chmod(0o755)
    run = _start(tmp_path, f"--report-dir={tmp_path / 'reports'}", env={"PHASEGATE_ALLURE_CLI": str(cli)},
                 html=True)
    deadline = time.monotonic() + 180
    while not started.exists():  # the first phase's Allure HTML is being built
        assert run.poll() is None and time.monotonic() < deadline, run.communicate()[0]
        time.sleep(0.1)
    os.killpg(run.pid, signal.SIGINT)
    output, _ = run.communicate(timeout=120)
    assert run.returncode == 2, output
    line = _one_interrupted_line(output)
    runs = _folders(tmp_path / "reports")
    for phase in ("phase4", "phase5"):  # every criterion of both phases judged and recorded, the session finished
        record = runs[phase]["record"]
        assert record["state"] == "finished", phase
        assert _judged(record) == set(record["completeness"]["phase_criteria"]), phase
    assert not (runs["phase4"]["folder"] / "manifest.json").exists()  # interrupted in its Allure build
    assert not (runs["phase5"]["folder"] / "completion-report.md").exists()  # not reached
    assert line.startswith("interrupted: Ctrl-C at the run's end, after every criterion was judged; not built for 2 "
                           "run folder(s), each run.json says what ran: ")
    assert f"`phasegate report {runs['phase5']['folder']}`" in line


def test_ctrl_c_in_a_phasegate_command_is_one_line_and_130(capsys):
    import argparse

    from phasegate.cli.base import run_command

    def interrupted(_args):
        raise KeyboardInterrupt

    assert run_command(argparse.Namespace(command="report", func=interrupted)) == 130
    assert capsys.readouterr().err == "interrupted: phasegate report stopped by Ctrl-C\n"


def test_ctrl_c_while_the_records_are_written_waits_until_they_are():
    """The run folders are written under deferred_interrupt: SIGINT is held, said afterwards, the handler restored."""
    from phasegate.pytest_plugin.interrupt import deferred_interrupt

    before = signal.getsignal(signal.SIGINT)
    written = []
    with deferred_interrupt() as deferred:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)  # the handler runs between bytecodes: the block goes on
        written.append("run.json")
    assert deferred.caught and written == ["run.json"]
    assert signal.getsignal(signal.SIGINT) is before
