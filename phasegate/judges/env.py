"""Judgements of the environment variable criteria over a service's effective environment.

Secrets are compared by keyed digest and shown masked; a violation never carries a value.
"""

from __future__ import annotations

from ..snapshot import NotJudgeable, ServiceSnapshot
from .violation import Violation

# Keys judged as service URLs (values_differ): no_shared_secrets leaves them to it, so one mistake fails one criterion.
SERVICE_URL_KEYS = ("SUPABASE_URL",)


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


def env_is_url_of(target: ServiceSnapshot, key: str, other: ServiceSnapshot) -> None:
    """``key`` holds the other service's URL as Render reports it (a trailing / aside)."""
    service, url = target.service, other.service.url
    if not url:
        raise NotJudgeable(f"cannot judge: {other.name!r} has no URL on Render (a background worker has none)")
    setting = target.effective_env.get(key)
    actual = setting.value.reveal() if setting is not None else None
    if actual is None or actual.rstrip("/") != url.rstrip("/"):
        shown = "<not set>" if setting is None else f"{setting.shown()} (from {setting.source})"
        raise Violation(f"environment variable {key}", f"{url} (the URL of {other.name!r})", shown,
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
