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
    Then the connection is encrypted unless the database is local

  @P4-41 @critical @security @staging @production
  Scenario: The staging schema exists
    The schema is the environment's (staging: upload_pipeline_staging).
    Then the environment's schema exists

  @P4-42 @critical @security @staging
  Scenario: The worker uses staging-specific credentials
    Then the worker's role is staging-specific: not production's, not a superuser, not postgres

  @P4-43 @critical @security @staging
  Scenario: The worker cannot reach the production schema
    Neither through its own database role nor through a Supabase key it holds: a key reaches the
    database through the Data API as the role it names, and is judged like the worker's own.
    Then the worker's role has no privilege on the production schema or any of its tables
    And no Supabase key the worker holds opens a door into the production schema

  @P4-44 @critical @security @staging
  Scenario: Unqualified names resolve to the staging schema
    Then unqualified names resolve to the environment's schema and never to production's

  @P4-45 @staging @production
  Scenario: Timeouts suit background processing
    Then statement and idle-in-transaction timeouts are set for the worker

  @P4-46 @staging @production
  Scenario: The job queue exists with retry bookkeeping
    Then the queue table exists with a status and retry bookkeeping

  @P4-47 @staging @production
  Scenario: The worker holds live connections within its pool size
    Then the worker holds at least one session and no more than its pool size

  @P4-48 @critical @security @staging
  Scenario: Every table the Data API serves has row-level security
    Supabase's security advisor (rls_disabled_in_public, sensitive_columns_exposed): a table that anonymous
    or signed-in callers may use through the Data API without row-level security hands out every row.
    Then every table the Data API serves to anonymous and signed-in callers has row-level security

  @P4-49 @security @staging
  Scenario: No view the Data API serves bypasses row-level security
    Supabase's security advisor (security_definer_view): such a view reads with its owner's rights.
    Then no view the Data API serves runs with its owner's rights

  @P4-50 @security @staging
  Scenario: Definer functions the Data API may run pin their search_path
    Supabase's security advisor (function_search_path_mutable), for the SECURITY DEFINER functions
    anonymous or signed-in callers may run: a caller's schema must not shadow what they name.
    Then every SECURITY DEFINER function the Data API's roles may run pins its search_path

  @P4-51 @critical @security @staging
  Scenario: The worker's storage bucket is private
    The bucket the worker is told to use (SUPABASE_STORAGE_BUCKET) is not public in Supabase Storage.
    Then the storage bucket named by "SUPABASE_STORAGE_BUCKET" is private
