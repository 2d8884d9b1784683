"""Judgements of the service configuration criteria over a service snapshot (Render's service and deploys)."""

from __future__ import annotations

from ..render.models import DEPLOY_IN_FLIGHT, DEPLOY_SETTLED
from ..snapshot import NotJudgeable, ServiceSnapshot
from .violation import Violation


def exactly_one_named(target: ServiceSnapshot) -> None:
    name = target.name
    if len(target.matches) != 1:
        ids = ", ".join(s.id for s in target.matches) or "none"
        raise Violation(
            f"services named {name!r}",
            "exactly 1",
            f"{len(target.matches)} ({ids})",
            link=target.matches[0].dashboard_url if target.matches else None,
        )


# How a criterion's wording maps to a service attribute, and how values are compared.
_FIELDS = {
    "id": ("id", str),
    "type": ("type", str),
    "runtime": ("runtime", str),
    "region": ("region", str),
    "plan": ("plan", str),
    "branch": ("branch", str),
    "start command": ("docker_command", lambda v: " ".join(v.split())),
    "Dockerfile": ("dockerfile_path", lambda v: v[2:] if v.startswith("./") else v),
}


def service_field(target: ServiceSnapshot, wording: str, expected: str) -> None:
    service = target.service
    attribute, normalise = _FIELDS[wording]
    actual = getattr(service, attribute)
    if wording == "start command" and not actual:
        # Native runtimes keep the command in startCommand; Docker's empty string means the image's CMD.
        actual = service.start_command or actual
    if actual is None or normalise(actual) != normalise(expected):
        shown = "<not set>" if actual in (None, "") else actual
        raise Violation(f"service {wording}", expected, shown, link=service.dashboard_url)


def not_suspended(target: ServiceSnapshot) -> None:
    service = target.service
    if service.suspended != "not_suspended" or service.suspenders:
        actual = f"suspended={service.suspended!r}, suspenders={list(service.suspenders)}"
        raise Violation("service suspension", "suspended='not_suspended', no suspenders", actual,
                        link=service.dashboard_url)


def latest_deploy(target: ServiceSnapshot, expected_status: str) -> None:
    service = target.service
    target.require("deploys")
    if not target.deploys:
        raise Violation("latest deploy status", expected_status, "no deploy at all", link=service.dashboard_url)
    newest = target.deploys[0]
    if newest.status in DEPLOY_IN_FLIGHT:
        # Neither a pass nor a fail: the outcome is not known yet.
        raise NotJudgeable(f"cannot judge: the newest deploy {newest.id} is still {newest.status} after waiting "
                           f"{target.deploy_waited:g} s (DEPLOY_WAIT_SECONDS)")
    if newest.status not in DEPLOY_SETTLED:
        raise NotJudgeable(f"cannot judge: the newest deploy {newest.id} has status {newest.status!r}, which is "
                           "not one of Render's deploy statuses")
    if newest.status != expected_status:
        raise Violation("latest deploy status", expected_status, f"{newest.status} (deploy {newest.id})",
                        link=service.dashboard_url)


AUTO_DEPLOY_TRIGGERS_ON = ("commit", "checksPass")


def auto_deploy_on(target: ServiceSnapshot) -> None:
    service = target.service
    trigger, flag = service.auto_deploy_trigger, service.auto_deploy
    # autoDeployTrigger is the newer field; when present it is the truth.
    on = trigger in AUTO_DEPLOY_TRIGGERS_ON if trigger else flag == "yes"
    if not on:
        raise Violation("auto-deploy", "autoDeploy 'yes' or autoDeployTrigger 'commit'/'checksPass'",
                        f"autoDeploy={flag!r}, autoDeployTrigger={trigger!r}", link=service.dashboard_url)
