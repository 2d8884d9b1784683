"""What the roles a service's Supabase keys act as can reach in production, read in the same read-only session.

A Supabase key is a door into its project's database through the Data API: each request runs as the
role the key names (:mod:`phasegate.supabase_keys`). For every such role that exists in the database,
:func:`key_reach` runs the very analysis the session's own role gets
(:func:`phasegate.database.isolation.production_isolation`: schema, tables, columns, sequences, views,
rules, definer functions, foreign tables, SET ROLE, predefined roles), through PUBLIC and inherited
membership. A role the database does not have (a plain PostgreSQL without Supabase's roles) opens nothing.

:func:`data_api_schemas` reads which schemas the Data API serves, where the database records it (the
``authenticator`` role's ``pgrst.db_schemas``): evidence only, never a reason to pass.
"""

from __future__ import annotations

from phasegate.database.connection import read_role_named
from phasegate.database.facts import RoleReach
from phasegate.database.isolation import production_isolation
from phasegate.database.session import _Reader

FACT = "key_doors"

_DATA_API_SCHEMAS_SQL = """
SELECT CASE WHEN s.setdatabase = 0 THEN 'every database' ELSE 'this database' END AS scope,
       substr(c, length('pgrst.db_schemas=') + 1) AS schemas
FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole CROSS JOIN unnest(s.setconfig) c
WHERE r.rolname = 'authenticator' AND c LIKE 'pgrst.db\\_schemas=%'
  AND (s.setdatabase = 0 OR s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database()))
ORDER BY s.setdatabase DESC
"""


def key_reach(r: _Reader, roles: tuple[str, ...], production_schema: str, production_exists: bool,
              whose: str) -> dict[str, RoleReach]:
    """For each role a key acts as: whether the database has it and, if so, every door it has into production."""
    reach: dict[str, RoleReach] = {}
    for name in dict.fromkeys(roles):
        role = read_role_named(r, name, f"the role {name} a Supabase key of the {whose} acts as", FACT)
        if role is None:
            r.note(FACT, f"role {name}", [{"role": name, "exists": False,
                                           "so": "the database has no such role: a key acting as it opens nothing"}])
            reach[name] = RoleReach(name, False, {"rolname": name, "member_of": []}, None, None, [], [])
            continue
        usage, create, privileges, doors = production_isolation(
            r, production_schema, production_exists, role, f"{whose}'s key role {name}", FACT)
        reach[name] = RoleReach(name, True, role, usage, create, privileges, doors)
    return reach


def data_api_schemas(r: _Reader) -> str | None:
    """The schemas the Data API serves as the database records them (``pgrst.db_schemas``), or None."""
    rows = r.rows("the schemas the Data API serves (authenticator's pgrst.db_schemas)", _DATA_API_SCHEMAS_SQL,
                  fact=FACT)
    return rows[0]["schemas"] if rows else None
