"""The environment policy's judge on environment snapshots read in-process from sandbox worlds (no run).

One rule, one place: each rule of the policy is the single criterion's judge, so the policy and the
criterion judge the same service the same way. The former disagreements are tested here: a boolean
ENVIRONMENT in another case, and a forbidden key in the service's own secret file.
"""

from __future__ import annotations

import pytest

from phasegate.errors import TargetError
from phasegate.judges import env, policy, service
from phasegate.judges.violation import Violation
from phasegate.profile.policy import Policy
from phasegate.render import RenderClient
from phasegate.sandbox.simulator import RenderSimulator
from phasegate.sandbox.worlds import STAGING_ID, THUMBNAIL_ID, THUMBNAIL_STAGING_ID, VIOLATES, world
from phasegate.snapshot.environment import read_environment

KEY = "rnd_CANARY_policy_judge_2c2c"
URLS = {"DATABASE_URL": "postgresql://u:pw-CANARY-x@db.invalid/phase4",
        "PRODUCTION_DATABASE_URL": "postgresql://p:pw-CANARY-y@db.invalid/p"}
THUMB, WORKER = "thumbnail-worker-staging", "upload-worker-staging"
STAGING = Policy(pattern="*-staging", environment="staging", branch="staging", suffix="-staging",
                 forbidden={"background_worker": ("JWT_SECRET",)})


def read(w: dict, rules: Policy = STAGING):
    """The environment snapshot of world ``w`` as the run reads it, and the simulator's request log."""
    with RenderSimulator(w, api_key=KEY, substitutions=URLS) as sim, \
            RenderClient(sim.base_url, KEY, max_attempts=1, sleep=lambda s: None) as client:
        snapshot = read_environment(rules, client)
        return snapshot, list(sim.requests)


def broken_lines(snapshot, name: str) -> list[str]:
    with pytest.raises(Violation) as caught:
        policy.judge_service(snapshot, name)
    return list(caught.value.details)


def single_line(judge, *args) -> str:
    with pytest.raises(Violation) as caught:
        judge(*args)
    return caught.value.line


def test_every_service_of_the_compliant_world_follows_the_policy():
    snapshot, _ = read(world("compliant"))
    assert set(snapshot.services) == {THUMB, WORKER, "upload-api-staging"}
    assert policy.judge_service(snapshot, THUMB) == [
        "branch staging", "not suspended", "ENVIRONMENT=staging", "no secret shared with thumbnail-worker",
        "no JWT_SECRET (forbidden for a background_worker)"]
    assert policy.judge_service(snapshot, "upload-api-staging")[-1] == "no key is forbidden for a web_service"


def test_own_secret_files_are_read_once_per_service_of_a_type_with_forbidden_keys():
    snapshot, requests = read(world("compliant"))
    files = sorted(r.path for r in requests if r.path.endswith("/secret-files"))
    # The two staging workers; not the API (no key is forbidden for a web_service), not a counterpart.
    assert files == sorted(f"/services/{sid}/secret-files" for sid in (STAGING_ID, THUMBNAIL_STAGING_ID))
    assert len({(r.path, r.query) for r in requests}) == len(requests)


@pytest.mark.parametrize("name", sorted(n for n, cid in VIOLATES.items() if cid == "policy" and "fleet" not in n))
def test_each_policy_world_breaks_one_rule_in_the_single_judges_words(name):
    snapshot, _ = read(world(name))
    thumb, counterpart = snapshot.services[THUMB], snapshot.counterparts[THUMB]
    lines = broken_lines(snapshot, THUMB)
    single = {
        "policy-branch": lambda: single_line(service.service_field, thumb, "branch", "staging"),
        "policy-suspended": lambda: single_line(service.not_suspended, thumb),
        "policy-environment": lambda: single_line(env.env_equals, thumb, "ENVIRONMENT", "staging"),
        "policy-shared-secret": lambda: single_line(env.no_shared_secrets, thumb, counterpart),
    }.get(name, lambda: single_line(env.key_absent, thumb, "JWT_SECRET"))
    assert lines == [single()]
    for other in (WORKER, "upload-api-staging"):
        policy.judge_service(snapshot, other)


