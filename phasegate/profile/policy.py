"""The environment-wide policy as the profile sets it: rules every service of an environment must follow.

Services are selected by a name pattern of the profile (``POLICY_SERVICE_PATTERN``, e.g.
``*-staging``); a service's production counterpart is the service of the same name
without the pattern's suffix. The environment is read by :mod:`phasegate.snapshot.environment`
and each service judged by :mod:`phasegate.judges.policy`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import ConfigError

DEFAULT_FORBIDDEN = "background_worker=JWT_SECRET"


@dataclass(frozen=True)
class Policy:
    pattern: str
    environment: str  # the value ENVIRONMENT must have
    branch: str  # the branch every service deploys from
    suffix: str  # name suffix that separates a service from its production counterpart
    forbidden: dict = field(hash=False)  # service type -> keys it must not hold

    @classmethod
    def from_profile(cls, profile) -> "Policy | None":
        if not profile.policy_pattern:
            return None
        pattern = profile.policy_pattern
        suffix = pattern[1:] if pattern.startswith("*") and "*" not in pattern[1:] else ""
        return cls(pattern=pattern, environment=profile.policy_environment or profile.scenario_tag,
                   branch=profile.policy_branch or profile.scenario_tag, suffix=suffix,
                   forbidden=parse_forbidden(profile.policy_forbidden_keys or DEFAULT_FORBIDDEN, profile.source))

    def counterpart_name(self, name: str) -> str | None:
        if self.suffix and name.endswith(self.suffix) and len(name) > len(self.suffix):
            return name[: -len(self.suffix)]
        return None


def parse_forbidden(text: str, source: str) -> dict[str, tuple[str, ...]]:
    """``background_worker=JWT_SECRET,OTHER;web_service=`` -> {type: keys}."""
    rules: dict[str, tuple[str, ...]] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        kind, sep, keys = part.partition("=")
        if not sep or not kind.strip():
            raise ConfigError(f"{source}: POLICY_FORBIDDEN_KEYS must read type=KEY,KEY;type=…, got {part!r}")
        rules[kind.strip()] = tuple(k.strip() for k in keys.split(",") if k.strip())
    return rules
