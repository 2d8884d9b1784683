"""Render's own models judge both sides: every response the simulator serves in every world,
the captured real responses, and the client reading payloads built by Render's SDK.

The simulator and the client were written together; this is what keeps them honest: the
reference is Render's OpenAPI spec as its SDK (``render.public_api``) is generated from it.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import httpx
import pytest

from render_contract import SDK_VERSION, check
from phasegate.render import ResponseFormatError, RenderClient
from phasegate.sandbox.faults import Faults
from phasegate.sandbox.simulator import RenderSimulator
from phasegate.sandbox.worlds import WORLDS, world

API_KEY = "rnd_contract_test_key"
SAMPLES = Path(__file__).resolve().parent / "render-samples"  # real captures, see its SOURCES.md
URLS = {"DATABASE_URL": "postgresql://u@db.invalid/phase4", "PRODUCTION_DATABASE_URL": "postgresql://p@db.invalid/p"}
# Worlds that serve something outside the spec on purpose, and where.
OFF_SPEC = {f"foreign-item-{route}": route for route in
            ("env-vars", "env-groups", "secret-files", "deploys", "events", "memory", "cpu-limit")}
OFF_SPEC["events-unknown-type"] = "events"  # an event type newer than the SDK: real Render may send one
# Where Render's model accepts the foreign item, so the world is off phasegate's reading, not off the spec:
# the SDK's DeployWithCursor declares ``deploy`` optional ({cursor, surprise} fits it). Its criteria
# are still broken by the client (test_render_criteria's world runs); this test says the SDK accepts it.
SDK_ACCEPTS = {"foreign-item-deploys"}


def every_read(w: dict) -> list[tuple[str, dict]]:
    """Every GET the suite makes (or could make) against a world, with Render's parameters."""
    reads: list[tuple[str, dict]] = [("/services", {"limit": 100}), ("/env-groups", {"limit": 100})]
    for service in w["services"][:12]:  # fleets repeat one shape: the first members stand for the rest
        sid = service["id"]
        reads += [(f"/services/{sid}", {}), (f"/services/{sid}/env-vars", {"limit": 100}),
                  (f"/services/{sid}/secret-files", {"limit": 100}), (f"/services/{sid}/deploys", {"limit": 100}),
                  (f"/services/{sid}/events", {"limit": 100, "startTime": "2025-01-01T00:00:00Z"}),
                  (f"/services/{sid}/custom-domains", {"limit": 100})]
        for kind in ("memory", "cpu", "memory-limit", "cpu-limit"):
            reads.append((f"/metrics/{kind}", {"resource": sid, "resolutionSeconds": 60}))
        reads += [("/logs", {"ownerId": service["ownerId"], "resource": sid, "limit": 100}),
                  ("/logs", {"ownerId": service["ownerId"], "resource": sid, "limit": 5, "level": "error",
                             "startTime": "2025-01-01T00:00:00Z"}),
                  (f"/notification-settings/overrides/services/{sid}", {})]
    reads += [(f"/notification-settings/owners/{owner}", {}) for owner in w.get("notificationSettings", {})]
    reads += [(f"/env-groups/{g['id']}", {}) for g in w["envGroups"]]
    return reads


@pytest.mark.parametrize("name", sorted(WORLDS))
def test_every_simulator_response_fits_renders_models(name):
    w = world(name)
    broken_routes = set()
    unlimited = Faults(budget=10**9)  # the shape is judged here, not the rate budget
    with RenderSimulator(w, api_key=API_KEY, substitutions=URLS, faults=unlimited) as sim, httpx.Client(
            base_url=sim.base_url, headers={"Authorization": f"Bearer {API_KEY}"}) as http:
        for path, params in every_read(w):
            response = http.get(path, params=params)
            if response.status_code != 200:  # only where the world makes a route fail on purpose
                assert path.endswith(tuple(w.get("failingRoutes", ()))), (path, response.status_code)
                continue
            try:
                check(path, response.json())
            except Exception as exc:  # noqa: BLE001 - the SDK raises KeyError, ValueError, TypeError …
                assert name in OFF_SPEC, f"GET {path} in world {name!r} does not fit Render's model: {exc!r}"
                broken_routes.add(path.rsplit("/", 1)[-1])
    if name in OFF_SPEC:  # off the spec exactly where intended, and nowhere else
        assert broken_routes == (set() if name in SDK_ACCEPTS else {OFF_SPEC[name]}), broken_routes


