"""Where a host is reached and which certificates vouch for it.

A real run resolves names by DNS and trusts the system's certificate store. A sandbox run is told, by its
sandbox session and nothing else, to reach its hosts on loopback and to trust only the sandbox's own
throwaway CA (``ca_file``): the mapping lives in this route, never in ``/etc/hosts`` nor the system store.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field


@dataclass(frozen=True)
class EndpointRoute:
    """``resolve``: host -> (address, port) to connect to instead (the sandbox's loopback server); ``ca_file``:
    the only CA to trust (the sandbox's), else the system's store."""

    resolve: dict = field(default_factory=dict)
    ca_file: str | None = None

    @property
    def sandboxed(self) -> bool:
        return bool(self.resolve or self.ca_file)

    def address(self, host: str, port: int) -> tuple[str, int]:
        """Where a connection to ``host:port`` really goes."""
        return tuple(self.resolve.get(host.lower().rstrip("."), (host, port)))

    def ssl_context(self, *, verify: bool = True) -> ssl.SSLContext:
        """A client context: the system's store, or only the sandbox's CA; ``verify=False`` reads any
        certificate (to judge one that does not verify) and trusts nothing it says."""
        context = ssl.create_default_context(cafile=self.ca_file)
        if not verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context
