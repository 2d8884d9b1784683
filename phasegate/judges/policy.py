"""Judgement of the environment-wide policy: every rule, for one service of the environment snapshot.

Each rule is judged by the judge the criteria use for it (one rule, one place): the branch by
``service_field``, suspension by ``not_suspended``, ENVIRONMENT by ``env_equals``, shared secrets by
``no_shared_secrets`` and each forbidden key by ``key_absent`` (the service's variables, its linked
groups' and its own and its groups' secret files). The policy collects what they raise into one
Violation, a line per broken rule in that judge's words.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from ..errors import TargetError
from .env import env_equals, key_absent, no_shared_secrets
from .service import not_suspended, service_field
from .violation import Violation

if TYPE_CHECKING:
    from ..snapshot.environment import EnvironmentSnapshot


def rules(env: EnvironmentSnapshot, name: str) -> list[tuple[str, Callable[[], object]]]:
    """(what the rule checks, in words; the judge that checks it) for one service of the environment."""
    policy, target = env.policy, env.services[name]
    kind = target.service.type or ""  # NotJudgeable when the name is ambiguous: no rule can be judged
    counterpart = env.counterparts.get(name)
    forbidden = policy.forbidden.get(kind, ())
    out: list[tuple[str, Callable[[], object]]] = [
        (f"branch {policy.branch}", lambda: service_field(target, "branch", policy.branch)),
        ("not suspended", lambda: not_suspended(target)),
        (f"ENVIRONMENT={policy.environment}", lambda: env_equals(target, "ENVIRONMENT", policy.environment)),
    ]
    if counterpart is not None:
        out.append((f"no secret shared with {counterpart.name}", lambda: no_shared_secrets(target, counterpart)))
    else:  # nothing to compare with: the rule holds by having no counterpart
        out.append(("no production counterpart", lambda: None))
    out += [(f"no {key} (forbidden for a {kind})", lambda key=key: key_absent(target, key)) for key in forbidden]
    if not forbidden:
        out.append((f"no key is forbidden for a {kind}", lambda: None))
    return out


def judge_service(env: EnvironmentSnapshot, name: str) -> list[str]:
    """Every rule of the policy for one service: returns what was checked, raises on violations.

    A rule that cannot be judged (a read failed, the counterpart is ambiguous) does not hide one that is
    broken: the Violation names both. With none broken, the first such cause is raised (not judgeable).
    """
    policy = env.policy
    checked, broken, unjudged = [], [], []
    for label, judge in rules(env, name):
        try:
            judge()
        except Violation as violation:
            broken.append(violation.line)
        except TargetError as exc:
            unjudged.append((label, exc))
        else:
            checked.append(label)
    if broken:
        counterpart = env.counterparts.get(name)
        where = f"{policy.pattern}; production counterpart {counterpart.name}" if counterpart else policy.pattern
        details = broken + [f"not judged ({label}): {exc}" for label, exc in unjudged]
        raise Violation(f"{name} breaks the environment policy ({where})", "every rule of the policy holds",
                        f"{len(broken)} rule(s) broken", link=env.services[name].dashboard_url, details=details)
    if unjudged:
        raise unjudged[0][1]
    return checked
