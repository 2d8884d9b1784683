"""What a probe returns: :class:`DatabaseFacts` (the worker's session) and :class:`EnqueueFacts` (the API's).

Both are plain data with the evidence kept per fact; :class:`_Facts` holds what the judges ask of either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from phasegate.database.target import ConnectionTarget


class _Facts:
    """The questions the judges ask of either session's facts (pooling, evidence, contradictions)."""

    _what = "database"
    contradictions: tuple = ()  # the API's session: no verdict of it rests on its live settings

    @property
    def pool_mode(self) -> str:
        return self.pooling.get("mode", "direct")

    def contradictions_for(self, fact: str) -> list[dict]:
        return [c for c in self.contradictions if c["fact"] == fact]

    def evidence_for(self, fact: str) -> list[dict]:
        return [e for e in self.evidence if e["fact"] == fact]

    def __repr__(self) -> str:  # Allure records step arguments: the evidence is attached, not repeated here
        return f"<{self._what} {self.target.describe()} as {self.current_user}>"


@dataclass(frozen=True)
class RoleReach:
    """What one role a Supabase key acts as can reach in production; the fields mean what the facts' own
    ``production_*`` fields mean for the session's role, so the same judgement reads either."""

    name: str
    exists: bool
    role: dict
    production_schema_usage: bool | None
    production_schema_create: bool | None
    production_table_privileges: list[dict]
    production_doors: list[dict]


@dataclass(frozen=True, repr=False)
class DatabaseFacts(_Facts):
    """Every database fact the criteria need, read in one session, once per run; evidence is kept per fact."""

    target: ConnectionTarget
    connected: bool
    connect_seconds: float
    server_version: str
    tls_in_use: bool | None
    current_user: str
    session_user: str
    role: dict
    schemas: list[str]
    staging_schema_exists: bool
    production_schema_exists: bool
    production_schema_usage: bool | None
    production_schema_create: bool | None
    production_table_privileges: list[dict]
    search_path_raw: str
    search_path_effective: list[str]
    settings: dict
    queue_table: dict | None
    worker_sessions: int
    stuck_jobs: list[dict]
    evidence: list[dict] = field(default_factory=list)
    # Extras (beyond the brief's list), all plain data:
    staging_schema: str = ""
    production_schema: str = ""
    search_path_configured: str = ""        # the worker's configured value (role/db setting or server default)
    search_path_source: str | None = None   # "role+database" | "role" | "database" | "all" | "server"
    search_path_current_schemas: list[str] = field(default_factory=list)  # current_schemas(false) in our session
    tls_server_side: bool | None = None     # pg_stat_ssl for our backend (a pooler's own link, behind a pooler)
    stuck_threshold_minutes: int = 15
    pooling: dict = field(default_factory=lambda: {"mode": "direct", "signals": [], "backend_pids": []})
    contradictions: list[dict] = field(default_factory=list)  # live settings that differ from the configured ones
    identity: dict = field(default_factory=dict)  # the role check before the first judged read (ExpectedRole.identity)
    production_doors: list[dict] = field(default_factory=list)  # views, rules, definer functions, foreign tables
    key_roles: dict = field(default_factory=dict)  # role a held Supabase key acts as -> RoleReach
    data_api_schemas: str | None = None  # the authenticator role's pgrst.db_schemas, when the database records it
    advisor: dict = field(default_factory=dict)  # Supabase's security advisor's findings (database.advisor)



@dataclass(frozen=True, repr=False)
class EnqueueFacts(_Facts):
    """What the API's own role may do, read in its own read-only session: enqueue, and reach production.

    The production fields mean what :class:`DatabaseFacts`' do, for the API's role, so the
    worker's production isolation judgement judges them too.
    """

    target: ConnectionTarget
    connect_seconds: float
    tls_in_use: bool | None
    current_user: str
    session_user: str
    role: dict
    production_schema: str
    production_schema_exists: bool
    production_schema_usage: bool | None
    production_schema_create: bool | None
    production_table_privileges: list[dict]
    queue_table: dict  # schema, table, exists, schema_usage, insert, id_sequences
    pooling: dict
    evidence: list[dict] = field(default_factory=list)
    identity: dict = field(default_factory=dict)  # the role check before the first judged read (ExpectedRole.identity)
    production_doors: list[dict] = field(default_factory=list)
    key_roles: dict = field(default_factory=dict)  # role a held Supabase key acts as -> RoleReach
    data_api_schemas: str | None = None

    _what = "API's database"
