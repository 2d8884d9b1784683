"""Sandbox worlds, written in Render's wire format.

A world is a plain, JSON-serialisable dict: services exactly as ``GET /v1/services/{id}``
returns them (camelCase keys, explicit ``null``s), env vars as ``{"key", "value"}``,
secret files as ``{"name", "content"}``, full env groups (with ``envVars``,
``secretFiles`` and ``serviceLinks``), deploys newest first, events and metrics::

    {
      "name": "compliant", "description": "...",
      "services": [...],
      "envVars": {"<service id>": [...]}, "secretFiles": {"<service id>": [...]},
      "envGroups": [...], "deploys": {"<service id>": [...]}, "events": {"<service id>": [...]},
      "metrics": {"memory": {}, "cpu": {}, "memory-limit": {}, "cpu-limit": {}},
      "database": {"variant": "compliant"},
    }

``compliant`` is the reference deployment of ``phase4-criteria.md``. Every other world
starts from a deep copy of it and breaks exactly one criterion (:data:`VIOLATES` names
it), or is a compliant variant that a careless client would misjudge (``compliant-*``).

Secret values are distinctive canaries containing ``CANARY`` so that tests can grep any
output for leaks. Exceptions, on purpose: plain settings (``ENVIRONMENT``, ``DEBUG`` …),
``SUPABASE_URL`` (its value is specified by the criteria's reference deployment) and
``{{PLACEHOLDER}}`` values that the simulator substitutes at runtime (``DATABASE_URL``).
"""

from __future__ import annotations

import datetime as _dt

import copy
import json
import re
from typing import Callable

from . import keys

STAGING_NAME = "upload-worker-staging"
STAGING_ID = "srv-d37dlmvfte5s73b6uq0g"
PRODUCTION_NAME = "upload-worker"
PRODUCTION_ID = "srv-d2q8kf3ipnbs73a0h1lg"
STAGING_OLD_ID = "srv-d1v5rj8dl3ps73ck9e2g"
API_STAGING_ID = "srv-d38b1m2li9vc73f0a7q0"
API_STAGING_NAME = "upload-api-staging"  # phase5-criteria.md: the API that hands the worker jobs
DUPLICATE_STAGING_ID = "srv-d3a4hq9r433s73drn6kg"
RENAMED_STAGING_ID = "srv-d3b7mcnfte5s73c2k9p0"
OWNER_ID = "tea-d1k2q6bipnbc73cv0g6g"
STAGING_ENV_GROUP_ID = "evg-d37e2ibipnbs73a1q7u0"
PRODUCTION_ENV_GROUP_ID = "evg-d2q9a0ruibrs73dr5b8g"
UNLINKED_ENV_GROUP_ID = "evg-d2k1f8p5pdvs73f4nq3g"

CANARY = "CANARY"
PLACEHOLDER_DATABASE_URL = "{{DATABASE_URL}}"
PLACEHOLDER_PRODUCTION_DATABASE_URL = "{{PRODUCTION_DATABASE_URL}}"
PLACEHOLDER_API_DATABASE_URL = "{{API_DATABASE_URL}}"
# The Supabase keys each service holds (sandbox/keys.py: a world may replace them).
PLACEHOLDER_WORKER_SUPABASE_KEY = "{{WORKER_SUPABASE_KEY}}"
PLACEHOLDER_API_SUPABASE_KEY = "{{API_SUPABASE_KEY}}"  # the same database as the worker's, as the API's own role

# Keys whose values are configuration, not secrets (mirrors the suite's allowlist).
PLAIN_KEYS = frozenset(
    {
        "ENVIRONMENT", "SENTRY_ENVIRONMENT", "DEBUG", "LOG_LEVEL", "NODE_ENV", "PYTHON_VERSION", "PORT", "TZ",
        "WORKER_CONCURRENCY", "WORKER_MAX_RETRIES", "WORKER_POLL_INTERVAL_SECONDS",
    }
)


# --------------------------------------------------------------------------- builders


def _worker(
    *,
    service_id: str,
    name: str,
    slug: str,
    branch: str,
    created: str,
    updated: str,
    environment_id: str | None,
    docker_command: str = "python backend/workers/enhanced_runner.py",
) -> dict:
    return {
        "autoDeploy": "yes",
        "autoDeployTrigger": "commit",
        "branch": branch,
        "buildFilter": {"paths": ["backend/**"], "ignoredPaths": ["docs/**"]},
        "createdAt": created,
        "dashboardUrl": f"https://dashboard.render.com/worker/{service_id}",
        "environmentId": environment_id,
        "id": service_id,
        "imagePath": None,
        "name": name,
        "notifyOnFail": "default",
        "ownerId": OWNER_ID,
        "repo": "https://github.com/acme-docs/upload-pipeline",
        "rootDir": "",
        "serviceDetails": {
            "buildPlan": "starter",
            "env": "docker",
            "envSpecificDetails": {
                "dockerCommand": docker_command,
                "dockerContext": ".",
                "dockerfilePath": "./backend/workers/Dockerfile",
            },
            "maxShutdownDelaySeconds": 30,
            "numInstances": 1,
            "plan": "starter",
            "previews": {"generation": "off"},
            "pullRequestPreviewsEnabled": "no",
            "region": "oregon",
            "runtime": "docker",
            "sshAddress": f"{service_id}@ssh.oregon.render.com",
        },
        "slug": slug,
        "suspended": "not_suspended",
        "suspenders": [],
        "type": "background_worker",
        "updatedAt": updated,
    }


def _api_staging() -> dict:
    sid = API_STAGING_ID
    return {
        "autoDeploy": "yes",
        "autoDeployTrigger": "commit",
        "branch": "staging",
        "createdAt": "2025-09-18T09:12:44.501233Z",
        "dashboardUrl": f"https://dashboard.render.com/web/{sid}",
        "id": sid,
        "name": API_STAGING_NAME,
        "notifyOnFail": "default",
        "ownerId": OWNER_ID,
        "repo": "https://github.com/acme-docs/upload-pipeline",
        "rootDir": "backend/api",
        "serviceDetails": {
            "buildPlan": "starter",
            "env": "python",
            "envSpecificDetails": {
                "buildCommand": "pip install -r requirements.txt",
                "startCommand": "uvicorn app.main:app --host 0.0.0.0 --port $PORT",
            },
            "healthCheckPath": "/healthz",
            "numInstances": 1,
            "openPorts": None,
            "parentServer": None,
            "plan": "starter",
            "previews": {"generation": "off"},
            "pullRequestPreviewsEnabled": "no",
            "region": "oregon",
            "runtime": "python",
            "sshAddress": f"{sid}@ssh.oregon.render.com",
            "url": "https://api-staging-x1c3.onrender.com",
        },
        "slug": "api-staging-x1c3",
        "suspended": "not_suspended",
        "suspenders": [],
        "type": "web_service",
        "updatedAt": "2025-10-02T14:30:10.118842Z",
    }


def _staging_env() -> list[dict]:
    return [
        {"key": "ENVIRONMENT", "value": "staging"},
        {"key": "DEBUG", "value": "false"},
        {"key": "LOG_LEVEL", "value": "INFO"},
        {"key": "PYTHON_VERSION", "value": "3.11.9"},
        {"key": "TZ", "value": "UTC"},
        {"key": "DATABASE_URL", "value": PLACEHOLDER_DATABASE_URL},
        {"key": "SUPABASE_URL", "value": "https://stagingCANARYref.supabase.co"},
        {"key": "SUPABASE_SERVICE_ROLE_KEY", "value": PLACEHOLDER_WORKER_SUPABASE_KEY},
        {"key": "SUPABASE_STORAGE_BUCKET", "value": keys.STAGING_BUCKET},
        {"key": "WORKER_CONCURRENCY", "value": "4"},
        {"key": "WORKER_MAX_RETRIES", "value": "3"},
        {"key": "WORKER_POLL_INTERVAL_SECONDS", "value": "5"},
        {"key": "OPENAI_API_KEY", "value": "sk-staging-CANARY-openai-7d1e"},
        {"key": "LLAMAPARSE_API_KEY", "value": "llx-staging-CANARY-llamaparse-52c0"},
        {"key": "REDIS_URL", "value": "rediss://default:staging-CANARY-redis-91ab@redis-staging.internal:6379"},
        {"key": "UPLOAD_MAX_BYTES", "value": "staging-CANARY-52428800"},
        {"key": "OTEL_SERVICE_NAME", "value": "upload-worker-staging-CANARY-otel"},
        {"key": "SENTRY_ENVIRONMENT", "value": "staging"},
    ]


