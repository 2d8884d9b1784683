"""The sign-off's in-toto attestation, from real signed runs (a stand-in declared real, ssh-keygen).

It validates against the in-toto Attestation Framework's own Python bindings, its subjects'
digests equal the files', its verdicts and configuration are the run's, and verify fails,
naming it, when a file changed or a re-signed attestation no longer tells the truth. Its
``result`` is the spec's enum (PASSED, WARNED, FAILED); a statement an earlier phasegate wrote
(``pass``/``fail``) still verifies, read in the spec's terms, and verify and gate say so.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import subprocess
from pathlib import Path

import pytest
from google.protobuf import json_format
from in_toto_attestation.predicates.test_result.v0 import test_result_pb2
from in_toto_attestation.v1 import statement_pb2
from in_toto_attestation.v1.statement import Statement

from acceptance import ROOT
from cli_runner import phasegate
from phasegate.record.run_record import RunRecord
from phasegate.report import attestation
from phasegate.catalogue.criteria import load_phase
from phasegate.catalogue.waivers import Waiver, judge
from phasegate.report.model import Result, Run, load_run
from standin import database_waivers, standin_run
from test_signoff import SIGNER, copy, keys, passing_run, staging_run  # noqa: F401 (fixtures)

NOT_SUBJECTS = {"manifest.json", "manifest.json.sig", "attestation.intoto.json", "attestation.intoto.jsonl",
                "attestation.pub.pem"}


@pytest.fixture(scope="module")
def waived_run(tmp_path_factory):
    run, folder = staging_run(tmp_path_factory.mktemp("p4-03-waived"), "P4-03",
                              {**database_waivers(), "P4-03": "type change booked with Render"})
    assert run.returncode == 1
    return folder


def signed(folder: Path, keys, tmp_path: Path) -> Path:
    key, _ = keys
    target = copy(folder, tmp_path)
    done = phasegate("signoff", target, "--key", key, "--signer", SIGNER)
    assert done.returncode == 0, done.stderr
    return target


def statement(folder: Path) -> dict:
    return json.loads((folder / "attestation.intoto.json").read_text())


def test_it_validates_against_the_in_toto_bindings(passing_run, keys, tmp_path):
    data = statement(signed(passing_run, keys, tmp_path))
    message = json_format.ParseDict(data, statement_pb2.Statement())  # unknown fields are refused
    Statement.copy_from_pb(message).validate()
    predicate = json_format.ParseDict(data["predicate"], test_result_pb2.TestResult())
    assert data["_type"] == "https://in-toto.io/Statement/v1"
    assert data["predicateType"] == "https://in-toto.io/attestation/test-result/v0.1"
    assert predicate.result == "WARNED" and list(predicate.passed_tests)  # the database criteria, waived
    assert data["predicate"]["url"].startswith("file:///") and data["predicate"]["url"].endswith(passing_run.name)


def test_its_subjects_are_every_file_of_the_folder_with_its_sha256(passing_run, keys, tmp_path):
    folder = signed(passing_run, keys, tmp_path)
    subjects = {s["name"]: s["digest"] for s in statement(folder)["subject"] if not s["name"].startswith("render:")}
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - NOT_SUBJECTS
    assert set(subjects) == files and "signoff.json" in files and "run.json" in files
    for name, digest in subjects.items():
        assert digest == {"sha256": hashlib.sha256((folder / name).read_bytes()).hexdigest()}, name
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["files"]["attestation.intoto.json"] == \
        hashlib.sha256((folder / "attestation.intoto.json").read_bytes()).hexdigest()


def test_waived_criteria_are_warned_naming_the_waiver_so_the_result_is_warned(waived_run, keys, tmp_path):
    folder = signed(waived_run, keys, tmp_path)
    predicate = statement(folder)["predicate"]
    criteria = json.loads((folder / "run.json").read_text())["criteria"]
    passed = sorted(cid for cid, c in criteria.items() if c["outcome"] == "passed")
    assert predicate["passedTests"] == passed and "P4-03" not in passed
    warned = {w.split(" ", 1)[0]: w for w in predicate["warnedTests"]}
    assert sorted(warned) == sorted(["P4-03", *database_waivers()])
    assert warned["P4-03"].startswith("P4-03 (waived, failed: type change booked with Render; approved by "
                                      "Ada Approver <ada@example.com>; expires ")
    assert predicate["failedTests"] == [] and predicate["result"] == "WARNED"  # waived, none failed outright
    assert phasegate("verify", folder, "--allowed-signers", keys[1]).returncode == 0


def _passed(cid: str) -> dict:
    """A criterion entry of run.json, as the record's schema has it (docs/run-record.schema.json)."""
    return {"title": cid, "concern": "", "severity": "normal", "outcome": "passed", "scenarios": []}


