"""The sandbox's own settings: the default world, the placeholders of its roles, and the check of fault names.

Plain strings in, :class:`~phasegate.errors.ConfigError` out (one line naming where the value
came from). World names are checked against the catalogue (:func:`phasegate.sandbox.session.check_world`).
The profile loader calls these; nothing here knows what a profile is.
"""

from __future__ import annotations

from ..errors import ConfigError
from .faults import Faults

DEFAULT_WORLD = "compliant"
PRACTICE_DRIFT_WORLD = "P4-43-public-usage"  # phasegate practice's later run: a world that drifts a signed phase

# Every sandbox role a route key (PHASEGATE_DATABASE_URL, PHASEGATE_API_DATABASE_URL,
# PHASEGATE_CANARY_DATABASE_URL) may name in a sandbox profile, as the sandbox's role names it:
# how tests give a route that logs in as another role than the service's own.
SANDBOX_API_DATABASE_URL = "{{SANDBOX_API_DATABASE_URL}}"
SANDBOX_ROLE_URLS = {
    "{{SANDBOX_WORKER_DATABASE_URL}}": "upload_worker_staging",
    SANDBOX_API_DATABASE_URL: "upload_api_staging",
    "{{SANDBOX_PRODUCTION_DATABASE_URL}}": "upload_worker_prod",
}


def check_faults(where: str, spec: str) -> None:
    try:
        Faults.parse(spec)
    except ValueError as exc:
        raise ConfigError(f"{where}: PHASEGATE_SANDBOX_FAULTS: {exc}") from None
