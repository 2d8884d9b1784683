"""Steps for the API and the worker together (Phase 5 readiness): the API is read like the worker."""

import pytest
from pytest_bdd import given, parsers, then

from phasegate.record import evidence
from phasegate.judges import env, integration, service
from phasegate.catalogue.criteria import reads


@given("the API service as Render reports it", target_fixture="api")
@reads("api")
def api_service(snapshot, profile):
    if snapshot.api is None:
        pytest.skip(f"RENDER_API_SERVICE_NAME is not set in {profile.source}: no API service to judge")
    evidence.attach_json("API service and effective environment (redacted)", snapshot.api.redacted())
    evidence.link_service(snapshot.api.dashboard_url, snapshot.sandbox)
    return snapshot.api


@then("exactly one API service carries that name")
@reads()
def exactly_one_api(api):
    service.exactly_one_named(api)


@then(parsers.re(r'the API\'s (?P<wording>type|branch) is "(?P<expected>[^"]*)"'))
@reads()
def api_field(api, wording, expected):
    service.service_field(api, wording, expected)


@then("the API is not suspended")
@reads()
def api_not_suspended(api):
    service.not_suspended(api)


@then(parsers.parse('the API\'s latest deploy is "{status}"'))
@reads()
def api_latest_deploy(api, status):
    service.latest_deploy(api, status)


@then("the API and the worker run in the same region")
@reads()
def same_region(worker, api):
    integration.same_service_field(worker, api, "region", "region")


@then(parsers.parse('"{key}" is "{expected}" on the worker and on the API'))
@reads()
def both_equal(worker, api, key, expected):
    env.env_equals(worker, key, expected)
    env.env_equals(api, key, expected)


@then("every setting the two share through an environment group has the group's value on both")
@reads()
def shared_settings(worker, api):
    checked = integration.shared_settings_not_overridden(worker, api)
    evidence.attach_text("Shared settings compared by keyed fingerprint", "\n".join(checked) or "(none shared)")


@then("the API's and the worker's DATABASE_URL name the same host, port and database")
@reads()
def same_database(worker, api):
    integration.same_database(worker, api)


@then(parsers.parse('"{key}" is set on the worker and on the API and names the same Sentry project'))
@reads()
def same_sentry_project(worker, api, key):
    env.env_present(worker, [key])
    env.env_present(api, [key])
    integration.same_sentry_project(worker, api, key)
