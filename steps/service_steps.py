"""Steps that name the worker in words (Phase 4's sentences): the worker role, judged with the one vocabulary.

``the worker service as Render reports it`` is ``the "worker" service as Render reports it``; what
follows it (``Then its type is …``) is in :mod:`steps.service_vocabulary`.
"""

import pytest
from pytest_bdd import given, then

from phasegate.record import evidence
from phasegate.judges import service
from phasegate.catalogue.criteria import reads

from steps.subject import role_service


@given("the services Render lists under the worker's name", target_fixture="worker")
@reads("service", role="worker")
def services_by_name(snapshot, profile, services_named):
    """The services Render lists under the worker's name, however many (none, one, several).

    Example: Given the services Render lists under the worker's name
    """
    worker = role_service(snapshot, profile, "worker")
    evidence.attach_json("Render services under the worker's name", worker.redacted())
    evidence.link_service(worker.dashboard_url, snapshot.sandbox)
    return services_named.name("worker", worker)


@given("the worker service as Render reports it", target_fixture="worker")
@reads("service", role="worker")
def worker_service(snapshot, profile, services_named):
    """The worker role's service, as Render reports it (the same as Given the "worker" service as Render reports it).

    Example: Given the worker service as Render reports it
    """
    worker = role_service(snapshot, profile, "worker")
    evidence.attach_json("Render service (redacted snapshot)", snapshot.redacted())
    evidence.link_service(worker.dashboard_url, snapshot.sandbox)
    worker.service  # noqa: B018 - an ambiguous or missing service breaks the scenario here
    return services_named.name("worker", worker)


@then("its id is the one recorded for this environment")
@reads("service")
def expected_id(services_named, profile):
    """The worker's id is RENDER_SERVICE_ID (skipped when the profile records none).

    Example: Then its id is the one recorded for this environment
    """
    if services_named.subject != "worker":
        pytest.skip(f"RENDER_SERVICE_ID records the worker's id only: no expected id for the {services_named.subject} "
                    "service")
    if profile.service_id is None:
        pytest.skip(f"RENDER_SERVICE_ID is not set in {profile.where('RENDER_SERVICE_ID')}: no expected id to compare")
    service.service_field(services_named.it, "id", profile.service_id)
