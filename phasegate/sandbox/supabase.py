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

_SR, _ANON = sql.Identifier("service_role"), sql.Identifier("anon")


def reference(staging: str, worker: sql.Identifier, api: sql.Identifier, bucket: str) -> list:
    """A Supabase project's reference shape: RLS on the staging queue (a policy for the API that enqueues; the
    worker owns it), and Supabase Storage with the worker's private bucket, which the worker may read."""
    return [
        sql.SQL("DO $$ BEGIN IF to_regclass({q}) IS NOT NULL THEN "
                "ALTER TABLE {s}.upload_jobs ENABLE ROW LEVEL SECURITY; "
                "CREATE POLICY api_enqueues ON {s}.upload_jobs TO {api} USING (true) WITH CHECK (true); "
                "END IF; END $$").format(q=sql.Literal(f"{staging}.upload_jobs"), s=sql.Identifier(staging), api=api),
        sql.SQL("CREATE SCHEMA storage"),
        sql.SQL("CREATE TABLE storage.buckets (id text PRIMARY KEY, name text NOT NULL UNIQUE, "
                "public boolean NOT NULL DEFAULT false, created_at timestamptz DEFAULT now())"),
        sql.SQL("INSERT INTO storage.buckets (id, name, public) VALUES ({b}, {b}, false), "
                "('avatars', 'avatars', true)").format(b=sql.Literal(bucket)),
        sql.SQL("GRANT USAGE ON SCHEMA storage TO {w}; GRANT SELECT ON storage.buckets TO {w}").format(w=worker),
    ]


def advisor_worlds(staging: sql.Identifier, worker: sql.Identifier, bucket: str) -> dict[str, list]:
    """One finding of Supabase's security advisor each (run after :func:`reference`)."""
    to_anon = sql.SQL("GRANT SELECT ON {}.{} TO anon, authenticated")
    return {
        "P4-48-rls-disabled": [sql.SQL("ALTER TABLE {}.upload_jobs DISABLE ROW LEVEL SECURITY").format(staging)],
        "P4-48-sensitive-column": [
            sql.SQL("CREATE TABLE {}.accounts (id bigint PRIMARY KEY, email text, password text)").format(staging),
            sql.SQL("ALTER TABLE {}.accounts OWNER TO {}").format(staging, worker),
            to_anon.format(staging, sql.Identifier("accounts"))],
        "P4-49-definer-view": [
            sql.SQL("CREATE VIEW {s}.job_overview AS SELECT id, status FROM {s}.upload_jobs").format(s=staging),
            sql.SQL("ALTER VIEW {}.job_overview OWNER TO {}").format(staging, worker),
            to_anon.format(staging, sql.Identifier("job_overview"))],
        "P4-50-mutable-definer": [
            sql.SQL("CREATE FUNCTION {s}.queued_count() RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER AS "
                    "$$ BEGIN RETURN (SELECT count(*) FROM upload_jobs WHERE status = 'queued'); END $$").format(
                s=staging),
            sql.SQL("ALTER FUNCTION {}.queued_count() OWNER TO {}").format(staging, worker)],
        "P4-51-public-bucket": [sql.SQL("UPDATE storage.buckets SET public = true WHERE id = {}").format(
            sql.Literal(bucket))],
    }


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
