"""Read-only client for the Render REST API (``https://api.render.com/v1``).

Modelled on httpx itself: one client object, a small typed exception tree, tolerant
models. The client can only send ``GET`` requests.

Every error is a :class:`RenderError` (a :class:`phasegate.errors.TargetError`), so a
scenario that cannot read Render is *broken*, never *failed*. Messages are one line,
name the method and path, pass through :func:`phasegate.secrets.scrub` and never chain
the underlying httpx exception (whose context could show request headers).

Retries: 429, 500, 502, 503, 504, timeouts and transport errors are retried, at most
``max_attempts`` attempts and never sleeping past ``retry_budget`` seconds of elapsed
time (measured with the injected ``clock``). The wait for a 429 is ``Retry-After``
(seconds), else ``Ratelimit-Reset`` (seconds until the window resets, as Render really
sends it; a value above 10**9 is taken as epoch seconds), else exponential backoff with
full jitter (base 0.5 s, factor 2, cap 8 s). 5xx and network errors use the same backoff
(a 503 that carries ``Retry-After`` has it honoured).
"""

from __future__ import annotations

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


# --------------------------------------------------------------------------- helpers for models


def _s(value: Any) -> str | None:
    """A wire scalar as a string (None for null, missing, or a non-scalar)."""
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _d(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _strs(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(s for s in (_s(v) for v in value) if s is not None)


def _items(value: Any, wrapper: str) -> list[dict]:
    """Dict items of a wire list; tolerates both bare and ``{"<wrapper>": {...}}`` items."""
    if not isinstance(value, list):
        return []
    out = []
    for item in value:
        if isinstance(item, dict) and isinstance(item.get(wrapper), dict):
            item = item[wrapper]
        if isinstance(item, dict):
            out.append(item)
    return out


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
    def from_wire(cls, d: Any) -> "Service":
        d = _d(d)
        details = _d(d.get("serviceDetails"))
        specific = _d(details.get("envSpecificDetails"))
        sid = _s(d.get("id"))
        stype = _s(d.get("type"))
        dashboard_url = _s(d.get("dashboardUrl"))
        if not dashboard_url and sid and stype in _DASHBOARD_KIND:
            dashboard_url = f"{DASHBOARD}/{_DASHBOARD_KIND[stype]}/{sid}"
        start = _s(specific.get("startCommand"))
        if start is None:
            start = _s(details.get("startCommand"))
        runtime = _s(details.get("runtime"))
        if runtime is None:
            runtime = _s(details.get("env"))
        region = _s(details.get("region"))
        if region is None:
            region = _s(d.get("region"))
        return cls(
            id=sid,
            name=_s(d.get("name")),
            type=stype,
            dashboard_url=dashboard_url or None,
            branch=_s(d.get("branch")),
            repo=_s(d.get("repo")),
            auto_deploy=_s(d.get("autoDeploy")),
            auto_deploy_trigger=_s(d.get("autoDeployTrigger")),
            suspended=_s(d.get("suspended")),
            suspenders=_strs(d.get("suspenders")),
            runtime=runtime,
            region=region,
            plan=_s(details.get("plan")),
            dockerfile_path=_s(specific.get("dockerfilePath")),
            docker_command=_s(specific.get("dockerCommand")),
            docker_context=_s(specific.get("dockerContext")),
            start_command=start,
            num_instances=_int(details.get("numInstances")),
            created_at=_s(d.get("createdAt")),
            updated_at=_s(d.get("updatedAt")),
            owner_id=_s(d.get("ownerId")),
            slug=_s(d.get("slug")),
            raw=d,
        )


@dataclass(frozen=True)
class EnvVar:
    """An env var. The value is always a :class:`Secret`; the snapshot decides what is plain."""

    key: str
    value: Secret

    @classmethod
    def from_wire(cls, d: Any) -> "EnvVar":
        d = _d(d)
        if isinstance(d.get("envVar"), dict):
            d = d["envVar"]
        value = d.get("value")
        key = _s(d.get("key")) or ""
        text = None if value is None else _s(value) or ""
        return cls(key=key, value=Secret(text, scrubbed=not is_plain(key)))


@dataclass(frozen=True)
class SecretFile:
    name: str
    content: Secret

    @classmethod
    def from_wire(cls, d: Any) -> "SecretFile":
        d = _d(d)
        if isinstance(d.get("secretFile"), dict):
            d = d["secretFile"]
        content = d.get("content")
        return cls(name=_s(d.get("name")) or "", content=Secret(None if content is None else _s(content) or ""))


@dataclass(frozen=True)
class ServiceLink:
    id: str | None = None
    name: str | None = None
    type: str | None = None
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_wire(cls, d: Any) -> "ServiceLink":
        d = _d(d)
        return cls(id=_s(d.get("id")), name=_s(d.get("name")), type=_s(d.get("type")), raw=d)


@dataclass(frozen=True)
class EnvGroup:
    """An environment group. Items of ``GET /env-groups`` carry no vars (empty tuples)."""

    id: str | None = None
    name: str | None = None
    service_links: tuple[ServiceLink, ...] = ()
    env_vars: tuple[EnvVar, ...] = ()
    secret_files: tuple[SecretFile, ...] = ()

    @classmethod
    def from_wire(cls, d: Any) -> "EnvGroup":
        d = _d(d)
        return cls(
            id=_s(d.get("id")),
            name=_s(d.get("name")),
            service_links=tuple(ServiceLink.from_wire(x) for x in _items(d.get("serviceLinks"), "serviceLink")),
            env_vars=tuple(EnvVar.from_wire(x) for x in _items(d.get("envVars"), "envVar")),
            secret_files=tuple(SecretFile.from_wire(x) for x in _items(d.get("secretFiles"), "secretFile")),
        )


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
    def from_wire(cls, d: Any) -> "Deploy":
        d = _d(d)
        commit = _d(d.get("commit"))
        return cls(
            id=_s(d.get("id")),
            status=_s(d.get("status")),
            trigger=_s(d.get("trigger")),
            created_at=_s(d.get("createdAt")),
            finished_at=_s(d.get("finishedAt")),
            commit_id=_s(commit.get("id")),
            commit_message=_s(commit.get("message")),
            raw=d,
        )


# --------------------------------------------------------------------------- client

_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_BACKOFF_BASE = 0.5
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


def _int_header(response: httpx.Response, name: str) -> int | None:
    try:
        return int(float(response.headers.get(name, "")))
    except ValueError:
        return None


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
        self.ratelimit_remaining: int | None = None  # lowest Ratelimit-Remaining seen
        self.answered_by: set[str] = set()  # hosts that answered, for the run's provenance
        self.answered_as_simulator = False  # any answer carried SIMULATOR_HEADER
        self._paused_until = 0.0
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
            seconds = _parse_seconds(retry_after)
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
            seconds = _parse_seconds(reset) if reset is not None else None
            if seconds is not None:
                if seconds > _EPOCH_THRESHOLD:
                    seconds = seconds - self._wall()
                seconds = max(0.0, seconds)
                return seconds, f"Ratelimit-Reset {_fmt(seconds)}s"
        return None

    # Render allows 400 GETs a minute. When the window is nearly spent, wait for its reset
    # rather than run into 429s: a large environment is read slower, never refused.
    _RATE_RESERVE = 5

    def _note_answer(self, response: httpx.Response) -> None:
        port = f":{response.url.port}" if response.url.port else ""
        self.answered_by.add(f"{response.url.host}{port}")
        if response.headers.get(SIMULATOR_HEADER):
            self.answered_as_simulator = True

    def _note_rate_limit(self, response: httpx.Response) -> None:
        if response.status_code == 429:
            return  # a 429 is waited out by the retry loop, by its own Retry-After
        remaining = _int_header(response, "Ratelimit-Remaining")
        if remaining is None:
            return
        with self._cache_lock:
            self.ratelimit_remaining = remaining if self.ratelimit_remaining is None else min(
                self.ratelimit_remaining, remaining)
            reset = _int_header(response, "Ratelimit-Reset")
            if remaining <= self._RATE_RESERVE and reset is not None and 0 < reset <= 3600:
                self._paused_until = max(self._paused_until, self._clock() + reset)

    def _respect_rate_limit(self) -> None:
        wait = self._paused_until - self._clock()
        if wait > 0:
            self._sleep(min(wait, self.retry_budget))

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """The decoded JSON body of ``GET path?params``, read at most once per client.

        One client serves one run: a resource asked for twice (by the criteria and by the
        environment policy, say) is read once, so every verdict sees the same instant and
        the run spends no rate budget twice. Concurrent askers wait for the first read.
        """
        key = (path, tuple(sorted((k, str(v)) for k, v in (params or {}).items() if v is not None)))
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
        attempt = 0
        while True:
            attempt += 1
            response: httpx.Response | None = None
            cause: str | None = None
            fatal_transport = undecodable = False
            self._respect_rate_limit()
            try:
                self.request_count += 1
                response = self._http.get(url, params=query)
                self._note_answer(response)
                self._note_rate_limit(response)
            except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
                cause, fatal_transport = f"{_short_cause(exc)} ({type(exc).__name__})", True
            except httpx.TransportError as exc:  # includes every httpx.TimeoutException
                cause = f"{_short_cause(exc)} ({type(exc).__name__})"
            except httpx.DecodingError as exc:
                cause, undecodable = type(exc).__name__, True
            except httpx.HTTPError as exc:
                cause, fatal_transport = f"{_short_cause(exc)} ({type(exc).__name__})", True

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
                    raise NetworkError(f"{reason} on {where}", path=path)
            elif response.status_code == 429:
                reason = "Render API rate limit still exceeded"
                header = self._header_wait(response, reset_too=True)
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
            elapsed = max(0.0, self._clock() - start)
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
            body = self.get_json(path, query)
            pages += 1
            if not isinstance(body, list):
                raise ResponseFormatError(
                    f"Render API returned {_kind(body)} where a list was expected on {where}", path=path
                )
            for item in body:
                if isinstance(item, dict) and isinstance(item.get(resource), dict):
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

    def find_services(self, name: str) -> list[Service]:
        """Services named exactly ``name`` (the server filter may ignore or prefix-match)."""
        items = self.list_all("/services", "service", {"name": name})
        return [s for s in (Service.from_wire(d) for d in items) if s.name == name]

    def get_service(self, service_id: str) -> Service:
        return Service.from_wire(self._get_object(f"/services/{_seg(service_id)}"))

    def list_env_vars(self, service_id: str) -> list[EnvVar]:
        items = self.list_all(f"/services/{_seg(service_id)}/env-vars", "envVar")
        return [EnvVar.from_wire(d) for d in items]

    def list_secret_files(self, service_id: str) -> list[SecretFile]:
        items = self.list_all(f"/services/{_seg(service_id)}/secret-files", "secretFile")
        return [SecretFile.from_wire(d) for d in items]

    def list_deploys(self, service_id: str, *, max_pages: int | None = 1) -> list[Deploy]:
        items = self.list_all(f"/services/{_seg(service_id)}/deploys", "deploy", max_pages=max_pages)
        return [Deploy.from_wire(d) for d in items]

    def list_env_groups(self) -> list[EnvGroup]:
        return [EnvGroup.from_wire(d) for d in self.list_all("/env-groups", "envGroup")]

    def get_env_group(self, env_group_id: str) -> EnvGroup:
        return EnvGroup.from_wire(self._get_object(f"/env-groups/{_seg(env_group_id)}"))

    def list_events(self, service_id: str, *, max_pages: int | None = 1) -> list[dict]:
        return self.list_all(f"/services/{_seg(service_id)}/events", "event", max_pages=max_pages)

    def get_metrics(self, kind: str, params: Mapping[str, Any]) -> list[dict]:
        """``GET /metrics/<kind>``: the list of series (``null`` -> ``[]``)."""
        path = f"/metrics/{_seg(kind)}"
        body = self.get_json(path, params)
        if body is None:
            return []
        if not isinstance(body, list):
            raise ResponseFormatError(
                f"Render API returned {_kind(body)} where a list of series was expected on GET {path}", path=path
            )
        return [s for s in body if isinstance(s, dict)]


# --------------------------------------------------------------------------- small helpers


def _parse_seconds(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text.strip())
    except ValueError:
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return None
    return value


def _fmt(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:.1f}"


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
