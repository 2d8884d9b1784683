"""The doors into the production schema beyond schema and table grants, read from PostgreSQL's catalogs.

Called by :mod:`phasegate.database` inside its read-only session, for a role named as a parameter (the
session's own: the worker's or the API's; or a role a Supabase key the service holds acts as), through
PUBLIC and inherited membership, one catalog read per concern:

- column privileges on production's tables and views (``has_any_column_privilege``: a column
  grant gives no table privilege), through PUBLIC and inherited membership;
- rewrite rules -- views, materialized views, rules on tables -- in any other schema that the
  role may use (USAGE on their schema and the privilege their event needs) and whose definition
  depends on production's objects (``pg_depend`` of ``pg_rewrite``, through other such relations
  too): a rule reads relations with its owner's privileges, checked when it runs, so it is a door when
  its owner holds a privilege on what it reads (a ``security_invoker`` view is not; a populated
  materialized view holds the rows already; a function it calls runs as the caller, so only a
  SECURITY DEFINER one the role may execute counts);
- SECURITY DEFINER functions and procedures the role may execute (EXECUTE and USAGE on their
  schema) or that fire as triggers on a relation it may write: a door when their owner can reach
  production (a superuser, USAGE on the schema, or a privilege on one of its relations) and their
  body depends on production's objects
  (``pg_depend``: SQL-standard ``BEGIN ATOMIC`` bodies), names the schema in its stored source
  (``prosrc``), or sets a search_path naming it. Every definer function found is kept in the
  evidence with its owner and why it is or is not a door: dynamic SQL and compiled code cannot be
  proven from the catalog;
- foreign tables whose remote schema is production's, and foreign servers with a user mapping for
  the role (or PUBLIC) that log in to this database as a role that can reach production;
- roles it may ``SET ROLE`` to without inheriting their privileges (PostgreSQL 16's ``INHERIT FALSE``
  grants), or that are superusers, and that reach production; the ``REPLICATION`` attribute (a
  replication connection streams every schema).

Each door is a dict: ``object``, ``kind``, ``owner``, ``privilege`` (what opens it), ``via`` (PUBLIC,
the role itself, a role it is a member of) and ``opens`` (what lies behind it).
"""

from __future__ import annotations

import re

__all__ = ["column_privileges", "doors", "COLUMN_PRIVILEGES"]

COLUMN_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "REFERENCES")

# Who holds a privilege of an ACL: PUBLIC, the session's role, or a role it is a member of.
_VIA = ("(a.grantee = 0 OR pg_has_role(%(role)s::name, a.grantee, 'USAGE'))")
_GRANTEE = "CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END"

_COLUMN_PRIVILEGES_SQL = f"""
SELECT n.nspname AS schema, c.relname AS "table",
       CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table'
                      ELSE 'table' END AS kind,
       pg_get_userbyid(c.relowner) AS owner, p.priv AS privilege,
       array(SELECT att.attname FROM pg_attribute att
             WHERE att.attrelid = c.oid AND att.attnum > 0 AND NOT att.attisdropped
               AND has_column_privilege(%(role)s::name, c.oid, att.attnum, p.priv) ORDER BY att.attnum) AS columns,
       array(SELECT DISTINCT {_GRANTEE}
             FROM pg_attribute att, aclexplode(att.attacl) a
             WHERE att.attrelid = c.oid AND att.attacl IS NOT NULL AND a.privilege_type = p.priv AND {_VIA}) AS via
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN unnest(%(privs)s::text[]) WITH ORDINALITY AS p(priv, ord)
WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND NOT has_table_privilege(%(role)s::name, c.oid, p.priv) AND has_any_column_privilege(%(role)s::name, c.oid, p.priv)
ORDER BY c.relname, p.ord
"""

# Whether a rule's reference to an object lets the rule reach it. A relation is read with the privileges of the
# rule's owner, checked when the query runs (schema USAGE only counted when the rule was created); a function is
# run as the caller, so only a SECURITY DEFINER one the caller may execute reaches anything.
_OWNER_CAN = """(CASE
    WHEN o.cls = 'pg_proc'::regclass THEN o.definer AND has_function_privilege(%(role)s::name, o.oid, 'EXECUTE')
    WHEN o.relkind = 'S' THEN has_sequence_privilege({owner}, o.oid, 'USAGE,SELECT,UPDATE')
    ELSE has_table_privilege({owner}, o.oid, 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE')
         OR has_any_column_privilege({owner}, o.oid, 'SELECT,INSERT,UPDATE') END)"""
