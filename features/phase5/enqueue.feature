@database
Feature: Enqueuing from the API
  The API hands the worker jobs by inserting them into the shared queue table with its own
  database role. Read in a second read-only session of its own, opened with the API's
  DATABASE_URL as Render reports it, so every privilege read is the API role's; the worker's
  session plays no part here.

  @P5-05 @critical @staging
  Scenario: The API's database role can enqueue and cannot reach production
    It may insert into the queue and draw the job ids; it has no privilege in the production schema,
    neither through its own role nor through a Supabase key it holds.
    Fix: as the queue's owner: GRANT USAGE ON SCHEMA <staging schema> TO <the API's role>; GRANT INSERT ON
    <the queue> TO <the API's role>; GRANT USAGE ON SEQUENCE <its id sequence> TO <the API's role>; and close
    every door into production the message names (REVOKE …, for the API's role and the roles its keys act as).
    Given the API service as Render reports it
    And the API's database, reached with the API's own credentials
    Then the API's role may insert jobs into the queue table and draw their ids
    And the API's role has no privilege on the production schema or any of its tables
    And no Supabase key the API holds opens a door into the production schema
