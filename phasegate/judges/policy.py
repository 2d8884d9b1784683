"""Judgement of the environment-wide policy: every rule, for one service of the environment snapshot."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .env import SERVICE_URL_KEYS, same_name
from .violation import Violation

if TYPE_CHECKING:
    from ..snapshot.environment import EnvironmentSnapshot


def judge_service(env: EnvironmentSnapshot, name: str) -> list[str]:
    """Every rule of the policy for one service: returns what was checked, raises on violations."""
    policy = env.policy
    target = env.services[name]
    service = target.service  # NotJudgeable when the name is ambiguous
    problems: list[str] = []
    if service.branch != policy.branch:
        problems.append(f"deploys from {service.branch!r}, not {policy.branch!r}")
    if service.suspended != "not_suspended" or service.suspenders:
        problems.append(f"is suspended ({service.suspended}, suspenders {list(service.suspenders)})")
    settings = target.effective_env
    environment = settings.get("ENVIRONMENT")
    actual_env = environment.value.reveal() if environment is not None else "<not set>"
    if actual_env != policy.environment:
        problems.append(f"ENVIRONMENT is {actual_env!r}, not {policy.environment!r}")
    counterpart = env.counterparts.get(name)
    if counterpart is not None:
        counterpart.service  # noqa: B018 - ambiguous counterpart: not judgeable
        theirs = counterpart.effective_env
        shared = sorted(
            key for key, setting in settings.items()
            if key in theirs and not setting.plain and key not in SERVICE_URL_KEYS
            and not setting.value.is_empty() and setting.value.digest == theirs[key].value.digest
        )
        if shared:
            problems.append(f"shares {', '.join(shared)} with {counterpart.name} (same value)")
    forbidden = policy.forbidden.get(service.type or "", ())
    wanted = {f.upper() for f in forbidden}
    held = sorted(k for k in settings if k.upper() in wanted)
    # A linked group's secret file carries the key as well as a variable does.
    held += sorted(f"{f.name} (secret file of env group {g.name})" for g in target.env_groups
                   for f in g.secret_files if any(same_name(f.name, key) for key in forbidden))
    if held:
        problems.append(f"holds {', '.join(held)}, forbidden for a {service.type}")
    if problems:
        raise Violation(f"{name} breaks the environment policy ({policy.pattern})",
                        "every rule of the policy holds", f"{len(problems)} rule(s) broken",
                        link=service.dashboard_url, details=problems)
    checked = [f"branch {policy.branch}", "not suspended", f"ENVIRONMENT={policy.environment}",
               f"no secret shared with {counterpart.name}" if counterpart else "no production counterpart",
               f"none of {', '.join(forbidden) or 'no keys'} (forbidden for {service.type})"]
    return checked
