"""Tests of phasegate.render: parsing real Render bodies, pagination, retries, secrecy.

HTTP is served by ``httpx.MockTransport``; time by a fake clock whose ``sleep`` records
each wait and advances the clock, so retry tests run instantly and see every sleep.
"""

from __future__ import annotations

import copy
import json
import re
import time
import traceback
from pathlib import Path

import httpx
import pytest

from phasegate.errors import TargetError
from phasegate.render import (
    AuthenticationError,
    Deploy,
    EnvGroup,
    EnvVar,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    RenderClient,
    RenderError,
    ResponseFormatError,
    SecretFile,
    Series,
    ServerError,
    Service,
    ServiceLink,
)
from phasegate.redact import Secret

SAMPLES = Path(__file__).resolve().parent / "render-samples"  # real captures, see its SOURCES.md
CANARY = "rnd_CANARY_9f8e7d6c5b4a"
BASE = "https://api.render.com/v1"


def sample(name: str):
    return json.loads((SAMPLES / name).read_text())


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def ft() -> FakeTime:
    return FakeTime()


def make_client(handler, ft: FakeTime, **kw) -> RenderClient:
    kw.setdefault("max_attempts", 5)
    kw.setdefault("retry_budget", 30.0)
    return RenderClient(
        kw.pop("base_url", BASE),
        kw.pop("api_key", CANARY),
        transport=httpx.MockTransport(handler),
        sleep=ft.sleep,
        clock=ft.clock,
        **kw,
    )


class Recorder:
    """A handler that answers from a script of responses (last one repeats) and records requests."""

    def __init__(self, *responses):
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        r = self.responses[min(len(self.requests), len(self.responses)) - 1]
        if isinstance(r, Exception):
            raise r
        if callable(r):
            return r(request)
        return r


