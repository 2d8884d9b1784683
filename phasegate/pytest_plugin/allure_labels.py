"""Allure labels from the catalogue: epic = the phase, feature per concern, story = ID and title, severity."""

from __future__ import annotations

import allure

from .collection import phase_of
from .context import context
from .scenario import scenario_ids
from .stash import PROFILE, RUN_PHASES


def label_scenario(request, feature, scenario) -> None:
    """The same three levels as parentSuite / suite / subSuite, which the Allure 3 report's tree groups
    by (allure-pytest-bdd sets no suite label, and a feature label only when none is set).
    """
    ids = scenario_ids(request.node)
    if not ids or RUN_PHASES not in request.config.stash:
        return
    phase = phase_of(request.config, ids[0])
    criterion = phase.criteria.get(ids[0]) if phase is not None else None
    top = phase.title if criterion is not None else "Environment policy"
    allure.dynamic.epic(top)
    allure.dynamic.parent_suite(top)
    if criterion is not None:
        allure.dynamic.feature(criterion.concern)
        allure.dynamic.story(f"{criterion.id} {criterion.title}")
        allure.dynamic.severity(criterion.severity)
        allure.dynamic.suite(criterion.concern)
        allure.dynamic.sub_suite(f"{criterion.id} {criterion.title}")
    else:
        allure.dynamic.suite(feature.name)
        allure.dynamic.sub_suite(scenario.name)
    allure.dynamic.title(f"{' '.join(ids)} {scenario.name}" if criterion is not None else scenario.name)
    # The Gherkin tags (criterion IDs included) are Allure tags already: none is added twice.
    if PROFILE in request.config.stash and context(request.config).is_sandbox():
        allure.dynamic.tag("SANDBOX")
