"""The Supabase keys a service holds, and the database role each one acts as through the Data API.

A Supabase project's every key is a door into its database through the Data API (PostgREST): the
request runs as the database role the key names. A legacy key is a JWT whose payload carries
``role`` (``service_role``, ``anon``, or any role a custom JWT names) and ``ref`` (the project); a
new-style ``sb_secret_…`` key acts as ``service_role`` and an ``sb_publishable_…`` key as ``anon``
(neither carries its project).

:func:`held_keys` finds every such value in a service's effective environment (its own variables,
its groups', and the content of its secret files), under any variable name. A variable named like
a Supabase key (``SUPABASE_*KEY*``) whose value is not readable as one is placed by what its name
says (``SERVICE_ROLE``/``SECRET`` acts as ``service_role``, ``ANON``/``PUBLISHABLE`` as ``anon``),
and said so; one whose name says neither cannot be placed (:attr:`HeldKey.role` is None).

A :class:`HeldKey` carries the variable's name and where it lives, never the value: the value is
registered with :mod:`phasegate.redact` the moment it is found.

:func:`database_project` reads the project a database belongs to from the service's own
``DATABASE_URL`` (``db.<ref>.supabase.co``, or Supabase's pooler user ``<role>.<ref>``), and
:meth:`HeldKey.fronts` says whether a key fronts that database: a key of another project does not,
and where either project cannot be told the key is taken to front it.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import urllib.parse
from dataclasses import dataclass

from . import redact
from .identity import project_named_by

__all__ = ["HeldKey", "held_keys", "database_project", "key_role"]

_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_NEW_STYLE = re.compile(r"\bsb_(secret|publishable)_[A-Za-z0-9_-]{8,}")
_NEW_STYLE_ROLES = {"secret": "service_role", "publishable": "anon"}
_NAMED_LIKE_A_KEY = re.compile(r"SUPABASE.*KEY|KEY.*SUPABASE", re.IGNORECASE)
# What a variable's name says of the role, when its value cannot say it (first match wins).
_NAME_ROLES = (("SERVICE_ROLE", "service_role"), ("SECRET", "service_role"), ("SERVICE", "service_role"),
               ("ANON", "anon"), ("PUBLISHABLE", "anon"), ("PUBLIC", "anon"))


@dataclass(frozen=True)
class HeldKey:
    """One Supabase key a service holds: where it is, the role it acts as, its project. Never its value."""

    variable: str            # the variable's name, or "secret file <name>"
    source: str              # "service", "env group <name>", "service secret file", …
    role: str | None         # the database role it acts as; None: it could not be placed
    project: str | None      # the project ref it carries, when it carries one
    kind: str                # "JWT", "sb_secret", "sb_publishable", or "by its name"
    how: str                 # how the role was read, in words

    def fronts(self, database_project: str | None) -> bool:
        """Whether the key fronts the database of ``database_project``: the same project, or either unknown."""
        return (self.project is None or database_project is None
                or self.project.lower() == database_project.lower())

    def describe(self) -> str:
        """One line naming the key by its variable: ``SUPABASE_SERVICE_ROLE_KEY (service, JWT, acts as …)``."""
        role = f"acts as {self.role}" if self.role else "its role cannot be placed"
        project = f", project {self.project}" if self.project else ""
        return f"{self.variable} ({self.source}, {self.kind}{project}, {role})"

    def evidence(self, database_project: str | None) -> dict:
        """JSON-ready evidence of the key, without its value."""
        fronts = self.fronts(database_project)
        return {"variable": self.variable, "source": self.source, "kind": self.kind, "acts as": self.role,
                "project": self.project, "read": self.how,
                "fronts this database": fronts if self.role else None,
                **({} if fronts else {"why not": f"it belongs to project {self.project}, the database to "
                                                 f"project {database_project}: another database"})}


def _b64json(segment: str) -> dict | None:
    try:
        data = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def key_role(value: str) -> tuple[str | None, str | None, str] | None:
    """(role, project ref, kind) when ``value`` is, as a whole, a Supabase key; None when it is not one."""
    value = value.strip()
    if _NEW_STYLE.fullmatch(value):
        kind = _NEW_STYLE.fullmatch(value).group(1)
        return _NEW_STYLE_ROLES[kind], None, f"sb_{kind}"
    if _JWT.fullmatch(value):
        header, payload = (_b64json(part) for part in value.split(".")[:2])
        if header is not None and payload is not None and isinstance(payload.get("role"), str):
            ref = payload.get("ref")
            return payload["role"], ref if isinstance(ref, str) and ref else None, "JWT"
    return None


def _found_in_text(text: str) -> list[tuple[str | None, str | None, str, str]]:
    """Every key inside a longer text (a secret file): (role, ref, kind, the value)."""
    found = []
    for match in list(_JWT.finditer(text)) + list(_NEW_STYLE.finditer(text)):
        placed = key_role(match.group(0))
        if placed is not None:
            found.append((*placed, match.group(0)))
    return found


def _by_name(name: str) -> str | None:
    upper = name.upper()
    return next((role for word, role in _NAME_ROLES if word in upper), None)


def _variable_key(name: str, value: str, source: str) -> HeldKey | None:
    placed = key_role(value)
    if placed is not None:
        redact.register(value)
        role, ref, kind = placed
        return HeldKey(name, source, role, ref, kind, f"its value is a {kind} key that acts as {role}")
    if not _NAMED_LIKE_A_KEY.search(name):
        return None
    redact.register(value)
    role = _by_name(name)
    if role is None:
        return HeldKey(name, source, None, None, "by its name",
                       "named like a Supabase key, its value is not readable as one and its name names no role")
    return HeldKey(name, source, role, None, "by its name",
                   f"its value is not readable as a Supabase key: judged by its name as {role}")


def held_keys(settings, files) -> list[HeldKey]:
    """Every Supabase key among ``settings`` ((name, value, source) of the effective environment) and in
    ``files`` ((file name, content, source) of every secret file), in that order."""
    keys: list[HeldKey] = []
    for name, value, source in settings:
        if (key := _variable_key(name, value or "", source)) is not None:
            keys.append(key)
    for file_name, content, source in files:
        for role, ref, kind, value in _found_in_text(content or ""):
            redact.register(value)
            keys.append(HeldKey(f"secret file {file_name}", source, role, ref, kind,
                                f"the file holds a {kind} key that acts as {role}"))
    return keys


def database_project(url: str | None) -> str | None:
    """The Supabase project a ``DATABASE_URL`` reaches (:func:`phasegate.identity.project_named_by`); None when it
    cannot be told."""
    if not url:
        return None
    try:
        parts = urllib.parse.urlsplit(url)
        host, user = parts.hostname or "", urllib.parse.unquote(parts.username or "")
        options = urllib.parse.parse_qs(parts.query).get("options", [""])[0]
    except ValueError:
        return None
    return project_named_by(user, host, options)
