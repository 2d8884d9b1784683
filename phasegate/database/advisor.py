"""Supabase's security advisor, read in the worker's read-only session: what the Data API serves without RLS.

Supabase's own advisor (``supabase/splinter``) encodes its security findings as catalog queries; this
module reads the ones that bear on isolation and sensitive data, in the schemas the Data API serves
(the ``authenticator`` role's ``pgrst.db_schemas``; where the database does not record them, every
schema but PostgreSQL's and Supabase's own, and the evidence says so), for the roles a request without
a service key runs as (``anon``, ``authenticated``):

- ``rls_disabled_in_public``: a table they may read or write whose row-level security is off (with the
  sensitive-looking columns it holds, as ``sensitive_columns_exposed`` names them);
- ``security_definer_view``: a view they may read that runs with its owner's rights (not
  ``security_invoker``), so no RLS of the caller applies;
- ``function_search_path_mutable``, for the SECURITY DEFINER functions they may execute: no
  ``search_path`` pinned, so a caller's schema can shadow what the function names (a SQL-standard
  ``BEGIN ATOMIC`` body is bound when it is created, so no search_path reaches it: left out);
- the storage buckets (``storage.buckets``: ``public``), where the session may read them.

A database without ``anon`` and ``authenticated`` has no Data API: :func:`advisor` then says so and the
criteria are not applicable. Objects owned by extensions are left out, as the advisor leaves them out.
"""

from __future__ import annotations

from phasegate.database.session import _Reader

FACT = "advisor"
# Schemas that are PostgreSQL's or Supabase's own, never the application's (the advisor skips them too).
INTERNAL_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast", "auth", "storage", "vault", "pgsodium",
                    "pgsodium_masks", "graphql", "graphql_public", "realtime", "supabase_functions",
                    "supabase_migrations", "extensions", "pgbouncer", "net", "cron", "pgtle", "repack")
# Column names the advisor's sensitive_columns_exposed treats as sensitive (compared in lower case, '-' as '_').
SENSITIVE_COLUMNS = ("password", "passwd", "secret", "secret_key", "private_key", "api_key", "apikey", "token",
                     "access_token", "refresh_token", "session_token", "jwt", "otp", "ssn", "credit_card",
                     "card_number", "cvv", "iban", "bank_account", "account_number", "passport_number", "tax_id")

_ROLES_SQL = "SELECT array_agg(rolname ORDER BY rolname) AS roles FROM pg_roles WHERE rolname IN ('anon', 'authenticated')"

_EXPOSED = """n.nspname = ANY(%(schemas)s::text[]) AND NOT n.nspname = ANY(%(internal)s::text[])
  AND NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.objid = {oid} AND dep.deptype = 'e')"""
_WHO = "array(SELECT r FROM unnest(%(roles)s::text[]) r WHERE {check}) AS who"

_RLS_DISABLED_SQL = f"""
SELECT format('%%I.%%I', n.nspname, c.relname) AS "table", pg_get_userbyid(c.relowner) AS owner,
       {_WHO.format(check="has_table_privilege(r, c.oid, 'SELECT,INSERT,UPDATE,DELETE')")},
       array(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0
             AND NOT a.attisdropped AND replace(lower(a.attname), '-', '_') = ANY(%(sensitive)s::text[])
             ORDER BY a.attnum) AS sensitive_columns
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relrowsecurity AND {_EXPOSED.format(oid="c.oid")}
  AND EXISTS (SELECT 1 FROM unnest(%(roles)s::text[]) r WHERE has_table_privilege(r, c.oid, 'SELECT,INSERT,UPDATE,DELETE'))
ORDER BY 1
"""

_DEFINER_VIEWS_SQL = f"""
SELECT format('%%I.%%I', n.nspname, c.relname) AS view, pg_get_userbyid(c.relowner) AS owner,
       {_WHO.format(check="has_table_privilege(r, c.oid, 'SELECT')")}
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'v' AND {_EXPOSED.format(oid="c.oid")}
  AND NOT EXISTS (SELECT 1 FROM unnest(c.reloptions) o
                  WHERE lower(o) ~ '^security_invoker=(t|tr|tru|true|y|ye|yes|on|1)$')
  AND EXISTS (SELECT 1 FROM unnest(%(roles)s::text[]) r WHERE has_table_privilege(r, c.oid, 'SELECT'))
ORDER BY 1
"""

