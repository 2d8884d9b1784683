"""The run folder: what one pytest session concluded, kept for the reports and the sign-off.

``reports/<env>/<UTC timestamp>/`` holds a copy of the Allure results (with
``environment.properties``, ``executor.json`` and ``categories.json``) and ``run.json``:
every criterion's outcome, every scenario's message, the redacted snapshot, and what ran
(suite commit, package versions). Everything written here is scrubbed of secret values.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import shutil
import socket
import subprocess
from importlib import metadata
from pathlib import Path
from urllib.parse import urlparse

from . import __version__, redact
from .catalogue.criteria import Phase, features_root
from .timefmt import utc_now, zulu  # utc_now re-exported: the plugin stamps its session with it

PACKAGES = ("phasegate", "pytest", "pytest-bdd", "allure-pytest-bdd", "httpx", "psycopg", "python-dotenv")

CATEGORIES = [
    {"name": "Criterion violated", "matchedStatuses": ["failed"],
     "description": "The target was read and a criterion does not hold: expected vs actual in the message."},
    {"name": "Target unreachable or refusing", "matchedStatuses": ["broken"],
     "description": "Render or the database could not be read; nothing was judged."},
    {"name": "Configuration missing", "matchedStatuses": ["skipped"],
     "description": "An optional setting of the profile is not set; the reason names it."},
]


def git_commit(root: Path) -> str:
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5)
        return done.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def git_modified(root: Path) -> bool | None:
    """Whether tracked files differ from the commit: a commit alone does not name the code that ran."""
    try:
        done = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                              capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return bool(done.stdout.strip()) if done.returncode == 0 else None


def package_versions() -> dict[str, str]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _scrubbed_json(data) -> str:
    return redact.scrub(json.dumps(data, indent=2, sort_keys=True, default=str))


def _new_folder(report_root: Path, env: str, moment: _dt.datetime, phase: Phase) -> Path:
    """reports/<env>/<UTC timestamp>-<phase>: newest last in name order, and the name says which phase."""
    stem = moment.strftime("%Y%m%dT%H%M%SZ") + f"-{phase.name}"
    folder = report_root / env / stem
    suffix = 1
    while folder.exists():  # two runs in one second keep both folders
        suffix += 1
        folder = report_root / env / f"{stem}-{suffix}"
    folder.mkdir(parents=True)
    return folder


def start_run_folder(profile, phase: Phase, *, report_root: Path, selection: dict,
                     started: _dt.datetime | None = None) -> Path:
    """The run folder, created before the first criterion runs, with a run.json that says "running".

    A session killed before its end leaves this record behind: the run reads as interrupted
    (partial) wherever it is shown, and can never be signed.
    """
    started = started or utc_now()
    folder = _new_folder(report_root, profile.name, started, phase)
    run = {"format": 2, "state": "running", "phase": phase.to_dict(), "environment": profile.name,
           "profile": profile.source,
           "sandbox": profile.sandbox, "started_at": zulu(started), "selection": selection,
           "phasegate_version": __version__}
    (folder / "run.json").write_text(_scrubbed_json(run))
    return folder


def provenance(profile, *, render: dict, snapshot, commit: str) -> dict:
    """What the run actually read, as connected: no secret, only where and how."""
    database = _connected(getattr(snapshot, "database", None), getattr(snapshot, "database_source", None),
                          getattr(snapshot, "database_identity", None))
    api_database = _connected(getattr(snapshot, "api_database", None), getattr(snapshot, "api_database_source", None),
                              getattr(snapshot, "api_database_identity", None))
    return {
        "render": render,
        "database": database,
        **({"api_database": api_database} if api_database is not None else {}),  # the API's own session (Phase 5)
        "suite": {"version": __version__, "commit": commit,
                  "modified": git_modified(Path(__file__).resolve().parent.parent)},
        "profile": {"files": list(profile.files), "from_process_environment": list(profile.from_environment),
                    "api_url_declared_real": profile.api_url_is_real},
    }


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


def _connected(facts, source: str | None, identity: dict | None = None) -> dict | None:
    """Where a database session went, as connected (no secret), through which connection string, and
    whether it was the role the service's own DATABASE_URL names (``role``: expected, as read back, matched)."""
    role = {"role": {k: identity.get(k) for k in ("expected_role", "expected_from", "current_user",
                                                   "session_user", "matched")}} if identity else {}
    if facts is not None:
        target = facts.target
        return {"host": target.host, "port": target.port, "dbname": target.dbname, "tls": facts.tls_in_use,
                "source": source, **role}
    if source is not None:
        return {"host": None, "port": None, "dbname": None, "tls": None, "source": source, "not_connected": True,
                **role}
    return None


