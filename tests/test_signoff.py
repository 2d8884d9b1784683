"""Sign-off and verify: a real, non-sandbox run against the simulator; OpenSSH keys; tampering."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from acceptance import ROOT, run_suite
from phasegate.sandbox.simulator import RenderSimulator
from phasegate.sandbox.worlds import world

KEY_CANARY = "rnd_CANARY_apikey_signoff_77aa"
DUMMY_URLS = {
    "DATABASE_URL": "postgresql://upload_worker_staging:pw-CANARY-db-1a2b@db.sandbox.invalid:5432/phase4?sslmode=require",
    "PRODUCTION_DATABASE_URL": "postgresql://upload_worker_prod:pw-CANARY-db-prod@db.sandbox.invalid:5432/phase4",
}
SIGNER = "Quinn QA <quinn@example.com>"


def phasegate(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "phasegate.cli", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def staging_run(tmp: Path, world_name: str = "compliant", env: dict | None = None) -> tuple:
    """A NON-sandbox run: the staging profile reading a simulator started here, Render criteria only."""
    with RenderSimulator(world(world_name), api_key=KEY_CANARY, substitutions=DUMMY_URLS) as sim:
        run = run_suite(tmp, "-m", "staging and render", f"--report-dir={tmp / 'reports'}", world=None,
                        env={"RENDER_API_URL": sim.base_url, "RENDER_API_KEY": KEY_CANARY, **(env or {})})
    folders = [p for p in (tmp / "reports").glob("staging/*") if p.is_dir()]
    assert len(folders) == 1, run.stdout + run.stderr
    return run, folders[0]


@pytest.fixture(scope="module")
def passing_run(tmp_path_factory):
    run, folder = staging_run(tmp_path_factory.mktemp("staging"))
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
    key = tmp / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "quinn", "-f", str(key)], check=True)
    allowed = tmp / "allowed_signers"
    allowed.write_text(f'quinn@example.com namespaces="phasegate" {(tmp / "id_ed25519.pub").read_text().strip()}\n')
    return key, allowed


def copy(folder: Path, tmp_path: Path) -> Path:
    target = tmp_path / folder.name
    shutil.copytree(folder, target)
    return target


def test_a_passing_staging_run_is_not_sandbox(passing_run):
    run = json.loads((passing_run / "run.json").read_text())
    assert run["sandbox"] is False
    assert set(c["outcome"] for c in run["criteria"].values()) == {"passed"}
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
    assert len(verified.stdout.strip().splitlines()) == 1 and verified.stdout.startswith("OK")
    # Signed once is signed: a second sign-off and a rebuild are refused.
    assert phasegate("signoff", folder, "--key", key, "--signer", SIGNER).returncode == 2
    assert phasegate("report", folder).returncode == 2


def _attachment(folder: Path) -> str:
    return sorted(p.relative_to(folder).as_posix() for p in (folder / "allure-results").glob("*-attachment.*"))[0]


@pytest.mark.parametrize("target", ["completion-report.md", "completion-report.html", "attachment", "run.json",
                                    "signoff.json", "manifest.json"])
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
    assert "❌ P4-03" in md
    refused = phasegate("signoff", folder, "--key", key, "--signer", SIGNER)
    assert refused.returncode == 2
    assert "P4-03 failed" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1


def _waiver_file(tmp: Path, expires: str) -> Path:
    path = tmp / "staging.waivers.yaml"
    path.write_text("waivers:\n"
                    "  - criterion: P4-03\n"
                    "    justification: type change booked with Render support\n"
                    "    approver: Ada Approver <ada@example.com>\n"
                    f"    expires: {expires}\n")
    return path


def test_a_valid_waiver_lets_signoff_through_and_shows_waived(tmp_path, keys):
    key, allowed = keys
    tomorrow = (dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=30)).isoformat()
    waivers = _waiver_file(tmp_path, tomorrow)
    run, folder = staging_run(tmp_path, "P4-03", env={"PHASEGATE_WAIVERS_FILE": str(waivers)})
    assert "waived   P4-03" in run.stdout
    md = (folder / "completion-report.md").read_text()
    assert "⚠ P4-03" in md and "Ada Approver" in md and tomorrow in md
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["criteria"]["P4-03"]["status"] == "waived"
    assert manifest["criteria"]["P4-03"]["waiver"]["approver"] == "Ada Approver <ada@example.com>"
    signed = phasegate("signoff", folder, "--key", key, "--signer", SIGNER)
    assert signed.returncode == 0, signed.stderr
    assert "WAIVERS" in json.loads((folder / "signoff.json").read_text())["verdict"]
    assert phasegate("verify", folder, "--allowed-signers", allowed).returncode == 0


def test_an_expired_waiver_does_not_apply(tmp_path, keys):
    key, _ = keys
    waivers = _waiver_file(tmp_path, "2020-01-31")
    run, folder = staging_run(tmp_path, "P4-03", env={"PHASEGATE_WAIVERS_FILE": str(waivers)})
    md = (folder / "completion-report.md").read_text()
    assert "❌ P4-03" in md and "expired 2020-01-31" in md
    assert json.loads((folder / "manifest.json").read_text())["criteria"]["P4-03"]["status"] == "failed"
    refused = phasegate("signoff", folder, "--key", key, "--signer", SIGNER)
    assert refused.returncode == 2 and "waiver expired" in refused.stderr
