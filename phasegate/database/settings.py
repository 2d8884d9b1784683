"""The role's configured settings (timeouts, search_path), how the session reaches PostgreSQL, and contradictions.

Configured values come from ``pg_db_role_setting`` in PostgreSQL's precedence; the search_path falls
back to the URL's startup options or the server's default. :func:`pool_mode` tells direct, session and
transaction pooling apart; :func:`pooling_and_contradictions` notes where the live settings of each
transaction's (possibly pooled) server connection differ from the configured ones.
"""

from __future__ import annotations

from phasegate.database.pgtext import parse_setconfig, split_search_path, timeout_milliseconds
from phasegate.database.session import _GUARD_SQL, ReadOnlySession, _Reader
from phasegate.database.target import _SUPABASE_POOLER_HOST, TRANSACTION_POOLER_PORT, ConnectionTarget

TIMEOUT_SETTINGS = ("statement_timeout", "idle_in_transaction_session_timeout")
_LEVELS = ("role+database", "role", "database", "all")  # PostgreSQL's precedence, highest first
CONTRADICTION = ("CONTRADICTION: the session ran with other settings than the role's configured ones "
                 "(the verdict is on the configured values)")
JUDGEABLE_POOL_MODES = ("direct", "session")
_SETTINGS_SQL = ("SELECT setrole, setdatabase, setconfig FROM pg_db_role_setting WHERE setrole IN (0, <session_user>) "
                 "AND setdatabase IN (0, <current_database>) -- only search_path and the timeouts are kept")


def _read_levels(r: _Reader) -> dict[str, dict[str, str]]:
    """The session role's and database's settings, per level of pg_db_role_setting."""
    setting_rows = r.rows(
        "the role and database settings",
        """
        SELECT CASE WHEN s.setrole = 0 THEN NULL ELSE pg_get_userbyid(s.setrole) END AS role,
               CASE WHEN s.setdatabase = 0 THEN NULL ELSE d.datname END AS database,
               s.setconfig
        FROM pg_db_role_setting s LEFT JOIN pg_database d ON d.oid = s.setdatabase
        WHERE (s.setrole = 0 OR s.setrole = (SELECT oid FROM pg_roles WHERE rolname = session_user))
          AND (s.setdatabase = 0 OR s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database()))
        """,
    )
    levels: dict[str, dict[str, str]] = {}
    for row in setting_rows:
        level = ("role+database" if row["role"] and row["database"] else "role" if row["role"]
                 else "database" if row["database"] else "all")
        levels[level] = parse_setconfig(row["setconfig"])
    return levels


def _levels_evidence(levels: dict[str, dict[str, str]]) -> list[dict]:
    """Per level, the settings the criteria judge (search_path and the timeouts)."""
    interesting = ("search_path",) + TIMEOUT_SETTINGS
    return [
        {"level": lvl, **{k: v for k, v in levels.get(lvl, {}).items() if k in interesting}}
        for lvl in _LEVELS if lvl in levels
    ]


def configured(levels: dict[str, dict[str, str]], name: str) -> tuple[str | None, str | None, dict]:
    """A setting's configured value, the level it comes from, and its value at every level."""
    per_level = {lvl: levels.get(lvl, {}).get(name) for lvl in _LEVELS}
    for lvl in _LEVELS:
        if per_level[lvl] is not None:
            return per_level[lvl], lvl, per_level
    return None, None, per_level


def configured_settings(r: _Reader) -> tuple[dict[str, dict], dict[str, dict[str, str]]]:
    """(the timeouts as configured for the role, every level's settings)."""
    levels = _read_levels(r)
    settings: dict[str, dict] = {}
    for name in TIMEOUT_SETTINGS:
        value, source, per_level = configured(levels, name)
        ms = timeout_milliseconds(value)
        settings[name] = {
            "value": value, "milliseconds": ms, "source": source,
            "is_set": bool(ms) and ms > 0,   # "0" means disabled, i.e. unset
            "levels": per_level,
        }
    r.evidence.append({"fact": "timeouts", "what": "configured timeouts", "sql": _SETTINGS_SQL, "params": None,
                       "rows": _levels_evidence(levels) + [{"parsed": settings}]})
    return settings, levels


