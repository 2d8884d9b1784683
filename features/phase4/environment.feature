@render
Feature: Environment variables
  The worker's effective environment is its own variables plus those of every
  environment group linked to it. Values of secrets are never shown: only their names,
  and for comparisons with production a keyed fingerprint.

  Background:
    Given the worker's effective environment on Render

  @P4-20 @critical @security
  Scenario Outline: ENVIRONMENT names the environment
    Fix: set ENVIRONMENT to the environment's name on the service or its environment group (Environment →
    Edit) and deploy again.
    Then "ENVIRONMENT" is "<environment>"

    @staging
    Examples: staging
      | environment |
      | staging     |

    @production
    Examples: production
      | environment |
      | production  |

  @P4-21 @critical @security @staging @production
  Scenario: Debug mode is off
    Fix: set DEBUG=false on the service or its environment group (Environment → Edit) and deploy again.
    Then "DEBUG" is "false"

  @P4-22 @staging @production
  Scenario: Log level is INFO
    Fix: set LOG_LEVEL=INFO on the service or its environment group (Environment → Edit) and deploy again.
    Then "LOG_LEVEL" is "INFO"

  @P4-23 @critical @regression @staging @production
  Scenario Outline: Database connection variables are set
    Fix: add the missing database variables (Environment → Edit) with the staging database's values, never
    production's, and deploy again.
    Then "<variable>" is set and not empty

    Examples:
      | variable     |
      | DATABASE_URL |

  @P4-24 @critical @staging @production
  Scenario Outline: Supabase variables are set
    Fix: add the missing Supabase variables (Environment → Edit) with the staging project's values and deploy
    again.
    Then "<variable>" is set and not empty

    Examples:
      | variable                  |
      | SUPABASE_URL              |
      | SUPABASE_SERVICE_ROLE_KEY |

  @P4-25 @staging @production
  Scenario Outline: Worker variables are set
    Fix: add the missing worker variables (Environment → Edit) and deploy again.
    Then "<variable>" is set and not empty

    Examples:
      | variable                     |
      | WORKER_CONCURRENCY           |
      | WORKER_MAX_RETRIES           |
      | WORKER_POLL_INTERVAL_SECONDS |

  @P4-26 @staging @production
  Scenario Outline: External API keys are set
    Fix: add the missing external API keys (Environment → Edit), each a staging key of its own, and deploy
    again.
    Then "<variable>" is set and not empty

    Examples:
      | variable           |
      | OPENAI_API_KEY     |
      | LLAMAPARSE_API_KEY |

  @P4-27 @critical @security @staging @production
  Scenario: JWT_SECRET is absent
    Fix: delete JWT_SECRET from the service, its environment groups and its secret files (the worker signs no
    token), and deploy again.
    Then "JWT_SECRET" is absent from the service, its environment groups and its secret files

  @P4-28 @critical @security @staging
  Scenario: No secret is shared with production
    Fix: rotate each shared secret: issue a staging-only value at its provider, set it on the staging service,
    and revoke nothing production uses.
    Given production's effective environment on Render
    Then no secret has the same value in both environments

  @P4-29 @critical @security @staging
  Scenario: Service URLs are staging-specific
    Fix: point each service URL at the staging endpoint (Environment → Edit) and deploy again.
    Given production's effective environment on Render
    Then "SUPABASE_URL" differs from production's
