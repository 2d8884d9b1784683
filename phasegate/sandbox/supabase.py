"""Supabase's side of the sandbox: its roles in the PostgreSQL worlds, the keys the services hold, and the
worlds where a key opens a door into production.

The reference world is shaped like a Supabase project: the roles ``anon``, ``authenticated``,
``service_role`` (BYPASSRLS) and ``authenticator`` (which the Data API logs in as, serving the schemas of
its ``pgrst.db_schemas``), and the staging schema granted to the first three as Supabase's guide for
custom schemas says. The keys the services hold are :mod:`.keys`'.

Plain SQL and strings only: nothing here parses what phasegate reads.
"""

from __future__ import annotations

from psycopg import sql

SUPABASE_ROLES = ("anon", "authenticated", "service_role", "authenticator")
DATA_API_ROLES = ("anon", "authenticated", "service_role")

# The worlds: variant -> the criterion it violates (None: compliant). Each opens one door for one role a key acts as.
VARIANTS: dict[str, str | None] = {
    "P4-43-key-schema-usage": "P4-43",    # GRANT USAGE ON SCHEMA upload_pipeline TO service_role
    "P4-43-key-table": "P4-43",           # GRANT SELECT, INSERT ON upload_pipeline.upload_jobs TO service_role
    "P4-43-key-column": "P4-43",          # GRANT SELECT (id, title) ON upload_pipeline.documents TO service_role
    "P4-43-key-sequence": "P4-43",        # GRANT USAGE ON SEQUENCE upload_pipeline.documents_id_seq TO service_role
    "P4-43-key-view": "P4-43",            # a staging view over production, of the production role, SELECT to service_role
    "P4-43-key-rule": "P4-43",            # a staging table whose INSERT rule reads production, INSERT to service_role
    "P4-43-key-definer": "P4-43",         # a definer function reading production, EXECUTE to service_role only
    "P4-43-key-membership": "P4-43",      # GRANT upload_worker_prod TO service_role
    "P4-43-key-set-role": "P4-43",        # GRANT upload_worker_prod TO service_role WITH INHERIT FALSE
    "P4-43-key-foreign-table": "P4-43",   # a foreign table of production's remote schema, SELECT to service_role
    "P4-43-key-read-all-data": "P4-43",   # GRANT pg_read_all_data TO service_role
    "P4-43-key-supabase-guide": "P4-43",  # production set up by Supabase's guide: service_role reaches it
    "P4-43-key-anon": "P4-43",            # the worker holds an anon key; GRANT SELECT ON production's documents TO anon
    "P4-43-key-secret": "P4-43",          # the worker holds an sb_secret_ key; SELECT on production's documents to service_role
    "P4-43-key-by-name": "P4-43",         # SUPABASE_SERVICE_ROLE_KEY holds no readable key: judged by its name
    "P4-43-key-same-project": "P4-43",    # Render's DATABASE_URL names the keys' own project; service_role reaches production
    "P5-05-key-anon": "P5-05",            # the API's anon key: GRANT SELECT ON production's documents TO anon
    "P5-05-key-service-role": "P5-05",    # the API holds the service_role key, which reaches production
    "P5-05-key-secret": "P5-05",          # the API holds an sb_secret_ key, which reaches production
    "compliant-key-other-project": None,  # production reaches service_role and anon, but the keys are another project's
    "compliant-no-supabase-roles": None,  # a plain PostgreSQL: the keys' roles do not exist, so they open nothing
}
# The worlds whose services are served a DATABASE_URL naming a Supabase project (the suite reaches it by route).
PROJECT_URL_VARIANTS = ("compliant-key-other-project", "P4-43-key-same-project")

_SR, _ANON = sql.Identifier("service_role"), sql.Identifier("anon")


