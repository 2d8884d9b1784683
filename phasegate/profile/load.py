"""Which profile a run reads, and reading it: the profile files, then the process environment, validated.

``environments/<name>.env`` (plain settings, committed), then the git-ignored
``<name>.local.env`` (a QA's secrets), then the process environment (how CI passes secrets):
later sources win; a secret in a file git would commit stops the run (:mod:`.committed`).
``PHASEGATE_PROFILES_DIR`` (process environment) names another folder to read both files from. A
missing or malformed setting raises :class:`ConfigError` with one line naming the key and where its
value came from.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

from ..errors import ConfigError
from ..sandbox.settings import DEFAULT_WORLD
from ..redact import describe
from .committed import refuse_committed_secrets
from .envfile import parse_profile_file
from .fields import Fields
from .model import KNOWN_KEYS, PROCESS_ENVIRONMENT, Profile, parse_flag
from .validate import validate

PROFILES_DIR = "PHASEGATE_PROFILES_DIR"  # a folder of profiles instead of the checkout's environments/
ENVIRONMENT_TAGS = ("staging", "production")  # the scenario tags the features use for an environment
_MARK_OPERATORS = {"not", "and", "or"}


def profiles_folder(root: Path, environ: dict[str, str] | None = None) -> Path:
    """Where profiles are read: ``PHASEGATE_PROFILES_DIR`` if the process environment sets it."""
    environ = os.environ if environ is None else environ
    return Path(environ[PROFILES_DIR]) if environ.get(PROFILES_DIR) else root / "environments"


def _shown(path: Path, root: Path) -> str:
    """A profile file as messages and the run record name it: from the checkout, else in full."""
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def profile_path(root: Path, name: str, environ: dict[str, str] | None = None) -> Path:
    return profiles_folder(root, environ) / f"{name}.env"


def available_profiles(root: Path, environ: dict[str, str] | None = None) -> list[str]:
    folder = profiles_folder(root, environ)
    return sorted(p.name[: -len(".env")] for p in folder.glob("*.env") if not p.name.endswith(".local.env"))


def choose_profile(env_option: str | None, markexpr: str, root: Path) -> str:
    """``--env`` wins; else the one profile or environment tag ``-m`` names; else staging.

    An environment tag without a profile file is chosen all the same, so that loading it
    stops the run: ``-m production`` never falls back to the staging profile.
    """
    if env_option:
        return env_option
    words = set(re.findall(r"[A-Za-z_][\w-]*", markexpr or "")) - _MARK_OPERATORS
    named = sorted(words & (set(available_profiles(root)) | set(ENVIRONMENT_TAGS)))
    if len(named) > 1:
        raise ConfigError(f"-m {markexpr!r} names several environments ({', '.join(named)}); "
                          "pick one profile with --env NAME")
    return named[0] if named else "staging"


def load_profile(name: str, root: Path, environ: dict[str, str] | None = None) -> Profile:
    environ = os.environ if environ is None else environ
    path = profile_path(root, name, environ)
    shown = _shown(path, root)
    if not path.is_file():
        known = ", ".join(available_profiles(root, environ)) or "none"
        example = path.with_name(path.name + ".example")
        hint = f"; copy {_shown(example, root)} to {shown}" if example.is_file() else ""
        raise ConfigError(f"{shown}: no such profile (profiles here: {known}){hint}")
    files, values, sources = _read_files(path, name, root)
    file_values, file_sources = dict(values), dict(sources)
    from_environment = sorted(key for key in KNOWN_KEYS if key in environ)
    for key in from_environment:
        values[key], sources[key] = environ[key], PROCESS_ENVIRONMENT
    _sandbox_world_settings(values, sources)
    profile = validate(Fields(name, shown, values, sources))
    return dataclasses.replace(profile, files=tuple(files), from_environment=tuple(from_environment),
                               api_url_is_real=_declared_real(file_values, file_sources))


def _read_files(path: Path, name: str, root: Path) -> tuple[list[str], dict[str, str], dict[str, str]]:
    """The profile file and its ``.local.env``, later wins: (files read, values, key -> "file:line")."""
    values: dict[str, str] = {}
    sources: dict[str, str] = {}
    files: list[str] = []
    for source in (path, path.with_name(f"{name}.local.env")):
        if source.is_file():
            files.append(_shown(source, root))
            found = parse_profile_file(source, _shown(source, root))
            for key, (value, where) in found.items():
                if key not in KNOWN_KEYS:
                    raise ConfigError(f"{where}: unknown key {key}")
                values[key], sources[key] = value, where
            refuse_committed_secrets(source, _shown(source, root), found)
    return files, values, sources


def _declared_real(file_values: dict[str, str], file_sources: dict[str, str]) -> bool:
    """RENDER_API_URL_IS_REAL, from the profile files only: the process environment alone cannot turn a
    stand-in into a sign-off."""
    declared = parse_flag(file_values.get("RENDER_API_URL_IS_REAL", ""))
    if declared is None:
        raise ConfigError(f"{file_sources['RENDER_API_URL_IS_REAL']}: RENDER_API_URL_IS_REAL must be true or false, "
                          f"got {describe(file_values['RENDER_API_URL_IS_REAL'])}")
    return declared


def _sandbox_world_settings(values: dict[str, str], sources: dict[str, str]) -> None:
    """A sandbox world may carry the settings of the deployment it stands for (a queue whose failed state is
    ``dead``): they fill the keys that no profile file and not the process environment set."""
    if not parse_flag(values.get("PHASEGATE_SANDBOX", "")):
        return
    from ..sandbox.session import world_settings  # the catalogue: imported only for a sandbox profile

    name = values.get("PHASEGATE_SANDBOX_WORLD", "").strip() or DEFAULT_WORLD
    for key, value in world_settings(name).items():  # an unknown world is refused in validate
        if not values.get(key, "").strip():
            values[key], sources[key] = value, f"the sandbox world {name}"