def test_result_is_passed_only_when_nothing_is_warned_or_failed(passing_run, tmp_path):
    folder = copy(passing_run, tmp_path)
    record = json.loads((folder / "run.json").read_text())
    verdicts = attestation.verdicts(load_run(folder))
    assert verdicts["result"] == "WARNED" and verdicts["warnedTests"]  # the database criteria, waived as not run
    # The same record with every criterion of the phase passed and no waiver: PASSED.
    for cid in record["completeness"]["phase_criteria"]:
        record["criteria"].setdefault(cid, _passed(cid))["outcome"] = "passed"
    record["waivers"] = []
    (folder / "run.json").write_text(json.dumps(record))
    verdicts = attestation.verdicts(load_run(folder))
    assert verdicts == {"result": "PASSED", "passedTests": sorted(record["completeness"]["phase_criteria"]),
                        "warnedTests": [], "failedTests": []}
    record["criteria"]["P4-03"]["outcome"] = "failed"
    (folder / "run.json").write_text(json.dumps(record))
    verdicts = attestation.verdicts(load_run(folder))
    assert verdicts["result"] == "FAILED" and verdicts["failedTests"] == ["P4-03 (failed)"]


def test_its_configuration_is_the_profile_features_and_waivers_with_digests(passing_run, keys, tmp_path):
    folder = signed(passing_run, keys, tmp_path)
    configuration = {c["name"]: c.get("digest") for c in statement(folder)["predicate"]["configuration"]}
    # The stand-in's profile lives in a temporary profiles folder (PHASEGATE_PROFILES_DIR), not in environments/.
    profile = [n for n in configuration if Path(n).name.startswith("standin-") and n.endswith(".env")]
    assert len(profile) == 1 and len(configuration[profile[0]]["sha256"]) == 64
    features = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "features" / "phase4").glob("*")
                      if p.suffix in (".feature", ".yaml"))
    for name in features:
        assert configuration[name] == {"sha256": hashlib.sha256((ROOT / name).read_bytes()).hexdigest()}, name
    assert any(n.endswith("waivers.yaml") for n in configuration)
    assert json.loads((folder / "run.json").read_text())["configuration"][0]["name"] == profile[0]


def test_verify_reports_the_attestation(passing_run, keys, tmp_path):
    folder = signed(passing_run, keys, tmp_path)
    done = phasegate("verify", folder, "--allowed-signers", keys[1])
    assert done.returncode == 0, done.stderr
    files = len(statement(folder)["subject"]) - 1  # the first names the worker's deploy
    warned = len(statement(folder)["predicate"]["warnedTests"])  # the database criteria, waived as not run
    passed = len(statement(folder)["predicate"]["passedTests"])
    assert (f"  Attestation: attestation.intoto.json (in-toto Statement v1, test-result v0.1): result WARNED, "
            f"{passed} passed, {warned} warned, 0 failed; {files} subjects match the files; judged render:upload-worker-staging "
            "at commit 9f1c2e7b4a3d5e6f708192a3b4c5d6e7f8091a2b") in done.stdout, done.stdout
    assert warned == 13 and passed == 28  # waived: P4-40…P4-51 and P4-63; passed: every other criterion
    assert "earlier phasegate" not in done.stdout


def _resign(folder: Path, key: Path, change) -> None:
    """Change the attestation, re-hash it in the manifest and sign again: a signature over a lie."""
    data = statement(folder)
    change(data)
    path = folder / "attestation.intoto.json"
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"]["attestation.intoto.json"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    (folder / "manifest.json.sig").unlink()
    subprocess.run(["ssh-keygen", "-Y", "sign", "-f", str(key), "-n", "phasegate", str(folder / "manifest.json")],
                   check=True, capture_output=True)


def _drop_passed(data):
    data["predicate"]["passedTests"].remove("P4-01")


def _wrong_digest(data):
    data["subject"][1]["digest"]["sha256"] = "0" * 64  # the first file (subject 0 is the worker's deploy)


def _extra_subject(data):
    data["subject"].append({"name": "notes.txt", "digest": {"sha256": "0" * 64}})


