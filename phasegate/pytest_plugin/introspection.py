"""The one place that reads pytest's and pytest-bdd's private names.

Why private names: two things the plugin must know have no public API. Whether ``-m`` selects
a policy scenario is needed while tests are *generated* (its services are read from Render only
when it will run), before pytest's own ``-m`` deselection; pytest's mark expression evaluator
(``_pytest.mark``) answers it exactly as ``-m`` will. What a scenario's steps read is declared on
the step functions (``@reads``); which function binds a step is pytest-bdd's own resolution
(``pytest_bdd.scenario``/``pytest_bdd.steps`` registries and the session's fixture manager).
Kept together so that a pytest or pytest-bdd upgrade that moves them breaks one module.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ..catalogue.criteria import declared_reads


def selected_by_markexpr(config, markers) -> bool:
    """Whether ``-m`` (if given) selects an item with these markers."""
    expression = config.option.markexpr
    if not expression:
        return True
    from _pytest.mark import MarkMatcher
    from _pytest.mark.expression import Expression

    return Expression.compile(expression).evaluate(MarkMatcher.from_markers(markers))


def reads_of_steps(config, items) -> dict[str, frozenset]:
    """Node ID -> what its steps declare they read. A step without a declaration, or declaring a part
    the snapshot does not know, stops the run (one line each)."""
    from pytest_bdd.scenario import scenario_wrapper_template_registry

    from ..snapshot import PARTS

    reads: dict[str, frozenset] = {}
    problems: dict[str, None] = {}
    found: dict[tuple, tuple] = {}
    for item in items:
        template = scenario_wrapper_template_registry.get(getattr(item, "function", None))
        if template is None:
            continue
        union: set[str] = set()
        # The template's steps (placeholders unfilled): every Examples row and policy service of a
        # scenario binds the same definitions, so a large environment is resolved once per step.
        for step in template.steps:
            key = (item.parent.nodeid, step.type, step.name)
            if key not in found:
                found[key] = _step_function(step, item)
            func, declared = found[key]
            where = f"{Path(template.feature.filename).relative_to(config.rootpath)}:{step.line_number}"
            if func is None:
                continue  # pytest-bdd reports a step without a definition when the scenario runs
            name = f"{func.__module__}.{func.__name__}"
            if declared is None:
                problems[f"{where}: step {step.keyword} {step.name!r} ({name}) does not declare what it reads: "
                         "@reads(...)"] = None
                continue
            for part in sorted(declared - PARTS):
                problems[f"{where}: step {name} reads {part!r}, which the snapshot does not know "
                         f"(known: {', '.join(sorted(PARTS))})"] = None
            union |= declared & PARTS
        reads[item.nodeid] = frozenset(union)
    if problems:
        raise pytest.UsageError("phasegate: steps whose needs are unknown:\n" + "\n".join(problems))
    return reads


def _step_function(step, item) -> tuple:
    """The step function pytest-bdd binds to this step for this item, and what it declares it reads."""
    from pytest_bdd.scenario import find_fixturedefs_for_step
    from pytest_bdd.steps import step_function_context_registry

    defs = list(find_fixturedefs_for_step(step, item.session._fixturemanager, item))
    context_ = step_function_context_registry.get(defs[-1].func) if defs else None
    return (context_.step_func if context_ else None, declared_reads(context_.step_func) if context_ else None)
