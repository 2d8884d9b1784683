"""What values a queue's status column may hold, read from PostgreSQL's own catalogs.

A status column's type says which values it allows: the CHECK constraints on the column
(``pg_constraint``, text from ``pg_get_constraintdef``), those of a domain it is declared
with, of a domain that domain is over, and so on down to the base type; the labels of an ENUM
base type (``pg_enum``); or nothing at all, and then any value is allowed. :data:`STATUS_TYPE_SQL`
reads all of it in one query; :func:`status_type` turns its row into plain data (what each
constraint reads as, by :func:`~phasegate.database.check_text.parse_check`, the constraints on other
columns it ignored, the allowed set). Whether one state is allowed, and the allowed set in words,
are :func:`~phasegate.database.check_text.allows` and :func:`~phasegate.database.check_text.summary`
over that plain data.
"""

from __future__ import annotations

from phasegate.database.check_text import ANY_VALUE, READS, Unreadable, ValueSet, parse_check

__all__ = ["STATUS_TYPE_SQL", "status_type"]

# The status column's type chain (the column's type, the type each domain is over, …, the base
# type), the base type's enum labels, the table's CHECK constraints with the columns each names,
# every domain's CHECK constraints, and whether the column's collation compares exactly.
STATUS_TYPE_SQL = """
WITH RECURSIVE col AS (
    SELECT a.attrelid, a.atttypid, a.attcollation
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = %(schema)s AND c.relname = %(table)s AND a.attname = %(column)s
      AND a.attnum > 0 AND NOT a.attisdropped
),
chain(depth, oid) AS (
    SELECT 0, atttypid FROM col
    UNION ALL
    SELECT chain.depth + 1, t.typbasetype FROM chain JOIN pg_type t ON t.oid = chain.oid WHERE t.typtype = 'd'
)
SELECT
    (SELECT jsonb_agg(jsonb_build_object('depth', ch.depth, 'type', format_type(t.oid, NULL),
                                         'kind', CASE t.typtype WHEN 'd' THEN 'domain' WHEN 'e' THEN 'enum'
                                                      WHEN 'b' THEN 'base' ELSE t.typtype::text END)
                      ORDER BY ch.depth)
     FROM chain ch JOIN pg_type t ON t.oid = ch.oid) AS types,
    (SELECT jsonb_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e
     WHERE e.enumtypid = (SELECT oid FROM chain ORDER BY depth DESC LIMIT 1)) AS enum_labels,
    (SELECT jsonb_agg(jsonb_build_object(
                'name', k.conname, 'definition', pg_get_constraintdef(k.oid), 'validated', k.convalidated,
                'columns', coalesce((SELECT jsonb_agg(a.attname ORDER BY a.attnum) FROM pg_attribute a
                                     WHERE a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)), '[]'::jsonb))
            ORDER BY k.conname)
     FROM pg_constraint k WHERE k.conrelid = (SELECT attrelid FROM col) AND k.contype = 'c') AS table_checks,
    (SELECT jsonb_agg(jsonb_build_object('name', k.conname, 'domain', format_type(k.contypid, NULL),
                                         'definition', pg_get_constraintdef(k.oid), 'validated', k.convalidated)
            ORDER BY ch.depth, k.conname)
     FROM pg_constraint k JOIN chain ch ON ch.oid = k.contypid WHERE k.contype = 'c') AS domain_checks,
    (SELECT coll.collisdeterministic FROM pg_collation coll WHERE coll.oid = col.attcollation) AS collation_exact
FROM col
"""


def status_type(row: dict | None, column: str = "status") -> dict | None:
    """Plain data from :data:`STATUS_TYPE_SQL`'s row: each constraint and what it reads as, the allowed set
    (``allowed``), the constraints that could not be read (``unreadable``), those on other columns (``ignored``)."""
    if not row or not row.get("types"):
        return None
    types = row["types"]
    exact = {t["type"] for t in types if t["kind"] in ("domain", "enum")}
    allowed, constraints, unreadable, ignored = ANY_VALUE, [], [], []

    def read(entry: dict, subject: str) -> None:
        nonlocal allowed
        try:
            values = parse_check(entry["definition"], subject, exact)
        except Unreadable as exc:
            entry["reads as"] = f"UNREADABLE: {exc}; {READS}"
            unreadable.append(entry)
        else:
            entry["reads as"] = values.describe()
            allowed &= values
        if entry.get("validated") is False:
            entry["note"] = "NOT VALID: rows older than the constraint may break it; new rows may not"
        constraints.append(entry)

    for check in row.get("domain_checks") or []:
        read({"on": f"domain {check['domain']}", "name": check["name"], "definition": check["definition"],
              "validated": check.get("validated")}, "VALUE")
    for check in row.get("table_checks") or []:
        columns = list(check.get("columns") or [])
        entry = {"on": "table", "name": check["name"], "definition": check["definition"],
                 "validated": check.get("validated"), "columns": columns}
        if column not in columns:
            ignored.append(dict(entry, why=f"does not mention {column}"))
        elif set(columns) != {column}:
            entry["reads as"] = (f"UNREADABLE: it mixes {column} with other columns "
                                 f"({', '.join(c for c in columns if c != column)})")
            unreadable.append(entry)
            constraints.append(entry)
        else:
            read(entry, column)
    labels = row.get("enum_labels")
    if labels is not None:
        values = ValueSet.only(labels)
        constraints.append({"on": f"enum {types[-1]['type']}", "labels": list(labels),
                            "reads as": "labels " + ", ".join(repr(label) for label in labels)})
        allowed &= values
    if row.get("collation_exact") is False:
        entry = {"on": "collation", "reads as": f"UNREADABLE: {column}'s collation is nondeterministic: "
                                                "its equality is not exact on the characters"}
        unreadable.append(entry)
        constraints.append(entry)
    return {"column": column, "types": types, "constraints": constraints, "ignored": ignored,
            "allowed": allowed.as_evidence(), "unreadable": [u.get("definition") or u["reads as"] for u in unreadable],
            "unconstrained": not constraints}
