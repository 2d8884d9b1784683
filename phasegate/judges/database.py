"""Judgements of the database criteria over the database facts.

The facts come from one read-only session opened with the worker's own credentials
(:func:`phasegate.database.probe`); these functions only compare.
"""

from __future__ import annotations

from ..snapshot import NotJudgeable
from .violation import Violation

TLS_REQUIRED = ("require", "verify-ca", "verify-full")


def connection_secure(worker, facts, link: str | None) -> None:
    """Connected (facts exist), and a remote host is reached with sslmode require or stronger."""
    target = worker if worker is not None else facts.target
    if not target.is_local and (target.sslmode or "prefer") not in TLS_REQUIRED:
        raise Violation(
            "TLS on the worker's database connection",
            f"sslmode {' / '.join(TLS_REQUIRED)} for the remote host {target.host}",
            f"sslmode={target.sslmode or '<not set: libpq default prefer, which falls back to plain text>'}",
            link=link,
            details=[f"connection: {target.describe()}"],
        )


def schema_exists(facts, schema: str, link: str | None) -> None:
    if not facts.staging_schema_exists:
        raise Violation(f"schema {schema}", "exists", "missing",
                        link=link, details=[f"schemas present: {', '.join(sorted(facts.schemas))}"])


def staging_credentials(facts, production_role: str | None, link: str | None) -> None:
    problems = []
    user = facts.current_user
    if user == "postgres" or facts.session_user == "postgres":
        problems.append("connects as postgres")
    if facts.role.get("rolsuper"):
        problems.append(f"role {user} is a superuser")
    if production_role and production_role in (user, facts.session_user):
        problems.append(f"connects as the production role {production_role}")
    if problems:
        raise Violation("the worker's database credentials", "a staging-only role: not production's, "
                        "not a superuser, not postgres", f"role {user}: " + "; ".join(problems), link=link)


def production_doors(facts, schema: str) -> list[tuple[str, str]]:
    """Every door into the production schema as (kind and object, one line: object (kind, owner): the privilege
    that opens it, through whom, and what lies behind it). Privileges on one object are on one line."""
    lines: list[tuple[str, str]] = []

    def via_text(via) -> str:
        via = list(via) if isinstance(via, (list, tuple)) else [via] if via else []
        return f" via {', '.join(via)}" if via else ""

    schema_doors = [d for d in facts.production_doors if d["kind"] == "schema"]
    if (facts.production_schema_usage or facts.production_schema_create) and not schema_doors:
        held = [p for p, has in (("USAGE", facts.production_schema_usage), ("CREATE", facts.production_schema_create))
                if has]
        schema_doors = [{"object": schema, "kind": "schema", "owner": "?", "privilege": ", ".join(held), "via": []}]
    grouped: dict[tuple, dict] = {}
    for grant in facts.production_table_privileges:
        columns = grant.get("columns")
        key = (grant.get("schema", schema), grant["table"], grant.get("kind") or "table", grant.get("owner"),
               tuple(grant.get("via") or []), bool(columns))
        entry = grouped.setdefault(key, {"privileges": []})
        entry["privileges"].append(f"{grant['privilege']} ({', '.join(columns)})" if columns else grant["privilege"])
    table_doors = [{"object": f"{s}.{t}", "kind": kind, "owner": owner,
                    "privilege": ", ".join(e["privileges"]), "via": list(via), "opens": ""}
                   for (s, t, kind, owner, via, cols), e in grouped.items()]
    others = [d for d in facts.production_doors if d["kind"] != "schema"]
    for door in schema_doors + table_doors + others:
        owner = f", owner {door['owner']}" if door.get("owner") else ""
        opens = f": {door['opens']}" if door.get("opens") else ""
        lines.append((f"{door['kind']} {door['object']}",
                      f"{door['object']} ({door['kind']}{owner}): {door['privilege']}{via_text(door.get('via'))}{opens}"))
    return lines


