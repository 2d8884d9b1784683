"""Supabase's security advisor's criteria (P4-48…P4-51) judged on built facts (no run).

Each world that violates one of them, directly and through PgBouncer, is in test_database_criteria.py.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from phasegate.judges import advisor
from phasegate.redact import digest
from phasegate.judges.violation import Violation
from phasegate.snapshot import NotJudgeable

SERVED = {"applicable": True, "roles": ["anon", "authenticated"], "schemas": ["public", "staging"],
          "schemas_from": "the authenticator role's pgrst.db_schemas", "rls_disabled": [], "definer_views": [],
          "mutable_definers": [], "buckets": {"exists": True, "readable": True,
                                              "rows": [{"id": digest("uploads"), "name": digest("uploads"), "public": False}]}}


def facts(**found):
    return SimpleNamespace(advisor={**SERVED, **found})


def test_a_database_without_the_data_api_roles_is_not_applicable_naming_the_field():
    reason = advisor.not_applicable(SimpleNamespace(advisor={"roles": [], "applicable": False}))
    assert reason.startswith("not applicable:") and "pg_roles" in reason
    assert advisor.not_applicable(facts()) is None


def test_every_finding_free_database_passes():
    f = facts()
    advisor.rls_on_served_tables(f, None)
    advisor.no_definer_views(f, None)
    advisor.definers_pin_search_path(f, None)
    advisor.bucket_private(f, "SUPABASE_STORAGE_BUCKET", "uploads", None)


def test_a_served_table_without_rls_fails_with_its_sensitive_columns_and_the_fix():
    row = {"table": "staging.accounts", "owner": "w", "who": ["anon"], "sensitive_columns": ["password"]}
    with pytest.raises(Violation) as failed:
        advisor.rls_on_served_tables(facts(rls_disabled=[row]), "https://supabase.com/dashboard/project/x/advisors/security")
    text = str(failed.value)
    assert "sensitive-looking columns: password" in text
    assert "fix: ALTER TABLE staging.accounts ENABLE ROW LEVEL SECURITY" in text
    assert "schemas served: public, staging" in text and "advisors/security" in text


def test_a_definer_view_and_a_mutable_definer_function_fail_with_their_fix():
    with pytest.raises(Violation, match="SET \\(security_invoker = true\\)"):
        advisor.no_definer_views(facts(definer_views=[{"view": "staging.v", "owner": "w", "who": ["anon"]}]), None)
    with pytest.raises(Violation, match="SET search_path = ''"):
        advisor.definers_pin_search_path(
            facts(mutable_definers=[{"function": "staging.f()", "owner": "w", "who": ["anon"]}]), None)


def test_the_bucket_is_named_by_its_variable_never_by_its_value():
    public = {"exists": True, "readable": True, "rows": [{"id": digest("uploads"), "name": digest("uploads"),
                                                          "public": True}]}
    with pytest.raises(Violation) as failed:
        advisor.bucket_private(facts(buckets=public), "SUPABASE_STORAGE_BUCKET", "uploads", None)
    assert "SUPABASE_STORAGE_BUCKET" in str(failed.value) and "uploads" not in str(failed.value)
    with pytest.raises(Violation, match="no bucket of that name"):
        advisor.bucket_private(facts(), "SUPABASE_STORAGE_BUCKET", "elsewhere", None)


def test_an_unreadable_or_unnamed_bucket_is_never_passed():
    with pytest.raises(NotJudgeable, match="no SUPABASE_STORAGE_BUCKET"):
        advisor.bucket_private(facts(), "SUPABASE_STORAGE_BUCKET", None, None)
    hidden = {"exists": True, "readable": False, "why": "the session's role may not read storage.buckets"}
    with pytest.raises(NotJudgeable, match="may not read storage.buckets"):
        advisor.bucket_private(facts(buckets=hidden), "SUPABASE_STORAGE_BUCKET", "uploads", None)
    assert advisor.bucket_not_applicable(facts(buckets={"exists": False})).startswith("not applicable")


def test_the_link_is_supabase_advisor_when_the_project_is_known():
    assert advisor.advisor_link("abc", "https://dashboard.render.com/x") == \
        "https://supabase.com/dashboard/project/abc/advisors/security"
    assert advisor.advisor_link(None, "https://dashboard.render.com/x") == "https://dashboard.render.com/x"


def test_a_database_failure_links_the_database_console_when_its_project_is_known():
    link = advisor.console_link("abcdefghijklmnopqrst", "https://dashboard.render.com/worker/srv-1")
    assert link == "https://supabase.com/dashboard/project/abcdefghijklmnopqrst/sql/new"
    text = str(Violation("timeouts", "set", "unset", link=link))
    assert "  database: https://supabase.com/dashboard/project/abcdefghijklmnopqrst/sql/new" in text
    fallback = advisor.console_link(None, "https://dashboard.render.com/worker/srv-1")
    assert "  service:  https://dashboard.render.com/worker/srv-1" in str(Violation("x", "y", "z", link=fallback))
