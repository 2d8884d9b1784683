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
    """Node ID -> what its steps declare they read, per role ("worker:env", "web:service", "database").

    The steps are walked in order: a step naming a role makes it the scenario's subject, whose parts the
    steps after it read (``phasegate.catalogue.reads``). A step without a declaration, a declaration that
    cannot be resolved, stops the run (one line each)."""
    from pytest_bdd.scenario import scenario_wrapper_template_registry

    reads: dict[str, frozenset] = {}
    problems: dict[str, None] = {}
    unknown: dict[str, None] = {}
    found: dict[tuple, tuple] = {}
    for item in items:
        template = scenario_wrapper_template_registry.get(getattr(item, "function", None))
        if template is None:
            continue
        example = getattr(getattr(item, "callspec", None), "params", {}).get("_pytest_bdd_example") or {}
        # The template's steps (placeholders unfilled): every Examples row and policy service of a
        # scenario binds the same definitions, so a large environment is resolved once per step.
        union: set[str] = set()
        subject: str | None = None
        for index, step in enumerate(template.steps):
            context_, declared = _binding(item, template, index, example, found)
            where = f"{_shown(template.feature.filename, config.rootpath)}:{step.line_number}"
            if context_ is None:  # one line, now, rather than a StepDefinitionNotFoundError when it runs
                unknown[_unknown(where, step)] = None
                continue
            try:
                needs, subject = _resolved(context_, declared, step, example, subject)
            except ValueError as exc:
                name = f"{context_.step_func.__module__}.{context_.step_func.__name__}"
                problems[f"{where}: step {step.keyword} {step.name!r} ({name}) {exc}"] = None
                continue
            union |= needs
        reads[item.nodeid] = frozenset(union)
    if unknown:
        raise pytest.UsageError("\n".join(unknown))
    if problems:
        raise pytest.UsageError("phasegate: steps whose needs are unknown:\n" + "\n".join(problems))
    return reads


def _binding(item, template, index: int, example: dict, found: dict) -> tuple:
    """The definition bound to a scenario's step (and what it declares): the template's step, resolved once for
    every row; a step whose placeholder only a row's value makes match (``the "<role>" service``), per row."""
    step = template.steps[index]
    key = (item.parent.nodeid, step.type, step.name)
    if key not in found:
        found[key] = _step_function(step, item)
    if found[key][0] is None and example and "<" in step.name:
        rendered = template.render(example).steps[index]
        key = (item.parent.nodeid, rendered.type, rendered.name)
        if key not in found:
            found[key] = _step_function(rendered, item)
    return found[key]


def _unknown(where: str, step) -> str:
    """A sentence no step definition matches, in one line: where, what, and the nearest known sentences."""
    from .vocabulary import entry, nearest

    known = [entry(c) for c in step_contexts()]
    shown = "; ".join(nearest(step.type, step.name, known))
    return (f"phasegate: {where}: no step definition matches {step.keyword} {step.name!r} (phasegate steps lists "
            f"the vocabulary); nearest known: {shown}")


def step_contexts() -> list:
    """Every step definition pytest-bdd has registered (its StepFunctionContext), each step function once."""
    from pytest_bdd.steps import step_function_context_registry

    seen: dict[tuple, object] = {}
    for context_ in list(step_function_context_registry.values()):
        seen.setdefault((id(context_.step_func), context_.type, context_.parser.name), context_)
    return list(seen.values())


def _shown(filename: str, root) -> str:
    """A feature file as messages name it: from the checkout, else in full (a features folder elsewhere)."""
    path = Path(filename)
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def _resolved(context_, declared, step, example: dict, subject: str | None) -> tuple[set[str], str | None]:
    """What one step reads, and the scenario's subject after it (ValueError: why it cannot be said)."""
    from pytest_bdd.parser import render_string

    from ..catalogue.reads import resolve
    from ..snapshot import OTHER_PARTS, SERVICE_PARTS

    if declared is None:
        raise ValueError("does not declare what it reads: @reads(...)")
    arguments: dict = {}
    if "{" in (declared.role or "") or any("{" in part for part in declared.parts):
        name = render_string(step.name, example) if example else step.name
        arguments = {k: str(v) for k, v in (context_.parser.parse_arguments(name) or {}).items()}
    return resolve(declared, subject, arguments, SERVICE_PARTS, OTHER_PARTS)


def _step_function(step, item) -> tuple:
    """The step function's context pytest-bdd binds to this step for this item, and what it declares it reads."""
    from pytest_bdd.scenario import find_fixturedefs_for_step
    from pytest_bdd.steps import step_function_context_registry

    defs = list(find_fixturedefs_for_step(step, item.session._fixturemanager, item))
    context_ = step_function_context_registry.get(defs[-1].func) if defs else None
    return (context_, declared_reads(context_.step_func) if context_ else None)
