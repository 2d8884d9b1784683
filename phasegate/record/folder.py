"""The run folder: what one pytest session concluded, kept for the reports and the sign-off.

``reports/<env>/<UTC timestamp>-<phase>/`` is started before the first criterion runs, with a
``run.json`` that says "running", and written at the session's end: a copy of the phase's Allure
results (:mod:`.allure_results`) and ``run.json`` with every criterion's outcome, every scenario's
message, the redacted snapshot, what ran (:mod:`.provenance`), the waivers loaded and the configuring
files (:mod:`.configuration`). ``run.json`` is a :class:`~.run_record.RunRecord`, written once per state;
everything written here is scrubbed of secret values.
"""

from __future__ import annotations

import datetime as _dt
import shutil
from pathlib import Path

from .. import __version__
from ..catalogue.criteria import Phase
from ..timefmt import utc_now, zulu
from .allure_results import copy_allure_results, write_allure_extras
from .judged import judged_services
from .provenance import REPOSITORY, git_commit, package_versions, provenance
from .run_record import RESULTS, VERSION, Completeness, Criterion, RunRecord

RENDER_STATISTICS = ("requests", "ratelimit_remaining_min")  # run.json's "render"; the rest is provenance


def _new_folder(report_root: Path, env: str, moment: _dt.datetime, phase: Phase) -> Path:
    """reports/<env>/<UTC timestamp>-<phase>: newest last in name order, and the name says which phase."""
    stem = moment.strftime("%Y%m%dT%H%M%SZ") + f"-{phase.name}"
    folder = report_root / env / stem
    suffix = 1
    while folder.exists():  # two runs in one second keep both folders
        suffix += 1
        folder = report_root / env / f"{stem}-{suffix}"
    folder.mkdir(parents=True)
    return folder


def start_run_folder(profile, phase: Phase, *, report_root: Path, selection: dict,
                     started: _dt.datetime | None = None, practice: bool = False) -> Path:
    """The run folder, created before the first criterion runs, with a run.json that says "running".

    A session killed before its end leaves this record behind: the run reads as interrupted
    (partial) wherever it is shown, and can never be signed.
    """
    started = started or utc_now()
    folder = _new_folder(report_root, profile.name, started, phase)
    RunRecord(version=VERSION, state="running", phase=phase.to_dict(), environment=profile.name,
              profile=profile.source, sandbox=profile.sandbox, started_at=zulu(started), selection=selection,
              phasegate_version=__version__, practice=_practice(practice)).write(folder)
    return folder


def _practice(practice: bool) -> bool | None:
    """A PRACTICE run (``pytest --practice`` on the sandbox, as ``phasegate practice`` runs it) says so; others say
    nothing of it."""
    return True if practice else None


def write_run_folder(profile, phase: Phase, *, outcomes: dict, scenarios: list, snapshot, allure_dir, report_root: Path,
                     exit_status: int, render: dict | None = None, folder: Path | None = None,
                     state: str = "finished", completeness: dict | None = None,
                     sandbox: bool | None = None, selection: dict | None = None,
                     session_phases: list[str] | None = None, practice: bool = False,
                     judged_roles: tuple[str, ...] = ("worker",), waivers: list | None = None,
                     digests_comparable: bool | None = None, configuration: list | None = None) -> Path:
    """Write the run's record. ``render`` holds the request statistics and the provenance of the API read;
    ``judged_roles`` the services the phase judged, whose live deploys are recorded (:mod:`.judged`);
    ``waivers`` the waivers loaded (as ``Waiver.to_dict``), ``configuration`` the configuring files."""
    finished = utc_now()
    folder = _folder_to_write(folder, report_root, profile.name, finished, phase)
    render = dict(render or {})
    sandbox = profile.sandbox if sandbox is None else sandbox
    commit = git_commit(REPOSITORY)
    redacted = snapshot.redacted() if snapshot is not None else None
    api_url = render.get("api_url") or profile.render_api_url
    service_id = _service_id(redacted)
    judged = judged_services(snapshot, judged_roles)

    results = folder / RESULTS
    if allure_dir and Path(allure_dir).is_dir():
        write_allure_extras(Path(allure_dir), profile, commit, redacted, service_id, api_url, sandbox, judged)
        copy_allure_results(Path(allure_dir), results, set(phase.criteria))
    else:
        results.mkdir()

    RunRecord(
        version=VERSION, state=state, practice=_practice(practice), phase=phase.to_dict(),
        phasegate_version=__version__, git_commit=commit, packages=package_versions(),
        **_target(profile, sandbox=sandbox, api_url=api_url, service_id=service_id, redacted=redacted),
        judged_services=judged, finished_at=zulu(finished), exit_status=exit_status,
        render={k: render.get(k) for k in RENDER_STATISTICS},
        provenance=provenance(profile, render={k: v for k, v in render.items() if k not in RENDER_STATISTICS},
                              snapshot=snapshot, commit=commit),
        selection=selection or {},
        # The phases judged by the same pytest session (each has its own run folder, same snapshot).
        session_phases=session_phases or [phase.name],
        completeness=Completeness(**(completeness or {})),
        criteria=_criteria(phase, outcomes, scenarios),
        policy=[s for s in scenarios if s["criteria"] == ["policy"]],
        snapshot=redacted, waivers=waivers, digests_comparable=digests_comparable, configuration=configuration,
    ).write(folder)
    return folder


def _folder_to_write(folder: Path | None, report_root: Path, env: str, finished: _dt.datetime, phase: Phase) -> Path:
    """The folder the session started, its earlier results cleared; or a new one if none was started."""
    if folder is None:
        return _new_folder(report_root, env, finished, phase)
    if (folder / RESULTS).exists():
        shutil.rmtree(folder / RESULTS)
    return folder


def _service_id(redacted: dict | None) -> str | None:
    """The staging service's id, when its name matched exactly one service."""
    if redacted and redacted.get("staging") and len(redacted["staging"]["matches"]) == 1:
        return redacted["staging"]["matches"][0]["id"]
    return None


def _target(profile, *, sandbox: bool, api_url: str, service_id: str | None, redacted: dict | None) -> dict:
    """What the run judged: the environment, its services, the database's source, the snapshot's moment."""
    return {
        "environment": profile.name,
        "sandbox": sandbox,
        "sandbox_world": profile.sandbox_world if profile.sandbox else None,
        "profile": profile.source,
        "api_url": api_url,
        "service_name": profile.service_name,
        "service_id": service_id,
        "production_service_name": profile.production_service_name,
        "database_source": redacted.get("database", {}).get("source") if redacted else None,
        "snapshot_taken_at": redacted["taken_at"] if redacted else None,
    }


def _criteria(phase: Phase, outcomes: dict, scenarios: list) -> dict[str, Criterion]:
    """Each criterion judged, with its outcome and the scenarios that judged it."""
    criteria = {}
    for cid in sorted(outcomes):
        criterion = phase.criteria.get(cid)
        criteria[cid] = Criterion(
            title=criterion.title if criterion else cid,
            concern=criterion.concern if criterion else "",
            severity=criterion.severity if criterion else "normal",
            outcome=outcomes[cid],
            scenarios=[s for s in scenarios if cid in s["criteria"]],
        )
    return criteria
