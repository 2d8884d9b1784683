@render
Feature: Service integration
  The hand-written report ends with Phase 5: the worker is "ready" for the API
  (upload-api-staging, a Render web service) to hand it jobs through the shared database.
  Each readiness claim is read here from Render, for both services, in the same snapshot
  as the worker's. Values of secrets are never shown: connection strings and Sentry DSNs
  are compared part by part, by keyed fingerprint.

  @P5-01 @blocker @staging
  Scenario: The API service is deployed and live
    It is the only service of its name, a web service, not suspended, deploying from the staging branch.
    Fix: deploy the API (Manual Deploy → Deploy latest commit) and fix what its failed deploy's logs show.
    Given the API service as Render reports it
    Then exactly one API service carries that name
    And the API's type is "web_service"
    And the API is not suspended
    And the API's branch is "staging"
    And the API's latest deploy is "live"

  @P5-02 @staging
  Scenario: The API and the worker run in the same region
    Fix: create the API again in the worker's region (Render cannot move a service), so both reach each other
    and the database over the private network.
    Given the API service as Render reports it
    And the worker service as Render reports it
    Then the API and the worker run in the same region

  @P5-03 @critical @staging
  Scenario: Both services say they are staging and share their integration settings unchanged
    Fix: set ENVIRONMENT=staging on both and give the API and the worker the same values of the integration
    settings the message names (an environment group both link is the simplest).
    Given the API service as Render reports it
    And the worker's effective environment on Render
    Then "ENVIRONMENT" is "staging" on the worker and on the API
    And every setting the two share through an environment group has the group's value on both

  @P5-04 @critical @staging
  Scenario: Both services reach the same database
    Fix: give both services a DATABASE_URL to the same database (host, port and name), each with its own role.
    Given the API service as Render reports it
    And the worker's effective environment on Render
    Then the API's and the worker's DATABASE_URL name the same host, port and database

  @P5-08 @staging
  Scenario: Monitoring is integrated
    Fix: give the API the same monitoring settings as the worker (the variables the message names), and deploy
    again.
    Given the API service as Render reports it
    And the worker's effective environment on Render
    Then "SENTRY_DSN" is set on the worker and on the API and names the same Sentry project
    And "SENTRY_ENVIRONMENT" is "staging" on the worker and on the API
