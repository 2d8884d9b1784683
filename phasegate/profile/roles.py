"""Services by role: which Render service plays each role (``worker``, ``api``, ``web``…) in this environment.

``RENDER_SERVICES`` names them as ``role:name`` pairs, comma-separated
(``worker:upload-worker-staging,api:upload-api-staging,web:upload-web-staging``). The older keys
keep their meaning: ``RENDER_SERVICE_NAME`` is the ``worker`` role, ``RENDER_API_SERVICE_NAME`` the
``api`` role, ``RENDER_PRODUCTION_SERVICE_NAME`` the worker's production counterpart. A key and
``RENDER_SERVICES`` naming two different services for one role stop the run, as does any pair that
is not ``role:name``; messages describe a rejected value, never show it.
"""

from __future__ import annotations

import re

from ..errors import ConfigError
from ..redact import describe
from .fields import Fields
from .model import ROLE_KEYS, SERVICES_KEY, role_key  # noqa: F401  (role_key re-exported)

ROLE = re.compile(r"[a-z][a-z0-9_-]{0,31}")
# A Render service name: letters, digits, '-', '_', '.', and spaces inside.
SERVICE_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9 ._-]{0,98}[A-Za-z0-9._-])?")
EXAMPLE = "worker:upload-worker-staging,api:upload-api-staging,web:upload-web-staging"


def _bad(fields: Fields, why: str) -> ConfigError:
    return ConfigError(f"{fields.at(SERVICES_KEY)}: {SERVICES_KEY} must list role:name pairs, comma-separated "
                       f"(e.g. {EXAMPLE}): {why}")


def _pairs(fields: Fields) -> dict[str, str]:
    """RENDER_SERVICES as role -> name, in its order."""
    raw = fields.text(SERVICES_KEY)
    if raw is None:
        return {}
    found: dict[str, tuple[int, str]] = {}
    for number, pair in enumerate(raw.split(","), start=1):
        pair = pair.strip()
        if not pair:
            raise _bad(fields, f"pair {number} is empty")
        role, colon, name = (part.strip() for part in pair.partition(":"))
        if not colon:
            raise _bad(fields, f"pair {number} has no ':' ({describe(pair)})")
        if not ROLE.fullmatch(role):
            raise _bad(fields, f"the role of pair {number} must be a lower-case word (letters, digits, _, -), got "
                               f"{describe(role)}")
        if name.startswith("rnd_") or not SERVICE_NAME.fullmatch(name):
            raise _bad(fields, f"the service name of pair {number} must be a Render service name (letters, digits, "
                               f"-, _, . and inner spaces), got {describe(name)}")
        if role in found:
            raise _bad(fields, f"pairs {found[role][0]} and {number} name the same role")
        found[role] = (number, name)
    return {role: name for role, (_, name) in found.items()}


def services(fields: Fields) -> dict[str, str]:
    """Role -> service name: RENDER_SERVICES, with the worker and the API from their own keys.

    Without any service named at all the run stops: RENDER_SERVICE_NAME (or RENDER_SERVICES) is required.
    """
    named = _pairs(fields)
    for role, key in ROLE_KEYS.items():
        value = fields.text(key)
        if value is None:
            continue
        if role in named and named[role] != value:
            raise ConfigError(f"{fields.at(key)}: {key} and {SERVICES_KEY} ({fields.at(SERVICES_KEY)}) name "
                              f"different services for the {role} role; keep one")
        named.setdefault(role, value)
    if not named:
        fields.required(ROLE_KEYS["worker"])  # raises: not set, or empty, with where to set it
    # The worker first, then the API, then the other roles in the order RENDER_SERVICES gives them.
    order = [r for r in ROLE_KEYS if r in named] + [r for r in named if r not in ROLE_KEYS]
    return {role: named[role] for role in order}