@pytest.mark.parametrize("sample, path", [
    ("render_get_service_background_worker_docker.json", "/services/srv-x"),
    ("render_get_service_background_worker_docker_with_command.json", "/services/srv-x"),
    ("render_list_services_background_worker_image.json", "/services"),
    ("render_list_env_vars.json", "/services/srv-x/env-vars"),
])
def test_captured_real_responses_fit_renders_models(sample, path):
    check(path, json.loads((SAMPLES / sample).read_text()))


def test_the_sdk_release_is_the_one_the_docs_name():
    docs = (Path(__file__).resolve().parents[1] / "docs" / "render.md").read_text()
    assert f"render {SDK_VERSION}" in docs


# --------------------------------------------------------------------------- the client on SDK-built payloads


def sdk_payloads() -> dict[str, object]:
    """One response per endpoint, built with Render's SDK models and serialised by ``to_dict()``."""
    from render.public_api.models.build_ended import BuildEnded
    from render.public_api.models.build_deploy_end_reason import BuildDeployEndReason
    from render.public_api.models.custom_domain import CustomDomain
    from render.public_api.models.custom_domain_domain_type import CustomDomainDomainType
    from render.public_api.models.custom_domain_verification_status import CustomDomainVerificationStatus
    from render.public_api.models.custom_domain_with_cursor import CustomDomainWithCursor
    from render.public_api.models.deploy import Deploy
    from render.public_api.models.deploy_status import DeployStatus
    from render.public_api.models.deploy_with_cursor import DeployWithCursor
    from render.public_api.models.env_group import EnvGroup
    from render.public_api.models.env_group_link import EnvGroupLink
    from render.public_api.models.env_group_meta import EnvGroupMeta
    from render.public_api.models.env_var import EnvVar
    from render.public_api.models.env_var_with_cursor import EnvVarWithCursor
    from render.public_api.models.event_status import EventStatus
    from render.public_api.models.label import Label
    from render.public_api.models.secret_file import SecretFile
    from render.public_api.models.secret_file_with_cursor import SecretFileWithCursor
    from render.public_api.models.service_event import ServiceEvent
    from render.public_api.models.service_event_type import ServiceEventType
    from render.public_api.models.service_event_with_cursor import ServiceEventWithCursor
    from render.public_api.models.service_type_short import ServiceTypeShort
    from render.public_api.models.time_series import TimeSeries
    from render.public_api.models.time_series_value import TimeSeriesValue

    t0 = dt.datetime(2025, 10, 14, 8, 2, 11, tzinfo=dt.timezone.utc)
    link = EnvGroupLink(id="srv-1", name="upload-worker-staging", type_=ServiceTypeShort.WORKER)
    meta = EnvGroupMeta(id="evg-1", name="shared", owner_id="tea-1", created_at=t0, updated_at=t0,
                        service_links=[link])
    group = EnvGroup(id="evg-1", name="shared", owner_id="tea-1", created_at=t0, updated_at=t0, service_links=[link],
                     env_vars=[EnvVar(key="JWT_SECRET", value="sdk-CANARY-jwt")],
                     secret_files=[SecretFile(name="ca.pem", content="sdk-CANARY-pem")])
    build = BuildEnded(build_id="bld-1", build_status=EventStatus.FAILED, reason=BuildDeployEndReason(), status=3)
    event = ServiceEvent(id="evt-1", timestamp=t0 + dt.timedelta(hours=3), service_id="srv-1",
                         type_=ServiceEventType.BUILD_ENDED, details=build)
    series = TimeSeries(labels=[Label(field="resource", value="srv-1")], unit="MB",
                        values=[TimeSeriesValue(timestamp=t0, value=200.0)])
    return {
        "/v1/env-groups": [meta.to_dict()],
        "/v1/env-groups/evg-1": group.to_dict(),
        "/v1/services/srv-1/env-vars": [EnvVarWithCursor(env_var=EnvVar(key="ENVIRONMENT", value="staging"),
                                                         cursor="c1").to_dict()],
        "/v1/services/srv-1/secret-files": [SecretFileWithCursor(
            secret_file=SecretFile(name="gcp.json", content="sdk-CANARY-gcp"), cursor="c1").to_dict()],
        "/v1/services/srv-1/deploys": [DeployWithCursor(
            deploy=Deploy(id="dep-1", status=DeployStatus.LIVE, created_at=t0), cursor="c1").to_dict()],
        "/v1/services/srv-1/events": [ServiceEventWithCursor(event=event, cursor="c1").to_dict()],
        "/v1/metrics/memory": [series.to_dict()],
        "/v1/services/srv-1/custom-domains": [CustomDomainWithCursor(cursor="c1", custom_domain=CustomDomain(
            id="cdm-1", name="staging.uploads.example.com", domain_type=CustomDomainDomainType.SUBDOMAIN,
            public_suffix="example.com", redirect_for_name="", created_at=t0,
            verification_status=CustomDomainVerificationStatus.UNVERIFIED)).to_dict()],
    }