_NOT_INVOKER = ("NOT (v.relkind = 'v' AND EXISTS (SELECT 1 FROM unnest(v.reloptions) opt "
                "WHERE lower(opt) ~ '^security_invoker=(t|tr|tru|true|y|ye|yes|on|1)$'))")

_REWRITE_SQL = f"""
WITH RECURSIVE
prod AS (SELECT oid FROM pg_namespace WHERE nspname = %(schema)s),
obj AS (
    SELECT 'pg_class'::regclass AS cls, c.oid, c.relnamespace AS ns, c.relkind::text AS relkind, false AS definer,
           format('%%I.%%I', n.nspname, c.relname) COLLATE "default" AS name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
    UNION ALL
    SELECT 'pg_proc'::regclass, p.oid, p.pronamespace, NULL, p.prosecdef, format('%%I.%%I()', n.nspname, p.proname) COLLATE "default"
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
),
dep AS (
    SELECT DISTINCT rw.oid AS rule, rw.ev_class, d.refclassid, d.refobjid
    FROM pg_rewrite rw JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid
    WHERE d.refclassid IN ('pg_class'::regclass, 'pg_proc'::regclass)
      AND NOT (d.refclassid = 'pg_class'::regclass AND d.refobjid = rw.ev_class)
),
reach(rule, ev_class, reads, through, depth) AS (
    SELECT dep.rule, dep.ev_class, o.name, NULL::text, 1
    FROM dep JOIN obj o ON o.cls = dep.refclassid AND o.oid = dep.refobjid AND o.ns = (SELECT oid FROM prod)
    JOIN pg_class v ON v.oid = dep.ev_class
    WHERE v.relnamespace <> (SELECT oid FROM prod) AND {_NOT_INVOKER}
      AND ({_OWNER_CAN.format(owner="v.relowner")} OR (v.relkind = 'm' AND v.relispopulated))
    UNION ALL
    SELECT dep.rule, dep.ev_class, r.reads, o.name, r.depth + 1
    FROM reach r JOIN dep ON dep.refclassid = 'pg_class'::regclass AND dep.refobjid = r.ev_class
    JOIN obj o ON o.cls = dep.refclassid AND o.oid = dep.refobjid
    JOIN pg_class v ON v.oid = dep.ev_class
    WHERE r.depth < 6 AND v.relnamespace <> (SELECT oid FROM prod) AND {_NOT_INVOKER}
      AND ({_OWNER_CAN.format(owner="v.relowner")} OR (v.relkind = 'm' AND v.relispopulated))
),
agg AS (
    SELECT rule, ev_class, array_agg(DISTINCT reads ORDER BY reads) AS reads,
           array_remove(array_agg(DISTINCT through ORDER BY through), NULL) AS through
    FROM reach GROUP BY rule, ev_class
)
SELECT format('%%I.%%I', n.nspname, v.relname) AS object,
       CASE WHEN rw.rulename = '_RETURN' AND v.relkind = 'v' THEN 'view'
            WHEN rw.rulename = '_RETURN' AND v.relkind = 'm' THEN 'materialized view'
            ELSE format('rule %%I ON %%s', rw.rulename,
                        CASE rw.ev_type WHEN '1' THEN 'SELECT' WHEN '2' THEN 'UPDATE' WHEN '3' THEN 'INSERT'
                                        ELSE 'DELETE' END) END AS kind,
       pg_get_userbyid(v.relowner) AS owner, v.relkind = 'm' AS materialized, h.held AS privileges,
       array(SELECT DISTINCT {_GRANTEE}
             FROM (SELECT (aclexplode(coalesce(v.relacl, acldefault('r', v.relowner)))).*
                   UNION ALL
                   SELECT (aclexplode(att.attacl)).* FROM pg_attribute att
                   WHERE att.attrelid = v.oid AND att.attacl IS NOT NULL) a
             WHERE a.privilege_type = ANY(h.held) AND {_VIA}) AS via,
       r.reads, r.through
FROM agg r JOIN pg_rewrite rw ON rw.oid = r.rule JOIN pg_class v ON v.oid = r.ev_class
JOIN pg_namespace n ON n.oid = v.relnamespace
CROSS JOIN LATERAL (
    SELECT array(SELECT p FROM unnest(CASE rw.ev_type WHEN '1' THEN ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']
                                                      WHEN '2' THEN ARRAY['UPDATE'] WHEN '3' THEN ARRAY['INSERT']
                                                      ELSE ARRAY['DELETE'] END) WITH ORDINALITY AS e(p, ord)
                 WHERE CASE WHEN p = 'DELETE' THEN has_table_privilege(%(role)s::name, v.oid, p)
                            ELSE has_any_column_privilege(%(role)s::name, v.oid, p) END
                 ORDER BY ord) AS held
) h
WHERE cardinality(h.held) > 0 AND has_schema_privilege(%(role)s::name, v.relnamespace, 'USAGE')
ORDER BY 1, 2
"""

