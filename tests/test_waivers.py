"""Waiver files: parsing, expiry at the end of the UTC day, and a malformed file stopping the run."""

from __future__ import annotations

import datetime as dt

import pytest

from acceptance import run_suite
from phasegate.errors import ConfigError
from phasegate.catalogue.waivers import Waiver, judge, parse_waivers

GOOD = """waivers:
  - criterion: P4-03
    justification: booked with Render support
    approver: Ada <ada@example.com>
    expires: 2030-06-30
"""


def test_a_good_file_parses():
    [waiver] = parse_waivers(GOOD, "environments/x.waivers.yaml")
    assert waiver.criterion == "P4-03" and waiver.expires == dt.date(2030, 6, 30)


def test_expiry_is_the_end_of_that_day_utc():
    waiver = Waiver("P4-03", "j", "a", dt.date(2030, 6, 30))
    utc = dt.timezone.utc
    assert judge("failed", waiver, dt.datetime(2030, 6, 30, 23, 59, 59, tzinfo=utc)).status == "waived"
    expired = judge("failed", waiver, dt.datetime(2030, 7, 1, 0, 0, 0, tzinfo=utc))
    assert expired.status == "failed" and expired.waiver_state == "expired"
    assert judge("passed", waiver, dt.datetime(2030, 1, 1, tzinfo=utc)).status == "passed"


@pytest.mark.parametrize("text, words", [
    ("waivers: [\n  - criterion: P4-03\n", "not valid YAML"),
    ("- criterion: P4-03\n  justification: j\n  approver: a\n", "entry 1 (P4-03): missing expires"),
    ("- criterion: P4-99\n  justification: j\n  approver: a\n  expires: 2030-01-01\n", "unknown criterion ID 'P4-99'"),
    ("- criterion: P4-03\n  justification: j\n  approver: a\n  expires: 31/12/2030\n", "expires must be a date"),
    ("- criterion: P4-03\n  justification: j\n  approver: a\n  expires: 2030-02-30\n", "expires must be a date"),
    ("- criterion: P4-03\n  justification: j\n  approver: a\n  expires: 2030-01-01\n  owner: b\n", "unknown field owner"),
    ("just text\n", "expected a list of waivers"),
])
def test_malformed_files_name_the_file_and_the_entry(text, words):
    with pytest.raises(ConfigError) as caught:
        parse_waivers(text, "environments/staging.waivers.yaml")
    assert "environments/staging.waivers.yaml" in str(caught.value)
    assert words in str(caught.value)


def test_a_malformed_waiver_file_stops_the_run_before_any_scenario(tmp_path):
    bad = tmp_path / "sandbox.waivers.yaml"
    bad.write_text("- criterion: P4-03\n  justification: j\n  approver: a\n  expires: someday\n")
    run = run_suite(tmp_path, "-m", "staging and render", "--env", "sandbox", f"--report-dir={tmp_path / 'reports'}", env={"PHASEGATE_WAIVERS_FILE": str(bad)})
    assert run.returncode == 4, run.stdout + run.stderr
    errors = [line for line in (run.stdout + run.stderr).splitlines() if str(bad) in line]
    assert len(errors) == 1 and "expires must be a date" in errors[0]
    assert run.results == []  # no scenario ran
    assert not (tmp_path / "reports").exists()
