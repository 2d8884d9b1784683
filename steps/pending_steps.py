"""The one step of a scaffolded criterion: it is not yet executable, so it is reported pending, never passed."""

import pytest
from pytest_bdd import then
from pytest_bdd.scenario import scenario_wrapper_template_registry

from phasegate.catalogue.claims import PENDING
from phasegate.catalogue.criteria import reads


@then("this claim is not yet executable")
@reads()
def not_yet_executable(request):
    """A scaffolded claim no sentence judges yet: the criterion is pending (a skip that says so), never passed.

    Example: Then this claim is not yet executable
    """
    scenario = scenario_wrapper_template_registry.get(getattr(request.node, "function", None))
    pytest.skip(PENDING + (scenario.name if scenario is not None else request.node.name))