def production_unreachable(facts, schema: str, link: str | None, whose: str = "the worker's") -> None:
    """No door into the production schema: no privilege on it or its objects (tables, their columns,
    sequences), no view, rule, definer function or foreign table elsewhere that reaches it."""
    doors = production_doors(facts, schema)
    if doors:
        raise Violation(f"{whose} reach into production schema {schema}",
                        "no door: no privilege on the schema or its objects, no view, rule, definer function, "
                        "foreign table or role that leads into it",
                        f"{len(doors)} door(s): " + "; ".join(short for short, _ in doors), link=link,
                        details=[f"door: {line}" for _, line in doors]
                        + [f"role: {facts.current_user}, member of: {', '.join(facts.role.get('member_of') or []) or 'none'}"])


def search_path_staging(facts, schema: str, production_schema: str, link: str | None) -> None:
    path = list(facts.search_path_effective)
    if not path or path[0] != schema or production_schema in path:
        raise Violation("the worker's effective search_path",
                        f"starts with {schema}, does not contain {production_schema}",
                        ", ".join(path) or "<empty: no schema on the path exists>", link=link,
                        details=[f"configured: {facts.search_path_configured!r} (set at: {facts.search_path_source})"])


def timeouts_set(facts, link: str | None) -> None:
    unset = [name for name, setting in facts.settings.items() if not setting.get("is_set")]
    if unset:
        shown = ", ".join(f"{n}={facts.settings[n].get('value') or '<unset>'}" for n in unset)
        raise Violation("timeouts for the worker's role or database",
                        "statement_timeout and idle_in_transaction_session_timeout set, non-zero", shown, link=link)


def queue_ready(facts, table: str, link: str | None) -> None:
    queue = facts.queue_table or {}
    if not queue.get("exists"):
        raise Violation(f"job queue table {table}", "exists in the staging schema", "missing", link=link)
    missing = [c for c, flag in (("status", "has_status"), ("attempts", "has_attempts"),
                                 ("max_attempts", "has_max_attempts")) if not queue.get(flag)]
    if missing:
        raise Violation(f"job queue table {table}", "columns status, attempts, max_attempts",
                        f"missing: {', '.join(missing)}", link=link,
                        details=[f"columns: {', '.join(queue.get('columns') or {})}"])


def sessions_not_judgeable(facts) -> str | None:
    """Why the worker's sessions cannot be counted through this connection (a skip reason), or None.

    Behind a transaction pooler pg_stat_activity shows the pooler's server connections, shared
    by every client (phasegate's own included) and kept after the clients leave: counting them
    says nothing about the worker's sessions.
    """
    from ..database import JUDGEABLE_POOL_MODES  # the probe's constant; deferred: the backend loads psycopg

    pooling = facts.pooling
    if pooling.get("mode", "direct") in JUDGEABLE_POOL_MODES:
        return None
    return (f"not judgeable through a {pooling['mode']} pooler ({'; '.join(pooling.get('signals') or [])}): "
            "pg_stat_activity shows the pooler's server connections, not the worker's. To judge it, set "
            "PHASEGATE_DATABASE_URL to a direct or session-mode URL of the same role (Supabase: port 5432)")


def sessions_within_pool(facts, pool_max: int, link: str | None) -> None:
    count = facts.worker_sessions
    if not 1 <= count <= pool_max:
        raise Violation(f"live sessions of role {facts.current_user}", f"1..{pool_max}", str(count), link=link)


def no_stuck_jobs(facts, minutes: int, link: str | None, running: tuple[str, ...] = ()) -> None:
    """No job in one of the running states (the profile's, read by the probe) for longer than ``minutes``."""
    queue = facts.queue_table or {}
    if not (queue.get("exists") and queue.get("readable", True) and queue.get("stuck_timestamp_column")):
        raise NotJudgeable("cannot judge: the queue table cannot be read for running jobs (it is missing or unreadable)")
    if facts.stuck_jobs:
        shown = "; ".join(f"job {j.get('id')} {j.get('status')} for {j.get('age_seconds')} s" for j in facts.stuck_jobs)
        states = f" ({', '.join(running)})" if running else ""
        raise Violation(f"jobs stuck in a running state{states}", f"none running longer than {minutes} minutes",
                        f"{len(facts.stuck_jobs)}: {shown}", link=link)


