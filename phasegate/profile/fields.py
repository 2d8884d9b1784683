"""Typed readers of one merged setting: each names where its value came from when it refuses it.

:class:`Fields` holds the merged values (profile files, then the process environment) and
where each came from; its readers (text, required, number, identifier, status name, flag,
secret) raise :class:`~phasegate.errors.ConfigError` with one line that describes a rejected
value instead of showing it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import ConfigError
from ..redact import Secret, describe
from .model import SECRET_KEYS, parse_flag

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
STATUS_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_ -]{0,62}")


@dataclass(frozen=True)
class Fields:
    name: str  # the profile's name
    shown: str  # its file, as messages name it
    values: dict[str, str]
    sources: dict[str, str] = field(default_factory=dict)  # key -> "file:line" or the process environment

    def at(self, key: str) -> str:
        """Where the key's value came from, as a message prefix."""
        return self.sources.get(key, self.shown)

    def text(self, key: str, default: str | None = None) -> str | None:
        value = self.values.get(key, "").strip()
        return value or default

    def required(self, key: str) -> str:
        value = self.text(key)
        if value is None:
            empty = f"{self.at(key)}: {key} is empty" if key in self.sources else f"{self.shown}: {key} is not set"
            raise ConfigError(f"{empty} (set it in {self.shown}, {self.shown[:-4]}.local.env or the process "
                              "environment)")
        return value

    def number(self, key: str, default: float, kind=int, minimum: float = 0) -> float:
        raw = self.text(key)
        if raw is None:
            return default
        try:
            value = kind(raw)
        except ValueError:
            raise ConfigError(f"{self.at(key)}: {key} must be a number, got {describe(raw)}") from None
        if value <= minimum:
            raise ConfigError(f"{self.at(key)}: {key} must be greater than {minimum:g}")
        return value

    def identifier(self, key: str, default: str) -> str:
        value = self.text(key, default)
        if not IDENTIFIER.match(value):
            raise ConfigError(f"{self.at(key)}: {key} must be a plain SQL name (letters, digits, _), got "
                              f"{describe(value)}")
        return value

    def status_name(self, key: str, default: str) -> str:
        value = self.text(key, default)
        if not STATUS_NAME.fullmatch(value):
            raise ConfigError(f"{self.at(key)}: {key} must be a job status name (letters, digits, _, -, space), "
                              f"got {describe(value)}")
        return value

    def flag(self, key: str) -> bool:
        value = parse_flag(self.text(key))
        if value is None:
            raise ConfigError(f"{self.at(key)}: {key} must be true or false, got {describe(self.text(key).lower())}")
        return value

    def secret(self, key: str) -> Secret | None:
        if key not in SECRET_KEYS:  # a key read as a secret is declared one, so no committed profile may hold it
            raise AssertionError(f"{key} is read as a secret: add it to SECRET_KEYS in phasegate/profile/model.py")
        value = self.text(key)
        return Secret(value) if value else None
