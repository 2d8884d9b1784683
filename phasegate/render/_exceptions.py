"""The Render client's error tree, one class per cause.

Every error is a :class:`RenderError` (a :class:`phasegate.errors.TargetError`), so a
scenario that cannot read Render is *broken*, never *failed*. Messages are one line and
pass through :func:`phasegate.redact.scrub`; the path an error names is scrubbed too.
"""

from __future__ import annotations

from phasegate.errors import TargetError, one_line
from phasegate.redact import scrub


class RenderError(TargetError):
    """The Render API could not be read. ``status`` is the HTTP status (None if no response)."""

    def __init__(self, message: str, *, status: int | None = None, path: str = "", method: str = "GET"):
        super().__init__(scrub(one_line(message, 500)))
        self.status = status
        self.path = scrub(path)
        self.method = method

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r}, status={self.status!r})"


class AuthenticationError(RenderError):
    """401/403: the API key is missing, wrong, revoked, or lacks access."""


class NotFoundError(RenderError):
    """404: the resource does not exist (or the key's owner cannot see it)."""


class RateLimitedError(RenderError):
    """429 still returned after the retries or the retry budget were used up."""


class ServerError(RenderError):
    """5xx still returned after the retries or the retry budget were used up."""


class NetworkError(RenderError):
    """Timeouts, refused or reset connections, after the retries."""


class ResponseFormatError(RenderError):
    """The body is not JSON, or not of the expected shape."""
