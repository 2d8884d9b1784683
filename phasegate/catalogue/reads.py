"""What a step definition needs the snapshot to have read, per service role: ``@reads``.

A step declares parts (``@reads("service", "env")``). A part of a service is read for a *role*:

- ``role="worker"`` (or ``role="{role}"``: the step's argument named ``role``) gives the parts that
  role, and makes it the service the scenario is about from that step on (its *subject*: what
  ``Then its type is …`` judges);
- an unqualified part with no ``role`` is the subject's, named by an earlier step of the scenario;
- a qualified part (``"api:deploys"``, ``"{role}:service"``) is that role's and leaves the subject as it is.

Parts that are not a service's (a database session) are never qualified. :func:`resolve` turns a
scenario's steps, in order, into the snapshot's needs: ``"worker:env"``, ``"web:custom_domains"``,
``"database"``; a public endpoint's probe is a need of its own (``"probe GET api /healthz"``). Pure: collection (``phasegate.pytest_plugin.introspection``) parses the arguments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

READS = "__phasegate_reads__"
ARGUMENT = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
ROLE = re.compile(r"[a-z][a-z0-9_-]{0,31}")
PROBE = "probe "  # a need that is a public endpoint's, not a service's: "probe GET {role} {path}"


@dataclass(frozen=True)
class Declared:
    """One step definition's declaration: its parts as written, and the role it names (None: the subject's)."""

    parts: tuple[str, ...]
    role: str | None = None

    def shown(self) -> str:
        """The declaration in words, for the vocabulary: ``service, env of "{role}"``."""
        if not self.parts:
            return "nothing more"
        whose = f' of the "{self.role}" service' if self.role else ""
        return ", ".join(self.parts) + whose


def reads(*parts: str, role: str | None = None):
    """Declare what a step definition needs the snapshot to have read (none: ``@reads()``).

    Put it under ``@given``/``@then``. The union over a scenario's steps is what the
    snapshot reads for it; a step without a declaration stops the run at collection.
    """

    def mark(func):
        setattr(func, READS, Declared(tuple(parts), role))
        return func

    return mark


def declared_reads(func) -> Declared | None:
    return getattr(func, READS, None)


def _role(spec: str, arguments: dict[str, str]) -> str:
    """A role as declared (``worker``) or taken from the step's arguments (``{role}``)."""
    match = ARGUMENT.fullmatch(spec)
    if match is None:
        return spec
    if match.group(1) not in arguments:
        raise ValueError(f"declares the role {spec} but the step has no argument {match.group(1)!r}")
    return arguments[match.group(1)]


def resolve(declared: Declared, subject: str | None, arguments: dict[str, str], service_parts: frozenset[str],
            other_parts: frozenset[str]) -> tuple[set[str], str | None]:
    """(the needs one step adds, the subject after it). ``ValueError`` (one line, no location) when the
    declaration cannot be resolved: an unknown part, a role that is not a lower-case word, or a part of the
    subject when no earlier step names one."""
    role = _role(declared.role, arguments) if declared.role is not None else None
    if role is not None and not ROLE.fullmatch(role):
        raise ValueError(f"names the role {role!r}, which is not a lower-case word (letters, digits, _, -)")
    needs: set[str] = set()
    for part in declared.parts:
        if part.startswith(PROBE):  # a public endpoint (phasegate.endpoints.probe): its arguments filled in
            needs.add(ARGUMENT.sub(lambda m: _role(m.group(0), arguments), part))
            continue
        qualifier, _, name = part.rpartition(":")
        if name in other_parts and not qualifier:
            needs.add(name)
            continue
        if name not in service_parts:
            known = ", ".join(sorted(service_parts | other_parts))
            raise ValueError(f"reads {part!r}, which the snapshot does not know (known: {known})")
        whose = _role(qualifier, arguments) if qualifier else role or subject
        if whose is None:
            raise ValueError(f"reads {name!r} of the service the scenario is about, and no earlier step names "
                             'one (e.g. Given the "web" service as Render reports it)')
        if not ROLE.fullmatch(whose):
            raise ValueError(f"names the role {whose!r}, which is not a lower-case word (letters, digits, _, -)")
        needs.add(f"{whose}:{name}")
    return needs, role if role is not None else subject


def roles_of(needs) -> dict[str, set[str]]:
    """Role -> the parts the needs ask of it, in the order roles first appear (sorted needs)."""
    found: dict[str, set[str]] = {}
    for need in sorted(needs):
        if need.startswith(PROBE):
            continue
        role, colon, part = need.partition(":")
        if colon:
            found.setdefault(role, set()).add(part)
    return found
