"""The snapshot's database level: the worker's and the API's read-only sessions, each with its own credentials.

Which connection string each session uses (the runner's override, the sandbox's route, else the
service's own DATABASE_URL on Render) is said in words on the snapshot; a session that cannot be
opened is kept as the cause of every database criterion.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import TargetError
from .model import NotJudgeable, Snapshot, own_database_url

if TYPE_CHECKING:
    from ..profile.model import Profile
    from ..redact import Secret


def _read_database(snapshot: Snapshot, profile: Profile, database_route: str | None) -> None:
    from .. import database

    worker_url = own_database_url(snapshot.staging)
    if worker_url is not None:
        try:
            snapshot.worker_database = database.ConnectionTarget.parse(worker_url)
        except TargetError:
            pass  # unparsable: said below, as the role it cannot name
    snapshot.database_source, url = _which_url(profile, "PHASEGATE_DATABASE_URL", profile.database_url_override,
                                               database_route, worker_url, "worker")
    if url is None:
        snapshot.database_error = NotJudgeable(
            f"cannot judge: {profile.service_name!r} has no usable DATABASE_URL on Render (no single service, or the variable is unset)")
        return
    try:
        expected = snapshot.expected_role("worker", snapshot.database_source)
        snapshot.database = database.probe(url, stuck_threshold_minutes=profile.stuck_job_minutes,
                                           queue_states=profile.queue_states, expected=expected,
                                           key_roles=snapshot.staging.key_roles(), **_session_options(profile))
        snapshot.database_identity = snapshot.database.identity
    except database.DatabaseWrongRole as exc:
        snapshot.database_identity, snapshot.database_error = exc.identity, exc
    except TargetError as exc:
        snapshot.database_error = exc


def _read_api_database(snapshot: Snapshot, profile: Profile, route: str | None) -> None:
    """The API's own session: opened with the API's DATABASE_URL, so every privilege read is its role's."""
    from .. import database

    api_url = own_database_url(snapshot.api)
    snapshot.api_database_source, url = _which_url(profile, "PHASEGATE_API_DATABASE_URL",
                                                   profile.api_database_url_override, route, api_url, "API")
    if url is None:
        snapshot.api_database_error = NotJudgeable(
            f"cannot judge: {profile.api_service_name!r} has no usable DATABASE_URL on Render (no single service, "
            "its environment could not be read, or the variable is unset)")
        return
    try:
        expected = snapshot.expected_role("API", snapshot.api_database_source)
        snapshot.api_database = database.probe_enqueue(url, expected=expected, key_roles=snapshot.api.key_roles() if snapshot.api else (),
                                                       **_session_options(profile))
        snapshot.api_database_identity = snapshot.api_database.identity
    except database.DatabaseWrongRole as exc:
        snapshot.api_database_identity, snapshot.api_database_error = exc.identity, exc
    except TargetError as exc:
        snapshot.api_database_error = exc


def _which_url(profile: Profile, override_key: str, override: Secret | None, route: str | None,
               own_url: str | None, who: str) -> tuple[str, str | None]:
    """(where the connection string comes from, in words; the string): the runner's own route from the
    profile key, else the sandbox's route, else the service's own DATABASE_URL on Render; None if none."""
    if override is not None:
        return f"{override_key} from {profile.where(override_key)}", override.reveal()
    if route is not None:
        return f"the sandbox's own route to the {who}'s database", route
    if own_url is not None:
        return f"the {who}'s own DATABASE_URL on Render", own_url
    return f"none: the {who} has no DATABASE_URL", None


def _session_options(profile: Profile) -> dict:
    """What every read-only session is told: the schemas and queue to read, and its time bounds."""
    return {"staging_schema": profile.db_schema, "production_schema": profile.production_db_schema,
            "queue_table": profile.db_queue_table, "connect_timeout": profile.db_connect_timeout,
            "statement_timeout_ms": profile.db_statement_timeout_ms}
