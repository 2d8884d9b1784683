"""One GET on the Render API: send it, say what came back, map a status to an error.

:func:`send` makes the request and turns an httpx exception into a one-line cause (the
exception itself is dropped: its context could show request headers). :func:`answer`
decodes a 2xx body or raises the error its status means; a retryable outcome is left to
the retry (:mod:`phasegate.render._retry`), which maps what was left with :func:`exhausted`.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass
from typing import Any

import httpx

from phasegate.errors import one_line

from ._exceptions import (AuthenticationError, NetworkError, NotFoundError, RateLimitedError, RenderError,
                          ResponseFormatError, ServerError)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REFUSED_ATTEMPTS = 2  # a refused connection is tried twice, not max_attempts times (seconds, not tens)
RETRY = object()  # what :func:`answer` returns for an outcome worth another attempt


@dataclass(frozen=True)
class Sent:
    """What one GET brought back: a response, or the one-line cause of having none."""

    response: httpx.Response | None
    cause: str | None = None
    fatal: bool = False  # a transport error another attempt would not mend
    undecodable: bool = False  # the body could not be decoded (httpx.DecodingError)


def seg(value: Any) -> str:
    """One path segment, percent-encoded so an id cannot change the path."""
    text = "" if value is None else str(value)
    if not text:
        raise ValueError("an empty id cannot name a Render resource")
    return urllib.parse.quote(text, safe="")


def short_cause(exc: BaseException) -> str:
    """A one-line description of a transport error, without its request."""
    if isinstance(exc, httpx.ConnectTimeout):
        return "connect timeout"
    if isinstance(exc, httpx.ReadTimeout):
        return "read timeout"
    if isinstance(exc, httpx.WriteTimeout):
        return "write timeout"
    if isinstance(exc, httpx.PoolTimeout):
        return "connection pool timeout"
    text = one_line(str(exc), 160)
    text = re.sub(r"^\[Errno -?\d+\]\s*", "", text)
    if not text:
        return type(exc).__name__
    return text[0].lower() + text[1:]


def send(http: httpx.Client, url: str, query: dict, attempt: int) -> Sent:
    """``GET url?query`` once; an httpx error becomes a cause (no exception survives as context)."""
    try:
        return Sent(http.get(url, params=query))
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        return Sent(None, f"{short_cause(exc)} ({type(exc).__name__})", fatal=True)
    except httpx.TransportError as exc:  # includes every httpx.TimeoutException
        cause = f"{short_cause(exc)} ({type(exc).__name__})"
        # Nothing listening answers the same a second later: one retry, then the run says so.
        refused = isinstance(exc, httpx.ConnectError) and attempt >= REFUSED_ATTEMPTS and "refused" in cause
        return Sent(None, cause, fatal=refused)
    except httpx.DecodingError as exc:
        return Sent(None, type(exc).__name__, undecodable=True)
    except httpx.HTTPError as exc:
        return Sent(None, f"{short_cause(exc)} ({type(exc).__name__})", fatal=True)


def answer(sent: Sent, path: str, where: str) -> Any:
    """The decoded body of a 2xx, :data:`RETRY` for a retryable outcome, else the error raised."""
    response = sent.response
    if sent.undecodable:
        raise ResponseFormatError(
            f"Render API sent a body that could not be decoded ({sent.cause}) on {where}", path=path
        )
    if response is not None and 200 <= response.status_code < 300:
        return decode(response, path, where)
    if response is not None and response.status_code not in RETRY_STATUSES:
        raise status_error(response, path, where)
    return RETRY


def decode(response: httpx.Response, path: str, where: str) -> Any:
    content = response.content
    if not content.strip():
        raise ResponseFormatError(
            f"Render API returned an empty body ({response.status_code}) on {where}",
            status=response.status_code,
            path=path,
        )
    try:
        return response.json()
    except ValueError:  # JSONDecodeError and UnicodeDecodeError both are
        kind = response.headers.get("Content-Type", "no content type").split(";")[0].strip()
        raise ResponseFormatError(
            f"Render API returned a body that is not JSON ({kind}, {len(content)} bytes) on {where}",
            status=response.status_code,
            path=path,
        ) from None


def status_error(response: httpx.Response, path: str, where: str) -> RenderError:
    """The error a non-retryable status means: 401/403, 404, else the status as Render answered it."""
    status = response.status_code
    label = f"{status} {response.reason_phrase}".rstrip()
    if status in (401, 403):
        return AuthenticationError(f"Render API refused the key ({label}) on {where}", status=status, path=path)
    detail = _error_message(response)
    suffix = f": {detail}" if detail else ""
    if status == 404:
        return NotFoundError(f"Render API: not found ({label}) on {where}{suffix}", status=status, path=path)
    return RenderError(f"Render API answered {label} on {where}{suffix}", status=status, path=path)


def exhausted(response: httpx.Response | None, message: str, path: str) -> RenderError:
    """The error for a retryable outcome that outlasted the retries: by what the last attempt got."""
    if response is None:
        return NetworkError(message, path=path)
    if response.status_code == 429:
        return RateLimitedError(message, status=429, path=path)
    return ServerError(message, status=response.status_code, path=path)


def _error_message(response: httpx.Response) -> str:
    """Render's ``{"message": ...}`` text, one line, short (scrubbed by the exception)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return one_line(body["message"], 200)
    return ""
