"""Read-only client for the Render REST API (``https://api.render.com/v1``).

Laid out like httpx itself: one client object (:mod:`.client`), a small exception tree
named by cause (:mod:`._exceptions`), strict models (:mod:`.models`) read through a strict
wire reader (:mod:`._wire`); one GET is sent by :mod:`._transport`, retried by
:mod:`._retry` and paced by :mod:`._pacing`; whole lists are read by :mod:`._pages`.
The client can only send ``GET`` requests.

Every error is a :class:`RenderError` (a :class:`phasegate.errors.TargetError`), so a
scenario that cannot read Render is *broken*, never *failed*. Messages are one line,
name the method and path, pass through :func:`phasegate.redact.scrub` and never chain
the underlying httpx exception (whose context could show request headers).

Rate budget: every request is admitted by a :class:`._pacing.RateWindow`, which paces the
run to the budget Render announces (``Ratelimit-Remaining`` / ``Ratelimit-Reset``) so that
no request runs into a 429; see :mod:`._retry` for what is retried and for how long.

Judges import :mod:`phasegate.render.models` (models and status words), never the client.
"""

from ._exceptions import (AuthenticationError, NetworkError, NotFoundError, RateLimitedError, RenderError,
                          ResponseFormatError, ServerError)
from ._wire import WIRE_DEVIATIONS
from .client import SIMULATOR_HEADER, RenderClient
from .models import (DASHBOARD, DEPLOY_IN_FLIGHT, DEPLOY_SETTLED, LINK_TYPES, CustomDomain, Deploy, EnvGroup, EnvVar,
                     Event, LogEntry, NotificationOverride, NotificationSettings, SecretFile, Series, Service,
                     ServiceLink)

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
    "CustomDomain",
    "EnvVar",
    "SecretFile",
    "ServiceLink",
    "EnvGroup",
    "Deploy",
    "Event",
    "Series",
    "LogEntry",
    "NotificationSettings",
    "NotificationOverride",
    "DASHBOARD",
    "DEPLOY_IN_FLIGHT",
    "DEPLOY_SETTLED",
    "LINK_TYPES",
    "SIMULATOR_HEADER",
    "WIRE_DEVIATIONS",
]
