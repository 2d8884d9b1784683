"""What ran and what it read: the suite's commit and package versions, and where each read went.

Only where and how, never a secret: the run folder's ``run.json`` keeps it, and the completion
report, the manifest and the attestation read it back.
"""

from __future__ import annotations

import subprocess
from importlib import metadata
from pathlib import Path

from .. import __version__

PACKAGES = ("phasegate", "pytest", "pytest-bdd", "allure-pytest-bdd", "httpx", "psycopg", "python-dotenv")
REPOSITORY = Path(__file__).resolve().parents[2]  # the suite's checkout: its commit names the code that ran


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
        "suite": {"version": __version__, "commit": commit, "modified": git_modified(REPOSITORY)},
        "profile": {"files": list(profile.files), "from_process_environment": list(profile.from_environment),
                    "api_url_declared_real": profile.api_url_is_real},
    }


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
