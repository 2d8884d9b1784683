"""Public endpoints, read-only: the reader (GET/HEAD/OPTIONS only), the judges on built facts, and Phase 5's
endpoint criteria in their sandbox worlds (each world one run, only the endpoint criteria: no database)."""

from __future__ import annotations

import datetime as _dt

import pytest

from acceptance import run_suite
from phasegate.catalogue.reads import Declared, resolve, roles_of
from phasegate.endpoints import (Answer, Certificate, EndpointRoute, Preflight, ReadOnlyClient, Unreachable,
                                 parse_probe, read_probe)
from phasegate.endpoints.tls import read_certificate
from phasegate.judges import endpoints as judge
from phasegate.judges.violation import Violation
from phasegate.sandbox.endpoints import EndpointServer, closed_port
from phasegate.sandbox.session import CATALOGUE
from phasegate.sandbox.worlds import API_HOST, ENDPOINT_CANARY, canary_values, world
from phasegate.snapshot import OTHER_PARTS, SERVICE_PARTS

ENDPOINTS = {"P5-09", "P5-10", "P5-11", "P5-12"}
ONLY_ENDPOINTS = ("-m", "staging and endpoints", "--env", "sandbox", "--phase", "phase5")
NOW = _dt.datetime(2026, 1, 10, tzinfo=_dt.timezone.utc)
STAGING_ORIGIN = "https://staging.uploads.example.com"


# ---- the reader, against the sandbox's own HTTPS server (real TLS on loopback, its CA only)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    spec = world("compliant")["endpoints"]
    server = EndpointServer(spec, tmp_path_factory.mktemp("tls"))
    route = EndpointRoute(server.start(), str(server.ca_file))
    yield server, route
    server.stop()


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "get", "CONNECT", "TRACE"])
def test_the_client_refuses_every_method_but_get_head_options_before_sending(served, method):
    server, route = served
    with ReadOnlyClient(route) as client, pytest.raises(PermissionError, match="read-only"):
        client.read(method, f"https://{API_HOST}/healthz")
    assert client.requests_made == 0 and server.refused == []


def test_the_client_reads_through_the_sandbox_route_and_keeps_only_a_redacted_sample(served):
    _, route = served
    with ReadOnlyClient(route) as client:
        answer = client.read("GET", f"https://{API_HOST}/healthz")
        head = client.read("HEAD", f"https://{API_HOST}/healthz")
    assert (answer.status, head.status) == (200, 200)
    assert ENDPOINT_CANARY not in str(answer.evidence()) and "CANARY" not in answer.body_sample
    assert set(answer.headers) <= {"content-type", "vary", "location", "access-control-allow-origin"}


def test_a_preflight_and_a_certificate_are_read_as_facts(served):
    _, route = served
    with ReadOnlyClient(route) as client:
        allowed = read_probe(parse_probe(f"probe CORS api {STAGING_ORIGIN}"), client, f"https://{API_HOST}")
        other = read_probe(parse_probe("probe CORS api https://example.org"), client, f"https://{API_HOST}")
    assert allowed.allows and not other.allows
    cert = read_certificate(API_HOST, 443, route)
    assert cert.names_host() and cert.verify_error == "" and cert.days_left(_dt.datetime.now(_dt.timezone.utc)) > 80


def test_without_the_sandbox_ca_the_certificate_is_read_and_not_trusted(served):
    _, route = served
    untrusted = EndpointRoute(route.resolve)  # the system's store only: it never holds the sandbox's CA
    cert = read_certificate(API_HOST, 443, untrusted)
    assert cert.verify_error and cert.names_host()
    with pytest.raises(Violation, match="does not verify against the trusted roots"):
        judge.certificate_valid(cert, 14, _dt.datetime.now(_dt.timezone.utc))
    with ReadOnlyClient(untrusted) as client, pytest.raises(Unreachable, match="not trusted"):
        client.read("GET", f"https://{API_HOST}/healthz")


def test_an_address_nothing_listens_on_is_unreachable_in_one_line():
    route = EndpointRoute({API_HOST: ("127.0.0.1", closed_port())})
    with ReadOnlyClient(route) as client, pytest.raises(Unreachable) as raised:
        client.read("GET", f"https://{API_HOST}/healthz")
    assert str(raised.value).endswith("connection refused") and "\n" not in str(raised.value)
    with pytest.raises(Unreachable, match="connection refused"):
        read_certificate(API_HOST, 443, route)


def test_probes_are_needs_of_their_own_and_name_no_role():
    declared = Declared(("{role}:service", "probe GET {role} {path}"))
    needs, subject = resolve(declared, None, {"role": "api", "path": "/healthz"}, SERVICE_PARTS, OTHER_PARTS)
    assert needs == {"api:service", "probe GET api /healthz"} and subject is None
    assert roles_of(needs | {"probe GET https://x.example/health", "probe TLS x.example"}) == {"api": {"service"}}
    with pytest.raises(ValueError, match="not a probe"):
        parse_probe("probe POST api /jobs")