def test_the_client_reads_every_payload_built_by_renders_sdk():
    payloads = sdk_payloads()
    for path, body in payloads.items():
        check(path, json.loads(json.dumps(body)))  # the SDK's own output fits its own models

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=payloads[request.url.path])

    with RenderClient("https://api.render.com/v1", API_KEY, transport=httpx.MockTransport(handler)) as client:
        groups = client.list_env_groups()
        group = client.get_env_group("evg-1")
        env = client.list_env_vars("srv-1")
        files = client.list_secret_files("srv-1")
        deploys = client.list_deploys("srv-1")
        events = client.list_events("srv-1", start="2025-10-14T08:02:11Z", end="2025-10-15T00:00:00Z")
        memory = client.get_metrics("memory", {"resource": "srv-1"})
        domains = client.list_custom_domains("srv-1")
    assert [(g.id, g.service_links[0].type, g.service_links[0].service_type) for g in groups] == [
        ("evg-1", "worker", "background_worker")]
    assert [v.key for v in group.env_vars] == ["JWT_SECRET"] and [f.name for f in group.secret_files] == ["ca.pem"]
    assert [(v.key, v.value.reveal()) for v in env] == [("ENVIRONMENT", "staging")]
    assert [f.name for f in files] == ["gcp.json"]
    assert [(d.id, d.status) for d in deploys] == [("dep-1", "live")]
    assert [(e.type, e.details["buildStatus"]) for e in events] == [("build_ended", "failed")]
    assert memory[0].unit == "MB" and memory[0].points[0][1] == 200.0
    assert [(d.name, d.verification_status, d.domain_type) for d in domains] == [
        ("staging.uploads.example.com", "unverified", "subdomain")]


def test_the_client_reads_a_static_site_built_by_renders_sdk():
    from render.public_api.models.auto_deploy import AutoDeploy
    from render.public_api.models.build_plan import BuildPlan
    from render.public_api.models.notify_setting import NotifySetting
    from render.public_api.models.service import Service
    from render.public_api.models.service_service_suspended_state import ServiceServiceSuspendedState
    from render.public_api.models.service_type import ServiceType
    from render.public_api.models.static_site_details import StaticSiteDetails

    t0 = dt.datetime(2025, 10, 20, 9, 41, 7, tzinfo=dt.timezone.utc)
    site = Service(id="srv-web", auto_deploy=AutoDeploy.YES, created_at=t0, updated_at=t0, name="upload-web-staging",
                   dashboard_url="https://dashboard.render.com/static/srv-web", notify_on_fail=NotifySetting.DEFAULT,
                   owner_id="tea-1", root_dir="frontend", slug="upload-web-staging",
                   suspended=ServiceServiceSuspendedState.NOT_SUSPENDED, suspenders=[], type_=ServiceType.STATIC_SITE,
                   branch="staging", service_details=StaticSiteDetails(
                       build_command="npm ci && npm run build", publish_path="dist", build_plan=BuildPlan.STARTER,
                       url="https://upload-web-staging.onrender.com")).to_dict()
    body = json.loads(json.dumps(site))
    check("/services/srv-web", body)
    with RenderClient("https://api.render.com/v1", API_KEY,
                      transport=httpx.MockTransport(lambda r: httpx.Response(200, json=body))) as client:
        service = client.get_service("srv-web")
    assert (service.type, service.build_command, service.publish_path, service.url, service.root_dir) == (
        "static_site", "npm ci && npm run build", "dist", "https://upload-web-staging.onrender.com", "frontend")
    assert service.runtime is None and service.region is None and service.health_check_path is None


