"""A Render API simulator: real HTTP on loopback, Render's wire format, read-only.

The simulator serves a *world* (see :mod:`phasegate.sandbox.worlds`): plain dicts written
exactly as Render's API sends them (camelCase keys, explicit ``null``s, cursor lists).
It shares no code with ``phasegate.render``: the client and the simulator are strangers,
so a shape mistake in one is not cancelled out by the same mistake in the other.

Behaviour follows Render's public API (``https://api.render.com/v1``):

* every route lives under ``/v1``; ``Authorization: Bearer <api key>`` is required
  (401 ``{"message": "unauthorized"}`` otherwise);
* every response carries ``Ratelimit-Limit`` / ``Ratelimit-Remaining`` /
  ``Ratelimit-Reset`` (seconds until the 60 s window resets); a 429 adds ``Retry-After``;
* lists are ``[{"cursor": "...", "<resource>": {...}}]``, ``limit`` defaults to 20 and is
  clamped to 100, the next page is asked for with ``?cursor=<last item's cursor>``;
* unknown paths and ids answer 404 ``{"message": "not found: ..."}``;
* anything but GET answers 405 (the sandbox is read-only), is recorded and logged.

Faults (:class:`Faults`) let tests provoke rate limits, server errors, latency, hangs and
malformed bodies.
"""

from __future__ import annotations

import base64
import binascii
import copy
import dataclasses
import json
import datetime as _dt
import logging
import math
import re
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable

log = logging.getLogger("phasegate.sandbox")

RATE_LIMIT = 400  # GETs per minute, as documented by Render
RATE_WINDOW_SECONDS = 60
MAX_PAGE_SIZE = 100
METRIC_KINDS = ("memory", "cpu", "memory-limit", "cpu-limit")
_METRIC_UNITS = {"memory": "bytes", "memory-limit": "bytes", "cpu": "cpu", "cpu-limit": "cpu"}
_PLACEHOLDER = re.compile(r"\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}")
_SLICE = 0.05  # seconds: granularity of interruptible sleeps

__all__ = [
    "Faults",
    "RenderSimulator",
    "RequestRecord",
    "serve",
    "METRIC_KINDS",
]


# --------------------------------------------------------------------------- faults


@dataclass
class Faults:
    """Misbehaviour to inject into authorised GETs, in this order: hang, latency, 429, 500,
    malformed JSON. ``latency_ms`` is added to every response."""

    rate_limit_times: int = 0  # first N GETs answer 429 with Retry-After
    rate_limit_forever: bool = False
    retry_after: int = 1  # seconds in Retry-After on 429s
    server_error_times: int = 0  # first N GETs answer 500
    server_error_forever: bool = False
    latency_ms: int = 0  # added to every response
    hang: bool = False  # accept the request, never answer (until the server stops)
    malformed_json: bool = False  # 200 with a body that is not JSON
    # Render's GET budget, enforced like Render: so many GETs per fixed window, then 429 with
    # Retry-After until the window resets. Tests shorten the window; the defaults are Render's.
    budget: int = 400
    window_ms: int = 60_000

    @classmethod
    def parse(cls, spec: str) -> "Faults":
        """Parse ``"rate_limit_times=2,retry_after=1,latency_ms=100,hang"``.

        A bare name sets a boolean fault; ``""`` means no faults. Anything else raises
        ``ValueError`` naming the offending item and the known fault names.
        """
        faults = cls()
        if spec is None:
            return faults
        fields = {f.name: f for f in dataclasses.fields(cls)}
        known = ", ".join(fields)
        for raw in spec.split(","):
            item = raw.strip()
            if not item:
                continue
            name, sep, value = item.partition("=")
            name, value = name.strip(), value.strip()
            if name not in fields:
                raise ValueError(f"unknown fault {name!r} in {spec!r}; known faults: {known}")
            kind = fields[name].type
            is_bool = kind in (bool, "bool")
            if not sep:
                if not is_bool:
                    raise ValueError(
                        f"fault {name!r} needs a value ({name}=<integer>) in {spec!r}"
                    )
                setattr(faults, name, True)
                continue
            if is_bool:
                lowered = value.lower()
                if lowered in ("1", "true", "yes", "on"):
                    setattr(faults, name, True)
                elif lowered in ("0", "false", "no", "off"):
                    setattr(faults, name, False)
                else:
                    raise ValueError(
                        f"fault {name!r} takes true/false, not {value!r} (in {spec!r})"
                    )
                continue
            try:
                number = int(value)
            except ValueError:
                raise ValueError(
                    f"fault {name!r} takes a non-negative integer, not {value!r} (in {spec!r})"
                ) from None
            if number < 0:
                raise ValueError(
                    f"fault {name!r} takes a non-negative integer, not {value!r} (in {spec!r})"
                )
            setattr(faults, name, number)
        return faults

    def spec(self) -> str:
        """The inverse of :meth:`parse`: only the fields that differ from the defaults."""
        default = Faults()
        parts = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value == getattr(default, f.name):
                continue
            if isinstance(value, bool):
                parts.append(f.name if value else f"{f.name}=false")
            else:
                parts.append(f"{f.name}={value}")
        return ",".join(parts)

    def __bool__(self) -> bool:
        return self != Faults()


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str  # without the /v1 prefix, e.g. "/services/srv-x/env-vars"
    query: str  # raw query string, "" if none
    status: int  # 0: never answered (hang)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# --------------------------------------------------------------------------- errors


