"""Parsers of PostgreSQL's own texts: search_path lists, durations, ``setconfig`` items, qualified names."""

from __future__ import annotations

import re

def split_search_path(value: str | None) -> list[str]:
    """``'"$user", public'`` -> ``['$user', 'public']`` (quotes removed, case kept)."""
    if not value:
        return []
    items: list[str] = []
    buf: list[str] = []
    quoted = False
    was_quoted = False
    i = 0
    while i < len(value):
        ch = value[i]
        if quoted:
            if ch == '"':
                if i + 1 < len(value) and value[i + 1] == '"':
                    buf.append('"')
                    i += 1
                else:
                    quoted = False
            else:
                buf.append(ch)
        elif ch == '"':
            quoted = True
            was_quoted = True
        elif ch == ",":
            items.append(("".join(buf)) if was_quoted else "".join(buf).strip().lower())
            buf, was_quoted = [], False
        elif not ch.isspace():
            buf.append(ch)
        i += 1
    last = "".join(buf) if was_quoted else "".join(buf).strip().lower()
    if last or was_quoted:
        items.append(last)
    return [x for x in items if x != ""]


_UNITS_MS = {"us": 0.001, "ms": 1, "s": 1000, "min": 60_000, "h": 3_600_000, "d": 86_400_000}


def timeout_milliseconds(value: str | None) -> int | None:
    """``'30s'`` -> 30000, ``'0'`` -> 0, ``'1min'`` -> 60000; None if absent/unparseable."""
    if value is None:
        return None
    m = re.fullmatch(r"\s*'?(-?\d+(?:\.\d+)?)\s*([a-zA-Z]*)'?\s*", str(value))
    if not m:
        return None
    unit = m.group(2).lower() or "ms"
    if unit not in _UNITS_MS:
        return None
    return int(float(m.group(1)) * _UNITS_MS[unit])


def parse_setconfig(items: list[str] | None) -> dict[str, str]:
    """pg_db_role_setting's ``setconfig`` (``name=value`` items) as a dict, names lower-cased."""
    out: dict[str, str] = {}
    for item in items or []:
        name, _, value = item.partition("=")
        out[name.strip().lower()] = value
    return out


def split_table(queue_table: str, default_schema: str) -> tuple[str, str]:
    """``schema.table`` -> (schema, table); a bare table name is in ``default_schema``."""
    if "." in queue_table:
        schema, _, table = queue_table.partition(".")
        return schema.strip('"'), table.strip('"')
    return default_schema, queue_table