def test_env_group_list_of_any_size_is_read_whole_by_splitting_on_creation_time():
    """The spec's bare list has no cursor: a full page is split by createdAfter/createdBefore."""
    t0 = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    groups = [{"id": f"evg-{i:03d}", "name": f"g{i}", "ownerId": "tea-1", "serviceLinks": [],
               "createdAt": (t0 + dt.timedelta(hours=i)).isoformat().replace("+00:00", "Z"),
               "updatedAt": t0.isoformat().replace("+00:00", "Z")} for i in range(250)]
    asked = []

    def handler(request: httpx.Request) -> httpx.Response:
        params = request.url.params
        asked.append(dict(params))
        after = dt.datetime.fromisoformat(params.get("createdAfter", "2000-01-01T00:00:00+00:00").replace("Z", "+00:00"))
        before = dt.datetime.fromisoformat(params.get("createdBefore", "2100-01-01T00:00:00+00:00").replace("Z", "+00:00"))
        chosen = [g for g in groups
                  if after <= dt.datetime.fromisoformat(g["createdAt"].replace("Z", "+00:00")) <= before]
        return httpx.Response(200, json=chosen[: int(params["limit"])])

    with RenderClient("https://api.render.com/v1", API_KEY, transport=httpx.MockTransport(handler)) as client:
        found = client.list_env_groups()
    assert sorted(g.id for g in found) == sorted(g["id"] for g in groups)
    assert all("cursor" not in a for a in asked)
    assert len(asked) < 40, len(asked)  # a few dozen GETs for 250 groups over ten years


def test_exactly_one_hundred_env_groups_are_read_not_refused():
    groups = [{"id": f"evg-{i:03d}", "name": f"g{i}", "ownerId": "tea-1", "serviceLinks": [],
               "createdAt": f"2025-0{1 + i % 9}-1{i % 10}T00:00:{i % 60:02d}Z", "updatedAt": "2025-01-01T00:00:00Z"}
              for i in range(100)]

    def handler(request: httpx.Request) -> httpx.Response:
        params = request.url.params
        lo, hi = params.get("createdAfter", "0"), params.get("createdBefore", "9")
        return httpx.Response(200, json=[g for g in groups if lo <= g["createdAt"] <= hi][: int(params["limit"])])

    with RenderClient("https://api.render.com/v1", API_KEY, transport=httpx.MockTransport(handler)) as client:
        assert len(client.list_env_groups()) == 100


def test_a_foreign_item_in_the_env_group_list_is_a_format_error():
    body = [{"id": "evg-1", "name": "g", "ownerId": "t", "serviceLinks": [], "createdAt": "2025-01-01T00:00:00Z",
             "updatedAt": "2025-01-01T00:00:00Z"}, {"unexpected": True}]
    with RenderClient("https://api.render.com/v1", API_KEY,
                      transport=httpx.MockTransport(lambda r: httpx.Response(200, json=body))) as client:
        with pytest.raises(ResponseFormatError, match=r"envGroupMeta\[1\]\.id is null, expected a string"):
            client.list_env_groups()


# --------------------------------------------------------------------------- logs and notification settings


def _sdk_logs_pages() -> list[dict]:
    """Two pages of GET /logs built with Render's SDK: the first says where the second is."""
    from render.public_api.models.list_logs_response_200 import ListLogsResponse200
    from render.public_api.models.log import Log
    from render.public_api.models.log_label import LogLabel
    from render.public_api.models.log_label_name import LogLabelName

    t0 = dt.datetime(2025, 10, 14, 9, 0, 0, tzinfo=dt.timezone.utc)

    def line(n: int) -> Log:
        return Log(id=f"log-{n}", message='{"level": "info", "n": %d}' % n, timestamp=t0 + dt.timedelta(minutes=n),
                   labels=[LogLabel(name=LogLabelName.LEVEL, value="info"),
                           LogLabel(name=LogLabelName.RESOURCE, value="srv-1")])

    first = ListLogsResponse200(has_more=True, next_start_time=t0, next_end_time=t0 + dt.timedelta(minutes=2),
                                logs=[line(4), line(3), line(2)])
    last = ListLogsResponse200(has_more=False, next_start_time=t0, next_end_time=t0 + dt.timedelta(minutes=2),
                               logs=[line(2), line(1)])  # line 2 again, on the boundary: counted once
    return [json.loads(json.dumps(first.to_dict())), json.loads(json.dumps(last.to_dict()))]