_MUTABLE_DEFINERS_SQL = f"""
SELECT format('%%I.%%I(%%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)) AS function,
       pg_get_userbyid(p.proowner) AS owner,
       {_WHO.format(check="has_function_privilege(r, p.oid, 'EXECUTE')")}
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE p.prosecdef AND p.prosqlbody IS NULL AND {_EXPOSED.format(oid="p.oid")}
  AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE lower(c) LIKE 'search_path=%%')
  AND EXISTS (SELECT 1 FROM unnest(%(roles)s::text[]) r WHERE has_function_privilege(r, p.oid, 'EXECUTE'))
ORDER BY 1
"""

_ALL_SCHEMAS_SQL = "SELECT array_agg(nspname::text ORDER BY nspname) AS schemas FROM pg_namespace WHERE nspname !~ '^pg_'"

_BUCKETS_SQL = """
SELECT to_regclass('storage.buckets') IS NOT NULL AS exists,
       to_regclass('storage.buckets') IS NOT NULL AND has_schema_privilege('storage', 'USAGE')
           AND has_table_privilege('storage.buckets', 'SELECT') AS readable
"""


def _exposed_schemas(r: _Reader, recorded: str | None) -> tuple[list[str], str]:
    """(the schemas the Data API serves, where that comes from, in words)."""
    if recorded:
        return [s.strip().strip('"') for s in recorded.split(",") if s.strip()], \
            "the authenticator role's pgrst.db_schemas"
    every = r.one("every schema (the Data API's are not recorded)", _ALL_SCHEMAS_SQL, fact=FACT).get("schemas") or []
    return list(every), ("not recorded in this database (pgrst.db_schemas): every schema but PostgreSQL's and "
                         "Supabase's own is judged as served")


def advisor(r: _Reader, recorded_schemas: str | None) -> dict:
    """The advisor's findings for the Data API's anon and authenticated roles (see the module's docstring)."""
    roles = r.one("the Data API's roles", _ROLES_SQL, fact=FACT).get("roles") or []
    if not roles:
        return {"roles": [], "applicable": False}
    schemas, source = _exposed_schemas(r, recorded_schemas)
    params = {"schemas": schemas, "internal": list(INTERNAL_SCHEMAS), "roles": list(roles),
              "sensitive": list(SENSITIVE_COLUMNS)}
    found = {
        "roles": list(roles), "applicable": True, "schemas": schemas, "schemas_from": source,
        "rls_disabled": r.rows("tables the Data API serves without row-level security (rls_disabled_in_public)",
                               _RLS_DISABLED_SQL, params, fact=FACT),
        "definer_views": r.rows("views the Data API serves with their owner's rights (security_definer_view)",
                                _DEFINER_VIEWS_SQL, params, fact=FACT),
        "mutable_definers": r.rows("SECURITY DEFINER functions the Data API's roles may run without a pinned "
                                   "search_path (function_search_path_mutable)", _MUTABLE_DEFINERS_SQL, params,
                                   fact=FACT),
    }
    found["buckets"] = _buckets(r)
    return found


def _buckets(r: _Reader) -> dict:
    """The storage buckets and whether each is public; why not, when they cannot be read."""
    access = r.one("whether storage.buckets exists and may be read", _BUCKETS_SQL, fact=FACT)
    if not access.get("exists"):
        return {"exists": False, "readable": False, "why": "the database has no storage.buckets (no Supabase Storage)"}
    if not access.get("readable"):
        return {"exists": True, "readable": False, "why": "the session's role may not read storage.buckets (grant it USAGE on schema "
                                          "storage and SELECT on storage.buckets to judge the buckets)"}
    rows = r.rows("the storage buckets", "SELECT id, name, public FROM storage.buckets ORDER BY id", fact=FACT)
    return {"exists": True, "readable": True, "rows": rows}
