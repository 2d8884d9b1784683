"""What ships (issue 28): what was judged, recorded; the attestation's subjects; the DSSE envelope.

Each judged service's live deploy, commit and image, as Render reported it: from Render's wire
format (checked against Render's own SDK), through the snapshot, into a real run folder
(``run.json``'s ``judged_services``, the completion report's provenance, the Allure environment);
the production counterpart is compared with, never judged. The signed statement names them as its
first subjects, and travels in a DSSE envelope signed with the signer's own OpenSSH key, which
securesystemslib (in-toto's own library, not phasegate's code) verifies, and one changed byte fails.
The gate's side is in ``test_gate.py``.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from render.public_api.models.deploy import Deploy as SdkDeploy
from securesystemslib.dsse import Envelope
from securesystemslib.exceptions import VerificationError
from securesystemslib.signer import SSlibKey

from cli_runner import phasegate
from phasegate.record.judged import describe, judged_services
from phasegate.record.run_record import JudgedService, RecordedDeploy
from phasegate.report import attestation, dsse
from phasegate.render.models import Deploy
from phasegate.sandbox.worlds import REDEPLOYED_COMMIT, world
from phasegate.snapshot.model import ServiceSnapshot, Snapshot
from phasegate.render.models import Service
from standin import signing_key
from test_attestation import signed
from test_signoff import SIGNER, keys, passing_run  # noqa: F401 (fixtures)
from test_signoff import copy as copy_run

IMAGE_DEPLOY = {
    "id": "dep-d4image0000000000000", "status": "live", "trigger": "api",
    "createdAt": "2026-12-02T02:58:10.000000Z", "finishedAt": "2026-12-02T03:00:12.000000Z",
    "image": {"ref": "ghcr.io/acme-docs/upload-worker:1.4.2",
              "sha": "sha256:" + "ab" * 32, "registryCredential": "ghcr-acme"},
}
WORKER = world("compliant")["deploys"]["srv-d37dlmvfte5s73b6uq0g"]


def test_a_deploy_s_image_and_commit_are_read_as_render_s_sdk_reads_them():
    ours, sdk = Deploy.from_wire(IMAGE_DEPLOY), SdkDeploy.from_dict(IMAGE_DEPLOY)
    assert (ours.image_ref, ours.image_sha) == (sdk.image.ref, sdk.image.sha)
    assert ours.commit_id is None  # an image-backed deploy has no commit
    git = Deploy.from_wire(WORKER[0])
    assert git.commit_id == SdkDeploy.from_dict({k: v for k, v in WORKER[0].items() if v is not None}).commit.id
    assert (git.image_ref, git.image_sha) == (None, None)


def _service(name: str, service_id: str, deploys: list[dict]) -> ServiceSnapshot:
    target = ServiceSnapshot(name, matches=[Service(id=service_id, name=name, type="background_worker")])
    target.deploys = [Deploy.from_wire(d) for d in deploys]
    target.read.add("deploys")
    return target


def test_judged_services_name_each_live_deploy_commit_and_image_and_never_production():
    newer_failed = dict(IMAGE_DEPLOY, id="dep-failed", status="build_failed")
    snapshot = Snapshot("staging", False, "https://api.render.com/v1", "2026-12-02T03:05:00Z",
                        services={"worker": _service("upload-worker-staging", "srv-w", WORKER),
                                  "api": _service("upload-api-staging", "srv-a", [newer_failed, IMAGE_DEPLOY])},
                        production_services={"worker": _service("upload-worker", "srv-p", WORKER)})
    judged = judged_services(snapshot, ("worker", "api"))
    assert [(e.role, e.name, e.service_id) for e in judged] == [
        ("worker", "upload-worker-staging", "srv-w"), ("api", "upload-api-staging", "srv-a")]
    assert judged[0].deploy.to_json() == {"id": "dep-d3c1q2r3ipnbs73b0lk4g", "commit": WORKER[0]["commit"]["id"],
                                          "created_at": WORKER[0]["createdAt"], "finished_at": WORKER[0]["finishedAt"],
                                          "image": None}
    assert judged[1].deploy.id == "dep-d4image0000000000000"  # the live one, not the newest
    assert judged[1].deploy.image == {"ref": "ghcr.io/acme-docs/upload-worker:1.4.2", "sha": "sha256:" + "ab" * 32}
    assert describe(judged[1]).endswith("(no commit: not a Git-backed deploy), image ghcr.io/acme-docs/upload-worker:"
                                        f"1.4.2 (sha256:{'ab' * 32}), live since 2026-12-02 03:00 UTC")
    assert judged_services(snapshot, ("worker",)) == judged[:1]


def test_a_service_whose_deploy_cannot_be_told_is_recorded_with_why():
    unread = ServiceSnapshot("upload-worker-staging", matches=[Service(id="srv-w", name="upload-worker-staging")])
    ambiguous = ServiceSnapshot("upload-api-staging", matches=[Service(id="srv-1"), Service(id="srv-2")])
    snapshot = Snapshot("staging", False, "u", "t", services={"worker": unread, "api": ambiguous})
    worker, api = judged_services(snapshot, ("worker", "api"))
    assert worker.deploy is None and worker.service_id == "srv-w"
    assert worker.not_recorded == "cannot judge: deploys of 'upload-worker-staging' was not read in this run"
    assert api.service_id is None and "Render has 2 services named 'upload-api-staging'" in api.not_recorded
    assert describe(worker).startswith("Judged upload-worker-staging (worker, srv-w): no deploy recorded (cannot")


def test_a_run_folder_records_what_it_judged_in_run_json_report_and_allure(passing_run):
    record = json.loads((passing_run / "run.json").read_text())
    (worker,) = record["judged_services"]  # Phase 4 judges the worker; its production counterpart is not judged
    assert (worker["role"], worker["name"], worker["deploy"]["id"]) == \
        ("worker", "upload-worker-staging", "dep-d3c1q2r3ipnbs73b0lk4g")
    assert worker["deploy"]["commit"] == "9f1c2e7b4a3d5e6f708192a3b4c5d6e7f8091a2b" != REDEPLOYED_COMMIT
    report = (passing_run / "completion-report.md").read_text()
    provenance = report.split("## Provenance", 1)[1].split("\n## ", 1)[0]
    assert ("- Judged upload-worker-staging (worker, srv-d37dlmvfte5s73b6uq0g): deploy dep-d3c1q2r3ipnbs73b0lk4g at "
            "commit 9f1c2e7b4a3d5e6f708192a3b4c5d6e7f8091a2b, live since 2025-10-14 08:06 UTC") in provenance
    environment = (passing_run / "allure-results" / "environment.properties").read_text().splitlines()
    assert "judged.worker.commit=9f1c2e7b4a3d5e6f708192a3b4c5d6e7f8091a2b" in environment
    assert "judged.worker.deploy=dep-d3c1q2r3ipnbs73b0lk4g" in environment


# --------------------------------------------------------------------------- the attestation's subjects

def test_the_attestation_s_first_subjects_are_the_judged_services_deploys(passing_run, keys, tmp_path):
    folder = signed(passing_run, keys, tmp_path)
    statement = json.loads((folder / "attestation.intoto.json").read_text())
    service, first_file = statement["subject"][:2]
    assert service == {"name": "render:upload-worker-staging",
                       "digest": {"gitCommit": "9f1c2e7b4a3d5e6f708192a3b4c5d6e7f8091a2b"},
                       "annotations": {"role": "worker", "serviceId": "srv-d37dlmvfte5s73b6uq0g",
                                       "deployId": "dep-d3c1q2r3ipnbs73b0lk4g",
                                       "liveSince": "2025-10-14T08:06:45.120399Z"}}
    assert not first_file["name"].startswith("render:") and set(first_file["digest"]) == {"sha256"}
    assert sum(s["name"].startswith("render:") for s in statement["subject"]) == 1


def test_an_image_s_digest_is_a_sha256_subject_digest_beside_the_commit():
    assert attestation.image_digest("sha256:" + "AB" * 32) == {"sha256": "ab" * 32}
    assert attestation.image_digest("ab" * 32) == {"sha256": "ab" * 32}
    assert attestation.image_digest(None) == {} and attestation.image_digest("latest") == {}
    run = SimpleNamespace(judged_services=[
        JudgedService("api", "upload-api-staging", "srv-a",
                      RecordedDeploy("dep-i", None, finished_at="2026-12-02T03:00:12Z",
                                     image={"ref": "ghcr.io/acme-docs/api:1.4.2", "sha": "sha256:" + "cd" * 32})),
        JudgedService("worker", "upload-worker-staging", None, None,
                      "cannot judge: Render has no service named 'upload-worker-staging'")])
    assert attestation.service_subjects(run) == [  # a service with no deploy recorded names nothing
        {"name": "render:upload-api-staging", "digest": {"sha256": "cd" * 32},
         "annotations": {"role": "api", "serviceId": "srv-a", "deployId": "dep-i", "liveSince": "2026-12-02T03:00:12Z",
                         "imageRef": "ghcr.io/acme-docs/api:1.4.2"}}]


def as_signed_by_an_earlier_phasegate(folder: Path, key: Path) -> None:
    """What a phasegate before issue 28 signed: no judged_services in run.json nor the manifest, no render:
    subject; hashed and signed again with the same key."""
    record = json.loads((folder / "run.json").read_text())
    del record["judged_services"], record["version"]
    record["format"] = 2  # the unversioned record an earlier phasegate wrote (docs/run-record.md)
    (folder / "run.json").write_text(json.dumps(record, indent=2, sort_keys=True))
    statement = json.loads((folder / "attestation.intoto.json").read_text())
    statement["subject"] = [s for s in statement["subject"] if not s["name"].startswith("render:")]
    digest = hashlib.sha256((folder / "run.json").read_bytes()).hexdigest()
    for item in statement["subject"]:
        if item["name"] == "run.json":
            item["digest"]["sha256"] = digest
    (folder / "attestation.intoto.json").write_text(json.dumps(statement, indent=2, sort_keys=True) + "\n")
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["judged_services"]
    for name in ("attestation.intoto.jsonl", "attestation.pub.pem"):  # an earlier phasegate wrote no envelope
        (folder / name).unlink()
        del manifest["files"][name]
    for name in list(manifest["files"]):
        manifest["files"][name] = hashlib.sha256((folder / name).read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    (folder / "manifest.json.sig").unlink()
    subprocess.run(["ssh-keygen", "-Y", "sign", "-f", str(key), "-n", "phasegate", str(folder / "manifest.json")],
                   check=True, capture_output=True)


def test_a_run_signed_before_services_were_recorded_still_verifies_and_says_so(passing_run, keys, tmp_path):
    key, allowed = keys
    folder = signed(passing_run, keys, tmp_path)
    as_signed_by_an_earlier_phasegate(folder, key)
    done = phasegate("verify", folder, "--allowed-signers", allowed)
    assert done.returncode == 0, done.stderr
    assert "  Judged services: not recorded (a run recorded before phasegate kept each deploy's commit)" in done.stdout
    assert "subjects match the files; no judged service's commit among its subjects" in done.stdout
    assert ("  Envelope: none (manifest.json lists no attestation.intoto.jsonl: signed before phasegate wrote one)"
            in done.stdout)


# --------------------------------------------------------------------------- the DSSE envelope

def envelope_of(folder: Path) -> dict:
    lines = (folder / "attestation.intoto.jsonl").read_text().splitlines()
    assert len(lines) == 1  # JSON Lines: one envelope
    return json.loads(lines[0])


def independently_verified(folder: Path, envelope: dict | None = None) -> bytes:
    """The envelope verified by securesystemslib (in-toto's own library), with the PEM key beside it: its payload."""
    envelope = envelope or envelope_of(folder)
    public = serialization.load_pem_public_key((folder / "attestation.pub.pem").read_bytes())
    key = SSlibKey.from_crypto(public, keyid=envelope["signatures"][0]["keyid"])
    parsed = Envelope.from_dict(copy.deepcopy(envelope))  # from_dict takes the dicts apart
    parsed.verify([key], 1)
    return parsed.payload


def test_the_envelope_verifies_with_in_toto_s_own_library_and_carries_the_statement(passing_run, keys, tmp_path):
    key, allowed = keys
    folder = signed(passing_run, keys, tmp_path)
    envelope = envelope_of(folder)
    assert envelope["payloadType"] == "application/vnd.in-toto+json"
    assert independently_verified(folder) == (folder / "attestation.intoto.json").read_bytes()
    fingerprint = subprocess.run(["ssh-keygen", "-l", "-f", f"{key}.pub"], capture_output=True, text=True,
                                 check=True).stdout.split()[1]
    assert envelope["signatures"][0]["keyid"] == fingerprint  # the signer's key, as OpenSSH names it
    manifest = json.loads((folder / "manifest.json").read_text())  # the OpenSSH signature covers both files
    for name in ("attestation.intoto.jsonl", "attestation.pub.pem"):
        assert manifest["files"][name] == hashlib.sha256((folder / name).read_bytes()).hexdigest()
    done = phasegate("verify", folder, "--allowed-signers", allowed)
    assert done.returncode == 0, done.stderr
    assert (f"  Envelope: attestation.intoto.jsonl (DSSE, application/vnd.in-toto+json): signature good under "
            f"attestation.pub.pem, {fingerprint}, the key that signed manifest.json.sig; payload is "
            "attestation.intoto.json") in done.stdout


def test_one_changed_byte_fails_the_independent_verifier(passing_run, keys, tmp_path):
    folder = signed(passing_run, keys, tmp_path)
    envelope = envelope_of(folder)
    payload = bytearray(base64.b64decode(envelope["payload"]))
    payload[len(payload) // 2] ^= 0x01
    with pytest.raises(VerificationError):
        independently_verified(folder, dict(envelope, payload=base64.b64encode(bytes(payload)).decode()))
    signature = bytearray(base64.b64decode(envelope["signatures"][0]["sig"]))
    signature[0] ^= 0x01
    forged = dict(envelope, signatures=[dict(envelope["signatures"][0], sig=base64.b64encode(signature).decode())])
    with pytest.raises(VerificationError):
        independently_verified(folder, forged)
    with pytest.raises(VerificationError):  # the same bytes under another payload type: PAE binds the type
        independently_verified(folder, dict(envelope, payloadType="application/json"))


@pytest.mark.parametrize("kind", [("ecdsa", "256"), ("ecdsa", "384"), ("ecdsa", "521")], ids=lambda k: "-".join(k))
def test_an_ecdsa_key_signs_the_envelope_too(passing_run, tmp_path, kind):
    key, allowed = signing_key(tmp_path, "id_ecdsa", key_type=kind)
    folder = copy_run(passing_run, tmp_path)
    assert phasegate("signoff", folder, "--key", key, "--signer", SIGNER).returncode == 0
    assert independently_verified(folder) == (folder / "attestation.intoto.json").read_bytes()
    assert phasegate("verify", folder, "--allowed-signers", allowed).returncode == 0


def test_a_key_that_cannot_sign_the_envelope_is_refused_before_anything_is_written(passing_run, tmp_path):
    rsa, _ = signing_key(tmp_path, "id_rsa", key_type=("rsa", "3072"))
    folder = copy_run(passing_run, tmp_path)
    done = phasegate("signoff", folder, "--key", rsa, "--signer", SIGNER)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == (f"phasegate signoff: refused: signing key {rsa} is a RSA key: the DSSE envelope is "
                                   "signed with the same key, which must be Ed25519 or ECDSA")
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in passing_run.iterdir())


def test_a_passphrase_protected_key_needs_its_passphrase(passing_run, tmp_path):
    key = tmp_path / "id_locked"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "pw-CANARY-passphrase", "-f", str(key)], check=True)
    assert dsse.encrypted(key) and not dsse.encrypted(f"{key}.pub")
    with pytest.raises(dsse.KeyRefused, match="is protected by a passphrase"):
        dsse.load_signing_key(key)
    assert isinstance(dsse.load_signing_key(key, b"pw-CANARY-passphrase"), ed25519.Ed25519PrivateKey)
    folder = copy_run(passing_run, tmp_path)
    done = phasegate("signoff", folder, "--key", key, "--signer", SIGNER)  # no terminal to ask on
    assert done.returncode == 2 and "is protected by a passphrase" in done.stderr, done.stderr


