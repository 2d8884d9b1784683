"""phasegate's access to PostgreSQL: the read-only probes of the worker's and the API's databases, and the
connection pieces the canary writer shares.

:func:`probe` connects with the worker's own ``DATABASE_URL`` or the runner's route to it, reads
``current_user`` and ``session_user`` back first and, unless both are the role the worker's own URL
names (:class:`~phasegate.identity.ExpectedRole`), raises :class:`DatabaseWrongRole` before any
other read (so every privilege check is the worker role's); then it reads every database fact the
criteria need in ONE :class:`ReadOnlySession`, and closes it. :func:`probe_enqueue` does the same for
the API's role. Nothing the probes run can write: every transaction is verified read-only
(:mod:`phasegate.database.session`).

The one writer, :mod:`phasegate.canary` (the opt-in round trip), uses only the connection pieces
here: :class:`ConnectionTarget`, :func:`connect_error`, :func:`first_line` and the error classes; it
opens its own connection and never a :class:`ReadOnlySession`.

Failures are :class:`DatabaseError` subclasses (``TargetError``: the scenario is *broken*, not
failed). Their message is one line, names user/host/database, never the password: the password is
registered with :mod:`phasegate.redact` and every message is scrubbed.

Modules: ``errors``, ``target`` (where a URL points), ``causes`` (why a connection failed),
``session`` (the read-only session and its evidence reader), ``pgtext`` (PostgreSQL text parsers),
``check_text`` (what a deparsed CHECK allows; pure), ``facts``; one reader per concern: ``connection``,
``isolation`` + ``doors``, ``settings``, ``queue`` + ``status_values`` (the status column's type),
``sessions``, ``enqueue``; and ``probe``, which calls them in order.
"""

from phasegate.database.causes import connect_error  # noqa: F401
from phasegate.database.connection import check_role, read_connection, read_role, read_schemas  # noqa: F401
from phasegate.database.enqueue import probe_enqueue  # noqa: F401
from phasegate.database.errors import (  # noqa: F401
    DatabaseAuthFailed,
    DatabaseError,
    DatabaseNotReadOnly,
    DatabaseTimeout,
    DatabaseUnreachable,
    DatabaseWrongRole,
    first_line,
)
from phasegate.database.facts import DatabaseFacts, EnqueueFacts  # noqa: F401
from phasegate.database.isolation import SEQUENCE_PRIVILEGES, TABLE_PRIVILEGES, production_isolation  # noqa: F401
from phasegate.database.pgtext import split_search_path, split_table, timeout_milliseconds  # noqa: F401
from phasegate.database.probe import probe  # noqa: F401
from phasegate.database.queue import STUCK_TIMESTAMP_COLUMNS  # noqa: F401
from phasegate.database.session import ReadOnlySession, _Reader, open_session, run_query  # noqa: F401
from phasegate.database.settings import (  # noqa: F401
    CONTRADICTION,
    JUDGEABLE_POOL_MODES,
    TIMEOUT_SETTINGS,
    pool_mode,
)
from phasegate.database.target import (  # noqa: F401
    TRANSACTION_POOLER_PORT,
    ConnectionTarget,
    expected_role,
    looks_pooled,
)

__all__ = [
    "DatabaseError",
    "DatabaseUnreachable",
    "DatabaseAuthFailed",
    "DatabaseTimeout",
    "DatabaseNotReadOnly",
    "DatabaseWrongRole",
    "ConnectionTarget",
    "expected_role",
    "ReadOnlySession",
    "pool_mode",
    "DatabaseFacts",
    "open_session",
    "run_query",
    "probe",
    "EnqueueFacts",
    "probe_enqueue",
    "STUCK_TIMESTAMP_COLUMNS",
]
