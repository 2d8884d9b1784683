"""One line per sandbox world: what it changes, what it violates, and where it lives (Render, database, worker).

``phasegate sandbox worlds`` prints these; ``phasegate sandbox serve`` serves Render worlds only,
so the list marks the worlds whose change is in the database or the stand-in worker.
"""

from __future__ import annotations

from .keys import DESCRIPTIONS as SUPABASE_WORLDS
from .session import CATALOGUE
from .worlds import DESCRIPTIONS, OUTCOMES, WEB_CLAIMS, WORKER_OUTCOMES, WORKER_WORLDS

# The database variants (phasegate.sandbox.postgres.VARIANTS) and worker URL styles, in words.
_DATABASE = {
    **SUPABASE_WORLDS,
    "compliant-role-in-database": "the worker role's settings are set only with ALTER ROLE … IN DATABASE",
    "database-unreachable": "the worker's DATABASE_URL names a database that does not exist: nothing can be read",
    "P4-40": "the worker's DATABASE_URL points at a remote host without TLS",
    "P4-40-sslmode-disable": "the worker's DATABASE_URL says sslmode=disable",
    "compliant-remote-with-tls": "the worker's DATABASE_URL points at a remote host with sslmode=require",
    "P4-41": "the staging schema is missing",
    "P4-42-superuser": "the worker role is SUPERUSER",
    "P4-42-postgres": "the worker connects as the admin superuser postgres",
    "P4-42-production-role": "the worker connects with the production role",
    "P4-43-public-usage": "USAGE on the production schema is granted to PUBLIC",
    "P4-43-membership": "the worker role is a member of the production role",
    "P4-43-public-select": "SELECT on a production table is granted to PUBLIC (without schema USAGE)",
    "P4-43-column-grant": "SELECT on two columns of a production table is granted to the worker role",
    "P4-43-sequence": "USAGE on a production sequence is granted to the worker role",
    "P4-43-view": "a staging view over a production table, owned by the production role, SELECT to the worker",
    "P4-43-materialized-view": "a staging materialized view of a production table, owned by the production role, "
                               "SELECT to the worker",
    "P4-43-view-of-a-view": "a staging view over a staging view over production, both owned by the production "
                            "role, SELECT on the outer one to the worker",
    "P4-43-rule": "a staging table of the production role whose INSERT rule returns production rows; "
                  "INSERT to the worker",
    "P4-43-definer-plpgsql": "a SECURITY DEFINER plpgsql function of the production role reading production "
                             "(EXECUTE: PUBLIC, the default, so Phase 5's P5-05 fails too)",
    "P4-43-definer-sql": "a SECURITY DEFINER sql function (string body) of the production role reading production "
                         "(EXECUTE: PUBLIC)",
    "P4-43-definer-atomic": "a SECURITY DEFINER sql function with a BEGIN ATOMIC body reading production "
                            "(EXECUTE: PUBLIC)",
    "P4-43-definer-trigger": "a SECURITY DEFINER trigger function writing production, on a table the worker "
                             "inserts into (no EXECUTE for anyone)",
    "P4-43-foreign-table": "a foreign table whose remote schema is upload_pipeline, SELECT to the worker",
    "P4-43-user-mapping": "a foreign server with a user mapping for the worker that logs in here as the "
                          "production role",
    "P4-43-set-role": "the worker role is a member of the production role WITH INHERIT FALSE: it may SET ROLE to it",
    "P4-43-replication": "the worker role has the REPLICATION attribute",
    "P4-43-read-all-data": "the worker role is a member of pg_read_all_data",
    "compliant-staging-definers": "a view and SECURITY DEFINER functions over staging objects only, owned by "
                                  "the worker role",
    "compliant-supabase-definers": "superuser-owned SECURITY DEFINER functions as Supabase ships them "
                                   "(auth.uid, pgbouncer.get_auth, extensions.uuid_generate_v4), none "
                                   "touching production",
    "P4-44": "search_path puts the production schema after the staging one",
    "P4-44-user": "search_path is \"$user\", public and a schema is named like the role",
    "P4-45": "no statement_timeout (idle-in-transaction timeout still set)",
    "P4-45-zero": "statement_timeout = 0",
    "P4-46": "the queue table is missing",
    "P4-46-columns": "the queue table has no attempts / max_attempts columns",
    "P4-47-none": "no worker session is connected",
    "P4-47-too-many": "12 worker sessions are connected (pool max is 10)",
    "P4-63": "a 'running' job started 2 hours ago",
    "P5-06": "the worker role has given up UPDATE on the queue table",
    "P5-07": "the queue table has no last_error column",
    "P5-07-over-attempts": "a queued job has attempts 5 of max_attempts 3",
    "P5-05-no-insert": "the API role has no INSERT on the queue table",
    "P5-05-serial-no-usage": "the queue's id is a serial (nextval) and the API role has no USAGE on its sequence",
    "P5-05-production-usage": "the API role has USAGE on the production schema",
    "P5-05-production-role": "the API role is a member of the production role",
    "P5-05-view": "a staging view over a production table, owned by the production role, SELECT to the API role",
    "P5-05-definer-function": "a SECURITY DEFINER function reading production, EXECUTE to the API role only",
    "P5-05-column-grant": "SELECT on two columns of a production table is granted to the API role",
    "api-database-unreachable": "the API's DATABASE_URL carries a wrong password: its session cannot open",
    "compliant-queue-enum": "the queue's status is an ENUM whose labels include the failed state; no job is failed",
    "compliant-queue-dead": "the queue's failed state is 'dead', allowed by its CHECK; no job is in it",
    "compliant-queue-domain": "the queue's status is a domain over a domain, each with a CHECK (the failed state "
                              "allowed); a CHECK on attempts",
    "compliant-queue-unconstrained": "no constraint on the queue's status (any value allowed) and no failed job",
    "P5-07-queue-enum-without-failed": "the queue's status is an ENUM without the failed state",
    "queue-check-unreadable": "the queue's status CHECK is a regular expression phasegate cannot read; no failed job",
    "P4-63-claimed": "a job 'claimed' 2 hours ago, and the profile names 'claimed' a running state",
}


