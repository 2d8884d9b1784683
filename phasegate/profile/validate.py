"""A profile's merged settings, validated one concern at a time, into a :class:`Profile`.

Each validator reads the keys of one concern (Render, scenarios and phases, round trip, queue
states, sandbox, database, operations, policy), in that order, through :class:`Fields`, and
returns the profile fields it sets. The canary checks its own payload templates and the
sandbox its own world and fault names; the validators here call them.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

from .. import RENDER_API_URL as DEFAULT_API_URL  # one place: phasegate/__init__.py
from ..canary.payload import DEFAULT_PAYLOAD, PayloadTemplate
from ..errors import ConfigError
from ..queue_states import DEFAULT_DONE, DEFAULT_FAILED, DEFAULT_RUNNING, QueueStates
from ..sandbox import settings as sandbox_settings
from ..redact import Secret, describe
from . import roles
from .fields import IDENTIFIER, STATUS_NAME, Fields
from .model import RENAMED_KEYS, SANDBOX_ROLE_URLS, Profile, is_production

SERVICE_ID = re.compile(r"^srv-[a-z0-9]+$")


def validate(fields: Fields) -> Profile:
    sandbox = fields.flag("PHASEGATE_SANDBOX")
    settings = {"name": fields.name, "source": fields.shown, "sandbox": sandbox, "origins": dict(fields.sources)}
    settings.update(render(fields, sandbox))
    settings.update(scenarios(fields))
    settings.update(round_trip(fields, sandbox, settings["scenario_tag"]))
    settings.update(queue_states(fields))
    settings.update(sandbox_run(fields, sandbox))
    settings.update(database(fields, sandbox))
    settings.update(operations(fields))
    settings.update(policy(fields))
    settings["digest_key"] = fields.secret("PHASEGATE_DIGEST_KEY")
    return Profile(**settings)


def render(fields: Fields, sandbox: bool) -> dict:
    """Where Render is read, with which key, which services, and how patiently."""
    api_url = fields.text("RENDER_API_URL", DEFAULT_API_URL).rstrip("/")
    parsed, at = urlparse(api_url), fields.at("RENDER_API_URL")
    if parsed.scheme not in {"http", "https"} or not parsed.netloc or any(c.isspace() for c in api_url):
        raise ConfigError(f"{at}: RENDER_API_URL must be an http(s) URL, got {describe(api_url)}")
    if parsed.username or parsed.password:
        raise ConfigError(f"{at}: RENDER_API_URL must not carry credentials; the key goes in RENDER_API_KEY")
    api_key = fields.secret("RENDER_API_KEY")
    if api_key is None and not sandbox:
        raise ConfigError(
            f"{fields.at('RENDER_API_KEY')}: RENDER_API_KEY is "
            f"{'empty' if 'RENDER_API_KEY' in fields.sources else 'not set'} (pass it in the process environment, "
            f"or put it in the git-ignored {fields.shown[:-4]}.local.env)"
        )
    service_id = fields.text("RENDER_SERVICE_ID")
    if service_id is not None and not SERVICE_ID.match(service_id):
        raise ConfigError(f"{fields.at('RENDER_SERVICE_ID')}: RENDER_SERVICE_ID must look like srv-…, got "
                          f"{describe(service_id)}")
    return {
        "render_api_url": api_url, "render_api_key": api_key, "service_id": service_id,
        **_services(fields),
        "render_timeout": fields.number("RENDER_TIMEOUT_SECONDS", 10.0, float),
        "render_retry_budget": fields.number("RENDER_RETRY_BUDGET_SECONDS", 30.0, float, minimum=-1),
        # Pacing to Render's 400 GETs a minute: 15 minutes reads about 6,000 resources.
        "render_rate_wait": fields.number("RENDER_RATE_WAIT_SECONDS", 900.0, float),
    }


def _services(fields: Fields) -> dict:
    """The services by role (RENDER_SERVICES and the older keys) and the worker's production counterpart."""
    named = roles.services(fields)
    production = fields.text("RENDER_PRODUCTION_SERVICE_NAME")
    return {"services": named, "service_name": named.get("worker"), "api_service_name": named.get("api"),
            "production_service_name": production,
            "production_services": {"worker": production} if production else {}}


