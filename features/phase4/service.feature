@render
Feature: Service configuration
  The Phase 4 report says the staging worker runs on Render as a Docker background
  worker in Oregon on the Starter plan, deploying automatically from the staging branch.
  Each claim below is read from Render once per run and judged here.

  @P4-01 @blocker @staging @production
  Scenario: Exactly one service carries the worker's name
    Given the services Render lists under the worker's name
    Then exactly one service carries that name

  @P4-02 @staging @production
  Scenario: The service has the expected id
    The id recorded for this environment.
    Given the worker service as Render reports it
    Then its id is the one recorded for this environment

  @P4-03 @critical @regression @security @staging @production
  Scenario: The service is a background worker
    It was first created as a web service.
    Given the worker service as Render reports it
    Then its type is "background_worker"

  @P4-04 @staging @production
  Scenario: The service runs on Docker
    Given the worker service as Render reports it
    Then its runtime is "docker"

  @P4-05 @staging @production
  Scenario: The service runs in Oregon
    Given the worker service as Render reports it
    Then its region is "oregon"

  @P4-06 @staging @production
  Scenario: The service is on the Starter plan
    Given the worker service as Render reports it
    Then its plan is "starter"

  @P4-07 @critical @staging @production
  Scenario: The service is not suspended
    Given the worker service as Render reports it
    Then it is not suspended

  @P4-08 @critical @staging @production
  Scenario: The latest deploy is live
    Given the worker service as Render reports it
    Then its latest deploy is "live"

  @P4-09 @regression @staging @production
  Scenario: The service builds from the worker Dockerfile
    It once used the wrong one.
    Given the worker service as Render reports it
    Then its Dockerfile is "./backend/workers/Dockerfile"

  @P4-10 @staging @production
  Scenario: The service starts the enhanced worker runner
    Given the worker service as Render reports it
    Then its start command is "python backend/workers/enhanced_runner.py"

  @P4-11 @critical @regression
  Scenario Outline: The service deploys from the staging branch
    Each environment deploys from its own branch; staging was once on deployment/cloud-infrastructure.
    Given the worker service as Render reports it
    Then its branch is "<branch>"

    @staging
    Examples: staging
      | branch  |
      | staging |

    @production
    Examples: production
      | branch |
      | main   |

  @P4-12 @staging @production
  Scenario: Auto-deploy is on
    Given the worker service as Render reports it
    Then it deploys automatically
