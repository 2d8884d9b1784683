"""One vocabulary for a service of any role: name it by its role, then say what Render must report of it.

A ``Given`` names a role the profile maps to a service (``RENDER_SERVICES``); every ``Then its …`` judges
the service the scenario's latest ``Given`` named (``the worker service …`` names the worker role).
Each step's docstring says what it judges and gives an example: ``phasegate steps`` prints them.
"""

from pytest_bdd import given, parsers, then

from phasegate.catalogue.criteria import reads
from phasegate.judges import env, logs, service
from phasegate.judges.service import FIELDS
from phasegate.record import evidence

from steps.subject import role_service

ROLE = r'"(?P<role>[a-z][a-z0-9_-]*)"'
WORDINGS = "|".join(w for w in FIELDS if w != "id")


def _named(snapshot, profile, services_named, role: str, title: str):
    target = role_service(snapshot, profile, role)
    evidence.attach_json(f"{title} of the {role} service {target.name!r} (redacted)", target.redacted())
    evidence.link_service(target.dashboard_url, snapshot.sandbox)
    target.service  # noqa: B018 - an ambiguous or missing service breaks the scenario here
    return services_named.name(role, target)


@given(parsers.re(rf"the {ROLE} service as Render reports it"))
@reads("service", role="{role}")
def role_as_reported(snapshot, profile, services_named, role):
    """The service playing the role, as Render reports it: the steps after it judge this service.

    Example: Given the "web" service as Render reports it
    """
    _named(snapshot, profile, services_named, role, "Render service")


@given(parsers.re(rf"the {ROLE} service's effective environment on Render"))
@reads("service", "env", role="{role}")
def role_environment(snapshot, profile, services_named, role):
    """The service and its effective environment: its own variables over those of its linked groups.

    Example: Given the "web" service's effective environment on Render
    """
    _named(snapshot, profile, services_named, role, "Render service and effective environment")


@given(parsers.re(rf"the {ROLE} service's resource usage over the last hour on Render"))
@reads("service", "metrics", role="{role}")
def role_usage(snapshot, profile, services_named, role):
    """The service and its memory and CPU over the last hour, with their limits.

    Example: Given the "api" service's resource usage over the last hour on Render
    """
    _named(snapshot, profile, services_named, role, "Render service and metrics")


@then("exactly one service carries that name")
@reads("service")
def exactly_one(services_named):
    """Render lists exactly one service under the name the profile gives the role.

    Example: Then exactly one service carries that name
    """
    service.exactly_one_named(services_named.it)


@then(parsers.re(rf'its (?P<wording>{WORDINGS}) is "(?P<expected>[^"]*)"'))
@reads("service")
def service_field(services_named, wording, expected):
    """A field of the service as Render reports it: type, runtime, region, plan, branch, Dockerfile (path), start,
    build and pre-deploy command, publish path, health check path, root directory, auto-deploy trigger, URL,
    number of instances. Paths read the same with or without ./; commands with any spacing.

    Example: Then its type is "static_site"
    Example: Then its build command is "npm ci && npm run build"
    Example: Then its publish path is "dist"
    """
    service.service_field(services_named.it, wording, expected)


@then(parsers.re(r'its build filter (?P<which>includes|ignores) "(?P<pattern>[^"]*)"'))
@reads("service")
def build_filter(services_named, which, pattern):
    """A path pattern of the service's build filter: among its included paths, or its ignored ones.

    Example: Then its build filter includes "backend/**"
    """
    service.build_filter(services_named.it, pattern, ignored=which == "ignores")


@then("it is not suspended")
@reads("service")
def not_suspended(services_named):
    """Render reports the service not suspended, with no suspender.

    Example: Then it is not suspended
    """
    service.not_suspended(services_named.it)


@then("it deploys automatically")
@reads("service")
def deploys_automatically(services_named):
    """Auto-deploy is on: autoDeployTrigger commit or checksPass (autoDeploy yes without a trigger).

    Example: Then it deploys automatically
    """
    service.auto_deploy_on(services_named.it)


@then(parsers.parse('its latest deploy is "{status}"'))
@reads("deploys")
def latest_deploy(services_named, status):
    """The newest deploy's status (one still in flight is waited for up to DEPLOY_WAIT_SECONDS, then broken).

    Example: Then its latest deploy is "live"
    """
    service.latest_deploy(services_named.it, status)


