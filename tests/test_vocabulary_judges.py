"""The judges of the one vocabulary, on service snapshots built from the sandbox's wire format (no run)."""

from __future__ import annotations

import pytest

from phasegate.judges import env, service
from phasegate.judges.violation import Violation
from phasegate.redact import Secret
from phasegate.render import CustomDomain, EnvVar, Service
from phasegate.sandbox.worlds import API_STAGING_ID, STAGING_ID, WEB_DOMAIN, WEB_STAGING_ID, world
from phasegate.snapshot import NotJudgeable, ServiceSnapshot


def target(world_name: str, service_id: str, role: str = "web") -> ServiceSnapshot:
    """A service snapshot as the run would build it from a world: the service, its env vars, its domains."""
    w = world(world_name)
    wire = next(s for s in w["services"] if s["id"] == service_id)
    snap = ServiceSnapshot(wire["name"], role=role, matches=[Service.from_wire(wire)],
                           env_vars=[EnvVar(v["key"], Secret(v["value"])) for v in w["envVars"].get(service_id, [])],
                           read={"service", "env", "secret_files", "custom_domains"})
    snap.custom_domains = [CustomDomain.from_wire(d) for d in w.get("customDomains", {}).get(service_id, [])]
    return snap


@pytest.mark.parametrize("wording, expected", [
    ("type", "static_site"), ("branch", "staging"), ("build command", "npm ci  &&  npm run build"),
    ("publish path", "./dist/"), ("root directory", "frontend"), ("URL", "https://upload-web-staging.onrender.com/"),
    ("auto-deploy trigger", "commit"),
])
def test_a_static_sites_fields_hold_in_the_compliant_world(wording, expected):
    service.service_field(target("compliant-web", WEB_STAGING_ID), wording, expected)


@pytest.mark.parametrize("world_name, wording, expected, actual", [
    ("web-type", "type", "static_site", "web_service"),
    ("web-build-command", "build command", "npm ci && npm run build", "npm install && npm run build"),
    ("web-publish-path", "publish path", "dist", "build"),
    ("compliant-web", "health check path", "/health", "<not set>"),  # a static site has none
])
def test_a_field_that_differs_says_expected_actual_and_links_the_dashboard(world_name, wording, expected, actual):
    with pytest.raises(Violation) as caught:
        service.service_field(target(world_name, WEB_STAGING_ID), wording, expected)
    assert (caught.value.expected, caught.value.actual) == (expected, actual)
    assert caught.value.link == f"https://dashboard.render.com/static/{WEB_STAGING_ID}"


def test_the_apis_health_check_path_number_of_instances_and_build_command():
    api = target("compliant-web", API_STAGING_ID, "api")
    service.service_field(api, "health check path", "/healthz")
    service.service_field(api, "number of instances", "1")
    service.service_field(api, "build command", "pip install -r requirements.txt")
    service.service_field(api, "start command", "uvicorn app.main:app --host 0.0.0.0 --port $PORT")


def test_build_filter_includes_and_ignores():
    web = target("compliant-web", WEB_STAGING_ID)
    service.build_filter(web, "frontend/**")
    service.build_filter(web, "frontend/docs/**", ignored=True)
    with pytest.raises(Violation, match="'backend/\\*\\*' among them"):
        service.build_filter(web, "backend/**")


def test_a_custom_domain_is_verified_or_says_why_not():
    service.custom_domain_verified(target("compliant-web", WEB_STAGING_ID), WEB_DOMAIN.upper() + ".")
    with pytest.raises(Violation) as caught:
        service.custom_domain_verified(target("web-domain-unverified", WEB_STAGING_ID), WEB_DOMAIN)
    assert caught.value.actual == "verificationStatus 'unverified'"
    with pytest.raises(Violation, match="not on the service \\(its domains: staging.uploads.example.com\\)"):
        service.custom_domain_verified(target("compliant-web", WEB_STAGING_ID), "www.example.com")
    unread = target("compliant-web", WEB_STAGING_ID)
    unread.read.discard("custom_domains")
    with pytest.raises(NotJudgeable, match="custom_domains of 'upload-web-staging' was not read"):
        service.custom_domain_verified(unread, WEB_DOMAIN)


def test_a_variable_holds_another_services_url():
    api = target("compliant-web", API_STAGING_ID, "api")
    env.env_is_url_of(target("compliant-web", WEB_STAGING_ID), "VITE_API_URL", api)
    with pytest.raises(Violation) as caught:
        env.env_is_url_of(target("web-api-url", WEB_STAGING_ID), "VITE_API_URL", api)
    assert caught.value.expected == "https://api-staging-x1c3.onrender.com (the URL of 'upload-api-staging')"
    with pytest.raises(NotJudgeable, match="has no URL on Render"):
        env.env_is_url_of(target("compliant-web", WEB_STAGING_ID), "VITE_API_URL",
                          target("compliant-web", STAGING_ID, "worker"))


def test_a_secret_on_a_static_site_is_found_and_never_shown():
    env.key_absent(target("compliant-web", WEB_STAGING_ID), "JWT_SECRET")
    with pytest.raises(Violation) as caught:
        env.key_absent(target("web-jwt-secret", WEB_STAGING_ID), "JWT_SECRET")
    assert "JWT_SECRET on the service" in caught.value.actual and "CANARY" not in str(caught.value)