def routes(table: dict):
    """A handler answering by path (without /v1 prefix); unknown path -> 404 with Render's body."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        path = request.url.path.removeprefix("/v1")
        if path in table:
            body = table[path]
            return httpx.Response(200, json=body(request) if callable(body) else body)
        return httpx.Response(404, json=sample("render_error_404.json"))

    handler.seen = seen  # type: ignore[attr-defined]
    return handler


def assert_no_canary(*things) -> None:
    for thing in things:
        assert CANARY not in str(thing)
        assert CANARY not in repr(thing)
        if isinstance(thing, BaseException):
            text = "".join(traceback.format_exception(type(thing), thing, thing.__traceback__))
            assert CANARY not in text


# --------------------------------------------------------------------------- real samples


def test_get_service_docker_worker_sample(ft):
    body = sample("render_get_service_background_worker_docker.json")
    handler = routes({"/services/srv-cu2k7g0gph6c73ffc4h0": body})
    with make_client(handler, ft) as client:
        s = client.get_service("srv-cu2k7g0gph6c73ffc4h0")
    assert s.id == "srv-cu2k7g0gph6c73ffc4h0"
    assert s.name == "some-name"
    assert s.type == "background_worker"
    assert s.dashboard_url == "https://dashboard.render.com/worker/srv-cu2k7g0gph6c73ffc4h0"
    assert s.branch == "main"
    assert s.repo == "https://github.com/render-examples/bun-docker"
    assert s.auto_deploy == "yes"
    assert s.auto_deploy_trigger is None  # absent in this capture
    assert s.suspended == "not_suspended"
    assert s.suspenders == ()
    assert s.runtime == "docker"
    assert s.region == "oregon"
    assert s.plan == "starter"
    assert s.dockerfile_path == "./Dockerfile"
    assert s.docker_command == ""
    assert s.docker_context == "."
    assert s.start_command is None
    assert s.num_instances == 1
    assert s.created_at == "2025-01-13T16:48:01.150483Z"
    assert s.updated_at == "2025-01-13T16:48:02.169034Z"
    assert s.raw == body
    assert "raw" not in repr(s)
    req = handler.seen[0]
    assert req.method == "GET"
    assert str(req.url) == "https://api.render.com/v1/services/srv-cu2k7g0gph6c73ffc4h0"
    assert req.headers["Authorization"] == f"Bearer {CANARY}"
    assert req.headers["Accept"] == "application/json"
    assert req.headers["User-Agent"] == "phasegate/0.1"


def test_get_service_with_command_sample(ft):
    body = sample("render_get_service_background_worker_docker_with_command.json")
    with make_client(routes({"/services/srv-x": body}), ft) as client:
        s = client.get_service("srv-x")
    assert s.docker_command == "echo 'hello world'"
    assert s.updated_at == "2025-01-13T16:48:10.529877Z"


def test_list_services_sample_through_find_services(ft):
    body = sample("render_list_services_background_worker_image.json")
    handler = routes({"/services": body})
    with make_client(handler, ft) as client:
        found = client.find_services("background-worker")
    assert [s.id for s in found] == ["srv-cu2k4j3qf0us73fbv7u0"]
    s = found[0]
    assert s.runtime == "image"
    assert s.branch is None and s.repo is None  # image-backed: no repo keys on the wire
    assert s.docker_command == "" and s.dockerfile_path == ""
    q = handler.seen[0].url.params
    assert q["name"] == "background-worker"
    assert q["limit"] == "100"
    assert "cursor" not in q


def test_env_var_list_sample(ft):
    body = sample("render_list_env_vars.json")
    with make_client(routes({"/services/srv-x/env-vars": body}), ft) as client:
        env = client.list_env_vars("srv-x")
    assert [e.key for e in env] == ["key2", "key1"]
    assert all(isinstance(e.value, Secret) for e in env)
    assert [e.value.reveal() for e in env] == ["val2", "val1"]
    assert "val2" not in repr(env)


def test_404_sample_gives_not_found_with_renders_message(ft):
    handler = Recorder(httpx.Response(404, json=sample("render_error_404.json")))
    with make_client(handler, ft) as client:
        with pytest.raises(NotFoundError) as info:
            client.get_service("srv-cu2k4j3qf0us73fbv7u0")
    err = info.value
    assert isinstance(err, RenderError) and isinstance(err, TargetError)
    assert err.status == 404
    assert err.path == "/services/srv-cu2k4j3qf0us73fbv7u0"
    assert "not found: srv-cu2k4j3qf0us73fbv7u0" in str(err)
    assert "GET /services/srv-cu2k4j3qf0us73fbv7u0" in str(err)
    assert "\n" not in str(err)
    assert len(handler.requests) == 1 and ft.sleeps == []


# --------------------------------------------------------------------------- tolerance


SERVICE = sample("render_get_service_background_worker_docker.json")


REQUIRED = ("id", "name", "type")  # required by Render's Service schema and read by the criteria


@pytest.mark.parametrize("key", sorted(SERVICE))
def test_service_optional_keys_may_be_missing_or_null_required_ones_may_not(key):
    missing = copy.deepcopy(SERVICE)
    del missing[key]
    nulled = copy.deepcopy(SERVICE)
    nulled[key] = None
    for d in (missing, nulled):
        if key in REQUIRED:
            with pytest.raises(ResponseFormatError, match=rf"^service\.{key} is (null|missing)?.*expected a string"):
                Service.from_wire(d)
        else:
            s = Service.from_wire(d)
            assert s.id == SERVICE["id"] and s.name == "some-name"


@pytest.mark.parametrize("key", sorted(SERVICE["serviceDetails"]))
def test_service_tolerates_missing_and_null_detail_keys(key):
    for value in ("DELETE", None):
        d = copy.deepcopy(SERVICE)
        if value == "DELETE":
            del d["serviceDetails"][key]
        else:
            d["serviceDetails"][key] = None
        s = Service.from_wire(d)
        assert s.id == SERVICE["id"]
        if key == "runtime":
            assert s.runtime == "docker"  # falls back to serviceDetails.env


def test_service_fields_of_a_foreign_shape_are_format_errors_naming_the_field():
    for change, field in [
        (lambda d: d["serviceDetails"].update(numInstances="3"), "service.serviceDetails.numInstances"),
        (lambda d: d.update(suspenders="user"), "service.suspenders"),
        (lambda d: d["serviceDetails"].update(envSpecificDetails=["x"]), "service.serviceDetails.envSpecificDetails"),
        (lambda d: d.update(branch=7), "service.branch"),
        (lambda d: d.update(serviceDetails="docker"), "service.serviceDetails"),
    ]:
        d = copy.deepcopy(SERVICE)
        change(d)
        with pytest.raises(ResponseFormatError, match=re.escape(field) + " is "):
            Service.from_wire(d)
    with pytest.raises(ResponseFormatError, match="service is null, expected an object"):
        Service.from_wire(None)
    nulls = copy.deepcopy(SERVICE)
    nulls["serviceDetails"]["envSpecificDetails"] = None
    nulls["suspenders"] = None
    s = Service.from_wire(nulls)
    assert s.dockerfile_path is None and s.suspenders == ()


def test_service_tolerates_extra_keys_and_unknown_enum_values():
    d = copy.deepcopy(SERVICE)
    d.update(
        {
            "type": "quantum_service",
            "autoDeploy": "sometimes",
            "autoDeployTrigger": "onFullMoon",
            "suspended": "partially",
            "suspenders": ["admin", "aliens"],
            "brandNewField": {"nested": [1, 2, 3]},
        }
    )
    d["serviceDetails"]["newThing"] = True
    d["serviceDetails"]["runtime"] = "cobol"
    s = Service.from_wire(d)
    assert s.type == "quantum_service"
    assert s.auto_deploy == "sometimes"
    assert s.auto_deploy_trigger == "onFullMoon"
    assert s.suspended == "partially"
    assert s.suspenders == ("admin", "aliens")
    assert s.runtime == "cobol"


@pytest.mark.parametrize(
    "wire_type, kind",
    [
        ("background_worker", "worker"),
        ("web_service", "web"),
        ("private_service", "pserv"),
        ("cron_job", "cron"),
        ("static_site", "static"),
    ],
)
def test_dashboard_url_built_from_type_when_missing(wire_type, kind):
    d = copy.deepcopy(SERVICE)
    del d["dashboardUrl"]
    d["type"] = wire_type
    assert Service.from_wire(d).dashboard_url == f"https://dashboard.render.com/{kind}/{SERVICE['id']}"


def test_dashboard_url_unknown_type_and_start_command_sources():
    d = {"id": "srv-1", "name": "w", "type": "mystery"}
    assert Service.from_wire(d).dashboard_url is None
    native = {"id": "srv-1", "name": "w", "type": "web_service",
              "serviceDetails": {"env": "python", "envSpecificDetails": {"startCommand": "gunicorn app"}}}
    s = Service.from_wire(native)
    assert s.start_command == "gunicorn app" and s.runtime == "python"
    flat = {"id": "srv-1", "name": "w", "type": "web_service", "serviceDetails": {"startCommand": "node worker.js"}}
    assert Service.from_wire(flat).start_command == "node worker.js"


def test_deploy_tolerates_null_commit_and_unknown_status():
    d = Deploy.from_wire(
        {"id": "dep-1", "status": "teleported", "trigger": "new_trigger", "createdAt": "t0",
         "finishedAt": None, "commit": None, "extra": 1}
    )
    assert (d.id, d.status, d.trigger, d.created_at) == ("dep-1", "teleported", "new_trigger", "t0")
    assert d.finished_at is None and d.commit_id is None and d.commit_message is None
    d2 = Deploy.from_wire({"id": "dep-2", "commit": {"id": "abc123", "message": "fix\nthings"}})
    assert d2.commit_id == "abc123" and d2.commit_message == "fix\nthings"
    with pytest.raises(ResponseFormatError, match="deploy.id is null, expected a string"):
        Deploy.from_wire({})
    with pytest.raises(ResponseFormatError, match="deploy.commit is a string, expected an object or null"):
        Deploy.from_wire({"id": "dep-3", "commit": "abc"})


def test_env_var_secret_file_env_group_shapes():
    with pytest.raises(ResponseFormatError, match="envVar.value is null, expected a string"):
        EnvVar.from_wire({"key": "A", "value": None})
    with pytest.raises(ResponseFormatError, match="envVar.key is null"):
        EnvVar.from_wire({"value": "x"})
    with pytest.raises(ResponseFormatError, match="secretFile.content is null"):
        SecretFile.from_wire({"name": "f.pem", "content": None})
    with pytest.raises(ResponseFormatError, match="envGroup.serviceLinks is null, expected a list"):
        EnvGroup.from_wire({"id": "evg-1", "name": "shared", "serviceLinks": None})
    with pytest.raises(ResponseFormatError, match=re.escape("envGroup.serviceLinks[1] is null, expected an object")):
        EnvGroup.from_wire({"id": "evg-1", "name": "g", "serviceLinks": [{"id": "srv-1", "name": "w", "type": "worker"},
                                                                        None]})
    with pytest.raises(ResponseFormatError, match="envGroup.envVars is null, expected a list"):
        EnvGroup.from_wire({"id": "evg-1", "name": "g", "serviceLinks": []}, detail=True)
    g2 = EnvGroup.from_wire({"id": "evg-1", "name": "g", "serviceLinks": [{"id": "srv-1", "name": "w", "type": "worker",
                                                                            "x": 1}]})
    assert g2.service_links == (ServiceLink(id="srv-1", name="w", type="worker"),)
    assert g2.service_links[0].service_type == "background_worker"
    assert not hasattr(EnvVar(key="k", value=Secret("v")), "raw")
    assert not hasattr(EnvGroup(), "raw")


# --------------------------------------------------------------------------- pagination


def _page(prefix: str, n: int, name=lambda i: "svc"):
    return [{"cursor": f"{prefix}-c{i}", "service": svc(f"{prefix}-{i}", name(i))} for i in range(n)]


def svc(sid: str, name: str) -> dict:
    """The smallest service Render's schema allows the criteria to read: id, name, type."""
    return {"id": sid, "name": name, "type": "background_worker"}


