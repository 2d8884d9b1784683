"""The run record (``run.json``): one typed, versioned RunRecord, its published JSON Schema, the earlier formats.

``tests/run-records/v1``, ``v2`` and ``v3`` hold a record each version of phasegate wrote (v1 with the
fields the first writer wrote); every reader reads them. The schema in ``docs/`` is generated from the
field table the reader checks: ``PHASEGATE_WRITE_GOLDEN=1`` rewrites it, for an intended change only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil
from pathlib import Path

import jsonschema
import pytest

from phasegate.errors import RecordError, one_line
from phasegate.record import run_record
from phasegate.record.run_record import RunRecord
from phasegate.record.run_record_schema import FIELDS, VERSION, published_text
from phasegate.report import completion
from phasegate.report.model import load_run

ROOT = Path(__file__).resolve().parents[1]
RECORDS = Path(__file__).resolve().parent / "run-records"
SCHEMA = ROOT / "docs" / "run-record.schema.json"
NOW = dt.datetime(2026, 12, 7, tzinfo=dt.timezone.utc)


def _validator():
    return jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text()))


def _stored(version: int) -> dict:
    return json.loads((RECORDS / f"v{version}" / "run.json").read_text())


def test_the_published_schema_is_the_field_tables():
    if os.environ.get("PHASEGATE_WRITE_GOLDEN"):
        SCHEMA.write_text(published_text())
    assert SCHEMA.read_text() == published_text(), "regenerate with PHASEGATE_WRITE_GOLDEN=1 and read the diff"
    jsonschema.Draft202012Validator.check_schema(json.loads(SCHEMA.read_text()))


def test_the_schema_names_exactly_the_records_fields():
    schema = json.loads(SCHEMA.read_text())
    fields = [f.name for f in dataclasses.fields(RunRecord)]
    assert fields == list(FIELDS)
    assert sorted(schema["properties"]) == sorted(fields)
    assert schema["properties"]["version"] == {"const": VERSION}


@pytest.mark.parametrize("version", [1, 2, 3])
def test_each_stored_version_is_read_and_reported(version, tmp_path):
    shutil.copytree(RECORDS / f"v{version}", tmp_path / "run")
    record = run_record.read(tmp_path / "run")
    assert record.version == VERSION and record.state == "finished"
    assert record.criteria and all(c.outcome == "passed" for c in record.criteria.values())
    run = load_run(tmp_path / "run", NOW)
    assert run.phase.name == "phase4" and run.counts()["passed"] == len(record.criteria)
    md, _ = completion.render(run, None, None)
    assert "## Executive Summary" in md
    if version == 1:  # before phasegate kept provenance and each judged deploy
        assert record.judged_services is None and record.provenance is None
        assert "Judged services: not recorded" in md


def test_the_record_round_trips_and_what_it_writes_validates(tmp_path):
    data = _stored(3)
    record = run_record.from_json(data)
    assert record.to_json() == data
    _validator().validate(record.to_json())
    record.write(tmp_path)
    assert run_record.read(tmp_path) == record


def test_an_earlier_format_is_upgraded_to_a_record_that_validates():
    data = _stored(2)
    upgraded = run_record.from_json(data).to_json()
    assert upgraded == {**{k: v for k, v in data.items() if k != "format"}, "version": VERSION}
    _validator().validate(upgraded)


def test_a_running_record_validates():
    running = RunRecord(version=VERSION, state="running", phase={"name": "phase4"}, environment="staging",
                        profile="environments/staging.env", sandbox=False, selection={}, phasegate_version="0.1.0",
                        started_at="2026-12-07T00:00:00Z")
    _validator().validate(running.to_json())
    assert run_record.from_json(running.to_json()) == running
    with pytest.raises(jsonschema.ValidationError):
        _validator().validate({**running.to_json(), "state": "finished"})  # an ended record holds the outcomes


@pytest.mark.parametrize("change, says", [
    (lambda d: {**d, "version": VERSION + 1}, f"version {VERSION + 1} is newer than this phasegate reads ({VERSION})"),
    (lambda d: {**d, "verdict": "pass"}, "unknown field 'verdict'"),
    (lambda d: {k: v for k, v in d.items() if k != "criteria"}, "missing field 'criteria'"),
    (lambda d: {**d, "exit_status": "0"}, "field 'exit_status' is str, expected integer"),
    (lambda d: {**d, "state": "done"}, "field 'state' is 'done'"),
    (lambda d: {**d, "criteria": {"P4-02": {"scenarios": 3}}}, "criteria.P4-02: field 'scenarios' is int, expected array"),
    (lambda d: {**d, "completeness": {**d["completeness"], "skipped": []}}, "completeness: unknown field 'skipped'"),
    (lambda d: {k: v for k, v in d.items() if k != "version"}, "not a run record (no 'version'"),
], ids=["newer version", "unknown field", "missing field", "wrong type", "unknown state", "criterion",
        "completeness", "no version"])
def test_a_record_phasegate_does_not_read_is_refused_on_one_line(change, says, tmp_path):
    (tmp_path / "run.json").write_text(json.dumps(change(_stored(3))))
    with pytest.raises(RecordError) as refused:
        run_record.read(tmp_path)
    message = str(refused.value)
    assert says in message and message == one_line(message) and message.startswith(str(tmp_path / "run.json"))
    schema_valid = _validator().is_valid(change(_stored(3)))
    assert not schema_valid or "newer" in says  # the schema refuses what the reader refuses


def test_a_record_that_is_not_json_is_one_line(tmp_path):
    (tmp_path / "run.json").write_text('{"criteria": ')
    with pytest.raises(RecordError, match=r"is not valid JSON \(line 1") as refused:
        run_record.read(tmp_path)
    assert run_record.unreadable(refused.value) == "JSONDecodeError"


def test_a_record_read_only_for_its_phase_names_it_even_when_refused_in_full(tmp_path):
    """Prune, status and the gate group folders by phase: a record refused in full still names its phase."""
    (tmp_path / "run.json").write_text(json.dumps({**_stored(3), "version": VERSION + 1}))
    assert run_record.phase_of(tmp_path) == "phase4"
    (tmp_path / "run.json").write_text('{"criteria": ')
    assert run_record.phase_of(tmp_path) == ""
