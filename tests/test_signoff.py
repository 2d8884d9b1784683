"""Sign-off and verify: a real, non-sandbox run against a stand-in Render; OpenSSH keys; tampering."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from acceptance import run_suite
from cli_runner import phasegate
from standin import database_waivers, in_days, signing_key, standin_run

SIGNER = "Quinn QA <quinn@example.com>"


def staging_run(tmp: Path, world_name: str = "compliant", waived: dict | None = None, html: bool = False) -> tuple:
    """A NON-sandbox run: a declared-real profile reading a stand-in Render; the database criteria waived."""
    return standin_run(tmp, world_name=world_name, waived=waived, html=html)


@pytest.fixture(scope="module")
def passing_run(tmp_path_factory):
    run, folder = staging_run(tmp_path_factory.mktemp("staging"), html=True)  # signed whole, its Allure HTML too
    assert run.returncode == 0, run.stdout + run.stderr
    return folder


@pytest.fixture(scope="module")
def failing_run(tmp_path_factory):
    run, folder = staging_run(tmp_path_factory.mktemp("p4-03"), "P4-03")
    assert run.returncode == 1
    return folder


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("keys")
    return signing_key(tmp)


def copy(folder: Path, tmp_path: Path) -> Path:
    target = tmp_path / folder.name
    shutil.copytree(folder, target)
    return target


def test_a_passing_staging_run_is_not_sandbox(passing_run):
    run = json.loads((passing_run / "run.json").read_text())
    assert run["sandbox"] is False and run["state"] == "finished"
    assert set(c["outcome"] for c in run["criteria"].values()) == {"passed"}
    assert phasegate("status", passing_run).returncode == 0
    assert "SANDBOX" not in (passing_run / "completion-report.md").read_text().splitlines()[0]


def test_signoff_then_verify_succeeds(passing_run, keys, tmp_path):
    key, allowed = keys
    folder = copy(passing_run, tmp_path)
    signed = phasegate("signoff", folder, "--key", key, "--signer", SIGNER)
    assert signed.returncode == 0, signed.stderr
    assert (folder / "manifest.json.sig").is_file()
    record = json.loads((folder / "signoff.json").read_text())
    assert record["signer"] == SIGNER and record["verdict"].startswith("PASS")
    md = (folder / "completion-report.md").read_text()
    assert f"Signed by: {SIGNER}" in md and record["signed_at"] in md
    manifest = json.loads((folder / "manifest.json").read_text())
    assert "signoff.json" in manifest["files"] and "completion-report.md" in manifest["files"]
    verified = phasegate("verify", folder, "--allowed-signers", allowed)
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("OK") and "-phase4 (Phase 4) signed by" in verified.stdout
    assert manifest["phase"] == {"name": "phase4", "title": "Phase 4"} and record["phase"] == "Phase 4"
    # verify shows the provenance the signature covers: what was read, by which suite, from which profile.
    assert re.search(r"^  Render API: http://127\.0\.0\.1:\d+/v1 \(from profile\), answered by 127\.0\.0\.1:\d+$",
                     verified.stdout, re.M), verified.stdout
    assert "Database: not read in this run" in verified.stdout
    assert re.search(r"^  Suite: phasegate \S+ at commit [0-9a-f]{40}$", verified.stdout, re.M)
    assert re.search(r"^  Profile: \S+/standin-\w+\.env; keys from the process environment: "
                     r"[^;]*RENDER_API_KEY[^;]*; RENDER_API_URL declared real: yes$", verified.stdout, re.M), verified.stdout
    assert "CANARY" not in verified.stdout
    # Signed once is signed: a second sign-off and a rebuild are refused.
    assert phasegate("signoff", folder, "--key", key, "--signer", SIGNER).returncode == 2
    assert phasegate("report", folder).returncode == 2


def _attachment(folder: Path) -> str:
    return sorted(p.relative_to(folder).as_posix() for p in (folder / "allure-results").glob("*-attachment.*"))[0]


@pytest.mark.parametrize("target", ["completion-report.md", "completion-report.html", "attachment", "run.json",
                                    "signoff.json", "manifest.json", "attestation.intoto.json"])
def test_changing_any_byte_makes_verify_fail_and_name_the_file(passing_run, keys, tmp_path, target):
    key, allowed = keys
    folder = copy(passing_run, tmp_path)
    assert phasegate("signoff", folder, "--key", key, "--signer", SIGNER).returncode == 0
    name = _attachment(folder) if target == "attachment" else target
    path = folder / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    verified = phasegate("verify", folder, "--allowed-signers", allowed)
    assert verified.returncode == 1
    assert name in verified.stderr, verified.stderr
    assert len(verified.stderr.strip().splitlines()) == 1


def test_a_signed_run_json_that_no_longer_parses_fails_verification_naming_it(passing_run, keys, tmp_path):
    key, allowed = keys
    folder = copy(passing_run, tmp_path)
    assert phasegate("signoff", folder, "--key", key, "--signer", SIGNER).returncode == 0
    (folder / "run.json").write_text((folder / "run.json").read_text().replace(":", ";", 1))
    verified = phasegate("verify", folder, "--allowed-signers", allowed)
    assert verified.returncode == 1 and "run.json: changed" in verified.stderr, verified.stderr


@pytest.mark.parametrize("change, expected", [
    ("add", "notes.txt: added (not in manifest.json)"),
    ("remove", "completion-report.md: missing (listed in manifest.json)"),
    ("edit", "completion-report.md: changed"),
])
def test_verify_says_how_a_file_differs_from_the_manifest(passing_run, keys, tmp_path, change, expected):
    key, allowed = keys
    folder = copy(passing_run, tmp_path)
    assert phasegate("signoff", folder, "--key", key, "--signer", SIGNER).returncode == 0
    if change == "add":
        (folder / "notes.txt").write_text("added after signing\n")
    elif change == "remove":
        (folder / "completion-report.md").unlink()
    else:
        (folder / "completion-report.md").write_text("edited\n")
    verified = phasegate("verify", folder, "--allowed-signers", allowed)
    assert verified.returncode == 1
    assert verified.stderr.strip() == f"phasegate verify: FAILED: {expected}" or \
        verified.stderr.strip().startswith(f"phasegate verify: FAILED: {expected}"), verified.stderr


def test_verify_rejects_a_signer_not_allowed(passing_run, keys, tmp_path):
    key, _ = keys
    folder = copy(passing_run, tmp_path)
    assert phasegate("signoff", folder, "--key", key, "--signer", SIGNER).returncode == 0
    other = tmp_path / "other"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    allowed = tmp_path / "allowed"
    allowed.write_text(f'quinn@example.com namespaces="phasegate" {(tmp_path / "other.pub").read_text().strip()}\n')
    assert phasegate("verify", folder, "--allowed-signers", allowed).returncode == 1


def test_signoff_refuses_a_folder_changed_after_its_report(passing_run, keys, tmp_path):
    key, _ = keys
    folder = copy(passing_run, tmp_path)
    attachment = _attachment(folder)
    (folder / attachment).write_text("{}")
    refused = phasegate("signoff", folder, "--key", key, "--signer", SIGNER)
    assert refused.returncode == 2
    assert attachment in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
    assert not (folder / "manifest.json.sig").exists()


def test_signoff_refuses_a_sandbox_run(tmp_path, keys):
    key, _ = keys
    run = run_suite(tmp_path, "-m", "staging and render", "--env", "sandbox", f"--report-dir={tmp_path / 'reports'}")
    folder = next(p for p in (tmp_path / "reports").glob("sandbox/*") if p.is_dir())
    refused = phasegate("signoff", folder, "--key", key, "--signer", SIGNER)
    assert refused.returncode == 2, refused.stderr
    assert "SANDBOX" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
    assert not (folder / "manifest.json.sig").exists()
    assert run.returncode == 0


def test_signoff_refuses_a_failed_criterion(failing_run, keys, tmp_path):
    key, _ = keys
    folder = copy(failing_run, tmp_path)
    md = (folder / "completion-report.md").read_text()
    assert "❌ **failed** P4-03" in md
    refused = phasegate("signoff", folder, "--key", key, "--signer", SIGNER)
    assert refused.returncode == 2
    assert "P4-03 failed" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1


def test_a_valid_waiver_lets_signoff_through_and_shows_waived(tmp_path, keys):
    key, allowed = keys
    tomorrow = in_days(30)
    run, folder = staging_run(tmp_path, "P4-03", {**database_waivers(), "P4-03": "type change booked with Render"})
    assert "waived   P4-03" in run.stdout
    md = (folder / "completion-report.md").read_text()
    assert "⚠ **waived** P4-03" in md and "Ada Approver" in md and tomorrow in md
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["criteria"]["P4-03"]["status"] == "waived"
    assert manifest["criteria"]["P4-03"]["waiver"]["approver"] == "Ada Approver <ada@example.com>"
    signed = phasegate("signoff", folder, "--key", key, "--signer", SIGNER)
    assert signed.returncode == 0, signed.stderr
    assert "WAIVERS" in json.loads((folder / "signoff.json").read_text())["verdict"]
    assert phasegate("verify", folder, "--allowed-signers", allowed).returncode == 0


def test_an_expired_waiver_does_not_apply(tmp_path, keys):
    key, _ = keys
    run, folder = standin_run(tmp_path, world_name="P4-03", waived={"P4-03": "type change booked with Render"},
                              expires="2020-01-31")
    md = (folder / "completion-report.md").read_text()
    assert "❌ **failed** P4-03" in md and "expired 2020-01-31" in md
    assert json.loads((folder / "manifest.json").read_text())["criteria"]["P4-03"]["status"] == "failed"
    refused = phasegate("signoff", folder, "--key", key, "--signer", SIGNER)
    assert refused.returncode == 2 and "waiver expired" in refused.stderr
