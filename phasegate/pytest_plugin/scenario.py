"""What a collected pytest-bdd item judges, read from its markers (the Gherkin tags).

Small and below the plugin's other modules; steps never import it: they take the running scenario's
criteria from the ``scenario_criteria`` fixture (:mod:`.fixtures`).
"""

from __future__ import annotations

from ..profile import ENVIRONMENT_TAGS
from ..catalogue.criteria import criterion_ids


def marker_names(item) -> list[str]:
    return [m.name for m in item.iter_markers()]


def item_criteria(item) -> list[str]:
    """The criterion IDs among the item's markers (none for the environment policy)."""
    return criterion_ids(marker_names(item))


def scenario_ids(item) -> list[str]:
    """The criterion IDs of a phase's scenario, ["policy"] for the environment policy, else []."""
    names = marker_names(item)
    return criterion_ids(names) or (["policy"] if "policy" in names else [])


def is_criterion(item) -> bool:
    return bool(scenario_ids(item))


def environment_tags(item) -> set[str]:
    """The environment tags (staging, production, ...) the item carries."""
    return set(marker_names(item)) & set(ENVIRONMENT_TAGS)