def search_path(r: _Reader, levels: dict[str, dict[str, str]], current_user: str, schemas: list[str]) -> dict:
    """The worker's configured search_path (and its source), the schemas it reaches, and our session's own."""
    sp_session = r.one(
        "the search_path",
        "SELECT current_setting('search_path') AS search_path_raw, current_schemas(false) AS current_schemas, "
        "(SELECT reset_val FROM pg_settings WHERE name = 'search_path') AS reset_val, "
        "(SELECT boot_val FROM pg_settings WHERE name = 'search_path') AS boot_val, "
        "(SELECT source FROM pg_settings WHERE name = 'search_path') AS source",
    )
    sp_value, sp_source, sp_levels = configured(levels, "search_path")
    if sp_value is None and sp_session.get("source") == "client":
        # The URL's own startup options set it: the worker's session gets the same.
        sp_value, sp_source = sp_session.get("search_path_raw"), "url options"
    elif sp_value is None:
        # No role/database setting: the server's own default (postgresql.conf or built-in).
        reset_source = sp_session.get("source")
        if reset_source in ("default", "configuration file", "override", "environment variable", "command line"):
            sp_value = sp_session.get("reset_val")
        else:
            sp_value = sp_session.get("boot_val")
        sp_source = "server"
    configured_path = split_search_path(sp_value)
    effective: list[str] = []
    for name in configured_path:
        if name == "$user":
            if current_user in schemas:
                effective.append(current_user)
        elif name in schemas and name not in effective:
            effective.append(name)
    current_schemas = list(sp_session.get("current_schemas") or [])
    r.evidence.append({"fact": "search_path", "what": "search_path", "sql": _SETTINGS_SQL, "params": None,
                       "rows": _levels_evidence(levels) + [{
                           "configured": sp_value, "source": sp_source, "levels": sp_levels,
                           "effective (worker, $user expanded, missing schemas dropped)": effective,
                           "SHOW search_path (phasegate session)": sp_session.get("search_path_raw"),
                           "current_schemas(false) (phasegate session)": current_schemas}]})
    return {"session": sp_session, "configured": sp_value or "", "source": sp_source, "effective": effective,
            "current_schemas": current_schemas}


def pooling_and_contradictions(r: _Reader, session: ReadOnlySession, settings: dict,
                               search_path_configured: str) -> tuple[dict, list[dict]]:
    """How the session reached PostgreSQL, and what the (possibly pooled) server connections carried."""
    target = session.target
    pooling = pool_mode(target, session.startup_pid, [t["pid"] for t in session.transactions])
    r.note("connection", "pooling", [pooling])
    r.note("sessions", "pooling", [dict(pooling, judgeable=pooling["mode"] in JUDGEABLE_POOL_MODES)])
    reset = {row["name"]: row["reset_val"] for row in r.rows(
        "the timeouts' startup values", "SELECT name, reset_val FROM pg_settings WHERE name = ANY(%s)",
        (list(TIMEOUT_SETTINGS),))}
    contradictions = _contradictions(session.transactions, settings, search_path_configured, reset)
    for fact in sorted({c["fact"] for c in contradictions}):
        r.evidence.append({"fact": fact, "what": CONTRADICTION, "sql": _GUARD_SQL, "params": None,
                           "rows": [c for c in contradictions if c["fact"] == fact]})
    return pooling, contradictions


def pool_mode(target: ConnectionTarget, announced_pid: int, backend_pids: list[int]) -> dict:
    """How the session reaches PostgreSQL: "direct", "session" or "transaction" pooling, or a
    pooler of unknown mode. Behind transaction pooling (and an unknown mode) pg_stat_activity
    shows the pooler's server connections, not the worker's."""
    host = target.host or ""
    supabase = bool(_SUPABASE_POOLER_HOST.search(host))
    signals: list[str] = []
    if target.port == TRANSACTION_POOLER_PORT:
        signals.append(f"port {TRANSACTION_POOLER_PORT}: Supabase's transaction-mode pooler port")
    elif supabase and target.port not in (None, 5432):
        signals.append(f"Supabase pooler host {host} on port {target.port} (its session mode is port 5432)")
    distinct = list(dict.fromkeys(backend_pids))
    if len(distinct) > 1:
        signals.append("the backend changed between phasegate's transactions (pids "
                       + ", ".join(str(p) for p in distinct) + ")")
    # A direct connection announces its backend's pid (BackendKeyData); a pooler announces its own key.
    proxied = bool(distinct) and announced_pid != distinct[0]
    if signals:
        mode = "transaction"
    elif supabase:
        mode = "session"
        signals.append(f"Supabase pooler host {host} on port 5432: session mode")
    elif proxied:
        mode = "pooled, mode unknown"
    else:
        mode = "direct"
    if proxied:
        signals.append("the connection announced another backend pid than the server's: a pooler answers for it")
    return {"mode": mode, "signals": signals, "backend_pids": distinct}



def _contradictions(transactions: list[dict], settings: dict, search_path_configured: str,
                    reset: dict) -> list[dict]:
    """Live settings of each transaction's server connection that differ from the configured ones.

    Through a pooler a server connection can carry another client's session-level ``SET``;
    the verdicts on search_path and timeouts stay on the configured values (what every new connection of
    the role gets), and the evidence says where the live ones differed.
    """
    why = ("a session-level SET left on this server connection (through a pooler: by another client), "
           "or the URL's startup options")
    found: dict[tuple, dict] = {}
    for t in transactions:
        if split_search_path(t["search_path"]) != split_search_path(search_path_configured):
            found.setdefault(("search_path", t["search_path"]), {
                "fact": "search_path", "setting": "search_path", "configured": search_path_configured,
                "live": t["search_path"], "backend_pid": t["pid"], "likely cause": why})
        for name in TIMEOUT_SETTINGS:
            configured = settings[name]["value"]
            expected = configured if configured is not None else reset.get(name)
            if timeout_milliseconds(t[name]) != timeout_milliseconds(expected):
                shown = configured if configured is not None else f"<not set for the role; server: {reset.get(name)} ms>"
                found.setdefault((name, t[name]), {
                    "fact": "timeouts", "setting": name, "configured": shown, "live": t[name],
                    "backend_pid": t["pid"], "likely cause": why})
    return list(found.values())
