@policy
Feature: Environment-wide policy
  Every service of the environment — each service whose name matches the profile's
  pattern (staging: *-staging) — follows the same rules as the Phase 4 worker. Its
  production counterpart is the service of the same name without the suffix. Which keys
  a service must not hold depends on its type: a background worker must not hold
  JWT_SECRET; a web API may.

  @staging @production
  Scenario: <service> follows the environment's policy
    Given the environment's service "<service>" on Render
    Then it follows every rule of the environment's policy:
      | rule                                              |
      | deploys from the environment's branch             |
      | is not suspended                                  |
      | has ENVIRONMENT set to the environment's name     |
      | shares no secret with its production counterpart  |
      | holds none of the keys forbidden for its type     |
