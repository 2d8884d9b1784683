"""Profiles: ``environments/<name>.env`` + ``<name>.local.env`` + the process environment.

``PHASEGATE_PROFILES_DIR`` (process environment) names another folder to read both files from.

Later sources win: the committed profile holds plain settings, a git-ignored
``<name>.local.env`` may hold a QA's secrets, and the process environment (how CI passes
secrets) overrides both. A missing or malformed setting raises :class:`ConfigError` with
one line naming the key and the file.
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from .errors import ConfigError
from .queue_states import DEFAULT_DONE, DEFAULT_FAILED, DEFAULT_RUNNING, QueueStates
from .secrets import Secret

from . import RENDER_API_URL as DEFAULT_API_URL  # one place: phasegate/__init__.py
SERVICE_ID = re.compile(r"^srv-[a-z0-9]+$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# Every key a profile may set. Unknown keys in a profile file are a typo until proven otherwise.
KNOWN_KEYS = frozenset(
    {
        "RENDER_API_KEY",
        "RENDER_API_URL",
        "RENDER_API_URL_IS_REAL",
        "RENDER_SERVICE_NAME",
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

# Deprecated key -> the key that replaced it (same meaning: the queue's states are not the canary's).
RENAMED_KEYS = {"CANARY_DONE_STATUS": "QUEUE_DONE_STATUS", "CANARY_FAILED_STATUS": "QUEUE_FAILED_STATUS"}

# In the sandbox profile, PHASEGATE_CANARY_DATABASE_URL may name the sandbox's own API role
# (its password is made per run): the sandbox session puts the real URL in its place.
SANDBOX_API_DATABASE_URL = "{{SANDBOX_API_DATABASE_URL}}"
# Every sandbox role a route key (PHASEGATE_DATABASE_URL, PHASEGATE_API_DATABASE_URL,
# PHASEGATE_CANARY_DATABASE_URL) may name in a sandbox profile, as the sandbox's role names it:
# how tests give a route that logs in as another role than the service's own.
SANDBOX_ROLE_URLS = {
    "{{SANDBOX_WORKER_DATABASE_URL}}": "upload_worker_staging",
    SANDBOX_API_DATABASE_URL: "upload_api_staging",
    "{{SANDBOX_PRODUCTION_DATABASE_URL}}": "upload_worker_prod",
}


@dataclass(frozen=True)
class Profile:
    """One environment's settings, validated. Its repr shows no secret."""

    name: str
    source: str  # the profile file, as the user would type it
    scenario_tag: str  # the Gherkin environment tag whose scenarios and Examples apply
    sandbox: bool
    render_api_url: str
    render_api_key: Secret | None = field(repr=False)
    service_name: str
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
    # PHASEGATE_PHASES: the phase folders a run judges (features/<name>/); None: every phase of the repository.
    phases: tuple[str, ...] | None = None
    # The round trip, opt-in: PHASEGATE_ACTIVE (or --active) and the API role's credential.
    active: bool = False
    canary_database_url: Secret | None = field(default=None, repr=False)
    canary_timeout: float = 60.0
    canary_payload: object = None  # canary.PayloadTemplate, validated at load
    # The queue's done, failed and running states (QUEUE_DONE_STATUS, QUEUE_FAILED_STATUS, QUEUE_RUNNING_STATUSES).
    queue_states: QueueStates = QueueStates()
    # One line per deprecated key the profile used, printed once at the start of a run.
    deprecations: tuple[str, ...] = ()

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


PROFILES_DIR = "PHASEGATE_PROFILES_DIR"  # a folder of profiles instead of the checkout's environments/


def profiles_folder(root: Path, environ: dict[str, str] | None = None) -> Path:
    """Where profiles are read: ``PHASEGATE_PROFILES_DIR`` if the process environment sets it."""
    environ = os.environ if environ is None else environ
    return Path(environ[PROFILES_DIR]) if environ.get(PROFILES_DIR) else root / "environments"


def _shown(path: Path, root: Path) -> str:
    """A profile file as messages and the run record name it: from the checkout, else in full."""
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def profile_path(root: Path, name: str, environ: dict[str, str] | None = None) -> Path:
    return profiles_folder(root, environ) / f"{name}.env"


def available_profiles(root: Path, environ: dict[str, str] | None = None) -> list[str]:
    folder = profiles_folder(root, environ)
    return sorted(p.name[: -len(".env")] for p in folder.glob("*.env") if not p.name.endswith(".local.env"))


PROCESS_ENVIRONMENT = "the process environment"
_LINE = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")
_KEY_PREFIX = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)")


