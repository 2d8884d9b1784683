"""Steps for the API and the worker together (Phase 5 readiness): the API role is read like the worker."""

import pytest
from pytest_bdd import given, parsers, then

from phasegate.record import evidence
from phasegate.judges import env, integration, service
from phasegate.catalogue.criteria import reads


@given("the API service as Render reports it", target_fixture="api")
@reads("service", "env", role="api")
def api_service(snapshot, profile, services_named):
    """The api role's service and its effective environment, as Render reports them.

    Example: Given the API service as Render reports it
    """
    if "api" not in profile.services:
        pytest.skip(f"RENDER_API_SERVICE_NAME is not set in {profile.source}: no API service to judge")
    api = snapshot.api
    evidence.attach_json("API service and effective environment (redacted)", api.redacted())
    evidence.link_service(api.dashboard_url, snapshot.sandbox)
    return services_named.name("api", api)


@then("exactly one API service carries that name")
@reads()
def exactly_one_api(api):
    """Render lists exactly one service under the API's name.

    Example: Then exactly one API service carries that name
    """
    service.exactly_one_named(api)


@then(parsers.re(r'the API\'s (?P<wording>type|branch) is "(?P<expected>[^"]*)"'))
@reads()
def api_field(api, wording, expected):
    """The API's type or branch as Render reports it.

    Example: Then the API's type is "web_service"
    """
    service.service_field(api, wording, expected)


@then("the API is not suspended")
@reads()
def api_not_suspended(api):
    """Render reports the API not suspended, with no suspender.

    Example: Then the API is not suspended
    """
    service.not_suspended(api)


@then(parsers.parse('the API\'s latest deploy is "{status}"'))
@reads("api:deploys")
def api_latest_deploy(api, status):
    """The status of the API's newest deploy.

    Example: Then the API's latest deploy is "live"
    """
    service.latest_deploy(api, status)


@then("the API and the worker run in the same region")
@reads()
def same_region(worker, api):
    """The API's region is the worker's.

    Example: Then the API and the worker run in the same region
    """
    integration.same_service_field(worker, api, "region", "region")


@then(parsers.parse('"{key}" is "{expected}" on the worker and on the API'))
@reads("worker:env", "api:env")
def both_equal(worker, api, key, expected):
    """A variable has this value in the worker's effective environment and in the API's.

    Example: Then "ENVIRONMENT" is "staging" on the worker and on the API
    """
    env.env_equals(worker, key, expected)
    env.env_equals(api, key, expected)


@then("every setting the two share through an environment group has the group's value on both")
@reads("worker:env", "api:env")
def shared_settings(worker, api):
    """Every variable of an environment group linked to both the worker and the API has the group's value on both.

    Example: Then every setting the two share through an environment group has the group's value on both
    """
    checked = integration.shared_settings_not_overridden(worker, api)
    evidence.attach_text("Shared settings compared by keyed fingerprint", "\n".join(checked) or "(none shared)")


@then("the API's and the worker's DATABASE_URL name the same host, port and database")
@reads("worker:env", "api:env")
def same_database(worker, api):
    """The two DATABASE_URLs name the same host, port and database (compared part by part, never shown).

    Example: Then the API's and the worker's DATABASE_URL name the same host, port and database
    """
    integration.same_database(worker, api)


@then(parsers.parse('"{key}" is set on the worker and on the API and names the same Sentry project'))
@reads("worker:env", "api:env")
def same_sentry_project(worker, api, key):
    """The Sentry DSN is set on both services and names one Sentry project (compared by keyed digest).

    Example: Then "SENTRY_DSN" is set on the worker and on the API and names the same Sentry project
    """
    env.env_present(worker, [key])
    env.env_present(api, [key])
    integration.same_sentry_project(worker, api, key)
