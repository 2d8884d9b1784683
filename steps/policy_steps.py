"""Steps for the environment-wide policy: one scenario per service of the environment."""

from pytest_bdd import given, parsers, then

from phasegate.record import evidence
from phasegate.judges import policy
from phasegate.catalogue.criteria import reads
from phasegate.judges.violation import Violation


@given(parsers.parse('the environment\'s service "{name}" on Render'), target_fixture="service_name")
@reads()
def environment_service(environment, name):
    """One service of the environment (every service whose name matches POLICY_SERVICE_PATTERN: one scenario each).

    Example: Given the environment's service "<service>" on Render
    """
    if name == "none-matched":
        raise Violation(f"services matching {environment.policy.pattern!r}", "at least one", "none")
    target = environment.services[name]
    evidence.attach_json(f"{name} and its effective environment (redacted)", target.redacted())
    evidence.link_service(target.dashboard_url, False)
    return name


@then("it follows every rule of the environment's policy:")
@reads()
def follows_policy(environment, service_name):
    """The service follows each rule of the table: branch, not suspended, ENVIRONMENT, no secret shared with its
    production counterpart, no key forbidden for its type.

    Example: Then it follows every rule of the environment's policy:
    """
    checked = policy.judge_service(environment, service_name)
    evidence.attach_text("Rules checked", "\n".join(checked))
