"""Steps for the round trip (P5-20, P5-21): canary jobs enqueued with the API's role, followed, removed."""

from pytest_bdd import given, then, when

from phasegate.record import evidence
from phasegate.canary.round_trip import RoundTrip
from phasegate.judges import round_trip as judge_round_trip
from phasegate.catalogue.criteria import reads


@given("the queue, reached with the API's own credentials for canary jobs", target_fixture="round_trip")
# The API's DATABASE_URL on Render names the role the canary must be.
@reads("worker:service", "worker:env", "database", "api:service", "api:env")
def queue_for_canaries(canary_run, scenario_criteria):
    """The queue, through the one session that writes: the API role's (PHASEGATE_CANARY_DATABASE_URL), opt-in
    (--active).

    Example: Given the queue, reached with the API's own credentials for canary jobs
    """
    round_trip = RoundTrip(canary_run, scenario_criteria)
    evidence.attach_json("Canary session: route and role", round_trip.identity)
    round_trip.require_usable()
    return round_trip


@when("the API enqueues a canary job", target_fixture="canary_job")
@reads()
def enqueue_canary(round_trip):
    """A canary job the worker can complete is inserted (CANARY_JOB_PAYLOAD).

    Example: When the API enqueues a canary job
    """
    return round_trip.enqueue("good")


@when("the API enqueues a poison canary job", target_fixture="canary_job")
@reads()
def enqueue_poison(round_trip):
    """A canary job the worker cannot complete is inserted (CANARY_POISON_PAYLOAD).

    Example: When the API enqueues a poison canary job
    """
    return round_trip.enqueue("poison")


def followed(round_trip, canary_job, scenario_criteria):
    """The job polled to its end (or the bound) and removed; its writes and rows attached under the criterion."""
    job = round_trip.follow(canary_job)
    cid = " ".join(scenario_criteria)
    evidence.attach_json(f"{cid} canary: statements that wrote, rows written and removed",
                         round_trip.evidence_for(job.id))
    return job


@then("the worker completes it at its first attempt within the bound")
@reads()
def completed_once(round_trip, canary_job, snapshot, scenario_criteria):
    """The worker completes the canary at its first attempt within CANARY_TIMEOUT_SECONDS; the canary is then
    removed.

    Example: Then the worker completes it at its first attempt within the bound
    """
    job = followed(round_trip, canary_job, scenario_criteria)
    judge_round_trip.completed_once(job, round_trip.done, round_trip.bound, snapshot.staging.dashboard_url)


@then("the worker gives it up after exactly its max attempts with last_error set, within the bound")
@reads()
def failed_after_max_attempts(round_trip, canary_job, snapshot, scenario_criteria):
    """The worker fails the poison canary after exactly its max attempts, last_error set, within the bound.

    Example: Then the worker gives it up after exactly its max attempts with last_error set, within the bound
    """
    job = followed(round_trip, canary_job, scenario_criteria)
    judge_round_trip.failed_after_max_attempts(job, round_trip.failed, round_trip.bound,
                                               snapshot.staging.dashboard_url)
