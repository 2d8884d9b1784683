"""Steps for the environment-wide policy: one scenario per service of the environment."""

from pytest_bdd import given, parsers, then

from phasegate.record import evidence
from phasegate.judges import policy
from phasegate.catalogue.criteria import reads
from phasegate.judges.violation import Violation


@given(parsers.parse('the environment\'s service "{name}" on Render'), target_fixture="service_name")
@reads()
def environment_service(environment, name):
    if name == "none-matched":
        raise Violation(f"services matching {environment.policy.pattern!r}", "at least one", "none")
    target = environment.services[name]
    evidence.attach_json(f"{name} and its effective environment (redacted)", target.redacted())
    evidence.link_service(target.dashboard_url, False)
    return name


@then("it follows every rule of the environment's policy:")
@reads()
def follows_policy(environment, service_name):
    checked = policy.judge_service(environment, service_name)
    evidence.attach_text("Rules checked", "\n".join(checked))