# ---- the judges, on built facts


def _answer(status: int, **headers) -> Answer:
    return Answer.of("GET", "https://api.example/healthz", status, headers, '{"status": "***"}')


def test_a_status_other_than_expected_fails_with_expected_and_actual():
    judge.answers_status(_answer(200), 200)
    with pytest.raises(Violation) as failed:
        judge.answers_status(_answer(301, Location="https://elsewhere.example/"), 200)
    text = str(failed.value)
    assert "expected: 200" in text and "actual:   301" in text and "redirects to: https://elsewhere.example/" in text


@pytest.mark.parametrize("allow, allows", [(STAGING_ORIGIN, True), (STAGING_ORIGIN + "/", True), ("*", True),
                                           ("https://example.org", False), (None, False)])
def test_an_origin_is_allowed_only_by_its_own_name_or_a_star(allow, allows):
    headers = {"Access-Control-Allow-Origin": allow} if allow else {}
    preflight = Preflight(STAGING_ORIGIN, Answer.of("OPTIONS", "https://api.example/", 200, headers, ""))
    assert preflight.allows is allows
    (judge.allows_origin if allows else judge.refuses_origin)(preflight)
    with pytest.raises(Violation, match="Access-Control-Allow-Origin"):
        (judge.refuses_origin if allows else judge.allows_origin)(preflight)


def _cert(days: float, names=("api.example",), error="") -> Certificate:
    return Certificate("api.example", 443, NOW + _dt.timedelta(days=days), names, "CN=api.example", "CN=CA", error)


@pytest.mark.parametrize("cert, problem", [
    (_cert(7), "valid for 7.0 more days"),
    (_cert(-2, error="certificate has expired"), "expired on 2026-01-08"),
    (_cert(90, names=("www.example",)), "names www.example, not api.example"),
    (_cert(90, error="self-signed certificate"), "does not verify against the trusted roots: self-signed"),
])
def test_a_certificate_fails_when_expiring_expired_misnamed_or_untrusted(cert, problem):
    with pytest.raises(Violation) as failed:
        judge.certificate_valid(cert, 14, NOW)
    assert problem in str(failed.value) and "expected: trusted, naming api.example" in str(failed.value)


def test_a_wildcard_names_exactly_one_label():
    assert judge.certificate_valid(_cert(30, names=("*.example",)), 14, NOW)
    assert not Certificate("a.b.example", 443, NOW, ("*.example",), "", "").names_host()


# ---- Phase 5's endpoint criteria, one run per world


def test_every_endpoint_criterion_has_a_world_that_violates_it():
    assert ENDPOINTS <= {spec.violates for spec in CATALOGUE.values()}


WORLDS = sorted(n for n, spec in CATALOGUE.items() if spec.violates in ENDPOINTS) + ["endpoint-unreachable"]


@pytest.mark.parametrize("name", WORLDS)
def test_a_violating_world_fails_exactly_its_endpoint_criterion(tmp_path, name):
    run = run_suite(tmp_path, *ONLY_ENDPOINTS, world=name)
    violated, also = CATALOGUE[name].violates, CATALOGUE[name].also_affects
    unreachable = name == "endpoint-unreachable"
    expected = {cid: "broken" if unreachable or cid in also else "failed" if cid == violated else "passed"
                for cid in ENDPOINTS}
    assert run.outcomes == expected, run.stdout
    if unreachable:  # broken, never failed: the cause in one line
        assert all(len(run.messages(cid)) == 1 and "connection refused" in run.messages(cid)[0] for cid in ENDPOINTS)
    else:
        message = "\n".join(run.messages(violated))
        assert "expected" in message and "actual" in message and "fix:      " in message
    leaked = [v for v in canary_values(world(CATALOGUE[name].render_world)) if v in run.artifacts_text()]
    assert not leaked and "CANARY" not in run.artifacts_text()  # a body only as a redacted sample
    assert run.returncode == 1


def test_a_redirect_is_kept_without_its_query_where_a_token_may_ride():
    answer = Answer.of("GET", "https://api.example.com/", 302,
                       {"Location": "https://api.example.com/login?token=tok-CANARY-9&next=/"}, "")
    answer = answer.with_redirects(("https://api.example.com/a?session=s-CANARY-1",))
    assert "CANARY" not in str(answer.evidence()) and answer.headers["location"] == "https://api.example.com/login"
    with pytest.raises(Violation) as failed:
        judge.answers_status(answer, 200)
    assert "CANARY" not in str(failed.value) and "redirects to: https://api.example.com/login" in str(failed.value)
