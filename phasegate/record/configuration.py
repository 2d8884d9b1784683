"""The files that configured a run, with their SHA-256 as read at its end (the sign-off's attestation names them)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..catalogue.criteria import Phase, features_root


def configuration(root: Path, profile, phase: Phase, waiver_files=()) -> list[dict]:
    """The files that configured the run, with their SHA-256 as read at its end: the profile files,
    the phase's features and phase file, and the waiver file. The sign-off's attestation names them."""
    root = Path(root)
    paths = [root / name for name in profile.files]
    folder = features_root(root) / phase.name
    paths += sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in (".feature", ".yaml"))
    paths += [Path(name) if Path(name).is_absolute() else root / name for name in sorted(set(waiver_files))]
    files = []
    for path in paths:
        shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:  # named, never dropped: the attestation says it was not read
            files.append({"name": shown, "sha256": None, "error": f"cannot be read ({type(exc).__name__})"})
            continue
        files.append({"name": shown, "sha256": digest})
    return files
