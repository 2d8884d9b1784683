"""Read-only client for the Render REST API (``https://api.render.com/v1``).

Modelled on httpx itself: one client object, a small typed exception tree, tolerant
models. The client can only send ``GET`` requests.

Every error is a :class:`RenderError` (a :class:`phasegate.errors.TargetError`), so a
scenario that cannot read Render is *broken*, never *failed*. Messages are one line,
name the method and path, pass through :func:`phasegate.secrets.scrub` and never chain
the underlying httpx exception (whose context could show request headers).

Rate budget: every request is admitted by a :class:`phasegate.rate_window.RateWindow`,
which paces the run to the budget Render announces (``Ratelimit-Remaining`` /
``Ratelimit-Reset``) so that no request runs into a 429. A 429 that still comes (another
client on the same key) closes the window for its ``Retry-After`` (else ``Ratelimit-Reset``,
seconds, or epoch seconds above 10**9); such waits are bounded by the run's
``rate_wait_limit``, not by the retry budget, and use no attempt.

Retries: 500, 502, 503, 504, timeouts and transport errors are retried, at most
``max_attempts`` attempts and never sleeping past ``retry_budget`` seconds of elapsed
time outside rate waits (measured with the injected ``clock``), with exponential backoff
and full jitter (base 0.5 s, factor 2, cap 8 s); a 503 that carries ``Retry-After`` has it
honoured.
"""

from __future__ import annotations

import datetime as _dt
import email.utils
import random
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import httpx

from phasegate.errors import ConfigError, TargetError
from phasegate.rate_window import RateWindow, WaitLimitExceeded, parse_seconds
from phasegate.secrets import Secret, is_plain, register, scrub

__all__ = [
    "RenderError",
    "AuthenticationError",
    "NotFoundError",
    "RateLimitedError",
    "ServerError",
    "NetworkError",
    "ResponseFormatError",
    "RenderClient",
    "Service",
    "EnvVar",
    "SecretFile",
    "ServiceLink",
    "EnvGroup",
    "Deploy",
    "Event",
    "Series",
]

# --------------------------------------------------------------------------- errors


def _one_line(text: str, limit: int = 500) -> str:
    text = re.sub(r"\s+", " ", str(text)).strip()
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


class RenderError(TargetError):
    """The Render API could not be read. ``status`` is the HTTP status (None if no response)."""

    def __init__(self, message: str, *, status: int | None = None, path: str = "", method: str = "GET"):
        super().__init__(scrub(_one_line(message)))
        self.status = status
        self.path = scrub(path)
        self.method = method

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r}, status={self.status!r})"


class AuthenticationError(RenderError):
    """401/403: the API key is missing, wrong, revoked, or lacks access."""


class NotFoundError(RenderError):
    """404: the resource does not exist (or the key's owner cannot see it)."""


class RateLimitedError(RenderError):
    """429 still returned after the retries or the retry budget were used up."""


class ServerError(RenderError):
    """5xx still returned after the retries or the retry budget were used up."""


class NetworkError(RenderError):
    """Timeouts, refused or reset connections, after the retries."""


class ResponseFormatError(RenderError):
    """The body is not JSON, or not of the expected shape."""


# --------------------------------------------------------------------------- reading the wire strictly
#
# Render's contract is its OpenAPI spec, as its Python SDK (``render.public_api``) and its CLI
# (``render-oss/cli``, ``pkg/client/*_gen.go``) are generated from it. The readers below accept
# what the spec allows plus the real-world deviations listed in ``WIRE_DEVIATIONS``; anything
# else is a ResponseFormatError naming the field and what was expected, so a criterion that
# needs the value is broken, never judged on what is left after skipping it.

WIRE_DEVIATIONS = (
    "explicit null for an optional field (\"commit\": null, \"finishedAt\": null): real captures in "
    "render-samples/ (render-oss/terraform-provider-render cassettes)",
    "fields and enum values newer than the spec: real captures; extra fields are ignored, an "
    "unknown enum value is kept as text and judged (or broken) by the criterion that reads it",
    "GET /env-groups items wrapped as {cursor, envGroup} although the spec declares a bare array "
    "of envGroupMeta: reported by third-party clients that decode Render's raw body",
)


def _kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return f"a {type(value).__name__}"