def _queue(facts, table: str, needs_rows: bool = False) -> dict:
    q = facts.queue_table or {}
    if not q.get("exists"):
        raise NotJudgeable(f"cannot judge: the queue table {table} is missing")
    if needs_rows and "statuses" not in q:
        raise NotJudgeable(f"cannot judge: the worker cannot read the jobs of {table} by status")
    return q


def worker_can_claim(facts, table: str, link: str | None) -> None:
    """SELECT and UPDATE on the queue: what claiming with FOR UPDATE SKIP LOCKED and finishing a job take."""
    q = _queue(facts, table)
    missing = [p for p in ("SELECT", "UPDATE") if not (q.get("privileges") or {}).get(p)]
    if missing:
        raise Violation(f"role {facts.current_user} on {q['schema']}.{q['table']}", "SELECT and UPDATE",
                        "missing " + " and ".join(missing), link=link)


def failures_recorded(facts, table: str, states, link: str | None) -> None:
    """last_error exists, the failed state (``states.failed``, the profile's) is in use or allowed by the status
    column's type, and no job has run past its attempts in another state. Whether the type allows it is read
    from its constraints and enum labels; when a constraint that decides it cannot be read, not judgeable."""
    # Pure readings of the facts' plain status_type; deferred: the database package loads psycopg.
    from ..database.check_text import allows, summary

    q = _queue(facts, table, needs_rows=True)
    failed, where = states.failed, f"{q['schema']}.{q['table']}"
    problems = []
    if not q.get("has_last_error"):
        problems.append("no last_error column")
    status_type = q.get("status_type")
    allowed = None if q["statuses"].get(failed) else allows(status_type, failed)
    if allowed is False:
        problems.append(f"no job is {failed!r} and the status column does not allow it: {summary(status_type)}")
    if q.get("over_attempts"):
        problems.append(f"{q['over_attempts']} job(s) with attempts > max_attempts outside {failed!r}")
    unreadable = allowed is None and not q["statuses"].get(failed)
    if problems:
        details = ([f"whether the status column allows {failed!r} cannot be read: "
                    + "; ".join((status_type or {}).get("unreadable") or ["no status type"])] if unreadable else [])
        raise Violation(f"failure bookkeeping of {where}",
                        f"last_error, a {failed!r} state in use or allowed, no job past its attempts elsewhere",
                        "; ".join(problems), link=link, details=details)
    if unreadable:
        raise NotJudgeable(f"cannot judge: no job of {where} is {failed!r} and whether its status column allows it "
                           f"rests on a constraint phasegate cannot read: "
                           + "; ".join((status_type or {}).get("unreadable") or ["no status type was read"]))


def api_can_enqueue(facts, table: str, link: str | None) -> list[str]:
    """USAGE on the queue's schema, INSERT on the queue, and USAGE on the sequence of every id a
    nextval() default fills (an identity column needs none). Returns how each id gets its value."""
    q = _queue(facts, table)
    where = f"{q['schema']}.{q['table']}"
    missing = [] if q.get("schema_usage") else [f"USAGE on schema {q['schema']}"]
    if not q.get("insert"):
        missing.append(f"INSERT on {where}")
    ids = []
    for seq in q.get("id_sequences") or []:
        held = "held" if seq["usage"] else "not held"
        if seq["usage_required"]:
            ids.append(f"{seq['column']}: {seq['kind']} -> INSERT needs USAGE on {seq['sequence']}: {held}")
            if not seq["usage"]:
                missing.append(f"USAGE on sequence {seq['sequence']}")
        else:
            ids.append(f"{seq['column']}: {seq['kind']} -> INSERT needs no privilege on {seq['sequence']} "
                       f"(USAGE {held})")
    ids = ids or [f"no column of {where} takes its value from a sequence"]
    if missing:
        raise Violation(f"role {facts.current_user} enqueuing into {where}",
                        "USAGE on the schema, INSERT on the table, USAGE on the sequence of a nextval() id",
                        "missing " + "; ".join(missing), link=link, details=ids)
    return ids
