"""`phasegate gate`: real runs of one environment (a stand-in declared real), signed with ssh-keygen.

Every gate outcome from real run folders: open; drifted by a later failing run and by a later
broken one; a later run that only adds passes; unsigned; a signer not allowed; one flipped bit
in any listed file; expired; a partial later run and one broken as a whole. Each is one line
naming its cause, and its own exit code. What shipped: the gate opens for the commit the signed run
judged and closes for another (``--commit``), and closes CHANGED when a later run saw another commit live;
``--attest`` writes the decision, open or closed, as a SLSA Verification Summary.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
import shutil
import subprocess
from pathlib import Path

import pytest
from google.protobuf import json_format
from in_toto_attestation.predicates.vsa.v1 import vsa_pb2
from in_toto_attestation.v1 import statement_pb2
from in_toto_attestation.v1.statement import Statement

from phasegate import __version__ as phasegate_version
from phasegate.report import promotion
from phasegate.report.signoff import signoff
from cli_runner import phasegate
from standin import database_waivers, signing_key, standin_run
from test_ships import as_signed_by_an_earlier_phasegate
from test_signoff import SIGNER

SIGNED_SHA = "9f1c2e7b4a3d5e6f708192a3b4c5d6e7f8091a2b"  # the worker's live commit in the compliant world
LATER_SHA = "2c5d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9"  # ... and in compliant-redeployed

ENV = "standin-gate-" + secrets.token_hex(3)


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gate-keys")
    return signing_key(tmp)


@pytest.fixture(scope="module")
def runs(tmp_path_factory, keys):
    """Real runs of one environment, oldest first; the two bases signed (in copies kept aside)."""
    key, _ = keys
    base = tmp_path_factory.mktemp("gate-runs")
    reports = base / "reports"
    made = {}

    def run(label, *args, **kwargs):
        result, folder = standin_run(base / label, *args, profile_name=ENV, report_dir=reports, **kwargs)
        made[label] = folder
        return result

    # P4-03 fails and is waived: signable; a later compliant run only adds a pass.
    assert run("waived", world_name="P4-03", waived={**database_waivers(), "P4-03": "type change booked"}
               ).returncode == 1
    assert run("compliant").returncode == 0
    assert run("failing", world_name="P4-03").returncode == 1  # P4-03 failed, no waiver
    assert run("broken", world_name="events-unavailable").returncode == 1  # P4-62 broken
    assert run("partial", "-m", "staging and render", "-k", "P4-01").returncode == 0
    run("all-broken", faults="server_error_forever", env={"RENDER_RETRY_BUDGET_SECONDS": "2"})
    assert run("recovered").returncode == 0  # complete again: supersedes the two holes before it
    assert run("redeployed", world_name="compliant-redeployed").returncode == 0  # another commit is live now
    assert run("back").returncode == 0  # the signed commit is live again
    signed = base / "signed"
    signed.mkdir()
    for label in ("waived", "compliant"):
        copy = signed / made[label].name
        shutil.copytree(made[label], copy)
        signoff(copy, key, SIGNER)
        made[f"{label}-signed"] = copy
    return made


def env_folder(tmp_path: Path, runs: dict, *labels: str) -> Path:
    """reports/<env> holding the given runs (copies; names kept, so time order is kept)."""
    folder = tmp_path / "reports" / ENV
    folder.mkdir(parents=True)
    for label in labels:
        shutil.copytree(runs[label], folder / runs[label].name)
    return folder


def gate(folder: Path, allowed: Path, *extra: str) -> subprocess.CompletedProcess:
    return phasegate("gate", folder, "--phase", "phase4", "--allowed-signers", allowed, *extra)


def one_line(done: subprocess.CompletedProcess) -> str:
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1 and not done.stderr, done.stdout + done.stderr
    return lines[0]


def test_a_fresh_signed_run_opens_the_gate(runs, keys, tmp_path):
    _, allowed = keys
    folder = env_folder(tmp_path, runs, "compliant-signed")
    done = gate(folder, allowed)
    line = one_line(done)
    assert done.returncode == 0, line
    assert line.startswith(f"OPEN: phase4 signed ") and f"by {SIGNER} ({runs['compliant'].name})" in line
    assert "(max 7d); 0 later run(s), no drift" in line


def test_a_later_run_that_only_adds_passes_keeps_it_open(runs, keys, tmp_path):
    _, allowed = keys
    folder = env_folder(tmp_path, runs, "waived-signed", "compliant")  # P4-03: waived at sign-off, passed since
    done = gate(folder, allowed, "--json")
    decision = json.loads(done.stdout)
    assert done.returncode == 0 and decision["open"] is True, done.stdout
    assert decision["signed_run"] == runs["waived"].name and decision["signer"] == SIGNER
    assert [r["run"] for r in decision["later_runs"]] == [runs["compliant"].name]
    assert decision["later_runs"][0]["regressions"] == [] and decision["later_runs"][0]["cannot_tell"] is None
    assert decision["max_age_seconds"] == 7 * 86400 and 0 <= decision["age_seconds"] < 3600


def test_a_later_failing_run_drifts_the_gate(runs, keys, tmp_path):
    _, allowed = keys
    folder = env_folder(tmp_path, runs, "compliant-signed", "failing")
    done = gate(folder, allowed)
    line = one_line(done)
    assert done.returncode == 1, line
    assert line.startswith("DRIFTED: phase4 signed ") and f"by {SIGNER}" in line
    assert f"; since then P4-03 failed in the run of " in line and f"({runs['failing'].name})" in line


def test_a_later_broken_criterion_drifts_the_gate(runs, keys, tmp_path):
    _, allowed = keys
    folder = env_folder(tmp_path, runs, "compliant-signed", "broken")
    done = gate(folder, allowed)
    line = one_line(done)
    assert done.returncode == 1 and "since then P4-62 broke in the run of " in line, line


def test_drift_is_named_once_where_it_first_happened_and_status_shows_it(runs, keys, tmp_path):
    _, allowed = keys
    folder = env_folder(tmp_path, runs, "compliant-signed", "failing", "broken")
    line = one_line(gate(folder, allowed))
    assert line.count("P4-03 failed") == 1 and "P4-62 broke" in line
    assert line.index(runs["failing"].name) < line.index(runs["broken"].name)
    status = phasegate("status", folder)
    drift = [ln for ln in status.stdout.splitlines() if ln.startswith("phase4 since its sign-off: ")]
    assert len(drift) == 1, status.stdout
    assert f"signed " in drift[0] and f"; since then P4-03 failed in the run of " in drift[0]
    assert status.returncode == 2  # status's code stays the newest run's (here broken); the line adds the drift
    as_json = phasegate("status", folder, "--json")
    assert "since then P4-03 failed" in json.loads(as_json.stdout.splitlines()[0])["since_signoff"]
    summary = tmp_path / "summary.md"  # the nightly's job summary carries status's lines, the drift line too
    assert phasegate("summary", folder, "--out", summary).returncode == 0
    assert "phase4 since its sign-off: signed " in summary.read_text()


def test_status_has_no_drift_line_without_a_signed_run_followed_by_others(runs, tmp_path):
    folder = env_folder(tmp_path, runs, "compliant", "failing")
    assert "since its sign-off" not in phasegate("status", folder).stdout


def test_an_unsigned_environment_has_no_valid_signature(runs, keys, tmp_path):
    _, allowed = keys
    folder = env_folder(tmp_path, runs, "compliant", "failing")
    done = gate(folder, allowed)
    line = one_line(done)
    assert done.returncode == 2
    assert line == (f"NO VALID SIGNATURE: phase4: no signed run in {folder} (2 run(s), none signed; newest "
                    f"{runs['failing'].name})")


def test_a_signer_not_allowed_has_no_valid_signature(runs, tmp_path):
    folder = env_folder(tmp_path, runs, "compliant-signed")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "other")], check=True)
    allowed = tmp_path / "allowed"
    allowed.write_text(f'quinn@example.com namespaces="phasegate" {(tmp_path / "other.pub").read_text().strip()}\n')
    done = gate(folder, allowed)
    line = one_line(done)
    assert done.returncode == 2
    assert line.startswith(f"NO VALID SIGNATURE: phase4: the newest signed run {runs['compliant'].name} does not "
                           "verify: manifest.json: signature does not verify for quinn@example.com"), line


def test_one_flipped_bit_in_any_listed_file_closes_the_gate_naming_it(runs, keys, tmp_path):
    _, allowed = keys
    folder = env_folder(tmp_path, runs, "compliant-signed")
    run = folder / runs["compliant"].name
    listed = sorted(json.loads((run / "manifest.json").read_text())["files"]) + ["manifest.json"]
    assert "attestation.intoto.json" in listed and len(listed) > 20
    for name in listed:
        path = run / name
        original = path.read_bytes()
        flipped = bytearray(original)
        flipped[len(flipped) // 2] ^= 0x01
        path.write_bytes(bytes(flipped))
        try:
            decision = promotion.decide(folder, "phase4", allowed, dt.timedelta(days=7))
        finally:
            path.write_bytes(original)
        assert decision.code == promotion.NO_SIGNATURE, (name, decision.line)
        assert name in decision.line and "\n" not in decision.line, decision.line
    done = gate(folder, allowed)  # restored: open again
    assert done.returncode == 0, done.stdout


def test_a_flipped_bit_in_the_attestation_is_named_on_the_command_line(runs, keys, tmp_path):
    _, allowed = keys
    folder = env_folder(tmp_path, runs, "compliant-signed")
    path = folder / runs["compliant"].name / "attestation.intoto.json"
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0x01
    path.write_bytes(bytes(data))
    done = gate(folder, allowed)
    line = one_line(done)
    assert done.returncode == 2
    assert line.endswith("does not verify: attestation.intoto.json: changed (its SHA-256 differs from "
                         "manifest.json)"), line


def test_an_old_sign_off_is_expired(runs, keys, tmp_path):
    key, allowed = keys
    folder = env_folder(tmp_path, runs, "compliant")
    eight_days_ago = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) - dt.timedelta(days=8)
    signoff(folder / runs["compliant"].name, key, SIGNER, now=eight_days_ago)
    done = gate(folder, allowed)
    line = one_line(done)
    assert done.returncode == 3
    assert line.startswith("EXPIRED: phase4 signed ") and line.endswith("; 8d old, older than --max-age 7d"), line
    assert gate(folder, allowed, "--max-age", "9d").returncode == 0
    assert gate(folder, allowed, "--max-age", "190h").returncode == 3
    assert gate(folder, allowed, "--max-age", "12000m").returncode == 0


def test_a_waiver_the_sign_off_relied_on_that_expired_expires_the_gate(runs, keys, tmp_path):
    _, allowed = keys
    folder = env_folder(tmp_path, runs, "waived-signed")
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=40)  # the waivers expire in 30 days
    decision = promotion.decide(folder, "phase4", allowed, dt.timedelta(days=60), now=later)
    assert decision.code == promotion.EXPIRED
    assert "the waiver(s) it relied on expired: P4-03 (" in decision.line, decision.line


def test_a_later_partial_run_cannot_tell(runs, keys, tmp_path):
    _, allowed = keys
    folder = env_folder(tmp_path, runs, "compliant-signed", "partial")
    done = gate(folder, allowed)
    line = one_line(done)
    assert done.returncode == 4, line
    assert line.startswith("UNCONFIRMED: phase4 signed ")
    assert f"the run of " in line and f"({runs['partial'].name}) cannot tell: partial: not judged" in line
    assert "P4-02" in line


def test_a_later_run_broken_as_a_whole_cannot_tell(runs, keys, tmp_path):
    _, allowed = keys
    folder = env_folder(tmp_path, runs, "compliant-signed", "all-broken")
    done = gate(folder, allowed)
    line = one_line(done)
    assert done.returncode == 4, line
    assert f"({runs['all-broken'].name}) cannot tell: broken as a whole: no criterion could be judged" in line
    assert "DRIFTED" not in line and "broke in" not in line


def test_a_complete_later_run_supersedes_the_holes_before_it(runs, keys, tmp_path):
    _, allowed = keys
    folder = env_folder(tmp_path, runs, "compliant-signed", "partial", "all-broken", "recovered")
    done = gate(folder, allowed)
    line = one_line(done)
    assert done.returncode == 0, line
    assert line.endswith("; 3 later run(s), no drift (2 of them could not tell, superseded by a complete later run)")
    # ... but what a partial run did judge still counts: a failure in it is drift, whatever came after.
    folder = env_folder(tmp_path / "b", runs, "compliant-signed", "failing", "recovered")
    assert gate(folder, allowed).returncode == 1


def test_drift_comes_first_and_the_other_causes_follow_on_the_line(runs, keys, tmp_path):
    _, allowed = keys
    folder = env_folder(tmp_path, runs, "compliant-signed", "failing", "partial")
    decision = json.loads(gate(folder, allowed, "--json").stdout)
    assert decision["code"] == 1 and decision["decision"] == "DRIFTED"
    assert [c["code"] for c in decision["causes"]] == [1, 4]
    assert "; also the run of " in decision["line"]


def test_usage_errors_are_64_not_a_gate_code(runs, keys, tmp_path):
    _, allowed = keys
    folder = env_folder(tmp_path, runs, "compliant-signed")
    for args in (["--max-age", "7 days"], ["--max-age", "0d"]):
        done = gate(folder, allowed, *args)
        assert done.returncode == 64 and "--max-age" in done.stderr, done.stderr
    assert gate(folder, tmp_path / "missing").returncode == 64
    assert gate(tmp_path / "nowhere", allowed).returncode == 64
    assert phasegate("gate", folder, "--allowed-signers", allowed).returncode == 64  # no --phase
    nothing = phasegate("gate", folder, "--phase", "phase9", "--allowed-signers", allowed)
    assert nothing.returncode == 2 and "no run of this phase" in nothing.stdout and "phase4" in nothing.stdout


def test_a_sign_off_of_another_environment_does_not_open_this_one(runs, keys, tmp_path):
    _, allowed = keys
    folder = tmp_path / "reports" / "production"
    folder.mkdir(parents=True)
    shutil.copytree(runs["compliant-signed"], folder / runs["compliant"].name)
    done = gate(folder, allowed)
    assert done.returncode == 2 and f"of environment {ENV!r}, not phase4 of 'production'" in done.stdout


def _drop_criterion(record: dict) -> str:
    for part in (record["phase"]["criteria"], record["criteria"]):
        del part["P4-12"]
    record["completeness"]["phase_criteria"].remove("P4-12")
    return json.dumps(record)


@pytest.mark.parametrize("change, cause", [
    (_drop_criterion, "cannot tell: does not judge what the sign-off covered (not in its catalogue or "
                      "environment): P4-12"),
    (lambda record: json.dumps(record)[:-9], "cannot tell: run.json cannot be read (JSONDecodeError)"),
], ids=["catalogue without a signed criterion", "corrupt run.json"])
def test_a_later_run_that_cannot_be_compared_cannot_tell(runs, keys, tmp_path, change, cause):
    _, allowed = keys
    folder = env_folder(tmp_path, runs, "waived-signed", "compliant")
    record = folder / runs["compliant"].name / "run.json"
    record.write_text(change(json.loads(record.read_text())))
    done = gate(folder, allowed)
    line = one_line(done)
    assert done.returncode == 4 and line.endswith(f"({runs['compliant'].name}) {cause}"), line


def test_the_job_summary_carries_status_drift_line(runs, tmp_path):
    """phasegate summary (the nightly's job summary) includes status's lines verbatim: the drift line too."""
    folder = env_folder(tmp_path, runs, "compliant-signed", "failing")
    out = tmp_path / "summary.md"
    done = phasegate("summary", folder, "--out", out)
    assert done.returncode == 0, done.stdout + done.stderr
    text = out.read_text(encoding="utf-8")
    assert re.search(r"^- phase4 since its sign-off: signed .*; since then P4-03 failed in the run of ",
                     text, re.M), text
    assert "| Phase 4 | P4-03 | The service is a background worker | ❌ failed |" in text


# --------------------------------------------------------------------------- what shipped

@pytest.mark.parametrize("commit", [SIGNED_SHA, f"worker={SIGNED_SHA}", f"upload-worker-staging={SIGNED_SHA.upper()}"])
def test_the_gate_opens_for_the_commit_the_signed_run_judged(runs, keys, tmp_path, commit):
    _, allowed = keys
    folder = env_folder(tmp_path, runs, "compliant-signed")
    line = one_line(done := gate(folder, allowed, "--commit", commit))
    assert done.returncode == 0, line
    assert line.startswith("OPEN: phase4 signed ") and ", upload-worker-staging at 9f1c2e7, " in line


def test_another_commit_is_not_the_signed_one_naming_both(runs, keys, tmp_path):
    _, allowed = keys
    folder = env_folder(tmp_path, runs, "compliant-signed")
    for commit in (LATER_SHA, f"worker={LATER_SHA}"):
        line = one_line(done := gate(folder, allowed, "--commit", commit))
        assert done.returncode == 6, line
        assert line.startswith(f"NOT THE SIGNED COMMIT: phase4 signed ")
        assert line.endswith(f"; the signed run judged upload-worker-staging at 9f1c2e7 (deploy "
                             f"dep-d3c1q2r3ipnbs73b0lk4g), not 2c5d8e9 (--commit {commit[:-33]}…)"), line
    decision = json.loads(gate(folder, allowed, "--commit", LATER_SHA, "--commit", f"worker={SIGNED_SHA}",
                               "--json").stdout)
    assert decision["code"] == 6 and decision["commits_asked"] == [
        {"service": "every judged service", "commit": LATER_SHA}, {"service": "worker", "commit": SIGNED_SHA}]
    assert decision["judged_services"][0]["deploy"]["commit"] == SIGNED_SHA


def test_a_later_run_that_saw_another_commit_live_closes_the_gate_as_changed(runs, keys, tmp_path):
    _, allowed = keys
    folder = env_folder(tmp_path, runs, "compliant-signed", "redeployed")
    line = one_line(done := gate(folder, allowed))
    assert done.returncode == 5, line
    changed = (f"upload-worker-staging signed at 9f1c2e7 (deploy dep-d3c1q2r3ipnbs73b0lk4g); {ENV} now runs 2c5d8e9 "
               f"since 2025-10-15 09:16 UTC (deploy dep-d3c5r3d3ipnbs73redep0, seen by the run of ")
    assert line.startswith("CHANGED: phase4 signed ") and f"; {changed}" in line, line
    assert line.endswith(f"({runs['redeployed'].name}))"), line
    status = phasegate("status", folder)  # status and the nightly's job summary carry the same line
    assert f"; CHANGED: {changed}" in status.stdout and status.returncode == 0, status.stdout
    summary = tmp_path / "summary.md"
    assert phasegate("summary", folder, "--out", summary).returncode == 0
    assert f"CHANGED: {changed}" in summary.read_text()
    # The commit the pipeline asks about is the signed one: it may go on (what runs in staging now is not it).
    assert gate(folder, allowed, "--commit", f"worker={SIGNED_SHA}").returncode == 0
    assert gate(folder, allowed, "--commit", LATER_SHA).returncode == 6


def test_the_newest_later_run_decides_what_runs_now(runs, keys, tmp_path):
    _, allowed = keys
    folder = env_folder(tmp_path, runs, "compliant-signed", "redeployed", "back")
    line = one_line(done := gate(folder, allowed))
    assert done.returncode == 0 and line.endswith("; 2 later run(s), no drift"), line


def test_changed_is_as_strong_as_drift_and_follows_it_on_the_line(runs, keys, tmp_path):
    _, allowed = keys
    folder = env_folder(tmp_path, runs, "compliant-signed", "failing", "partial", "redeployed")
    decision = json.loads(gate(folder, allowed, "--json").stdout)
    assert decision["decision"] == "DRIFTED" and [c["code"] for c in decision["causes"]] == [1, 5]
    assert "; also upload-worker-staging signed at 9f1c2e7 " in decision["line"]
    assert decision["later_runs"][-1]["judged_services"][0]["deploy"]["commit"] == LATER_SHA
    decision = json.loads(gate(folder, allowed, "--json", "--commit", LATER_SHA).stdout)
    assert [c["code"] for c in decision["causes"]] == [6, 1]  # named by --commit: not CHANGED, not the signed one


def test_a_run_signed_before_commits_were_recorded_carries_none(runs, keys, tmp_path):
    key, allowed = keys
    folder = env_folder(tmp_path, runs, "compliant-signed", "redeployed")
    as_signed_by_an_earlier_phasegate(folder / runs["compliant"].name, key)
    line = one_line(done := gate(folder, allowed))
    assert done.returncode == 0, line  # it verifies; what changed since cannot be told, and the line says so
    assert line.endswith(f"; {runs['compliant'].name} carries no commit (signed before phasegate recorded what it "
                         "judged): whether the services changed since cannot be told"), line
    line = one_line(done := gate(folder, allowed, "--commit", SIGNED_SHA))
    assert done.returncode == 6
    assert line.endswith(f"; --commit 9f1c2e7: the signed run {runs['compliant'].name} carries no commit (signed "
                         "before phasegate recorded what it judged), so it cannot be said to have judged it"), line


@pytest.mark.parametrize("commit, said", [
    ("9f1c2e7", "--commit '9f1c2e7': give the full commit SHA (40 hex digits)"),
    (f"={SIGNED_SHA}", "nothing before '='"),
    (f"web={SIGNED_SHA}", f"judged no service 'web' (it judged: worker upload-worker-staging)"),
])
def test_a_commit_the_gate_cannot_be_asked_is_a_usage_error(runs, keys, tmp_path, commit, said):
    _, allowed = keys
    folder = env_folder(tmp_path, runs, "compliant-signed")
    done = gate(folder, allowed, "--commit", commit)
    assert done.returncode == 64 and said in done.stderr and not done.stdout, done.stderr


# --------------------------------------------------------------------------- the decision as a VSA

def _is_uri(text) -> bool:
    return isinstance(text, str) and bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$", text))


def vsa_problems(statement: dict) -> list[str]:
    """What does not hold of SLSA's Verification Summary v1 (its fields as the spec, 1.1, defines them)."""
    p, problems = statement.get("predicate") or {}, []
    known = {"verifier", "timeVerified", "resourceUri", "policy", "inputAttestations", "verificationResult",
             "verifiedLevels", "dependencyLevels", "slsaVersion"}
    problems += [f"unknown field {k} is not a URI (extension fields must be)" for k in set(p) - known if not _is_uri(k)]
    verifier = p.get("verifier") or {}
    problems += [] if _is_uri(verifier.get("id")) else ["verifier.id is not a URI"]
    version = verifier.get("version", {})
    problems += [] if isinstance(version, dict) and all(isinstance(v, str) for v in version.values()) else \
        ["verifier.version is not a map of strings"]
    try:
        dt.datetime.fromisoformat(str(p.get("timeVerified")).replace("Z", "+00:00"))
    except ValueError:
        problems.append("timeVerified is not a timestamp")
    problems += [] if _is_uri(p.get("resourceUri")) else ["resourceUri is not a URI"]
    policy = p.get("policy") or {}
    problems += [] if _is_uri(policy.get("uri")) else ["policy.uri is missing"]
    problems += [f"an input attestation has no digest: {a}" for a in p.get("inputAttestations", []) if not a.get("digest")]
    result, levels = p.get("verificationResult"), p.get("verifiedLevels")
    problems += [] if result in ("PASSED", "FAILED") else [f"verificationResult {result!r}"]
    if not (isinstance(levels, list) and levels and all(isinstance(x, str) for x in levels)):
        problems.append("verifiedLevels is not a list of SlsaResults")
    elif result == "FAILED" and levels != ["FAILED"]:
        problems.append("a failed verification's verifiedLevels is not FAILED")
    elif any(x.startswith("SLSA_") and not re.match(r"^SLSA_[A-Z]+_LEVEL_(\d|UNEVALUATED)$", x) for x in levels):
        problems.append("a custom level starts with SLSA_")
    problems += [] if re.match(r"^\d+\.\d+$", str(p.get("slsaVersion", "1.0"))) else ["slsaVersion is not MAJOR.MINOR"]
    return problems


def written_vsa(path: Path) -> dict:
    data = json.loads(path.read_text())
    Statement.copy_from_pb(json_format.ParseDict(data, statement_pb2.Statement())).validate()  # the in-toto bindings
    assert data["_type"] == "https://in-toto.io/Statement/v1"
    assert data["predicateType"] == "https://slsa.dev/verification_summary/v1"
    assert vsa_problems(data) == [], vsa_problems(data)
    return data


def test_an_open_decision_is_a_passed_vsa_about_the_commit(runs, keys, tmp_path):
    _, allowed = keys
    folder = env_folder(tmp_path, runs, "compliant-signed", "recovered")
    out = tmp_path / "vsa.json"
    line = one_line(done := gate(folder, allowed, "--commit", f"worker={SIGNED_SHA}", "--attest", out))
    assert done.returncode == 0, line
    data = written_vsa(out)
    signed = folder / runs["compliant"].name
    assert data["subject"] == [{"name": "render:upload-worker-staging", "digest": {"gitCommit": SIGNED_SHA}}]
    p = data["predicate"]
    assert (p["verificationResult"], p["verifiedLevels"]) == ("PASSED", ["PHASEGATE_SIGNED_PHASE"])
    assert p["verifier"] == {"id": "urn:phasegate:gate", "version": {"phasegate": phasegate_version}}
    assert p["resourceUri"] == f"render://{ENV}/phase4?upload-worker-staging={SIGNED_SHA}"
    assert p["inputAttestations"] == [
        {"uri": (signed / name).as_posix(), "digest": {"sha256": hashlib.sha256((signed / name).read_bytes()).hexdigest()}}
        for name in ("attestation.intoto.json", "attestation.intoto.jsonl")]
    recorded = {c["name"]: c["sha256"] for c in json.loads((signed / "run.json").read_text())["configuration"]
                if c["name"].startswith("features/phase4/")}
    assert p["policy"]["annotations"] == {"maxAge": "7d", "features": recorded} and "features/phase4/phase.yaml" in recorded
    listing = "".join(f"{d}  {n}\n" for n, d in sorted(recorded.items()))
    assert p["policy"]["digest"] == {"sha256": hashlib.sha256(listing.encode()).hexdigest()}
    decision = p["urn:phasegate:gate:decision"]
    assert decision["line"] == line and decision["code"] == 0 and decision["causes"] == []
    assert dt.datetime.fromisoformat(p["timeVerified"].replace("Z", "+00:00")) <= dt.datetime.now(dt.timezone.utc)


@pytest.mark.parametrize("labels, extra, code, subject", [
    (("compliant-signed",), ("--commit", LATER_SHA), 6, {"name": "render:upload-worker-staging",
                                                          "digest": {"gitCommit": LATER_SHA}}),
    (("compliant-signed", "redeployed"), (), 5, {"name": "render:upload-worker-staging",
                                                 "digest": {"gitCommit": SIGNED_SHA}}),
], ids=["another commit", "changed"])
def test_a_closed_decision_is_a_failed_vsa_naming_its_causes(runs, keys, tmp_path, labels, extra, code, subject):
    _, allowed = keys
    folder = env_folder(tmp_path, runs, *labels)
    out = tmp_path / "vsa.json"
    line = one_line(done := gate(folder, allowed, *extra, "--attest", out))
    assert done.returncode == code
    data = written_vsa(out)
    p = data["predicate"]
    assert (p["verificationResult"], p["verifiedLevels"]) == ("FAILED", ["FAILED"])
    assert data["subject"][0]["name"] == subject["name"]
    assert data["subject"][0]["digest"] == subject["digest"]
    decision = p["urn:phasegate:gate:decision"]
    assert decision["line"] == line and decision["code"] == code and decision["causes"][0]["code"] == code


def test_the_bindings_own_vsa_message_reads_what_it_knows_and_misdeclares_verified_levels(runs, keys, tmp_path):
    """in-toto-attestation's VSA v1 message lacks verifier.version and declares verifiedLevels a string, not
    the spec's array: the VSA is checked to the spec above; the fields the message declares right parse."""
    _, allowed = keys
    out = tmp_path / "vsa.json"
    gate(env_folder(tmp_path, runs, "compliant-signed"), allowed, "--attest", out)
    p = written_vsa(out)["predicate"]
    declared = {k: v for k, v in p.items() if k not in ("verifiedLevels", "urn:phasegate:gate:decision")}
    declared["verifier"] = {"id": p["verifier"]["id"]}
    declared["policy"] = {k: v for k, v in p["policy"].items() if k != "annotations"}
    json_format.ParseDict(declared, vsa_pb2.VerificationSummary())
    with pytest.raises(json_format.ParseError):
        json_format.ParseDict({"verifiedLevels": p["verifiedLevels"]}, vsa_pb2.VerificationSummary())


def test_no_vsa_without_anything_to_name_and_usage_errors(runs, keys, tmp_path):
    _, allowed = keys
    folder = env_folder(tmp_path, runs, "compliant")
    out = tmp_path / "vsa.json"
    done = gate(folder, allowed, "--attest", out)
    assert done.returncode == 2 and len(done.stdout.strip().splitlines()) == 1
    assert "--attest: no verification summary written" in done.stderr and not out.exists()
    assert gate(folder, allowed, "--commit", SIGNED_SHA, "--attest", out).returncode == 2
    assert written_vsa(out)["subject"] == [{"name": "git:commit", "digest": {"gitCommit": SIGNED_SHA}}]
    done = gate(folder, allowed, "--attest", tmp_path / "nowhere" / "vsa.json")
    assert done.returncode == 64 and "--attest" in done.stderr