def _production_env() -> list[dict]:
    return [
        {"key": "ENVIRONMENT", "value": "production"},
        {"key": "DEBUG", "value": "false"},
        {"key": "LOG_LEVEL", "value": "WARNING"},
        {"key": "PYTHON_VERSION", "value": "3.11.8"},
        {"key": "TZ", "value": "Etc/UTC"},
        {"key": "DATABASE_URL", "value": PLACEHOLDER_PRODUCTION_DATABASE_URL},
        {"key": "SUPABASE_URL", "value": "https://prodCANARYref.supabase.co"},
        {"key": "SUPABASE_SERVICE_ROLE_KEY", "value": keys.PRODUCTION_SERVICE_ROLE_KEY},
        {"key": "SUPABASE_STORAGE_BUCKET", "value": "uploads-production-CANARY-d2"},
        {"key": "WORKER_CONCURRENCY", "value": "8"},
        {"key": "WORKER_MAX_RETRIES", "value": "5"},
        {"key": "WORKER_POLL_INTERVAL_SECONDS", "value": "2"},
        {"key": "OPENAI_API_KEY", "value": "sk-production-CANARY-openai-a83b"},
        {"key": "LLAMAPARSE_API_KEY", "value": "llx-production-CANARY-llamaparse-0e77"},
        {"key": "REDIS_URL", "value": "rediss://default:production-CANARY-redis-4d2f@redis-prod.internal:6379"},
        {"key": "UPLOAD_MAX_BYTES", "value": "production-CANARY-104857600"},
        {"key": "OTEL_SERVICE_NAME", "value": "upload-worker-production-CANARY-otel"},
        {"key": "SENTRY_ENVIRONMENT", "value": "production"},
    ]


def _env_group(group_id: str, name: str, links: list[dict], env_vars: list[dict],
               created: str, updated: str, environment_id: str | None,
               secret_files: list[dict] | None = None) -> dict:
    return {
        "id": group_id,
        "name": name,
        "ownerId": OWNER_ID,
        "createdAt": created,
        "updatedAt": updated,
        "serviceLinks": links,
        "environmentId": environment_id,
        "envVars": env_vars,
        "secretFiles": secret_files or [],
    }


def _link(service_id: str, name: str, kind: str = "worker") -> dict:
    """An env group's service link; ``type`` is Render's ServiceTypeShort (worker, web, pserv, cron, static)."""
    return {"id": service_id, "name": name, "type": kind}


def _deploy(deploy_id: str, status: str, trigger: str, created: str, finished: str | None,
            commit: dict | None) -> dict:
    return {
        "id": deploy_id,
        "commit": commit,
        "status": status,
        "trigger": trigger,
        "createdAt": created,
        "updatedAt": finished or created,
        "finishedAt": finished,
    }


def _commit(sha: str, message: str, created: str) -> dict:
    return {"id": sha, "message": message, "createdAt": created}


def _staging_deploys() -> list[dict]:
    return [
        _deploy(
            "dep-d3c1q2r3ipnbs73b0lk4g", "live", "new_commit",
            "2025-10-14T08:02:11.441207Z", "2025-10-14T08:06:45.120399Z",
            _commit("9f1c2e7b4a3d5e6f708192a3b4c5d6e7f8091a2b",
                    "worker: use enhanced_runner as the Docker command", "2025-10-14T08:01:58Z"),
        ),
        _deploy(
            "dep-d3b8m0vfte5s73a6c2ng", "deactivated", "manual",
            "2025-10-10T16:40:02.901553Z", "2025-10-10T16:44:31.774210Z",
            None,
        ),
        _deploy(
            "dep-d3a2k5bipnbs73ccq5t0", "deactivated", "api",
            "2025-10-07T11:15:37.003118Z", None,
            _commit("4b7e1d0c9a8f7e6d5c4b3a29180f7e6d5c4b3a21",
                    "worker: point Dockerfile path at backend/workers", "2025-10-07T11:14:50Z"),
        ),
    ]


def _production_deploys() -> list[dict]:
    return [
        _deploy(
            "dep-d3c0fnu3ipnbs73f8e1pg", "live", "new_commit",
            "2025-10-13T19:20:44.310091Z", "2025-10-13T19:25:02.555870Z",
            _commit("1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d",
                    "release 2025.10.13", "2025-10-13T19:20:31Z"),
        ),
    ]


def _staging_events() -> list[dict]:
    live = "dep-d3c1q2r3ipnbs73b0lk4g"
    return [
        {
            "id": "evt-d3c1qhb3ipnbs73b0m2a0",
            "serviceId": STAGING_ID,
            "timestamp": "2025-10-14T08:06:45.120399Z",
            "type": "deploy_ended",
            "details": {"deployId": live, "deployStatus": "succeeded", "status": 2, "reason": {}},
        },
        {
            "id": "evt-d3c1qa33ipnbs73b0lv9g",
            "serviceId": STAGING_ID,
            "timestamp": "2025-10-14T08:04:12.870114Z",
            "type": "build_ended",
            "details": {"buildId": "bld-d3c1q2r3ipnbs73b0lk50", "buildStatus": "succeeded", "status": 2, "reason": {}},
        },
        {
            "id": "evt-d3c1q2r3ipnbs73b0lk6g",
            "serviceId": STAGING_ID,
            "timestamp": "2025-10-14T08:02:11.441207Z",
            "type": "deploy_started",
            "details": {
                "deployId": live,
                "trigger": {"newCommit": "9f1c2e7b4a3d5e6f708192a3b4c5d6e7f8091a2b", "manual": False,
                            "firstBuild": False, "envUpdated": False, "deployedByRender": False,
                            "clearCache": False, "rollback": False},
            },
        },
    ]


MEMORY_LIMIT_BYTES = 512 * 1024 * 1024  # Starter plan: 512 MB
CPU_LIMIT = 0.5  # Starter plan: 0.5 CPU