class _Wire:
    """Typed access to one wire object; ``where`` names it in every error (e.g. ``service[2]``)."""

    __slots__ = ("data", "where")

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise ResponseFormatError(f"{where} is {_kind_of(data)}, expected an object")
        self.data, self.where = data, where

    def _bad(self, name: str, expected: str) -> ResponseFormatError:
        return ResponseFormatError(
            f"{self.where}.{name} is {_kind_of(self.data.get(name))}, expected {expected}")

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self.data.get(name)
        if value is None:
            if required:
                raise self._bad(name, "a string")
            return None
        if not isinstance(value, str):
            raise self._bad(name, "a string" + ("" if required else " or null"))
        return value

    def integer(self, name: str) -> int | None:
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._bad(name, "an integer or null")
        return value

    def number(self, name: str) -> float:
        value = self.data.get(name)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self._bad(name, "a number")
        return float(value)

    def obj(self, name: str, *, required: bool = False) -> "_Wire | None":
        value = self.data.get(name)
        if value is None and not required:
            return None
        if not isinstance(value, dict):
            raise self._bad(name, "an object" + ("" if required else " or null"))
        return _Wire(value, f"{self.where}.{name}")

    def items(self, name: str, *, required: bool = False) -> list["_Wire"]:
        value = self.data.get(name)
        if value is None and not required:
            return []
        if not isinstance(value, list):
            raise self._bad(name, "a list")
        return [_Wire(item, f"{self.where}.{name}[{i}]") for i, item in enumerate(value)]

    def texts(self, name: str) -> tuple[str, ...]:
        value = self.data.get(name)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self._bad(name, "a list of strings")
        return tuple(value)


def _yes_no(wire: _Wire, name: str) -> str | None:
    """Render's yes/no enums; older captures carry a boolean, read as the same word."""
    value = wire.data.get(name)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return wire.text(name)


_DASHBOARD_KIND = {
    "background_worker": "worker",
    "web_service": "web",
    "private_service": "pserv",
    "cron_job": "cron",
    "static_site": "static",
}
DASHBOARD = "https://dashboard.render.com"

# --------------------------------------------------------------------------- models


@dataclass(frozen=True)
class Service:
    id: str | None = None
    name: str | None = None
    type: str | None = None
    dashboard_url: str | None = None
    branch: str | None = None
    repo: str | None = None
    auto_deploy: str | None = None
    auto_deploy_trigger: str | None = None
    suspended: str | None = None
    suspenders: tuple[str, ...] = ()
    runtime: str | None = None
    region: str | None = None
    plan: str | None = None
    dockerfile_path: str | None = None
    docker_command: str | None = None
    docker_context: str | None = None
    start_command: str | None = None
    num_instances: int | None = None
    created_at: str | None = None
    updated_at: str | None = None
    owner_id: str | None = None
    slug: str | None = None
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_wire(cls, d: Any, where: str = "service") -> "Service":
        w = _Wire(d, where)
        details = w.obj("serviceDetails")
        specific = details.obj("envSpecificDetails") if details else None
        sid = w.text("id", required=True)
        stype = w.text("type", required=True)
        dashboard_url = w.text("dashboardUrl")
        if not dashboard_url and stype in _DASHBOARD_KIND:
            dashboard_url = f"{DASHBOARD}/{_DASHBOARD_KIND[stype]}/{sid}"
        start = specific.text("startCommand") if specific else None
        if start is None and details:
            start = details.text("startCommand")
        runtime = details.text("runtime") if details else None
        if runtime is None and details:
            runtime = details.text("env")
        region = details.text("region") if details else None
        if region is None:
            region = w.text("region")
        return cls(
            id=sid,
            name=w.text("name", required=True),
            type=stype,
            dashboard_url=dashboard_url or None,
            branch=w.text("branch"),
            repo=w.text("repo"),
            auto_deploy=_yes_no(w, "autoDeploy"),
            auto_deploy_trigger=w.text("autoDeployTrigger"),
            suspended=w.text("suspended"),
            suspenders=w.texts("suspenders"),
            runtime=runtime,
            region=region,
            plan=details.text("plan") if details else None,
            dockerfile_path=specific.text("dockerfilePath") if specific else None,
            docker_command=specific.text("dockerCommand") if specific else None,
            docker_context=specific.text("dockerContext") if specific else None,
            start_command=start,
            num_instances=details.integer("numInstances") if details else None,
            created_at=w.text("createdAt"),
            updated_at=w.text("updatedAt"),
            owner_id=w.text("ownerId"),
            slug=w.text("slug"),
            raw=d,
        )


