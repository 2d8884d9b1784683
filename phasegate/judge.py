"""Moved to phasegate.judges.service and phasegate.judges.env; kept so other modules' imports hold."""

from phasegate.judges.violation import Violation  # noqa: F401
from phasegate.judges.service import exactly_one_named, _FIELDS, service_field, not_suspended, latest_deploy, AUTO_DEPLOY_TRIGGERS_ON, auto_deploy_on  # noqa: F401
from phasegate.judges.env import SERVICE_URL_KEYS, env_equals, env_present, same_name, key_absent, no_shared_secrets, values_differ  # noqa: F401
