"""Public endpoints, read-only: what a URL answers, a service's health and CORS, a host's certificate.

Each step reads what the snapshot probed (``@reads("probe …")``: GET, HEAD or OPTIONS only, no credentials,
a body kept only as a redacted sample). A service named by its role is reached at its URL as Render reports
it. An address the runner cannot reach breaks the criterion, with its cause in one line.
"""

from pytest_bdd import parsers, then

from phasegate.catalogue.criteria import reads
from phasegate.judges import endpoints
from phasegate.record import evidence
from phasegate.timefmt import parse_zulu

from steps.subject import role_service

ROLE = r'"(?P<role>[a-z][a-z0-9_-]*)"'


def _read(snapshot, need: str, title: str):
    fact = snapshot.endpoint(need)  # a probe that could not be read breaks the scenario here, in one line
    evidence.attach_json(f"{title} (headers judged, body as a redacted sample)", fact.evidence())
    return fact


def _of_role(snapshot, profile, role: str):
    target = role_service(snapshot, profile, role)
    evidence.link_service(target.dashboard_url, snapshot.sandbox)
    return target


@then(parsers.re(r'"(?P<url>https?://[^"\s]+)" answers (?P<status>\d{3})'))
@reads("probe GET {url}")
def url_answers(snapshot, url, status):
    """A GET of the URL answers that status (a redirect is followed only on the same host; no credentials sent).

    Example: Then "https://staging.uploads.example.com/" answers 200
    """
    endpoints.answers_status(_read(snapshot, f"probe GET {url}", f"GET {url}"), int(status))


@then(parsers.re(rf'the {ROLE} service answers GET "(?P<path>/[^"\s]*)" with (?P<status>\d{{3}})'))
@reads("{role}:service", "probe GET {role} {path}")
def service_answers(snapshot, profile, role, path, status):
    """A GET of the path on the service's URL as Render reports it (serviceDetails.url) answers that status.

    Example: Then the "api" service answers GET "/healthz" with 200
    """
    target = _of_role(snapshot, profile, role)
    answer = _read(snapshot, f"probe GET {role} {path}", f"GET {path} on the {role} service")
    endpoints.answers_status(answer, int(status), link=target.dashboard_url)


@then(parsers.re(r'the certificate of "(?P<host>[A-Za-z0-9.-]+)" is valid for at least (?P<days>\d+) days '
                 r'and names it'))
@reads("probe TLS {host}")
def certificate_valid(snapshot, host, days):
    """The certificate the host presents on port 443 chains to a trusted root, carries its name, and is valid for
    at least that many days from the snapshot. An expired or misnamed certificate fails; no answer is broken.

    Example: Then the certificate of "staging.uploads.example.com" is valid for at least 14 days and names it
    """
    cert = _read(snapshot, f"probe TLS {host.lower().rstrip('.')}", f"The certificate of {host}")
    endpoints.certificate_valid(cert, int(days), parse_zulu(snapshot.taken_at))


@then(parsers.re(rf'the {ROLE} service allows the origin "(?P<origin>https?://[^"\s]+)"'))
@reads("{role}:service", "probe CORS {role} {origin}")
def allows_origin(snapshot, profile, role, origin):
    """A CORS preflight (OPTIONS, Origin and Access-Control-Request-Method: GET) to the service's URL is answered
    with Access-Control-Allow-Origin: the origin, or *.

    Example: Then the "api" service allows the origin "https://staging.uploads.example.com"
    """
    target = _of_role(snapshot, profile, role)
    preflight = _read(snapshot, f"probe CORS {role} {origin}", f"CORS preflight from {origin}")
    endpoints.allows_origin(preflight, link=target.dashboard_url)


@then(parsers.re(rf'the {ROLE} service refuses the origin "(?P<origin>https?://[^"\s]+)"'))
@reads("{role}:service", "probe CORS {role} {origin}")
def refuses_origin(snapshot, profile, role, origin):
    """A CORS preflight from the origin gets no Access-Control-Allow-Origin naming it, nor *.

    Example: Then the "api" service refuses the origin "https://example.org"
    """
    target = _of_role(snapshot, profile, role)
    preflight = _read(snapshot, f"probe CORS {role} {origin}", f"CORS preflight from {origin}")
    endpoints.refuses_origin(preflight, link=target.dashboard_url)
