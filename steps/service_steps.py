"""Steps for the service configuration criteria, read from Render."""

import pytest
from pytest_bdd import given, parsers, then

from phasegate.record import evidence
from phasegate.judges import service
from phasegate.catalogue.criteria import reads


@given("the services Render lists under the worker's name", target_fixture="worker")
@reads("service")
def services_by_name(snapshot):
    evidence.attach_json("Render services under the worker's name", snapshot.staging.redacted())
    evidence.link_service(snapshot.staging.dashboard_url, snapshot.sandbox)
    return snapshot.staging


@given("the worker service as Render reports it", target_fixture="worker")
@reads("service")
def worker_service(snapshot):
    evidence.attach_json("Render service (redacted snapshot)", snapshot.redacted())
    evidence.link_service(snapshot.staging.dashboard_url, snapshot.sandbox)
    snapshot.staging.service  # noqa: B018 - an ambiguous or missing service breaks the scenario here
    return snapshot.staging


@then("exactly one service carries that name")
@reads()
def exactly_one(worker):
    service.exactly_one_named(worker)


@then("its id is the one recorded for this environment")
@reads()
def expected_id(worker, profile):
    if profile.service_id is None:
        pytest.skip(f"RENDER_SERVICE_ID is not set in {profile.where('RENDER_SERVICE_ID')}: no expected id to compare")
    service.service_field(worker, "id", profile.service_id)


@then(parsers.re(r'its (?P<wording>type|runtime|region|plan|branch|Dockerfile|start command) is "(?P<expected>[^"]*)"'))
@reads()
def service_field(worker, wording, expected):
    service.service_field(worker, wording, expected)


@then("it is not suspended")
@reads()
def not_suspended(worker):
    service.not_suspended(worker)


@then(parsers.parse('its latest deploy is "{status}"'))
@reads("deploys")
def latest_deploy(worker, status):
    service.latest_deploy(worker, status)


@then("it deploys automatically")
@reads()
def deploys_automatically(worker):
    service.auto_deploy_on(worker)