def _iso(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _points(level: float, peak: float | None = None, vary: bool = True) -> list[dict]:
    """One point a minute over the last hour, gently varying around ``level``; ``peak`` once."""
    now = _dt.datetime.now(_dt.timezone.utc).replace(second=0, microsecond=0)
    points = []
    for minute in range(60, 0, -1):
        value = level * (1 + 0.08 * ((minute * 7) % 5 - 2) / 2) if vary else level
        if peak is not None and minute == 17:
            value = peak
        points.append({"timestamp": _iso(now - _dt.timedelta(minutes=minute)), "value": round(value, 4)})
    return points


def _metrics(memory_peak: float | None = None, cpu_peak: float | None = None) -> dict:
    """Render metrics in wire form for the staging service: usage and the plan's limits."""
    return {
        "memory": {STAGING_ID: _points(0.38 * MEMORY_LIMIT_BYTES,
                                       None if memory_peak is None else memory_peak * MEMORY_LIMIT_BYTES)},
        "cpu": {STAGING_ID: _points(0.12 * CPU_LIMIT, None if cpu_peak is None else cpu_peak * CPU_LIMIT)},
        "memory-limit": {STAGING_ID: _points(MEMORY_LIMIT_BYTES, vary=False)},
        "cpu-limit": {STAGING_ID: _points(CPU_LIMIT, vary=False)},
    }


def _log_line(index: int, minutes_ago: float, message: str, level: str) -> dict:
    """One line of ``GET /logs`` as Render's ``Log`` carries it."""
    moment = _dt.datetime.now(_dt.timezone.utc) - _dt.timedelta(minutes=minutes_ago)
    return {"id": f"log-{index:06d}-{STAGING_ID[-6:]}", "message": message,
            "timestamp": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "labels": [{"name": "resource", "value": STAGING_ID}, {"name": "instance", "value": "srv-inst-a1"},
                       {"name": "type", "value": "app"}, {"name": "level", "value": level}]}


def _worker_logs(structured: bool = True, error_at: float | None = None) -> list[dict]:
    """The worker's last hour: 60 JSON lines with a level, one plain banner line among them (98 % structured);
    ``structured=False``: every other line plain text; ``error_at``: an error line that many minutes ago."""
    lines = [_log_line(0, 50.5, "Starting enhanced base worker (poll every 5 s)", "info")]
    for n in range(1, 60):
        body = {"level": "info", "event": "job.polled", "queue": "upload_jobs", "claimed": n % 3}
        text = json.dumps(body) if structured or n % 2 else (
            f"INFO polled upload_jobs, claimed {n % 3} via postgresql://w:pw-CANARY-log-{n:02d}@db.local/phase4")
        lines.append(_log_line(n, 50 - n * 0.8, text, "info"))
    if error_at is not None:
        lines.append(_log_line(99, error_at, json.dumps({"level": "error", "event": "job.failed",
                                                         "error": "OCR timeout after 30 s",
                                                         "token": "sk-ocrTOKENCANARY0123456789abcdef"}), "error"))
    return lines


def _notification_settings(email: bool = True, slack: bool = False, sends: str = "failure") -> dict:
    """The owner's notification settings (Render's ``NotificationSetting``)."""
    return {OWNER_ID: {"ownerId": OWNER_ID, "slackEnabled": slack, "emailEnabled": email,
                       "previewNotificationsEnabled": False, "notificationsToSend": sends}}


def _failure_event(timestamp: str, event_id: str) -> dict:
    return {
        "id": event_id,
        "serviceId": STAGING_ID,
        "timestamp": timestamp,
        "type": "server_failed",
        "details": {"reason": {"evicted": False, "oomKilled": {"memoryLimit": "512Mi"}}, "instanceId": "srv-d37dlmvfte5s73b6uq0g-7c9f"},
    }


def _p4_62(world: dict) -> None:
    recent = _iso(_dt.datetime.now(_dt.timezone.utc) - _dt.timedelta(minutes=12))
    world["events"][STAGING_ID].insert(0, _failure_event(recent, "evt-d3f0oomrecent0000000"))


def _old_failure(world: dict) -> None:
    # Before the latest deploy (2025-10-14T08:02Z): fixed by that deploy, must not fail the run.
    world["events"][STAGING_ID].append(_failure_event("2025-10-12T03:14:15Z", "evt-d3b0oldfailure000000"))



# --------------------------------------------------------------------------- environment-wide policy

THUMBNAIL_STAGING_ID = "srv-d39c4t2li9vc73f1b8r0"
THUMBNAIL_ID = "srv-d2r0e6bipnbs73a2k3m0"


def _fleet_member(index: int, name: str, service_id: str, branch: str, environment: str) -> tuple[dict, list[dict]]:
    """Another background worker of the environment, with its own env vars."""
    service = _worker(service_id=service_id, name=name, slug=f"{name}-{index:04d}", branch=branch,
                      created="2025-09-20T10:00:00.000000Z", updated="2025-10-10T10:00:00.000000Z",
                      environment_id=None, docker_command=f"python workers/{name}.py")
    env = [
        {"key": "ENVIRONMENT", "value": environment},
        {"key": "LOG_LEVEL", "value": "INFO"},
        {"key": "BUCKET_ACCESS_KEY", "value": f"{environment}-CANARY-bucket-{index:04d}"},
    ]
    return service, env


def _add_pair(world: dict, index: int, name: str, staging_id: str, production_id: str) -> None:
    for sid, svc_name, branch, environment in ((staging_id, f"{name}-staging", "staging", "staging"),
                                               (production_id, name, "main", "production")):
        service, env = _fleet_member(index, svc_name, sid, branch, environment)
        world["services"].append(service)
        world["envVars"][sid] = env


def _fleet(world: dict, count: int) -> None:
    """``count`` more staging workers, each with a production counterpart (a large environment)."""
    for i in range(count):
        _add_pair(world, 100 + i, f"batch-worker-{i:03d}", f"srv-fleetstg{i:04d}", f"srv-fleetprd{i:04d}")


def _thumbnail(world: dict) -> dict:
    return next(s for s in world["services"] if s["id"] == THUMBNAIL_STAGING_ID)


def _policy_shared_secret(world: dict) -> None:
    shared = _get_env(world, THUMBNAIL_ID, "BUCKET_ACCESS_KEY")
    _set_env(world, THUMBNAIL_STAGING_ID, "BUCKET_ACCESS_KEY", shared)



def _reference() -> dict:
    return {
        "name": "compliant",
        "description": "the reference deployment of phase4-criteria.md: every Render criterion holds",
        "services": _reference_services(),
        "envVars": _reference_env_vars(),
        "secretFiles": _reference_secret_files(),
        "envGroups": _reference_env_groups(),
        "deploys": _reference_deploys(),
        "events": {STAGING_ID: _staging_events()},
        "metrics": _metrics(),
        "logs": {STAGING_ID: _worker_logs()},
        "notificationSettings": _notification_settings(),
        "database": {"variant": "compliant"},
        "endpoints": _endpoints(),
    }


API_HOST = "api-staging-x1c3.onrender.com"  # the API's serviceDetails.url, as Render reports it
ENDPOINT_CANARY = "endpoint-body-CANARY-token-5f1e9a7c"  # in every response body: never written anywhere whole


def _endpoints() -> dict:
    """What the services answer on their public addresses (phasegate.sandbox.endpoints serves it over TLS)."""
    hosts = [API_HOST, "staging.uploads.example.com", "upload-web-staging.onrender.com"]
    return {"hosts": hosts, "paths": {"/healthz": 200, "/": 200}, "cors": ["https://staging.uploads.example.com"],
            "certificate": {"days": 90, "names": hosts}, "reachable": True, "secret": ENDPOINT_CANARY}


def _reference_services() -> list[dict]:
    """The reference's services: production, an old suspended staging, the API's staging, the worker's staging."""
    staging = _worker(
        service_id=STAGING_ID, name=STAGING_NAME, slug="upload-worker-staging-k3vq",
        branch="staging", created="2025-09-16T10:21:42.902118Z",
        updated="2025-10-14T08:06:45.201337Z", environment_id="evm-d37dkqvfte5s73b6u2tg",
    )
    production = _worker(
        service_id=PRODUCTION_ID, name=PRODUCTION_NAME, slug="upload-worker-7h2m",
        branch="main", created="2025-08-28T13:05:19.118402Z",
        updated="2025-10-13T19:25:02.600113Z", environment_id="evm-d2q8jt3ipnbs73a0gkq0",
    )
    staging_old = _worker(
        service_id=STAGING_OLD_ID, name="upload-worker-staging-old", slug="upload-worker-staging-old-q8w1",
        branch="deployment/cloud-infrastructure", created="2025-09-02T08:44:10.557302Z",
        updated="2025-09-16T09:58:31.009115Z", environment_id=None,
        docker_command="python backend/workers/runner.py",
    )
    staging_old["suspended"] = "suspended"
    staging_old["suspenders"] = ["user"]
    staging_old["serviceDetails"]["envSpecificDetails"]["dockerfilePath"] = "./Dockerfile"
    # The staging service is deliberately not first, and a service whose name
    # *contains* the staging name sits before it, so exact-name matching matters.
    return [production, staging_old, _api_staging(), staging]


def _reference_env_vars() -> dict:
    return {
        STAGING_ID: _staging_env(),
        PRODUCTION_ID: _production_env(),
        STAGING_OLD_ID: [
            {"key": "ENVIRONMENT", "value": "staging"},
            {"key": "JWT_SECRET", "value": "old-staging-CANARY-jwt-0a0a"},
            {"key": "OPENAI_API_KEY", "value": "sk-production-CANARY-openai-a83b"},
        ],
        API_STAGING_ID: [
            {"key": "ENVIRONMENT", "value": "staging"},
            {"key": "JWT_SECRET", "value": "api-staging-CANARY-jwt-5c5c"},
            # The same database as the worker's, with the API's own role (Phase 5: the API enqueues,
            # the worker claims).
            {"key": "DATABASE_URL", "value": PLACEHOLDER_API_DATABASE_URL},
            {"key": "SUPABASE_KEY", "value": PLACEHOLDER_API_SUPABASE_KEY},
            {"key": "SENTRY_ENVIRONMENT", "value": "staging"},
        ],
    }


def _reference_secret_files() -> dict:
    return {
        STAGING_ID: [
            {"name": "gcp-credentials.json",
             "content": '{"type": "service_account", "private_key": "staging-CANARY-gcp-key-66d2"}'},
        ],
        STAGING_OLD_ID: [{"name": "JWT_SECRET", "content": "old-staging-CANARY-jwt-file-1b1b"}],
    }


def _reference_env_groups() -> list[dict]:
    """Production's group, staging's (linked to the worker and the API), and one linked to nothing."""
    return [
        _env_group(
            PRODUCTION_ENV_GROUP_ID, "upload-worker-shared",
            [_link(PRODUCTION_ID, PRODUCTION_NAME)],
            [
                {"key": "JWT_SECRET", "value": "production-CANARY-jwt-secret-e5f0"},
                {"key": "SENTRY_DSN", "value": "https://production-CANARY-sentry-41aa@o1.ingest.sentry.io/2"},
            ],
            "2025-08-28T13:10:02.338110Z", "2025-10-01T07:45:51.009923Z", None,
        ),
        _env_group(
            STAGING_ENV_GROUP_ID, "upload-worker-staging-shared",
            [_link(STAGING_ID, STAGING_NAME), _link(API_STAGING_ID, API_STAGING_NAME, "web")],
            [
                {"key": "SENTRY_DSN", "value": "https://staging-CANARY-sentry-92bd@o1.ingest.sentry.io/3"},
                {"key": "FEATURE_OCR_FALLBACK", "value": "staging-CANARY-ocr-on"},
            ],
            "2025-09-16T10:30:27.774650Z", "2025-10-09T12:03:18.441290Z", "evm-d37dkqvfte5s73b6u2tg",
        ),
        _env_group(
            UNLINKED_ENV_GROUP_ID, "legacy-secrets",
            [],
            [{"key": "JWT_SECRET", "value": "legacy-CANARY-jwt-secret-77c3"}],
            "2025-06-11T15:00:00.000000Z", "2025-06-11T15:00:00.000000Z", None,
            secret_files=[{"name": "jwt_secret", "content": "legacy-CANARY-jwt-file-9d9d"}],
        ),
    ]


def _reference_deploys() -> dict:
    return {
        STAGING_ID: _staging_deploys(),
        PRODUCTION_ID: _production_deploys(),
        API_STAGING_ID: [_deploy(
            "dep-d3c2a7n3ipnbs73c5r1g", "live", "new_commit", "2025-10-02T14:25:41.301928Z",
            "2025-10-02T14:30:10.118842Z",
            _commit("7a1e3c9d2b4f6a8c0e1d3f5a7b9c1d3e5f7a9b1c", "api: enqueue uploads into upload_jobs",
                    "2025-10-02T14:25:02Z"))],
    }


# --------------------------------------------------------------------------- helpers


def _staging(world: dict) -> dict:
    return next(s for s in world["services"] if s["id"] == STAGING_ID)


def _set_env(world: dict, service_id: str, key: str, value: str) -> None:
    env = world["envVars"][service_id]
    for item in env:
        if item["key"] == key:
            item["value"] = value
            return
    env.append({"key": key, "value": value})


def _get_env(world: dict, service_id: str, key: str) -> str:
    return next(i["value"] for i in world["envVars"][service_id] if i["key"] == key)


def _drop_env(world: dict, service_id: str, key: str) -> None:
    world["envVars"][service_id] = [i for i in world["envVars"][service_id] if i["key"] != key]


def _filler(count: int) -> list[dict]:
    return [{"key": f"FEATURE_FLAG_{n:03d}", "value": f"ff-{n:03d}-CANARY"} for n in range(1, count + 1)]


def _derive(name: str, description: str, change: Callable[[dict], None]) -> Callable[[], dict]:
    def build() -> dict:
        world = _compliant()
        change(world)
        world["name"] = name
        world["description"] = description
        return world

    build.__name__ = f"world_{name.replace('-', '_')}"
    return build


# --------------------------------------------------------------------------- violations


def _p4_01(world: dict) -> None:
    twin = copy.deepcopy(_staging(world))
    twin["id"] = DUPLICATE_STAGING_ID
    twin["dashboardUrl"] = f"https://dashboard.render.com/worker/{DUPLICATE_STAGING_ID}"
    twin["slug"] = "upload-worker-staging-p2zd"
    twin["createdAt"] = "2025-10-12T17:03:09.004411Z"
    twin["serviceDetails"]["sshAddress"] = f"{DUPLICATE_STAGING_ID}@ssh.oregon.render.com"
    world["services"].insert(1, twin)


def _p4_01_missing(world: dict) -> None:
    world["services"] = [s for s in world["services"] if s["id"] != STAGING_ID]
    for table in ("envVars", "secretFiles", "deploys", "events"):
        world[table].pop(STAGING_ID, None)
    for group in world["envGroups"]:
        group["serviceLinks"] = [link for link in group["serviceLinks"] if link["id"] != STAGING_ID]


def _p4_02(world: dict) -> None:
    renamed = json.loads(json.dumps(world).replace(STAGING_ID, RENAMED_STAGING_ID))
    world.clear()
    world.update(renamed)


def _p4_03(world: dict) -> None:
    s = _staging(world)
    s["type"] = "web_service"
    s["dashboardUrl"] = f"https://dashboard.render.com/web/{STAGING_ID}"


def _p4_04(world: dict) -> None:
    details = _staging(world)["serviceDetails"]
    details["runtime"] = "node"
    details["env"] = "node"


def _p4_05(world: dict) -> None:
    details = _staging(world)["serviceDetails"]
    details["region"] = "frankfurt"
    details["sshAddress"] = f"{STAGING_ID}@ssh.frankfurt.render.com"


def _p4_06(world: dict) -> None:
    _staging(world)["serviceDetails"]["plan"] = "standard"


def _p4_07(world: dict) -> None:
    s = _staging(world)
    s["suspended"] = "suspended"
    s["suspenders"] = ["user"]


def _p4_08(world: dict) -> None:
    world["deploys"][STAGING_ID].insert(
        0,
        _deploy(
            "dep-d3c4vb3ipnbs73b1tq2g", "build_failed", "new_commit",
            "2025-10-15T09:30:00.118320Z", "2025-10-15T09:31:47.662019Z",
            _commit("c0ffee0b4a3d5e6f708192a3b4c5d6e7f8091a2b",
                    "worker: bump dependencies", "2025-10-15T09:29:41Z"),
        ),
    )


def _p4_09(world: dict) -> None:
    _staging(world)["serviceDetails"]["envSpecificDetails"]["dockerfilePath"] = "./Dockerfile"


def _dockerfile_without_prefix(world: dict) -> None:
    _staging(world)["serviceDetails"]["envSpecificDetails"]["dockerfilePath"] = "backend/workers/Dockerfile"


def _p4_10(world: dict) -> None:
    _staging(world)["serviceDetails"]["envSpecificDetails"]["dockerCommand"] = "python backend/workers/runner.py"


def _p4_11(world: dict) -> None:
    _staging(world)["branch"] = "deployment/cloud-infrastructure"


def _p4_12(world: dict) -> None:
    s = _staging(world)
    s["autoDeploy"] = "no"
    s["autoDeployTrigger"] = "off"


def _auto_deploy_trigger(world: dict) -> None:
    _staging(world)["autoDeployTrigger"] = "checksPass"


def _p4_27_env_group(world: dict) -> None:
    group = next(g for g in world["envGroups"] if g["id"] == STAGING_ENV_GROUP_ID)
    group["envVars"].append({"key": "JWT_SECRET", "value": "staging-CANARY-group-jwt-secret-3d21"})


def _p4_27_secret_file(world: dict) -> None:
    world["secretFiles"][STAGING_ID].append({"name": "JWT_SECRET", "content": "staging-CANARY-jwt-file-8e4c"})


def _p4_27_third_page(world: dict) -> None:
    env = world["envVars"][STAGING_ID] + _filler(250)
    env.insert(230, {"key": "JWT_SECRET", "value": "staging-CANARY-jwt-secret-page3-6f0b"})
    world["envVars"][STAGING_ID] = env


def _many_env_vars(world: dict) -> None:
    regular = {item["key"]: item for item in world["envVars"][STAGING_ID]}
    fillers = _filler(250)
    # Page 1 (limit 100): ENVIRONMENT, DEBUG; page 2: LOG_LEVEL, SUPABASE_*; page 3: the rest.
    placed = {
        0: ["ENVIRONMENT", "DEBUG", "PYTHON_VERSION"],
        120: ["LOG_LEVEL", "SUPABASE_URL", "SUPABASE_SERVICE_ROLE_KEY", "TZ"],
    }
    env: list[dict] = []
    for n, filler in enumerate(fillers):
        for key in placed.get(n, []):
            env.append(regular.pop(key))
        env.append(filler)
    env[210:210] = list(regular.values())  # DATABASE_URL, WORKER_*, API keys … on page 3
    world["envVars"][STAGING_ID] = env


def _p4_28(world: dict) -> None:
    _set_env(world, STAGING_ID, "OPENAI_API_KEY", _get_env(world, PRODUCTION_ID, "OPENAI_API_KEY"))


def _p4_29(world: dict) -> None:
    _set_env(world, STAGING_ID, "SUPABASE_URL", _get_env(world, PRODUCTION_ID, "SUPABASE_URL"))


def _staging_group(world: dict) -> dict:
    return next(g for g in world["envGroups"] if g["id"] == STAGING_ENV_GROUP_ID)


def _p4_27_group_secret_file(world: dict) -> None:
    _staging_group(world)["secretFiles"].append({"name": "jwt_secret.pem", "content": "staging-CANARY-grp-jwt-7a7a"})


COMMON_ENV_GROUP_ID = "evg-d3c5k0bipnbs73common0"


def _p4_28_shared_group(world: dict) -> None:
    # One group linked to both the staging and the production worker hands both the same secret.
    world["envGroups"].append(_env_group(
        COMMON_ENV_GROUP_ID, "upload-worker-common",
        [_link(STAGING_ID, STAGING_NAME), _link(PRODUCTION_ID, PRODUCTION_NAME)],
        [{"key": "STORAGE_SIGNING_KEY", "value": "shared-CANARY-signing-key-0c0c"}],
        "2025-10-01T09:00:00.000000Z", "2025-10-01T09:00:00.000000Z", None))


def _required_keys_in_group(world: dict) -> None:
    # Render's precedence: a linked group's variable counts unless the service sets the key itself.
    for key in ("ENVIRONMENT", "SUPABASE_SERVICE_ROLE_KEY", "WORKER_POLL_INTERVAL_SECONDS", "OPENAI_API_KEY"):
        _staging_group(world)["envVars"].append({"key": key, "value": _get_env(world, STAGING_ID, key)})
        _drop_env(world, STAGING_ID, key)


def _database_url_in_group(world: dict) -> None:
    _staging_group(world)["envVars"].append({"key": "DATABASE_URL", "value": PLACEHOLDER_DATABASE_URL})
    _drop_env(world, STAGING_ID, "DATABASE_URL")


def _failure_hours_ago(world: dict) -> None:
    # After the live deploy, but outside Render's default one-hour event window.
    then = _iso(_dt.datetime.now(_dt.timezone.utc) - _dt.timedelta(hours=3))
    world["events"][STAGING_ID].insert(0, _failure_event(then, "evt-d3f0oom3hoursago0000"))


def _newest_deploy(world: dict, status: str) -> None:
    now = _iso(_dt.datetime.now(_dt.timezone.utc) - _dt.timedelta(minutes=2))
    world["deploys"][STAGING_ID].insert(0, _deploy("dep-d3f1inflight000000000", status, "new_commit", now, None,
                                                   _commit("c0ffee" * 6 + "c0ff", "worker: tune retries", now)))


def _failed_deploy_after_live(world: dict) -> None:
    # The newest deploy failed (P4-08); the live one is older, and the failure is an event after it.
    _p4_08(world)
    failed = world["deploys"][STAGING_ID][0]
    world["events"][STAGING_ID].insert(0, {
        "id": "evt-d3f2buildfailed000000", "serviceId": STAGING_ID, "timestamp": failed["finishedAt"],
        "type": "build_ended",
        "details": {"buildId": "bld-d3f2buildfailed00000", "buildStatus": "failed", "status": 3,
                    "reason": {"buildFailed": {"id": "bld-d3f2buildfailed00000"}}}})


REDEPLOYED_COMMIT = "2c5d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9"


def _redeployed(world: dict) -> None:
    # A later commit went live on the worker; the deploy that was live before is deactivated. Still compliant.
    deploys = world["deploys"][STAGING_ID]
    deploys[0]["status"] = "deactivated"
    deploys.insert(0, _deploy("dep-d3c5r3d3ipnbs73redep0", "live", "new_commit", "2025-10-15T09:12:03.118220Z",
                              "2025-10-15T09:16:40.502913Z",
                              _commit(REDEPLOYED_COMMIT, "worker: batch thumbnails", "2025-10-15T09:11:47Z")))


def _memory_series(world: dict, unit: str, factor: float, peak: float | None = None) -> None:
    usage = _points(0.38 * MEMORY_LIMIT_BYTES / factor,
                    None if peak is None else peak * MEMORY_LIMIT_BYTES / factor)
    world["metrics"]["memory"][STAGING_ID] = [
        {"labels": [{"field": "resource", "value": STAGING_ID}], "unit": unit, "values": usage}]


def _unknown_event_type(world: dict) -> None:
    recent = _iso(_dt.datetime.now(_dt.timezone.utc) - _dt.timedelta(minutes=30))
    world["events"][STAGING_ID].insert(0, {"id": "evt-d3f3unknowntype000000", "serviceId": STAGING_ID,
                                           "timestamp": recent, "type": "instance_quarantined", "details": {}})


THUMBNAIL_ENV_GROUP_ID = "evg-d3c6m1bipnbs73thumb00"


def _thumbnail_group(world: dict, env_vars: list[dict], secret_files: list[dict]) -> None:
    world["envGroups"].append(_env_group(
        THUMBNAIL_ENV_GROUP_ID, "thumbnail-worker-staging-shared", [_link(THUMBNAIL_STAGING_ID, "thumbnail-worker-staging")],
        env_vars, "2025-10-02T11:00:00.000000Z", "2025-10-02T11:00:00.000000Z", None, secret_files=secret_files))


# --------------------------------------------------------------------------- registry

_SPECS: list[tuple[str, str | None, str, Callable[[dict], None] | None]] = [
    ("compliant", None, "", None),
    ("P4-01", "P4-01",
     "two services are named exactly upload-worker-staging; the service is ambiguous, so the "
     "other service criteria cannot be judged (not judgeable, not failed)", _p4_01),
    ("P4-01-missing", "P4-01",
     "no service is named upload-worker-staging (only upload-worker-staging-old); the other "
     "service criteria cannot be judged", _p4_01_missing),
    ("P4-02", "P4-02", f"the staging service has id {RENAMED_STAGING_ID}, not {STAGING_ID}", _p4_02),
    ("P4-03", "P4-03", "the staging service is a web_service, not a background_worker", _p4_03),
    ("P4-04", "P4-04", "the staging service's runtime is node (Docker fields left as they were)", _p4_04),
    ("P4-05", "P4-05", "the staging service runs in frankfurt, not oregon", _p4_05),
    ("P4-06", "P4-06", "the staging service's plan is standard, not starter", _p4_06),
    ("P4-07", "P4-07", "the staging service is suspended by a user", _p4_07),
    ("P4-08", "P4-08", "the newest deploy failed to build (the one before it is live)", _p4_08),
    ("P4-09", "P4-09", "the Dockerfile path is ./Dockerfile", _p4_09),
    ("compliant-dockerfile-without-prefix", None,
     "the Dockerfile path is backend/workers/Dockerfile: without ./, and still compliant",
     _dockerfile_without_prefix),
    ("P4-10", "P4-10", "the Docker command runs backend/workers/runner.py", _p4_10),
    ("P4-11", "P4-11", "the staging service deploys from deployment/cloud-infrastructure", _p4_11),
    ("P4-12", "P4-12", "auto-deploy is off (autoDeploy no, autoDeployTrigger off)", _p4_12),
    ("compliant-auto-deploy-trigger", None,
     "autoDeployTrigger is checksPass (deploy after CI checks pass): auto-deploy is on", _auto_deploy_trigger),
    ("P4-20", "P4-20", "ENVIRONMENT=production on the staging service",
     lambda w: _set_env(w, STAGING_ID, "ENVIRONMENT", "production")),
    ("P4-21", "P4-21", "DEBUG=true on the staging service",
     lambda w: _set_env(w, STAGING_ID, "DEBUG", "true")),
    ("P4-22", "P4-22", "LOG_LEVEL=DEBUG on the staging service",
     lambda w: _set_env(w, STAGING_ID, "LOG_LEVEL", "DEBUG")),
    ("P4-23", "P4-23",
     "DATABASE_URL is set but empty (database criteria then cannot connect: broken, not failed)",
     lambda w: _set_env(w, STAGING_ID, "DATABASE_URL", "")),
    ("P4-24", "P4-24", "SUPABASE_SERVICE_ROLE_KEY is not set",
     lambda w: _drop_env(w, STAGING_ID, "SUPABASE_SERVICE_ROLE_KEY")),
    ("P4-25", "P4-25", "WORKER_POLL_INTERVAL_SECONDS is not set",
     lambda w: _drop_env(w, STAGING_ID, "WORKER_POLL_INTERVAL_SECONDS")),
    ("P4-26", "P4-26", "OPENAI_API_KEY is whitespace only",
     lambda w: _set_env(w, STAGING_ID, "OPENAI_API_KEY", "  ")),
    ("P4-27", "P4-27", "JWT_SECRET is set on the staging service",
     lambda w: _set_env(w, STAGING_ID, "JWT_SECRET", "staging-CANARY-jwt-secret-1c7a")),
    ("P4-27-env-group", "P4-27", "JWT_SECRET is set only in the env group linked to staging",
     _p4_27_env_group),
    ("P4-27-secret-file", "P4-27", "JWT_SECRET exists only as a secret file of the staging service",
     _p4_27_secret_file),
    ("P4-27-third-page", "P4-27",
     "JWT_SECRET hides at index 230 among 250 filler env vars: on the third page at limit=100",
     _p4_27_third_page),
    ("P4-27-group-secret-file", "P4-27", "JWT_SECRET is a secret file of the env group linked to staging",
     _p4_27_group_secret_file),
    ("P4-28", "P4-28", "OPENAI_API_KEY has the same value on staging and production", _p4_28),
    ("P4-28-shared-group", "P4-28",
     "one env group, linked to both staging and production, gives both STORAGE_SIGNING_KEY", _p4_28_shared_group),
    ("compliant-required-keys-in-group", None,
     "ENVIRONMENT and the required secrets are set only through the env group linked to staging",
     _required_keys_in_group),
    ("compliant-database-url-in-group", None,
     "DATABASE_URL is set only through the env group linked to staging", _database_url_in_group),
    ("P4-29", "P4-29", "SUPABASE_URL is the same on staging and production", _p4_29),
    ("P4-60", "P4-60", "memory peaked at 95 % of the plan's 512 MB in the last hour",
     lambda w: w.update(metrics=_metrics(memory_peak=0.95))),
    ("P4-61", "P4-61", "CPU peaked at 92 % of the plan's 0.5 CPU in the last hour",
     lambda w: w.update(metrics=_metrics(cpu_peak=0.92))),
    ("P4-62", "P4-62", "the worker was OOM-killed (server_failed) 12 minutes ago, after its latest deploy",
     _p4_62),
    ("P4-62-hours-ago", "P4-62",
     "the worker was OOM-killed 3 hours ago: after its live deploy, outside Render's default 1-hour event window",
     _failure_hours_ago),
    ("P4-08-failed-after-live", {"P4-08": "failed", "P4-62": "failed"},
     "the newest deploy failed to build after the live one; its build_ended failed event counts for P4-62 too",
     _failed_deploy_after_live),
    ("deploy-in-flight", {"P4-08": "broken"},
     "the newest deploy is build_in_progress: P4-08 is broken (not failed, not passed), the rest judged",
     lambda w: _newest_deploy(w, "build_in_progress")),
    ("compliant-redeployed", None,
     f"a later commit ({REDEPLOYED_COMMIT[:7]}) is live on the worker: still compliant, but not what an earlier "
     "sign-off judged (the gate's CHANGED)", _redeployed),
    ("compliant-mixed-units", None, "memory usage in MB against a limit in bytes, 38 % used",
     lambda w: _memory_series(w, "MB", 1024 ** 2)),
    ("P4-60-mixed-units", "P4-60", "memory usage in MB against a limit in bytes peaks at 95 %",
     lambda w: _memory_series(w, "MB", 1024 ** 2, peak=0.95)),
    ("metrics-unknown-unit", {"P4-60": "broken"}, "memory usage in a unit Render never named: P4-60 is broken",
     lambda w: _memory_series(w, "furlongs", 1.0)),
    ("events-unknown-type", {"P4-62": "broken"}, "an event of a type Render does not define since the live deploy: P4-62 broken",
     _unknown_event_type),
    ("metrics-missing", {"P4-60": "broken", "P4-61": "broken"},
     "Render reports no metrics for the service: memory and CPU cannot be judged (broken, never passed)",
     lambda w: w.update(metrics={})),
    ("events-unavailable", {"P4-62": "broken"},
     "Render answers 503 on the service's events: only P4-62 is broken, every other criterion is judged",
     lambda w: w.update(failingRoutes=["events"])),
    ("P4-64", "P4-64", "half of the worker's log lines in the last hour are plain text, not JSON with a level",
     lambda w: w["logs"].update({STAGING_ID: _worker_logs(structured=False)})),
    ("P4-65", "P4-65", "the worker logged a line at level error 7 minutes ago, after its live deploy",
     lambda w: w["logs"].update({STAGING_ID: _worker_logs(error_at=7)})),
    ("logs-silent", {"P4-64": "broken", "P4-65": "broken"},
     "the worker logged nothing in the last hour: neither log criterion can be judged (broken, never passed)",
     lambda w: w["logs"].update({STAGING_ID: []})),
    ("P4-66", "P4-66", "the owner has neither email nor Slack notifications enabled",
     lambda w: w.update(notificationSettings=_notification_settings(email=False))),
    ("P4-66-override-none", "P4-66", "the worker overrides its owner's notification settings to none",
     lambda w: w.update(notificationOverrides={STAGING_ID: {
         "serviceId": STAGING_ID, "previewNotificationsEnabled": "default", "notificationsToSend": "none"}})),
    ("policy-branch", "policy", "thumbnail-worker-staging deploys from main",
     lambda w: _thumbnail(w).update(branch="main")),
    ("policy-suspended", "policy", "thumbnail-worker-staging is suspended",
     lambda w: _thumbnail(w).update(suspended="suspended", suspenders=["billing"])),
    ("policy-environment", "policy", "thumbnail-worker-staging has ENVIRONMENT=production",
     lambda w: _set_env(w, THUMBNAIL_STAGING_ID, "ENVIRONMENT", "production")),
    ("policy-shared-secret", "policy", "thumbnail-worker-staging shares BUCKET_ACCESS_KEY with thumbnail-worker",
     _policy_shared_secret),
    ("policy-forbidden-key", "policy", "thumbnail-worker-staging (a background worker) holds JWT_SECRET",
     lambda w: _set_env(w, THUMBNAIL_STAGING_ID, "JWT_SECRET", "thumb-CANARY-jwt-3d3d")),
    ("policy-forbidden-key-group-variable", "policy",
     "thumbnail-worker-staging receives JWT_SECRET as a variable of its linked env group",
     lambda w: _thumbnail_group(w, [{"key": "JWT_SECRET", "value": "thumb-CANARY-grp-jwt-4e4e"}], [])),
    ("policy-forbidden-key-group-secret-file", "policy",
     "thumbnail-worker-staging receives JWT_SECRET as a secret file of its linked env group",
     lambda w: _thumbnail_group(w, [], [{"name": "JWT_SECRET", "content": "thumb-CANARY-grp-jwt-file-5f5f"}])),
    ("policy-forbidden-key-own-secret-file", "policy",
     "thumbnail-worker-staging holds JWT_SECRET as a secret file of its own (not of a group)",
     lambda w: w["secretFiles"].setdefault(THUMBNAIL_STAGING_ID, []).append(
         {"name": "jwt_secret.pem", "content": "thumb-CANARY-own-jwt-file-7b7b"})),
    ("policy-fleet-100-forbidden-key", "policy",
     "100 more staging workers and their counterparts; thumbnail-worker-staging holds JWT_SECRET",
     lambda w: (_fleet(w, 100), _set_env(w, THUMBNAIL_STAGING_ID, "JWT_SECRET", "thumb-CANARY-jwt-6a6a"))),
    ("compliant-fleet-10", None, "10 more staging workers, each with a production counterpart",
     lambda w: _fleet(w, 10)),
    ("compliant-fleet-100", None, "100 more staging workers, each with a production counterpart",
     lambda w: _fleet(w, 100)),
    ("compliant-fleet-1000", None, "1,000 more staging workers, each with a production counterpart",
     lambda w: _fleet(w, 1000)),
    ("compliant-old-failure", None,
     "a server_failed event before the latest deploy: fixed by that deploy, still compliant", _old_failure),
    ("compliant-many-env-vars", None,
     "250 filler env vars; required keys are spread over pages 1..3 (DATABASE_URL on page 3)",
     _many_env_vars),
]


def _api(world: dict) -> dict:
    return next(s for s in world["services"] if s["id"] == API_STAGING_ID)


def _p5_01(world: dict) -> None:
    _api(world)["suspended"] = "suspended"
    _api(world)["suspenders"] = ["user"]


def _p5_02(world: dict) -> None:
    _api(world)["serviceDetails"]["region"] = "frankfurt"


def _p5_03(world: dict) -> None:
    # The API overrides a setting the two share through their environment group.
    _set_env(world, API_STAGING_ID, "FEATURE_OCR_FALLBACK", "api-CANARY-ocr-off")


def _p5_04(world: dict) -> None:
    _set_env(world, API_STAGING_ID, "DATABASE_URL",
             "postgresql://upload_api_staging:api-CANARY-pw-7d7d@db.other-project.example.com:5432/phase4")


def _p5_08(world: dict) -> None:
    _set_env(world, API_STAGING_ID, "SENTRY_ENVIRONMENT", "production")


def _p5_08_project(world: dict) -> None:
    # Each service its own DSN (no longer shared through the group), for two different Sentry projects.
    group = next(g for g in world["envGroups"] if g["id"] == STAGING_ENV_GROUP_ID)
    group["envVars"] = [v for v in group["envVars"] if v["key"] != "SENTRY_DSN"]
    _set_env(world, STAGING_ID, "SENTRY_DSN", "https://staging-CANARY-sentry-92bd@o1.ingest.sentry.io/3")
    _set_env(world, API_STAGING_ID, "SENTRY_DSN", "https://api-CANARY-sentry-13ce@o1.ingest.sentry.io/4")


_SPECS += [
    ("P5-01", "P5-01", "the API service is suspended", _p5_01),
    ("P5-02", "P5-02", "the API runs in frankfurt, the worker in oregon", _p5_02),
    ("P5-03", "P5-03", "the API overrides FEATURE_OCR_FALLBACK, which the two share through their env group", _p5_03),
    ("P5-04", "P5-04", "the API's DATABASE_URL names another database host", _p5_04),
    ("P5-08", "P5-08", "the API says SENTRY_ENVIRONMENT=production", _p5_08),
    ("P5-08-project", "P5-08", "the API and the worker report to two different Sentry projects", _p5_08_project),
    ("P5-09", "P5-09", "the API answers its health check path /healthz with 503",
     lambda w: w["endpoints"]["paths"].update({"/healthz": 503})),
    ("P5-10", "P5-10", f"the certificate {API_HOST} presents expires in 7 days",
     lambda w: w["endpoints"]["certificate"].update(days=7)),
    ("P5-10-wrong-name", "P5-10", f"the certificate {API_HOST} presents names only the web frontend's hosts",
     lambda w: w["endpoints"]["certificate"].update(names=w["endpoints"]["hosts"][1:])),
    ("P5-11", "P5-11", "the API's CORS allows no origin: a preflight from the web frontend gets no "
     "Access-Control-Allow-Origin", lambda w: w["endpoints"].update(cors=[])),
    ("P5-12", "P5-12", "the API's CORS allows every origin (Access-Control-Allow-Origin: *)",
     lambda w: w["endpoints"].update(cors=["*"])),
    ("endpoint-unreachable", {"P5-09": "broken", "P5-10": "broken", "P5-11": "broken", "P5-12": "broken"},
     "nothing listens where the public addresses lead (connection refused): the endpoint criteria are broken, "
     "never failed", lambda w: w["endpoints"].update(reachable=False)),
]


def _compliant() -> dict:
    """The reference deployment, plus a second staging worker and its production counterpart
    (thumbnail-worker), so the environment-wide policy has more than one service to judge."""
    world = _reference()
    _add_pair(world, 1, "thumbnail-worker", THUMBNAIL_STAGING_ID, THUMBNAIL_ID)
    return world


# Which Render criteria need which list (beyond the service itself): an item of a foreign
# shape in that list breaks exactly these, and every other criterion is still judged.
_ENV = ["P4-20", "P4-21", "P4-22", "P4-23", "P4-24", "P4-25", "P4-26", "P4-27", "P4-28", "P4-29"]
FOREIGN_ITEM_BREAKS = {
    "env-vars": _ENV, "env-groups": _ENV, "secret-files": ["P4-27"], "deploys": ["P4-08", "P4-62", "P4-65"],
    "events": ["P4-62"], "memory": ["P4-60"], "cpu-limit": ["P4-61"],
}
_SPECS += [
    (f"foreign-item-{route}", {cid: "broken" for cid in broken},
     f"the first page of {route} carries an item of a shape Render's spec does not allow: "
     f"{', '.join(broken)} broken, never judged on the rest", lambda w, route=route: w.update(foreignItems=[route]))
    for route, broken in FOREIGN_ITEM_BREAKS.items()
]


# --------------------------------------------------------------------------- a static site, for a phase no one wired

WEB_STAGING_ID = "srv-d3d2w8bipnbs73e4k1c0"
WEB_STAGING_NAME = "upload-web-staging"  # the web frontend (a Render static site) beside the API and the worker
WEB_DOMAIN = "staging.uploads.example.com"
PRODUCTION_API_URL = "https://upload-api.onrender.com"


def _web_staging() -> dict:
    """A static site as ``GET /v1/services/{id}`` returns it: serviceDetails are Render's StaticSiteDetails."""
    sid = WEB_STAGING_ID
    return {
        "autoDeploy": "yes",
        "autoDeployTrigger": "commit",
        "branch": "staging",
        "buildFilter": {"paths": ["frontend/**"], "ignoredPaths": ["frontend/docs/**"]},
        "createdAt": "2025-10-20T09:41:07.220914Z",
        "dashboardUrl": f"https://dashboard.render.com/static/{sid}",
        "environmentId": "evm-d37dkqvfte5s73b6u2tg",
        "id": sid,
        "imagePath": None,
        "name": WEB_STAGING_NAME,
        "notifyOnFail": "default",
        "ownerId": OWNER_ID,
        "repo": "https://github.com/acme-docs/upload-pipeline",
        "rootDir": "frontend",
        "serviceDetails": {
            "buildCommand": "npm ci && npm run build",
            "buildPlan": "starter",
            "parentServer": None,
            "previews": {"generation": "off"},
            "publishPath": "dist",
            "pullRequestPreviewsEnabled": "no",
            "renderSubdomainPolicy": "enabled",
            "url": "https://upload-web-staging.onrender.com",
        },
        "slug": "upload-web-staging",
        "suspended": "not_suspended",
        "suspenders": [],
        "type": "static_site",
        "updatedAt": "2025-10-21T16:12:40.771305Z",
    }


def _custom_domain(name: str, status: str) -> dict:
    """One custom domain as ``GET /v1/services/{id}/custom-domains`` lists it (Render's CustomDomain)."""
    return {"id": "cdm-d3d3a1r3ipnbs73f2q9g0", "name": name, "domainType": "subdomain",
            "publicSuffix": "example.com", "redirectForName": "", "verificationStatus": status,
            "createdAt": "2025-10-20T10:02:55.301177Z", "server": {"id": WEB_STAGING_ID, "name": WEB_STAGING_NAME}}


def _add_web(world: dict) -> None:
    """The web frontend beside the API: a static site building the frontend, calling the API by its URL."""
    world["services"].append(_web_staging())
    api_url = _api(world)["serviceDetails"]["url"]
    world["envVars"][WEB_STAGING_ID] = [{"key": "ENVIRONMENT", "value": "staging"},
                                        {"key": "NODE_ENV", "value": "production"},
                                        {"key": "VITE_API_URL", "value": api_url}]
    world.setdefault("customDomains", {})[WEB_STAGING_ID] = [_custom_domain(WEB_DOMAIN, "verified")]
    world["deploys"][WEB_STAGING_ID] = [_deploy(
        "dep-d3d2x4n3ipnbs73c9p2g", "live", "new_commit", "2025-10-21T16:09:02.118240Z",
        "2025-10-21T16:12:40.771305Z",
        _commit("5e2d8a1c7b3f9e0d4a6c8b2e1f3a5c7d9e0b2a4c", "web: call the API by its Render URL",
                "2025-10-21T16:08:40Z"))]


def _web(world: dict) -> dict:
    return next(s for s in world["services"] if s["id"] == WEB_STAGING_ID)


def _web_deploy_failed(world: dict) -> None:
    now = _iso(_dt.datetime.now(_dt.timezone.utc) - _dt.timedelta(minutes=5))
    world["deploys"][WEB_STAGING_ID].insert(0, _deploy("dep-d3f4webfailed0000000", "build_failed", "new_commit",
                                                       now, now, None))


# Worlds for a phase the repository does not hold (tests/test_unwired_phase.py writes it: a static site and
# the API, in Gherkin and phase.yaml only). Each breaks one claim of that phase, said here in words; the
# test names the criterion of its own phase each must fail.
WEB_CLAIMS = {
    "compliant-web": None,
    "web-type": "the static site was created as a web service",
    "web-branch": "the static site deploys from main",
    "web-build-command": "the static site builds with npm install && npm run build",
    "web-publish-path": "the static site publishes build/, not dist/",
    "web-suspended": "the static site is suspended by a user",
    "web-deploy-failed": "the static site's newest deploy failed to build",
    "web-auto-deploy-off": "the static site does not deploy automatically",
    "web-api-url": "VITE_API_URL calls production's API, not the staging API's URL",
    "web-jwt-secret": "JWT_SECRET is set on the static site",
    "web-domain-unverified": f"the custom domain {WEB_DOMAIN} is not verified",
    "web-api-health-check": "the API's health check path is /, not /healthz",
    "web-unavailable": "the static site's address answers 503 to a GET of /",
}
_WEB_CHANGES: dict[str, Callable[[dict], None]] = {
    "compliant-web": lambda w: None,
    "web-type": lambda w: _web(w).update(type="web_service"),
    "web-branch": lambda w: _web(w).update(branch="main"),
    "web-build-command": lambda w: _web(w)["serviceDetails"].update(buildCommand="npm install && npm run build"),
    "web-publish-path": lambda w: _web(w)["serviceDetails"].update(publishPath="build"),
    "web-suspended": lambda w: _web(w).update(suspended="suspended", suspenders=["user"]),
    "web-deploy-failed": _web_deploy_failed,
    "web-auto-deploy-off": lambda w: _web(w).update(autoDeploy="no", autoDeployTrigger="off"),
    "web-api-url": lambda w: _set_env(w, WEB_STAGING_ID, "VITE_API_URL", PRODUCTION_API_URL),
    "web-jwt-secret": lambda w: _set_env(w, WEB_STAGING_ID, "JWT_SECRET", "web-staging-CANARY-jwt-8e8e"),
    "web-domain-unverified": lambda w: w["customDomains"][WEB_STAGING_ID][0].update(verificationStatus="unverified"),
    "web-api-health-check": lambda w: _api(w)["serviceDetails"].update(healthCheckPath="/"),
    "web-unavailable": lambda w: w["endpoints"]["paths"].update({"/": 503}),
}
_SPECS += [
    (name, None, f"the web frontend {WEB_STAGING_NAME} (a static site) beside the API" +
     (f": {claim}" if claim else ", every claim of it holding"),
     lambda w, name=name: (_add_web(w), _WEB_CHANGES[name](w)))
    for name, claim in WEB_CLAIMS.items()
]


def _registry() -> tuple[dict[str, Callable[[], dict]], dict[str, str | None], dict[str, dict[str, str]]]:
    worlds: dict[str, Callable[[], dict]] = {}
    violates: dict[str, str | None] = {}
    outcomes: dict[str, dict[str, str]] = {}
    for name, expected, description, change in _SPECS:
        worlds[name] = _compliant if change is None else _derive(name, description, change)
        violates[name] = expected if isinstance(expected, str) else None
        outcomes[name] = dict(expected) if isinstance(expected, dict) else (
            {expected: "failed"} if expected and re.fullmatch(r"[A-Z][A-Z0-9]*-\d{2}", expected) else {})
    return worlds, violates, outcomes


WORLDS, VIOLATES, OUTCOMES = _registry()
"""``WORLDS``: world name -> builder of a fresh world dict. ``VIOLATES``: world name ->
the one criterion ID it must fail (``None`` for the ``compliant*`` worlds and for worlds
whose expected verdicts are more than one failure). ``OUTCOMES``: world name -> every
criterion that must not pass in it and its expected state (failed or broken); the
criterion of a ``P4-01`` world also breaks the rest, said in its tests)."""

# World -> criteria its one mistake necessarily changes as well (broken or failed): an API whose
# DATABASE_URL names another host (P5-04) cannot open its own session there (P5-05 broken).
# A certificate that does not name the API's host also leaves its HTTPS answers unread (TLS refuses the host).
ALSO_AFFECTS: dict[str, tuple[str, ...]] = {"P5-04": ("P5-05",), "P5-10-wrong-name": ("P5-09", "P5-11", "P5-12")}

DESCRIPTIONS = {name: description for name, _, description, _ in _SPECS}
"""World name -> one line on what it changes from the reference deployment (``phasegate sandbox worlds``)."""

# Worlds whose change is the stand-in worker's behaviour (phasegate.sandbox.worker): Render and
# the database are the compliant ones. name -> (behaviour, expected outcomes, description).
# A worker that never finishes anything fails both round-trip criteria: neither canary ends.
WORKER_WORLDS: dict[str, tuple[str, dict[str, str], str]] = {
    "P5-20-worker-stopped": ("stopped", {"P5-20": "failed", "P5-21": "failed"},
                             "the stand-in worker is not running: no canary is ever claimed"),
    "P5-20-attempts-2": ("attempts-2", {"P5-20": "failed"},
                         "the stand-in worker completes a good job only on its second attempt"),
    "P5-21-failed-early": ("poison-failed-early", {"P5-21": "failed"},
                           "the stand-in worker marks a poison job failed at its first attempt"),
    "P5-21-no-last-error": ("poison-no-last-error", {"P5-21": "failed"},
                            "the stand-in worker fails a poison job after max_attempts without last_error"),
}
# Kept apart from WORLDS / VIOLATES / OUTCOMES, which are Render worlds (builders of Render's wire format).
WORKER_OUTCOMES = {name: dict(outcomes) for name, (_, outcomes, _) in WORKER_WORLDS.items()}



def world(name: str) -> dict:
    """A fresh copy of the named world."""
    try:
        build = WORLDS[name]
    except KeyError:
        raise KeyError(f"unknown world {name!r}; known worlds: {', '.join(WORLDS)}") from None
    return build()


def env_value(world: dict, service_id: str, key: str) -> str | None:
    """The raw (unsubstituted) value of a service env var in a world, ``None`` if unset."""
    for item in world.get("envVars", {}).get(service_id, []):
        if item["key"] == key:
            return item["value"]
    return None


def canary_values(world: dict) -> set[str]:
    """Every value in the world that contains ``CANARY``: what must never appear in output."""
    found: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str) and CANARY in node:
            found.add(node)

    walk({k: v for k, v in world.items() if k not in ("name", "description")})
    return found | keys.all_keys()  # the keys the simulator puts in place of the world's key placeholders
