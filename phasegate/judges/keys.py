"""Judgement of the Data API doors: the roles a service's Supabase keys act as, judged like its own role.

Pure: the keys come from the snapshot (:meth:`ServiceSnapshot.supabase_keys`, no value, only the
variable, role and project), what each role reaches from the service's read-only session
(``facts.key_roles``, read by :mod:`phasegate.database.keys`). A key of another project fronts another
database; a role the database does not have opens nothing; a key whose role cannot be placed is never
passed over: when nothing else fails, the criterion cannot be judged.
"""

from __future__ import annotations

from ..snapshot import NotJudgeable
from .database import production_doors
from .violation import Violation


def key_evidence(keys, database_project: str | None, facts) -> dict:
    """JSON-ready: each key (variable, role, project, whether it fronts this database) and what each role reaches."""
    roles = {}
    for name, reach in sorted(facts.key_roles.items()):
        lines = [line for _, line in production_doors(reach, facts.production_schema)] if reach.exists else []
        roles[name] = ({"exists": False, "reaches in production": "nothing: the database has no such role"}
                       if not reach.exists else
                       {"exists": True, "bypasses row-level security": bool(reach.role.get("rolbypassrls")),
                        "member of": reach.role.get("member_of") or [],
                        "reaches in production": lines or "nothing"})
    return {"database's project (from the service's own DATABASE_URL)": database_project or "cannot be told: "
            "every key is taken to front this database",
            "schemas the Data API serves (authenticator's pgrst.db_schemas)": facts.data_api_schemas
            or "not recorded in this database",
            "keys": [k.evidence(database_project) for k in keys] or "none",
            "roles the keys act as": roles or "none"}


def _doors_through(keys, database_project: str | None, facts, schema: str) -> tuple[list[str], list[str], list[str]]:
    """(one line per door through a key, the variables of the keys that open one, the keys judged and what they
    reach, one line each)."""
    doors, opening, judged = [], [], []
    for key in keys:
        if key.role is None:
            continue
        if not key.fronts(database_project):
            judged.append(f"{key.describe()}: fronts project {key.project}'s database, not this one")
            continue
        reach = facts.key_roles.get(key.role)
        if reach is None:
            raise NotJudgeable(f"cannot judge: the role {key.role} that {key.variable} acts as was not read "
                               "in the database session")
        if not reach.exists:
            judged.append(f"{key.describe()}: the database has no role {key.role}: opens nothing")
            continue
        lines = production_doors(reach, schema)
        doors += [f"door via {key.variable} (acts as {key.role}): {line}" for _, line in lines]
        opening += [key.variable] if lines else []
        placed = f" ({key.how})" if key.kind == "by its name" else ""
        judged.append(f"{key.describe()}: {len(lines)} door(s){placed}")
    return doors, opening, judged


def keys_cannot_reach(keys, database_project: str | None, facts, schema: str, link: str | None,
                      whose: str = "the worker") -> None:
    """No Supabase key the service holds acts as a role with a door into the production schema."""
    doors, opening, judged = _doors_through(keys, database_project, facts, schema)
    unplaced = [k for k in keys if k.role is None]
    exposed = [f"the Data API serves: {facts.data_api_schemas} (exposure is a dashboard switch: "
               "it never closes a door)"] if facts.data_api_schemas else []
    if doors:
        raise Violation(f"{whose}'s Supabase keys reaching production schema {schema} through the Data API",
                        "no door: no key acts as a role with any privilege on the production schema or a way into it",
                        f"{len(doors)} door(s) through {', '.join(dict.fromkeys(opening))}",
                        link=link,
                        details=doors + [f"key: {line}" for line in judged]
                        + [f"key: {k.describe()}: {k.how}" for k in unplaced] + exposed)
    if unplaced:
        raise NotJudgeable("cannot judge: " + "; ".join(f"{k.variable} ({k.source}) is named like a Supabase key, "
                                                        "but neither its value nor its name says which role it acts as"
                                                        for k in unplaced))
