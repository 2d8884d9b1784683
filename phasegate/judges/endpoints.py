"""Judgements over what public endpoints answered: a status, a CORS preflight, a certificate.

Each takes the fact the snapshot read (:mod:`phasegate.endpoints.facts`); a probe that could not be read
never reaches a judge (the snapshot raises its one-line cause: broken). A body is quoted only as the
redacted sample the reader kept.
"""

from __future__ import annotations

import datetime as _dt

from ..endpoints import Answer, Certificate, Preflight
from .violation import Violation


def answers_status(answer: Answer, expected: int, link: str | None = None) -> Answer:
    """The URL answered ``expected`` (a redirect to another host is its own answer, never followed)."""
    if answer.status != expected:
        details = [f"redirects to: {answer.headers['location']}"] if "location" in answer.headers else []
        details += [f"body (redacted sample): {answer.body_sample}"] if answer.body_sample else []
        raise Violation(f"{answer.method} {answer.url}: the status it answers", str(expected), str(answer.status),
                        link=link, details=details)
    return answer


def allows_origin(preflight: Preflight, link: str | None = None) -> Preflight:
    """A CORS preflight from the origin is answered with Access-Control-Allow-Origin: the origin (or ``*``)."""
    if not preflight.allows:
        raise Violation(f"OPTIONS {preflight.answer.url} from {preflight.origin}: the origin a browser may read "
                        "the answer from", f"Access-Control-Allow-Origin: {preflight.origin}",
                        _allow_origin(preflight), link=link)
    return preflight


def refuses_origin(preflight: Preflight, link: str | None = None) -> Preflight:
    """A CORS preflight from the origin is not allowed: no Access-Control-Allow-Origin naming it, nor ``*``."""
    if preflight.allows:
        raise Violation(f"OPTIONS {preflight.answer.url} from {preflight.origin}: the origin a browser may read "
                        "the answer from", f"no Access-Control-Allow-Origin for {preflight.origin} (nor *)",
                        _allow_origin(preflight), link=link)
    return preflight


def _allow_origin(preflight: Preflight) -> str:
    value = preflight.allowed_origin
    shown = f"Access-Control-Allow-Origin: {value}" if value is not None else "no Access-Control-Allow-Origin"
    return f"{shown} (status {preflight.answer.status})"


def certificate_valid(cert: Certificate, days: int, at: _dt.datetime) -> Certificate:
    """The certificate chains to a trusted root, names the host, and stays valid ``days`` more days from ``at``."""
    left = cert.days_left(at)
    until = cert.not_after.strftime("%Y-%m-%d %H:%M UTC")
    problems = []
    if left < days:
        problems.append(f"expired on {until}" if left < 0 else f"valid for {left:.1f} more days (until {until})")
    if not cert.names_host():
        problems.append(f"names {', '.join(cert.names) or 'no DNS name'}, not {cert.host}")
    if cert.verify_error and not (left < 0 and "expired" in cert.verify_error):
        problems.append(f"does not verify against the trusted roots: {cert.verify_error}")
    if problems:
        raise Violation(f"the certificate of {cert.host}", f"trusted, naming {cert.host}, valid for at least "
                        f"{days} days", "; ".join(problems),
                        details=[f"issuer: {cert.issuer}", f"subject: {cert.subject}"])
    return cert