def test_pagination_followed_to_the_end_over_three_pages(ft):
    pages = {None: _page("p1", 100), "p1-c99": _page("p2", 100), "p2-c99": _page("p3", 37)}

    def handler(request):
        return httpx.Response(200, json=pages[request.url.params.get("cursor")])

    rec = Recorder(handler)
    with make_client(rec, ft) as client:
        items = client.list_all("/services", "service", {"type": "background_worker"})
    assert len(items) == 237
    assert items[0]["id"] == "p1-0" and items[100]["id"] == "p2-0" and items[-1]["id"] == "p3-36"
    assert len(rec.requests) == 3
    assert [r.url.params.get("cursor") for r in rec.requests] == [None, "p1-c99", "p2-c99"]
    assert all(r.url.params["limit"] == "100" for r in rec.requests)
    assert all(r.url.params["type"] == "background_worker" for r in rec.requests)
    assert client.request_count == 3


def test_pagination_stops_on_empty_page_and_on_max_pages(ft):
    rec = Recorder(httpx.Response(200, json=_page("a", 100)), httpx.Response(200, json=[]))
    with make_client(rec, ft) as client:
        assert len(client.list_all("/services", "service")) == 100
    assert len(rec.requests) == 2

    rec2 = Recorder(lambda r: httpx.Response(200, json=_page(r.url.params.get("cursor", "x"), 100)))
    with make_client(rec2, ft) as client:
        assert len(client.list_all("/services", "service", max_pages=2)) == 200
    assert len(rec2.requests) == 2