_DEFINER_SQL = f"""
WITH prod AS (SELECT oid FROM pg_namespace WHERE nspname = %(schema)s),
f AS (
    SELECT p.oid, p.prokind, p.proname, p.proowner, p.prosrc, p.prosqlbody IS NOT NULL AS sql_standard_body,
           p.proconfig, p.proacl, n.nspname, n.oid AS ns, l.lanname,
           has_function_privilege(%(role)s::name, p.oid, 'EXECUTE')
               AND has_schema_privilege(%(role)s::name, n.oid, 'USAGE') AS executable,
           array(SELECT DISTINCT format('%%I.%%I', tn.nspname, tc.relname)
                 FROM pg_trigger t JOIN pg_class tc ON tc.oid = t.tgrelid JOIN pg_namespace tn ON tn.oid = tc.relnamespace
                 WHERE t.tgfoid = p.oid AND has_schema_privilege(%(role)s::name, tc.relnamespace, 'USAGE')
                   AND (has_table_privilege(%(role)s::name, tc.oid, 'INSERT,UPDATE,DELETE,TRUNCATE')
                        OR has_any_column_privilege(%(role)s::name, tc.oid, 'INSERT,UPDATE'))) AS fired_by
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
    WHERE p.prosecdef
)
SELECT format('%%I.%%I(%%s)', f.nspname, f.proname, pg_get_function_identity_arguments(f.oid)) AS object,
       CASE f.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END AS routine, f.lanname AS language,
       f.sql_standard_body, pg_get_userbyid(f.proowner) AS owner, o.rolsuper AS owner_is_superuser,
       coalesce(o.rolsuper OR has_schema_privilege(f.proowner, prod.oid, 'USAGE') OR EXISTS (
                    SELECT 1 FROM pg_class c WHERE c.relnamespace = prod.oid AND CASE
                        WHEN c.relkind = 'S' THEN has_sequence_privilege(f.proowner, c.oid, 'USAGE,SELECT,UPDATE')
                        WHEN c.relkind IN ('r', 'p', 'v', 'm', 'f')
                            THEN has_table_privilege(f.proowner, c.oid, 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE')
                                 OR has_any_column_privilege(f.proowner, c.oid, 'SELECT,INSERT,UPDATE')
                        ELSE false END), false) AS owner_reaches,
       f.executable, f.fired_by,
       array(SELECT DISTINCT {_GRANTEE}
             FROM aclexplode(coalesce(f.proacl, acldefault('f', f.proowner))) a
             WHERE a.privilege_type = 'EXECUTE' AND {_VIA}) AS via,
       array(SELECT DISTINCT x.name FROM pg_depend d
             CROSS JOIN LATERAL (
                 SELECT format('%%I.%%I', %(schema)s, c.relname) FROM pg_class c
                 WHERE d.refclassid = 'pg_class'::regclass AND c.oid = d.refobjid AND c.relnamespace = prod.oid
                 UNION ALL
                 SELECT format('%%I.%%I()', %(schema)s, g.proname) FROM pg_proc g
                 WHERE d.refclassid = 'pg_proc'::regclass AND g.oid = d.refobjid AND g.pronamespace = prod.oid
                 UNION ALL
                 SELECT format('type %%I.%%I', %(schema)s, t.typname) FROM pg_type t
                 WHERE d.refclassid = 'pg_type'::regclass AND t.oid = d.refobjid AND t.typnamespace = prod.oid
             ) x(name)
             WHERE d.classid = 'pg_proc'::regclass AND d.objid = f.oid ORDER BY 1) AS depends_on,
       coalesce(f.prosrc ~* %(pattern)s, false) AS source_names_schema,
       coalesce((SELECT bool_or(substr(c, 13) ~* %(pattern)s) FROM unnest(f.proconfig) c
                 WHERE lower(c) LIKE 'search_path=%%'), false) AS search_path_names_schema
FROM f JOIN pg_roles o ON o.oid = f.proowner CROSS JOIN prod
WHERE f.executable OR cardinality(f.fired_by) > 0
ORDER BY 1
"""

