"""One probe of a run, named by its need: what the snapshot reads of a public endpoint.

A step declares a probe as a need (``@reads("probe GET {role} {path}")``), one line with no secret:

- ``probe GET https://host/path``: that URL's answer;
- ``probe GET <role> <path>``: the answer at the path of the service's URL as Render reports it;
- ``probe CORS <role> <origin>``: a CORS preflight to the service's URL from that origin;
- ``probe TLS <host>``: the certificate the host presents on port 443.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from .client import ReadOnlyClient
from .facts import Preflight
from .route import EndpointRoute
from .tls import read_certificate

PREFIX = "probe "
KINDS = ("GET", "CORS", "TLS")
PREFLIGHT_METHOD = "GET"  # the method a preflight asks about: what a browser's fetch of the API sends


@dataclass(frozen=True)
class Probe:
    """A parsed probe: its kind, the role whose URL it starts from (None: a URL or host of its own), its target."""

    need: str
    kind: str
    role: str | None
    target: str


def is_probe(need: str) -> bool:
    return need.startswith(PREFIX)


def parse_probe(need: str) -> Probe:
    """The probe a need names; ValueError (one line) when it is not one."""
    words = need[len(PREFIX):].split(" ") if is_probe(need) else []
    if len(words) == 2 and words[0] == "GET" and urlsplit(words[1]).scheme in ("http", "https"):
        return Probe(need, "GET", None, words[1])
    if len(words) == 2 and words[0] == "TLS" and words[1] and "/" not in words[1]:
        return Probe(need, "TLS", None, words[1].lower().rstrip("."))
    if len(words) == 3 and words[0] == "GET" and words[2].startswith("/"):
        return Probe(need, "GET", words[1], words[2])
    if len(words) == 3 and words[0] == "CORS" and urlsplit(words[2]).scheme in ("http", "https"):
        return Probe(need, "CORS", words[1], words[2])
    raise ValueError(f"{need!r} is not a probe (probe GET URL | probe GET ROLE /PATH | probe CORS ROLE ORIGIN | "
                     "probe TLS HOST)")


def probe_url(probe: Probe, base_url: str | None) -> str:
    """The URL a probe reads: its own, or its path on the service's URL (Render's)."""
    if probe.role is None or probe.kind == "TLS":
        return probe.target
    path = probe.target if probe.kind == "GET" else "/"
    return urljoin(base_url.rstrip("/") + "/", path.lstrip("/"))


def read_probe(probe: Probe, client: ReadOnlyClient, base_url: str | None = None,
               route: EndpointRoute | None = None):
    """The fact a probe reads: an Answer, a Preflight or a Certificate (Unreachable: nothing answered)."""
    if probe.kind == "TLS":
        return read_certificate(probe.target, 443, route or client.route)
    url = probe_url(probe, base_url)
    if probe.kind == "GET":
        return client.read("GET", url)
    headers = {"Origin": probe.target, "Access-Control-Request-Method": PREFLIGHT_METHOD}
    return Preflight(probe.target, client.read("OPTIONS", url, headers))
