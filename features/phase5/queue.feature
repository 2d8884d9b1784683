@database
Feature: Job queue readiness
  The API enqueues jobs into the shared queue table and the worker claims them with
  FOR UPDATE SKIP LOCKED, finishes them, and records failures. Read in the worker's own
  read-only session, through the connection string it is given on Render.

  Background:
    Given the worker's database, reached with the worker's own credentials

  @P5-06 @critical @staging
  Scenario: The worker can claim and finish jobs
    Fix: as the queue's owner: GRANT SELECT, UPDATE ON <the queue> TO <the worker's role>;
    Then the worker's role may read and update the queue table

  @P5-07 @staging
  Scenario: Failures are recorded
    Fix: add what is missing: ALTER TABLE <the queue> ADD COLUMN last_error text; allow the failed state in
    the status column's CHECK or enum; move jobs past their attempts to it.
    Then the queue records failures: a last_error, a failed state, and no job past its attempts elsewhere
