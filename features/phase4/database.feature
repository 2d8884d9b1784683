@database
Feature: Database isolation
  The report says the worker uses staging-specific credentials and a schema isolated from
  production, with timeouts and retry bookkeeping fit for background jobs. Every check
  below is made through the connection string the worker itself is given, in a
  read-only session, so the sign-off proves what the worker can really do.

  The names come from the environment's profile. Staging's reference values: schema
  upload_pipeline_staging, production schema upload_pipeline, queue table upload_jobs,
  pool size 10, stuck threshold 15 minutes.

  Background:
    Given the worker's database, reached with the worker's own credentials

  @P4-40 @critical @regression @security @staging @production
  Scenario: The worker's database connection works, over TLS unless local
    The connection is encrypted unless the database is local.
    Fix: give the worker a DATABASE_URL that connects (database name, host, password as Supabase's Connect
    panel shows them) and ends in ?sslmode=require for a remote host.
    Then the connection is encrypted unless the database is local

  @P4-41 @critical @security @staging @production
  Scenario: The staging schema exists
    The schema is the environment's (staging: upload_pipeline_staging).
    Fix: create the staging schema as its owner: CREATE SCHEMA upload_pipeline_staging AUTHORIZATION <the
    worker's role>; then run the migrations against it.
    Then the environment's schema exists

  @P4-42 @critical @security @staging
  Scenario: The worker uses staging-specific credentials
    Fix: create a role of its own for the worker (CREATE ROLE … LOGIN PASSWORD …; NOSUPERUSER), grant it only
    the staging schema, and put it in the worker's DATABASE_URL.
    Then the worker's role is staging-specific: not production's, not a superuser, not postgres

  @P4-43 @critical @security @staging
  Scenario: The worker cannot reach the production schema
    Neither through its own database role nor through a Supabase key it holds: a key reaches the
    database through the Data API as the role it names, and is judged like the worker's own.
    Fix: close each door the message names, in the database's SQL editor: REVOKE the privilege from the role
    or PUBLIC it names (REVOKE USAGE ON SCHEMA …, REVOKE … ON TABLE …), drop or re-own the view, rule or
    function, revoke the membership; for a key, revoke from the role it acts as (service_role, anon), or give
    the service a key of another project.
    Then the worker's role has no privilege on the production schema or any of its tables
    And no Supabase key the worker holds opens a door into the production schema

  @P4-44 @critical @security @staging
  Scenario: Unqualified names resolve to the staging schema
    Fix: ALTER ROLE <the worker's role> IN DATABASE <its database> SET search_path = upload_pipeline_staging;
    (no production schema, no "$user"), then restart the worker.
    Then unqualified names resolve to the environment's schema and never to production's

  @P4-45 @staging @production
  Scenario: Timeouts suit background processing
    Fix: ALTER ROLE <the worker's role> SET statement_timeout = '30s'; ALTER ROLE <the worker's role> SET
    idle_in_transaction_session_timeout = '60s'; (values that suit its longest job).
    Then statement and idle-in-transaction timeouts are set for the worker

  @P4-46 @staging @production
  Scenario: The job queue exists with retry bookkeeping
    Fix: run the migration that creates the queue table in the staging schema with status, attempts and
    max_attempts.
    Then the queue table exists with a status and retry bookkeeping

  @P4-47 @staging @production
  Scenario: The worker holds live connections within its pool size
    Fix: check the worker's logs for connection errors when there are none, or lower its pool size
    (WORKER_CONCURRENCY) when there are too many, and deploy again.
    Then the worker holds at least one session and no more than its pool size

  @P4-48 @critical @security @staging
  Scenario: Every table the Data API serves has row-level security
    Supabase's security advisor (rls_disabled_in_public, sensitive_columns_exposed): a table that anonymous
    or signed-in callers may use through the Data API without row-level security hands out every row.
    Fix: ALTER TABLE <the table> ENABLE ROW LEVEL SECURITY; then CREATE POLICY for who may see which rows
    (Supabase's security advisor shows each table).
    Then every table the Data API serves to anonymous and signed-in callers has row-level security

  @P4-49 @security @staging
  Scenario: No view the Data API serves bypasses row-level security
    Supabase's security advisor (security_definer_view): such a view reads with its owner's rights.
    Fix: ALTER VIEW <the view> SET (security_invoker = true); or REVOKE SELECT on it from anon and
    authenticated.
    Then no view the Data API serves runs with its owner's rights

  @P4-50 @security @staging
  Scenario: Definer functions the Data API may run pin their search_path
    Supabase's security advisor (function_search_path_mutable), for the SECURITY DEFINER functions
    anonymous or signed-in callers may run: a caller's schema must not shadow what they name.
    Fix: ALTER FUNCTION <the function> SET search_path = ''; and qualify every name it uses, or REVOKE EXECUTE
    on it from PUBLIC, anon and authenticated.
    Then every SECURITY DEFINER function the Data API's roles may run pins its search_path

  @P4-51 @critical @security @staging
  Scenario: The worker's storage bucket is private
    The bucket the worker is told to use (SUPABASE_STORAGE_BUCKET) is not public in Supabase Storage.
    Fix: make the bucket private in Supabase (Storage → the bucket → Edit → Public off), then serve its
    objects through signed URLs.
    Then the storage bucket named by "SUPABASE_STORAGE_BUCKET" is private