def test_pagination_repeated_cursor_is_a_format_error(ft):
    rec = Recorder(httpx.Response(200, json=_page("same", 100)))
    with make_client(rec, ft) as client:
        with pytest.raises(ResponseFormatError, match="cursor repeated"):
            client.list_all("/services", "service")
    assert len(rec.requests) == 2


@pytest.mark.parametrize("foreign", [{"cursor": "c2"}, {"cursor": "c3", "other": {}}, "junk", None,
                                     {"cursor": "c5", "service": "srv-5"}], ids=repr)
def test_a_list_item_of_a_foreign_shape_is_a_format_error_never_skipped(ft, foreign):
    body = [{"cursor": "c1", "service": svc("s1", "a")}, foreign, {"cursor": "c4", "service": svc("s4", "b")}]
    with make_client(Recorder(httpx.Response(200, json=body)), ft) as client:
        with pytest.raises(ResponseFormatError, match=r"list item 1 of page 1 is .*, expected \{cursor, service: "):
            client.list_all("/services", "service")
    with make_client(Recorder(httpx.Response(200, json={"service": {"id": "s1"}})), ft) as client:
        with pytest.raises(ResponseFormatError, match="an object where a list was expected") as info:
            client.list_all("/services", "service")
        assert "GET /services" in str(info.value)


def test_find_services_keeps_exact_name_matches_only(ft):
    names = ["api", "api-staging", "API", "api ", "apiary", "api"]
    body = [{"cursor": f"c{i}", "service": svc(f"srv-{i}", n)} for i, n in enumerate(names)]
    rec = Recorder(httpx.Response(200, json=body))
    with make_client(rec, ft) as client:
        found = client.find_services("api")
    assert [s.id for s in found] == ["srv-0", "srv-5"]
    assert rec.requests[0].url.params["name"] == "api"


def test_find_services_follows_pages(ft):
    p1 = [{"cursor": f"c{i}", "service": svc(f"a{i}", "worker" if i == 3 else "worker-x")} for i in range(100)]
    p2 = [{"cursor": "z", "service": svc("b0", "worker")}]
    rec = Recorder(httpx.Response(200, json=p1), httpx.Response(200, json=p2))
    with make_client(rec, ft) as client:
        assert [s.id for s in client.find_services("worker")] == ["a3", "b0"]
    assert rec.requests[1].url.params["cursor"] == "c99"


