"""Allure and JUnit for CI: criterion ID first in each title, tags once, error titles that read as the violation;
JUnit XML carries criterion IDs as properties and broken results as errors."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter

import pytest

from acceptance import run_suite


@pytest.fixture(scope="module")
def violated(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("violated")
    return run_suite(tmp, "-m", "staging and render", "--env", "sandbox", f"--junitxml={tmp / 'junit.xml'}",
                     world="P4-03"), tmp / "junit.xml"


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("broken")
    return run_suite(tmp, "-m", "staging and render", "--env", "sandbox", f"--junitxml={tmp / 'junit.xml'}",
                     world="deploy-in-flight"), tmp / "junit.xml"


def test_each_allure_title_starts_with_its_criterion_id(violated):
    run, _ = violated
    assert run.results
    for result in run.results:
        ids = sorted({lb["value"] for lb in result["labels"] if lb["name"] == "tag" and lb["value"].startswith("P4-")})
        assert result["name"].startswith(" ".join(ids) + " "), result["name"]


def test_each_tag_appears_once(violated):
    run, _ = violated
    assert run.results
    for result in run.results:
        tags = Counter(lb["value"] for lb in result["labels"] if lb["name"] == "tag")
        assert max(tags.values()) == 1, (result["name"], tags)


def test_the_error_title_reads_as_the_violation(violated, broken):
    [failed] = [r for r in violated[0].results if r["status"] == "failed"]
    assert failed["statusDetails"]["message"].splitlines()[0] == "P4-03 violated: service type"
    [unjudged] = [r for r in broken[0].results if r["status"] == "broken"]
    first = unjudged["statusDetails"]["message"].splitlines()[0]
    assert first.startswith("P4-08 broken: ") and "phasegate." not in first, first


def _cases(path):
    suite = ET.parse(path).getroot().find("testsuite")
    cases = {}
    for case in suite.iter("testcase"):
        props = [(p.get("name"), p.get("value")) for p in case.iter("property")]
        cases[case.get("name")] = (props, case)
    return suite, cases


def test_junit_carries_criterion_ids_as_properties(violated):
    _, path = violated
    suite, cases = _cases(path)
    assert cases
    for name, (props, _) in cases.items():
        criteria = [v for k, v in props if k == "criterion"]
        assert criteria and all(c.startswith("P4-") for c in criteria), name
    [(props, case)] = [(p, c) for p, c in cases.values() if ("criterion", "P4-03") in p]
    assert case.find("failure") is not None and ("phasegate_outcome", "failed") in props
    assert suite.get("failures") == "1" and suite.get("errors") == "0"


def test_junit_shows_broken_as_an_error_not_a_failure(broken):
    run, path = broken
    assert run.outcomes.get("P4-08") == "broken"
    suite, cases = _cases(path)
    [(props, case)] = [(p, c) for p, c in cases.values() if ("criterion", "P4-08") in p]
    assert case.find("error") is not None and case.find("failure") is None
    assert ("phasegate_outcome", "broken") in props
    assert suite.get("errors") == "1" and suite.get("failures") == "0"
