"""The sentences of the step vocabulary a hand-written claim names, and the role of each service it is about.

A claim whose label names a field the vocabulary judges ("**Service Type**: ✅ Static site",
"**Build Branch**: ✅ `staging`", "✅ `DEBUG=false`", "**Auto Deploy**: ✅ Enabled", "Custom Domain: ✅
staging.uploads.example.com verified") becomes real steps about its service, by role::

    Given the "web" service as Render reports it
    Then its type is "static_site"

:data:`RULES` is the one table: a claim's label (the text before its colon, any case, ``-`` and ``_`` read as
spaces) -> the sentence it becomes and how its value is read (``Static site`` -> ``static_site``). A value the
reader cannot read with certainty ("Auto Deploy: Disabled", "Branch: staging and main") gives no sentence: the
claim stays pending. :func:`steps_for` says what one claim becomes; :func:`roles_for` names each service's
role from its name (``upload-web-staging`` -> ``web``) or its type. Pure functions over text: the scaffold
(:mod:`phasegate.scaffold`) checks each sentence against the step definitions before writing it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

AS_REPORTED = 'the "{role}" service as Render reports it'
ENVIRONMENT = 'the "{role}" service\'s effective environment on Render'
ROLE = re.compile(r"[a-z][a-z0-9_-]{0,31}")  # as RENDER_SERVICES and @reads accept a role

# Render's values, as its API spells them (the scaffold's check against the step definitions is the backstop).
SERVICE_TYPES = {"static site": "static_site", "static": "static_site", "web service": "web_service",
                 "private service": "private_service", "pserv": "private_service",
                 "background worker": "background_worker", "worker": "background_worker", "cron job": "cron_job",
                 "cron": "cron_job"}
REGIONS = ("oregon", "ohio", "virginia", "frankfurt", "singapore")
RUNTIMES = {"docker": "docker", "node": "node", "node.js": "node", "nodejs": "node", "python": "python",
            "ruby": "ruby", "go": "go", "golang": "go", "rust": "rust", "elixir": "elixir", "image": "image"}
DEPLOY_STATUSES = ("live", "deactivated", "build_failed", "update_failed", "pre_deploy_failed", "canceled")
_ON = {"enabled", "enable", "on", "yes", "true", "active", "configured"}
_SET = {"set", "configured", "present", "defined"}
_ABSENT = {"absent", "not set", "unset", "removed", "not present", "none", "not configured", "deleted"}
_NO = {"no", "false", "none", "not suspended", "never"}
_HOST = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}", re.I)
_KEY = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z][A-Z0-9]+")  # an environment variable's name
_ASSIGNMENT = re.compile(r"^(?P<key>[A-Z][A-Z0-9_]*)\s*=\s*(?P<value>\S+)$")
_QUOTED = re.compile(r"`([^`]+)`")


@dataclass(frozen=True)
class Steps:
    """What a claim becomes: its Given (a template naming ``{role}``) and its Then sentences."""

    given: str
    thens: tuple[str, ...]

    def lines(self, role: str) -> list[tuple[str, str]]:
        """(keyword, sentence) in order: ``Given``, ``Then``, then ``And`` for each further one."""
        return [("Given", self.given.format(role=role))] + [
            ("Then" if i == 0 else "And", t) for i, t in enumerate(self.thens)]


def _bare(value: str) -> str:
    """The value without a trailing remark in parentheses ("staging (corrected from main)" -> "staging") or full stop."""
    while True:
        shorter = re.sub(r"\s*\([^()]*\)\s*$", "", value.strip())
        if shorter == value.strip():
            return shorter.rstrip(".;,").strip()
        value = shorter


def _said(value: str, quoted: tuple[str, ...]) -> str:
    """What the claim says its value is: its first `code` span, else its words without a trailing remark."""
    return quoted[0].strip() if quoted else _bare(value)


def _token(value, quoted):
    said = _said(value, quoted)
    return said if re.fullmatch(r"[^\s\"]+", said) else None


def _service_type(value, quoted):
    said = _said(value, quoted).casefold().replace("_", " ")
    return SERVICE_TYPES.get(said)


def _region(value, quoted):
    said = _said(value, quoted).casefold()
    found = [r for r in REGIONS if re.search(rf"\b{r}\b", said)]
    return found[0] if len(found) == 1 else None


def _plan(value, quoted):
    said = _said(value, quoted).casefold()
    return said.replace(" ", "_") if re.fullmatch(r"[a-z]+(?:[ _][a-z]+)?", said) else None


def _runtime(value, quoted):
    words = _said(value, quoted).casefold().split()
    return RUNTIMES.get(words[0]) if words else None


def _text(value, quoted):
    said = _said(value, quoted)
    return said if said and '"' not in said else None


def _url_path(value, quoted):
    said = _token(value, quoted)
    return said if said and said.startswith("/") else None


def _count(value, quoted):
    said = _said(value, quoted)
    return said if re.fullmatch(r"[1-9][0-9]{0,2}", said) else None


def _url(value, quoted):
    said = _token(value, quoted)
    return said if said and said.startswith("https://") else None


def _deploy(value, quoted):
    said = _said(value, quoted).casefold().replace(" ", "_")
    return said if said in DEPLOY_STATUSES else None


def _on(value, quoted):
    return "" if _bare(value).casefold().split(" ")[0] in _ON else None


def _not_suspended(value, quoted):
    return "" if _bare(value).casefold() in _NO else None


def _verified_domain(value, quoted):
    """``staging.uploads.example.com verified`` (or ``(verified)``, ``✓ verified``): the one host it names."""
    words = re.sub(r"[()]", " ", value).split()
    hosts = [w.rstrip(".,;") for w in words if _HOST.fullmatch(w.rstrip(".,;"))]
    if len(hosts) != 1 or "verified" not in {w.casefold().strip(".,;") for w in words}:
        return None
    return hosts[0].lower()


@dataclass(frozen=True)
class Rule:
    """A claim label (a regular expression over the label, casefolded, ``-``/``_`` as spaces) -> a sentence."""

    label: str
    sentence: str  # a Then, with {value} where the read value goes
    read: Callable  # (the value as text, its `code` spans) -> the value, "" for a sentence without one, None: cannot
    given: str = AS_REPORTED


# The one table: which claims become which sentences of the vocabulary (docs/VOCABULARY.md).
RULES = (
    Rule(r"(?:service |site )?type", 'its type is "{value}"', _service_type),
    Rule(r"(?:build |deploy |deployment |git |source )?branch", 'its branch is "{value}"', _token),
    Rule(r"region", 'its region is "{value}"', _region),
    Rule(r"(?:instance |service |billing )?plan", 'its plan is "{value}"', _plan),
    Rule(r"runtime|language", 'its runtime is "{value}"', _runtime),
    Rule(r"build command", 'its build command is "{value}"', _text),
    Rule(r"start command", 'its start command is "{value}"', _text),
    Rule(r"pre ?deploy command", 'its pre-deploy command is "{value}"', _text),
    Rule(r"publish (?:path|directory|dir|folder)", 'its publish path is "{value}"', _token),
    Rule(r"root (?:directory|dir|folder)", 'its root directory is "{value}"', _token),
    Rule(r"dockerfile(?: path)?", 'its Dockerfile is "{value}"', _token),
    Rule(r"health ?check(?: path| endpoint)?", 'its health check path is "{value}"', _url_path),
    Rule(r"(?:number of )?instances|instance count", 'its number of instances is "{value}"', _count),
    Rule(r"(?:service |site |render )?url", 'its URL is "{value}"', _url),
    Rule(r"auto ?deploy(?:s|ment|ments)?", "it deploys automatically", _on),
    Rule(r"suspended|suspension|suspend", "it is not suspended", _not_suspended),
    Rule(r"(?:latest |last |current )?deploy(?:ment)?(?: status)?", 'its latest deploy is "{value}"', _deploy),
    Rule(r"custom domains?|domain", 'its custom domain "{value}" is verified', _verified_domain),
)
# Claims with no label, as a whole: "Auto-deploy enabled", "Not suspended", "Custom domain x.example.com verified".
_WHOLE = ((re.compile(r"auto ?deploy(?:s|ment)? (?:is )?(?:enabled|on)", re.I), "it deploys automatically"),
          (re.compile(r"(?:service |site )?(?:is )?not suspended", re.I), "it is not suspended"))


def _split(raw: str, text: str) -> tuple[str, str, tuple[str, ...]]:
    """(label, value, the value's `code` spans) of a claim: the text before and after its first colon."""
    label, _, value = text.partition(":")
    depth, after = False, raw
    for i, char in enumerate(raw):  # the raw line after its first colon outside `code`
        depth = not depth if char == "`" else depth
        if char == ":" and not depth:
            after = raw[i + 1:]
            break
    return label.strip(), value.strip(), tuple(_QUOTED.findall(after))


def _assignments(text: str) -> Steps | None:
    """``KEY=value``, or several comma-separated: each a ``Then "KEY" is "value"``."""
    parts = [p.strip() for p in re.split(r",\s*(?=[A-Z][A-Z0-9_]*\s*=)", _bare(text))]
    found = [_ASSIGNMENT.match(p) for p in parts]
    if not parts or not all(found) or any('"' in m.group("value") for m in found):
        return None
    return Steps(ENVIRONMENT, tuple(f'"{m.group("key")}" is "{m.group("value").strip(chr(39))}"' for m in found))


def _environment(label: str, value: str, quoted: tuple[str, ...], raw: str, text: str) -> Steps | None:
    """``KEY=value`` (the whole claim, or its value), or ``KEY: value`` / ``KEY: set`` / ``KEY: absent``."""
    assigned = _assignments(text) or (_assignments(value) if value else None)
    if assigned is not None or not value:
        return assigned
    if not (_KEY.fullmatch(label) and ("_" in label or f"`{label}`" in raw)):
        return None
    said = _bare(value).casefold()
    if said in _SET:
        return Steps(ENVIRONMENT, (f'"{label}" is set and not empty',))
    if said in _ABSENT:
        return Steps(ENVIRONMENT, (f'"{label}" is absent from the service, its environment groups and its secret '
                                   'files',))
    token = _token(value, quoted)
    return Steps(ENVIRONMENT, (f'"{label}" is "{token}"',)) if token else None


def steps_for(raw: str, text: str) -> Steps | None:
    """The steps a claim line (as written, and as its claim text) becomes; None when no rule reads it."""
    label, value, quoted = _split(raw, text)
    environment = _environment(label, value, quoted, raw, text)
    if environment is not None:
        return environment
    if not value:
        whole = _bare(text)
        for pattern, sentence in _WHOLE:
            if pattern.fullmatch(" ".join(re.sub(r"[-_]", " ", whole).split())):
                return Steps(AS_REPORTED, (sentence,))
        if re.match(r"custom domain\b", whole, re.I):
            domain = _verified_domain(whole[len("custom domain"):], ())
            return Steps(AS_REPORTED, (f'its custom domain "{domain}" is verified',)) if domain else None
        return None
    key = " ".join(re.sub(r"[-_]", " ", label.casefold()).split())
    for rule in RULES:
        if re.fullmatch(rule.label, key):
            read = rule.read(value, quoted)
            return None if read is None else Steps(rule.given, (rule.sentence.format(value=read),))
    return None


def service_type(raw: str, text: str) -> str | None:
    """The Render service type a claim states ("Service Type: Static site" -> static_site), else None."""
    steps = steps_for(raw, text)
    found = steps and re.fullmatch(r'its type is "([a-z_]+)"', steps.thens[0])
    return found.group(1) if found else None


# Words of a service's name that say its role, and the role they say.
ROLE_WORDS = {"web": "web", "frontend": "web", "front": "web", "site": "web", "www": "web", "ui": "web",
              "client": "web", "app": "web", "api": "api", "backend": "api", "server": "api",
              "worker": "worker", "workers": "worker", "jobs": "worker", "queue": "worker", "cron": "cron",
              "scheduler": "cron"}
TYPE_ROLES = {"static_site": "web", "web_service": "web", "background_worker": "worker", "cron_job": "cron",
              "private_service": "private"}
# Words of a name that say its environment, not its role.
ENVIRONMENT_WORDS = {"staging", "stage", "stg", "production", "prod", "prd", "preview", "dev", "development",
                     "qa", "test", "testing", "uat", "sandbox", "demo"}


def _role_of(name: str, kind: str | None) -> tuple[str, str]:
    """(role, why) of one service: a word of its name, else its type, else the last word of its name."""
    words = [w for w in re.split(r"[^a-z0-9]+", name.casefold()) if w]
    for word in reversed(words):
        if word in ROLE_WORDS:
            return ROLE_WORDS[word], f"from the word {word!r} of its name"
    if kind in TYPE_ROLES:
        return TYPE_ROLES[kind], f"from its type {kind}"
    rest = [w for w in words if w not in ENVIRONMENT_WORDS and ROLE.fullmatch(w)]
    return (rest[-1], "from the last word of its name") if rest else ("service", "no word of its name says it")


def roles_for(names, types: dict[str, str], chosen: dict[str, str] | None = None) -> dict[str, tuple[str, str]]:
    """Each service's role and why: ``chosen`` (``--role NAME=ROLE``) first, else :func:`_role_of`; a role two
    services would share gets a number (``web``, ``web-2``)."""
    chosen = chosen or {}
    out: dict[str, tuple[str, str]] = {}
    for name in names:
        role, why = (chosen[name], "as chosen (--role)") if name in chosen else _role_of(name, types.get(name))
        taken = {r for r, _ in out.values()}
        if role in taken and name not in chosen:
            number = 2
            while f"{role}-{number}" in taken:
                number += 1
            role, why = f"{role}-{number}", why + f", numbered: another service is {role}"
        out[name] = (role, why)
    return out
