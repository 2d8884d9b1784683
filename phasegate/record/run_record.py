"""The run record: ``run.json``, typed and versioned, written and read here and nowhere else.

:class:`RunRecord` holds every field of a run folder's ``run.json`` (version 3; the fields and their
JSON types are :mod:`.run_record_schema`'s, which is also the schema published as
``docs/run-record.schema.json``). The writer (:mod:`.folder`) builds one and calls :meth:`RunRecord.write`;
every reader calls :func:`read` and uses the record's fields and accessors, never the JSON's keys.

Records phasegate wrote before are read too, upgraded in one place (:func:`_upgrade`): ``"format": 1``
(written once, at the session's end) and ``"format": 2`` (started as "running", then written with the
phase, provenance, completeness and judged services). A version 3 record is read strictly: an unknown
field, a field of the wrong type or a missing required one is a :class:`~phasegate.errors.RecordError`
naming it on one line; a version newer than this phasegate's is refused the same way.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

from .. import redact
from ..catalogue.waivers import Waiver
from ..errors import RecordError
from .run_record_schema import (COMPLETENESS, CRITERION, DEPLOY, FIELDS, JUDGED_SERVICE, STATES, VERSION,
                                check_fields, required_fields)

RUN_JSON = "run.json"  # the record's file name in a run folder
RESULTS = "allure-results"  # the run folder's copy of the phase's Allure results


def _checked(data, spec: dict, where: str, required: set[str]) -> dict:
    """``data`` once it is a JSON object whose fields ``spec`` knows, of their types, with every ``required`` one."""
    if not isinstance(data, dict):
        raise RecordError(f"{where}: not an object")
    check_fields(data, spec, where, required=required)
    return data


@dataclass(frozen=True)
class Criterion:
    """One criterion judged: its outcome and the scenarios that judged it (each as pytest reported it)."""
    title: str
    concern: str
    severity: str
    outcome: str
    scenarios: list = field(default_factory=list)

    @classmethod
    def from_json(cls, data, where: str) -> "Criterion":
        return cls(**_checked(data, CRITERION, where, set(CRITERION)))

    def to_json(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Completeness:
    """Which criteria of the phase the session did not judge, or judged by only some of their scenarios."""
    phase_criteria: list = field(default_factory=list)
    expected_scenarios: dict = field(default_factory=dict)
    not_run: list = field(default_factory=list)
    partly_run: dict = field(default_factory=dict)
    stopped_early: bool = False

    @classmethod
    def from_json(cls, data, where: str, *, strict: bool) -> "Completeness":
        return cls(**_checked(data, COMPLETENESS, where, set(COMPLETENESS) if strict else set()))

    def to_json(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class RecordedDeploy:
    """A judged service's live deploy as Render reported it when the snapshot was taken."""
    id: str
    commit: str | None = None
    created_at: str | None = None
    finished_at: str | None = None
    image: dict | None = None  # {"ref": …, "sha": …} for an image-backed deploy

    @property
    def image_ref(self) -> str | None:
        return (self.image or {}).get("ref")

    @property
    def image_sha(self) -> str | None:
        return (self.image or {}).get("sha")

    @property
    def live_since(self) -> str | None:
        """When it went live: its finish, else its creation (ISO 8601, as Render said it)."""
        return self.finished_at or self.created_at

    def shipped(self) -> tuple:
        """What it runs: (commit, image digest); two deploys that run the same thing compare equal."""
        return self.commit, self.image_sha

    @classmethod
    def from_json(cls, data, where: str) -> "RecordedDeploy":
        return cls(**_checked(data, DEPLOY, where, set(DEPLOY)))

    def to_json(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class JudgedService:
    """A service the phase judged, by role, with its live deploy; ``deploy`` None: ``not_recorded`` says why."""
    role: str
    name: str
    service_id: str | None = None
    deploy: RecordedDeploy | None = None
    not_recorded: str | None = None

    def named_by(self, key: str | None) -> bool:
        """Whether a ``--commit KEY=…`` is about it (KEY its role or its name; None: every service)."""
        return key is None or key in (self.role, self.name)

    @classmethod
    def from_json(cls, data, where: str) -> "JudgedService":
        """An entry of ``judged_services`` as ``run.json`` (or a file that copied it: the manifest) holds it."""
        data = _checked(data, JUDGED_SERVICE, where, set(JUDGED_SERVICE))
        deploy = None if data["deploy"] is None else RecordedDeploy.from_json(data["deploy"], f"{where}.deploy")
        return cls(**{**data, "deploy": deploy})

    def to_json(self) -> dict:
        return {**dataclasses.asdict(self), "deploy": None if self.deploy is None else self.deploy.to_json()}


def judged_from_json(entries, where: str) -> list[JudgedService] | None:
    """A ``judged_services`` list read back (None stays None: recorded before phasegate kept them)."""
    if entries is None:
        return None
    if not isinstance(entries, list):
        raise RecordError(f"{where}: not a list")
    return [JudgedService.from_json(entry, f"{where}[{i}]") for i, entry in enumerate(entries)]


def judged_to_json(entries: list[JudgedService] | None) -> list[dict] | None:
    """A ``judged_services`` list as ``run.json`` (and the manifest, the gate's decision) holds it."""
    return None if entries is None else [entry.to_json() for entry in entries]


@dataclass(frozen=True)
class RunRecord:
    """One run folder's ``run.json``. None: not in the record (a running record holds no outcome yet; a record
    written before phasegate kept a field has none of it)."""
    version: int
    state: str
    phase: dict | None  # the phase as the run recorded it (Phase.to_dict): the reports read the catalogue from here
    environment: str | None
    profile: str | None
    sandbox: bool | None
    selection: dict | None
    phasegate_version: str | None
    practice: bool | None = None
    started_at: str | None = None
    finished_at: str | None = None
    exit_status: int | None = None
    git_commit: str | None = None
    packages: dict | None = None
    sandbox_world: str | None = None
    api_url: str | None = None
    service_name: str | None = None
    service_id: str | None = None
    production_service_name: str | None = None
    database_source: str | None = None
    snapshot_taken_at: str | None = None
    judged_services: list[JudgedService] | None = None  # None: recorded before phasegate kept each judged deploy
    render: dict | None = None  # the request statistics
    provenance: dict | None = None  # what ran and what it read (record/provenance.py)
    session_phases: list | None = None
    completeness: Completeness | None = None
    criteria: dict[str, Criterion] | None = None
    policy: list | None = None
    snapshot: dict | None = None  # the redacted snapshot (snapshot/'s own shape)
    waivers: list | None = None  # the waivers loaded (catalogue/waivers.py's Waiver.to_dict)
    digests_comparable: bool | None = None
    configuration: list | None = None  # the configuring files and their SHA-256 (record/configuration.py)

    # What the reports read of the nested parts, so that no reader indexes the JSON.
    @property
    def phase_name(self) -> str:
        return str((self.phase or {}).get("name") or "")

    @property
    def moment(self) -> str | None:
        """When the run ended, else when it started."""
        return self.finished_at or self.started_at

    @property
    def render_provenance(self) -> dict:
        return (self.provenance or {}).get("render") or {}

    @property
    def profile_provenance(self) -> dict:
        return (self.provenance or {}).get("profile") or {}

    @property
    def staging(self) -> dict:
        """The snapshot's read of the staging (worker) service: matches, env, deploys …"""
        return (self.snapshot or {}).get("staging") or {}

    @property
    def staging_env(self) -> dict:
        """The staging service's env vars by key, as the snapshot read them (secrets as keyed digests)."""
        return self.staging.get("env") or {}

    @property
    def staging_deploys(self) -> list:
        return self.staging.get("deploys") or []

    @property
    def database_snapshot(self) -> dict:
        return (self.snapshot or {}).get("database") or {}

    def single_service(self) -> dict:
        """The staging service, when its name matched exactly one; else {}."""
        matches = self.staging.get("matches") or []
        return matches[0] if len(matches) == 1 else {}

    def waivers_by_criterion(self) -> dict[str, Waiver]:
        """The waivers the run recorded, by criterion."""
        return {w["criterion"]: Waiver.from_dict(w) for w in self.waivers or []}

    def replace(self, **changes) -> "RunRecord":
        return dataclasses.replace(self, **changes)

    def to_json(self) -> dict:
        """The record as ``run.json`` holds it: an absent (None) field is left out, except an ended record's
        nullable fields, which say null."""
        out = {}
        for name in FIELDS:
            value = getattr(self, name)
            if value is None and not (self.state != "running" and "null" in FIELDS[name][0]):
                continue
            if name == "criteria":
                value = {cid: c.to_json() for cid, c in value.items()}
            elif name == "completeness":
                value = value.to_json()
            elif name == "judged_services":
                value = judged_to_json(value)
            out[name] = value
        return out

    def text(self) -> str:
        """``run.json``'s text, scrubbed of secret values (the writer's only way out)."""
        return redact.scrub(json.dumps(self.to_json(), indent=2, sort_keys=True, default=str))

    def write(self, folder: Path) -> Path:
        path = Path(folder) / RUN_JSON
        path.write_text(self.text())
        return path


def from_json(data, where: str = RUN_JSON) -> RunRecord:
    """A record from ``run.json``'s parsed JSON; a record of an earlier format is upgraded first."""
    if not isinstance(data, dict):
        raise RecordError(f"{where}: not a run record (expected a JSON object)")
    native = "version" in data
    data = _upgrade(data, where)
    state = data.get("state")
    if state not in STATES:
        raise RecordError(f"{where}: field 'state' is {state!r}, expected one of {', '.join(STATES)}")
    check_fields(data, FIELDS, where, required=required_fields(state) if native else {"version", "state"})
    values = {name: data.get(name) for name in FIELDS}
    if values["criteria"] is not None:
        values["criteria"] = {cid: Criterion.from_json(entry, f"{where}: criteria.{cid}")
                              for cid, entry in values["criteria"].items()}
    if values["completeness"] is not None:
        values["completeness"] = Completeness.from_json(values["completeness"], f"{where}: completeness",
                                                        strict=native)
    values["judged_services"] = judged_from_json(values["judged_services"], f"{where}: judged_services")
    return RunRecord(**values)


def _upgrade(data: dict, where: str) -> dict:
    """A record of any version phasegate wrote, as version 3 (the one place earlier formats are known)."""
    if "version" in data:
        version = data["version"]
        if not isinstance(version, int) or isinstance(version, bool):
            raise RecordError(f"{where}: field 'version' is {version!r}, expected an integer")
        if version > VERSION:
            raise RecordError(f"{where}: version {version} is newer than this phasegate reads ({VERSION}); "
                              "upgrade phasegate")
        if version != VERSION:
            raise RecordError(f"{where}: version {version} was never written by phasegate")
        return data
    if data.get("format") not in (1, 2):
        raise RecordError(f"{where}: not a run record (no 'version', and 'format' is {data.get('format')!r})")
    upgraded = {k: v for k, v in data.items() if k != "format"}
    upgraded["version"] = VERSION
    # Format 1 was written once, at the session's end: it finished. Format 2 said so itself.
    upgraded.setdefault("state", "finished")
    return upgraded


def read(folder: Path, where: str | None = None) -> RunRecord:
    """The record of a run folder. OSError if the file cannot be read; RecordError (one line, ``where`` or the
    file's path first) if it is no JSON or no run record this phasegate reads."""
    path = record_path(folder)
    where = where or str(path)
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        # The cause is kept: drift's "cannot tell" names what was wrong by its type (JSONDecodeError).
        raise RecordError(f"{where} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
    return from_json(data, where)


def is_run_folder(path: Path) -> bool:
    """A folder holding a run record (not yet read)."""
    return (Path(path) / RUN_JSON).is_file()


def record_path(folder: Path) -> Path:
    """Where a run folder's record is (the path its one-line errors start with)."""
    return Path(folder) / RUN_JSON


def phase_of(folder: Path) -> str:
    """The phase a run folder's record names; "" when it names none or cannot be read.

    Only for grouping folders by phase (prune, status, the gate's runs of a phase): a record this phasegate
    does not read in full (a newer version, a field it does not know) still names its phase, so that prune
    never counts it against another phase's newest runs; reading it for a verdict refuses it.
    """
    try:
        data = json.loads(record_path(folder).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    try:
        return from_json(data).phase_name
    except RecordError:
        phase = data.get("phase") if isinstance(data, dict) else None
        return str(phase.get("name") or "") if isinstance(phase, dict) else ""


def unreadable(exc: BaseException) -> str:
    """What kind of failure kept a record from being read, in a word: the JSON's error, else the exception's."""
    return type(exc.__cause__ if isinstance(exc, RecordError) and exc.__cause__ else exc).__name__