class _HttpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _not_found(what: str) -> _HttpError:
    return _HttpError(404, f"not found: {what}")


# --------------------------------------------------------------------------- server


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address, handler, simulator: "RenderSimulator") -> None:
        self.simulator = simulator
        self.stopping = threading.Event()
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request, client_address):
        with self._conns_lock:
            self._conns.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._conns_lock:
            self._conns.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._conns_lock:
            conns = list(self._conns)
            self._conns.clear()
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                conn.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):  # no tracebacks on stderr
        log.debug("sandbox connection error from %s", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "phasegate-sandbox"
    sys_version = ""
    timeout = 30  # idle keep-alive connections do not live forever
    disable_nagle_algorithm = True  # headers and body go out in separate writes
    server: _Server

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        log.debug("sandbox %s - %s", self.address_string(), format % args)

    def do_GET(self):
        self.server.simulator._handle(self)

    def _refuse(self):
        self.server.simulator._handle(self)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _refuse


# --------------------------------------------------------------------------- simulator


def _encode_cursor(scope: str, index: int) -> str:
    raw = f"pg1:{scope}:{index}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(scope: str, cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.urlsafe_b64decode(padded.encode()).decode()
        prefix, cursor_scope, index = raw.rsplit(":", 2)
        if prefix != "pg1" or cursor_scope != scope:
            raise ValueError
        return int(index)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise _HttpError(400, f"invalid cursor: {cursor}") from None


class RenderSimulator:
    """Serve one world over HTTP on 127.0.0.1. Start with :meth:`start` or ``with``."""

    # Every answer says it came from the simulator, so a run pointed here is stamped SANDBOX.
    identifies_itself = True

    def __init__(
        self,
        world: dict,
        *,
        api_key: str,
        faults: Faults | None = None,
        substitutions: dict[str, str] | None = None,
        page_size_default: int = 20,
        port: int = 0,
        host: str = "127.0.0.1",
    ) -> None:
        if not api_key:
            raise ValueError("the simulator needs a non-empty api_key")
        self.world = copy.deepcopy(world)
        self.api_key = api_key
        self.substitutions = dict(substitutions or {})
        self.page_size_default = page_size_default
        self.host = host
        self.port = port
        self.base_url = ""
        self.requests: list[RequestRecord] = []
        self._lock = threading.Lock()
        self._faults = faults or Faults()
        self._rate_limited = 0
        self._server_errors = 0
        self._window_start = time.monotonic()
        self._window_gets = 0
        self.budget_refusals = 0  # GETs answered 429 because the window's budget was spent
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle

    @property
    def faults(self) -> Faults:
        return self._faults

    @faults.setter
    def faults(self, value: Faults | None) -> None:
        with self._lock:
            self._faults = value or Faults()
            self._rate_limited = 0
            self._server_errors = 0

    def start(self) -> str:
        if self._server is not None:
            return self.base_url
        self._server = _Server((self.host, self.port), _Handler, self)
        self.port = self._server.server_address[1]
        self.base_url = f"http://{self.host}:{self.port}/v1"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": _SLICE},
            name=f"phasegate-sandbox-{self.port}",
            daemon=True,
        )
        self._thread.start()
        log.info("sandbox Render simulator on %s (world %s)", self.base_url, self.world.get("name"))
        return self.base_url

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.stopping.set()
        server.shutdown()
        server.server_close()
        server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None

    def __enter__(self) -> "RenderSimulator":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- request log

    def _record(self, method: str, path: str, query: str, status: int) -> None:
        with self._lock:
            self.requests.append(RequestRecord(method, path, query, status))

    def write_request_log(self, path) -> None:
        with self._lock:
            records = list(self.requests)
        with Path(path).open("w", encoding="utf-8") as fh:
            for record in records:
                fh.write(json.dumps(record.as_dict()) + "\n")

    # -- rate-limit window

    def _roll_window(self, now: float) -> None:
        window = self._faults.window_ms / 1000
        if now - self._window_start >= window:
            # Fixed windows, as Render's Ratelimit-Reset describes them.
            self._window_start += window * ((now - self._window_start) // window)
            self._window_gets = 0

    def _admit_get(self) -> float | None:
        """Count one GET against the window; None if admitted, else seconds until the reset."""
        with self._lock:
            now = time.monotonic()
            self._roll_window(now)
            if self._window_gets >= self._faults.budget:
                self.budget_refusals += 1
                return self._window_start + self._faults.window_ms / 1000 - now
            self._window_gets += 1
            return None

    def _ratelimit_headers(self, *, exhausted: bool = False) -> dict[str, str]:
        with self._lock:
            now = time.monotonic()
            self._roll_window(now)
            remaining = 0 if exhausted else max(0, self._faults.budget - self._window_gets)
            reset = max(0, math.ceil(self._window_start + self._faults.window_ms / 1000 - now))
        return {
            "Ratelimit-Limit": str(self._faults.budget),
            "Ratelimit-Remaining": str(remaining),
            "Ratelimit-Reset": str(reset),
        }

    # -- handling

    def _sleep(self, server: _Server, seconds: float) -> bool:
        """Sleep interruptibly; False if the server began stopping meanwhile."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return not server.stopping.is_set()
            if server.stopping.wait(min(_SLICE, left)):
                return False

    def _send(
        self,
        handler: _Handler,
        status: int,
        body: Any,
        *,
        raw: bytes | None = None,
        extra: dict[str, str] | None = None,
        exhausted: bool = False,
    ) -> None:
        payload = raw if raw is not None else json.dumps(body, separators=(",", ":")).encode()
        handler.send_response(status)
        headers = {"Content-Type": "application/json; charset=utf-8"}
        headers.update(self._ratelimit_headers(exhausted=exhausted))
        headers.update(extra or {})
        if self.identifies_itself:
            headers["X-Phasegate-Simulator"] = "1"
        headers["Content-Length"] = str(len(payload))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(payload)
        handler.wfile.flush()

    def _handle(self, handler: _Handler) -> None:
        server = handler.server
        method = handler.command
        split = urllib.parse.urlsplit(handler.path)
        full_path = split.path
        query = split.query
        path = full_path[3:] if full_path == "/v1" or full_path.startswith("/v1/") else full_path
        path = path or "/"
        faults = self._faults  # one consistent view for this request

        def answer(status: int, body: Any = None, **kw) -> None:
            if faults.latency_ms and not self._sleep(server, faults.latency_ms / 1000):
                self._record(method, path, query, 0)
                handler.close_connection = True
                return
            self._record(method, path, query, status)
            self._send(handler, status, body, **kw)

        _drain_body(handler)
        if self._refused(handler, full_path, answer):
            return
        if faults.hang:
            while not server.stopping.wait(_SLICE):
                pass
            self._record(method, path, query, 0)
            handler.close_connection = True
            return
        if self._injected_fault(faults, answer):
            return
        self._answer_route(handler, full_path, path, query, faults, answer)

    def _refused(self, handler: _Handler, full_path: str, answer: Callable[..., None]) -> bool:
        """Answered 401 (wrong key), 405 (not a GET: the sandbox is read-only) or 429 (past the rate window)."""
        method = handler.command
        auth = handler.headers.get("Authorization", "")
        if auth != f"Bearer {self.api_key}":
            if method != "GET":
                log.warning("sandbox refused unauthenticated %s %s", method, full_path)
            answer(401, {"message": "unauthorized"})
            return True
        if method != "GET":
            log.warning("sandbox refused %s %s: the sandbox is read-only", method, full_path)
            answer(405, {"message": "phasegate sandbox is read-only"}, extra={"Allow": "GET"})
            return True
        spent = self._admit_get()
        if spent is not None:
            wait = max(1, math.ceil(spent))
            answer(429, {"message": f"rate limit exceeded, retry after {wait}s"},
                   extra={"Retry-After": str(wait)}, exhausted=True)
            return True
        return False

    def _injected_fault(self, faults: Faults, answer: Callable[..., None]) -> bool:
        """Answered with a fault the world asks for: a 429 or a 500, forever or the first few times."""
        verdict = None
        with self._lock:
            if faults.rate_limit_forever or self._rate_limited < faults.rate_limit_times:
                self._rate_limited += 1
                verdict = 429
            elif faults.server_error_forever or self._server_errors < faults.server_error_times:
                self._server_errors += 1
                verdict = 500
        if verdict == 429:
            answer(
                429,
                {"message": f"rate limit exceeded, retry after {faults.retry_after}s"},
                extra={"Retry-After": str(faults.retry_after)},
                exhausted=True,
            )
            return True
        if verdict == 500:
            answer(500, {"message": "internal server error (phasegate sandbox fault)"})
            return True
        return False

    def _answer_route(self, handler: _Handler, full_path: str, path: str, query: str, faults: Faults,
                      answer: Callable[..., None]) -> None:
        """The route's body (or its error, or the malformed-JSON fault) for a GET under /v1."""
        if not (full_path == "/v1" or full_path.startswith("/v1/")):
            answer(404, {"message": f"not found: {full_path}"})
            return
        try:
            params = urllib.parse.parse_qs(query, keep_blank_values=True)
            body = self._route(path, params)
            body = self._with_foreign_item(path, body)
        except _HttpError as err:
            answer(err.status, {"message": err.message})
            return
        except Exception:  # a bug in the simulator or a malformed world
            log.exception("sandbox failed on GET %s", handler.path)
            answer(500, {"message": "internal server error"})
            return
        if faults.malformed_json:
            answer(200, raw=b'<html><body>upstream reset</body></html>\n[{"cursor":"')
            return
        answer(200, body)

    # -- routes

    def _route(self, path: str, params: dict[str, list[str]]) -> Any:
        parts = [urllib.parse.unquote(p) for p in path.strip("/").split("/") if p]
        world = self.world
        # A world may name routes that always fail, e.g. ["events"]: one broken part of Render.
        if parts and parts[-1] in world.get("failingRoutes", ()):
            raise _HttpError(503, f"service unavailable: {path}")
        if parts == ["services"]:
            return self._list_services(params)
        if len(parts) >= 2 and parts[0] == "services":
            return self._service_route(path, parts, params)
        if parts == ["env-groups"]:
            return self._list_env_groups(params)
        if len(parts) == 2 and parts[0] == "env-groups":
            return self._env_group(parts[1])
        if len(parts) == 2 and parts[0] == "metrics":
            return self._metrics(parts[1], params)
        raise _not_found("/v1" + path)

    def _service_route(self, path: str, parts: list[str], params: dict[str, list[str]]) -> Any:
        """``/services/{id}`` and what is under it: env-vars, secret-files, deploys (a page or one), events."""
        world = self.world
        service_id = parts[1]
        service = self._service(service_id)
        if len(parts) == 2:
            return copy.deepcopy(service)
        sub = parts[2]
        if sub == "env-vars":
            env_vars = [self._substitute_env_var(v) for v in world.get("envVars", {}).get(service_id, [])]
            return self._page_or_item(path, parts, params, f"env-vars/{service_id}", "envVar", env_vars, "key")
        if sub == "secret-files":
            files = copy.deepcopy(world.get("secretFiles", {}).get(service_id, []))
            return self._page_or_item(path, parts, params, f"secret-files/{service_id}", "secretFile", files, "name")
        if sub == "deploys":
            deploys = copy.deepcopy(world.get("deploys", {}).get(service_id, []))
            return self._page_or_item(path, parts, params, f"deploys/{service_id}", "deploy", deploys, "id")
        if sub == "events" and len(parts) == 3:
            return self._events(service_id, params)
        raise _not_found("/v1" + path)

    def _page_or_item(self, path: str, parts: list[str], params: dict[str, list[str]], scope: str, resource: str,
                      items: list, key: str) -> Any:
        """A page of a service's ``items`` (``/services/{id}/{sub}``), or the one whose ``key`` is the
        path's last part (``/services/{id}/{sub}/{key}``)."""
        if len(parts) == 3:
            return self._page(scope, resource, items, params)
        if len(parts) == 4:
            for item in items:
                if item.get(key) == parts[3]:
                    return item
            raise _not_found(parts[3])
        raise _not_found("/v1" + path)

    def _events(self, service_id: str, params: dict[str, list[str]]) -> list:
        """A page of the service's events, filtered by type and time."""
        events = copy.deepcopy(self.world.get("events", {}).get(service_id, []))
        types = params.get("type")
        # Render's ListEventsParams: startTime defaults to now - 1 hour, endTime to now.
        now = _dt.datetime.now(_dt.timezone.utc)
        start = _time_param(params, "startTime", now - _dt.timedelta(hours=1))
        end = _time_param(params, "endTime", now)
        indexed = [(i, e) for i, e in enumerate(events)
                   if (not types or e.get("type") in types) and start <= _parse_time(e["timestamp"]) <= end]
        return self._page(f"events/{service_id}", "event", events, params, indexed=indexed)

    def _env_group(self, group_id: str) -> dict:
        """``/env-groups/{id}``: the group with its env vars (placeholders substituted) and secret files."""
        for group in self.world.get("envGroups", []):
            if group.get("id") == group_id:
                full = copy.deepcopy(group)
                full["envVars"] = [self._substitute_env_var(v) for v in group.get("envVars", [])]
                full.setdefault("secretFiles", [])
                return full
        raise _not_found(group_id)

    def _with_foreign_item(self, path: str, body: Any) -> Any:
        """A world may name list routes (``foreignItems``) whose first page carries one item of
        a shape Render's spec does not allow: proof that the client never skips one."""
        route = path.strip("/").split("/")[-1]
        if isinstance(body, list) and route in self.world.get("foreignItems", ()):
            return [*body, {"cursor": "foreign", "surprise": {"shape": "not in Render's spec"}}]
        return body

    def _list_env_groups(self, params: dict[str, list[str]]) -> list:
        """``GET /env-groups`` as Render's spec declares it: a bare array of envGroupMeta
        (no cursor in it), filtered by name, environmentId and creation time, ``limit``
        items (default 20, at most 100)."""
        names, environments = params.get("name"), params.get("environmentId")
        after = _time_param(params, "createdAfter", None)
        before = _time_param(params, "createdBefore", None)
        meta = []
        for group in self.world.get("envGroups", []):
            created = _parse_time(group["createdAt"])
            if names and group.get("name") not in names:
                continue
            if environments and group.get("environmentId") not in environments:
                continue
            if (after and created < after) or (before and created > before):
                continue
            meta.append({k: copy.deepcopy(v) for k, v in group.items() if k not in ("envVars", "secretFiles")})
        return meta[: self._limit(params)]

    def _limit(self, params: dict[str, list[str]]) -> int:
        limit = self.page_size_default
        if "limit" in params:
            raw = params["limit"][-1]
            try:
                limit = int(raw)
            except ValueError:
                raise _HttpError(400, f"invalid limit: {raw!r} is not an integer") from None
            if limit < 1:
                raise _HttpError(400, f"invalid limit: {raw!r} must be at least 1")
        return min(limit, MAX_PAGE_SIZE)

    def _service(self, service_id: str) -> dict:
        for service in self.world.get("services", []):
            if service.get("id") == service_id:
                return service
        raise _not_found(service_id)

    def _list_services(self, params: dict[str, list[str]]) -> list:
        services = copy.deepcopy(self.world.get("services", []))
        filters = {
            "name": lambda s: s.get("name"),
            "type": lambda s: s.get("type"),
            "ownerId": lambda s: s.get("ownerId"),
            "region": lambda s: (s.get("serviceDetails") or {}).get("region"),
            "env": lambda s: (s.get("serviceDetails") or {}).get("env"),
            "suspended": lambda s: s.get("suspended"),
        }
        active = {k: set(v) for k, v in params.items() if k in filters}
        indexed = [
            (i, s)
            for i, s in enumerate(services)
            if all(filters[k](s) in wanted for k, wanted in active.items())
        ]
        return self._page("services", "service", services, params, indexed=indexed)

    def _page(
        self,
        scope: str,
        resource: str,
        items: list,
        params: dict[str, list[str]],
        *,
        indexed: list[tuple[int, Any]] | None = None,
    ) -> list:
        """One page of ``items`` (optionally pre-filtered into ``(index, item)`` pairs).

        Cursors encode the item's index in the unfiltered collection, so a cursor points
        at the same item whatever filters the next request repeats.
        """
        if indexed is None:
            indexed = list(enumerate(items))
        limit = self._limit(params)
        after = -1
        if "cursor" in params and params["cursor"][-1] != "":
            cursor = params["cursor"][-1]
            after = _decode_cursor(scope, cursor)
            if not 0 <= after < len(items):
                raise _HttpError(400, f"invalid cursor: {cursor}")
        page = [(i, item) for i, item in indexed if i > after][:limit]
        return [{"cursor": _encode_cursor(scope, i), resource: item} for i, item in page]

    def _substitute(self, value: Any) -> Any:
        if not isinstance(value, str) or "{{" not in value:
            return value

        def replace(match: re.Match) -> str:
            name = match.group(1)
            return self.substitutions.get(name, match.group(0))

        return _PLACEHOLDER.sub(replace, value)

    def _substitute_env_var(self, env_var: dict) -> dict:
        out = copy.deepcopy(env_var)
        if "value" in out:
            out["value"] = self._substitute(out["value"])
        return out

    def _metrics(self, kind: str, params: dict[str, list[str]]) -> list:
        """``world["metrics"][kind][service_id]`` is either a list of series in wire
        format (dicts with ``labels``/``unit``/``values``) or a plain list of points
        ``{"timestamp", "value"}``, which is wrapped in one series."""
        if kind not in METRIC_KINDS:
            raise _not_found(f"/v1/metrics/{kind}")
        resources = [r for r in params.get("resource", []) if r]
        if not resources:
            raise _HttpError(400, "resource is required")
        by_service = (self.world.get("metrics") or {}).get(kind) or {}
        series: list = []
        for resource in resources:
            data = copy.deepcopy(by_service.get(resource) or [])
            if data and isinstance(data[0], dict) and "values" in data[0]:
                series.extend(data)
            elif data:
                series.append(
                    {
                        "labels": [{"field": "resource", "value": resource}],
                        "unit": _METRIC_UNITS[kind],
                        "values": data,
                    }
                )
        return series


def _drain_body(handler: _Handler) -> None:
    """Read any request body, so that keep-alive connections stay in sync."""
    length = handler.headers.get("Content-Length")
    if length:
        try:
            handler.rfile.read(int(length))
        except (ValueError, OSError):
            handler.close_connection = True


def _parse_time(text: str) -> _dt.datetime:
    moment = _dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace(" ", "+"))
    return moment if moment.tzinfo else moment.replace(tzinfo=_dt.timezone.utc)


def _time_param(params: dict[str, list[str]], name: str, default):
    if name not in params or not params[name][-1]:
        return default
    try:
        return _parse_time(params[name][-1])
    except ValueError:
        raise _HttpError(400, f"invalid {name}: {params[name][-1]!r} is not an RFC 3339 time") from None


def serve(
    world_name: str,
    *,
    port: int = 0,
    api_key: str,
    faults: str = "",
    substitutions: dict[str, str] | None = None,
) -> RenderSimulator:
    """Start a simulator serving the named world; the caller stops it."""
    from phasegate.sandbox.worlds import world

    simulator = RenderSimulator(
        world(world_name),
        api_key=api_key,
        faults=Faults.parse(faults or ""),
        substitutions=substitutions,
        port=port,
    )
    simulator.start()
    return simulator
