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

def judged_services(snapshot, roles) -> list[dict]:
    """One entry per judged role the snapshot read (``roles`` in order: the worker first)."""
    if snapshot is None:
        return []
    out = []
    for role in roles:
        target = snapshot.role(role)
        if target is not None:
            out.append(_entry(role, target))
    return out


def _entry(role: str, target) -> dict:
    entry = {"role": role, "name": target.name, "service_id": None, "deploy": None, "not_recorded": None}
    try:
        entry["service_id"] = target.service.id
        deploy = target.live_deploy
    except TargetError as exc:
        entry["not_recorded"] = one_line(str(exc))
        return entry
    image = None
    if deploy.image_ref or deploy.image_sha:
        image = {"ref": deploy.image_ref, "sha": deploy.image_sha}
    entry["deploy"] = {"id": deploy.id, "commit": deploy.commit_id, "created_at": deploy.created_at,
                       "finished_at": deploy.finished_at, "image": image}
    return entry


def allure_properties(services: list[dict]) -> dict[str, str]:
    """The Allure environment's lines for the judged services: ``judged.<role>.<field>``."""
    props = {}
    for entry in services:
        key = f"judged.{entry['role']}"
        props[f"{key}.service"] = f"{entry['name']} ({entry.get('service_id') or 'unknown id'})"
        deploy = entry.get("deploy")
        if deploy is None:
            props[f"{key}.deploy"] = f"not recorded: {entry.get('not_recorded')}"
            continue
        props[f"{key}.deploy"] = str(deploy.get("id"))
        props[f"{key}.commit"] = str(deploy.get("commit") or "none (not a Git-backed deploy)")
        if deploy.get("image"):
            props[f"{key}.image"] = f"{deploy['image'].get('ref')} ({deploy['image'].get('sha')})"
    return props


def live_since(deploy: dict) -> str:
    """When the deploy went live (its finish, else its creation) as ``2026-12-02 03:00 UTC``; "?" if unknown."""
    return minute_utc(str(deploy.get("finished_at") or deploy.get("created_at") or "?"))


def ran(deploy: dict | None) -> str:
    """What a deploy ran, short: ``9f1c2e7`` (its commit), or the image's digest when it has no commit."""
    if not deploy:
        return "nothing recorded"
    if deploy.get("commit"):
        return str(deploy["commit"])[:7]
    image = deploy.get("image") or {}
    return str(image.get("sha") or image.get("ref") or "no commit nor image")[:19]


def describe(entry: dict) -> str:
    """One line for the completion report's provenance and ``verify``: the service, its deploy, commit, image."""
    head = f"Judged {entry.get('name')} ({entry.get('role')}, {entry.get('service_id') or 'no single service'})"
    deploy = entry.get("deploy")
    if not deploy:
        return f"{head}: no deploy recorded ({entry.get('not_recorded') or 'not read'})"
    text = f"{head}: deploy {deploy.get('id')}"
    text += f" at commit {deploy['commit']}" if deploy.get("commit") else " (no commit: not a Git-backed deploy)"
    image = deploy.get("image")
    if image:
        text += f", image {image.get('ref')} ({image.get('sha') or 'no digest'})"
    return text + f", live since {live_since(deploy)}"
