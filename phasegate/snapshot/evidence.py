"""The snapshot as evidence: JSON-ready, without a single secret value.

Secrets are shown masked (the setting's ``shown``); database sessions are described by
host, role and grants, never by their connection strings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..render.models import Deploy, Service


def service_evidence(target) -> dict:
    """One service snapshot (a ServiceSnapshot) as evidence: the parts that were read."""
    data: dict = {"name": target.name, "matches": [_service_fields(s) for s in target.matches]}
    if "env" in target.read:
        data["env"] = {k: {"value": s.shown(), "source": s.source} for k, s in sorted(target.effective_env.items())}
        data["env_groups"] = [{"id": g.id, "name": g.name} for g in target.env_groups]
    if "secret_files" in target.read:
        data["secret_files"] = [name for name, _ in target.all_secret_file_names]
    if "deploys" in target.read:
        data["deploys"] = [_deploy_fields(d) for d in target.deploys]
    if "events" in target.read:
        data["events"] = [{"id": e.id, "type": e.type, "timestamp": e.timestamp} for e in target.events]
    if "custom_domains" in target.read:
        data["custom_domains"] = [{"name": d.name, "verification_status": d.verification_status}
                                  for d in target.custom_domains]
    for part in ("logs", "log_errors"):  # a log line may hold a secret: counts and the window only
        read = getattr(target, part) if part in target.read else None
        if read is not None:
            data[part] = {"lines": len(read.lines), "from": read.start, "to": read.end, "more_unread": read.more}
    if "notifications" in target.read and target.notifications:
        data["notifications"] = _notifications(*target.notifications)
    if "metrics" in target.read:
        data["metrics"] = {kind: [{"unit": s.unit, "points": len(s.points)} for s in series]
                           for kind, series in target.metrics.items()}
    return data


def _notifications(settings, override) -> dict:
    return {"owner": {"email_enabled": settings.email_enabled, "slack_enabled": settings.slack_enabled,
                      "notifications_to_send": settings.notifications_to_send},
            "service_override": {"notifications_to_send": override.notifications_to_send}}


def snapshot_evidence(snapshot) -> dict:
    """The whole snapshot (a Snapshot) as evidence: its services and both database sessions."""
    data = {
        "environment": snapshot.environment,
        "sandbox": snapshot.sandbox,
        "api_url": snapshot.api_url,
        "taken_at": snapshot.taken_at,
        "staging": snapshot.staging.redacted() if snapshot.staging else None,  # the worker role, by its old name
        "production": snapshot.production.redacted() if snapshot.production else None,
        "requests_made": snapshot.requests_made,
    }
    if snapshot.api is not None:
        data["api"] = snapshot.api.redacted()
    others = {role: target.redacted() for role, target in snapshot.services.items() if role not in ("worker", "api")}
    if others:  # every other role the run read, by role
        data["services"] = others
    counterparts = {role: t.redacted() for role, t in snapshot.production_services.items() if role != "worker"}
    if counterparts:
        data["production_services"] = counterparts
    if snapshot.database_source is not None:
        data["database"] = {
            "source": snapshot.database_source,
            "worker_url": snapshot.worker_database.describe() if snapshot.worker_database else None,
            "error": str(snapshot.database_error) if snapshot.database_error else None,
            "identity": snapshot.database_identity,
        }
        facts = snapshot.database
        if facts is not None:  # what a diff between runs should see: who the worker is, what it may reach
            data["database"]["grants"] = {
                "role": facts.current_user,
                "superuser": bool(facts.role.get("rolsuper")),
                "member_of": sorted(facts.role.get("member_of") or []),
                "production_schema_usage": facts.production_schema_usage,
                "production_table_privileges": sorted(
                    f"{g.get('privilege')} on {g.get('table')}" for g in facts.production_table_privileges),
                "production_doors": sorted(f"{d['kind']} {d['object']}" for d in facts.production_doors),
                "search_path": list(facts.search_path_effective),
            }
    if snapshot.api_database_source is not None:
        data["api_database"] = _api_database(snapshot)
    if snapshot.endpoints or snapshot.endpoint_errors:
        data["endpoints"] = endpoints_evidence(snapshot)
    return data


def _api_database(snapshot) -> dict:
    """The API's read-only session as evidence: where, how pooled, and what its role may do."""
    api_facts = snapshot.api_database
    session = {
        "source": snapshot.api_database_source,
        "url": api_facts.target.describe() if api_facts is not None else None,
        "error": str(snapshot.api_database_error) if snapshot.api_database_error else None,
        "pooling": api_facts.pooling if api_facts is not None else None,
        "identity": snapshot.api_database_identity,
    }
    if api_facts is not None:  # what a diff between runs should see: what the API's role may do
        queue = api_facts.queue_table
        session["grants"] = {
            "role": api_facts.current_user,
            "member_of": sorted(api_facts.role.get("member_of") or []),
            "queue": {k: queue.get(k) for k in ("schema_usage", "insert")},
            "id_sequences": [f"{s['column']}: {s['kind']}, USAGE {s['usage']}" for s in queue["id_sequences"]],
            "production_schema_usage": api_facts.production_schema_usage,
            "production_table_privileges": sorted(
                f"{g.get('privilege')} on {g.get('table')}" for g in api_facts.production_table_privileges),
            "production_doors": sorted(f"{d['kind']} {d['object']}" for d in api_facts.production_doors),
        }
    return session


def endpoints_evidence(snapshot) -> dict:
    """What each probe read (a body only as a redacted sample: endpoints.facts), or why it could not."""
    found = {need[len("probe "):]: fact.evidence() for need, fact in sorted(snapshot.endpoints.items())}
    found.update({need[len("probe "):]: {"error": str(error)} for need, error in sorted(snapshot.endpoint_errors.items())})
    return found


def _service_fields(service: Service) -> dict:
    fields = (
        "id", "name", "type", "runtime", "region", "plan", "branch", "auto_deploy", "auto_deploy_trigger",
        "suspended", "suspenders", "dockerfile_path", "docker_command", "start_command", "dashboard_url",
    )
    extra = ("build_command", "publish_path", "url", "health_check_path", "root_dir", "pre_deploy_command")
    # A field the worker's evidence never carried is shown only when Render gives it (the worker's stays as it was).
    fields += tuple(name for name in extra if getattr(service, name, None))
    return {name: _plain(getattr(service, name, None)) for name in fields}


def _deploy_fields(deploy: Deploy) -> dict:
    fields = ("id", "status", "trigger", "created_at", "finished_at", "commit_id", "commit_message")
    return {name: getattr(deploy, name, None) for name in fields}


def _plain(value):
    return list(value) if isinstance(value, tuple) else value