def test_a_forbidden_key_in_the_services_own_secret_file_is_caught_as_the_criterion_catches_it():
    # Before: the policy looked only in its linked groups' secret files, and passed this service.
    snapshot, _ = read(world("policy-forbidden-key-own-secret-file"))
    lines = broken_lines(snapshot, THUMB)
    assert lines == ["JWT_SECRET present: expected absent (service, linked env groups, secret files), "
                     "actual jwt_secret.pem as service secret file"]
    # P4-27's world: the worker's own secret file JWT_SECRET fails P4-27 and, now, the worker's policy alike.
    snapshot, _ = read(world("P4-27-secret-file"))
    assert broken_lines(snapshot, WORKER) == [single_line(env.key_absent, snapshot.services[WORKER], "JWT_SECRET")]


@pytest.mark.parametrize("value, holds", [("False", True), (" false", True), ("FALSE", True), ("True", False)])
def test_a_boolean_environment_is_judged_alike_by_the_criterion_and_the_policy(value, holds):
    # Before: env_equals read "False" as false (as the worker's settings parser does); the policy did not.
    w = world("compliant")
    next(v for v in w["envVars"][THUMBNAIL_STAGING_ID] if v["key"] == "ENVIRONMENT")["value"] = value
    snapshot, _ = read(w, Policy("*-staging", "false", "staging", "-staging", {"background_worker": ("JWT_SECRET",)}))
    thumb = snapshot.services[THUMB]
    if holds:
        env.env_equals(thumb, "ENVIRONMENT", "false")
        assert "ENVIRONMENT=false" in policy.judge_service(snapshot, THUMB)
    else:
        assert broken_lines(snapshot, THUMB) == [single_line(env.env_equals, thumb, "ENVIRONMENT", "false")]


def test_every_broken_rule_is_one_line_of_the_one_violation():
    w = world("policy-forbidden-key-own-secret-file")
    thumb = next(s for s in w["services"] if s["id"] == THUMBNAIL_STAGING_ID)
    thumb.update(branch="main", suspended="suspended", suspenders=["billing"])
    production = next(v for v in w["envVars"][THUMBNAIL_ID] if v["key"] == "BUCKET_ACCESS_KEY")["value"]
    next(v for v in w["envVars"][THUMBNAIL_STAGING_ID] if v["key"] == "BUCKET_ACCESS_KEY")["value"] = production
    snapshot, _ = read(w)
    with pytest.raises(Violation) as caught:
        policy.judge_service(snapshot, THUMB)
    message = str(caught.value)
    assert caught.value.actual == "4 rule(s) broken"
    assert [line.split(":", 1)[0] for line in caught.value.details] == [
        "service branch", "service suspension", "secrets shared with production", "JWT_SECRET present"]
    assert "production counterpart thumbnail-worker" in message and production not in message
    assert caught.value.link.endswith(THUMBNAIL_STAGING_ID)


def test_an_unreadable_secret_file_list_leaves_the_rule_unjudged_but_hides_no_broken_rule():
    w = world("compliant")
    w["failingRoutes"] = ["secret-files"]
    snapshot, _ = read(w)
    with pytest.raises(TargetError, match="503 .* on GET /services/.*/secret-files"):  # broken, as P4-27 would be
        policy.judge_service(snapshot, WORKER)
    policy.judge_service(snapshot, "upload-api-staging")  # no forbidden key: its secret files are not needed
    next(s for s in w["services"] if s["id"] == THUMBNAIL_STAGING_ID)["branch"] = "main"
    snapshot, _ = read(w)
    lines = broken_lines(snapshot, THUMB)
    assert lines[0].startswith("service branch:")
    assert lines[1].startswith("not judged (no JWT_SECRET (forbidden for a background_worker)): ")
