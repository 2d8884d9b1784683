"""Steps for the environment variable criteria: the effective environment on Render."""

import pytest
from pytest_bdd import given, parsers, then

from phasegate.record import evidence
from phasegate.judges import env
from phasegate.catalogue.criteria import reads


@given("the worker's effective environment on Render", target_fixture="worker")
@reads("service", "env")
def worker_environment(snapshot):
    evidence.attach_json("Render service and effective environment (redacted)", snapshot.staging.redacted())
    evidence.link_service(snapshot.staging.dashboard_url, snapshot.sandbox)
    return snapshot.staging


@given("production's effective environment on Render", target_fixture="production")
@reads("production")
def production_environment(snapshot, profile):
    if snapshot.production is None:
        pytest.skip(f"RENDER_PRODUCTION_SERVICE_NAME is not set in {profile.where('RENDER_PRODUCTION_SERVICE_NAME')}: nothing to compare with")
    evidence.attach_json("Production service and effective environment (redacted)", snapshot.production.redacted())
    return snapshot.production


@then(parsers.parse('"{key}" is "{expected}"'))
@reads()
def variable_is(worker, key, expected):
    env.env_equals(worker, key, expected)


@then(parsers.parse('"{key}" is set and not empty'))
@reads()
def variable_set(worker, key):
    env.env_present(worker, [key])


@then(parsers.parse('"{key}" is absent from the service, its environment groups and its secret files'))
@reads("secret_files")
def variable_absent(worker, key):
    env.key_absent(worker, key)


@then("no secret has the same value in both environments")
@reads()
def no_shared_secret(worker, production):
    compared = env.no_shared_secrets(worker, production)
    evidence.attach_text("Secrets compared by keyed fingerprint", "\n".join(compared) or "(none set on both)")


@then(parsers.parse('"{key}" differs from production\'s'))
@reads()
def differs_from_production(worker, production, key):
    env.values_differ(worker, production, key)
