"""The features are the catalogue: what phasegate derives from them, and the run stopping on an inconsistent one."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from acceptance import ROOT
from phasegate.catalogue.criteria import CatalogueError, load_phase, load_phases


def copy_repo(tmp_path: Path) -> Path:
    """The suite's own files in a scratch folder, to be broken on purpose."""
    repo = tmp_path / "repo"
    for name in ("conftest.py", "pyproject.toml"):
        shutil.copy(ROOT / name, repo / name if repo.exists() else (repo.mkdir() or repo / name))
    for name in ("features", "steps", "environments"):
        shutil.copytree(ROOT / name, repo / name, ignore=shutil.ignore_patterns("__pycache__", "*.local.env"))
    return repo


def collect(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                           "-m", "staging", "--env", "sandbox", *args], cwd=repo, capture_output=True, text=True,
                          timeout=120)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def test_phase4_is_derived_from_its_features():
    phase = load_phase(ROOT, "phase4")
    assert (phase.title, phase.prefix, len(phase.criteria)) == ("Phase 4", "P4", 41)
    p403 = phase.criteria["P4-03"]
    assert (p403.title, p403.concern, p403.severity) == ("The service is a background worker",
                                                         "Service configuration", "critical")
    assert phase.criteria["P4-01"].severity == "blocker" and phase.criteria["P4-02"].severity == "normal"


def test_no_criterion_is_listed_by_hand_in_the_code():
    offenders = []
    for path in [*(ROOT / "phasegate").rglob("*.py"), ROOT / "pyproject.toml"]:
        if "sandbox" in path.parts:
            continue  # worlds are named after the criterion they violate
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if "P4-" in line or "P5-" in line:
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_markers_are_registered_from_the_features():
    done = subprocess.run([sys.executable, "-m", "pytest", "--markers", "-p", "no:cacheprovider"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert "@pytest.mark.P4-43: Phase 4 criterion P4-43" in done.stdout
    assert "@pytest.mark.critical:" in done.stdout


@pytest.mark.parametrize("case, change, expected", [
    ("duplicate ID", ("service.feature", "@P4-02 @staging", "@P4-01 @staging"),
     "features/phase4/service.feature:15: duplicate criterion ID P4-01 (also features/phase4/service.feature:8)"),
    ("scenario without an ID", ("service.feature", "@P4-04 @staging", "@staging"),
     "scenario 'The service runs on Docker' has no criterion ID tag (@P4-NN)"),
    ("ID of another phase", ("service.feature", "@P4-04 @staging", "@P9-04 @staging"),
     "P9-04 does not carry the phase's prefix P4"),
    ("ID without a scenario", ("phase.yaml", "lines: [P4-62, P4-64, P4-65, P4-66]", "lines: [P4-62, P4-64, P4-65, P4-66, P4-99]"),
     "P4-99 is named but no scenario carries it"),
    ("criterion in no section of the report", ("phase.yaml", "lines: [P4-62, P4-64, P4-65, P4-66]", "lines: []"),
     "P4-62 (features/phase4/operations.feature:"),
])
def test_an_inconsistent_catalogue_stops_the_run_with_one_line(tmp_path, case, change, expected):
    repo = copy_repo(tmp_path)
    file, old, new = change
    edit(repo / "features" / "phase4" / file, old, new)
    with pytest.raises(CatalogueError) as error:
        load_phases(repo)
    assert expected in str(error.value)
    done = collect(repo)
    assert done.returncode == 4, done.stdout + done.stderr
    assert expected in done.stderr and "Traceback" not in done.stderr, done.stderr


def test_a_step_that_does_not_declare_what_it_reads_stops_the_run(tmp_path):
    repo = copy_repo(tmp_path)
    edit(repo / "steps" / "service_vocabulary.py", '@reads("service")\ndef not_suspended', 'def not_suspended')
    done = collect(repo)
    assert done.returncode == 4, done.stdout + done.stderr
    assert ("features/phase4/service.feature:55: step Then 'it is not suspended' "
            "(steps.service_vocabulary.not_suspended) does not declare what it reads: @reads(...)") in done.stderr


def test_a_step_that_reads_an_unknown_part_stops_the_run(tmp_path):
    repo = copy_repo(tmp_path)
    edit(repo / "steps" / "service_vocabulary.py", '@reads("service")\ndef not_suspended',
         '@reads("rumours")\ndef not_suspended')
    done = collect(repo)
    assert done.returncode == 4, done.stdout + done.stderr
    assert ("step Then 'it is not suspended' (steps.service_vocabulary.not_suspended) reads 'rumours', which the "
            "snapshot does not know") in done.stderr


def test_the_snapshot_reads_the_union_of_what_the_selected_steps_declare(tmp_path):
    """P4-08 alone: the worker service and its deploys, no env, no database (the sandbox builds none)."""
    from acceptance import run_suite

    run = run_suite(tmp_path, "-m", "staging and P4-08", "--env", "sandbox")
    assert run.returncode == 0, run.stdout[-2000:]
    paths = {r["path"].split("?")[0].rsplit("/", 1)[-1] for r in run.requests}
    assert "deploys" in paths and "env-vars" not in paths and "events" not in paths, paths


def test_every_criterion_says_how_to_fix_it():
    """A failure says what to change: every scenario of every phase has a "Fix:" paragraph."""
    from phasegate.catalogue.criteria import load_phase

    missing = [cid for name in ("phase4", "phase5") for cid, c in load_phase(ROOT, name).criteria.items() if not c.fix]
    assert missing == []


def test_a_fix_is_the_description_paragraph_from_its_word_on():
    from phasegate.catalogue.criteria import fix_of

    assert fix_of("What it checks.\nFix: ALTER ROLE w\n  SET x = 1;") == "ALTER ROLE w SET x = 1;"
    assert fix_of("What it checks.") == "" and fix_of(None) == ""
