"""What a public endpoint told: an answer, a CORS preflight's verdict, a certificate. Never a body in full.

Each fact carries only what judges read and evidence shows: a status, the CORS headers, the redirect
``Location`` (without its query, where a token may ride), a redacted sample of the body
(:func:`phasegate.redact.sample`); a certificate's expiry,
names and whether it chains to a trusted root.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, replace
from urllib.parse import urlsplit, urlunsplit

# The response headers kept (lower case): the rest are never stored.
KEPT_HEADERS = ("access-control-allow-origin", "access-control-allow-methods", "access-control-allow-credentials",
                "location", "content-type", "vary")


def without_query(url: str) -> str:
    """A URL an endpoint sent back, without its query and fragment: a redirect may carry a token there."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")) if (parts.query or parts.fragment) else url


@dataclass(frozen=True)
class Answer:
    """One response: method, URL, status, the kept headers, a redacted sample of its body."""

    method: str
    url: str
    status: int
    headers: dict
    body_sample: str = ""
    redirected_from: tuple = ()

    @classmethod
    def of(cls, method: str, url: str, status: int, headers: dict, body_sample: str) -> "Answer":
        kept = {k.lower(): v for k, v in headers.items() if k.lower() in KEPT_HEADERS}
        if "location" in kept:
            kept["location"] = without_query(kept["location"])
        return cls(method, url, status, kept, body_sample)

    def with_redirects(self, chain: tuple) -> "Answer":
        return replace(self, redirected_from=tuple(without_query(u) for u in chain)) if chain else self

    def evidence(self) -> dict:
        return {"request": f"{self.method} {self.url}", "status": self.status, "headers": dict(self.headers),
                "body_sample": self.body_sample, "redirected_from": list(self.redirected_from)}


@dataclass(frozen=True)
class Preflight:
    """A CORS preflight (OPTIONS with Origin and Access-Control-Request-Method) and its answer."""

    origin: str
    answer: Answer

    @property
    def allowed_origin(self) -> str | None:
        return self.answer.headers.get("access-control-allow-origin")

    @property
    def allows(self) -> bool:
        """The origin may read the API from a browser: Access-Control-Allow-Origin is it, or ``*``."""
        value = (self.allowed_origin or "").strip()
        return value == "*" or value.rstrip("/") == self.origin.rstrip("/")

    def evidence(self) -> dict:
        return {"origin": self.origin, **self.answer.evidence()}


@dataclass(frozen=True)
class Certificate:
    """The certificate ``host`` presents: its expiry, the DNS names it carries, and why it does not verify
    against the trusted roots ("" when it does)."""

    host: str
    port: int
    not_after: _dt.datetime
    names: tuple
    subject: str
    issuer: str
    verify_error: str = ""

    def days_left(self, at: _dt.datetime) -> float:
        return (self.not_after - at).total_seconds() / 86400

    def names_host(self) -> bool:
        """A DNS name of the certificate covers the host (a wildcard covers exactly one leftmost label)."""
        host = self.host.lower().rstrip(".")
        for name in (n.lower().rstrip(".") for n in self.names):
            if name == host or (name.startswith("*.") and "." in host and host.split(".", 1)[1] == name[2:]):
                return True
        return False

    def evidence(self) -> dict:
        return {"host": f"{self.host}:{self.port}", "not_after": self.not_after.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "names": list(self.names), "subject": self.subject, "issuer": self.issuer,
                "verifies": not self.verify_error, "verify_error": self.verify_error or None}
