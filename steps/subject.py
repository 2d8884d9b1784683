"""The service a scenario is about: the role its last ``Given`` named, which ``Then its …`` steps judge.

``services_named`` (a fixture per scenario) holds every role a step of the scenario named and the
latest one, its subject. Collection follows the same rule to know what each scenario reads
(``phasegate.catalogue.reads``). :func:`role_service` is a role's service snapshot, or a skip that
names the profile key to set when the profile names no service for that role.
"""

from __future__ import annotations

import pytest

from phasegate.snapshot import NotJudgeable, ServiceSnapshot


class NamedServices:
    """The roles a scenario named, in order; the last one is the subject. Its repr is short and holds no secret."""

    def __init__(self) -> None:
        self.roles: dict[str, ServiceSnapshot] = {}
        self.subject: str | None = None

    def name(self, role: str, target: ServiceSnapshot) -> ServiceSnapshot:
        """``target`` plays ``role`` in this scenario and is, from now on, what ``its …`` steps judge."""
        self.roles[role] = target
        self.subject = role
        return target

    @property
    def it(self) -> ServiceSnapshot:
        """The service the scenario is about (the role its latest Given named)."""
        if self.subject is None:
            raise NotJudgeable("cannot judge: no step before this one names the service the scenario is about "
                               '(e.g. Given the "web" service as Render reports it)')
        return self.roles[self.subject]

    def __repr__(self) -> str:
        return f"<services named: {', '.join(self.roles) or 'none'}>"


@pytest.fixture
def services_named() -> NamedServices:
    """The services the running scenario's steps named (a fresh holder per scenario)."""
    return NamedServices()


def role_service(snapshot, profile, role: str) -> ServiceSnapshot:
    """The service playing ``role`` in this run: a skip naming the key to set when the profile names none."""
    if role not in profile.services:
        pytest.skip(profile.role_unnamed(role))
    target = snapshot.role(role)
    if target is None:  # named, yet not read: the step's @reads does not declare it
        raise NotJudgeable(f"cannot judge: the {role} service {profile.services[role]!r} was not read in this run")
    return target
