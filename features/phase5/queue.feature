@database
Feature: Job queue readiness
  The API enqueues jobs into the shared queue table and the worker claims them with
  FOR UPDATE SKIP LOCKED, finishes them, and records failures. Read in the worker's own
  read-only session, through the connection string it is given on Render.

  Background:
    Given the worker's database, reached with the worker's own credentials

  @P5-06 @critical @staging
  Scenario: The worker can claim and finish jobs
    Then the worker's role may read and update the queue table

  @P5-07 @staging
  Scenario: Failures are recorded
    Then the queue records failures: a last_error, a failed state, and no job past its attempts elsewhere
