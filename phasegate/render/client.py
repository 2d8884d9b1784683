"""``RenderClient``: the run's one reader of the Render API, ``GET`` only.

It reads each resource at most once per run (a read-once cache; concurrent askers wait
for the first read), turns bodies into the strict models of :mod:`phasegate.render.models`
and notes the run's provenance: how many requests it sent, which hosts answered, and
whether phasegate's own simulator did. Each GET goes through the retry
(:mod:`._retry`), the pacing hand-off (:mod:`._pacing`) and the transport (:mod:`._transport`).
"""

from __future__ import annotations

import random
import threading
import time
from typing import Any, Callable, Mapping

import httpx

from phasegate.errors import ConfigError
from phasegate.redact import register, scrub

# The modules themselves, not through the package: the package's __init__ imports this module.
import phasegate.render._pages as _pages
import phasegate.render._retry as _retry
import phasegate.render._transport as _transport
from ._exceptions import ResponseFormatError
from ._pacing import RateWindow
from ._transport import seg as _seg
from ._wire import _kind, on_request, read_items
from .models import (CustomDomain, Deploy, EnvGroup, EnvVar, Event, LogEntry, LogPage, NotificationOverride,
                     NotificationSettings, SecretFile, Series, Service)

SIMULATOR_HEADER = "X-Phasegate-Simulator"  # phasegate's own Render simulator says so on every answer


class _CacheEntry:
    __slots__ = ("done", "value", "error")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None