def scenarios(fields: Fields) -> dict:
    """Which scenarios (the environment tag) and which phases a run judges."""
    tag = fields.text("PHASEGATE_SCENARIO_TAG", fields.name)
    if not IDENTIFIER.match(tag):
        raise ConfigError(f"{fields.at('PHASEGATE_SCENARIO_TAG')}: PHASEGATE_SCENARIO_TAG (the scenario tag this "
                          "profile selects; default: the profile's name) must be a plain tag name, got "
                          f"{describe(tag)}")
    phases, raw = None, fields.text("PHASEGATE_PHASES")
    if raw is not None:
        phases = tuple(p.strip() for p in raw.split(","))
        if not all(IDENTIFIER.match(p) for p in phases):
            raise ConfigError(f"{fields.at('PHASEGATE_PHASES')}: PHASEGATE_PHASES must list phase folders of "
                              f"features/, comma-separated (e.g. phase4,phase5), got {describe(raw)}")
    return {"scenario_tag": tag, "phases": phases}


def database(fields: Fields, sandbox: bool) -> dict:
    """The runner's own routes to the databases, the schemas and queue table, and the session limits."""
    return {
        "database_url_override": route(fields, "PHASEGATE_DATABASE_URL", sandbox),
        "api_database_url_override": route(fields, "PHASEGATE_API_DATABASE_URL", sandbox),
        "db_schema": fields.identifier("DB_SCHEMA", "upload_pipeline_staging"),
        "production_db_schema": fields.identifier("PRODUCTION_DB_SCHEMA", "upload_pipeline"),
        "production_db_role": fields.text("PRODUCTION_DB_ROLE"),
        "db_queue_table": fields.identifier("DB_QUEUE_TABLE", "upload_jobs"),
        "worker_pool_max": int(fields.number("WORKER_POOL_MAX", 10)),
        "db_connect_timeout": int(fields.number("DB_CONNECT_TIMEOUT_SECONDS", 10)),
        "db_statement_timeout_ms": int(fields.number("DB_STATEMENT_TIMEOUT_MS", 15000)),
        "stuck_job_minutes": int(fields.number("STUCK_JOB_MINUTES", 15)),
    }


def operations(fields: Fields) -> dict:
    """How long a deploy in flight is waited for, and the metrics' threshold."""
    return {"deploy_wait_seconds": fields.number("DEPLOY_WAIT_SECONDS", 0.0, float),
            "metrics_threshold_percent": fields.number("METRICS_THRESHOLD_PERCENT", 80.0, float)}


def route(fields: Fields, key: str, sandbox: bool) -> Secret | None:
    """A route of the runner's own to a database (a secret); in a sandbox profile maybe a sandbox role's
    placeholder (:data:`SANDBOX_ROLE_URLS`)."""
    value = fields.text(key)
    if value is None:
        return None
    if value in SANDBOX_ROLE_URLS:
        if not sandbox:
            raise ConfigError(f"{fields.at(key)}: {key}: {value} names a sandbox role, only in a sandbox profile")
        return Secret(value, scrubbed=False)  # a placeholder, not a credential
    return Secret(value)


def queue_states(fields: Fields) -> dict:
    """The queue's done, failed and running states, and a line for each deprecated key that named one."""
    states = QueueStates(_queue_state(fields, "QUEUE_DONE_STATUS", DEFAULT_DONE),
                         _queue_state(fields, "QUEUE_FAILED_STATUS", DEFAULT_FAILED), _running_states(fields))
    if states.done == states.failed or {states.done, states.failed} & set(states.running):
        raise ConfigError(f"{fields.shown}: the queue's done, failed and running states (QUEUE_DONE_STATUS, "
                          "QUEUE_FAILED_STATUS, QUEUE_RUNNING_STATUSES) must be different states")
    used = [key for key in RENAMED_KEYS if fields.text(key) is not None]
    one = len(used) == 1
    deprecations = (f"phasegate: {', '.join(used)} {'is' if one else 'are'} deprecated "
                    f"({'; '.join(fields.at(k) for k in used)}): {'it names' if one else 'they name'} the queue's "
                    f"states for every criterion; rename {'it' if one else 'them'} "
                    f"{', '.join(RENAMED_KEYS[k] for k in used)}",) if used else ()
    return {"queue_states": states, "deprecations": deprecations}