def test_typed_list_reads_use_their_resource_keys(ft):
    handler = routes(
        {
            "/services/srv-1/secret-files": [{"cursor": "c", "secretFile": {"name": "key.pem", "content": "PEM-CONTENT-XYZ"}}],
            "/services/srv-1/deploys": [
                {"cursor": "c1", "deploy": {"id": "dep-2", "status": "live", "commit": None}},
                {"cursor": "c2", "deploy": {"id": "dep-1", "status": "deactivated", "commit": {"id": "abc"}}},
            ],
            "/services/srv-1/events": [{"cursor": "c", "event": {"id": "evt-1", "type": "deploy_ended",
                                                                 "timestamp": "2025-10-14T08:06:45Z", "details": {}}}],
            "/env-groups": [{"id": "evg-1", "name": "shared", "serviceLinks": [{"id": "srv-1", "name": "w", "type": "worker"}]}],
            "/env-groups/evg-1": {"id": "evg-1", "name": "shared",
                                  "envVars": [{"key": "DATABASE_URL", "value": "postgres://u:GROUPSECRET@h/db"}],
                                  "secretFiles": [{"name": "ca.pem", "content": "CA-CONTENT-ABC"}],
                                  "serviceLinks": [{"id": "srv-1", "name": "w", "type": "worker"}]},
        }
    )
    with make_client(handler, ft) as client:
        files = client.list_secret_files("srv-1")
        deploys = client.list_deploys("srv-1")
        events = client.list_events("srv-1", start="2025-10-14T08:02:11Z", end="2025-10-14T09:00:00Z")
        groups = client.list_env_groups()
        group = client.get_env_group("evg-1")
    assert files == [SecretFile(name="key.pem", content=Secret("PEM-CONTENT-XYZ"))]
    assert [(d.id, d.status, d.commit_id) for d in deploys] == [("dep-2", "live", None), ("dep-1", "deactivated", "abc")]
    assert [(e.id, e.type, e.timestamp) for e in events] == [("evt-1", "deploy_ended", "2025-10-14T08:06:45Z")]
    assert groups == [EnvGroup(id="evg-1", name="shared", service_links=(ServiceLink("srv-1", "w", "worker"),))]
    assert group.env_vars[0].key == "DATABASE_URL"
    assert group.env_vars[0].value.reveal() == "postgres://u:GROUPSECRET@h/db"
    assert group.secret_files[0].content.reveal() == "CA-CONTENT-ABC"
    for text in (repr(files), repr(group), repr(groups)):
        assert "GROUPSECRET" not in text and "CA-CONTENT-ABC" not in text and "PEM-CONTENT-XYZ" not in text


def test_metrics(ft):
    series = [{"labels": [{"field": "instance", "value": "srv-1-abc"}], "unit": "bytes",
               "values": [{"timestamp": "t", "value": 1.5}]}]
    rec = Recorder(httpx.Response(200, json=series), httpx.Response(200, content=b"null"),
                   httpx.Response(200, json={"oops": 1}))
    with make_client(rec, ft) as client:
        assert client.get_metrics("memory", {"resource": "srv-1", "startTime": "2025-01-01T00:00:00Z"}) == [
            Series(unit="bytes", points=(("t", 1.5),), labels=(("instance", "srv-1-abc"),))]
        assert client.get_metrics("cpu-limit", {"resource": "srv-1"}) == []
        with pytest.raises(ResponseFormatError):
            client.get_metrics("cpu", {"resource": "srv-1"})
    assert rec.requests[0].url.path == "/v1/metrics/memory"
    assert rec.requests[0].url.params["resource"] == "srv-1"
    assert rec.requests[1].url.path == "/v1/metrics/cpu-limit"


def test_ids_are_percent_encoded_and_trailing_slash_tolerated(ft):
    rec = Recorder(httpx.Response(200, json=svc("x", "x")))
    with make_client(rec, ft, base_url="https://api.render.com/v1/") as client:
        client.get_service("../env-groups")
        client.get_json("/services")
    assert rec.requests[0].url.raw_path == b"/v1/services/..%2Fenv-groups"
    assert rec.requests[1].url.path == "/v1/services"


def test_client_can_only_get(ft):
    rec = Recorder(httpx.Response(200, json=[]))
    with make_client(rec, ft) as client:
        client.list_all("/services", "service")
        for verb in ("post", "put", "patch", "delete", "request", "send"):
            assert not hasattr(client, verb)
    assert {r.method for r in rec.requests} == {"GET"}


# --------------------------------------------------------------------------- retries


def test_429_retry_after_is_honoured(ft):
    rec = Recorder(httpx.Response(429, headers={"Retry-After": "7", "Ratelimit-Reset": "50"}),
                   httpx.Response(200, json={"ok": True}))
    with make_client(rec, ft) as client:
        assert client.get_json("/services") == {"ok": True}
        assert client.request_count == 2
    assert ft.sleeps == [7.0]


def test_429_ratelimit_reset_used_without_retry_after(ft):
    rec = Recorder(httpx.Response(429, headers={"Ratelimit-Reset": "12"}), httpx.Response(200, json=[]))
    with make_client(rec, ft) as client:
        assert client.get_json("/services") == []
    assert ft.sleeps == [12.0]


def test_429_ratelimit_reset_as_epoch_is_converted(ft):
    epoch = int(time.time()) + 20
    rec = Recorder(httpx.Response(429, headers={"Ratelimit-Reset": str(epoch)}), httpx.Response(200, json=[]))
    with make_client(rec, ft) as client:
        client.get_json("/services")
    assert len(ft.sleeps) == 1
    assert 17 <= ft.sleeps[0] <= 21


