"""What a scenario reads, per role: ``@reads`` declarations resolved step by step (pure, no pytest run)."""

from __future__ import annotations

import pytest

from phasegate.catalogue.reads import Declared, resolve, roles_of
from phasegate.snapshot import OTHER_PARTS, SERVICE_PARTS
from phasegate.snapshot.take import wanted_parts


def walk(*steps: tuple[Declared, dict]) -> tuple[set[str], str | None]:
    """A scenario's steps in order: (declaration, the step's arguments) -> (its needs, the subject at its end)."""
    needs, subject = set(), None
    for declared, arguments in steps:
        more, subject = resolve(declared, subject, arguments, SERVICE_PARTS, OTHER_PARTS)
        needs |= more
    return needs, subject


def test_a_given_naming_a_role_makes_it_the_subject_whose_parts_later_steps_read():
    needs, subject = walk((Declared(("service",), "{role}"), {"role": "web"}),
                          (Declared(("service",)), {}), (Declared(("deploys",)), {}),
                          (Declared(("custom_domains",)), {}))
    assert needs == {"web:service", "web:deploys", "web:custom_domains"} and subject == "web"


def test_the_worker_named_in_words_is_the_worker_role():
    needs, subject = walk((Declared(("service", "env"), "worker"), {}), (Declared(("secret_files",)), {}),
                          (Declared(("production",)), {}))
    assert needs == {"worker:service", "worker:env", "worker:secret_files", "worker:production"}
    assert subject == "worker"


def test_a_qualified_part_reads_another_role_and_leaves_the_subject():
    needs, subject = walk((Declared(("service", "env"), "{role}"), {"role": "web"}),
                          (Declared(("env", "{role}:service")), {"role": "api"}))
    assert needs == {"web:service", "web:env", "api:service"} and subject == "web"


def test_parts_of_no_service_are_never_qualified():
    needs, _ = walk((Declared(("worker:service", "worker:env", "database", "api:env")), {}))
    assert needs == {"worker:service", "worker:env", "database", "api:env"}


@pytest.mark.parametrize("declared, arguments, message", [
    (Declared(("deploys",)), {}, "reads 'deploys' of the service the scenario is about, and no earlier step names one"),
    (Declared(("colour",)), {}, "reads 'colour', which the snapshot does not know (known: "),
    (Declared(("service",), "{role}"), {"role": "Web App"}, "names the role 'Web App', which is not a lower-case word"),
    (Declared(("service",), "{role}"), {}, "declares the role {role} but the step has no argument 'role'"),
])
def test_a_declaration_that_cannot_be_resolved_says_why_in_one_line(declared, arguments, message):
    with pytest.raises(ValueError) as caught:
        resolve(declared, None, arguments, SERVICE_PARTS, OTHER_PARTS)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_the_snapshot_reads_per_role_and_a_session_reads_its_services_environment():
    assert roles_of({"web:service", "web:env", "database", "api:deploys"}) == {
        "api": {"deploys"}, "web": {"service", "env"}}
    assert wanted_parts(frozenset({"database", "api_database", "web:service"})) == {
        "worker": {"service", "env"}, "api": {"service", "env"}, "web": {"service"}}
