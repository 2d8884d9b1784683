"""Level 3 of the snapshot, beside the database sessions: the public endpoints the criteria probe.

Each probe (a need, :mod:`phasegate.endpoints.probe`) is read once, concurrently, through one read-only
client. A probe of a role starts from the service's URL as Render reports it (``serviceDetails.url``),
never from the profile: when the service could not be read or has no URL, the probe keeps that as its
cause. A probe that could not be read keeps its one-line cause; its criterion is broken.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ..endpoints import EndpointRoute, ReadOnlyClient, is_probe, parse_probe, read_probe
from ..errors import TargetError
from .model import NotJudgeable, Snapshot


def probes_of(needs) -> list[str]:
    return sorted(need for need in needs if is_probe(need))


def read_endpoints(snapshot: Snapshot, needs, route: EndpointRoute | None) -> None:
    """Read every probe ``needs`` names into ``snapshot.endpoints`` (or its cause into ``endpoint_errors``)."""
    probes = [parse_probe(need) for need in probes_of(needs)]
    if not probes:
        return
    with ReadOnlyClient(route) as client, ThreadPoolExecutor(max_workers=8,
                                                             thread_name_prefix="phasegate-endpoint") as pool:
        reads = {}
        for probe in probes:
            try:
                base = service_url(snapshot, probe.role) if probe.role is not None else None
            except TargetError as exc:
                snapshot.endpoint_errors[probe.need] = exc
                continue
            reads[probe.need] = pool.submit(read_probe, probe, client, base, route)
        for need, future in reads.items():
            try:
                snapshot.endpoints[need] = future.result()
            except TargetError as exc:
                snapshot.endpoint_errors[need] = exc
        snapshot.endpoint_requests = client.requests_made


def service_url(snapshot: Snapshot, role: str) -> str:
    """The service's public URL as Render reports it (a TargetError when there is none to probe)."""
    target = snapshot.role(role)
    if target is None:
        raise NotJudgeable(f"cannot judge: the {role!r} service was not read in this run")
    service = target.service  # raises the lookup's cause, or that there is no single service
    if not service.url:
        raise NotJudgeable(f"cannot judge: Render reports no public URL for {service.name!r} "
                           f"(a {service.type or 'service'} has none)")
    return service.url
