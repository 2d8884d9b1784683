"""The database errors phasegate raises: one line each, scrubbed of every secret.

All are ``TargetError``: a scenario that meets one is *broken*, not failed.
"""

from __future__ import annotations

from phasegate import redact
from phasegate.errors import TargetError, one_line as _one_line


def first_line(exc: BaseException) -> str:
    """The first non-empty line of an exception's text (libpq's messages run over several)."""
    text = str(exc).strip()
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line
    return type(exc).__name__



class DatabaseError(TargetError):
    """The worker's database could not be read. One line, scrubbed of every secret."""

    def __init__(self, message: str) -> None:
        super().__init__(_one_line(redact.scrub(str(message))))


class DatabaseUnreachable(DatabaseError):
    """Nothing answered (refused, no socket, host down, connect timeout, no such database)."""


class DatabaseAuthFailed(DatabaseError):
    """The server answered but refused the credentials (password, unknown role, pg_hba)."""


class DatabaseTimeout(DatabaseError):
    """A read exceeded phasegate's own statement timeout."""


class DatabaseNotReadOnly(DatabaseError):
    """A transaction phasegate opened did not read back as read-only: nothing was read in it."""


class DatabaseWrongRole(DatabaseError):
    """The session is another role than the one the service's own DATABASE_URL names: nothing was judged.

    ``identity`` is the evidence (route, expected role, current_user, session_user; no URL).
    """

    def __init__(self, message: str, identity: dict) -> None:
        super().__init__(message)
        self.identity = identity
