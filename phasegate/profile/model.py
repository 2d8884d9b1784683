"""A profile, validated: the :class:`Profile` dataclass, the keys a profile may set, and its small derived facts.

"Is production" and the reading of a true/false flag each live here, once.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from urllib.parse import urlparse

from ..queue_states import QueueStates
from ..sandbox.settings import SANDBOX_API_DATABASE_URL, SANDBOX_ROLE_URLS  # noqa: F401  (re-exported)
from ..redact import Secret

PRODUCTION = "production"  # the name or scenario tag that marks a profile production
PROCESS_ENVIRONMENT = "the process environment"

# Every key a profile may set. Unknown keys in a profile file are a typo until proven otherwise.
KNOWN_KEYS = frozenset(
    {
        "RENDER_API_KEY",
        "RENDER_API_URL",
        "RENDER_API_URL_IS_REAL",
        "RENDER_SERVICE_NAME",
        "RENDER_SERVICES",
        "RENDER_SERVICE_ID",
        "RENDER_PRODUCTION_SERVICE_NAME",
        "RENDER_API_SERVICE_NAME",
        "RENDER_TIMEOUT_SECONDS",
        "RENDER_RETRY_BUDGET_SECONDS",
        "RENDER_RATE_WAIT_SECONDS",
        "PHASEGATE_DATABASE_URL",
        "PHASEGATE_API_DATABASE_URL",
        "DB_SCHEMA",
        "PRODUCTION_DB_SCHEMA",
        "PRODUCTION_DB_ROLE",
        "DB_QUEUE_TABLE",
        "WORKER_POOL_MAX",
        "DB_CONNECT_TIMEOUT_SECONDS",
        "DB_STATEMENT_TIMEOUT_MS",
        "STUCK_JOB_MINUTES",
        "DEPLOY_WAIT_SECONDS",
        "METRICS_THRESHOLD_PERCENT",
        "PHASEGATE_SANDBOX",
        "PHASEGATE_SCENARIO_TAG",
        "PHASEGATE_PHASES",
        "PHASEGATE_SANDBOX_WORLD",
        "PHASEGATE_SANDBOX_FAULTS",
        "PHASEGATE_SANDBOX_REQUEST_LOG",
        "PHASEGATE_SANDBOX_POOLER",
        "PHASEGATE_DIGEST_KEY",
        "POLICY_SERVICE_PATTERN",
        "POLICY_ENVIRONMENT",
        "POLICY_BRANCH",
        "POLICY_FORBIDDEN_KEYS",
        # The round trip: the only criteria that write (canary jobs), and only when asked.
        "PHASEGATE_ACTIVE",
        "PHASEGATE_CANARY_DATABASE_URL",
        "CANARY_TIMEOUT_SECONDS",
        "CANARY_JOB_PAYLOAD",
        "CANARY_POISON_PAYLOAD",
        # The queue's states, for every criterion that needs them; CANARY_*_STATUS are their old names.
        "QUEUE_DONE_STATUS",
        "QUEUE_FAILED_STATUS",
        "QUEUE_RUNNING_STATUSES",
        "CANARY_DONE_STATUS",
        "CANARY_FAILED_STATUS",
    }
)

# The keys whose value is a secret: never in a profile file git would commit (:mod:`.committed`), read only
# through ``Fields.secret``. A database URL is a secret when it carries a password (SECRET_WHEN_PASSWORD).
SECRET_KEYS = frozenset({"RENDER_API_KEY", "PHASEGATE_DIGEST_KEY"})
SECRET_WHEN_PASSWORD = frozenset(key for key in KNOWN_KEYS if key.endswith("_DATABASE_URL"))

# Deprecated key -> the key that replaced it (same meaning: the queue's states are not the canary's).
RENAMED_KEYS = {"CANARY_DONE_STATUS": "QUEUE_DONE_STATUS", "CANARY_FAILED_STATUS": "QUEUE_FAILED_STATUS"}


SERVICES_KEY = "RENDER_SERVICES"  # the services by role (phasegate.profile.roles reads it)
# The keys that named a role before RENDER_SERVICES, and the role each names.
ROLE_KEYS = {"worker": "RENDER_SERVICE_NAME", "api": "RENDER_API_SERVICE_NAME"}


def role_key(role: str) -> str:
    """What a profile sets to name the service of ``role``: its own key, or a RENDER_SERVICES pair."""
    return ROLE_KEYS.get(role) or f"{SERVICES_KEY} (a pair {role}:<service name>)"


_TRUE, _FALSE = {"true", "1", "yes"}, {"false", "0", "no"}


def parse_flag(raw: str | None) -> bool | None:
    """True/false from a profile flag (true/false, 1/0, yes/no, any case); unset or "" is false; None for
    anything else."""
    raw = (raw or "false").strip().lower() or "false"
    if raw not in _TRUE | _FALSE:
        return None
    return raw in _TRUE


def is_production(name: str, scenario_tag: str) -> bool:
    """A profile is marked production by its name or its scenario tag (PHASEGATE_SCENARIO_TAG)."""
    return PRODUCTION in (name, scenario_tag)


@dataclass(frozen=True)
class Profile:
    """One environment's settings, validated. Its repr shows no secret."""

    name: str
    source: str  # the profile file, as the user would type it
    scenario_tag: str  # the Gherkin environment tag whose scenarios and Examples apply
    sandbox: bool
    render_api_url: str
    render_api_key: Secret | None = field(repr=False)
    service_name: str | None  # the worker role's service (RENDER_SERVICE_NAME or RENDER_SERVICES' worker)
    service_id: str | None
    production_service_name: str | None
    render_timeout: float
    render_retry_budget: float
    render_rate_wait: float
    database_url_override: Secret | None = field(repr=False)
    api_database_url_override: Secret | None = field(repr=False)  # the API's role, by the runner's own route
    db_schema: str
    production_db_schema: str
    production_db_role: str | None
    db_queue_table: str
    worker_pool_max: int
    db_connect_timeout: int
    db_statement_timeout_ms: int
    stuck_job_minutes: int
    deploy_wait_seconds: float
    metrics_threshold_percent: float
    sandbox_world: str
    sandbox_faults: str
    sandbox_request_log: str | None
    digest_key: Secret | None = field(repr=False)
    policy_pattern: str | None = None
    policy_environment: str | None = None
    policy_branch: str | None = None
    policy_forbidden_keys: str | None = None
    # Provenance: which files were read, which keys the process environment set (names only).
    files: tuple[str, ...] = ()
    from_environment: tuple[str, ...] = ()
    # RENDER_API_URL_IS_REAL=1: a base URL other than Render's is declared a real target (a proxy,
    # Render's testing API). Only a profile file can declare it, so the process environment alone
    # cannot turn a stand-in into a sign-off.
    api_url_is_real: bool = False
    sandbox_pooler: bool = False  # the sandbox database reached through PgBouncer in transaction mode
    origins: dict = field(default_factory=dict, repr=False, compare=False)  # key -> "file:line" or the process environment

    def where(self, key: str) -> str:
        """Where a key's value came from, for messages; the profile file when it was not set at all."""
        return self.origins.get(key, self.source)
    api_service_name: str | None = None  # the API that hands the worker jobs (Phase 5); its criteria skip without it
    # Role -> the service's name in this environment (RENDER_SERVICES, RENDER_SERVICE_NAME, RENDER_API_SERVICE_NAME).
    services: dict = field(default_factory=dict, compare=False)
    # Role -> its production counterpart's name (RENDER_PRODUCTION_SERVICE_NAME is the worker's).
    production_services: dict = field(default_factory=dict, compare=False)
    # PHASEGATE_PHASES: the phase folders a run judges (features/<name>/); None: every phase of the repository.
    phases: tuple[str, ...] | None = None
    # The round trip, opt-in: PHASEGATE_ACTIVE (or --active) and the API role's credential.
    active: bool = False
    canary_database_url: Secret | None = field(default=None, repr=False)
    canary_timeout: float = 60.0
    canary_payload: object = None  # canary.payload.PayloadTemplate, validated at load
    # The queue's done, failed and running states (QUEUE_DONE_STATUS, QUEUE_FAILED_STATUS, QUEUE_RUNNING_STATUSES).
    queue_states: QueueStates = QueueStates()
    # One line per deprecated key the profile used, printed once at the start of a run.
    deprecations: tuple[str, ...] = ()

    def role_unnamed(self, role: str) -> str:
        """Why the criteria of a role the profile does not name are skipped: the key to set, and where."""
        return f"no service plays the {role} role: set {role_key(role)} in {self.source}"

    @property
    def canary_done_status(self) -> str:  # the old name of queue_states.done
        return self.queue_states.done

    @property
    def canary_failed_status(self) -> str:  # the old name of queue_states.failed
        return self.queue_states.failed

    def __repr__(self) -> str:  # Allure records step arguments
        return f"<profile {self.name} ({self.source}){' SANDBOX' if self.sandbox else ''}>"

    @property
    def api_host(self) -> str:
        return urlparse(self.render_api_url).netloc

    @property
    def is_production(self) -> bool:
        """Marked production by its name or its scenario tag (PHASEGATE_SCENARIO_TAG): the round trip refuses it."""
        return is_production(self.name, self.scenario_tag)

    def sandbox_arguments(self) -> dict:
        """What the sandbox session is asked for, as the plain values it takes (no profile goes in)."""
        return {"world": self.sandbox_world, "faults": self.sandbox_faults, "faults_at": self.source,
                "request_log": self.sandbox_request_log, "pooler": self.sandbox_pooler,
                "done_status": self.queue_states.done, "failed_status": self.queue_states.failed}

    def with_routes(self, role_url) -> "Profile":
        """The profile with each route key that names a sandbox role (a placeholder) given that role's URL
        (``role_url``: placeholder -> URL, the sandbox session's)."""
        changes = {}
        for name in ("database_url_override", "api_database_url_override"):
            value = getattr(self, name)
            if value is not None and value.reveal() in SANDBOX_ROLE_URLS:
                changes[name] = Secret(role_url(value.reveal()))
        return dataclasses.replace(self, **changes) if changes else self
