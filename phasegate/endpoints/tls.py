"""The certificate a host presents, read with the standard library's ``ssl`` (parsed by ``cryptography``).

A verified handshake first (the route's trust: the system's store, or the sandbox's CA; the host name is
judged apart, from the names the certificate carries). When the chain does not verify (expired, unknown
issuer) the certificate is read again without trusting it, so that its criterion *fails* with what it
says; only an address that cannot be reached at all is :class:`~.causes.Unreachable` (broken).
"""

from __future__ import annotations

import socket
import ssl

from cryptography import x509

from .causes import unreachable
from .facts import Certificate
from .route import EndpointRoute

TIMEOUT_SECONDS = 10.0


def read_certificate(host: str, port: int = 443, route: EndpointRoute | None = None,
                     timeout: float = TIMEOUT_SECONDS) -> Certificate:
    """The certificate ``host:port`` presents (SNI ``host``). Raises Unreachable when nothing answers."""
    route = route or EndpointRoute()
    verified = route.ssl_context()
    verified.check_hostname = False  # the names are judged from the certificate itself
    try:
        return _parse(host, port, _peer(host, port, route, verified, timeout), "")
    except ssl.SSLCertVerificationError as exc:
        error = exc.verify_message or str(exc)
    der = _peer(host, port, route, route.ssl_context(verify=False), timeout)
    return _parse(host, port, der, error)


def _peer(host: str, port: int, route: EndpointRoute, context: ssl.SSLContext, timeout: float) -> bytes:
    """The DER of the peer's certificate after a handshake under ``context`` (verification errors propagate)."""
    where = f"{host}:{port}"
    try:
        with socket.create_connection(route.address(host, port), timeout=timeout) as raw:
            with context.wrap_socket(raw, server_hostname=host) as tls:
                return tls.getpeercert(binary_form=True)
    except ssl.SSLCertVerificationError:
        raise
    except (OSError, ssl.SSLError) as exc:
        raise unreachable(where, exc) from None


def _parse(host: str, port: int, der: bytes, verify_error: str) -> Certificate:
    cert = x509.load_der_x509_certificate(der)
    try:
        names = tuple(cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
                      .get_values_for_type(x509.DNSName))
    except x509.ExtensionNotFound:
        names = ()
    return Certificate(host, port, cert.not_valid_after_utc, names, cert.subject.rfc4514_string(),
                       cert.issuer.rfc4514_string(), verify_error)
