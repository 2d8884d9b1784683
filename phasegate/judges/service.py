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


def _command(value: str) -> str:
    return " ".join(value.split())


def _path(value: str) -> str:
    """A path in the repository, read the same with or without a leading ./ or a trailing /."""
    value = value[2:] if value.startswith("./") else value
    return value.rstrip("/") or value


# How a criterion's wording maps to a service attribute, and how values are compared.
FIELDS = {
    "id": ("id", str),
    "type": ("type", str),
    "runtime": ("runtime", str),
    "region": ("region", str),
    "plan": ("plan", str),
    "branch": ("branch", str),
    "start command": ("docker_command", _command),
    "Dockerfile": ("dockerfile_path", _path),
    "Docker context": ("docker_context", _path),
    "build command": ("build_command", _command),
    "pre-deploy command": ("pre_deploy_command", _command),
    "publish path": ("publish_path", _path),
    "health check path": ("health_check_path", str),
    "root directory": ("root_dir", _path),
    "auto-deploy trigger": ("auto_deploy_trigger", str),
    "URL": ("url", lambda v: v.rstrip("/")),
    "number of instances": ("num_instances", lambda v: str(v).strip()),
}


def service_field(target: ServiceSnapshot, wording: str, expected: str) -> None:
    service = target.service
    attribute, normalise = FIELDS[wording]
    actual = getattr(service, attribute)
    if wording == "start command" and not actual:
        # Native runtimes keep the command in startCommand; Docker's empty string means the image's CMD.
        actual = service.start_command or actual
    if actual is None or normalise(actual) != normalise(expected):
        shown = "<not set>" if actual in (None, "") else actual
        raise Violation(f"service {wording}", expected, shown, link=service.dashboard_url)


def build_filter(target: ServiceSnapshot, pattern: str, ignored: bool = False) -> None:
    """The service's build filter includes (or ``ignored``: ignores) the path pattern, as written."""
    service = target.service
    patterns = service.build_filter_ignored if ignored else service.build_filter_paths
    if pattern not in patterns:
        kind = "ignored paths" if ignored else "included paths"
        raise Violation(f"build filter {kind}", f"{pattern!r} among them",
                        ", ".join(repr(p) for p in patterns) or "<none>", link=service.dashboard_url)


def custom_domain_verified(target: ServiceSnapshot, name: str) -> None:
    """A custom domain of that name is on the service and Render reports it verified."""
    service = target.service
    target.require("custom_domains")
    wanted = name.strip().lower().rstrip(".")
    found = [d for d in target.custom_domains if d.name.lower().rstrip(".") == wanted]
    if not found:
        names = ", ".join(d.name for d in target.custom_domains) or "none"
        raise Violation(f"custom domain {name}", "on the service, verified",
                        f"not on the service (its domains: {names})", link=service.dashboard_url)
    if found[0].verification_status != "verified":
        raise Violation(f"custom domain {name}", "verificationStatus 'verified'",
                        f"verificationStatus {found[0].verification_status!r}", link=service.dashboard_url)


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