@dataclass(frozen=True)
class EnvVar:
    """An env var. The value is always a :class:`Secret`; the snapshot decides what is plain."""

    key: str
    value: Secret

    @classmethod
    def from_wire(cls, d: Any, where: str = "envVar") -> "EnvVar":
        w = _Wire(d, where)
        key = w.text("key", required=True)
        return cls(key=key, value=Secret(w.text("value", required=True), scrubbed=not is_plain(key)))


@dataclass(frozen=True)
class SecretFile:
    name: str
    content: Secret

    @classmethod
    def from_wire(cls, d: Any, where: str = "secretFile") -> "SecretFile":
        w = _Wire(d, where)
        return cls(name=w.text("name", required=True), content=Secret(w.text("content", required=True)))


# Render's ServiceTypeShort, the ``type`` of an env group's service link.
LINK_TYPES = {"worker": "background_worker", "web": "web_service", "pserv": "private_service",
              "cron": "cron_job", "static": "static_site"}


@dataclass(frozen=True)
class ServiceLink:
    id: str | None = None
    name: str | None = None
    type: str | None = None  # Render's short form: worker, web, pserv, cron, static

    @classmethod
    def from_wire(cls, d: Any, where: str = "serviceLink") -> "ServiceLink":
        w = _Wire(d, where)
        return cls(id=w.text("id", required=True), name=w.text("name"), type=w.text("type"))

    @property
    def service_type(self) -> str | None:
        """The link's type in the long form services carry (``background_worker``…)."""
        return LINK_TYPES.get(self.type or "", self.type)


@dataclass(frozen=True)
class EnvGroup:
    """An environment group. Items of ``GET /env-groups`` carry no vars (empty tuples)."""

    id: str | None = None
    name: str | None = None
    service_links: tuple[ServiceLink, ...] = ()
    env_vars: tuple[EnvVar, ...] = ()
    secret_files: tuple[SecretFile, ...] = ()
    created_at: str | None = None

    @classmethod
    def from_wire(cls, d: Any, where: str = "envGroup", *, detail: bool = False) -> "EnvGroup":
        w = _Wire(d, where)
        return cls(
            id=w.text("id", required=True),
            name=w.text("name", required=True),
            service_links=tuple(ServiceLink.from_wire(x.data, x.where)
                                for x in w.items("serviceLinks", required=True)),
            env_vars=tuple(EnvVar.from_wire(x.data, x.where) for x in w.items("envVars", required=detail)),
            secret_files=tuple(SecretFile.from_wire(x.data, x.where)
                               for x in w.items("secretFiles", required=detail)),
            created_at=w.text("createdAt"),
        )


# Render's DeployStatus, by what it means for "the latest deploy".
DEPLOY_IN_FLIGHT = frozenset({"created", "queued", "build_in_progress", "update_in_progress",
                              "pre_deploy_in_progress"})
DEPLOY_SETTLED = frozenset({"live", "deactivated", "build_failed", "update_failed", "pre_deploy_failed",
                            "canceled"})


@dataclass(frozen=True)
class Deploy:
    id: str | None = None
    status: str | None = None
    trigger: str | None = None
    created_at: str | None = None
    finished_at: str | None = None
    commit_id: str | None = None
    commit_message: str | None = None
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_wire(cls, d: Any, where: str = "deploy") -> "Deploy":
        w = _Wire(d, where)
        commit = w.obj("commit")
        return cls(
            id=w.text("id", required=True),
            status=w.text("status"),
            trigger=w.text("trigger"),
            created_at=w.text("createdAt"),
            finished_at=w.text("finishedAt"),
            commit_id=commit.text("id") if commit else None,
            commit_message=commit.text("message") if commit else None,
            raw=d,
        )


@dataclass(frozen=True)
class Event:
    """One service event (``ServiceEvent``); ``details`` is the type-specific object."""

    id: str
    type: str
    timestamp: str
    details: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_wire(cls, d: Any, where: str = "event") -> "Event":
        w = _Wire(d, where)
        details = w.obj("details")
        return cls(id=w.text("id", required=True), type=w.text("type", required=True),
                   timestamp=w.text("timestamp", required=True), details=details.data if details else {})


@dataclass(frozen=True)
class Series:
    """One metrics time series (``TimeSeries``): its free-text unit and its points."""

    unit: str
    points: tuple[tuple[str, float], ...]
    labels: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_wire(cls, d: Any, where: str = "series") -> "Series":
        w = _Wire(d, where)
        labels = tuple((x.text("field", required=True), x.text("value", required=True))
                       for x in w.items("labels"))
        points = tuple((x.text("timestamp", required=True), x.number("value"))
                       for x in w.items("values", required=True))
        return cls(unit=w.text("unit", required=True), points=points, labels=labels)


