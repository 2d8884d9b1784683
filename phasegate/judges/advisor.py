"""Judgements of Supabase's security advisor's findings, over the worker's session's facts.

Each criterion mirrors one of the advisor's lints (``rls_disabled_in_public`` with
``sensitive_columns_exposed``, ``security_definer_view``, ``function_search_path_mutable``) for what the
Data API serves to ``anon`` and ``authenticated``, and the storage bucket the worker is told to use.
Each failure says what to change; the link is Supabase's security advisor for the project when the
worker's own DATABASE_URL names one. A database without the Data API's roles is not applicable
(:func:`not_applicable`).
"""

from __future__ import annotations

from ..redact import digest
from ..snapshot import NotJudgeable
from .violation import ConsoleLink, Violation


def advisor_link(project: str | None, fallback: str | None) -> str | None:
    """Supabase's security advisor for the project, else the fallback (the service's dashboard)."""
    return ConsoleLink(f"https://supabase.com/dashboard/project/{project}/advisors/security") if project else fallback


def console_link(project: str | None, fallback: str | None) -> str | None:
    """Where a database criterion is fixed: Supabase's SQL editor for the project, else the fallback (the service's
    Render dashboard: a database phasegate cannot place has no console it knows)."""
    return ConsoleLink(f"https://supabase.com/dashboard/project/{project}/sql/new") if project else fallback


def not_applicable(facts) -> str | None:
    """Why the advisor's criteria do not apply to this database (a skip reason), or None when they do."""
    found = facts.advisor or {}
    if found.get("applicable"):
        return None
    return ("not applicable: the database has no role anon or authenticated (pg_roles), so no Data API serves "
            "it; these criteria judge what Supabase's Data API serves")


def _served(found: dict) -> str:
    return f"schemas served: {', '.join(found.get('schemas') or []) or 'none'} ({found.get('schemas_from')})"


def _who(row: dict) -> str:
    return ", ".join(row.get("who") or [])


def rls_on_served_tables(facts, link: str | None) -> None:
    """rls_disabled_in_public: no table the Data API serves to anon or authenticated has RLS off."""
    found = facts.advisor
    rows = found.get("rls_disabled") or []
    if rows:
        lines = [f"{r['table']} (owner {r['owner']}): row-level security off, {_who(r)} may read or write it"
                 + (f"; sensitive-looking columns: {', '.join(r['sensitive_columns'])}" if r["sensitive_columns"]
                    else "") for r in rows]
        raise Violation("row-level security on the tables the Data API serves (advisor: rls_disabled_in_public, "
                        "sensitive_columns_exposed)", "every table anon or authenticated may use has RLS enabled",
                        f"{len(rows)} table(s) without it: " + ", ".join(r["table"] for r in rows), link=link,
                        details=lines + [_served(found)] + [f"fix: ALTER TABLE {r['table']} ENABLE ROW LEVEL "
                                                            "SECURITY; (then CREATE POLICY for who may see which rows)"
                                                            for r in rows])


def no_definer_views(facts, link: str | None) -> None:
    """security_definer_view: no view the Data API serves runs with its owner's rights."""
    found = facts.advisor
    rows = found.get("definer_views") or []
    if rows:
        raise Violation("views the Data API serves (advisor: security_definer_view)",
                        "every view anon or authenticated may read is security_invoker (the caller's RLS applies)",
                        f"{len(rows)} view(s) with their owner's rights: " + ", ".join(r["view"] for r in rows),
                        link=link, details=[f"{r['view']} (owner {r['owner']}): readable by {_who(r)}" for r in rows]
                        + [_served(found)]
                        + [f"fix: ALTER VIEW {r['view']} SET (security_invoker = true);" for r in rows])


def definers_pin_search_path(facts, link: str | None) -> None:
    """function_search_path_mutable: every SECURITY DEFINER function anon or authenticated may run pins it."""
    found = facts.advisor
    rows = found.get("mutable_definers") or []
    if rows:
        raise Violation("SECURITY DEFINER functions the Data API's roles may run (advisor: "
                        "function_search_path_mutable)", "each pins its search_path (SET search_path = …)",
                        f"{len(rows)} without: " + ", ".join(r["function"] for r in rows), link=link,
                        details=[f"{r['function']} (owner {r['owner']}): executable by {_who(r)}" for r in rows]
                        + [_served(found)]
                        + [f"fix: ALTER FUNCTION {r['function']} SET search_path = ''; (and qualify every name "
                           "it uses), or REVOKE EXECUTE from anon, authenticated and PUBLIC" for r in rows])


def bucket_not_applicable(facts) -> str | None:
    """Why the bucket criterion does not apply (a skip reason): no Data API, or no Supabase Storage here."""
    if reason := not_applicable(facts):
        return reason
    if (facts.advisor.get("buckets") or {}).get("exists") is False:
        return "not applicable: the database has no storage.buckets (to_regclass), so its Storage is not Supabase's"
    return None


def bucket_private(facts, variable: str, value: str | None, link: str | None) -> None:
    """The storage bucket ``variable`` names (its value compared in the process, never shown) is not public."""
    if not value:
        raise NotJudgeable(f"cannot judge: the worker has no {variable}, so no bucket is named")
    buckets = (facts.advisor or {}).get("buckets") or {}
    if not buckets.get("readable"):
        raise NotJudgeable(f"cannot judge: {buckets.get('why') or 'the storage buckets were not read'}")
    matches = [b for b in buckets["rows"] if digest(value) in (b.get("id"), b.get("name"))]  # keyed digests
    if not matches:
        raise Violation(f"the storage bucket {variable} names", "a private bucket of that name in storage.buckets",
                        f"no bucket of that name among {len(buckets['rows'])}", link=link)
    if any(b.get("public") for b in matches):
        raise Violation(f"the storage bucket {variable} names", "private (storage.buckets.public = false): objects "
                        "only through signed URLs or RLS on storage.objects",
                        "public: anyone with an object's path reads it", link=link,
                        details=[f"fix: UPDATE storage.buckets SET public = false WHERE id = <the bucket {variable} "
                                 "names>; (or the bucket's settings in Supabase's Storage page)"])