def create_roles() -> list[sql.Composed]:
    """Supabase's roles as a project has them (no password: the Data API logs in as authenticator)."""
    return [
        sql.SQL("CREATE ROLE anon NOLOGIN NOINHERIT"),
        sql.SQL("CREATE ROLE authenticated NOLOGIN NOINHERIT"),
        sql.SQL("CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS"),
        sql.SQL("CREATE ROLE authenticator NOINHERIT LOGIN"),
        sql.SQL("GRANT anon, authenticated, service_role TO authenticator"),
    ]


def exposed(schema: str, dbname: str) -> sql.Composed:
    """The Data API serves public and staging (the dashboard's 'Exposed schemas')."""
    return sql.SQL("ALTER ROLE authenticator IN DATABASE {} SET pgrst.db_schemas = {}").format(
        sql.Identifier(dbname), sql.Literal(f"public, graphql_public, {schema}"))


def guide_grants(schema: sql.Identifier, roles=DATA_API_ROLES) -> list[sql.Composed]:
    """What Supabase's guide for a custom schema tells a user to grant (run by a superuser)."""
    to = sql.SQL(", ").join(sql.Identifier(r) for r in roles)
    return [sql.SQL(f"GRANT USAGE ON SCHEMA {{s}} TO {{to}}; GRANT ALL ON ALL TABLES IN SCHEMA {{s}} TO {{to}}; "
                    f"GRANT ALL ON ALL ROUTINES IN SCHEMA {{s}} TO {{to}}; "
                    f"GRANT ALL ON ALL SEQUENCES IN SCHEMA {{s}} TO {{to}}").format(s=schema, to=to)]


def doors(prs: sql.Identifier, production_role: sql.Identifier, view, definer, rule, foreign) -> dict[str, list]:
    """Each world's door for a key's role, built like the worker's own door worlds (the builders are
    postgres.py's: ``view(kind, reader)``, ``definer(language, source, grant_to)``, ``rule(reader)``,
    ``foreign(reader)``)."""
    titles = sql.SQL("SELECT title FROM {}.documents").format(prs)
    select_documents = [sql.SQL("GRANT SELECT ON {}.documents TO {}").format(prs, _SR)]
    return {
        "P4-43-key-schema-usage": [sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(prs, _SR)],
        "P4-43-key-table": [sql.SQL("GRANT SELECT, INSERT ON {}.upload_jobs TO {}").format(prs, _SR)],
        "P4-43-key-column": [sql.SQL("GRANT SELECT (id, title) ON {}.documents TO {}").format(prs, _SR)],
        "P4-43-key-sequence": [sql.SQL("GRANT USAGE ON SEQUENCE {}.documents_id_seq TO {}").format(prs, _SR)],
        "P4-43-key-view": view("VIEW", _SR),
        "P4-43-key-rule": rule(_SR),
        "P4-43-key-definer": definer("plpgsql", sql.SQL("AS $$ BEGIN RETURN QUERY {}; END $$").format(titles), _SR),
        "P4-43-key-membership": [sql.SQL("GRANT {} TO {}").format(production_role, _SR)],
        "P4-43-key-set-role": [sql.SQL("GRANT {} TO {} WITH INHERIT FALSE").format(production_role, _SR)],
        "P4-43-key-foreign-table": foreign(_SR),
        "P4-43-key-read-all-data": [sql.SQL("GRANT pg_read_all_data TO {}").format(_SR)],
        "P4-43-key-supabase-guide": guide_grants(prs, ("authenticated", "service_role")),
        "P4-43-key-anon": [sql.SQL("GRANT SELECT ON {}.documents TO {}").format(prs, _ANON)],
        "P4-43-key-secret": select_documents,
        "P4-43-key-same-project": select_documents,
        "P5-05-key-anon": [sql.SQL("GRANT SELECT ON {}.documents TO {}").format(prs, _ANON)],
        "P5-05-key-service-role": select_documents,
        "P5-05-key-secret": select_documents,
        "P4-43-key-by-name": select_documents,
        "compliant-key-other-project": guide_grants(prs),
    }
