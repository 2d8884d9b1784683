"""Who a database session must be: the role the service's own ``DATABASE_URL`` names on Render.

The runner may reach the database by another route than the service's own URL
(``PHASEGATE_DATABASE_URL``, ``PHASEGATE_API_DATABASE_URL``, ``PHASEGATE_CANARY_DATABASE_URL``,
the sandbox's own route). A route is not an identity: the role whose privileges a criterion
judges is always the user of the service's own ``DATABASE_URL`` as Render reports it. Every
session reads ``current_user`` and ``session_user`` back before its first judged read (the
canary before its first write) and :func:`mismatch` says, in one line naming both roles, why
it must go no further when either is another role.

:func:`role_named_by` turns a URL's user into the role it logs in as. Supabase's pooler
(Supavisor) takes the tenant from the user name: ``<role>.<project-ref>`` logs in as
``<role>``; Supavisor splits at the *last* dot (``HandlerHelpers.parse_user_info``), unless
the startup options name the tenant (``reference=<ref>``: the user is then the role as
written). A dot is legal in a PostgreSQL role name, so the suffix is removed only where it
can be a project ref:

* the host is Supabase's pooler (``*.pooler.supabase.com``): the part after the last dot;
* the host is a project's own (``db.<ref>.supabase.co``, its dedicated pooler included) and
  the user ends in ``.<ref>`` of that same host: that suffix.

Anywhere else the user is the role as written: PgBouncer (the sandbox's pooler too) and a
direct connection pass the user to PostgreSQL unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SUPAVISOR_HOST = re.compile(r"(^|\.)pooler\.supabase\.com\.?$", re.IGNORECASE)
PROJECT_HOST = re.compile(r"^db\.(?P<ref>[a-z0-9]+)\.supabase\.co\.?$", re.IGNORECASE)


def role_named_by(user: str, host: str | None, options: str | None = None) -> tuple[str, str | None]:
    """(the role a URL's user logs in as, how it was read from the user when not as written)."""
    host = (host or "").split(",")[0].strip()
    if SUPAVISOR_HOST.search(host):
        if "reference=" in (options or ""):
            return user, None  # the tenant comes from the startup options: the user is the role
        name = user.split(".cluster.", 1)[0] if ".cluster." in user else user.rpartition(".")[0]
        if name:
            return name, f"the user {user!r} through Supabase's pooler names the role {name!r}"
        return user, None
    project = PROJECT_HOST.match(host)
    if project and user.lower().endswith("." + project.group("ref").lower()):
        name = user[: -len(project.group("ref")) - 1]
        return name, f"the user {user!r} at project {project.group('ref')} names the role {name!r}"
    return user, None


def project_named_by(user: str, host: str | None, options: str | None = None) -> str | None:
    """The Supabase project a URL names (its host ``db.<ref>.supabase.co``, the tenant suffix of a pooler user as
    :func:`role_named_by` strips it, or the pooler's ``reference=<ref>`` option); None when none does."""
    host = (host or "").split(",")[0].strip()
    if project := PROJECT_HOST.match(host):
        return project.group("ref").lower()
    if not SUPAVISOR_HOST.search(host):
        return None
    if reference := re.search(r"reference=([a-z0-9]+)", options or "", re.IGNORECASE):
        return reference.group(1).lower()
    role, how = role_named_by(user, host, options)
    suffix = user[len(role) + 1:] if how and user.startswith(role + ".") else ""
    return suffix.lower() if re.fullmatch(r"[a-z0-9]+", suffix, re.IGNORECASE) else None


@dataclass(frozen=True)
class ExpectedRole:
    """The role a session must log in as, where that name comes from, and the route used to get there.

    No URL and no password: ``source`` and ``route`` are words (``the worker's own DATABASE_URL on
    Render``, ``PHASEGATE_DATABASE_URL from the process environment``).
    """

    role: str
    source: str
    route: str
    how: str | None = None  # how the role was read from the user (Supabase's pooler), when not as written

    def identity(self, current_user: str, session_user: str) -> dict:
        """The evidence of the check: the route, the expected role and what the session read back."""
        return {"route": self.route, "expected_role": self.role, "expected_from": self.source,
                **({"read_as": self.how} if self.how else {}),
                "current_user": current_user, "session_user": session_user,
                "matched": current_user == self.role and session_user == self.role}

    def mismatch(self, current_user: str, session_user: str) -> str | None:
        """One line naming both roles when the session is not the expected role; None when it is."""
        if current_user == self.role and session_user == self.role:
            return None
        seen = (f"{current_user!r}" if current_user == session_user
                else f"current_user {current_user!r} (session_user {session_user!r})")
        return (f"the session through {self.route} is {seen}, not {self.role!r}, the role {self.source} names "
                f"(a route is not an identity)")

    def __str__(self) -> str:
        return f"{self.role} ({self.source})"
