"""What a complete run of the phase is: every scenario and Examples row that applies to the environment.

Read from the feature files themselves, not from what pytest collected, so no selection
(``-k``, ``-m``, ``--lf``, node IDs, ``--deselect``) can shrink the phase it is judged against.
"""

from __future__ import annotations

from pathlib import Path

from .criteria import Phase, criterion_ids, features_root, parse_features

ENVIRONMENT_TAGS = frozenset({"staging", "production"})


def _applies(tags: set[str], environment_tag: str) -> bool:
    # The plugin's rule: untagged for any environment applies to all; else the environment's tag must be there.
    named = tags & ENVIRONMENT_TAGS
    return not named or environment_tag in named


def expected_scenarios(root: Path, environment_tag: str, phase: Phase) -> dict[str, int]:
    """Criterion ID -> how many scenarios and Examples rows judge it in this environment."""
    expected: dict[str, int] = {}
    for _path, feature in parse_features(features_root(root) / phase.name):
        for scenario in feature.scenarios.values():
            tags = set(feature.tags) | set(scenario.tags)
            rows = 0
            if scenario.examples:
                for examples in scenario.examples:
                    if _applies(tags | set(examples.tags), environment_tag):
                        rows += len(list(examples.as_contexts()))
            elif _applies(tags, environment_tag):
                rows = 1
            for cid in criterion_ids(tags):
                if rows:
                    expected[cid] = expected.get(cid, 0) + rows
    return expected


def phase_criteria(expected: dict[str, int], phase: Phase) -> list[str]:
    """The criteria a complete run must judge: the phase's, when the features apply them here."""
    return sorted(cid for cid in phase.criteria if expected.get(cid))