def is_render_world(name: str) -> bool:
    """Whether the world's change is in Render (``sandbox serve`` can serve it) rather than in the database."""
    return CATALOGUE[name].render_world == name


def violation(name: str) -> str:
    spec = CATALOGUE[name]
    outcomes = OUTCOMES.get(name) if is_render_world(name) else WORKER_OUTCOMES.get(name)
    if outcomes:
        failed = [cid for cid, state in outcomes.items() if state == "failed"]
        broken = [cid for cid, state in outcomes.items() if state == "broken"]
        parts = ([f"fails {', '.join(failed)}"] if failed else []) + ([f"breaks {', '.join(broken)}"] if broken else [])
        return "; ".join(parts)
    if spec.violates:
        also = f" (also affects {', '.join(spec.also_affects)})" if spec.also_affects else ""
        return f"fails {spec.violates}{also}"
    if spec.also_affects:
        return f"breaks {', '.join(spec.also_affects)} (nothing can be judged)"
    if WEB_CLAIMS.get(name):  # a claim of a phase the repository does not hold
        return "fails one claim of the web frontend's phase (tests/test_unwired_phase.py)"
    return "violates nothing (compliant)"


def describe(name: str) -> str:
    if name in WORKER_WORLDS:
        return WORKER_WORLDS[name][2]
    what = DESCRIPTIONS.get(name) if is_render_world(name) else _DATABASE.get(name)
    if what and CATALOGUE[name].settings:
        what += " (profile: " + ", ".join(f"{k}={v}" for k, v in CATALOGUE[name].settings.items()) + ")"
    return what or ("the reference deployment, as the Phase 4 report describes it" if name == "compliant" else "")


def lines() -> list[str]:
    width = max(len(name) for name in CATALOGUE)
    out = []
    for name in sorted(CATALOGUE):
        where = ("render  " if is_render_world(name) else "worker  " if CATALOGUE[name].worker != "normal"
                 else "database")
        out.append(f"{name:<{width}}  {where}  {violation(name)}: {describe(name)}")
    return out
