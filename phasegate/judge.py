"""Judgements of criteria over a snapshot: pass silently or raise :class:`Violation`.

A violation says what was expected, what was found, and where to look (the service's
Render dashboard page). It never carries a secret value: secrets are shown masked, and
comparisons of secrets use keyed digests.
"""

from __future__ import annotations

from .render.models import DEPLOY_IN_FLIGHT, DEPLOY_SETTLED
from .snapshot import NotJudgeable, ServiceSnapshot

# Keys judged as service URLs (values_differ): no_shared_secrets leaves them to it, so one mistake fails one criterion.
SERVICE_URL_KEYS = ("SUPABASE_URL",)


class Violation(AssertionError):
    """A criterion is violated. The message is expected vs actual, one fact per line."""

    def __init__(self, what: str, expected: str, actual: str, *, link: str | None = None, details=()):
        lines = [what, f"  expected: {expected}", f"  actual:   {actual}"]
        lines += [f"  {line}" for line in details]
        if link:
            lines.append(f"  service:  {link}")
        super().__init__("\n".join(lines))
        self.expected, self.actual, self.link = expected, actual, link


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


def env_equals(target: ServiceSnapshot, key: str, expected: str) -> None:
    service = target.service
    setting = target.effective_env.get(key)
    if setting is None:
        raise Violation(f"environment variable {key}", expected, "<not set>", link=service.dashboard_url)
    actual = setting.value.reveal()
    # A boolean reads the same in any case to the worker's settings parser ("False" is false).
    same = actual.strip().lower() == expected.lower() if expected.lower() in ("true", "false") else actual == expected
    if not same:
        raise Violation(f"environment variable {key}", expected, f"{setting.shown()} (from {setting.source})",
                        link=service.dashboard_url)


def env_present(target: ServiceSnapshot, keys: list[str]) -> None:
    service = target.service
    env = target.effective_env
    missing = [k for k in keys if k not in env]
    empty = [k for k in keys if k in env and env[k].value.is_empty()]
    if missing or empty:
        actual = "; ".join(part for part in (
            f"not set: {', '.join(missing)}" if missing else "",
            f"empty: {', '.join(empty)}" if empty else "",
        ) if part)
        raise Violation("environment variables set and non-empty", ", ".join(keys), actual,
                        link=service.dashboard_url)


def same_name(a: str, b: str) -> bool:
    """Does secret file ``a`` (a path, maybe with an extension) carry key ``b``?"""
    stem = a.rsplit("/", 1)[-1].split(".", 1)[0]
    return stem.upper() == b.upper()


def key_absent(target: ServiceSnapshot, key: str) -> None:
    service = target.service
    target.require("env")
    wanted = key.upper()
    found = [f"{v.key} on the service" for v in target.env_vars if v.key.upper() == wanted]
    found += [f"{v.key} in env group {g.name}" for g in target.env_groups for v in g.env_vars if v.key.upper() == wanted]
    found += [f"{name} as {source}" for name, source in target.all_secret_file_names if same_name(name, key)]
    if found:
        raise Violation(f"{key} present", "absent (service, linked env groups, secret files)",
                        "; ".join(found), link=service.dashboard_url)


def no_shared_secrets(staging: ServiceSnapshot, production: ServiceSnapshot) -> list[str]:
    """Compare every secret set on both services by keyed digest; return the keys compared."""
    service = staging.service
    production.service  # noqa: B018 - raises NotJudgeable when production is ambiguous
    ours, theirs = staging.effective_env, production.effective_env
    compared, shared = [], []
    for key in sorted(set(ours) & set(theirs)):
        a, b = ours[key], theirs[key]
        if a.plain or key in SERVICE_URL_KEYS or a.value.is_empty() or b.value.is_empty():
            continue
        compared.append(key)
        if a.value.digest == b.value.digest:
            shared.append(key)
    if shared:
        raise Violation("secrets shared with production", "every secret differs from production's",
                        f"same value in both: {', '.join(shared)}", link=service.dashboard_url,
                        details=[f"compared by keyed digest: {', '.join(compared)}"])
    return compared


def values_differ(staging: ServiceSnapshot, production: ServiceSnapshot, key: str) -> None:
    service = staging.service
    production.service  # noqa: B018
    ours, theirs = staging.effective_env.get(key), production.effective_env.get(key)
    if ours is None or ours.value.is_empty():
        raise Violation(f"{key} staging-specific", f"{key} set on staging", "<not set>", link=service.dashboard_url)
    if theirs is not None and ours.value.digest == theirs.value.digest:
        raise Violation(f"{key} staging-specific", "a value different from production's",
                        f"the same value as {production.name!r}", link=service.dashboard_url)