@then(parsers.parse('its custom domain "{name}" is verified'))
@reads("custom_domains")
def custom_domain_verified(services_named, name):
    """A custom domain of that name is on the service and Render reports it verified.

    Example: Then its custom domain "staging.uploads.example.com" is verified
    """
    service.custom_domain_verified(services_named.it, name)


@then(parsers.parse('"{key}" is "{expected}"'))
@reads("env")
def variable_is(services_named, key, expected):
    """A variable of the service's effective environment has exactly this value (true/false in any case).

    Example: Then "VITE_API_URL" is "https://upload-api-staging.onrender.com"
    """
    env.env_equals(services_named.it, key, expected)


@then(parsers.re(rf'"(?P<key>[^"]+)" is the {ROLE} service\'s URL'))
@reads("env", "{role}:service")
def variable_is_url_of(snapshot, profile, services_named, key, role):
    """A variable of the service's effective environment holds another role's URL, as Render reports it.

    Example: Then "VITE_API_URL" is the "api" service's URL
    """
    env.env_is_url_of(services_named.it, key, role_service(snapshot, profile, role))


@then(parsers.parse('"{key}" is set and not empty'))
@reads("env")
def variable_set(services_named, key):
    """A variable of the service's effective environment is set, and not empty or blank.

    Example: Then "DATABASE_URL" is set and not empty
    """
    env.env_present(services_named.it, [key])


@then(parsers.parse('"{key}" is absent from the service, its environment groups and its secret files'))
@reads("env", "secret_files")
def variable_absent(services_named, key):
    """No variable nor secret file of that name on the service or in any environment group linked to it.

    Example: Then "JWT_SECRET" is absent from the service, its environment groups and its secret files
    """
    env.key_absent(services_named.it, key)


@then(parsers.re(r"at least (?P<percent>\d+(?:\.\d+)?)% of its log lines in the last hour are structured "
                 r"\(JSON with a level\)"))
@reads("logs")
def logs_structured(services_named, percent):
    """Of the service's log lines in the last hour (Render's GET /logs), at least that share are JSON objects naming
    their level (level, levelname or severity). No line in the hour: broken, never passed. Evidence: counts and a
    few scrubbed, truncated samples.

    Example: Then at least 95% of its log lines in the last hour are structured (JSON with a level)
    """
    evidence.attach_json("Render log lines of the last hour (counts, scrubbed samples)",
                         logs.log_summary(services_named.it))
    logs.structured_share(services_named.it, float(percent))


@then('it logged no line at level "error" since its live deploy')
@reads("deploys", "logs", "log_errors")
def no_error_logged(services_named):
    """Render's logs hold no line labelled level error since the live deploy was created. A service that logged
    nothing in the last hour is broken, never passed. Evidence: counts and a few scrubbed, truncated samples.

    Example: Then it logged no line at level "error" since its live deploy
    """
    evidence.attach_json("Render log lines at level error since the live deploy (counts, scrubbed samples)",
                         _errors_evidence(services_named.it))
    logs.no_error_lines(services_named.it)


def _errors_evidence(target) -> dict:
    read = target.log_errors if "log_errors" in target.read else None
    if read is None:
        return {"read": False}
    return {"since": read.start, "error_lines": len(read.lines), "more_unread": read.more,
            "samples": [logs.sample(line.message) for line in read.lines[:logs.SAMPLES]]}


@then("a failing deploy of it notifies someone")
@reads("service", "notifications")
def failing_deploy_notifies(services_named):
    """The owner's notification settings send email or Slack and failure notifications (failure or all), and the
    service's own override does not turn them to none.

    Example: Then a failing deploy of it notifies someone
    """
    target = services_named.it
    if "notifications" in target.read and target.notifications:
        settings, override = target.notifications
        evidence.attach_json("Render notification settings (owner) and the service's override", {
            "email_enabled": settings.email_enabled, "slack_enabled": settings.slack_enabled,
            "owner_sends": settings.notifications_to_send, "service_override": override.notifications_to_send})
    logs.failing_deploy_notifies(target)
