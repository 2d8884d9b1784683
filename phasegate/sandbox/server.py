"""The simulator's HTTP server on loopback: HTTP/1.1 keep-alive, every method handed to the simulator.

:class:`SimulatorServer` is a threading server that keeps its open connections so that
stopping it closes them (a request the simulator hangs on ends then); :class:`SimulatorHandler`
passes each request to the simulator's ``handle`` and logs at DEBUG only (no tracebacks on stderr).
"""

from __future__ import annotations

import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol

log = logging.getLogger("phasegate.sandbox")


class Answers(Protocol):
    """What the server hands every request to (:class:`~phasegate.sandbox.simulator.RenderSimulator`)."""

    def handle(self, handler: "SimulatorHandler") -> None: ...


class SimulatorServer(ThreadingHTTPServer):
    """A threading server on loopback that can drop its open connections (a hang ends when the server stops)."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address, handler, simulator: Answers) -> None:
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


class SimulatorHandler(BaseHTTPRequestHandler):
    """Every request, whatever its method, goes to the simulator (which refuses all but GET)."""

    protocol_version = "HTTP/1.1"
    server_version = "phasegate-sandbox"
    sys_version = ""
    timeout = 30  # idle keep-alive connections do not live forever
    disable_nagle_algorithm = True  # headers and body go out in separate writes
    server: SimulatorServer

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        log.debug("sandbox %s - %s", self.address_string(), format % args)

    def do_GET(self):
        self.server.simulator.handle(self)

    def _refuse(self):
        self.server.simulator.handle(self)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _refuse


def drain_body(handler: BaseHTTPRequestHandler) -> None:
    """Read any request body, so that keep-alive connections stay in sync."""
    length = handler.headers.get("Content-Length")
    if length:
        try:
            handler.rfile.read(int(length))
        except (ValueError, OSError):
            handler.close_connection = True