# --------------------------------------------------------------------------- client

_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_BACKOFF_BASE = 0.5
_REFUSED_ATTEMPTS = 2  # a refused connection is tried twice, not max_attempts times (seconds, not tens)
_BACKOFF_FACTOR = 2.0
_BACKOFF_CAP = 8.0
_EPOCH_THRESHOLD = 10**9
_DEFAULT_PAGE_SIZE = 20  # Render's page size when no limit is honoured
_HARD_PAGE_CAP = 1000  # a list longer than 100,000 items is a server bug, not data


def _seg(value: Any) -> str:
    """One path segment, percent-encoded so an id cannot change the path."""
    text = "" if value is None else str(value)
    if not text:
        raise ValueError("an empty id cannot name a Render resource")
    return urllib.parse.quote(text, safe="")


def _short_cause(exc: BaseException) -> str:
    """A one-line description of a transport error, without its request."""
    if isinstance(exc, httpx.ConnectTimeout):
        return "connect timeout"
    if isinstance(exc, httpx.ReadTimeout):
        return "read timeout"
    if isinstance(exc, httpx.WriteTimeout):
        return "write timeout"
    if isinstance(exc, httpx.PoolTimeout):
        return "connection pool timeout"
    text = _one_line(str(exc), 160)
    text = re.sub(r"^\[Errno -?\d+\]\s*", "", text)
    if not text:
        return type(exc).__name__
    return text[0].lower() + text[1:]


class _CacheEntry:
    __slots__ = ("done", "value", "error")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None


SIMULATOR_HEADER = "X-Phasegate-Simulator"  # phasegate's own Render simulator says so on every answer