def test_an_envelope_signed_with_another_key_fails_verify(passing_run, keys, tmp_path):
    key, allowed = keys
    folder = signed(passing_run, keys, tmp_path)
    other, _ = signing_key(tmp_path, "id_other")
    dsse.write(folder, dsse.load_signing_key(other))  # a valid envelope, but not the signer's
    manifest = json.loads((folder / "manifest.json").read_text())
    for name in ("attestation.intoto.jsonl", "attestation.pub.pem"):
        manifest["files"][name] = hashlib.sha256((folder / name).read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    (folder / "manifest.json.sig").unlink()
    subprocess.run(["ssh-keygen", "-Y", "sign", "-f", str(key), "-n", "phasegate", str(folder / "manifest.json")],
                   check=True, capture_output=True)
    assert independently_verified(folder)  # it verifies on its own...
    done = phasegate("verify", folder, "--allowed-signers", allowed)
    assert done.returncode == 1  # ... but not as the signer's
    assert "attestation.pub.pem (SHA256:" in done.stderr and "is not the key that signed manifest.json.sig" in done.stderr


def test_pae_is_the_dsse_spec_s_encoding():
    assert dsse.pae("http://example.com/HelloWorld", b"hello world") == \
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"  # the DSSE spec's own test vector


def test_a_bare_commit_asked_of_a_run_that_recorded_no_service_names_that():
    from phasegate.report import shipped

    sha = "9f1c2e7b4a3d5e6f708192a3b4c5d6e7f8091a2b"
    assert shipped.not_the_signed_commit([], shipped.parse_commits([sha]), "RUN") == \
        "the signed run RUN recorded no judged service, not 9f1c2e7 (--commit 9f1c2e7…)"
    assert shipped.not_the_signed_commit([], [], "RUN") is None