def _checked_base(base_url: str) -> tuple[str, httpx.URL]:
    """The base URL without a trailing slash, and parsed; ConfigError unless it is http(s)."""
    base = (base_url or "").strip().rstrip("/")
    try:
        url = httpx.URL(base)
    except Exception:
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise ConfigError(scrub(f"Render API base URL is not an http(s) URL: {base_url!r}"))
    return base, url


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
        self._base, url = _checked_base(base_url)
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
            headers={"Authorization": f"Bearer {key}", "Accept": "application/json", "User-Agent": user_agent},
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

    # ----------------------------------------------------------------- provenance

    @property
    def ratelimit_remaining(self) -> int | None:
        """The lowest ``Ratelimit-Remaining`` any answer announced in this run."""
        return self.rate.lowest_remaining

    def _note_answer(self, response: httpx.Response) -> None:
        port = f":{response.url.port}" if response.url.port else ""
        self.answered_by.add(f"{response.url.host}{port}")
        if response.headers.get(SIMULATOR_HEADER):
            self.answered_as_simulator = True

    # ----------------------------------------------------------------- reading once

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

    def _fresh_token(self) -> int:
        with self._cache_lock:
            self._fresh_reads += 1
            return self._fresh_reads

    def _get_json_once(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """One ``GET`` (with retries); the decoded JSON body."""
        url = f"{self._base}/{path.lstrip('/')}"
        query = {k: v for k, v in (params or {}).items() if v is not None}
        # Built per read from the attributes, so a test's replaced jitter (``_uniform``) is honoured.
        policy = _retry.Policy(max_attempts=self.max_attempts, budget=self.retry_budget, clock=self._clock,
                               sleep=self._sleep, uniform=self._uniform, wall=self._wall)
        return _retry.read(lambda attempt: self._send(url, query, attempt), policy, self.rate,
                           path=path, shown_base=self._shown_base)

    def _send(self, url: str, query: dict, attempt: int) -> _transport.Sent:
        self.request_count += 1
        sent = _transport.send(self._http, url, query, attempt)
        if sent.response is not None:
            self._note_answer(sent.response)
        return sent

    # ----------------------------------------------------------------- pagination

    def list_all(self, path: str, resource: str, params: Mapping[str, Any] | None = None, *, limit: int = 100,
                 max_pages: int | None = None, generation: int = 0) -> list[dict]:
        """Every ``<resource>`` of a cursor-paginated Render list, unwrapped, in served order."""
        return _pages.list_all(self.get_json, path, resource, params, limit=limit, max_pages=max_pages,
                               generation=generation)

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
        return [s for s in read_items("/services", Service, items, "service") if s.name == name]

    def list_services(self) -> list[Service]:
        return read_items("/services", Service, self.list_all("/services", "service"), "service")

    def get_service(self, service_id: str) -> Service:
        path = f"/services/{_seg(service_id)}"
        body = self._get_object(path)
        return on_request(path, lambda: Service.from_wire(body))

    def list_env_vars(self, service_id: str) -> list[EnvVar]:
        path = f"/services/{_seg(service_id)}/env-vars"
        return read_items(path, EnvVar, self.list_all(path, "envVar"), "envVar")

    def list_secret_files(self, service_id: str) -> list[SecretFile]:
        path = f"/services/{_seg(service_id)}/secret-files"
        return read_items(path, SecretFile, self.list_all(path, "secretFile"), "secretFile")

    def list_custom_domains(self, service_id: str) -> list[CustomDomain]:
        """Every custom domain of the service, all pages (items wrapped as ``{cursor, customDomain}``)."""
        path = f"/services/{_seg(service_id)}/custom-domains"
        return read_items(path, CustomDomain, self.list_all(path, "customDomain"), "customDomain")

    def list_deploys(self, service_id: str, *, max_pages: int | None = 1, fresh: bool = False) -> list[Deploy]:
        """The newest deploys first (one page of 100 unless ``max_pages`` says otherwise).

        ``fresh`` reads again instead of reusing this run's read: waiting for a deploy in flight.
        """
        path = f"/services/{_seg(service_id)}/deploys"
        generation = self._fresh_token() if fresh else 0
        items = self.list_all(path, "deploy", max_pages=max_pages, generation=generation)
        return read_items(path, Deploy, items, "deploy")

    def list_env_groups(self) -> list[EnvGroup]:
        """Every env group of the workspace.

        The spec declares a bare array of envGroupMeta with no cursor in it, so a full page
        cannot be continued by cursor: the list is split by ``createdAfter``/``createdBefore``
        (filters the spec defines) until every window fits in one page. Items wrapped as
        ``{cursor, envGroup}`` (a deviation seen in the wild) are paged by their cursor.
        """
        return _pages.env_groups(self.get_json)

    def get_env_group(self, env_group_id: str) -> EnvGroup:
        path = f"/env-groups/{_seg(env_group_id)}"
        body = self._get_object(path)
        return on_request(path, lambda: EnvGroup.from_wire(body, detail=True))

    def list_events(self, service_id: str, *, start: str, end: str) -> list[Event]:
        """Every event between ``start`` and ``end`` (RFC 3339), all pages.

        Render's window defaults to the last hour when ``startTime``/``endTime`` are not
        sent, so both are always sent.
        """
        path = f"/services/{_seg(service_id)}/events"
        items = self.list_all(path, "event", {"startTime": start, "endTime": end}, max_pages=None)
        return read_items(path, Event, items, "event")

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
        return read_items(path, Series, body, "series")

    def list_logs(self, owner_id: str, resource: str, *, start: str, end: str, level: str | None = None,
                  limit: int = 100, max_pages: int | None = None) -> tuple[list[LogEntry], bool]:
        """(the service's log lines between ``start`` and ``end``, newest first; whether more were left unread).

        ``GET /logs`` pages by time, not by cursor: while ``hasMore``, the next page is the window
        ``nextStartTime``..``nextEndTime`` the answer names. A line served twice (on a page boundary) counts once.
        """
        return _pages.logs(self.get_json, LogPage, {"ownerId": owner_id, "resource": resource, "level": level,
                                                    "direction": "backward", "limit": max(1, min(100, int(limit)))},
                           start, end, max_pages=max_pages)

    def get_notification_settings(self, owner_id: str) -> NotificationSettings:
        path = f"/notification-settings/owners/{_seg(owner_id)}"
        body = self._get_object(path)
        return on_request(path, lambda: NotificationSettings.from_wire(body))

    def get_notification_override(self, service_id: str) -> NotificationOverride:
        path = f"/notification-settings/overrides/services/{_seg(service_id)}"
        body = self._get_object(path)
        return on_request(path, lambda: NotificationOverride.from_wire(body))
