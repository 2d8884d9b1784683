@operations
Feature: Operations
  The report says "Memory Usage: Stable", "CPU Usage: Within acceptable limits" and
  "Error Tracking: Failed job monitoring". Here they are measured: Render's metrics for
  the last hour against the plan's limits, Render's events since the deploy that is live, and
  the job queue itself. The threshold comes from the profile (reference: 80 %).

  @P4-60 @render @staging @production
  Scenario: Memory stays under the threshold
    The threshold is a share of the plan's memory.
    Fix: find what holds the memory on the service's Metrics page (a leak, a too-large batch), fix it or lower
    WORKER_CONCURRENCY, or move to a larger instance type.
    Given the worker's resource usage over the last hour on Render
    Then its memory stays under the threshold of its limit

  @P4-61 @render @staging @production
  Scenario: CPU stays under the threshold
    The threshold is a share of the plan's CPU.
    Fix: find what uses the CPU on the service's Metrics page (a busy poll, a too-large batch), fix it or
    lower WORKER_CONCURRENCY, or move to a larger instance type.
    Given the worker's resource usage over the last hour on Render
    Then its CPU stays under the threshold of its limit

  @P4-62 @critical @render @staging @production
  Scenario: No failure events since the deploy that is live
    Fix: open each failure event on the service's Events page, fix its cause (a crash, an out-of-memory kill,
    a failed deploy), and deploy again.
    Given the worker service as Render reports it
    Then none of these failure events happened since the deploy that is live:
      | Render event type          | counts as a failure when |
      | server_failed              | always                   |
      | server_hardware_failure    | always                   |
      | image_pull_failed          | always                   |
      | artifact_fetch_failed      | always                   |
      | build_ended                | its status is failed     |
      | deploy_ended               | its status is failed     |
      | pre_deploy_ended           | its status is failed     |

  @P4-63 @database @staging @production
  Scenario: No job is stuck in a running state
    Fix: look at the stuck jobs' last_error and the worker's logs; requeue them (UPDATE … SET status =
    'queued' WHERE id IN (…)) once the worker that held them is gone, and fix what stalled it.
    Given the worker's database, reached with the worker's own credentials
    Then no job has been running for longer than the stuck threshold

  @P4-64 @render @staging @production
  Scenario: Its log lines are structured
    The report says "Logging: Structured logging implemented". Render's logs of the last hour are read
    (counts and a few scrubbed samples are the evidence, never the lines); an hour without a line is not judged.
    Fix: configure the worker's logger to write one JSON object per line with its level (e.g. python-json-logger
    or structlog's JSONRenderer), including at start-up, and deploy again.
    Given the worker service as Render reports it
    Then at least 95% of its log lines in the last hour are structured (JSON with a level)

  @P4-65 @render @staging @production
  Scenario: No error logged since the deploy that is live
    Fix: open the service's Logs page filtered to level error since the live deploy, fix the cause of each line,
    and deploy again.
    Given the worker service as Render reports it
    Then it logged no line at level "error" since its live deploy

  @P4-66 @critical @render @staging @production
  Scenario: A failing deploy notifies someone
    The report says "Service Status: Monitored via Render dashboard": whether a failing deploy reaches a
    person is Render's notification settings, the owner's and the service's own override.
    Fix: in the workspace's Notification settings enable email or Slack and send failure notifications (or all),
    and set the service's own notification override to the default (not none).
    Given the worker service as Render reports it
    Then a failing deploy of it notifies someone