def test_the_client_reads_logs_and_notification_settings_built_by_renders_sdk():
    from render.public_api.models.notification_service_override import NotificationServiceOverride
    from render.public_api.models.notification_setting import NotificationSetting
    from render.public_api.models.notify_override import NotifyOverride
    from render.public_api.models.notify_preview_override import NotifyPreviewOverride
    from render.public_api.models.notify_setting_v2 import NotifySettingV2

    pages = _sdk_logs_pages()
    owner = NotificationSetting(owner_id="tea-1", slack_enabled=False, email_enabled=True,
                                preview_notifications_enabled=False,
                                notifications_to_send=NotifySettingV2.FAILURE).to_dict()
    override = NotificationServiceOverride(service_id="srv-1", preview_notifications_enabled=NotifyPreviewOverride.DEFAULT,
                                           notifications_to_send=NotifyOverride.NONE).to_dict()
    for body in pages:
        check("/logs", body)
    check("/notification-settings/owners/tea-1", owner)
    check("/notification-settings/overrides/services/srv-1", override)
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(dict(request.url.params))
        if request.url.path.endswith("/logs"):
            return httpx.Response(200, json=pages[0] if len(seen) == 1 else pages[1])
        return httpx.Response(200, json=owner if "/owners/" in request.url.path else override)

    with RenderClient("https://api.render.com/v1", API_KEY, transport=httpx.MockTransport(handler)) as client:
        lines, more = client.list_logs("tea-1", "srv-1", start="2025-10-14T08:00:00Z", end="2025-10-14T10:00:00Z")
        settings = client.get_notification_settings("tea-1")
        service_override = client.get_notification_override("srv-1")
        assert client.request_count == 4
    assert [x.id for x in lines] == ["log-4", "log-3", "log-2", "log-1"] and not more
    assert lines[0].label("level") == "info" and lines[0].label("resource") == "srv-1"
    assert (seen[0]["ownerId"], seen[0]["resource"], seen[0]["startTime"], seen[0]["limit"]) == (
        "tea-1", "srv-1", "2025-10-14T08:00:00Z", "100")
    assert (seen[1]["startTime"], seen[1]["endTime"]) == (pages[0]["nextStartTime"], pages[0]["nextEndTime"])
    assert (settings.email_enabled, settings.slack_enabled, settings.notifications_to_send) == (True, False, "failure")
    assert service_override.notifications_to_send == "none"


def test_log_paging_that_does_not_advance_or_an_unknown_shape_is_one_line():
    page = _sdk_logs_pages()[0]
    page["nextStartTime"], page["nextEndTime"] = "2025-10-14T08:00:00Z", "2025-10-14T10:00:00Z"  # the same window
    with RenderClient("https://api.render.com/v1", API_KEY,
                      transport=httpx.MockTransport(lambda r: httpx.Response(200, json=page))) as client:
        with pytest.raises(ResponseFormatError, match="log paging did not advance"):
            client.list_logs("tea-1", "srv-1", start="2025-10-14T08:00:00Z", end="2025-10-14T10:00:00Z")
    foreign = dict(page, logs=[{"id": "log-1", "message": "x", "timestamp": "2025-10-14T09:00:00Z"}])  # no labels
    with RenderClient("https://api.render.com/v1", API_KEY,
                      transport=httpx.MockTransport(lambda r: httpx.Response(200, json=foreign))) as client:
        with pytest.raises(ResponseFormatError) as caught:
            client.list_logs("tea-1", "srv-1", start="2025-10-14T08:00:00Z", end="2025-10-14T10:00:00Z")
    assert "\n" not in str(caught.value) and "logs[0].labels" in str(caught.value) and "GET /logs" in str(caught.value)
