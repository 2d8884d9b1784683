"""Steps for the worker's environment (Phase 4's sentences) and its comparison with production.

The variables themselves are judged with the one vocabulary (:mod:`steps.service_vocabulary`):
``Then "DEBUG" is "false"`` on whichever service the scenario names.
"""

import pytest
from pytest_bdd import given, parsers, then

from phasegate.record import evidence
from phasegate.judges import env
from phasegate.catalogue.criteria import reads

from steps.subject import role_service


@given("the worker's effective environment on Render", target_fixture="worker")
@reads("service", "env", role="worker")
def worker_environment(snapshot, profile, services_named):
    """The worker and its effective environment (the same as Given the "worker" service's effective environment).

    Example: Given the worker's effective environment on Render
    """
    worker = role_service(snapshot, profile, "worker")
    evidence.attach_json("Render service and effective environment (redacted)", worker.redacted())
    evidence.link_service(worker.dashboard_url, snapshot.sandbox)
    return services_named.name("worker", worker)


@given("production's effective environment on Render", target_fixture="production")
@reads("production")
def production_environment(snapshot, profile, services_named):
    """The production counterpart of the service the scenario names, and its effective environment
    (the worker's: RENDER_PRODUCTION_SERVICE_NAME).

    Example: Given production's effective environment on Render
    """
    role = services_named.subject
    production = snapshot.production_services.get(role)
    if production is None:
        pytest.skip(f"RENDER_PRODUCTION_SERVICE_NAME is not set in {profile.where('RENDER_PRODUCTION_SERVICE_NAME')}: "
                    "nothing to compare with" if role == "worker" else
                    f"no production counterpart is named for the {role} role (only the worker's: "
                    "RENDER_PRODUCTION_SERVICE_NAME)")
    evidence.attach_json("Production service and effective environment (redacted)", production.redacted())
    return production


@then("no secret has the same value in both environments")
@reads()
def no_shared_secret(services_named, production):
    """No secret of the service's environment has the same value in production's (compared by keyed digest).

    Example: Then no secret has the same value in both environments
    """
    compared = env.no_shared_secrets(services_named.it, production)
    evidence.attach_text("Secrets compared by keyed fingerprint", "\n".join(compared) or "(none set on both)")


@then(parsers.parse('"{key}" differs from production\'s'))
@reads()
def differs_from_production(services_named, production, key):
    """The variable is set on the service and its value is not production's.

    Example: Then "SUPABASE_URL" differs from production's
    """
    env.values_differ(services_named.it, production, key)
