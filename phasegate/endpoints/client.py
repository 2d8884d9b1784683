"""The one HTTP client for public endpoints: it can only read.

GET, HEAD and OPTIONS are the only methods it sends (:data:`ALLOWED_METHODS`, checked before any request,
the first included, like the database's read-only session); every request is bounded in time; it sends no
credentials (no ``Authorization``, no cookies: its jar accepts none, and ``trust_env`` is off so no netrc
or proxy credentials are picked up); it follows a redirect only on the same scheme, host and port. A body
is never kept: at most :data:`BODY_BYTES` are read, and only a redacted sample of them
(:func:`phasegate.redact.sample`) leaves this module.
"""

from __future__ import annotations

from http.cookiejar import CookieJar, DefaultCookiePolicy
from urllib.parse import urljoin, urlsplit

import httpx

from .. import redact
from .causes import unreachable
from .facts import Answer
from .route import EndpointRoute

ALLOWED_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TIMEOUT_SECONDS = 10.0
BODY_BYTES = 2048
SAMPLE_CHARS = 160
MAX_REDIRECTS = 3
USER_AGENT = "phasegate (read-only acceptance check)"


class ReadOnlyClient:
    """An httpx client that reads public endpoints and refuses to send anything but GET, HEAD or OPTIONS."""

    def __init__(self, route: EndpointRoute | None = None, timeout: float = TIMEOUT_SECONDS) -> None:
        self.route = route or EndpointRoute()
        # A routed (sandbox) client keeps no connection alive: hosts that share a loopback address must each
        # get their own TLS handshake, under their own name.
        limits = httpx.Limits(max_keepalive_connections=0) if self.route.resolve else httpx.Limits()
        self._http = httpx.Client(verify=self.route.ssl_context(), timeout=httpx.Timeout(timeout), limits=limits,
                                  follow_redirects=False, trust_env=False, headers={"User-Agent": USER_AGENT},
                                  cookies=httpx.Cookies(CookieJar(DefaultCookiePolicy(allowed_domains=[]))))
        self.requests_made = 0

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "ReadOnlyClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def read(self, method: str, url: str, headers: dict | None = None) -> Answer:
        """One answer to ``method url`` (same-origin redirects followed): its status, the headers judges read,
        a redacted sample of its body. Raises Unreachable (one line) when no answer came."""
        check_method(method)
        seen = [url]
        while True:
            answer, location = self._once(method, seen[-1], headers or {})
            if not (300 <= answer.status < 400 and location) or len(seen) > MAX_REDIRECTS:
                return answer.with_redirects(tuple(seen[:-1]))
            target = urljoin(seen[-1], location)
            if not same_origin(url, target):  # never followed to another host: the answer is the redirect
                return answer.with_redirects(tuple(seen[:-1]))
            seen.append(target)

    def _once(self, method: str, url: str, headers: dict) -> tuple[Answer, str | None]:
        """The answer, and its Location as sent (to follow; the answer keeps it without its query)."""
        check_method(method)
        request = self._http.build_request(method, url, headers=headers)
        if "authorization" in request.headers or "cookie" in request.headers:  # never, by construction
            raise ValueError("the endpoint client sends no credentials")
        self._route(request)
        self.requests_made += 1
        try:
            response = self._http.send(request, stream=True)
            try:
                body = b""
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) >= BODY_BYTES:
                        break
            finally:
                response.close()
            return (Answer.of(method, url, response.status_code, dict(response.headers),
                              redact.sample(body[:BODY_BYTES].decode("utf-8", "replace"), SAMPLE_CHARS)),
                    response.headers.get("location"))
        except httpx.HTTPError as exc:
            raise unreachable(_origin(url), exc) from None

    def _route(self, request: httpx.Request) -> None:
        """Send a request for a host the route maps (the sandbox's) to its address, with the URL's host still
        in the Host header and as the TLS name (httpx's ``sni_hostname`` extension): the certificate is
        checked against the name the criterion names, never the loopback address."""
        host, port = request.url.host, request.url.port or (443 if request.url.scheme == "https" else 80)
        address = self.route.address(host, port)
        if address != (host, port):
            request.url = request.url.copy_with(host=address[0], port=address[1])
            request.extensions = {**request.extensions, "sni_hostname": host}


def check_method(method: str) -> None:
    """Refuse, before it is sent, any method that is not GET, HEAD or OPTIONS."""
    if method.upper() not in ALLOWED_METHODS or method != method.upper():
        raise PermissionError(f"the endpoint client is read-only: {method!r} is not one of "
                              f"{', '.join(sorted(ALLOWED_METHODS))}")


def same_origin(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.scheme, pa.hostname, pa.port) == (pb.scheme, pb.hostname, pb.port)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"

