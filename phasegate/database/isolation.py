"""The production-isolation doors of a role (the session's own, or one a Supabase key acts as): schema USAGE/CREATE, table, column and sequence privileges.

Each privilege carries what it comes through (PUBLIC, a role the session's role is a member of,
superuser); the other doors (views, rules, definer functions, foreign tables in any schema) are read
by :func:`phasegate.database.doors.doors`, in the same session.
"""

from __future__ import annotations

import phasegate.database.doors as door_reads
from phasegate.database.session import _Reader

TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
SEQUENCE_PRIVILEGES = ("USAGE", "SELECT", "UPDATE")

_SCHEMA_PRIVILEGES_SQL = """
SELECT has_schema_privilege(%(role)s::name, n.oid, 'USAGE') AS usage,
       has_schema_privilege(%(role)s::name, n.oid, 'CREATE') AS "create",
       pg_get_userbyid(n.nspowner) AS owner,
       array(SELECT DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END
             FROM aclexplode(coalesce(n.nspacl, acldefault('n'::"char", n.nspowner))) a
             WHERE a.privilege_type IN ('USAGE', 'CREATE')
               AND (a.grantee = 0 OR pg_has_role(%(role)s::name, a.grantee, 'USAGE'))) AS via
FROM pg_namespace n WHERE n.nspname = %(schema)s
"""

_OBJECT_PRIVILEGES_SQL = """
WITH objs AS (
    SELECT c.oid, c.relname, c.relkind, c.relowner, c.relacl,
           CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view'
                          WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table'
                          WHEN 'S' THEN 'sequence' END AS kind
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
),
checks AS (
    SELECT o.*, p.priv,
           CASE WHEN o.relkind = 'S' THEN has_sequence_privilege(%(role)s::name, o.oid, p.priv)
                ELSE has_table_privilege(%(role)s::name, o.oid, p.priv) END AS has
    FROM objs o
    JOIN (SELECT unnest(%(tprivs)s::text[]) AS priv, false AS seq
          UNION ALL SELECT unnest(%(sprivs)s::text[]), true) p
      ON p.seq = (o.relkind = 'S')
)
SELECT %(schema)s AS schema, relname AS "table", kind, pg_get_userbyid(relowner) AS owner,
       priv AS privilege,
       array(SELECT DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END
             FROM aclexplode(coalesce(relacl, acldefault((CASE WHEN relkind = 'S' THEN 's' ELSE 'r' END)::"char",
                                                         relowner))) a
             WHERE a.privilege_type = priv
               AND (a.grantee = 0 OR pg_has_role(%(role)s::name, a.grantee, 'USAGE'))) AS via
FROM checks WHERE has
ORDER BY relname, array_position(%(order)s::text[], priv)
"""


def _implicit_via(role: dict) -> list[str]:
    """What gives a privilege no ACL names: being a superuser (every ACL then matches: said once, as superuser),
    or a predefined role that reads or writes all data."""
    if role.get("rolsuper"):
        return ["superuser"]
    return [m for m in role.get("member_of") or [] if m in ("pg_read_all_data", "pg_write_all_data")]


def production_isolation(r: _Reader, production_schema: str, production_exists: bool, role: dict,
                         whose: str, fact: str = "production_isolation"
                         ) -> tuple[bool | None, bool | None, list[dict], list[dict]]:
    """How ``role`` (the session's own, or one a key acts as; by its ``rolname``) can reach the production schema: (USAGE, CREATE, privileges on its tables,
    their columns and its sequences, every other door), each privilege with what it comes through (PUBLIC, a
    role it is a member of, superuser); the other doors (views, rules, definer functions, foreign tables in
    any schema) are :func:`phasegate.database.doors.doors`. (None, None, [], []) when the schema does not exist."""
    usage = create = None
    privileges: list[dict] = []
    doors: list[dict] = []
    if production_exists:
        sp = r.one(
            "production schema privileges",
            _SCHEMA_PRIVILEGES_SQL,
            {"schema": production_schema, "role": role["rolname"]},
            fact=fact,
        )
        usage, create = bool(sp["usage"]), bool(sp["create"])
        held = [name for name, has in (("USAGE", usage), ("CREATE", create)) if has]
        if held:
            via = _implicit_via(role) if role.get("rolsuper") else list(sp.get("via") or []) or _implicit_via(role)
            doors.append({"object": production_schema, "kind": "schema", "owner": sp.get("owner"),
                          "privilege": ", ".join(held), "via": via, "opens": ""})
        privileges = r.rows(
            "production table privileges",
            _OBJECT_PRIVILEGES_SQL,
            {"schema": production_schema, "tprivs": list(TABLE_PRIVILEGES), "sprivs": list(SEQUENCE_PRIVILEGES),
             "order": list(TABLE_PRIVILEGES) + ["USAGE"], "role": role["rolname"]},
            fact=fact,
        )
        for p in privileges:
            p["via"] = _implicit_via(role) if role.get("rolsuper") else list(p.get("via") or []) or _implicit_via(role)
        privileges += door_reads.column_privileges(r, production_schema, role, fact)
        doors += door_reads.doors(r, production_schema, role, whose, fact)
    r.note(fact, f"{whose} role memberships",
           [{"member_of": role["member_of"], "rolsuper": role.get("rolsuper")}])
    return usage, create, privileges, doors
