"""The canary jobs' payload templates (``CANARY_JOB_PAYLOAD``, ``CANARY_POISON_PAYLOAD``), checked when a profile loads.

A template is a JSON object whose string values may be ``{run_id}`` or ``{kind}``; this module
parses and checks one, and renders a canary's payload from it. It imports no database driver,
so a profile loads without psycopg; the writer is :mod:`phasegate.canary.writer`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigError

RUN_ID_PLACEHOLDER = "{run_id}"
KIND_PLACEHOLDER = "{kind}"
KINDS = ("good", "poison")  # what {kind} becomes in the good and the poison canary
DEFAULT_PAYLOAD = '{"phasegate_canary": "{run_id}", "kind": "{kind}"}'


@dataclass(frozen=True)
class PayloadTemplate:
    """A canary job's payload: a JSON object whose string values may be ``{run_id}`` or ``{kind}``.

    ``{run_id}`` must stand exactly once, as a whole string value: its path is how this run
    (and a later run sweeping leftovers) finds canary rows and nothing else.
    """

    good: Any = field(repr=False)
    poison: Any = field(repr=False)
    run_id_path: tuple[str, ...] = ()

    @classmethod
    def parse(cls, job: str, poison: str | None, *, job_at: str, poison_at: str) -> "PayloadTemplate":
        good = _template(job, "CANARY_JOB_PAYLOAD", job_at)
        path = _run_id_path(good, "CANARY_JOB_PAYLOAD", job_at)
        if poison is None:
            if not _placeholders(good, KIND_PLACEHOLDER):
                raise ConfigError(f'{job_at}: CANARY_JOB_PAYLOAD has no "{KIND_PLACEHOLDER}" value, so the poison '
                                  "canary could not differ from the good one: add one, or set CANARY_POISON_PAYLOAD")
            bad = good
        else:
            bad = _template(poison, "CANARY_POISON_PAYLOAD", poison_at)
            if _run_id_path(bad, "CANARY_POISON_PAYLOAD", poison_at) != path:
                raise ConfigError(f'{poison_at}: CANARY_POISON_PAYLOAD must hold "{RUN_ID_PLACEHOLDER}" at the same '
                                  "place as CANARY_JOB_PAYLOAD (that is how canary rows are found)")
        if _render(good, "x", KINDS[0]) == _render(bad, "x", KINDS[1]):
            raise ConfigError(f"{poison_at}: the poison canary's payload equals the good one's")
        return cls(good, bad, path)

    def render(self, run_id: str, kind: str) -> dict:
        return _render(self.good if kind == KINDS[0] else self.poison, run_id, kind)

    def __repr__(self) -> str:
        return f"<canary payload, run id at {'.'.join(self.run_id_path)}>"


def _template(text: str, key: str, where: str) -> Any:
    try:
        value = json.loads(text)
    except ValueError:
        raise ConfigError(f"{where}: {key} must be a JSON object (a template of the canary job's payload); "
                          "it is not valid JSON") from None
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: {key} must be a JSON object, got a JSON {type(value).__name__}")
    stray = [s for s in _strings(value) if ("{" in s or "}" in s) and s not in (RUN_ID_PLACEHOLDER, KIND_PLACEHOLDER)]
    if stray:
        raise ConfigError(f'{where}: {key}: placeholders stand alone as whole string values ("{RUN_ID_PLACEHOLDER}", '
                          f'"{KIND_PLACEHOLDER}"); {len(stray)} value(s) hold braces otherwise')
    return value


def _run_id_path(template: Any, key: str, where: str) -> tuple[str, ...]:
    paths = _placeholders(template, RUN_ID_PLACEHOLDER)
    if len(paths) != 1:
        raise ConfigError(f'{where}: {key} must hold "{RUN_ID_PLACEHOLDER}" exactly once, as a value under object '
                          f"keys (found {len(paths)}): every canary row carries its run's id")
    return paths[0]


def _placeholders(node: Any, placeholder: str, path: tuple = ()) -> list[tuple]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _placeholders(v, placeholder, path + (k,))]
    if isinstance(node, list):  # a placeholder inside a list has no stable path: not counted
        return []
    return [path] if node == placeholder else []


def _strings(node: Any):
    if isinstance(node, dict):
        for k, v in node.items():
            yield k
            yield from _strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v)
    elif isinstance(node, str):
        yield node


def _render(node: Any, run_id: str, kind: str) -> Any:
    if isinstance(node, dict):
        return {k: _render(v, run_id, kind) for k, v in node.items()}
    if isinstance(node, list):
        return [_render(v, run_id, kind) for v in node]
    return {RUN_ID_PLACEHOLDER: run_id, KIND_PLACEHOLDER: kind}.get(node, node) if isinstance(node, str) else node
