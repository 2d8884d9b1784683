"""What is secret, how it stays in the process, and how secrets are compared.

Every env var value is a :class:`Secret` unless its key is on :data:`PLAIN_KEYS`. A
``Secret`` hides its value from ``repr``/``str``/pickling, so it is safe to hand to
pytest, Allure (which records every step argument) and exceptions. Comparisons use a
keyed digest (HMAC-SHA256 under a per-run key), never the value.

As a second line of defence every raw secret value is registered, and :func:`scrub`
replaces it (raw, URL-encoded, base64) in any text before the text leaves the process.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import threading
import urllib.parse

# Plain settings: their values are configuration, not credentials, and may be shown.
PLAIN_KEYS = frozenset(
    {
        "ENVIRONMENT",
        "SENTRY_ENVIRONMENT",  # names the environment, like ENVIRONMENT (Phase 5 compares it on two services)
        "DEBUG",
        "LOG_LEVEL",
        "NODE_ENV",
        "PYTHON_VERSION",
        "PORT",
        "TZ",
        "WORKER_CONCURRENCY",
        "WORKER_MAX_RETRIES",
        "WORKER_POLL_INTERVAL_SECONDS",
    }
)

MASK = "***"
# Shorter values are too likely to collide with ordinary text ("1", "no") to scrub.
_MIN_SCRUB_LENGTH = 4
# A flag's value held under a secret's name is no secret, and scrubbing it would rewrite every such word of every
# output: the Allure report's own code (`allureReportDataReady = false;`) stopped running when "false" was scrubbed.
_ORDINARY_WORDS = frozenset({"true", "false", "null", "none", "yes", "off"})

_lock = threading.Lock()
_registered: set[str] = set()
_patterns: list[str] = []
_run_key = os.urandom(32)


def is_plain(key: str) -> bool:
    return key.upper() in PLAIN_KEYS


def register(value: str) -> None:
    """Remember a raw secret value so that :func:`scrub` removes it from any output."""
    if not value or len(value) < _MIN_SCRUB_LENGTH or value.strip().lower() in _ORDINARY_WORDS:
        return
    with _lock:
        if value in _registered:
            return
        _registered.add(value)
        forms = {
            value,
            urllib.parse.quote(value, safe=""),
            urllib.parse.quote_plus(value),
            urllib.parse.quote(value),
            base64.b64encode(value.encode()).decode(),
            base64.urlsafe_b64encode(value.encode()).decode(),
        }
        # Longest first, so a value that contains another is replaced whole.
        _patterns[:] = sorted(set(_patterns) | {f for f in forms if f}, key=len, reverse=True)


def scrub(text: str) -> str:
    """Replace every registered secret value (raw, URL-encoded, base64) with ``***``."""
    if not text:
        return text
    for pattern in _patterns:
        if pattern in text:
            text = text.replace(pattern, MASK)
    return text


_TOKEN = re.compile(r"[A-Za-z0-9_\-+/=.]{24,}")
_SECRET_PAIR = re.compile(r"(?i)((?:secret|token|password|passwd|pwd|key|authorization|bearer)[\"']?\s*[:=]\s*"
                          r"[\"']?)[^\s\"',}]+")
_URL_CREDENTIALS = re.compile(r"(://[^/\s:@]+:)[^@\s]+@")


def sample(text: str, limit: int = 120) -> str:
    """Untrusted text (a log line, a response body) as evidence may carry it: scrubbed of every registered
    secret, of credentials in URLs, of ``key=value`` secrets and of long token-like runs; one line, at most
    ``limit`` characters."""
    text = scrub(text).replace("\n", " ").replace("\r", " ")
    text = _URL_CREDENTIALS.sub(rf"\g<1>{MASK}@", text)
    text = _SECRET_PAIR.sub(rf"\g<1>{MASK}", text)
    text = _TOKEN.sub(MASK, text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def set_digest_key(key: bytes) -> None:
    """Use a given digest key (for digests comparable across runs); default: random per run."""
    global _run_key
    _run_key = key


def digest(value: str) -> str:
    """Keyed digest of a value: equal values give equal digests within a run, and nothing more."""
    return hmac.new(_run_key, value.encode(), hashlib.sha256).hexdigest()[:16]


class Secret:
    """A value that must never be shown. ``reveal()`` is the only way to the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str | None, *, scrubbed: bool = True) -> None:
        self._value = "" if value is None else str(value)
        if scrubbed:  # plain settings ("production", "INFO") must not be scrubbed from all output
            register(self._value)

    def reveal(self) -> str:
        return self._value

    @property
    def digest(self) -> str:
        return digest(self._value)

    def is_empty(self) -> bool:
        return not self._value.strip()

    def __bool__(self) -> bool:
        return not self.is_empty()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Secret):
            return hmac.compare_digest(self._value.encode(), other._value.encode())
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.digest)

    def __repr__(self) -> str:
        return "Secret(***)" if self._value else "Secret(<empty>)"

    __str__ = __repr__

    def __reduce__(self):  # pickling would carry the value out of the process
        raise TypeError("a Secret cannot be pickled")


def shown(key: str, value: "Secret | str | None") -> str:
    """How a value may appear in evidence: plain keys as they are, secrets masked."""
    if value is None:
        return "<unset>"
    if isinstance(value, Secret):
        return "<empty>" if value.is_empty() else f"{MASK} (hmac {value.digest})"
    return value if is_plain(key) else MASK


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