_FOREIGN_SQL = f"""
WITH prod AS (SELECT oid FROM pg_namespace WHERE nspname = %(schema)s)
SELECT 'foreign table' AS kind, format('%%I.%%I', n.nspname, c.relname) AS object,
       pg_get_userbyid(c.relowner) AS owner, s.srvname AS server, w.fdwname AS wrapper,
       coalesce((SELECT substr(o, 13) FROM unnest(ft.ftoptions) o WHERE o LIKE 'schema_name=%%'), n.nspname)
           AS remote_schema,
       coalesce((SELECT substr(o, 12) FROM unnest(ft.ftoptions) o WHERE o LIKE 'table_name=%%'), c.relname)
           AS remote_table,
       array(SELECT p FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']) WITH ORDINALITY AS e(p, ord)
             WHERE CASE WHEN p = 'DELETE' THEN has_table_privilege(%(role)s::name, c.oid, p)
                        ELSE has_any_column_privilege(%(role)s::name, c.oid, p) END ORDER BY ord) AS privileges,
       array(SELECT DISTINCT {_GRANTEE}
             FROM (SELECT (aclexplode(coalesce(c.relacl, acldefault('r', c.relowner)))).*
                   UNION ALL
                   SELECT (aclexplode(att.attacl)).* FROM pg_attribute att
                   WHERE att.attrelid = c.oid AND att.attacl IS NOT NULL) a
             WHERE a.privilege_type IN ('SELECT', 'INSERT', 'UPDATE', 'DELETE') AND {_VIA}) AS via,
       NULL::text AS mapped_for, NULL::text AS remote_user, NULL::text AS remote_database,
       NULL::boolean AS same_database, NULL::boolean AS remote_user_reaches
FROM pg_foreign_table ft JOIN pg_class c ON c.oid = ft.ftrelid JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_foreign_server s ON s.oid = ft.ftserver JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
WHERE n.oid <> (SELECT oid FROM prod) AND has_schema_privilege(%(role)s::name, n.oid, 'USAGE')
  AND (has_table_privilege(%(role)s::name, c.oid, 'SELECT,INSERT,UPDATE,DELETE')
       OR has_any_column_privilege(%(role)s::name, c.oid, 'SELECT,INSERT,UPDATE'))
UNION ALL
SELECT 'user mapping', s.srvname, pg_get_userbyid(s.srvowner), s.srvname, w.fdwname, NULL, NULL,
       ARRAY['USAGE'],
       array(SELECT DISTINCT {_GRANTEE}
             FROM aclexplode(coalesce(s.srvacl, acldefault('S', s.srvowner))) a
             WHERE a.privilege_type = 'USAGE' AND {_VIA}),
       CASE WHEN um.umuser = 0 THEN 'PUBLIC' ELSE um.usename END,
       ru.name, rd.name, rd.name IS NULL OR rd.name = current_database(),
       coalesce(rr.rolsuper OR has_schema_privilege(rr.oid, (SELECT oid FROM prod), 'USAGE'), false)
FROM pg_user_mappings um JOIN pg_foreign_server s ON s.oid = um.srvid
JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
CROSS JOIN LATERAL (SELECT coalesce((SELECT substr(o, 6) FROM unnest(um.umoptions) o WHERE o LIKE 'user=%%'),
                                    %(role)s::text) AS name) ru
CROSS JOIN LATERAL (SELECT (SELECT substr(o, 8) FROM unnest(s.srvoptions) o WHERE o LIKE 'dbname=%%') AS name) rd
LEFT JOIN pg_roles rr ON rr.rolname = ru.name
WHERE (um.umuser = 0 OR um.umuser = (SELECT oid FROM pg_roles WHERE rolname = %(role)s::name))
  AND has_server_privilege(%(role)s::name, s.oid, 'USAGE')
ORDER BY 1, 2
"""


