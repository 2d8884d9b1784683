"""The run record's fields and their JSON types, once: the reader's strict checks and the published JSON Schema.

``FIELDS`` names every field of ``run.json`` (version 3) with its JSON type and when it must be there:
``always``; ``ended`` (a finished or interrupted run, whose record was written at the session's end);
``running`` (the record written before the first criterion); ``optional``. :func:`schema` is the JSON
Schema (draft 2020-12) published as ``docs/run-record.schema.json``; :func:`check_fields` is what the
reader checks, one line naming the first field that is wrong.
"""

from __future__ import annotations

import json

from ..errors import RecordError

VERSION = 3
STATES = ("running", "finished", "interrupted")
ALWAYS, ENDED, RUNNING, OPTIONAL = "always", "ended", "running", "optional"

# name: (JSON type or types, when it is required). The order is RunRecord's field order.
FIELDS: dict[str, tuple[tuple[str, ...], str]] = {
    "version": (("integer",), ALWAYS),
    "state": (("string",), ALWAYS),
    "phase": (("object",), ALWAYS),
    "environment": (("string",), ALWAYS),
    "profile": (("string",), ALWAYS),
    "sandbox": (("boolean",), ALWAYS),
    "selection": (("object",), ALWAYS),
    "phasegate_version": (("string",), ALWAYS),
    "practice": (("boolean",), OPTIONAL),  # written only when true: a run of `phasegate practice`
    "started_at": (("string",), RUNNING),
    "finished_at": (("string",), ENDED),
    "exit_status": (("integer",), ENDED),
    "git_commit": (("string",), ENDED),
    "packages": (("object",), ENDED),
    "sandbox_world": (("string", "null"), ENDED),
    "api_url": (("string", "null"), ENDED),
    "service_name": (("string", "null"), ENDED),
    "service_id": (("string", "null"), ENDED),
    "production_service_name": (("string", "null"), ENDED),
    "database_source": (("string", "null"), ENDED),
    "snapshot_taken_at": (("string", "null"), ENDED),
    "judged_services": (("array",), ENDED),
    "render": (("object",), ENDED),
    "provenance": (("object",), ENDED),
    "session_phases": (("array",), ENDED),
    "completeness": (("object",), ENDED),
    "criteria": (("object",), ENDED),
    "policy": (("array",), ENDED),
    "snapshot": (("object", "null"), ENDED),
    "waivers": (("array",), OPTIONAL),  # the waivers loaded, written with the ended record
    "digests_comparable": (("boolean",), OPTIONAL),
    "configuration": (("array",), OPTIONAL),
}

CRITERION = {"title": ("string",), "concern": ("string",), "severity": ("string",), "outcome": ("string",),
             "scenarios": ("array",)}
COMPLETENESS = {"phase_criteria": ("array",), "expected_scenarios": ("object",), "not_run": ("array",),
                "partly_run": ("object",), "stopped_early": ("boolean",)}
JUDGED_SERVICE = {"role": ("string",), "name": ("string",), "service_id": ("string", "null"),
                  "deploy": ("object", "null"), "not_recorded": ("string", "null")}
DEPLOY = {"id": ("string",), "commit": ("string", "null"), "created_at": ("string", "null"),
          "finished_at": ("string", "null"), "image": ("object", "null")}

_PYTHON = {"integer": int, "string": str, "boolean": bool, "object": dict, "array": list, "null": type(None)}


def _is(value, kinds: tuple[str, ...]) -> bool:
    if isinstance(value, bool):  # JSON's true is no integer
        return "boolean" in kinds
    return any(isinstance(value, _PYTHON[kind]) for kind in kinds)


def check_fields(data: dict, spec: dict, where: str, *, required: set[str]) -> None:
    """Every key of ``data`` is in ``spec`` with its JSON type, and every ``required`` one is there."""
    for name, value in data.items():
        if name not in spec:
            raise RecordError(f"{where}: unknown field {name!r}")
        kinds = spec[name][0] if isinstance(spec[name][0], tuple) else spec[name]
        if not _is(value, kinds):
            raise RecordError(f"{where}: field {name!r} is {type(value).__name__}, expected {' or '.join(kinds)}")
    for name in spec:
        if name in required and name not in data:
            raise RecordError(f"{where}: missing field {name!r}")


def required_fields(state: str) -> set[str]:
    """The fields a version 3 record in ``state`` must hold."""
    when = {ALWAYS, RUNNING if state == "running" else ENDED}
    return {name for name, (_, need) in FIELDS.items() if need in when}


def _object(spec: dict, required=None) -> dict:
    props = {name: {"type": list(kinds) if len(kinds) > 1 else kinds[0]} for name, kinds in spec.items()}
    return {"type": "object", "properties": props, "required": sorted(spec if required is None else required),
            "additionalProperties": False}


def schema() -> dict:
    """The JSON Schema of ``run.json`` version 3 (draft 2020-12), as published in ``docs/``."""
    top = _object({name: kinds for name, (kinds, _) in FIELDS.items()},
                  required=[n for n, (_, need) in FIELDS.items() if need == ALWAYS])
    top["properties"]["version"] = {"const": VERSION}
    top["properties"]["state"] = {"enum": list(STATES)}
    top["properties"]["criteria"]["additionalProperties"] = {"$ref": "#/$defs/criterion"}
    top["properties"]["completeness"] = {"$ref": "#/$defs/completeness"}
    top["properties"]["judged_services"]["items"] = {"$ref": "#/$defs/judged_service"}
    top["properties"]["session_phases"]["items"] = {"type": "string"}
    judged = _object(JUDGED_SERVICE)
    judged["properties"]["deploy"] = {"anyOf": [{"$ref": "#/$defs/deploy"}, {"type": "null"}]}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:phasegate:run-record:{VERSION}",
        "title": "phasegate run record (run.json)",
        "description": "What one pytest session concluded about one phase; see docs/run-record.md.",
        **top,
        "allOf": [
            {"if": {"properties": {"state": {"const": "running"}}},
             "then": {"required": sorted(n for n, (_, need) in FIELDS.items() if need == RUNNING)},
             "else": {"required": sorted(n for n, (_, need) in FIELDS.items() if need == ENDED)}},
        ],
        "$defs": {"criterion": _object(CRITERION), "completeness": _object(COMPLETENESS),
                  "judged_service": judged, "deploy": _object(DEPLOY)},
    }


def published_text() -> str:
    """``docs/run-record.schema.json``'s text (tests/test_run_record.py holds the file to it)."""
    return json.dumps(schema(), indent=2) + "\n"
