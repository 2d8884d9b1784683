"""Moved to phasegate.judges.database; kept so other modules' imports hold."""

from phasegate.judges.database import TLS_REQUIRED, connection_secure, schema_exists, staging_credentials, production_doors, production_unreachable, search_path_staging, timeouts_set, queue_ready, sessions_not_judgeable, sessions_within_pool, no_stuck_jobs, _queue, worker_can_claim, failures_recorded, api_can_enqueue  # noqa: F401
