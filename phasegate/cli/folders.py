"""The run folders a command names: argparse types that check RUN before a command starts, and RUN read
as ``status`` reads it (a run folder itself, or under reports/<env> the newest run of each phase)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def signed_folder(value: str) -> Path:
    """A run folder for verify: run.json must exist, but is not parsed before its hash is checked
    (a tampered record is a verification failure naming the file, not an unusable input)."""
    path = Path(value).expanduser().resolve()
    if not (path / "run.json").is_file():
        raise argparse.ArgumentTypeError(f"{value} is not a run folder (no run.json)")
    return path


def run_folder(value: str) -> Path:
    """A run folder, relative to the current folder or absolute; its run.json must be readable JSON."""
    path = signed_folder(value)
    record = path / "run.json"
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise argparse.ArgumentTypeError(f"{value}/run.json cannot be read ({type(exc).__name__})") from None
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"{value}/run.json is not valid JSON (line {exc.lineno}, "
                                         f"column {exc.colno}: {exc.msg})") from None
    if not isinstance(data, dict):
        raise argparse.ArgumentTypeError(f"{value}/run.json is not a run record (expected a JSON object)")
    return path


def newest_runs(path: Path) -> list[Path]:
    """RUN itself, or under an environment's folder (reports/<env>) the newest run of each phase."""
    if (path / "run.json").is_file():
        return [path]
    newest: dict[str, Path] = {}
    for folder in sorted(p for p in path.glob("*/") if (p / "run.json").is_file()):
        try:
            phase = (json.loads((folder / "run.json").read_text()).get("phase") or {}).get("name", "")
        except (OSError, ValueError):
            phase = ""  # load_run names what is wrong with it
        newest[phase] = folder  # name order is time order: the last one wins
    return sorted(newest.values())