def test_429_exponential_backoff_without_headers(ft):
    rec = Recorder(*[httpx.Response(429)] * 3, httpx.Response(200, json=[]))
    with make_client(rec, ft) as client:
        client._uniform = lambda a, b: b  # the top of each full-jitter window
        client.get_json("/services")
        assert client.request_count == 4
    assert ft.sleeps == [0.5, 1.0, 2.0]


def test_backoff_is_full_jitter_within_capped_windows(ft):
    rec = Recorder(httpx.Response(503))
    calls = []
    with make_client(rec, ft, max_attempts=8, retry_budget=1000) as client:
        client._uniform = lambda a, b: calls.append((a, b)) or (a + b) / 2
        with pytest.raises(ServerError):
            client.get_json("/services")
    assert calls == [(0.0, 0.5), (0.0, 1.0), (0.0, 2.0), (0.0, 4.0), (0.0, 8.0), (0.0, 8.0), (0.0, 8.0)]
    assert ft.sleeps == [0.25, 0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_real_jitter_stays_inside_windows(ft):
    rec = Recorder(httpx.Response(502))
    with make_client(rec, ft, max_attempts=6, retry_budget=1000) as client:
        with pytest.raises(ServerError):
            client.get_json("/services")
    assert len(ft.sleeps) == 5
    for i, s in enumerate(ft.sleeps):
        assert 0 <= s <= min(8.0, 0.5 * 2**i)


def test_500_once_then_200_passes(ft):
    rec = Recorder(httpx.Response(500), httpx.Response(200, json=svc("srv-1", "w")))
    with make_client(rec, ft) as client:
        assert client.get_service("srv-1").name == "w"
        assert client.request_count == 2
    assert len(ft.sleeps) == 1


def test_500_always_gives_server_error_after_max_attempts(ft):
    rec = Recorder(httpx.Response(500, text="boom"))
    with make_client(rec, ft, max_attempts=4) as client:
        with pytest.raises(ServerError) as info:
            client.get_json("/services")
        assert client.request_count == 4
    assert len(rec.requests) == 4 and len(ft.sleeps) == 3
    err = info.value
    assert err.status == 500 and err.path == "/services"
    assert str(err) == "Render API server error 500 Internal Server Error after 4 attempts on GET /services"


@pytest.mark.parametrize(
    "exc, text, attempts",
    [
        (httpx.ReadTimeout("timed out"), "read timeout", 3),
        (httpx.ConnectTimeout("timed out"), "connect timeout", 3),
        # Nothing listens there: tried twice, not max_attempts times (a refused run ends in seconds).
        (httpx.ConnectError("[Errno 111] Connection refused"), "connection refused", 2),
        (httpx.RemoteProtocolError("Server disconnected without sending a response."), "server disconnected", 3),
    ],
)
def test_network_errors_retry_then_network_error(ft, exc, text, attempts):
    rec = Recorder(exc)
    with make_client(rec, ft, max_attempts=3) as client:
        with pytest.raises(NetworkError) as info:
            client.get_json("/services")
        assert client.request_count == attempts
    err = info.value
    assert err.status is None
    assert str(err).startswith(f"cannot reach https://api.render.com/v1: {text}")
    assert str(err).endswith(f"after {attempts} attempts on GET /services")
    assert err.__cause__ is None and err.__context__ is None
    assert len(ft.sleeps) == attempts - 1


def test_timeout_then_success(ft):
    rec = Recorder(httpx.ReadTimeout("timed out"), httpx.Response(200, json=[1]))
    with make_client(rec, ft) as client:
        assert client.get_json("/x") == [1]
        assert client.request_count == 2


def test_real_connection_refused_message(ft):
    client = RenderClient("https://127.0.0.1:9/v1", CANARY, max_attempts=2, sleep=ft.sleep, clock=ft.clock, timeout=2)
    with client, pytest.raises(NetworkError) as info:
        client.get_json("/services")
    assert str(info.value).startswith("cannot reach https://127.0.0.1:9/v1: connection refused")
    assert "GET /services" in str(info.value)


def test_a_429_beyond_the_runs_rate_wait_limit_gives_up_without_sleeping(ft):
    rec = Recorder(httpx.Response(429, headers={"Retry-After": "60"}))
    with make_client(rec, ft, retry_budget=30, rate_wait_limit=30) as client:
        with pytest.raises(RateLimitedError) as info:
            client.get_json("/services")
        assert client.request_count == 1
    assert ft.sleeps == []
    msg = str(info.value)
    assert "the window resets in 60 s, past the run's 30 s limit on rate waits" in msg
    assert msg.endswith("on GET /services")
    assert info.value.status == 429


def test_429_waits_add_up_to_the_runs_rate_wait_limit_not_the_retry_budget(ft):
    rec = Recorder(httpx.Response(429, headers={"Retry-After": "10"}))
    with make_client(rec, ft, retry_budget=5, max_attempts=2, rate_wait_limit=30) as client:
        with pytest.raises(RateLimitedError):
            client.get_json("/services")
        assert client.request_count == 4  # neither the 2 attempts nor the 5 s retry budget bound them
        assert client.rate.refusals == 4
    assert ft.sleeps == [10.0, 10.0, 10.0]


def test_budget_counts_time_spent_in_requests(ft):
    def slow(request):
        ft.now += 9  # each request takes 9 s on the injected clock
        return httpx.Response(503, headers={"Retry-After": "5"})

    rec = Recorder(slow)
    with make_client(rec, ft, retry_budget=30, max_attempts=10) as client:
        with pytest.raises(ServerError, match="exceeds the 30s retry budget"):
            client.get_json("/services")
    # t=9 -> sleep 5 (14) -> t=23 -> sleep 5 (28) -> t=37: a further wait would pass 30
    assert ft.sleeps == [5.0, 5.0]
    assert len(rec.requests) == 3


def test_401_is_authentication_error_and_not_retried(ft):
    rec = Recorder(httpx.Response(401, json={"message": "Unauthorized"}))
    with make_client(rec, ft) as client:
        with pytest.raises(AuthenticationError) as info:
            client.get_json("/services")
        assert client.request_count == 1
    assert str(info.value) == "Render API refused the key (401 Unauthorized) on GET /services"
    assert info.value.status == 401
    assert ft.sleeps == []


def test_403_and_other_4xx_not_retried(ft):
    rec = Recorder(httpx.Response(403))
    with make_client(rec, ft) as client:
        with pytest.raises(AuthenticationError, match=r"\(403 Forbidden\)"):
            client.get_json("/services")
    rec2 = Recorder(httpx.Response(400, json={"message": "invalid limit"}))
    with make_client(rec2, ft) as client:
        with pytest.raises(RenderError) as info:
            client.get_json("/services")
    assert type(info.value) is RenderError
    assert str(info.value) == "Render API answered 400 Bad Request on GET /services: invalid limit"
    assert len(rec.requests) == 1 and len(rec2.requests) == 1 and ft.sleeps == []


# --------------------------------------------------------------------------- format errors


def test_non_json_body_is_format_error(ft):
    rec = Recorder(httpx.Response(200, text="<html>maintenance</html>", headers={"Content-Type": "text/html"}))
    with make_client(rec, ft) as client:
        with pytest.raises(ResponseFormatError) as info:
            client.get_json("/services")
    assert "not JSON (text/html, 24 bytes)" in str(info.value)
    assert "GET /services" in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_empty_body_and_wrong_object_shape_are_format_errors(ft):
    rec = Recorder(httpx.Response(200, content=b""), httpx.Response(200, json=[svc("srv-1", "w")]))
    with make_client(rec, ft) as client:
        with pytest.raises(ResponseFormatError, match="empty body"):
            client.get_json("/services")
        with pytest.raises(ResponseFormatError, match="a list where an object was expected"):
            client.get_service("srv-1")


# --------------------------------------------------------------------------- the key never shows


def test_api_key_never_appears_in_errors_client_or_models(ft):
    errors = []
    scripts = [
        Recorder(httpx.Response(401, json={"message": f"bad key {CANARY}"})),
        Recorder(httpx.Response(404, json={"message": f"not found for key {CANARY}"})),
        Recorder(httpx.Response(400, json={"message": f"Bearer {CANARY} rejected"})),
        Recorder(httpx.ConnectError(f"refused while sending Authorization: Bearer {CANARY}")),
        Recorder(httpx.Response(429, headers={"Retry-After": "999"})),
        Recorder(httpx.Response(503)),
        Recorder(httpx.Response(200, text=f"not json {CANARY}")),
    ]
    for rec in scripts:
        with make_client(rec, ft, max_attempts=2) as client:
            assert_no_canary(client)
            with pytest.raises(RenderError) as info:
                client.get_json(f"/services/{CANARY}")
            errors.append(info.value)
            assert rec.requests[0].headers["Authorization"] == f"Bearer {CANARY}"  # it was sent, though
    assert [type(e) for e in errors] == [AuthenticationError, NotFoundError, RenderError, NetworkError,
                                         RateLimitedError, ServerError, ResponseFormatError]
    for e in errors:
        assert_no_canary(e, e.path)
        assert "***" in str(e)  # the path named the key, and was scrubbed
        assert "\n" not in str(e)
    assert "rejected" in str(errors[2]) and "refused while sending" in str(errors[3])

    models = [
        Service.from_wire(dict(SERVICE, unknownField=CANARY)),
        EnvVar.from_wire({"key": "RENDER_API_KEY", "value": CANARY}),
        SecretFile.from_wire({"name": "key", "content": CANARY}),
        EnvGroup.from_wire({"id": "evg", "name": "g", "serviceLinks": [], "envVars": [{"key": "K", "value": CANARY}],
                            "secretFiles": [{"name": "f", "content": CANARY}]}, detail=True),
        Deploy.from_wire({"id": "dep", "commit": {"id": "c", "message": "x"}, "secret": CANARY}),
    ]
    assert models[0].raw["unknownField"] == CANARY  # kept in raw, which repr leaves out
    assert_no_canary(*models)


def test_secret_values_hidden_in_model_reprs():
    ev = EnvVar.from_wire({"key": "DB_PASSWORD", "value": "hunter2-very-secret"})
    sf = SecretFile.from_wire({"name": "id_rsa", "content": "-----BEGIN KEY----- abcdef"})
    group = EnvGroup(env_vars=(ev,), secret_files=(sf,))
    for text in (repr(ev), str(ev), repr(sf), repr(group)):
        assert "hunter2-very-secret" not in text
        assert "BEGIN KEY" not in text
    assert "DB_PASSWORD" in repr(ev) and "Secret(***)" in repr(ev)
    service = Service.from_wire(dict(svc("srv-1", "w"), envVars=[{"key": "K", "value": "raw-secret-value-42"}]))
    assert "raw-secret-value-42" not in repr(service)
    assert service == Service(id="srv-1", name="w", type="background_worker",
                              dashboard_url="https://dashboard.render.com/worker/srv-1")  # raw excluded


def test_client_refuses_empty_key_and_bad_base_url():
    from phasegate.errors import ConfigError

    with pytest.raises(ConfigError):
        RenderClient(BASE, "")
    with pytest.raises(ConfigError) as info:
        RenderClient("ftp://example.com", CANARY)
    assert CANARY not in str(info.value)


def test_pagination_survives_a_server_that_ignores_the_limit(ft):
    """A server paging at Render's default 20 despite limit=100 must still be read to the end."""
    pages = {None: _page("p1", 20), "p1-c19": _page("p2", 20), "p2-c19": _page("p3", 7)}

    def handler(request):
        return httpx.Response(200, json=pages[request.url.params.get("cursor")])

    rec = Recorder(handler)
    with make_client(rec, ft) as client:
        items = client.list_all("/services/srv-x/env-vars", "service")
    assert len(items) == 47
    assert len(rec.requests) == 3


def test_a_resource_is_read_once_per_client_even_when_asked_for_concurrently(ft):
    import threading

    gate = threading.Event()

    def slow(request):
        gate.wait(2)
        return httpx.Response(200, json=svc("srv-x", "x"))

    rec = Recorder(slow)
    with make_client(rec, ft) as client:
        results = []
        threads = [threading.Thread(target=lambda: results.append(client.get_service("srv-x").id)) for _ in range(5)]
        for t in threads:
            t.start()
        gate.set()
        for t in threads:
            t.join(5)
        assert results == ["srv-x"] * 5
        assert client.get_service("srv-x").id == "srv-x"
    assert len(rec.requests) == 1


def test_a_failed_read_is_not_repeated_within_a_run(ft):
    rec = Recorder(httpx.Response(404, json={"message": "not found: srv-gone"}))
    with make_client(rec, ft) as client:
        for _ in range(2):
            with pytest.raises(NotFoundError):
                client.get_service("srv-gone")
    assert len(rec.requests) == 1


def test_a_spent_rate_window_is_waited_out_not_run_into(ft):
    tight = {"Ratelimit-Limit": "400", "Ratelimit-Remaining": "0", "Ratelimit-Reset": "7"}
    rec = Recorder(httpx.Response(200, json=svc("srv-a", "a"), headers=tight),
                   httpx.Response(200, json=svc("srv-b", "b"), headers={"Ratelimit-Remaining": "399"}))
    with make_client(rec, ft) as client:
        client.get_service("srv-a")
        assert ft.sleeps == []
        client.get_service("srv-b")
        assert ft.sleeps == [7]
        assert client.ratelimit_remaining == 0


def test_a_429_is_waited_out_by_its_retry_after_not_by_the_window_reset(ft):
    limited = {"Retry-After": "1", "Ratelimit-Remaining": "0", "Ratelimit-Reset": "59"}
    rec = Recorder(httpx.Response(429, json={"message": "rate limited"}, headers=limited),
                   httpx.Response(200, json=svc("srv-a", "a"), headers={"Ratelimit-Remaining": "390"}))
    with make_client(rec, ft) as client:
        assert client.get_service("srv-a").id == "srv-a"
    assert ft.sleeps == [1]
