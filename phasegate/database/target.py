"""Where a database URL points (:class:`ConnectionTarget`) and the role it logs in as (:func:`expected_role`).

Parsing registers the URL's password with :mod:`phasegate.redact`; no text here ever shows the URL.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass

import psycopg.conninfo

from phasegate import redact
from phasegate.database.errors import DatabaseError, first_line
from phasegate.identity import ExpectedRole, role_named_by

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "::1", "0:0:0:0:0:0:0:1"}


def _host_is_local(host: str | None) -> bool:
    if not host or host.startswith("/") or host.startswith("@"):
        return True  # Unix socket (libpq default, a directory, or an abstract socket)
    h = host.strip("[]").lower()
    return h in _LOOPBACK_NAMES or h.startswith("127.")


def _parse_conninfo(url: str) -> dict[str, str]:
    try:
        return psycopg.conninfo.conninfo_to_dict(url)  # type: ignore[return-value]
    except Exception as exc:  # psycopg.ProgrammingError; never echo the URL itself
        # libpq quotes the part it could not read, which may be any part of the URL: never shown.
        reason = re.sub(r'"[^"]*"?', '"…"', first_line(exc))
        raise DatabaseError(f"the database URL cannot be parsed: {reason}") from None


@dataclass(frozen=True)
class ConnectionTarget:
    """Where a database URL points. Carries no password, so its repr is safe anywhere."""

    host: str | None
    port: int | None
    dbname: str | None
    user: str | None
    sslmode: str | None
    is_local: bool

    @classmethod
    def parse(cls, url: str) -> "ConnectionTarget":
        params = _parse_conninfo(url)
        password = params.get("password")
        if password:
            redact.register(str(password))
        host = params.get("host") or params.get("hostaddr") or None
        hosts = [h for h in (host or "").split(",")] if host else []
        first_host = hosts[0] if hosts else None
        port_text = (params.get("port") or "").split(",")[0].strip()
        port = int(port_text) if port_text.isdigit() else None
        return cls(
            host=host,
            port=port,
            dbname=params.get("dbname") or None,
            user=params.get("user") or None,
            sslmode=params.get("sslmode") or None,
            is_local=all(_host_is_local(h) for h in hosts) if hosts else _host_is_local(first_host),
        )

    def describe(self) -> str:
        """``user@host:port/db (sslmode require)`` -- never a password, and never a connection string.

        No scheme and no ``key=value``: every libpq connection string has one or the other, so
        a description can neither equal nor contain a secret ``DATABASE_URL`` (a password-less
        URL is still a secret value, and the scrubber would mask a description equal to it).
        """
        def part(text: str, safe: str = "") -> str:
            return urllib.parse.quote(text, safe=safe)

        user = part(self.user) + "@" if self.user else ""
        host = self.host or ""
        if not host or host.startswith("/") or host.startswith("@"):
            where = "unix:" + part(host or "<default socket>", safe="/@<> ")
        else:
            where = f"[{host}]" if ":" in host and not host.startswith("[") else host
        port = f":{self.port}" if self.port is not None else ""
        db = part(self.dbname) if self.dbname else ""
        tls = f" (sslmode {self.sslmode})" if self.sslmode else ""
        return f"{user}{where}{port}/{db}{tls}"

    def __str__(self) -> str:
        return self.describe()


def expected_role(url: str, *, whose: str, source: str, route: str) -> ExpectedRole:
    """The role the service's own ``url`` (its DATABASE_URL as Render reports it) logs in as.

    Raises :class:`DatabaseError` (one line, no URL) when the URL cannot be parsed or names no user:
    the role to judge is then unknown, and nothing is judged by any route.
    """
    try:
        params = _parse_conninfo(url)
    except DatabaseError as exc:
        raise DatabaseError(f"{source} cannot be parsed, so the {whose} role to judge is unknown: "
                            f"{str(exc).removeprefix('the database URL cannot be parsed: ')}") from None
    if params.get("password"):
        redact.register(str(params["password"]))
    user = params.get("user") or ""
    if not user:
        raise DatabaseError(f"{source} names no user, so the {whose} role to judge is unknown")
    role, how = role_named_by(user, params.get("host") or params.get("hostaddr"), params.get("options"))
    return ExpectedRole(role=role, source=source, route=route, how=how)



_SUPABASE_POOLER_HOST = re.compile(r"(^|\.)pooler\.supabase\.com\.?$", re.IGNORECASE)
TRANSACTION_POOLER_PORT = 6543  # Supabase's transaction-mode pooler port


def looks_pooled(target: ConnectionTarget) -> bool:
    """A Supabase pooler host or the transaction-pooler port: known before connecting."""
    return bool(target.port == TRANSACTION_POOLER_PORT or _SUPABASE_POOLER_HOST.search(target.host or ""))
