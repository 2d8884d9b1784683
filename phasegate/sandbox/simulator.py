"""A Render API simulator: real HTTP on loopback, Render's wire format, read-only.

:class:`RenderSimulator` serves one *world* (see :mod:`phasegate.sandbox.worlds`; its routes in
:mod:`phasegate.sandbox.routes`, its pages in :mod:`phasegate.sandbox.pages`) on 127.0.0.1 and
logs every request. It shares no code with ``phasegate.render``: the client and the simulator are
strangers, so a shape mistake in one is not cancelled out by the same mistake in the other.

Behaviour follows Render's public API (``https://api.render.com/v1``):

* every route lives under ``/v1``; ``Authorization: Bearer <api key>`` is required
  (401 ``{"message": "unauthorized"}`` otherwise);
* every response carries ``Ratelimit-Limit`` / ``Ratelimit-Remaining`` /
  ``Ratelimit-Reset`` (seconds until the window resets); past the window's GET budget, and on a
  429 fault, a 429 adds ``Retry-After``;
* anything but GET answers 405 (the sandbox is read-only), is recorded and logged.

Faults (:class:`~phasegate.sandbox.faults.Faults`) let tests provoke rate limits, server errors,
latency, hangs and malformed bodies. :func:`serve` starts one on a named world.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import logging
import math
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .faults import Faults
from .pages import HttpError
from .routes import WorldRoutes
from .server import SimulatorHandler, SimulatorServer, drain_body

log = logging.getLogger("phasegate.sandbox")

_SLICE = 0.05  # seconds: granularity of interruptible sleeps

__all__ = [
    "RenderSimulator",
    "RequestRecord",
    "serve",
]


@dataclass(frozen=True)
class RequestRecord:
    """One request as the simulator's request log keeps it."""

    method: str
    path: str  # without the /v1 prefix, e.g. "/services/srv-x/env-vars"
    query: str  # raw query string, "" if none
    status: int  # 0: never answered (hang)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


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
        self.routes = WorldRoutes(self.world, substitutions=self.substitutions, page_size_default=page_size_default)
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
        self._server: SimulatorServer | None = None
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
        self._server = SimulatorServer((self.host, self.port), SimulatorHandler, self)
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

    def _sleep(self, server: SimulatorServer, seconds: float) -> bool:
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
        handler: SimulatorHandler,
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

    def handle(self, handler: SimulatorHandler) -> None:
        """Answer one request (any method): refused, hung, a fault, or the route's body; recorded in the log."""
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

        drain_body(handler)
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

    def _refused(self, handler: SimulatorHandler, full_path: str, answer: Callable[..., None]) -> bool:
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

    def _answer_route(self, handler: SimulatorHandler, full_path: str, path: str, query: str, faults: Faults,
                      answer: Callable[..., None]) -> None:
        """The route's body (or its error, or the malformed-JSON fault) for a GET under /v1."""
        if not (full_path == "/v1" or full_path.startswith("/v1/")):
            answer(404, {"message": f"not found: {full_path}"})
            return
        try:
            params = urllib.parse.parse_qs(query, keep_blank_values=True)
            body = self.routes.get(path, params)
        except HttpError as err:
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
