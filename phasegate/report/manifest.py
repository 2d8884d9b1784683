"""``manifest.json``: every criterion's verdict and the SHA-256 of every file of the run folder.

The sign-off signs the manifest; the manifest covers the reports and the evidence. So a
signature that verifies, over a manifest whose hashes all match, proves that nothing in
the folder changed since it was signed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .. import redact
from ..record import run_record
from .gate import assess
from .model import MANIFEST, SIGNATURE, Run, iso

EXCLUDED = {MANIFEST, SIGNATURE}


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


def listed_files(folder: Path) -> list[str]:
    """Every file of the run folder the manifest covers, as sorted POSIX paths relative to it."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.is_file() and p.relative_to(folder).as_posix() not in EXCLUDED)


def build(run: Run, *, html: dict, signoff: dict | None) -> dict:
    d = run.record
    criteria = {}
    for res in run.results.values():
        if res.judged is None:
            criteria[res.id] = {"title": res.title, "outcome": "not applicable", "status": "not applicable"}
        else:
            criteria[res.id] = {"title": res.title, **res.judged.to_dict()}
            if res.partly:
                criteria[res.id]["partly"] = res.partly
    folder = run.folder
    return {
        "format": 1,
        "run": folder.name,
        "environment": d.environment,
        "phase": {"name": run.phase.name, "title": run.phase.title},  # a signature covers one phase's criteria
        "sandbox": run.sandbox,
        "sandbox_world": d.sandbox_world,
        "service_name": d.service_name,
        "service_id": d.service_id,
        "judged_services": run_record.judged_to_json(d.judged_services),  # each one's live deploy, commit, image
        "api_url": d.api_url,
        "finished_at": d.finished_at,
        "snapshot_taken_at": d.snapshot_taken_at,
        "judged_as_of": iso(run.as_of),
        "suite_commit": d.git_commit,
        "phasegate_version": d.phasegate_version,
        "packages": d.packages or {},
        "counts": run.counts(),
        "state": run.state,
        "provenance": run.provenance,
        "gate": assess(run).to_dict(),
        "criteria": criteria,
        "allure_html": html,
        "signoff": signoff,
        "files": {rel: sha256(folder / rel) for rel in listed_files(folder)},
    }


def write(folder: Path, manifest: dict) -> None:
    text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    (folder / MANIFEST).write_text(redact.scrub(text), encoding="utf-8")


def read(folder: Path) -> dict:
    return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))


def first_mismatch(folder: Path, manifest: dict) -> str | None:
    """The first file (in manifest order, then unlisted files) that no longer matches, and how; None if all do.

    Reads "<file>: changed", "<file>: missing" or "<file>: added": a file added to a run folder is
    named as added, not as one that "does not match".
    """
    files = manifest.get("files") or {}
    for rel in sorted(files):
        path = folder / rel
        if not path.is_file():
            return f"{rel}: missing (listed in manifest.json)"
        if sha256(path) != files[rel]:
            return f"{rel}: changed (its SHA-256 differs from manifest.json)"
    extra = [rel for rel in listed_files(folder) if rel not in files]
    if extra:
        return f"{extra[0]}: added (not in manifest.json)"
    return None