def _unknown_field(data):
    data["predicate"]["verdict"] = "trust me"


def _not_the_enum(data):
    data["predicate"]["result"] = "passed"


def _other_commit(data):
    data["subject"][0]["digest"]["gitCommit"] = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"


def _service_dropped(data):
    data["subject"].pop(0)


def _earlier_pass_over_waivers(data):
    data["predicate"]["result"] = "pass"  # an earlier phasegate never wrote pass with anything warned


@pytest.mark.parametrize("change, expected", [
    (_drop_passed, "attestation.intoto.json: passedTests says "),
    (_wrong_digest, "attestation.intoto.json: subject allure-report.html's sha256 differs from the file's"),
    (_extra_subject, "attestation.intoto.json: subject notes.txt is not a file of the run folder"),
    (_other_commit, 'attestation.intoto.json: subject render:upload-worker-staging\'s digest says {"gitCommit": '
                    '"1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"}, run.json {"gitCommit": "9f1c2e7b4a3d5e6f708192a3b4c5d6e7f8091a2b"}'),
    (_service_dropped, "attestation.intoto.json: render:upload-worker-staging is not among its subjects"),
    (_unknown_field, "attestation.intoto.json: not an in-toto test-result Statement"),
    (_not_the_enum, "attestation.intoto.json: not an in-toto test-result Statement (predicate result is 'passed', "
                    "not PASSED, WARNED or FAILED)"),
    (_earlier_pass_over_waivers, 'attestation.intoto.json: result says "pass" (read as PASSED), run.json "WARNED"'),
])
def test_a_signed_attestation_that_does_not_match_the_run_fails_verify(passing_run, keys, tmp_path, change,
                                                                        expected):
    key, allowed = keys
    folder = signed(passing_run, keys, tmp_path)
    _resign(folder, key, change)
    done = phasegate("verify", folder, "--allowed-signers", allowed)
    assert done.returncode == 1
    assert done.stderr.startswith(f"phasegate verify: FAILED: {expected}"), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_sign_off_that_cannot_sign_leaves_no_attestation(passing_run, tmp_path):
    folder = copy(passing_run, tmp_path)
    bad_key = tmp_path / "not-a-key"
    bad_key.write_text("not a key\n")
    done = phasegate("signoff", folder, "--key", bad_key, "--signer", SIGNER)
    assert done.returncode == 2 and "is not an OpenSSH private key phasegate can read" in done.stderr, done.stderr
    assert not (folder / "attestation.intoto.json").exists() and not (folder / "signoff.json").exists()
    assert not (folder / "attestation.intoto.jsonl").exists() and not (folder / "attestation.pub.pem").exists()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert "attestation.intoto.json" not in manifest["files"]


def test_a_run_written_in_ci_names_its_ci_run_as_the_url(tmp_path, keys):
    ci = {"GITHUB_RUN_ID": "4242", "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/phasegate"}
    run, folder = standin_run(tmp_path, env=ci)
    assert run.returncode == 0, run.stdout + run.stderr
    predicate = statement(signed(folder, keys, tmp_path / "signed"))["predicate"]
    assert predicate["url"] == "https://github.com/acme/phasegate/actions/runs/4242"


def _built_run(folder: Path, outcomes: dict[str, str]) -> Run:
    """A run built in memory: criterion -> outcome, ``waived:<outcome>`` under an active waiver."""
    now = _dt.datetime(2026, 11, 30, 14, 2, tzinfo=_dt.timezone.utc)
    results = {}
    for cid, outcome in outcomes.items():
        waiver = Waiver(cid, "booked with Render", "Ada Approver <ada@example.com>", _dt.date(2026, 12, 31))
        judged = judge(outcome.split(":")[-1], waiver if outcome.startswith("waived:") else None, now)
        results[cid] = Result(cid, cid, "concern", "high", judged)
    record = RunRecord(version=3, state="running", phase=None, environment="staging", profile="staging.env",
                       sandbox=False, selection={}, phasegate_version="0", configuration=[])
    return Run(folder, record, results, now, load_phase(ROOT, "phase4"))