# Roles the session's role may SET ROLE to (PostgreSQL 16: the grant's SET option; before: any membership) whose
# privileges it does not inherit -- or a superuser, whose power no membership inherits -- and that reach production.
_SET_ROLE_SQL = """
WITH prod AS (SELECT oid FROM pg_namespace WHERE nspname = %(schema)s)
SELECT r.rolname AS role, r.rolsuper AS superuser, pg_has_role(%(role)s::name, r.oid, 'USAGE') AS inherited,
       array(SELECT DISTINCT pg_get_userbyid(m.roleid) FROM pg_auth_members m
             WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = %(role)s::name)
               AND m.roleid <> r.oid AND pg_has_role(m.roleid, r.oid, 'MEMBER')) AS granted_through
FROM pg_roles r CROSS JOIN prod
WHERE r.rolname <> %(role)s::name AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = %(role)s::name)
  AND CASE WHEN current_setting('server_version_num')::int >= 160000 THEN pg_has_role(%(role)s::name, r.oid, 'SET')
           ELSE pg_has_role(%(role)s::name, r.oid, 'MEMBER') END
  AND (r.rolsuper OR NOT pg_has_role(%(role)s::name, r.oid, 'USAGE'))
  AND (r.rolsuper OR has_schema_privilege(r.oid, prod.oid, 'USAGE') OR EXISTS (
        SELECT 1 FROM pg_class c WHERE c.relnamespace = prod.oid AND CASE
            WHEN c.relkind = 'S' THEN has_sequence_privilege(r.oid, c.oid, 'USAGE,SELECT,UPDATE')
            WHEN c.relkind IN ('r', 'p', 'v', 'm', 'f')
                THEN has_table_privilege(r.oid, c.oid, 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE')
                     OR has_any_column_privilege(r.oid, c.oid, 'SELECT,INSERT,UPDATE')
            ELSE false END))
ORDER BY 1
"""


def _pattern(schema: str) -> str:
    """A POSIX regular expression for ``schema`` as a whole identifier (quoted or not), case-insensitive."""
    escaped = re.sub(r"([\\^$.|?*+()\[\]{}])", r"\\\1", schema)
    return f'(^|[^[:alnum:]_$]){escaped}($|[^[:alnum:]_$])'


def column_privileges(r, production_schema: str, role: dict, fact: str = "production_isolation") -> list[dict]:
    """Privileges the role holds on some columns of production's relations but not on the whole relation."""
    rows = r.rows("production column privileges", _COLUMN_PRIVILEGES_SQL,
                  {"schema": production_schema, "privs": list(COLUMN_PRIVILEGES), "role": role["rolname"]},
                  fact=fact)
    for row in rows:
        row["via"] = ["superuser"] if role.get("rolsuper") else list(row.get("via") or [])
    return rows


def _via(row: dict) -> list[str]:
    return list(row.get("via") or [])


def doors(r, production_schema: str, role: dict, whose: str, fact: str = "production_isolation") -> list[dict]:
    """Every door other than schema and table grants for ``role`` (its ``rolname``), each as a dict (see the
    module's docstring); the evidence goes under ``fact``."""
    params = {"schema": production_schema, "pattern": _pattern(production_schema), "role": role["rolname"]}
    return (_role_doors(r, params, production_schema, role, fact) + _rewrite_doors(r, params, fact)
            + _definer_doors(r, params, production_schema, whose, fact)
            + _foreign_doors(r, params, production_schema, fact))


def _role_doors(r, params: dict, production_schema: str, role: dict, fact: str) -> list[dict]:
    """The REPLICATION attribute, and roles the role may SET ROLE to that reach production."""
    found: list[dict] = []
    if role.get("rolreplication") and not role.get("rolsuper"):
        found.append({"object": role.get("rolname"), "kind": "role attribute", "owner": None,
                      "privilege": "REPLICATION", "via": [],
                      "opens": "a replication connection streams every schema's rows, production's included"})
    for row in r.rows("roles the role may SET ROLE to that reach production", _SET_ROLE_SQL, params,
                      fact=fact):
        what = ("a superuser (SET ROLE gives what no membership inherits)" if row["superuser"]
                else f"reaches {production_schema}, and its privileges are not inherited")
        found.append({"object": row["role"], "kind": "role", "owner": None, "privilege": "SET ROLE",
                      "via": list(row["granted_through"] or []), "opens": what})
    return found