def write_run_folder(profile, phase: Phase, *, outcomes: dict, scenarios: list, snapshot, allure_dir, report_root: Path,
                     exit_status: int, render: dict | None = None, folder: Path | None = None,
                     state: str = "finished", completeness: dict | None = None,
                     sandbox: bool | None = None, selection: dict | None = None,
                     session_phases: list[str] | None = None) -> Path:
    """Write the run's record. ``render`` holds the request statistics and the provenance of the API read."""
    finished = utc_now()
    if folder is None:
        folder = _new_folder(report_root, profile.name, finished, phase)
    elif (folder / "allure-results").exists():
        shutil.rmtree(folder / "allure-results")
    render = dict(render or {})
    sandbox = profile.sandbox if sandbox is None else sandbox
    root = Path(__file__).resolve().parent.parent
    commit = git_commit(root)
    redacted = snapshot.redacted() if snapshot is not None else None
    api_url = render.get("api_url") or profile.render_api_url
    service_id = None
    if redacted and len(redacted["staging"]["matches"]) == 1:
        service_id = redacted["staging"]["matches"][0]["id"]

    results = folder / "allure-results"
    if allure_dir and Path(allure_dir).is_dir():
        _write_allure_extras(Path(allure_dir), profile, commit, redacted, service_id, api_url, sandbox)
        copy_allure_results(Path(allure_dir), results, set(phase.criteria))
    else:
        results.mkdir()

    criteria = {}
    for cid in sorted(outcomes):
        criterion = phase.criteria.get(cid)
        criteria[cid] = {
            "title": criterion.title if criterion else cid,
            "concern": criterion.concern if criterion else "",
            "severity": criterion.severity if criterion else "normal",
            "outcome": outcomes[cid],
            "scenarios": [s for s in scenarios if cid in s["criteria"]],
        }
    run = {
        "format": 2,
        "state": state,
        "phase": phase.to_dict(),
        "phasegate_version": __version__,
        "git_commit": commit,
        "packages": package_versions(),
        "environment": profile.name,
        "sandbox": sandbox,
        "sandbox_world": profile.sandbox_world if profile.sandbox else None,
        "profile": profile.source,
        "api_url": api_url,
        "service_name": profile.service_name,
        "service_id": service_id,
        "production_service_name": profile.production_service_name,
        "database_source": redacted.get("database", {}).get("source") if redacted else None,
        "finished_at": zulu(finished),
        "snapshot_taken_at": redacted["taken_at"] if redacted else None,
        "exit_status": exit_status,
        "render": {k: render.get(k) for k in ("requests", "ratelimit_remaining_min")},
        "provenance": provenance(profile, render={k: v for k, v in render.items()
                                                  if k not in ("requests", "ratelimit_remaining_min")},
                                 snapshot=snapshot, commit=commit),
        "selection": selection or {},
        # The phases judged by the same pytest session (each has its own run folder, same snapshot).
        "session_phases": session_phases or [phase.name],
        "completeness": completeness or {},
        "criteria": criteria,
        "policy": [s for s in scenarios if s["criteria"] == ["policy"]],
        "snapshot": redacted,
    }
    (folder / "run.json").write_text(_scrubbed_json(run))
    return folder


def copy_allure_results(source: Path, target: Path, criteria: set[str]) -> None:
    """Copy the Allure results that belong to one phase: its criteria's results and the environment policy's.

    A session judging several phases writes one Allure folder; each phase's run folder (and its
    HTML, and what its signature covers) holds only that phase's results, their attachments and
    containers, plus the run-wide files (environment, executor, categories).
    """
    target.mkdir(parents=True, exist_ok=True)
    records, others = {}, []  # result and container files, read once; everything else
    for path in sorted(source.iterdir()):
        if path.name.endswith(("-result.json", "-container.json")):
            records[path] = json.loads(path.read_text(encoding="utf-8"))
        elif path.is_file():
            others.append(path)
    kept_uuids, attachments = set(), set()
    for path, data in records.items():
        if path.name.endswith("-result.json"):
            tags = {label.get("value") for label in data.get("labels", []) if label.get("name") == "tag"}
            if tags & criteria or "policy" in tags:
                kept_uuids.add(data.get("uuid"))
                attachments |= _attachment_sources(data)
                shutil.copy2(path, target / path.name)
    for path, data in records.items():
        if path.name.endswith("-container.json") and set(data.get("children") or []) & kept_uuids:
            attachments |= _attachment_sources(data)
            shutil.copy2(path, target / path.name)
    referenced = set().union(*(_attachment_sources(data) for data in records.values()))
    for path in others:  # an attachment goes with its result; a run-wide file goes everywhere
        if path.name in attachments or path.name not in referenced:
            shutil.copy2(path, target / path.name)


def _attachment_sources(node) -> set[str]:
    """Every attachment file a result or container names, at any depth of its steps."""
    found: set[str] = set()
    if isinstance(node, dict):
        for attachment in node.get("attachments") or []:
            if isinstance(attachment, dict) and attachment.get("source"):
                found.add(attachment["source"])
        for value in node.values():
            if isinstance(value, (dict, list)):
                found |= _attachment_sources(value)
    elif isinstance(node, list):
        for value in node:
            found |= _attachment_sources(value)
    return found


def _write_allure_extras(allure_dir: Path, profile, commit: str, redacted, service_id, api_url: str,
                         sandbox: bool) -> None:
    props = {
        "environment": profile.name + (" (SANDBOX)" if sandbox else ""),
        "api.host": urlparse(api_url).netloc,
        "service.name": profile.service_name,
        "service.id": service_id or "unknown",
        "suite.version": __version__,
        "suite.commit": commit,
        "snapshot.time": (redacted or {}).get("taken_at") or "not taken",
    }
    lines = [f"{k}={redact.scrub(str(v))}" for k, v in props.items()]
    (allure_dir / "environment.properties").write_text("\n".join(lines) + "\n")
    (allure_dir / "categories.json").write_text(json.dumps(CATEGORIES, indent=2))
    executor = {
        "name": "GitHub Actions" if os.environ.get("GITHUB_ACTIONS") else socket.gethostname(),
        "type": "github" if os.environ.get("GITHUB_ACTIONS") else "local",
        "buildName": f"phasegate {profile.name} {utc_now().isoformat()}",
    }
    if os.environ.get("GITHUB_RUN_ID"):
        server = os.environ.get("GITHUB_SERVER_URL", "")
        repo = os.environ.get("GITHUB_REPOSITORY", "")
        executor["buildUrl"] = f"{server}/{repo}/actions/runs/{os.environ['GITHUB_RUN_ID']}"
    (allure_dir / "executor.json").write_text(json.dumps(executor, indent=2))