@pytest.mark.parametrize("outcomes, expected", [
    ({"P4-01": "passed", "P4-02": "passed"}, "PASSED"),
    ({"P4-01": "passed", "P4-02": "waived:failed", "P4-03": "waived:not run"}, "WARNED"),
    ({"P4-01": "passed", "P4-02": "waived:failed", "P4-03": "failed"}, "FAILED"),
    ({"P4-01": "broken"}, "FAILED"),
])
def test_the_statement_s_result_is_the_spec_s_enum(tmp_path, outcomes, expected):
    run = _built_run(tmp_path, outcomes)
    verdicts = attestation.verdicts(run)
    assert attestation.result_of(verdicts["warnedTests"], verdicts["failedTests"]) == expected
    data = attestation.build(run, {"run.json": "0" * 64})  # validated by the bindings
    assert data["predicate"]["result"] == expected and expected in attestation.RESULT_ENUM
    assert attestation.parse(json.dumps(data))["predicate"]["result"] == expected
    assert attestation.read_result(data["predicate"]) == (expected, None)
    assert attestation.note(data) is None


def test_result_of_is_the_mapping_alone():
    assert attestation.result_of([], []) == "PASSED"
    assert attestation.result_of(["P4-03 (waived, ...)"], []) == "WARNED"
    assert attestation.result_of(["P4-03 (waived, ...)"], ["P4-04 (failed)"]) == "FAILED"
    assert attestation.result_of([], ["P4-04 (not run)"]) == "FAILED"


@pytest.mark.parametrize("predicate, read", [
    ({"result": "pass"}, "PASSED"),
    ({"result": "fail", "warnedTests": ["P4-03 (waived, ...)"]}, "WARNED"),
    ({"result": "fail", "warnedTests": ["P4-03 (waived, ...)"], "failedTests": ["P4-04 (failed)"]}, "FAILED"),
    ({"result": "fail"}, "FAILED"),  # never written: it then differs from a run that passed
])
def test_an_earlier_phasegate_s_result_is_read_in_the_spec_s_terms(predicate, read):
    assert attestation.read_result(predicate) == (read, f"attestation.intoto.json written by an earlier phasegate: "
                                                        f"result {predicate['result']!r} read as {read}")


def _earlier_style(folder: Path, key: Path, everything_passed: bool) -> None:
    """Sign the run again as an earlier phasegate would have: ``result`` ``pass``/``fail`` (``pass`` only for a run
    whose every criterion passed, unwaived: run.json is made one first, and its digest re-listed), and no DSSE
    envelope."""
    manifest = json.loads((folder / "manifest.json").read_text())
    for name in ("attestation.intoto.jsonl", "attestation.pub.pem"):
        (folder / name).unlink()
        del manifest["files"][name]
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    if everything_passed:
        record = json.loads((folder / "run.json").read_text())
        for cid in record["completeness"]["phase_criteria"]:
            record["criteria"].setdefault(cid, _passed(cid))["outcome"] = "passed"
        record["waivers"] = []
        (folder / "run.json").write_text(json.dumps(record))
        manifest = json.loads((folder / "manifest.json").read_text())
        manifest["files"]["run.json"] = hashlib.sha256((folder / "run.json").read_bytes()).hexdigest()
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        rebuilt = attestation.build(load_run(folder), manifest["files"])
        _resign(folder, key, lambda data: data.update(rebuilt))
    _resign(folder, key, lambda data: data["predicate"].update(result="pass" if everything_passed else "fail"))


@pytest.mark.parametrize("everything_passed, written, read", [(True, "pass", "PASSED"), (False, "fail", "WARNED")])
def test_a_statement_an_earlier_phasegate_wrote_still_verifies_and_says_so(passing_run, keys, tmp_path,
                                                                            everything_passed, written, read):
    key, allowed = keys
    folder = signed(passing_run, keys, tmp_path / "reports" / "staging")
    _earlier_style(folder, key, everything_passed)
    assert statement(folder)["predicate"]["result"] == written
    done = phasegate("verify", folder, "--allowed-signers", allowed)
    assert done.returncode == 0, done.stderr
    note = f"attestation.intoto.json written by an earlier phasegate: result '{written}' read as {read}"
    assert f"\n  Note: {note}" in done.stdout and f"result {written}, " in done.stdout, done.stdout
    environment = json.loads((folder / "manifest.json").read_text())["environment"]
    env_folder = folder.parent.rename(folder.parent.parent / environment)
    gate = phasegate("gate", env_folder, "--phase", "phase4", "--allowed-signers", allowed, "--json")
    decision = json.loads(gate.stdout)
    assert gate.returncode == 0 and decision["notes"] == [note], gate.stdout + gate.stderr
    assert decision["line"].startswith("OPEN: ") and decision["line"].endswith(f"; {note}")
