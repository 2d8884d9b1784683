@database
Feature: Round trip
  The readiness criteria say the API could hand the worker a job; here one really travels.
  With the API's own database credential a canary job is enqueued, tagged with this run's id,
  and followed until the worker has finished it; then it is removed. These are the only
  criteria that write, and only when asked (--active or PHASEGATE_ACTIVE=1, and the API
  role's database URL for them); a profile marked production is refused.

  Background:
    Given the queue, reached with the API's own credentials for canary jobs

  @P5-20 @critical @staging
  Scenario: A job the API enqueues is completed by the worker
    Fix: look at the canary job's status and last_error in the evidence and the worker's logs: is the worker
    polling this queue with the state names the profile gives (QUEUE_DONE_STATUS)?
    When the API enqueues a canary job
    Then the worker completes it at its first attempt within the bound

  @P5-21 @staging
  Scenario: A job that cannot succeed ends failed after its last attempt with its error recorded
    Fix: make the worker record last_error and move a job to the failed state (QUEUE_FAILED_STATUS) after its
    last attempt; the evidence shows where the canary job stopped.
    When the API enqueues a poison canary job
    Then the worker gives it up after exactly its max attempts with last_error set, within the bound
