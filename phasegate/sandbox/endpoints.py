"""The sandbox's public endpoints: one HTTPS server on loopback, under a throwaway CA only the run trusts.

A world's ``endpoints`` say what its services answer on their public addresses (Render's
``serviceDetails.url`` and custom domains, which stay as Render reports them): the status of each path, the
origins CORS allows, the certificate (days left, names), or that nothing listens. The session maps those hosts
to this server and hands the run the CA's file; neither ever reaches the system's resolver or trust store.
Every method but GET, HEAD and OPTIONS is answered 405, and counted: a test proves none was sent.
"""

from __future__ import annotations

import datetime as _dt
import json
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

LOOPBACK = "127.0.0.1"


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "phasegate sandbox"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _pem_key(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def write_certificates(directory: Path, names: list[str], days: float) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate it signs for ``names``, valid ``days`` from now:
    (the CA's PEM, the server's certificate chain, its key), written under ``directory``."""
    now = _dt.datetime.now(_dt.timezone.utc)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name("phasegate sandbox CA")).issuer_name(_name("phasegate sandbox CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - _dt.timedelta(days=1)).not_valid_after(now + _dt.timedelta(days=365))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .sign(ca_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder().subject_name(_name(names[0])).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - _dt.timedelta(days=1)).not_valid_after(now + _dt.timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(ca_key, hashes.SHA256()))
    paths = directory / "sandbox-ca.pem", directory / "server-chain.pem", directory / "server-key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM) + ca.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(_pem_key(key))
    return paths


class EndpointHandler(BaseHTTPRequestHandler):
    """GET/HEAD: the world's status for the path; OPTIONS: a CORS preflight; anything else: 405, counted."""

    protocol_version = "HTTP/1.1"
    server_version = "phasegate-sandbox-endpoint"
    sys_version = ""
    timeout = 10
    server: "EndpointServer"

    def log_message(self, format, *args):  # noqa: A002 - quiet
        pass

    def _answer(self, status: int, headers: dict, body: bytes = b"") -> None:
        self.send_response(status)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        spec = self.server.spec
        status = spec["paths"].get(self.path.split("?")[0], 404)
        body = json.dumps({"status": "ok" if status < 400 else "unavailable", "token": spec.get("secret", "")})
        self._answer(status, {"Content-Type": "application/json"}, body.encode())

    do_HEAD = do_GET

    def do_OPTIONS(self):
        origin, allowed = self.headers.get("Origin", ""), self.server.spec.get("cors", [])
        headers = {"Vary": "Origin"}
        if "*" in allowed or origin in allowed:
            headers.update({"Access-Control-Allow-Origin": "*" if "*" in allowed else origin,
                            "Access-Control-Allow-Methods": "GET, POST, OPTIONS"})
        self._answer(200 if "Access-Control-Allow-Origin" in headers else 400, headers)

    def _refuse(self):
        self.server.refused.append(self.command)
        self._answer(405, {"Allow": "GET, HEAD, OPTIONS"})

    do_POST = do_PUT = do_PATCH = do_DELETE = _refuse


class EndpointServer(ThreadingHTTPServer):
    """The world's public endpoints over TLS on loopback (port chosen by the system)."""

    daemon_threads = True

    def __init__(self, spec: dict, directory: Path) -> None:
        super().__init__((LOOPBACK, 0), EndpointHandler)
        self.spec, self.refused = spec, []
        cert = spec.get("certificate", {})
        self.ca_file, chain, key = write_certificates(directory, cert.get("names") or spec["hosts"],
                                                      cert.get("days", 90))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(chain, key)
        self.socket = context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)
        # serve_forever looks for shutdown() between polls: a short poll ends a run's server at once, not half a
        # second later.
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="phasegate-sandbox-endpoints", daemon=True)

    def handle_error(self, request, client_address) -> None:
        """A client that drops the handshake (one that does not trust this CA, as a test makes on purpose) ends
        its own connection; the server goes on, and says nothing on the run's terminal."""

    def start(self) -> dict[str, tuple[str, int]]:
        """Serve; where each host of the world is reached (nowhere that listens, when the world says unreachable)."""
        self._thread.start()
        port = self.server_address[1] if self.spec.get("reachable", True) else closed_port()
        return {host: (LOOPBACK, port) for host in self.spec["hosts"]}

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then closed): a connection to it is refused."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]
