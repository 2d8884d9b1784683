"""The Phase 4 criteria catalogue (``shared/phase4-criteria.md``) as data.

The IDs are the contract between the feature files (tags), the snapshot (what to read),
the Allure results (labels, severity) and the completion report (sections).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CRITERION_TAG = re.compile(r"^P4-\d{2}$")


@dataclass(frozen=True)
class Criterion:
    id: str
    title: str
    concern: str  # the Allure feature and the report section
    severity: str  # Allure severity: critical for security and isolation
    needs: frozenset[str]  # what the snapshot must read to judge it


def _c(id_, title, concern, severity, *needs):
    return Criterion(id_, title, concern, severity, frozenset(needs))


_SERVICE = "Service configuration"
_ENV = "Environment variables"
_DB = "Database isolation"
_OPS = "Operations"

CATALOGUE: dict[str, Criterion] = {
    c.id: c
    for c in [
        _c("P4-01", "Exactly one service carries the worker's name", _SERVICE, "blocker", "service"),
        _c("P4-02", "The service has the expected id", _SERVICE, "normal", "service"),
        _c("P4-03", "The service is a background worker", _SERVICE, "critical", "service"),
        _c("P4-04", "The service runs on Docker", _SERVICE, "normal", "service"),
        _c("P4-05", "The service runs in Oregon", _SERVICE, "normal", "service"),
        _c("P4-06", "The service is on the Starter plan", _SERVICE, "normal", "service"),
        _c("P4-07", "The service is not suspended", _SERVICE, "critical", "service"),
        _c("P4-08", "The latest deploy is live", _SERVICE, "critical", "service", "deploys"),
        _c("P4-09", "The service builds from the worker Dockerfile", _SERVICE, "normal", "service"),
        _c("P4-10", "The service starts the enhanced worker runner", _SERVICE, "normal", "service"),
        _c("P4-11", "The service deploys from the staging branch", _SERVICE, "critical", "service"),
        _c("P4-12", "Auto-deploy is on", _SERVICE, "normal", "service"),
        _c("P4-20", "ENVIRONMENT names the environment", _ENV, "critical", "service", "env"),
        _c("P4-21", "Debug mode is off", _ENV, "critical", "service", "env"),
        _c("P4-22", "Log level is INFO", _ENV, "normal", "service", "env"),
        _c("P4-23", "Database connection variables are set", _ENV, "critical", "service", "env"),
        _c("P4-24", "Supabase variables are set", _ENV, "critical", "service", "env"),
        _c("P4-25", "Worker variables are set", _ENV, "normal", "service", "env"),
        _c("P4-26", "External API keys are set", _ENV, "normal", "service", "env"),
        _c("P4-27", "JWT_SECRET is absent", _ENV, "critical", "service", "env", "secret_files"),
        _c("P4-28", "No secret is shared with production", _ENV, "critical", "service", "env", "production"),
        _c("P4-29", "Service URLs are staging-specific", _ENV, "critical", "service", "env", "production"),
        _c("P4-40", "The worker's database connection works, over TLS unless local", _DB, "critical", "service", "env", "database"),
        _c("P4-41", "The staging schema exists", _DB, "critical", "service", "env", "database"),
        _c("P4-42", "The worker uses staging-specific credentials", _DB, "critical", "service", "env", "database"),
        _c("P4-43", "The worker cannot reach the production schema", _DB, "critical", "service", "env", "database"),
        _c("P4-44", "Unqualified names resolve to the staging schema", _DB, "critical", "service", "env", "database"),
        _c("P4-45", "Timeouts suit background processing", _DB, "normal", "service", "env", "database"),
        _c("P4-46", "The job queue exists with retry bookkeeping", _DB, "normal", "service", "env", "database"),
        _c("P4-47", "The worker holds live connections within its pool size", _DB, "normal", "service", "env", "database"),
        _c("P4-60", "Memory stays under the threshold", _OPS, "normal", "service", "metrics"),
        _c("P4-61", "CPU stays under the threshold", _OPS, "normal", "service", "metrics"),
        _c("P4-62", "No failure events since the deploy that is live", _OPS, "critical", "service", "deploys", "events"),
        _c("P4-63", "No job is stuck in a running state", _OPS, "normal", "service", "env", "database"),
    ]
}


def criterion_ids(tags) -> list[str]:
    """The criterion IDs among a scenario's tags or marker names."""
    return sorted({t for t in tags if CRITERION_TAG.match(t)})


def needs_of(ids) -> frozenset[str]:
    needs: set[str] = set()
    for id_ in ids:
        criterion = CATALOGUE.get(id_)
        if criterion is not None:
            needs |= criterion.needs
    return frozenset(needs)
