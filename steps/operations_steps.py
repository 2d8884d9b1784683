"""Steps for the operations criteria read from Render: metrics and events (the queue reuses the database steps)."""

from pytest_bdd import given, then

from phasegate.record import charts, evidence
from phasegate.judges import operations as judge_ops
from phasegate.catalogue.criteria import reads

from steps.subject import role_service

GIB = 1024 ** 3


@given("the worker's resource usage over the last hour on Render", target_fixture="worker")
@reads("service", "metrics", role="worker")
def resource_usage(snapshot, profile, services_named):
    """The worker and its memory and CPU over the last hour, with their limits.

    Example: Given the worker's resource usage over the last hour on Render
    """
    worker = role_service(snapshot, profile, "worker")
    evidence.link_service(worker.dashboard_url, snapshot.sandbox)
    evidence.attach_json("Render metrics read (series and points)", worker.redacted().get("metrics"))
    worker.service  # noqa: B018 - an ambiguous or missing service breaks the scenario here
    return services_named.name("worker", worker)


def _judge_with_chart(worker, profile, kind, unit, scale):
    points, limit = judge_ops.usage(worker, kind)
    evidence.attach_svg(f"{kind} over the last hour against the limit",
                        charts.usage_chart(f"{worker.name}: {kind}", points, limit,
                                           profile.metrics_threshold_percent, unit, scale,
                                           quantity=("CPU" if kind == "cpu" else kind) + " used"))
    judge_ops.under_threshold(worker, kind, profile.metrics_threshold_percent, unit, scale)


@then("its memory stays under the threshold of its limit")
@reads("metrics")
def memory_under_threshold(services_named, profile):
    """The service's memory stayed under METRICS_THRESHOLD_PERCENT of its limit over the last hour.

    Example: Then its memory stays under the threshold of its limit
    """
    _judge_with_chart(services_named.it, profile, "memory", "GiB", GIB)


@then("its CPU stays under the threshold of its limit")
@reads("metrics")
def cpu_under_threshold(services_named, profile):
    """The service's CPU stayed under METRICS_THRESHOLD_PERCENT of its limit over the last hour.

    Example: Then its CPU stays under the threshold of its limit
    """
    _judge_with_chart(services_named.it, profile, "cpu", "CPU", 1.0)


@then("none of these failure events happened since the deploy that is live:")
@reads("deploys", "events")
def no_failure_events(services_named, datatable):
    """None of the Render event types in the table (each: always, or when its status is failed) happened to
    the service since its live deploy was created.

    Example: Then none of these failure events happened since the deploy that is live:
    """
    worker = services_named.it
    rules = judge_ops.failure_rules(datatable)
    evidence.attach_json("Failure-bearing Render event types (from the feature)", rules)
    recent = judge_ops.no_failures_since_live_deploy(worker, rules)
    evidence.attach_json("Render events since the deploy that is live", [
        {"id": e.id, "type": e.type, "timestamp": e.timestamp} for e in recent])
