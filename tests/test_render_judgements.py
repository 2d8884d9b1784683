"""Narrow tests of the judgements that read Render's events, metrics units and deploy states."""

from __future__ import annotations

import pytest

from phasegate.judges import operations as judge_ops
from phasegate.render import Deploy, Event, Series
from phasegate.snapshot import NotJudgeable, ServiceSnapshot, read_deploys_and_events

RULES = {"server_failed": judge_ops.ALWAYS, "build_ended": judge_ops.WHEN_FAILED,
         "deploy_ended": judge_ops.WHEN_FAILED}


def event(kind: str, **details) -> Event:
    return Event(id="evt-1", type=kind, timestamp="2025-10-14T09:00:00Z", details=details)


@pytest.mark.parametrize("e, why", [
    (event("server_failed", reason={"evicted": False, "oomKilled": {"memoryLimit": "512Mi"}}), "OOM-killed"),
    (event("server_failed", reason={"evicted": False, "nonZeroExit": 1}), "failed"),
    (event("build_ended", buildStatus="failed"), "status failed"),
    (event("build_ended", buildStatus="succeeded"), None),
    (event("deploy_ended", deployStatus="canceled"), None),
    (event("deploy_started"), None),
])
def test_failure_reason_follows_renders_event_types(e, why):
    assert judge_ops.failure_reason(e, RULES) == why


@pytest.mark.parametrize("e, words", [
    (event("instance_oom"), "not one of Render's event types"),
    (event("deploy_ended", deployStatus="exploded"), "deployStatus 'exploded'"),
    (event("deploy_ended"), "deployStatus None"),
])
def test_an_event_that_cannot_be_classified_breaks_never_passes(e, words):
    with pytest.raises(NotJudgeable, match=words):
        judge_ops.failure_reason(e, RULES)


def test_the_features_table_must_name_renders_types_and_known_rules():
    header = ["Render event type", "counts as a failure when"]
    assert judge_ops.failure_rules([header, ["server_failed", "always"]]) == {"server_failed": "always"}
    with pytest.raises(ValueError, match="oom_killed"):
        judge_ops.failure_rules([header, ["oom_killed", "always"]])
    with pytest.raises(ValueError, match="server_failed"):
        judge_ops.failure_rules([header, ["server_failed", "its status is failed"]])


def metrics_target(memory: list[Series], limit: list[Series]) -> ServiceSnapshot:
    return ServiceSnapshot("w", metrics={"memory": memory, "memory-limit": limit},
                           read={"metrics", "metrics:memory", "metrics:memory-limit"})


@pytest.mark.parametrize("unit, factor", [("bytes", 1), ("B", 1), ("KB", 1024), ("MB", 1024 ** 2), ("MiB", 1024 ** 2),
                                          ("GB", 1024 ** 3), ("gib", 1024 ** 3)])
def test_memory_units_are_converted_to_bytes(unit, factor):
    usage = [Series(unit=unit, points=(("t1", 100 * 1024 ** 2 / factor),))]
    limit = [Series(unit="bytes", points=(("t1", 512 * 1024 ** 2),))]
    points, cap = judge_ops.usage(metrics_target(usage, limit), "memory")
    assert points == [("t1", pytest.approx(100 * 1024 ** 2))] and cap == 512 * 1024 ** 2


def test_cpu_millicores_against_cores():
    target = ServiceSnapshot("w", metrics={"cpu": [Series("millicores", (("t", 450.0),))],
                                           "cpu-limit": [Series("cores", (("t", 0.5),))]},
                             read={"metrics", "metrics:cpu", "metrics:cpu-limit"})
    points, cap = judge_ops.usage(target, "cpu")
    assert points == [("t", pytest.approx(0.45))] and cap == 0.5


def test_an_unknown_unit_is_broken_with_one_line_naming_it():
    usage = [Series(unit="furlongs", points=(("t1", 1.0),))]
    limit = [Series(unit="bytes", points=(("t1", 1.0),))]
    with pytest.raises(NotJudgeable, match="unit 'furlongs'; expected one of"):
        judge_ops.usage(metrics_target(usage, limit), "memory")


class Deploys:
    """A client whose newest deploy goes live after ``polls`` fresh reads."""

    def __init__(self, polls: int):
        self.polls, self.reads, self.event_windows = polls, 0, []

    def list_deploys(self, service_id, *, fresh=False):
        self.reads += 1
        status = "live" if self.reads > self.polls else "update_in_progress"
        return [Deploy(id="dep-new", status=status, created_at="2025-10-15T00:00:00Z"),
                Deploy(id="dep-old", status="live" if status != "live" else "deactivated",
                       created_at="2025-10-14T00:00:00Z")]

    def list_events(self, service_id, *, start, end):
        self.event_windows.append((start, end))
        return []


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_a_deploy_in_flight_is_polled_until_it_settles_then_events_start_at_the_live_one():
    client, clock = Deploys(polls=2), Clock()
    deploys, waited, events, error = read_deploys_and_events(client, "srv-1", True, 60, sleep=clock.sleep, clock=clock)
    assert deploys[0].status == "live" and error is None and events == []
    assert waited == 20.0 and client.reads == 3
    assert client.event_windows[0][0] == "2025-10-15T00:00:00Z"  # the deploy that went live


def test_without_a_wait_the_in_flight_deploy_is_kept_and_events_start_at_the_live_one():
    client, clock = Deploys(polls=99), Clock()
    deploys, waited, _, _ = read_deploys_and_events(client, "srv-1", True, 0, sleep=clock.sleep, clock=clock)
    assert deploys[0].status == "update_in_progress" and waited == 0 and client.reads == 1
    assert client.event_windows[0][0] == "2025-10-14T00:00:00Z"


def test_the_wait_is_bounded():
    client, clock = Deploys(polls=99), Clock()
    deploys, waited, _, _ = read_deploys_and_events(client, "srv-1", False, 25, sleep=clock.sleep, clock=clock)
    assert deploys[0].status == "update_in_progress" and waited == 25.0