def _queue_state(fields: Fields, key: str, default: str) -> str:
    """A state under its new key, or its deprecated one (CANARY_*_STATUS); both set must agree."""
    old = next(k for k, new in RENAMED_KEYS.items() if new == key)
    text = fields.text
    if text(old) is not None and text(key) is not None and text(old) != text(key):
        raise ConfigError(f"{fields.at(old)}: {old} (deprecated) and {key} ({fields.at(key)}) name different "
                          f"states; keep {key} only")
    return fields.status_name(key if text(key) is not None or text(old) is None else old, default)


def _running_states(fields: Fields) -> tuple[str, ...]:
    key = "QUEUE_RUNNING_STATUSES"
    raw = fields.text(key)
    if raw is None:
        return DEFAULT_RUNNING
    states = tuple(s.strip() for s in raw.split(","))
    if not all(STATUS_NAME.fullmatch(s) for s in states) or len(set(states)) < len(states):
        raise ConfigError(f"{fields.at(key)}: {key} must list job status names (letters, digits, _, -, space), "
                          f"comma-separated, each once, got {describe(raw)}")
    return states


def policy(fields: Fields) -> dict:
    """The environment-wide policy's settings (its criteria skip without a pattern)."""
    return {"policy_pattern": fields.text("POLICY_SERVICE_PATTERN"),
            "policy_environment": fields.text("POLICY_ENVIRONMENT"),
            "policy_branch": fields.text("POLICY_BRANCH"),
            "policy_forbidden_keys": fields.text("POLICY_FORBIDDEN_KEYS")}


def round_trip(fields: Fields, sandbox: bool, tag: str) -> dict:
    """The round trip, opt-in: never for a profile marked production; the canary checks its own payloads."""
    canary_url = _canary_url(fields.at("PHASEGATE_CANARY_DATABASE_URL"),
                             fields.text("PHASEGATE_CANARY_DATABASE_URL"), sandbox)
    active = fields.flag("PHASEGATE_ACTIVE")
    if active and is_production(fields.name, tag):
        raise ConfigError(f"{fields.at('PHASEGATE_ACTIVE')}: PHASEGATE_ACTIVE is refused for a profile marked "
                          "production (its name or PHASEGATE_SCENARIO_TAG is 'production'): the round trip "
                          "writes canary jobs")
    payload = PayloadTemplate.parse(fields.text("CANARY_JOB_PAYLOAD", DEFAULT_PAYLOAD),
                                    fields.text("CANARY_POISON_PAYLOAD"), job_at=fields.at("CANARY_JOB_PAYLOAD"),
                                    poison_at=fields.at("CANARY_POISON_PAYLOAD"))
    return {"active": active, "canary_database_url": canary_url, "canary_payload": payload,
            "canary_timeout": fields.number("CANARY_TIMEOUT_SECONDS", 60.0, float)}


def _canary_url(where: str, value: str | None, sandbox: bool) -> Secret | None:
    """The API role's database URL: a secret, checked for shape without being shown."""
    if value is None:
        return None
    if sandbox and value in SANDBOX_ROLE_URLS:
        return Secret(value, scrubbed=False)  # a placeholder, not a credential
    scheme = value.split("://", 1)[0] if "://" in value else ""
    if scheme not in ("postgresql", "postgres"):
        hint = f" ({value} only in a sandbox profile)" if value in SANDBOX_ROLE_URLS else ""
        raise ConfigError(f"{where}: PHASEGATE_CANARY_DATABASE_URL must be a postgresql:// URL of the API's "
                          f"database role{hint}")
    return Secret(value)


def sandbox_run(fields: Fields, sandbox: bool) -> dict:
    """The sandbox's world, faults, request log and pooler; the sandbox checks its own world and fault names."""
    world = fields.text("PHASEGATE_SANDBOX_WORLD", sandbox_settings.DEFAULT_WORLD)
    faults = fields.text("PHASEGATE_SANDBOX_FAULTS", "")
    if sandbox:
        from ..sandbox.session import check_world  # the catalogue: imported only for a sandbox profile

        check_world(fields.at("PHASEGATE_SANDBOX_WORLD"), world)
        sandbox_settings.check_faults(fields.at("PHASEGATE_SANDBOX_FAULTS"), faults)
    return {"sandbox_world": world, "sandbox_faults": faults,
            "sandbox_request_log": fields.text("PHASEGATE_SANDBOX_REQUEST_LOG"),
            "sandbox_pooler": fields.flag("PHASEGATE_SANDBOX_POOLER")}
