"""The Render simulator, exercised over real HTTP with httpx (never through phasegate.render)."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import httpx
import pytest

from phasegate.sandbox.faults import Faults
from phasegate.sandbox.simulator import RenderSimulator, RequestRecord, serve
from phasegate.sandbox.worlds import (
    CANARY,
    PLAIN_KEYS,
    PRODUCTION_ID,
    STAGING_ENV_GROUP_ID,
    STAGING_ID,
    STAGING_NAME,
    OUTCOMES,
    VIOLATES,
    WEB_CLAIMS,
    WORLDS,
    world,
)

API_KEY = "rnd_sandbox_test_key"
SAMPLES = Path(__file__).resolve().parent / "render-samples"  # real captures, see its SOURCES.md


@pytest.fixture
def sim():
    simulator = RenderSimulator(world("compliant"), api_key=API_KEY)
    with simulator:
        yield simulator


def client(simulator: RenderSimulator, *, key: str | None = API_KEY, timeout: float = 5.0) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
    return httpx.Client(base_url=simulator.base_url, headers=headers, timeout=timeout)


def walk(c: httpx.Client, path: str, **params) -> tuple[list, int]:
    """All items of a list, following cursors; returns (items, number of requests)."""
    items, cursor, requests = [], None, 0
    while True:
        query = dict(params)
        if cursor:
            query["cursor"] = cursor
        response = c.get(path, params=query)
        requests += 1
        assert response.status_code == 200, response.text
        page = response.json()
        if not page:
            return items, requests
        items.extend(page)
        cursor = page[-1]["cursor"]


# --------------------------------------------------------------------------- auth, errors


def test_base_url_is_loopback_v1(sim):
    assert sim.base_url.startswith("http://127.0.0.1:")
    assert sim.base_url.endswith("/v1")


@pytest.mark.parametrize("key", [None, "wrong-key"])
def test_unauthorised_requests_get_401(sim, key):
    with client(sim, key=key) as c:
        response = c.get(f"/services/{STAGING_ID}")
    assert response.status_code == 401
    assert response.json() == {"message": "unauthorized"}
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert sim.requests[-1] == RequestRecord("GET", f"/services/{STAGING_ID}", "", 401)


def test_basic_scheme_is_not_bearer(sim):
    with httpx.Client(base_url=sim.base_url, headers={"Authorization": f"Basic {API_KEY}"}) as c:
        assert c.get("/services").status_code == 401


def test_404_body_has_message_and_no_id(sim):
    with client(sim) as c:
        unknown_id = c.get("/services/srv-doesnotexist0000000")
        unknown_path = c.get("/nothing/here")
        unknown_sub = c.get(f"/services/{STAGING_ID}/nope")
        unknown_group = c.get("/env-groups/evg-nope")
    assert unknown_id.status_code == 404
    assert unknown_id.json() == {"message": "not found: srv-doesnotexist0000000"}
    sample = json.loads((SAMPLES / "render_error_404.json").read_text())
    assert set(unknown_id.json()) == set(sample) == {"message"}
    for response in (unknown_path, unknown_sub, unknown_group):
        assert response.status_code == 404
        assert set(response.json()) == {"message"}
        assert response.json()["message"].startswith("not found: ")


def test_writes_are_refused_recorded_and_logged(sim, caplog):
    caplog.set_level(logging.WARNING, logger="phasegate.sandbox")
    with client(sim) as c:
        post = c.post(f"/services/{STAGING_ID}/env-vars", json=[{"key": "X", "value": "y"}])
        put = c.put(f"/services/{STAGING_ID}/env-vars/X", json={"value": "y"})
        patch = c.patch(f"/services/{STAGING_ID}", json={"branch": "main"})
        delete = c.delete(f"/services/{STAGING_ID}")
        after = c.get(f"/services/{STAGING_ID}")
    for response in (post, put, patch, delete):
        assert response.status_code == 405
        assert response.json() == {"message": "phasegate sandbox is read-only"}
    assert after.json()["branch"] == "staging"
    writes = [r for r in sim.requests if r.method != "GET"]
    assert [(r.method, r.status) for r in writes] == [
        ("POST", 405), ("PUT", 405), ("PATCH", 405), ("DELETE", 405)
    ]
    assert writes[0].path == f"/services/{STAGING_ID}/env-vars"
    assert sum("read-only" in rec.getMessage() for rec in caplog.records) == 4


def test_request_log_is_json_lines(sim, tmp_path):
    with client(sim) as c:
        c.get("/services", params={"name": STAGING_NAME})
        c.post("/services")
    out = tmp_path / "requests.jsonl"
    sim.write_request_log(out)
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert lines == [
        {"method": "GET", "path": "/services", "query": f"name={STAGING_NAME}", "status": 200},
        {"method": "POST", "path": "/services", "query": "", "status": 405},
    ]


# --------------------------------------------------------------------------- resources


def test_service_detail_is_the_world_object(sim):
    with client(sim) as c:
        body = c.get(f"/services/{STAGING_ID}").json()
    assert body == next(s for s in world("compliant")["services"] if s["id"] == STAGING_ID)
    assert body["serviceDetails"]["envSpecificDetails"]["dockerCommand"] == (
        "python backend/workers/enhanced_runner.py"
    )


def test_name_filter_is_exact_and_may_repeat(sim):
    with client(sim) as c:
        one = c.get("/services", params={"name": STAGING_NAME}).json()
        two = c.get("/services", params=[("name", STAGING_NAME), ("name", "upload-worker")]).json()
        none = c.get("/services", params={"name": "upload-worker-stag"}).json()
        typed = c.get("/services", params={"type": "web_service"}).json()
        everything = c.get("/services").json()
    assert [item["service"]["id"] for item in one] == [STAGING_ID]
    assert {item["service"]["id"] for item in two} == {STAGING_ID, PRODUCTION_ID}
    assert none == []
    assert [item["service"]["name"] for item in typed] == ["upload-api-staging"]
    names = [item["service"]["name"] for item in everything]
    assert names[0] != STAGING_NAME and STAGING_NAME in names
    assert "upload-worker-staging-old" in names
    assert all(set(item) == {"cursor", "service"} for item in everything)


def test_env_var_list_shape(sim):
    with client(sim) as c:
        items = c.get(f"/services/{STAGING_ID}/env-vars").json()
    sample = json.loads((SAMPLES / "render_list_env_vars.json").read_text())
    assert all(set(item) == set(sample[0]) for item in items)
    assert all(set(item["envVar"]) == set(sample[0]["envVar"]) for item in items)
    values = {item["envVar"]["key"]: item["envVar"]["value"] for item in items}
    assert values["ENVIRONMENT"] == "staging"
    assert values["DATABASE_URL"] == "{{DATABASE_URL}}"  # no substitution configured


def test_env_group_list_has_no_values_but_detail_does(sim):
    with client(sim) as c:
        listed = c.get("/env-groups").json()
        detail = c.get(f"/env-groups/{STAGING_ENV_GROUP_ID}").json()
    # Render's spec: a bare array of envGroupMeta, no {cursor, envGroup} wrapper.
    assert listed and all("cursor" not in item and "envGroup" not in item for item in listed)
    for group in listed:
        assert "envVars" not in group and "secretFiles" not in group
        assert {"id", "name", "ownerId", "createdAt", "updatedAt", "serviceLinks", "environmentId"} <= set(group)
    assert CANARY not in json.dumps(listed)
    assert {"key", "value"} == set(detail["envVars"][0])
    assert "secretFiles" in detail
    assert STAGING_ID in [link["id"] for link in detail["serviceLinks"]]


def test_secret_files_deploys_events(sim):
    with client(sim) as c:
        files = c.get(f"/services/{STAGING_ID}/secret-files").json()
        deploys = c.get(f"/services/{STAGING_ID}/deploys").json()
        last_hour = c.get(f"/services/{STAGING_ID}/events").json()
        events = c.get(f"/services/{STAGING_ID}/events", params={"startTime": "2025-10-14T00:00:00Z"}).json()
        no_files = c.get(f"/services/{PRODUCTION_ID}/secret-files").json()
    assert [f["secretFile"]["name"] for f in files] == ["gcp-credentials.json"]
    assert no_files == []
    assert [d["deploy"]["status"] for d in deploys] == ["live", "deactivated", "deactivated"]
    assert any(d["deploy"]["commit"] is None for d in deploys)
    assert any(d["deploy"]["finishedAt"] is None for d in deploys)
    assert {e["event"]["type"] for e in events} >= {"deploy_started", "deploy_ended"}
    assert all(e["event"]["serviceId"] == STAGING_ID for e in events)
    assert last_hour == []  # Render's default window is the last hour; these events are older


def test_env_group_list_filters_by_creation_time_and_pages_by_limit(sim):
    with client(sim) as c:
        everything = c.get("/env-groups").json()
        one = c.get("/env-groups", params={"limit": 1}).json()
        newer = c.get("/env-groups", params={"createdAfter": "2025-09-01T00:00:00Z"}).json()
        older = c.get("/env-groups", params={"createdBefore": "2025-09-01T00:00:00Z"}).json()
        bad = c.get("/env-groups", params={"createdAfter": "yesterday"})
    assert len(everything) == 3 and len(one) == 1
    assert {g["id"] for g in newer} | {g["id"] for g in older} == {g["id"] for g in everything}
    assert not {g["id"] for g in newer} & {g["id"] for g in older}
    assert bad.status_code == 400 and "createdAfter" in bad.json()["message"]


def test_metrics_series():
    w = world("compliant")
    w["metrics"] = {
        "memory": {STAGING_ID: [{"timestamp": "2025-10-14T08:00:00Z", "value": 123.0}]},
    }
    with RenderSimulator(w, api_key=API_KEY) as simulator, client(simulator) as c:
        memory = c.get("/metrics/memory", params={"resource": STAGING_ID, "resolutionSeconds": 60})
        cpu = c.get("/metrics/cpu", params={"resource": STAGING_ID})
        unknown = c.get("/metrics/disk", params={"resource": STAGING_ID})
    assert memory.json() == [
        {
            "labels": [{"field": "resource", "value": STAGING_ID}],
            "unit": "bytes",
            "values": [{"timestamp": "2025-10-14T08:00:00Z", "value": 123.0}],
        }
    ]
    assert cpu.json() == []
    assert unknown.status_code == 404


def test_substitutions_fill_placeholders():
    url = "postgresql://worker:pw@127.0.0.1:5432/app"
    w = world("compliant")
    w["envGroups"][1]["envVars"].append({"key": "GROUP_DB", "value": "x-{{DATABASE_URL}}-{{UNKNOWN}}"})
    with RenderSimulator(w, api_key=API_KEY, substitutions={"DATABASE_URL": url}) as simulator:
        with client(simulator) as c:
            staging = c.get(f"/services/{STAGING_ID}/env-vars").json()
            production = c.get(f"/services/{PRODUCTION_ID}/env-vars").json()
            group = c.get(f"/env-groups/{STAGING_ENV_GROUP_ID}").json()
    value = {i["envVar"]["key"]: i["envVar"]["value"] for i in staging}["DATABASE_URL"]
    assert value == url
    prod_value = {i["envVar"]["key"]: i["envVar"]["value"] for i in production}["DATABASE_URL"]
    assert prod_value == "{{PRODUCTION_DATABASE_URL}}"  # unknown placeholder: unchanged
    group_value = {v["key"]: v["value"] for v in group["envVars"]}["GROUP_DB"]
    assert group_value == f"x-{url}-{{{{UNKNOWN}}}}"


# --------------------------------------------------------------------------- pagination


@pytest.fixture
def many():
    with RenderSimulator(world("compliant-many-env-vars"), api_key=API_KEY) as simulator:
        yield simulator


def test_default_page_size_is_20(many):
    with client(many) as c:
        page = c.get(f"/services/{STAGING_ID}/env-vars").json()
    assert len(page) == 20


def test_limit_is_clamped_to_100(many):
    with client(many) as c:
        assert len(c.get(f"/services/{STAGING_ID}/env-vars", params={"limit": 500}).json()) == 100
        assert len(c.get(f"/services/{STAGING_ID}/env-vars", params={"limit": 7}).json()) == 7


@pytest.mark.parametrize("limit", ["abc", "1.5", "0", "-3"])
def test_bad_limit_is_400(many, limit):
    with client(many) as c:
        response = c.get(f"/services/{STAGING_ID}/env-vars", params={"limit": limit})
    assert response.status_code == 400
    assert "message" in response.json()


def test_unknown_cursor_is_400(many):
    with client(many) as c:
        response = c.get(f"/services/{STAGING_ID}/env-vars", params={"cursor": "bm9wZQ"})
        garbage = c.get(f"/services/{STAGING_ID}/env-vars", params={"cursor": "%%%"})
        # a cursor from another list is unknown here
        other = c.get("/services").json()[0]["cursor"]
        foreign = c.get(f"/services/{STAGING_ID}/env-vars", params={"cursor": other})
    for r in (response, garbage, foreign):
        assert r.status_code == 400
        assert "message" in r.json()


def test_cursor_walk_reaches_the_third_page(many):
    expected = [e["key"] for e in world("compliant-many-env-vars")["envVars"][STAGING_ID]]
    assert len(expected) == 268
    with client(many) as c:
        items, requests = walk(c, f"/services/{STAGING_ID}/env-vars", limit=100)
        pages = []
        cursor = None
        for _ in range(4):
            params = {"limit": 100, **({"cursor": cursor} if cursor else {})}
            page = c.get(f"/services/{STAGING_ID}/env-vars", params=params).json()
            pages.append(page)
            cursor = page[-1]["cursor"] if page else None
        default_items, default_requests = walk(c, f"/services/{STAGING_ID}/env-vars")
    assert [i["envVar"]["key"] for i in items] == expected
    assert requests == 4  # 100 + 100 + 68 + the empty page
    assert [len(p) for p in pages] == [100, 100, 68, 0]
    third = [i["envVar"]["key"] for i in pages[2]]
    assert "DATABASE_URL" in third and "OPENAI_API_KEY" in third
    assert "ENVIRONMENT" in [i["envVar"]["key"] for i in pages[0]]
    assert "LOG_LEVEL" in [i["envVar"]["key"] for i in pages[1]]
    assert len({i["cursor"] for i in items}) == 268
    assert [i["envVar"]["key"] for i in default_items] == expected
    assert default_requests == 15  # 13 full pages of 20, one of 7, one empty


def test_jwt_secret_on_third_page_world():
    with RenderSimulator(world("P4-27-third-page"), api_key=API_KEY) as simulator, client(simulator) as c:
        first = c.get(f"/services/{STAGING_ID}/env-vars", params={"limit": 100}).json()
        second = c.get(f"/services/{STAGING_ID}/env-vars", params={"limit": 100, "cursor": first[-1]["cursor"]}).json()
        third = c.get(f"/services/{STAGING_ID}/env-vars", params={"limit": 100, "cursor": second[-1]["cursor"]}).json()
    keys = lambda page: [i["envVar"]["key"] for i in page]  # noqa: E731
    assert "JWT_SECRET" not in keys(first) + keys(second)
    assert "JWT_SECRET" in keys(third)


def test_filtered_service_list_paginates(sim):
    with client(sim) as c:
        items, _ = walk(c, "/services", limit=1)
        workers, _ = walk(c, "/services", type="background_worker", limit=1)
    assert len(items) == 6  # the reference four, and the thumbnail worker pair
    assert len(workers) == 5 and all(i["service"]["type"] == "background_worker" for i in workers)


# --------------------------------------------------------------------------- rate-limit headers


def test_ratelimit_headers_present_and_remaining_decreases(sim):
    with client(sim) as c:
        first = c.get("/services")
        second = c.get(f"/services/{STAGING_ID}")
        missing = c.get("/services/srv-missing")
    for response in (first, second, missing):
        assert response.headers["Ratelimit-Limit"] == "400"
        assert 0 <= int(response.headers["Ratelimit-Reset"]) <= 60
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    remaining = [int(r.headers["Ratelimit-Remaining"]) for r in (first, second, missing)]
    assert remaining[0] < 400
    assert remaining[0] > remaining[1] > remaining[2]


# --------------------------------------------------------------------------- faults


def test_faults_parse():
    assert Faults.parse("") == Faults()
    parsed = Faults.parse("rate_limit_times=2, retry_after=1,latency_ms=100,hang")
    assert parsed == Faults(rate_limit_times=2, retry_after=1, latency_ms=100, hang=True)
    assert Faults.parse("malformed_json=false,server_error_forever") == Faults(server_error_forever=True)
    assert Faults.parse(parsed.spec()) == parsed


@pytest.mark.parametrize(
    "spec, fragment",
    [
        ("bogus=1", "unknown fault 'bogus'"),
        ("latency_ms", "needs a value"),
        ("latency_ms=fast", "non-negative integer"),
        ("rate_limit_times=-1", "non-negative integer"),
        ("hang=maybe", "true/false"),
    ],
)
def test_faults_parse_rejects_bad_specs(spec, fragment):
    with pytest.raises(ValueError, match=fragment):
        Faults.parse(spec)


def test_rate_limit_then_ok(sim):
    sim.faults = Faults(rate_limit_times=2, retry_after=3)
    with client(sim) as c:
        statuses = []
        for _ in range(3):
            response = c.get(f"/services/{STAGING_ID}")
            statuses.append(response.status_code)
            if response.status_code == 429:
                assert response.headers["Retry-After"] == "3"
                assert response.headers["Ratelimit-Remaining"] == "0"
                assert "Ratelimit-Reset" in response.headers
                assert "message" in response.json()
    assert statuses == [429, 429, 200]
    assert [r.status for r in sim.requests] == [429, 429, 200]


def test_auth_is_checked_before_faults(sim):
    sim.faults = Faults(rate_limit_forever=True)
    with client(sim, key="wrong") as c:
        assert c.get("/services").status_code == 401
    with client(sim) as c:
        assert c.get("/services").status_code == 429


def test_server_error_once(sim):
    sim.faults = Faults(server_error_times=1)
    with client(sim) as c:
        assert c.get("/services").status_code == 500
        assert c.get("/services").status_code == 200


def test_replacing_faults_resets_counters(sim):
    sim.faults = Faults(server_error_times=1)
    with client(sim) as c:
        assert c.get("/services").status_code == 500
        sim.faults = Faults(server_error_times=1)
        assert c.get("/services").status_code == 500
        sim.faults = Faults()
        assert c.get("/services").status_code == 200


def test_latency_is_added(sim):
    sim.faults = Faults(latency_ms=200)
    with client(sim) as c:
        started = time.monotonic()
        response = c.get("/services")
        elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert elapsed >= 0.2


def test_hang_does_not_block_stop():
    simulator = RenderSimulator(world("compliant"), api_key=API_KEY, faults=Faults(hang=True))
    simulator.start()
    try:
        with client(simulator, timeout=0.5) as c, pytest.raises(httpx.ReadTimeout):
            c.get("/services")
    finally:
        started = time.monotonic()
        simulator.stop()
        assert time.monotonic() - started < 2.0


def test_stop_with_request_in_flight():
    import threading

    simulator = RenderSimulator(world("compliant"), api_key=API_KEY, faults=Faults(hang=True))
    simulator.start()
    outcome = {}

    def call():
        try:
            with client(simulator, timeout=10) as c:
                outcome["response"] = c.get("/services")
        except httpx.HTTPError as err:
            outcome["error"] = err

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    simulator.stop()
    assert time.monotonic() - started < 2.0
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert "error" in outcome  # the connection was closed without an answer


def test_malformed_json(sim):
    sim.faults = Faults(malformed_json=True)
    with client(sim) as c:
        response = c.get(f"/services/{STAGING_ID}")
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)


def test_serve_helper():
    simulator = serve("P4-03", api_key=API_KEY, faults="server_error_times=1")
    try:
        with client(simulator) as c:
            assert c.get(f"/services/{STAGING_ID}").status_code == 500
            assert c.get(f"/services/{STAGING_ID}").json()["type"] == "web_service"
    finally:
        simulator.stop()


# --------------------------------------------------------------------------- worlds


def test_world_names_and_violations():
    assert "compliant" in WORLDS
    assert set(WORLDS) == set(VIOLATES)
    for name, criterion in VIOLATES.items():
        if name.startswith("compliant"):
            assert criterion is None and not OUTCOMES[name]
        elif name in WEB_CLAIMS:  # a phase the repository does not hold: its test names the criterion
            assert criterion is None and not OUTCOMES[name] and WEB_CLAIMS[name]
        elif criterion is None:  # breaks criteria, or fails more than one: said in OUTCOMES
            assert OUTCOMES[name], name
        elif name.startswith("policy-"):
            assert criterion == "policy"
        else:
            assert criterion is not None and name.startswith(criterion)
    expected = {f"P4-{n:02d}" for n in [*range(1, 13), *range(20, 30), *range(60, 63), *range(64, 67)]}
    expected |= {"P5-01", "P5-02", "P5-03", "P5-04", "P5-08"}  # Phase 5's Render criteria
    expected |= {"P5-09", "P5-10", "P5-11", "P5-12"}  # the API's public endpoints (sandbox.endpoints serves them)
    assert {c for c in VIOLATES.values() if c} == expected | {"policy"}
    with pytest.raises(KeyError, match="known worlds"):
        world("no-such-world")


@pytest.mark.parametrize("name", sorted(WORLDS))
def test_world_round_trips_and_is_described(name):
    w = world(name)
    assert json.loads(json.dumps(w)) == w
    assert w["name"] == name
    assert w["description"]
    assert w["database"] == {"variant": "compliant"}
    assert w is not world(name)  # fresh copy every time


@pytest.mark.parametrize("name", sorted(n for n in WORLDS if n != "compliant"))
def test_every_other_world_differs_from_compliant(name):
    ignore = ("name", "description")
    a = {k: v for k, v in world("compliant").items() if k not in ignore}
    b = {k: v for k, v in world(name).items() if k not in ignore}
    assert a != b


def test_secret_values_are_canaries():
    w = world("compliant")
    exempt = {"SUPABASE_URL"}
    values = [(k, v) for sid, env in w["envVars"].items() for k, v in ((e["key"], e["value"]) for e in env)]
    values += [(e["key"], e["value"]) for g in w["envGroups"] for e in g["envVars"]]
    for key, value in values:
        if key in PLAIN_KEYS or key in exempt or value.startswith("{{"):
            continue
        assert CANARY in value, key
    for files in w["secretFiles"].values():
        assert all(CANARY in f["content"] for f in files)


def test_staging_and_production_values_differ_in_compliant():
    w = world("compliant")
    staging = {e["key"]: e["value"] for e in w["envVars"][STAGING_ID]}
    production = {e["key"]: e["value"] for e in w["envVars"][PRODUCTION_ID]}
    assert set(staging) == set(production)
    shared = {k for k in staging if k not in PLAIN_KEYS and staging[k] == production[k]}
    assert shared == set()
    assert staging["SUPABASE_URL"] == "https://stagingCANARYref.supabase.co"
    assert production["SUPABASE_URL"] == "https://prodCANARYref.supabase.co"


@pytest.mark.parametrize(
    "sample",
    [
        "render_get_service_background_worker_docker.json",
        "render_get_service_background_worker_docker_with_command.json",
        "render_list_services_background_worker_image.json",
    ],
)
def test_service_shape_covers_the_real_samples(sim, sample):
    body = json.loads((SAMPLES / sample).read_text())
    if isinstance(body, list):
        assert set(body[0]) == {"cursor", "service"}
        body = body[0]["service"]
    with client(sim) as c:
        ours = c.get(f"/services/{STAGING_ID}").json()
        listed = c.get("/services", params={"name": STAGING_NAME}).json()[0]["service"]
    assert set(body) <= set(ours), set(body) - set(ours)
    assert set(body) <= set(listed)
    # Docker worker details: every key the Docker samples have (the disk is the image sample's own).
    if body["serviceDetails"]["runtime"] == "docker":
        assert set(body["serviceDetails"]) <= set(ours["serviceDetails"])
    assert set(body["serviceDetails"]["envSpecificDetails"]) - {"preDeployCommand"} <= set(
        ours["serviceDetails"]["envSpecificDetails"]
    )
    # the same value types for shared keys
    for key in body:
        if body[key] is not None and ours[key] is not None:
            assert type(body[key]) is type(ours[key]), key


def test_a_static_site_and_its_custom_domains_are_served_in_renders_wire_format():
    from phasegate.sandbox.worlds import WEB_DOMAIN, WEB_STAGING_ID

    with RenderSimulator(world("compliant-web"), api_key=API_KEY) as simulator, client(simulator) as c:
        site = c.get(f"/services/{WEB_STAGING_ID}").json()
        domains, requests = walk(c, f"/services/{WEB_STAGING_ID}/custom-domains", limit=100)
        one = c.get(f"/services/{WEB_STAGING_ID}/custom-domains/{domains[0]['customDomain']['id']}")
        none = c.get(f"/services/{STAGING_ID}/custom-domains", params={"limit": 100}).json()
    assert site["type"] == "static_site"
    assert {k: site["serviceDetails"][k] for k in ("buildCommand", "publishPath")} == {
        "buildCommand": "npm ci && npm run build", "publishPath": "dist"}
    assert [(d["customDomain"]["name"], d["customDomain"]["verificationStatus"]) for d in domains] == [
        (WEB_DOMAIN, "verified")] and all(d["cursor"] for d in domains) and requests == 2
    assert one.json()["name"] == WEB_DOMAIN and none == []


# --------------------------------------------------------------------------- the simulator's process

def test_a_forked_simulator_serves_its_world_and_writes_its_log_when_its_pipe_closes(tmp_path):
    from phasegate.sandbox.child import ForkedChild

    process = ForkedChild()
    log = tmp_path / "requests.jsonl"
    process.stdin.write(json.dumps({"world": "compliant", "key": "rnd_fork_key", "faults": "",
                                    "substitutions": {}, "request_log": str(log)}) + "\n")
    process.stdin.flush()
    base = process.stdout.readline().strip()
    assert base.startswith("http://127.0.0.1:") and base.endswith("/v1"), base
    answer = httpx.get(f"{base}/services", params={"name": "upload-worker-staging"},
                       headers={"Authorization": "Bearer rnd_fork_key"})
    assert answer.status_code == 200 and answer.json()[0]["service"]["name"] == "upload-worker-staging"
    process.stdin.close()
    assert process.wait(timeout=10) == 0
    assert [json.loads(line)["status"] for line in log.read_text().splitlines()] == [200]


def test_each_forked_simulator_ends_when_its_own_pipe_closes_whatever_else_runs():
    """A second child holds no copy of the first one's stdin: closing it ends the first at once."""
    from phasegate.sandbox.child import ForkedChild

    first, second = ForkedChild(), ForkedChild()
    try:
        first.stdin.close()  # no spec: the child gives up and exits
        assert first.wait(timeout=5) == 0
        assert second.poll() is None
    finally:
        second.stdin.close()
        assert second.wait(timeout=5) == 0
        first.stdout.close()
        second.stdout.close()
