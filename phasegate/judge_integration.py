"""Moved to phasegate.judges.integration; kept so other modules' imports hold."""

from phasegate.judges.integration import same_service_field, shared_settings_not_overridden, _url, _database_identity, same_database, _sentry_project, same_sentry_project  # noqa: F401
