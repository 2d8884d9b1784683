"""What a run judged: each judged service's live deploy as Render reported it when the snapshot was taken.

``run.json``'s ``judged_services`` holds one entry per service the phase judged, by role: every role its
criteria read, the worker first (never a production counterpart, which is only compared with):

    {"role": "worker", "name": "upload-worker-staging", "service_id": "srv-…",
     "deploy": {"id": "dep-…", "commit": "<sha>", "created_at": …, "finished_at": …,
                "image": {"ref": "…", "sha": "sha256:…"} or null},
     "not_recorded": null}

``deploy`` is null when it could not be told (no single service of that name, its deploys not read,
none of them live): ``not_recorded`` then says why in one line. The sign-off's attestation names
each recorded deploy as a subject; the gate compares them with what later runs saw.
"""

from __future__ import annotations

from ..errors import TargetError, one_line
from ..timefmt import minute_utc
from .run_record import JudgedService, RecordedDeploy


def judged_services(snapshot, roles) -> list[JudgedService]:
    """One entry per judged role the snapshot read (``roles`` in order: the worker first)."""
    if snapshot is None:
        return []
    out = []
    for role in roles:
        target = snapshot.role(role)
        if target is not None:
            out.append(_entry(role, target))
    return out


def _entry(role: str, target) -> JudgedService:
    service_id = None
    try:
        service_id = target.service.id
        deploy = target.live_deploy
    except TargetError as exc:
        return JudgedService(role, target.name, service_id, None, one_line(str(exc)))
    image = None
    if deploy.image_ref or deploy.image_sha:
        image = {"ref": deploy.image_ref, "sha": deploy.image_sha}
    return JudgedService(role, target.name, service_id,
                         RecordedDeploy(deploy.id, deploy.commit_id, deploy.created_at, deploy.finished_at, image))


def allure_properties(services: list[JudgedService]) -> dict[str, str]:
    """The Allure environment's lines for the judged services: ``judged.<role>.<field>``."""
    props = {}
    for entry in services:
        key = f"judged.{entry.role}"
        props[f"{key}.service"] = f"{entry.name} ({entry.service_id or 'unknown id'})"
        deploy = entry.deploy
        if deploy is None:
            props[f"{key}.deploy"] = f"not recorded: {entry.not_recorded}"
            continue
        props[f"{key}.deploy"] = str(deploy.id)
        props[f"{key}.commit"] = str(deploy.commit or "none (not a Git-backed deploy)")
        if deploy.image:
            props[f"{key}.image"] = f"{deploy.image_ref} ({deploy.image_sha})"
    return props


def live_since(deploy: RecordedDeploy) -> str:
    """When the deploy went live (its finish, else its creation) as ``2026-12-02 03:00 UTC``; "?" if unknown."""
    return minute_utc(str(deploy.live_since or "?"))


def ran(deploy: RecordedDeploy | None) -> str:
    """What a deploy ran, short: ``9f1c2e7`` (its commit), or the image's digest when it has no commit."""
    if not deploy:
        return "nothing recorded"
    if deploy.commit:
        return str(deploy.commit)[:7]
    return str(deploy.image_sha or deploy.image_ref or "no commit nor image")[:19]


def describe(entry: JudgedService) -> str:
    """One line for the completion report's provenance and ``verify``: the service, its deploy, commit, image."""
    head = f"Judged {entry.name} ({entry.role}, {entry.service_id or 'no single service'})"
    deploy = entry.deploy
    if not deploy:
        return f"{head}: no deploy recorded ({entry.not_recorded or 'not read'})"
    text = f"{head}: deploy {deploy.id}"
    text += f" at commit {deploy.commit}" if deploy.commit else " (no commit: not a Git-backed deploy)"
    if deploy.image:
        text += f", image {deploy.image_ref} ({deploy.image_sha or 'no digest'})"
    return text + f", live since {live_since(deploy)}"