def _rewrite_doors(r, params: dict, fact: str) -> list[dict]:
    """Views, materialized views and rules the role may use that read production with their owner's privileges."""
    found: list[dict] = []
    for row in r.rows("views, materialized views and rules that reach production", _REWRITE_SQL, params,
                      fact=fact):
        behind = ", ".join(row["reads"]) + (f" (through {', '.join(row['through'])})" if row["through"] else "")
        opens = (f"holds rows read from {behind}" if row["materialized"]
                 else f"runs with its owner's privileges and reads {behind}")
        found.append({"object": row["object"], "kind": row["kind"], "owner": row["owner"],
                      "privilege": ", ".join(row["privileges"]), "via": _via(row), "opens": opens})
    return found


def _definer_doors(r, params: dict, production_schema: str, whose: str, fact: str) -> list[dict]:
    """SECURITY DEFINER functions that are doors; every one the role may run is noted with its verdict."""
    found: list[dict] = []
    listed = []
    for row in r.rows("SECURITY DEFINER functions the role may run", _DEFINER_SQL, params,
                      fact=fact):
        touches = ([f"depends on {', '.join(row['depends_on'])}"] if row["depends_on"] else []) + (
            [f"its stored source names {production_schema}"] if row["source_names_schema"] else []) + (
            [f"its search_path names {production_schema}"] if row["search_path_names_schema"] else [])
        door = bool(row["owner_reaches"] and touches)
        how = (["EXECUTE"] if row["executable"] else []) + (
            [f"fires as a trigger on {', '.join(row['fired_by'])}"] if row["fired_by"] else [])
        listed.append({"function": row["object"], "owner": row["owner"], "language": row["language"],
                       "owner is superuser": row["owner_is_superuser"], "opened by": how,
                       "verdict": _definer_verdict(row, production_schema, door, touches)})
        if door:
            kind = f"SECURITY DEFINER {row['routine']} ({row['language']}" + (
                ", BEGIN ATOMIC)" if row["sql_standard_body"] else ")")
            privilege = "; ".join(how)
            found.append({"object": row["object"], "kind": kind, "owner": row["owner"], "privilege": privilege,
                          "via": _via(row) if row["executable"] else [],
                          "opens": f"runs as its owner, who can reach {production_schema}, and "
                                   + "; ".join(touches)})
    r.note(fact, f"every SECURITY DEFINER function the {whose} role may run, with its owner "
           "(what the catalog cannot prove is said so)", listed or [{"definer functions": "none"}])
    return found


def _definer_verdict(row: dict, production_schema: str, door: bool, touches: list[str]) -> str:
    """Whether a definer function is a door, in words; what the catalog cannot prove is said so."""
    if door:
        return "DOOR: " + "; ".join(touches)
    if not row["owner_reaches"]:
        return f"not a door: its owner {row['owner']} cannot reach {production_schema}"
    if row["language"] in ("c", "internal"):
        return (f"not proven: compiled code ({row['language']}), depends on nothing in {production_schema}; "
                "its owner can reach it")
    return (f"not a door as far as the catalog shows: neither depends on nor names {production_schema} "
            f"(dynamic SQL cannot be proven); its owner can reach it")


def _foreign_doors(r, params: dict, production_schema: str, fact: str) -> list[dict]:
    """Foreign tables of production's remote schema, and foreign servers mapped to a role that reaches it."""
    found: list[dict] = []
    for row in r.rows("foreign tables and user mappings", _FOREIGN_SQL, params, fact=fact):
        if row["kind"] == "foreign table" and row["remote_schema"] == production_schema:
            found.append({"object": row["object"], "kind": f"foreign table (server {row['server']}, "
                          f"wrapper {row['wrapper']})", "owner": row["owner"],
                          "privilege": ", ".join(row["privileges"]), "via": _via(row),
                          "opens": f"reads the remote {row['remote_schema']}.{row['remote_table']}"})
        elif row["kind"] == "user mapping" and row["remote_user_reaches"] and row["same_database"]:
            found.append({"object": f"server {row['object']}", "kind": f"foreign server (wrapper {row['wrapper']}) "
                          f"with a user mapping for {row['mapped_for']}", "owner": row["owner"],
                          "privilege": "USAGE", "via": _via(row),
                          "opens": f"logs in to this database as {row['remote_user']}, who can reach "
                                   f"{production_schema}: any foreign table the role creates reads it"})
    return found
