@render
Feature: Service configuration
  The Phase 4 report says the staging worker runs on Render as a Docker background
  worker in Oregon on the Starter plan, deploying automatically from the staging branch.
  Each claim below is read from Render once per run and judged here.

  @P4-01 @blocker @staging @production
  Scenario: Exactly one service carries the worker's name
    Fix: rename the service in Render (Settings → Name) so exactly one service carries the profile's name, or
    set RENDER_SERVICES / RENDER_SERVICE_NAME to the name it has.
    Given the services Render lists under the worker's name
    Then exactly one service carries that name

  @P4-02 @staging @production
  Scenario: The service has the expected id
    The id recorded for this environment.
    Fix: set RENDER_SERVICE_ID to the id Render shows for the service (its dashboard URL ends with it), or
    find out why another service now carries the name.
    Given the worker service as Render reports it
    Then its id is the one recorded for this environment

  @P4-03 @critical @regression @security @staging @production
  Scenario: The service is a background worker
    It was first created as a web service.
    Fix: create the service again as a Background Worker (Render cannot change a service's type) and move its
    environment, then delete the web service.
    Given the worker service as Render reports it
    Then its type is "background_worker"

  @P4-04 @staging @production
  Scenario: The service runs on Docker
    Fix: set the service's runtime to Docker (Settings → Build & Deploy → Runtime), or recreate it from the
    Dockerfile.
    Given the worker service as Render reports it
    Then its runtime is "docker"

  @P4-05 @staging @production
  Scenario: The service runs in Oregon
    Fix: Render cannot move a service between regions: create it again in Oregon (the database's region), then
    move its environment.
    Given the worker service as Render reports it
    Then its region is "oregon"

  @P4-06 @staging @production
  Scenario: The service is on the Starter plan
    Fix: change the instance type to Starter (Settings → Instance Type).
    Given the worker service as Render reports it
    Then its plan is "starter"

  @P4-07 @critical @staging @production
  Scenario: The service is not suspended
    Fix: resume the service (the dashboard's Resume Service button, or POST /services/{id}/resume) after
    finding out who suspended it.
    Given the worker service as Render reports it
    Then it is not suspended

  @P4-08 @critical @staging @production
  Scenario: The latest deploy is live
    Fix: open the failing deploy's logs on the service's Events page, fix the build or start error, and deploy
    again (Manual Deploy → Deploy latest commit).
    Given the worker service as Render reports it
    Then its latest deploy is "live"

  @P4-09 @regression @staging @production
  Scenario: The service builds from the worker Dockerfile
    It once used the wrong one.
    Fix: set Dockerfile Path to the worker's Dockerfile (Settings → Build & Deploy → Dockerfile Path) and
    deploy again.
    Given the worker service as Render reports it
    Then its Dockerfile is "./backend/workers/Dockerfile"

  @P4-10 @staging @production
  Scenario: The service starts the enhanced worker runner
    Fix: set the Docker Command to the enhanced worker runner (Settings → Build & Deploy → Docker Command) and
    deploy again.
    Given the worker service as Render reports it
    Then its start command is "python backend/workers/enhanced_runner.py"

  @P4-11 @critical @regression
  Scenario Outline: The service deploys from the staging branch
    Each environment deploys from its own branch; staging was once on deployment/cloud-infrastructure.
    Fix: set Branch to staging (Settings → Build & Deploy → Branch) and deploy again.
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
    Fix: turn Auto-Deploy on (Settings → Build & Deploy → Auto-Deploy: On Commit).
    Given the worker service as Render reports it
    Then it deploys automatically
