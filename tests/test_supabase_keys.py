"""The Supabase keys a service holds, and their doors into production, judged on built inputs (no run).

What each key world does end to end (directly and through PgBouncer) is proven by
test_database_criteria.py (P4-43) and test_phase5.py (P5-05); here: how a value is placed, which
database a key fronts, and the judgement's verdicts, messages and evidence.
"""

from __future__ import annotations

import pytest

from phasegate import redact
from phasegate.database.facts import RoleReach
from phasegate.judges.keys import key_evidence, keys_cannot_reach
from phasegate.judges.violation import Violation
from phasegate.sandbox import keys as sandbox_keys
from phasegate.snapshot import NotJudgeable
from phasegate.supabase_keys import database_project, held_keys, key_role

SERVICE = sandbox_keys.jwt("service_role", "abcdefghijklmnopqrst", "unit-CANARY-1")
ANON = sandbox_keys.jwt("anon", "abcdefghijklmnopqrst", "unit-CANARY-2")
SECRET = "sb_secret_unitCANARYsecret0123456789"
PUBLISHABLE = "sb_publishable_unitCANARYpub0123456789"


def settings(**env):
    return [(name, value, "service") for name, value in env.items()]


def test_a_jwt_names_its_role_and_project():
    assert key_role(SERVICE) == ("service_role", "abcdefghijklmnopqrst", "JWT")
    assert key_role(ANON) == ("anon", "abcdefghijklmnopqrst", "JWT")


def test_new_style_keys_act_as_service_role_and_anon_without_a_project():
    assert key_role(SECRET) == ("service_role", None, "sb_secret")
    assert key_role(PUBLISHABLE) == ("anon", None, "sb_publishable")


@pytest.mark.parametrize("value", ["", "true", "eyJhbGciOiJIUzI1NiJ9.not-a-payload", "sk-openai-1234",
                                   "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig"])  # the last: a JWT without a role
def test_other_values_are_not_keys(value):
    assert key_role(value) is None


def test_a_key_is_found_under_any_variable_name_and_never_kept():
    keys = held_keys(settings(APP_CONFIG_TOKEN=ANON, LOG_LEVEL="INFO"), [])
    assert [(k.variable, k.role, k.project) for k in keys] == [("APP_CONFIG_TOKEN", "anon", "abcdefghijklmnopqrst")]
    assert ANON not in repr(keys) and ANON not in str(keys[0].evidence(None))
    assert redact.scrub(f"leaked {ANON}") == "leaked ***"


def test_a_key_named_variable_whose_value_is_no_key_is_judged_by_its_name_and_says_so():
    [key] = held_keys(settings(SUPABASE_SERVICE_ROLE_KEY="pasted-wrongly"), [])
    assert (key.role, key.kind) == ("service_role", "by its name")
    assert "judged by its name" in key.how
    [anon] = held_keys(settings(NEXT_PUBLIC_SUPABASE_ANON_KEY="x" * 12), [])
    assert anon.role == "anon"


def test_a_key_named_variable_whose_name_names_no_role_cannot_be_placed():
    [key] = held_keys(settings(SUPABASE_KEY="garbled-value"), [])
    assert key.role is None


def test_keys_inside_secret_files_are_found_by_file_name():
    content = f"SUPABASE_URL=https://x.supabase.co\nSUPABASE_SERVICE_ROLE_KEY={SERVICE}\nOTHER={SECRET}\n"
    keys = held_keys([], [(".env", content, "service secret file")])
    assert [(k.variable, k.role) for k in keys] == [("secret file .env", "service_role")] * 2


@pytest.mark.parametrize("url, project", [
    ("postgresql://postgres:pw@db.abcdefghijklmnopqrst.supabase.co:5432/postgres", "abcdefghijklmnopqrst"),
    ("postgresql://postgres.abcdefghijklmnopqrst:pw@aws-0-eu-west-1.pooler.supabase.com:6543/postgres",
     "abcdefghijklmnopqrst"),
    ("postgresql://worker:pw@db.internal:5432/app", None),
    ("postgresql:///phase4?host=/tmp", None),
    (None, None),
])
def test_the_database_project_comes_from_the_service_own_url(url, project):
    assert database_project(url) == project


def test_a_key_fronts_its_own_project_or_a_database_whose_project_is_unknown():
    [key] = held_keys(settings(K=SERVICE), [])
    assert key.fronts("abcdefghijklmnopqrst") and key.fronts("ABCDEFGHIJKLMNOPQRST") and key.fronts(None)
    assert not key.fronts("zzzzzzzzzzzzzzzzzzzz")
    [new_style] = held_keys(settings(K=SECRET), [])
    assert new_style.fronts("zzzzzzzzzzzzzzzzzzzz")  # it carries no project: taken to front the database


