"""What was judged, recorded (issue 28): each judged service's live deploy, commit and image, as Render reported it.

From Render's wire format (checked against Render's own SDK), through the snapshot, into a real run
folder: ``run.json``'s ``judged_services``, the completion report's provenance and the Allure
environment. The production counterpart is compared with, never judged: it is not recorded.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path
from types import SimpleNamespace

from render.public_api.models.deploy import Deploy as SdkDeploy

from cli_runner import phasegate
from phasegate.record.judged import describe, judged_services
from phasegate.report import attestation
from phasegate.render.models import Deploy
from phasegate.sandbox.worlds import REDEPLOYED_COMMIT, world
from phasegate.snapshot.model import ServiceSnapshot, Snapshot
from phasegate.render.models import Service
from test_attestation import signed
from test_signoff import keys, passing_run  # noqa: F401 (fixtures)

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
                        staging=_service("upload-worker-staging", "srv-w", WORKER),
                        production=_service("upload-worker", "srv-p", WORKER),
                        api=_service("upload-api-staging", "srv-a", [newer_failed, IMAGE_DEPLOY]))
    judged = judged_services(snapshot, ("worker", "api"))
    assert [(e["role"], e["name"], e["service_id"]) for e in judged] == [
        ("worker", "upload-worker-staging", "srv-w"), ("api", "upload-api-staging", "srv-a")]
    assert judged[0]["deploy"] == {"id": "dep-d3c1q2r3ipnbs73b0lk4g", "commit": WORKER[0]["commit"]["id"],
                                   "created_at": WORKER[0]["createdAt"], "finished_at": WORKER[0]["finishedAt"],
                                   "image": None}
    assert judged[1]["deploy"]["id"] == "dep-d4image0000000000000"  # the live one, not the newest
    assert judged[1]["deploy"]["image"] == {"ref": "ghcr.io/acme-docs/upload-worker:1.4.2", "sha": "sha256:" + "ab" * 32}
    assert describe(judged[1]).endswith("(no commit: not a Git-backed deploy), image ghcr.io/acme-docs/upload-worker:"
                                        f"1.4.2 (sha256:{'ab' * 32}), live since 2026-12-02 03:00 UTC")
    assert judged_services(snapshot, ("worker",)) == judged[:1]


def test_a_service_whose_deploy_cannot_be_told_is_recorded_with_why():
    unread = ServiceSnapshot("upload-worker-staging", matches=[Service(id="srv-w", name="upload-worker-staging")])
    ambiguous = ServiceSnapshot("upload-api-staging", matches=[Service(id="srv-1"), Service(id="srv-2")])
    snapshot = Snapshot("staging", False, "u", "t", staging=unread, api=ambiguous)
    worker, api = judged_services(snapshot, ("worker", "api"))
    assert worker["deploy"] is None and worker["service_id"] == "srv-w"
    assert worker["not_recorded"] == "cannot judge: deploys of 'upload-worker-staging' was not read in this run"
    assert api["service_id"] is None and "Render has 2 services named 'upload-api-staging'" in api["not_recorded"]
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
        {"role": "api", "name": "upload-api-staging", "service_id": "srv-a",
         "deploy": {"id": "dep-i", "commit": None, "finished_at": "2026-12-02T03:00:12Z",
                    "image": {"ref": "ghcr.io/acme-docs/api:1.4.2", "sha": "sha256:" + "cd" * 32}}},
        {"role": "worker", "name": "upload-worker-staging", "service_id": None, "deploy": None,
         "not_recorded": "cannot judge: Render has no service named 'upload-worker-staging'"}])
    assert attestation.service_subjects(run) == [  # a service with no deploy recorded names nothing
        {"name": "render:upload-api-staging", "digest": {"sha256": "cd" * 32},
         "annotations": {"role": "api", "serviceId": "srv-a", "deployId": "dep-i", "liveSince": "2026-12-02T03:00:12Z",
                         "imageRef": "ghcr.io/acme-docs/api:1.4.2"}}]


def as_signed_by_an_earlier_phasegate(folder: Path, key: Path) -> None:
    """What a phasegate before issue 28 signed: no judged_services in run.json nor the manifest, no render:
    subject; hashed and signed again with the same key."""
    record = json.loads((folder / "run.json").read_text())
    del record["judged_services"]
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
