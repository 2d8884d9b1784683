"""Wiring only: the phasegate plugin, the reports it hands each run folder to, and the step definitions."""

pytest_plugins = [
    "phasegate.pytest_plugin.hooks",
    "phasegate.pytest_plugin.fixtures",
    "phasegate.report.at_session_end",
    "steps.subject",
    "steps.service_vocabulary",
    "steps.endpoint_steps",
    "steps.service_steps",
    "steps.environment_steps",
    "steps.database_steps",
    "steps.operations_steps",
    "steps.integration_steps",
    "steps.policy_steps",
    "steps.round_trip_steps",
    "steps.pending_steps",
]