class Facts:
    """The part of a session's facts the key judgement reads."""

    def __init__(self, **reach):
        self.key_roles, self.production_schema, self.data_api_schemas = reach, "upload_pipeline", "public, staging"


def reach(name, *, exists=True, usage=False, privileges=(), doors=()):
    return RoleReach(name, exists, {"rolname": name, "member_of": [], "rolbypassrls": name == "service_role"},
                     usage, False, list(privileges), list(doors))


TABLE_GRANT = {"schema": "upload_pipeline", "table": "documents", "kind": "table", "owner": "prod",
               "privilege": "SELECT", "via": ["service_role"]}


def test_a_key_whose_role_reaches_production_fails_naming_the_variable_and_role_never_the_value():
    keys = held_keys(settings(SUPABASE_SERVICE_ROLE_KEY=SERVICE), [])
    with pytest.raises(Violation) as failed:
        keys_cannot_reach(keys, None, Facts(service_role=reach("service_role", privileges=[TABLE_GRANT])),
                          "upload_pipeline", None)
    message = str(failed.value)
    assert ("door via SUPABASE_SERVICE_ROLE_KEY (acts as service_role): upload_pipeline.documents (table, owner prod): "
            "SELECT via service_role") in message
    assert SERVICE not in message and "the Data API serves: public, staging" in message


def test_a_schema_usage_door_through_a_key_fails():
    keys = held_keys(settings(SUPABASE_KEY=ANON), [])
    with pytest.raises(Violation, match=r"door via SUPABASE_KEY \(acts as anon\): upload_pipeline \(schema"):
        keys_cannot_reach(keys, None, Facts(anon=reach("anon", usage=True)), "upload_pipeline", None)


def test_a_key_of_another_project_opens_no_door_here_and_the_evidence_says_whose_it_is():
    keys = held_keys(settings(SUPABASE_SERVICE_ROLE_KEY=SERVICE), [])
    facts = Facts(service_role=reach("service_role", privileges=[TABLE_GRANT]))
    keys_cannot_reach(keys, "zzzzzzzzzzzzzzzzzzzz", facts, "upload_pipeline", None)
    [shown] = key_evidence(keys, "zzzzzzzzzzzzzzzzzzzz", facts)["keys"]
    assert shown["fronts this database"] is False and "abcdefghijklmnopqrst" in shown["why not"]


def test_a_role_the_database_does_not_have_opens_nothing():
    keys = held_keys(settings(SUPABASE_SERVICE_ROLE_KEY=SERVICE), [])
    keys_cannot_reach(keys, None, Facts(service_role=reach("service_role", exists=False)), "upload_pipeline", None)


def test_a_key_that_cannot_be_placed_is_never_passed():
    keys = held_keys(settings(SUPABASE_KEY="garbled-value"), [])
    with pytest.raises(NotJudgeable, match="SUPABASE_KEY .* neither its value nor its name"):
        keys_cannot_reach(keys, None, Facts(), "upload_pipeline", None)


def test_a_door_is_reported_even_beside_a_key_that_cannot_be_placed():
    keys = held_keys(settings(SUPABASE_KEY="garbled-value", SUPABASE_SERVICE_ROLE_KEY=SERVICE), [])
    with pytest.raises(Violation, match="cannot be placed"):
        keys_cannot_reach(keys, None, Facts(service_role=reach("service_role", usage=True)), "upload_pipeline", None)


def test_the_evidence_lists_each_key_and_what_its_role_reaches_nothing_when_it_passes():
    keys = held_keys(settings(SUPABASE_SERVICE_ROLE_KEY=SERVICE, SUPABASE_ANON_KEY=ANON), [])
    shown = key_evidence(keys, None, Facts(service_role=reach("service_role"), anon=reach("anon")))
    assert [k["variable"] for k in shown["keys"]] == ["SUPABASE_ANON_KEY", "SUPABASE_SERVICE_ROLE_KEY"] or \
        [k["variable"] for k in shown["keys"]] == ["SUPABASE_SERVICE_ROLE_KEY", "SUPABASE_ANON_KEY"]
    assert shown["roles the keys act as"]["service_role"]["reaches in production"] == "nothing"
    assert shown["roles the keys act as"]["service_role"]["bypasses row-level security"] is True


def test_the_sandbox_serves_real_shaped_keys_that_phasegate_places():
    assert key_role(sandbox_keys.SERVICE_ROLE_KEY)[:2] == ("service_role", sandbox_keys.STAGING_REF)
    assert key_role(sandbox_keys.ANON_KEY)[0] == "anon"
    assert key_role(sandbox_keys.SECRET_KEY)[0] == "service_role"
    assert all("CANARY" in value for value in sandbox_keys.all_keys())  # the leak gate sees every one