def parse_profile_file(path: Path, shown: str) -> dict[str, tuple[str, str]]:
    """``KEY=value`` lines -> {key: (value, "file:line")}. Every other non-blank, non-comment line stops the run.

    Stricter than python-dotenv on purpose: dotenv skips a line it cannot parse, and a skipped
    line reads later as "not set" although it is there. Messages never quote the line: a
    malformed line may hold a pasted secret.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{shown}: cannot be read ({type(exc).__name__})") from None
    found: dict[str, tuple[str, str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        where = f"{shown}:{number}"
        match = _LINE.match(stripped)
        if match is None:
            raise ConfigError(f"{where}: {_line_problem(stripped)}")
        key, raw = match.groups()
        value = _unquote(raw, where, key)
        if key in found:
            raise ConfigError(f"{where}: {key} is set again (first at {found[key][1]}); keep one")
        found[key] = (value, where)
    return found


def _line_problem(line: str) -> str:
    prefix = _KEY_PREFIX.match(line)
    key = prefix.group(1) if prefix else None
    rest = line[prefix.end():].lstrip() if prefix else line
    if key and rest.startswith(":"):
        return f"{key} is followed by ':' where KEY=value needs '='"
    if key in KNOWN_KEYS:
        return f"{key} is not followed by '=': expected KEY=value"
    return "not a setting: expected KEY=value (comments start with #)"


def _unquote(raw: str, where: str, key: str) -> str:
    raw = raw.strip()
    if raw[:1] in {'"', "'"}:
        quote = raw[0]
        end = raw.find(quote, 1)
        while quote == '"' and end > 0 and raw[end - 1] == "\\":
            end = raw.find(quote, end + 1)
        if end < 0:
            raise ConfigError(f"{where}: {key}'s value opens a {quote} quote that is never closed on this line")
        trailing = raw[end + 1:].strip()
        if trailing and not trailing.startswith("#"):
            raise ConfigError(f"{where}: {key} has text after its closing quote")
        value = raw[1:end]
        return value.replace('\\"', '"').replace("\\n", "\n") if quote == '"' else value
    # An unquoted value ends at a comment that follows whitespace, as in dotenv.
    return re.split(r"\s+#", raw, maxsplit=1)[0].strip()


def describe(value: str) -> str:
    """What a rejected value looks like, without showing it: any free-text key may hold a pasted secret."""
    if value.startswith("rnd_"):
        return "a value shaped like a Render API key (rnd_…); was a key pasted into the wrong variable?"
    if "://" in value:
        scheme = value.split("://", 1)[0]
        shown = scheme if re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]{0,15}", scheme) else "non-http"
        return f"a {shown}:// URL"
    kinds = [name for name, test in (("letters", str.isalpha), ("digits", str.isdigit)) if any(map(test, value))]
    if any(not (c.isalnum()) for c in value):
        kinds.append("other characters")
    return f"a value of {len(value)} characters ({', '.join(kinds) or 'none'})"


ENVIRONMENT_TAGS = ("staging", "production")  # the scenario tags the features use for an environment
_MARK_OPERATORS = {"not", "and", "or"}


def choose_profile(env_option: str | None, markexpr: str, root: Path) -> str:
    """``--env`` wins; else the one profile or environment tag ``-m`` names; else staging.

    An environment tag without a profile file is chosen all the same, so that loading it
    stops the run: ``-m production`` never falls back to the staging profile.
    """
    if env_option:
        return env_option
    words = set(re.findall(r"[A-Za-z_][\w-]*", markexpr or "")) - _MARK_OPERATORS
    named = sorted(words & (set(available_profiles(root)) | set(ENVIRONMENT_TAGS)))
    if len(named) > 1:
        raise ConfigError(f"-m {markexpr!r} names several environments ({', '.join(named)}); "
                          "pick one profile with --env NAME")
    return named[0] if named else "staging"


def load_profile(name: str, root: Path, environ: dict[str, str] | None = None) -> Profile:
    environ = os.environ if environ is None else environ
    path = profile_path(root, name, environ)
    shown = _shown(path, root)
    if not path.is_file():
        known = ", ".join(available_profiles(root, environ)) or "none"
        example = path.with_name(path.name + ".example")
        hint = f"; copy {_shown(example, root)} to {shown}" if example.is_file() else ""
        raise ConfigError(f"{shown}: no such profile (profiles here: {known}){hint}")
    values: dict[str, str] = {}
    sources: dict[str, str] = {}  # key -> where its value came from: "file:line" or the process environment
    files: list[str] = []
    for source in (path, path.with_name(f"{name}.local.env")):
        if source.is_file():
            files.append(_shown(source, root))
            for key, (value, where) in parse_profile_file(source, _shown(source, root)).items():
                if key not in KNOWN_KEYS:
                    raise ConfigError(f"{where}: unknown key {key}")
                values[key], sources[key] = value, where
    file_values, file_sources = dict(values), dict(sources)
    from_environment = sorted(key for key in KNOWN_KEYS if key in environ)
    for key in from_environment:
        values[key], sources[key] = environ[key], PROCESS_ENVIRONMENT
    _sandbox_world_settings(values, sources)
    profile = _validate(name, shown, values, sources)
    declared_real = _flag_value(file_values.get("RENDER_API_URL_IS_REAL", ""))
    if declared_real is None:
        raise ConfigError(f"{file_sources['RENDER_API_URL_IS_REAL']}: RENDER_API_URL_IS_REAL must be true or false, "
                          f"got {describe(file_values['RENDER_API_URL_IS_REAL'])}")
    return dataclasses.replace(profile, files=tuple(files), from_environment=tuple(from_environment),
                               api_url_is_real=declared_real)


def _sandbox_world_settings(values: dict[str, str], sources: dict[str, str]) -> None:
    """A sandbox world may carry the settings of the deployment it stands for (a queue whose failed state is
    ``dead``): they fill the keys that no profile file and not the process environment set."""
    if not _flag_value(values.get("PHASEGATE_SANDBOX", "")):
        return
    from .sandbox.session import CATALOGUE

    name = values.get("PHASEGATE_SANDBOX_WORLD", "").strip() or "compliant"
    world = CATALOGUE.get(name)  # an unknown world is refused by _validate_sandbox
    for key, value in (world.settings if world else {}).items():
        if not values.get(key, "").strip():
            values[key], sources[key] = value, f"the sandbox world {name}"


def _flag_value(raw: str) -> bool | None:
    """True/false from a profile flag; "" is false; None for anything else."""
    raw = (raw or "false").strip().lower() or "false"
    if raw not in {"true", "false", "1", "0", "yes", "no"}:
        return None
    return raw in {"true", "1", "yes"}


def _validate(name: str, shown: str, values: dict[str, str], sources: dict[str, str] | None = None) -> Profile:
    sources = sources or {}

    def at(key: str) -> str:
        """Where the key's value came from, as a message prefix."""
        return sources.get(key, shown)

    def text(key: str, default: str | None = None) -> str | None:
        value = values.get(key, "").strip()
        return value or default

    def required(key: str) -> str:
        value = text(key)
        if value is None:
            empty = f"{at(key)}: {key} is empty" if key in sources else f"{shown}: {key} is not set"
            raise ConfigError(f"{empty} (set it in {shown}, {shown[:-4]}.local.env or the process "
                              "environment)")
        return value

    def number(key: str, default: float, kind=int, minimum: float = 0) -> float:
        raw = text(key)
        if raw is None:
            return default
        try:
            value = kind(raw)
        except ValueError:
            raise ConfigError(f"{at(key)}: {key} must be a number, got {describe(raw)}") from None
        if value <= minimum:
            raise ConfigError(f"{at(key)}: {key} must be greater than {minimum:g}")
        return value

    def identifier(key: str, default: str) -> str:
        value = text(key, default)
        if not _IDENTIFIER.match(value):
            raise ConfigError(f"{at(key)}: {key} must be a plain SQL name (letters, digits, _), got "
                              f"{describe(value)}")
        return value

    def status_name(key: str, default: str) -> str:
        value = text(key, default)
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_ -]{0,62}", value):
            raise ConfigError(f"{at(key)}: {key} must be a job status name (letters, digits, _, -, space), got "
                              f"{describe(value)}")
        return value

    def queue_state(key: str, default: str) -> str:
        """A state under its new key, or its deprecated one (CANARY_*_STATUS); both set must agree."""
        old = next(k for k, new in RENAMED_KEYS.items() if new == key)
        if text(old) is not None and text(key) is not None and text(old) != text(key):
            raise ConfigError(f"{at(old)}: {old} (deprecated) and {key} ({at(key)}) name different states; "
                              f"keep {key} only")
        return status_name(key if text(key) is not None or text(old) is None else old, default)

    def running_states() -> tuple[str, ...]:
        key = "QUEUE_RUNNING_STATUSES"
        raw = text(key)
        if raw is None:
            return DEFAULT_RUNNING
        states = tuple(s.strip() for s in raw.split(","))
        if not all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_ -]{0,62}", s) for s in states) or len(set(states)) < len(states):
            raise ConfigError(f"{at(key)}: {key} must list job status names (letters, digits, _, -, space), "
                              f"comma-separated, each once, got {describe(raw)}")
        return states

    def flag(key: str) -> bool:
        raw = (text(key) or "false").lower()
        if raw not in {"true", "false", "1", "0", "yes", "no"}:
            raise ConfigError(f"{at(key)}: {key} must be true or false, got {describe(raw)}")
        return raw in {"true", "1", "yes"}

    def secret(key: str) -> Secret | None:
        value = text(key)
        return Secret(value) if value else None

    sandbox = flag("PHASEGATE_SANDBOX")
    api_url = text("RENDER_API_URL", DEFAULT_API_URL).rstrip("/")
    parsed = urlparse(api_url)
    if parsed.scheme not in {"http", "https"} or not parsed.netloc or any(c.isspace() for c in api_url):
        raise ConfigError(f"{at('RENDER_API_URL')}: RENDER_API_URL must be an http(s) URL, got {describe(api_url)}")
    if parsed.username or parsed.password:
        raise ConfigError(f"{at('RENDER_API_URL')}: RENDER_API_URL must not carry credentials; "
                          "the key goes in RENDER_API_KEY")
    api_key = secret("RENDER_API_KEY")
    if api_key is None and not sandbox:
        raise ConfigError(
            f"{at('RENDER_API_KEY')}: RENDER_API_KEY is {'empty' if 'RENDER_API_KEY' in sources else 'not set'} "
            f"(pass it in the process environment, or put it in the git-ignored {shown[:-4]}.local.env)"
        )
    service_id = text("RENDER_SERVICE_ID")
    if service_id is not None and not SERVICE_ID.match(service_id):
        raise ConfigError(f"{at('RENDER_SERVICE_ID')}: RENDER_SERVICE_ID must look like srv-…, got "
                          f"{describe(service_id)}")
    tag = text("PHASEGATE_SCENARIO_TAG", name)
    if not _IDENTIFIER.match(tag):
        raise ConfigError(f"{at('PHASEGATE_SCENARIO_TAG') if 'PHASEGATE_SCENARIO_TAG' in sources else shown}: "
                          "PHASEGATE_SCENARIO_TAG (the scenario tag this profile selects; default: the profile's "
                          f"name) must be a plain tag name, got {describe(tag)}")
    phases = None
    if text("PHASEGATE_PHASES") is not None:
        phases = tuple(p.strip() for p in text("PHASEGATE_PHASES").split(","))
        if not all(_IDENTIFIER.match(p) for p in phases):
            raise ConfigError(f"{at('PHASEGATE_PHASES')}: PHASEGATE_PHASES must list phase folders of features/, "
                              f"comma-separated (e.g. phase4,phase5), got {describe(text('PHASEGATE_PHASES'))}")
    canary_url = _canary_url(at("PHASEGATE_CANARY_DATABASE_URL"), text("PHASEGATE_CANARY_DATABASE_URL"), sandbox)
    active = flag("PHASEGATE_ACTIVE")
    if active and "production" in (name, tag):
        raise ConfigError(f"{at('PHASEGATE_ACTIVE')}: PHASEGATE_ACTIVE is refused for a profile marked production "
                          f"(its name or PHASEGATE_SCENARIO_TAG is 'production'): the round trip writes canary jobs")
    from .canary import DEFAULT_PAYLOAD, PayloadTemplate

    payload = PayloadTemplate.parse(text("CANARY_JOB_PAYLOAD", DEFAULT_PAYLOAD), text("CANARY_POISON_PAYLOAD"),
                                    job_at=at("CANARY_JOB_PAYLOAD"), poison_at=at("CANARY_POISON_PAYLOAD"))
    states = QueueStates(queue_state("QUEUE_DONE_STATUS", DEFAULT_DONE),
                         queue_state("QUEUE_FAILED_STATUS", DEFAULT_FAILED), running_states())
    if states.done == states.failed or {states.done, states.failed} & set(states.running):
        raise ConfigError(f"{shown}: the queue's done, failed and running states (QUEUE_DONE_STATUS, "
                          "QUEUE_FAILED_STATUS, QUEUE_RUNNING_STATUSES) must be different states")
    used = [key for key in RENAMED_KEYS if text(key) is not None]
    deprecations = (f"phasegate: {', '.join(used)} {'is' if len(used) == 1 else 'are'} deprecated "
                    f"({'; '.join(at(k) for k in used)}): {'it names' if len(used) == 1 else 'they name'} the queue's "
                    f"states for every criterion; rename {'it' if len(used) == 1 else 'them'} "
                    f"{', '.join(RENAMED_KEYS[k] for k in used)}",) if used else ()
    if sandbox:
        _validate_sandbox(at("PHASEGATE_SANDBOX_WORLD"), text("PHASEGATE_SANDBOX_WORLD", "compliant"),
                          at("PHASEGATE_SANDBOX_FAULTS"), text("PHASEGATE_SANDBOX_FAULTS", ""))
    return Profile(
        name=name,
        source=shown,
        scenario_tag=tag,
        sandbox=sandbox,
        render_api_url=api_url,
        render_api_key=api_key,
        service_name=required("RENDER_SERVICE_NAME"),
        service_id=service_id,
        production_service_name=text("RENDER_PRODUCTION_SERVICE_NAME"),
        api_service_name=text("RENDER_API_SERVICE_NAME"),
        render_timeout=number("RENDER_TIMEOUT_SECONDS", 10.0, float),
        render_retry_budget=number("RENDER_RETRY_BUDGET_SECONDS", 30.0, float, minimum=-1),
        # Pacing to Render's 400 GETs a minute: 15 minutes reads about 6,000 resources.
        render_rate_wait=number("RENDER_RATE_WAIT_SECONDS", 900.0, float),
        database_url_override=_route(at("PHASEGATE_DATABASE_URL"), "PHASEGATE_DATABASE_URL",
                                     text("PHASEGATE_DATABASE_URL"), sandbox),
        api_database_url_override=_route(at("PHASEGATE_API_DATABASE_URL"), "PHASEGATE_API_DATABASE_URL",
                                         text("PHASEGATE_API_DATABASE_URL"), sandbox),
        db_schema=identifier("DB_SCHEMA", "upload_pipeline_staging"),
        production_db_schema=identifier("PRODUCTION_DB_SCHEMA", "upload_pipeline"),
        production_db_role=text("PRODUCTION_DB_ROLE"),
        db_queue_table=identifier("DB_QUEUE_TABLE", "upload_jobs"),
        worker_pool_max=int(number("WORKER_POOL_MAX", 10)),
        db_connect_timeout=int(number("DB_CONNECT_TIMEOUT_SECONDS", 10)),
        db_statement_timeout_ms=int(number("DB_STATEMENT_TIMEOUT_MS", 15000)),
        stuck_job_minutes=int(number("STUCK_JOB_MINUTES", 15)),
        deploy_wait_seconds=number("DEPLOY_WAIT_SECONDS", 0.0, float),
        metrics_threshold_percent=number("METRICS_THRESHOLD_PERCENT", 80.0, float),
        sandbox_world=text("PHASEGATE_SANDBOX_WORLD", "compliant"),
        sandbox_faults=text("PHASEGATE_SANDBOX_FAULTS", ""),
        sandbox_request_log=text("PHASEGATE_SANDBOX_REQUEST_LOG"),
        digest_key=secret("PHASEGATE_DIGEST_KEY"),
        policy_pattern=text("POLICY_SERVICE_PATTERN"),
        policy_environment=text("POLICY_ENVIRONMENT"),
        policy_branch=text("POLICY_BRANCH"),
        policy_forbidden_keys=text("POLICY_FORBIDDEN_KEYS"),
        sandbox_pooler=flag("PHASEGATE_SANDBOX_POOLER"),
        phases=phases,
        origins=dict(sources),
        active=active,
        canary_database_url=canary_url,
        canary_timeout=number("CANARY_TIMEOUT_SECONDS", 60.0, float),
        canary_payload=payload,
        queue_states=states,
        deprecations=deprecations,
    )


def _route(where: str, key: str, value: str | None, sandbox: bool) -> Secret | None:
    """A route of the runner's own to a database (a secret); in a sandbox profile maybe a sandbox role's
    placeholder (:data:`SANDBOX_ROLE_URLS`)."""
    if value is None:
        return None
    if value in SANDBOX_ROLE_URLS:
        if not sandbox:
            raise ConfigError(f"{where}: {key}: {value} names a sandbox role, only in a sandbox profile")
        return Secret(value, scrubbed=False)  # a placeholder, not a credential
    return Secret(value)


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


def _validate_sandbox(world_at: str, world: str, faults_at: str, faults: str) -> None:
    from .sandbox.session import CATALOGUE
    from .sandbox.simulator import Faults

    if world not in CATALOGUE:
        raise ConfigError(f"{world_at}: PHASEGATE_SANDBOX_WORLD is not a sandbox world, got {describe(world)} "
                          "(phasegate sandbox worlds lists them)")
    try:
        Faults.parse(faults)
    except ValueError as exc:
        raise ConfigError(f"{faults_at}: PHASEGATE_SANDBOX_FAULTS: {exc}") from None
