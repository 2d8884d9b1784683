"""Bounded disk: Allure history per environment and phase (and sandbox world), capped; old run folders pruned.

The single-file Allure HTML embeds the whole history it is given, so capping the history
file caps the page too. History lives beside the run folders:
``reports/<env>/allure-history.<phase>.jsonl``, and for a sandbox run
``reports/sandbox/allure-history.<world>.<phase>.jsonl`` (worlds are different deployments,
phases different catalogues; their trends must not mix).
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..fileio import write_atomic
from ..record import run_record
from ..record.run_record import RunRecord

HISTORY_RUNS = 10  # runs of history kept per environment (or sandbox world), and embedded in the HTML
_RUN_FOLDER = re.compile(r"^\d{8}T\d{6}Z(-[\w-]+)?$")
_WORLD = re.compile(r"^[A-Za-z0-9_.-]+$")


def history_file(folder: Path, record: RunRecord) -> Path:
    """Where a run's Allure history is read and extended."""
    world = record.sandbox_world if record.sandbox else None
    phase = record.phase_name
    parts = [p for p in (world, phase) if p and _WORLD.match(p)]
    return folder.parent / ".".join(["allure-history", *parts, "jsonl"])


def cap_history(path: Path, keep: int = HISTORY_RUNS) -> None:
    """Keep the newest ``keep`` runs (one JSON line each) of a history file."""
    path = Path(path)
    if not path.is_file():
        return
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    if len(lines) > keep:
        write_atomic(path, "".join(ln + "\n" for ln in lines[-keep:]) if keep > 0 else "")


def is_run_folder(path: Path) -> bool:
    return path.is_dir() and bool(_RUN_FOLDER.match(path.name)) and run_record.is_run_folder(path)


def is_signed(path: Path) -> bool:
    return (path / "manifest.json.sig").exists() or (path / "signoff.json").exists()


@dataclass
class Pruned:
    environment: str
    removed: list[Path]
    kept: list[Path]
    kept_signed: list[Path]
    freed_bytes: int


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _phase_of(folder: Path) -> str:
    # An unreadable record ("") is its own group: never counted against a phase's newest runs.
    return run_record.phase_of(folder)


def prune(report_root: Path, keep: int, *, environment: str | None = None, dry_run: bool = False) -> list[Pruned]:
    """Per environment and phase, remove all but the newest ``keep`` run folders. Signed runs are evidence:
    never removed.

    Only folders that look like run folders (UTC timestamp name, a run.json) are touched; anything
    else under the report root is left alone.
    """
    if keep < 0:
        raise ValueError("--keep must be 0 or more")
    report_root = Path(report_root)
    if not report_root.is_dir():
        raise FileNotFoundError(f"{report_root}: no such report folder")
    # An environment is a folder that holds run folders (or their history): a stray folder beside them (an
    # allure-results left by a plain pytest run) is no environment and is left alone.
    envs = [report_root / environment] if environment else sorted(
        p for p in report_root.iterdir() if p.is_dir() and (any(is_run_folder(c) for c in p.iterdir())
                                                            or any(p.glob("allure-history*.jsonl"))))
    done = []
    for env in envs:
        if not env.is_dir():
            raise FileNotFoundError(f"{env}: no runs for environment {env.name}")
        by_phase: dict[str, list[Path]] = {}
        for run in sorted((p for p in env.iterdir() if is_run_folder(p)), key=lambda p: p.name, reverse=True):
            by_phase.setdefault(_phase_of(run), []).append(run)
        kept = [p for runs in by_phase.values() for p in runs[:keep]]
        old = [p for runs in by_phase.values() for p in runs[keep:]]
        signed = [p for p in old if is_signed(p)]
        removed = [p for p in old if not is_signed(p)]
        freed = sum(_size(p) for p in removed)
        if not dry_run:
            for path in removed:
                shutil.rmtree(path)
            for history in env.glob("allure-history*.jsonl"):
                cap_history(history)
        done.append(Pruned(env.name, removed, kept, signed, freed))
    return done
