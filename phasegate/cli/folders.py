"""The run folders a command names: argparse types that check RUN before a command starts, and RUN read
as ``status`` reads it (a run folder itself, or under reports/<env> the newest run of each phase). The
run record is read through :mod:`phasegate.record.run_record`."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..record import run_record


def signed_folder(value: str) -> Path:
    """A run folder for verify: run.json must exist, but is not parsed before its hash is checked
    (a tampered record is a verification failure naming the file, not an unusable input)."""
    path = Path(value).expanduser().resolve()
    if not run_record.is_run_folder(path):
        raise argparse.ArgumentTypeError(f"{value} is not a run folder (no {run_record.RUN_JSON})")
    return path


def run_folder(value: str) -> Path:
    """A run folder, relative to the current folder or absolute; its run.json must be a run record."""
    path = signed_folder(value)
    where = f"{value}/{run_record.RUN_JSON}"
    try:
        run_record.read(path, where)
    except (OSError, UnicodeDecodeError) as exc:
        raise argparse.ArgumentTypeError(f"{where} cannot be read ({type(exc).__name__})") from None
    except run_record.RecordError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return path


def newest_runs(path: Path) -> list[Path]:
    """RUN itself, or under an environment's folder (reports/<env>) the newest run of each phase."""
    if run_record.is_run_folder(path):
        return [path]
    newest: dict[str, Path] = {}
    for folder in sorted(p for p in path.glob("*/") if run_record.is_run_folder(p)):
        # An unreadable record is phase "": load_run names what is wrong with it.
        newest[run_record.phase_of(folder)] = folder  # name order is time order: the last one wins
    return sorted(newest.values())
