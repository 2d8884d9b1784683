"""A secret in a profile file git would commit stops the run, naming file and line, never the value.

A secret is a key of :data:`~.model.SECRET_KEYS` set to anything (``RENDER_API_KEY``,
``PHASEGATE_DIGEST_KEY``), or a ``*_DATABASE_URL`` that carries a password (``user:password@`` in
the URL, ``password=`` in its query, or a libpq ``password=`` keyword; a sandbox role's
placeholder carries none). Whether a file would be committed is git's answer: ``git check-ignore``
from the file's folder (a file git ignores is private; one it does not ignore, or one it tracks,
would be committed). Outside a git checkout (a ``PHASEGATE_PROFILES_DIR`` elsewhere, a copy without
``.git``), or without git, the repository's own rule stands in for git's: ``<name>.env`` is the
committed file, ``<name>.local.env`` the private one (``.gitignore``: ``environments/*.local.env``).
So a secret is refused in ``<name>.env`` wherever it lies: a folder outside git today is copied into
one tomorrow.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from ..errors import ConfigError
from .model import SECRET_KEYS, SECRET_WHEN_PASSWORD

LOCAL_SUFFIX = ".local.env"
_DSN_PASSWORD = re.compile(r"(?:^|\s)password\s*=", re.IGNORECASE)


def carries_password(url: str) -> bool:
    """Whether a database URL (or libpq keyword/value string) holds a password; a URL that cannot be parsed
    is taken to hold one (it is never shown, so refusing it costs nothing)."""
    if "://" not in url:
        return bool(_DSN_PASSWORD.search(url))
    try:
        parts = urlsplit(url.strip())
        return bool(parts.password) or "password" in {k.lower() for k in parse_qs(parts.query)}
    except ValueError:
        return True


def is_secret(key: str, value: str) -> bool:
    if not value.strip():
        return False
    return key in SECRET_KEYS or (key in SECRET_WHEN_PASSWORD and carries_password(value))


def git_ignores(path: Path) -> bool | None:
    """git's word on the file: True ignored, False not ignored (or tracked); None outside a checkout or without git."""
    git = shutil.which("git")
    if git is None:
        return None
    try:
        done = subprocess.run([git, "-C", str(path.parent), "check-ignore", "-q", "--", path.name],
                              capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return {0: True, 1: False}.get(done.returncode)  # 128: not a git checkout


def would_be_committed(path: Path) -> bool:
    ignored = git_ignores(path)
    if ignored is None:  # outside git: the repository's rule, <name>.local.env private, <name>.env committed
        return not path.name.endswith(LOCAL_SUFFIX)
    return not ignored


def refuse_committed_secrets(path: Path, shown: str, found: dict[str, tuple[str, str]]) -> None:
    """Stop at the first secret in a profile file git would commit: one line naming where, and where it goes."""
    secrets = [(key, where) for key, (value, where) in found.items() if is_secret(key, value)]
    if not secrets or not would_be_committed(path):
        return
    key, where = min(secrets, key=lambda item: _line(item[1]))
    what = f"{key} carries a password" if key in SECRET_WHEN_PASSWORD else f"{key} is a secret"
    if path.name.endswith(LOCAL_SUFFIX):
        fix = f"add {path.name} to .gitignore (the checkout ignores environments/*{LOCAL_SUFFIX})"
    else:
        fix = f"move the line to {shown[: -len('.env')]}{LOCAL_SUFFIX} (git-ignored)"
    raise ConfigError(f"{where}: {what}, and {shown} is not ignored by git (it would be committed): {fix}, or pass "
                      f"{key} in the process environment")


def _line(where: str) -> int:
    number = where.rsplit(":", 1)[-1]
    return int(number) if number.isdigit() else 0
