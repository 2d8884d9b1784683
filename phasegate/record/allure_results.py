"""The run folder's Allure results: one phase's results copied, and the run-wide files beside them.

The run-wide files are ``environment.properties`` (the target and the suite, scrubbed),
``categories.json`` (failed, broken, skipped as phasegate means them) and ``executor.json``
(where the run ran: GitHub Actions or this host).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
from pathlib import Path
from urllib.parse import urlparse

from .. import __version__, redact
from ..timefmt import utc_now
from .judged import allure_properties

CATEGORIES = [
    {"name": "Criterion violated", "matchedStatuses": ["failed"],
     "description": "The target was read and a criterion does not hold: expected vs actual in the message."},
    {"name": "Target unreachable or refusing", "matchedStatuses": ["broken"],
     "description": "Render or the database could not be read; nothing was judged."},
    {"name": "Configuration missing", "matchedStatuses": ["skipped"],
     "description": "An optional setting of the profile is not set; the reason names it."},
]


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


def write_allure_extras(allure_dir: Path, profile, commit: str, redacted, service_id, api_url: str,
                        sandbox: bool, judged: list[dict] | None = None) -> None:
    """The run-wide files, written into the session's Allure folder (so its own HTML has them too); the
    environment names what the phase judged (``judged``: each service's live deploy, commit and image)."""
    props = {
        "environment": profile.name + (" (SANDBOX)" if sandbox else ""),
        "api.host": urlparse(api_url).netloc,
        "service.name": profile.service_name,
        "service.id": service_id or "unknown",
        "suite.version": __version__,
        "suite.commit": commit,
        "snapshot.time": (redacted or {}).get("taken_at") or "not taken",
        **allure_properties(judged or []),
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
