"""Public endpoints, read-only: what a service answers on its public address, and the certificate it presents.

:mod:`.route` (where a host is reached and which certificates are trusted: the system's, or the sandbox's
own CA when the sandbox says so), :mod:`.client` (the one HTTP client: GET, HEAD and OPTIONS only, bounded
time, no credentials, no cookies, no redirect to another host), :mod:`.tls` (the certificate a host
presents), :mod:`.facts` (what was read: an answer, a preflight, a certificate), :mod:`.causes` (why an
address could not be reached, in one line), :mod:`.probe` (one probe of a run, by its need).
"""

from .causes import Unreachable  # noqa: F401
from .client import ALLOWED_METHODS, ReadOnlyClient  # noqa: F401
from .facts import Answer, Certificate, Preflight  # noqa: F401
from .probe import Probe, is_probe, parse_probe, probe_url, read_probe  # noqa: F401
from .route import EndpointRoute  # noqa: F401