class RenderClient:
    """A read-only Render API client: ``GET`` with bounded retries, typed reads, typed errors."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 10.0,
        max_attempts: int = 5,
        retry_budget: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], Any] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        user_agent: str = "phasegate/0.1",
        rate_wait_limit: float = 900.0,
    ) -> None:
        key = (api_key or "").strip()
        if not key:
            raise ConfigError("Render API key is empty (render api key)")
        register(key)
        base = (base_url or "").strip().rstrip("/")
        try:
            url = httpx.URL(base)
        except Exception:
            url = None
        if url is None or url.scheme not in ("http", "https") or not url.host:
            raise ConfigError(scrub(f"Render API base URL is not an http(s) URL: {base_url!r}"))
        self._base = base
        port = f":{url.port}" if url.port else ""
        self._shown_base = scrub(f"{url.scheme}://{url.host}{port}{url.path.rstrip('/')}")
        self.max_attempts = max(1, int(max_attempts))
        self.retry_budget = float(retry_budget)
        self.timeout = float(timeout)
        self._sleep = sleep
        self._clock = clock
        self._uniform: Callable[[float, float], float] = random.uniform
        self._wall: Callable[[], float] = time.time
        self.request_count = 0
        self.answered_by: set[str] = set()  # hosts that answered, for the run's provenance
        self.answered_as_simulator = False  # any answer carried SIMULATOR_HEADER
        self.rate = RateWindow(wait_limit=rate_wait_limit, clock=clock, sleep=sleep, wall=lambda: self._wall())
        self._fresh_reads = 0
        self._cache: dict = {}
        self._cache_lock = threading.Lock()
        self._http = httpx.Client(
            headers={
                "Authorization": f"Bearer {key}",
                "Accept": "application/json",
                "User-Agent": user_agent,
            },
            timeout=httpx.Timeout(self.timeout),
            transport=transport,
            # Plain http (the sandbox) needs no TLS context; loading CA certificates costs ~0.1 s.
            verify=url.scheme == "https",
            follow_redirects=False,
        )

    # ----------------------------------------------------------------- lifecycle

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "RenderClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RenderClient(base_url={self._shown_base!r}, requests={self.request_count})"

    # ----------------------------------------------------------------- low level

    def _url(self, path: str) -> str:
        return f"{self._base}/{path.lstrip('/')}"

    def _backoff(self, attempt: int) -> float:
        ceiling = min(_BACKOFF_CAP, _BACKOFF_BASE * _BACKOFF_FACTOR ** (attempt - 1))
        return max(0.0, float(self._uniform(0.0, ceiling)))

    def _header_wait(self, response: httpx.Response, *, reset_too: bool) -> tuple[float, str] | None:
        retry_after = response.headers.get("Retry-After")
        if retry_after is not None:
            seconds = parse_seconds(retry_after)
            if seconds is None:
                try:
                    when = email.utils.parsedate_to_datetime(retry_after.strip())
                    seconds = when.timestamp() - self._wall()
                except (TypeError, ValueError, IndexError, OverflowError):
                    seconds = None
            if seconds is not None:
                seconds = max(0.0, seconds)
                return seconds, f"Retry-After {_fmt(seconds)}s"
        if reset_too:
            reset = response.headers.get("Ratelimit-Reset")
            seconds = parse_seconds(reset) if reset is not None else None
            if seconds is not None:
                if seconds > _EPOCH_THRESHOLD:
                    seconds = seconds - self._wall()
                seconds = max(0.0, seconds)
                return seconds, f"Ratelimit-Reset {_fmt(seconds)}s"
        return None

    @property
    def ratelimit_remaining(self) -> int | None:
        """The lowest ``Ratelimit-Remaining`` any answer announced in this run."""
        return self.rate.lowest_remaining

    def _note_answer(self, response: httpx.Response) -> None:
        port = f":{response.url.port}" if response.url.port else ""
        self.answered_by.add(f"{response.url.host}{port}")
        if response.headers.get(SIMULATOR_HEADER):
            self.answered_as_simulator = True

    def _admit(self, path: str) -> float:
        """Wait for room in Render's rate window; the seconds it took (pacing, not retrying)."""
        before = self._clock()
        try:
            self.rate.admit()
        except WaitLimitExceeded as exc:
            raise RateLimitedError(f"{exc} on GET {path}", status=429, path=path) from None
        return self._clock() - before

    def get_json(self, path: str, params: Mapping[str, Any] | None = None, *, generation: int = 0) -> Any:
        """The decoded JSON body of ``GET path?params``, read at most once per client.

        One client serves one run: a resource asked for twice (by the criteria and by the
        environment policy, say) is read once, so every verdict sees the same instant and
        the run spends no rate budget twice. Concurrent askers wait for the first read. A new
        ``generation`` reads again (a deploy in flight is polled).
        """
        key = (path, tuple(sorted((k, str(v)) for k, v in (params or {}).items() if v is not None)), generation)
        with self._cache_lock:
            entry = self._cache.get(key)
            owner = entry is None
            if owner:
                entry = self._cache[key] = _CacheEntry()
        if owner:
            try:
                entry.value = self._get_json_once(path, params)
            except BaseException as exc:
                entry.error = exc
            finally:
                entry.done.set()
        entry.done.wait()
        if entry.error is not None:
            raise entry.error
        return entry.value

    def _get_json_once(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """One ``GET`` (with retries); the decoded JSON body."""
        where = f"GET {path}"
        url = self._url(path)
        query = {k: v for k, v in (params or {}).items() if v is not None}
        start = self._clock()
        paced = 0.0  # time spent waiting for the rate window: not part of the retry budget
        refused = 0  # 429s in a row, for the backoff when a 429 names no wait
        attempt = 0
        while True:
            attempt += 1
            response: httpx.Response | None = None
            cause: str | None = None
            fatal_transport = undecodable = False
            paced += self._admit(path)
            try:
                self.request_count += 1
                response = self._http.get(url, params=query)
                self._note_answer(response)
            except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
                cause, fatal_transport = f"{_short_cause(exc)} ({type(exc).__name__})", True
            except httpx.TransportError as exc:  # includes every httpx.TimeoutException
                cause = f"{_short_cause(exc)} ({type(exc).__name__})"
                # Nothing listening answers the same a second later: one retry, then the run says so.
                fatal_transport = (isinstance(exc, httpx.ConnectError) and attempt >= _REFUSED_ATTEMPTS
                                   and "refused" in cause)
            except httpx.DecodingError as exc:
                cause, undecodable = type(exc).__name__, True
            except httpx.HTTPError as exc:
                cause, fatal_transport = f"{_short_cause(exc)} ({type(exc).__name__})", True
            finally:
                # A 429's own headers are read below: its Retry-After is what closes the window.
                headers = response.headers if response is not None and response.status_code != 429 else {}
                self.rate.release(remaining=headers.get("Ratelimit-Remaining"),
                                  reset=headers.get("Ratelimit-Reset"), limit=headers.get("Ratelimit-Limit"))

            # Raised here, outside the except blocks, so no httpx exception is even the context.
            if undecodable:
                raise ResponseFormatError(
                    f"Render API sent a body that could not be decoded ({cause}) on {where}", path=path
                )
            if response is not None and 200 <= response.status_code < 300:
                return self._decode(response, path, where)
            if response is not None and response.status_code not in _RETRY_STATUSES:
                raise self._status_error(response, path, where)

            # A retryable outcome: 429, 5xx listed above, or a transport error.
            if response is None:
                reason = f"cannot reach {self._shown_base}: {cause}"
                header = None
                if fatal_transport:
                    tries = f" after {attempt} attempts" if attempt > 1 else ""
                    raise NetworkError(f"{reason}{tries} on {where}", path=path)
            elif response.status_code == 429:
                # Another client spent the key's budget: the window is closed until Retry-After.
                # Waiting for it is pacing, bounded by the run's rate-wait limit, not an attempt.
                header = self._header_wait(response, reset_too=True)
                refused += 1
                self.rate.refused(header[0] if header is not None else self._backoff(refused))
                attempt -= 1
                continue
            else:
                reason = f"Render API server error {response.status_code} {response.reason_phrase}".rstrip()
                header = self._header_wait(response, reset_too=False) if response.status_code == 503 else None

            if attempt >= self.max_attempts:
                raise self._exhausted(response, f"{reason} after {attempt} attempts on {where}", path)
            if header is not None:
                wait, source = header
            else:
                wait = self._backoff(attempt)
                source = f"backoff {_fmt(wait)}s"
            elapsed = max(0.0, self._clock() - start - paced)
            if elapsed + wait > self.retry_budget:
                raise self._exhausted(
                    response,
                    f"{reason} after {attempt} attempts ({source} exceeds the "
                    f"{_fmt(self.retry_budget)}s retry budget, {_fmt(elapsed)}s already spent) on {where}",
                    path,
                )
            self._sleep(wait)

    @staticmethod
    def _exhausted(response: httpx.Response | None, message: str, path: str) -> RenderError:
        if response is None:
            return NetworkError(message, path=path)
        if response.status_code == 429:
            return RateLimitedError(message, status=429, path=path)
        return ServerError(message, status=response.status_code, path=path)

    @staticmethod
    def _decode(response: httpx.Response, path: str, where: str) -> Any:
        content = response.content
        if not content.strip():
            raise ResponseFormatError(
                f"Render API returned an empty body ({response.status_code}) on {where}",
                status=response.status_code,
                path=path,
            )
        try:
            return response.json()
        except ValueError:  # JSONDecodeError and UnicodeDecodeError both are
            kind = response.headers.get("Content-Type", "no content type").split(";")[0].strip()
            raise ResponseFormatError(
                f"Render API returned a body that is not JSON ({kind}, {len(content)} bytes) on {where}",
                status=response.status_code,
                path=path,
            ) from None

    @staticmethod
    def _status_error(response: httpx.Response, path: str, where: str) -> RenderError:
        status = response.status_code
        label = f"{status} {response.reason_phrase}".rstrip()
        if status in (401, 403):
            return AuthenticationError(f"Render API refused the key ({label}) on {where}", status=status, path=path)
        detail = _error_message(response)
        suffix = f": {detail}" if detail else ""
        if status == 404:
            return NotFoundError(f"Render API: not found ({label}) on {where}{suffix}", status=status, path=path)
        return RenderError(f"Render API answered {label} on {where}{suffix}", status=status, path=path)

    # ----------------------------------------------------------------- pagination

    def list_all(
        self,
        path: str,
        resource: str,
        params: Mapping[str, Any] | None = None,
        *,
        limit: int = 100,
        max_pages: int | None = None,
        generation: int = 0,
    ) -> list[dict]:
        """Every ``<resource>`` of a cursor-paginated Render list, unwrapped, in served order."""
        where = f"GET {path}"
        limit = max(1, min(100, int(limit)))
        base_params = {k: v for k, v in (params or {}).items() if k not in ("cursor", "limit")}
        out: list[dict] = []
        seen: set[str] = set()
        cursor: str | None = None
        pages = 0
        while True:
            query = dict(base_params, limit=limit)
            if cursor is not None:
                query["cursor"] = cursor
            body = self.get_json(path, query, generation=generation)
            pages += 1
            if not isinstance(body, list):
                raise ResponseFormatError(
                    f"Render API returned {_kind(body)} where a list was expected on {where}", path=path
                )
            for index, item in enumerate(body):
                if not isinstance(item, dict) or not isinstance(item.get(resource), dict):
                    raise ResponseFormatError(
                        f"Render API list item {index} of page {pages} is {_describe_item(item)}, expected "
                        f"{{cursor, {resource}: {{…}}}} on {where}", path=path)
                out.append(item[resource])
            # A short page is the last one, unless it holds exactly Render's default page
            # size: then the server may have ignored our limit, and stopping would lose items.
            if not body or (len(body) < limit and len(body) != _DEFAULT_PAGE_SIZE):
                return out
            if max_pages is not None and pages >= max_pages:
                return out
            last = body[-1]
            nxt = last.get("cursor") if isinstance(last, dict) else None
            if (not isinstance(nxt, str) or not nxt) and len(body) < limit:
                return out
            if not isinstance(nxt, str) or not nxt:
                raise ResponseFormatError(
                    f"Render API list page {pages} is full but its last item has no cursor on {where}", path=path
                )
            if nxt in seen or nxt == cursor:
                raise ResponseFormatError(
                    f"Render API pagination did not advance (cursor repeated on page {pages + 1}) on {where}",
                    path=path,
                )
            if pages >= _HARD_PAGE_CAP:
                raise ResponseFormatError(
                    f"Render API list did not end after {pages} pages on {where}", path=path
                )
            seen.add(nxt)
            cursor = nxt

    # ----------------------------------------------------------------- typed reads

    def _get_object(self, path: str, params: Mapping[str, Any] | None = None) -> dict:
        body = self.get_json(path, params)
        if not isinstance(body, dict):
            raise ResponseFormatError(
                f"Render API returned {_kind(body)} where an object was expected on GET {path}", path=path
            )
        return body

    @staticmethod
    def _parse(path: str, parse: Callable[[], Any]) -> Any:
        """Run a model reader; its ResponseFormatError gains the request it came from."""
        try:
            return parse()
        except ResponseFormatError as exc:
            raise ResponseFormatError(f"Render API response does not match Render's contract: {exc} on GET {path}",
                                      path=path) from None

    def find_services(self, name: str) -> list[Service]:
        """Services named exactly ``name`` (the server filter may ignore or prefix-match)."""
        items = self.list_all("/services", "service", {"name": name})
        services = self._parse("/services", lambda: [Service.from_wire(d, f"service[{i}]")
                                                     for i, d in enumerate(items)])
        return [s for s in services if s.name == name]

    def list_services(self) -> list[Service]:
        items = self.list_all("/services", "service")
        return self._parse("/services", lambda: [Service.from_wire(d, f"service[{i}]") for i, d in enumerate(items)])

    def get_service(self, service_id: str) -> Service:
        path = f"/services/{_seg(service_id)}"
        body = self._get_object(path)
        return self._parse(path, lambda: Service.from_wire(body))

    def list_env_vars(self, service_id: str) -> list[EnvVar]:
        path = f"/services/{_seg(service_id)}/env-vars"
        items = self.list_all(path, "envVar")
        return self._parse(path, lambda: [EnvVar.from_wire(d, f"envVar[{i}]") for i, d in enumerate(items)])

    def list_secret_files(self, service_id: str) -> list[SecretFile]:
        path = f"/services/{_seg(service_id)}/secret-files"
        items = self.list_all(path, "secretFile")
        return self._parse(path, lambda: [SecretFile.from_wire(d, f"secretFile[{i}]") for i, d in enumerate(items)])

    def list_deploys(self, service_id: str, *, max_pages: int | None = 1, fresh: bool = False) -> list[Deploy]:
        """The newest deploys first (one page of 100 unless ``max_pages`` says otherwise).

        ``fresh`` reads again instead of reusing this run's read: waiting for a deploy in flight.
        """
        path = f"/services/{_seg(service_id)}/deploys"
        generation = self._fresh_token() if fresh else 0
        items = self.list_all(path, "deploy", max_pages=max_pages, generation=generation)
        return self._parse(path, lambda: [Deploy.from_wire(d, f"deploy[{i}]") for i, d in enumerate(items)])

    def _fresh_token(self) -> int:
        with self._cache_lock:
            self._fresh_reads += 1
            return self._fresh_reads

    def list_env_groups(self) -> list[EnvGroup]:
        """Every env group of the workspace.

        The spec declares a bare array of envGroupMeta with no cursor in it, so a full page
        cannot be continued by cursor: the list is split by ``createdAfter``/``createdBefore``
        (filters the spec defines) until every window fits in one page. Items wrapped as
        ``{cursor, envGroup}`` (a deviation seen in the wild) are paged by their cursor.
        """
        found: dict[str, EnvGroup] = {}
        self._env_groups_in(_GROUPS_EPOCH, None, found, 0)
        return sorted(found.values(), key=lambda g: (g.created_at or "", g.id or ""))

    def _env_groups_in(self, after: _dt.datetime, before: _dt.datetime | None, found: dict, depth: int) -> None:
        path = "/env-groups"
        limit = 100
        params = {"limit": limit}
        if depth:
            params.update(createdAfter=_rfc3339(after), createdBefore=_rfc3339(before))
        body = self.get_json(path, params)
        if not isinstance(body, list):
            raise ResponseFormatError(
                f"Render API returned {_kind(body)} where a list was expected on GET {path}", path=path)
        wrapped = [isinstance(item, dict) and isinstance(item.get("envGroup"), dict) for item in body]
        if body and all(wrapped):
            if depth:
                raise ResponseFormatError(f"Render API mixed list shapes between pages on GET {path}", path=path)
            items = self.list_all(path, "envGroup")
            groups = self._parse(path, lambda: [EnvGroup.from_wire(d, f"envGroup[{i}]") for i, d in enumerate(items)])
            found.update((g.id, g) for g in groups)
            return
        if any(wrapped):
            raise ResponseFormatError(
                f"Render API mixed bare and wrapped env groups in one page on GET {path}", path=path)
        groups = self._parse(path, lambda: [EnvGroup.from_wire(d, f"envGroupMeta[{i}]") for i, d in enumerate(body)])
        found.update((g.id, g) for g in groups)
        # Not full: the window is complete. Exactly 20 may be Render's default page size with
        # our limit ignored, so it is split like a full page.
        if len(body) < limit and len(body) != _DEFAULT_PAGE_SIZE:
            return
        end = before or _dt.datetime.now(_dt.timezone.utc) + _dt.timedelta(days=1)
        if end - after <= _dt.timedelta(milliseconds=2) or depth >= 64:
            raise ResponseFormatError(
                f"Render API lists {len(body)} or more env groups created within {_rfc3339(after)} and "
                f"{_rfc3339(end)}; they cannot be told apart by creation time on GET {path}", path=path)
        middle = after + (end - after) / 2
        # The halves overlap by a millisecond: whether the filters are inclusive is not specified.
        self._env_groups_in(after, middle + _dt.timedelta(milliseconds=1), found, depth + 1)
        self._env_groups_in(middle, end, found, depth + 1)

    def get_env_group(self, env_group_id: str) -> EnvGroup:
        path = f"/env-groups/{_seg(env_group_id)}"
        body = self._get_object(path)
        return self._parse(path, lambda: EnvGroup.from_wire(body, detail=True))

    def list_events(self, service_id: str, *, start: str, end: str) -> list[Event]:
        """Every event between ``start`` and ``end`` (RFC 3339), all pages.

        Render's window defaults to the last hour when ``startTime``/``endTime`` are not
        sent, so both are always sent.
        """
        path = f"/services/{_seg(service_id)}/events"
        items = self.list_all(path, "event", {"startTime": start, "endTime": end}, max_pages=None)
        return self._parse(path, lambda: [Event.from_wire(d, f"event[{i}]") for i, d in enumerate(items)])

    def get_metrics(self, kind: str, params: Mapping[str, Any]) -> list[Series]:
        """``GET /metrics/<kind>``: the list of series (``null`` -> ``[]``)."""
        path = f"/metrics/{_seg(kind)}"
        body = self.get_json(path, params)
        if body is None:
            return []
        if not isinstance(body, list):
            raise ResponseFormatError(
                f"Render API returned {_kind(body)} where a list of series was expected on GET {path}", path=path
            )
        return self._parse(path, lambda: [Series.from_wire(s, f"series[{i}]") for i, s in enumerate(body)])


# --------------------------------------------------------------------------- small helpers


def _fmt(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:.1f}"


_GROUPS_EPOCH = _dt.datetime(2015, 1, 1, tzinfo=_dt.timezone.utc)  # before Render existed


def _rfc3339(moment: _dt.datetime) -> str:
    return moment.astimezone(_dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _describe_item(item: Any) -> str:
    if isinstance(item, dict):
        keys = ", ".join(sorted(map(str, item))[:4]) or "no keys"
        return f"an object with {keys}"
    return _kind_of(item)


def _kind(body: Any) -> str:
    if body is None:
        return "null"
    if isinstance(body, dict):
        return "an object"
    if isinstance(body, list):
        return "a list"
    return f"a {type(body).__name__}"


def _error_message(response: httpx.Response) -> str:
    """Render's ``{"message": ...}`` text, one line, short (scrubbed by the exception)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return _one_line(body["message"], 200)
    return ""
