"""Why a public address could not be read, in one line: the criterion is then broken, never failed or passed."""

from __future__ import annotations

import socket
import ssl

import httpx

from ..errors import TargetError, one_line


class Unreachable(TargetError):
    """The runner could not reach the address (DNS, no route, refused, timed out, TLS not trusted)."""


def unreachable(where: str, exc: BaseException) -> Unreachable:
    """One line: what could not be reached (or not trusted) and why, without the library's traceback."""
    why = reason(exc)
    if why.startswith("its certificate"):
        return Unreachable(f"cannot judge: {where} answered, but {why}")
    return Unreachable(f"cannot judge: {where} is unreachable from this runner: {why}")


def reason(exc: BaseException) -> str:
    """The cause in words, for httpx's and the socket's errors alike."""
    cause = exc
    while cause.__cause__ is not None or cause.__context__ is not None:
        if isinstance(cause, (ssl.SSLError, socket.gaierror, ConnectionRefusedError)):
            break
        cause = cause.__cause__ or cause.__context__
    if isinstance(cause, socket.gaierror) or "Name or service not known" in str(exc):
        return "its name does not resolve (DNS)"
    if isinstance(cause, ConnectionRefusedError) or "Connection refused" in str(exc):
        return "connection refused"
    if isinstance(cause, ssl.SSLCertVerificationError):
        return f"its certificate is not trusted ({cause.verify_message}); the certificate criterion judges it"
    if isinstance(exc, (httpx.TimeoutException, TimeoutError, socket.timeout)):
        return "timed out"
    return one_line(f"{type(cause).__name__}: {cause}", 160)
