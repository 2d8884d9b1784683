"""What changed between two runs: criterion outcomes, service configuration, env var keys,
rotated secrets (by digest, never by value) and grants."""

from __future__ import annotations

import json
from pathlib import Path

from .. import redact
from .model import DIFF_APPENDIX, load_run

_DIGEST = "*** (hmac "
_DB_SKIP = {"source", "error", "worker_url"}


def _service(run) -> dict:
    return run.record.single_service()


def _env(run) -> dict:
    return run.record.staging_env


def _short(value) -> str:
    text = json.dumps(value, sort_keys=True, default=str) if not isinstance(value, str) else value
    return text if len(text) <= 80 else text[:77] + "..."


# Worse to the right: an outcome that moves right between two runs regressed.
_RANK = {"passed": 0, "waived": 1, "not applicable": 1, "skipped": 2, "not run": 2, "failed": 3, "broken": 3}


class DifferentPhases(ValueError):
    """Two runs of different phases judge different criteria: there is nothing to compare."""


def same_phase(a, b, folder_a, folder_b) -> None:
    if a.phase.name != b.phase.name:
        raise DifferentPhases(f"{Path(folder_a).name} judged {a.phase.title} ({a.phase.name}) and "
                              f"{Path(folder_b).name} {b.phase.title} ({b.phase.name}): diff compares two runs "
                              "of one phase")


def regressions(folder_a, folder_b) -> list[str]:
    """Criteria whose outcome is worse in B than in A, as ``<ID> passed -> failed``."""
    a, b = load_run(Path(folder_a)), load_run(Path(folder_b))
    same_phase(a, b, folder_a, folder_b)
    return [f"{cid} {a.results[cid].status} -> {b.results[cid].status}" for cid in sorted(b.results)
            if cid in a.results and _RANK.get(b.results[cid].status, 3) > _RANK.get(a.results[cid].status, 3)]


def diff_runs(folder_a, folder_b) -> str:
    a, b = load_run(Path(folder_a)), load_run(Path(folder_b))
    same_phase(a, b, folder_a, folder_b)
    lines = [f"phasegate diff, {b.phase.title}: {Path(folder_a).name} ({a.record.environment}"
             f"{', SANDBOX ' + repr(a.record.sandbox_world) if a.sandbox else ''}) -> "
             f"{Path(folder_b).name} ({b.record.environment}"
             f"{', SANDBOX ' + repr(b.record.sandbox_world) if b.sandbox else ''})"]
    # The catalogue may change between two runs (a criterion added to the features): say so, never drop it.
    new, gone = sorted(set(b.results) - set(a.results)), sorted(set(a.results) - set(b.results))
    if new or gone:
        lines.append(f"Criteria only in B: {', '.join(new) or 'none'}; only in A: {', '.join(gone) or 'none'}")

    changed = [(cid, a.results[cid].status, b.results[cid].status) for cid in b.results
               if cid in a.results and a.results[cid].status != b.results[cid].status]
    lines.append(f"Criterion outcomes changed: {len(changed)}")
    for cid, before, after in changed:
        lines.append(f"  {cid} {b.results[cid].title}: {before} -> {after}")

    sa, sb = _service(a), _service(b)
    fields = sorted((set(sa) | set(sb)) - {"dashboard_url"})
    config = [(f, sa.get(f), sb.get(f)) for f in fields if sa.get(f) != sb.get(f)]
    lines.append(f"Service configuration fields changed: {len(config)}")
    for f, before, after in config:
        lines.append(f"  {f}: {_short(before)} -> {_short(after)}")

    ea, eb = _env(a), _env(b)
    added, removed = sorted(set(eb) - set(ea)), sorted(set(ea) - set(eb))
    # One key per line: a run against a fresh service adds hundreds at once.
    lines.append(f"Env var keys added: {len(added) or 'none'}")
    lines.extend(f"  + {k}" for k in added)
    lines.append(f"Env var keys removed: {len(removed) or 'none'}")
    lines.extend(f"  - {k}" for k in removed)
    plain = [k for k in sorted(set(ea) & set(eb)) if not str(ea[k].get("value", "")).startswith(_DIGEST)
             and ea[k].get("value") != eb[k].get("value")]
    for k in plain:
        lines.append(f"  plain setting {k}: {_short(ea[k].get('value'))} -> {_short(eb[k].get('value'))}")

    secret_keys = [k for k in sorted(set(ea) & set(eb)) if str(ea[k].get("value", "")).startswith(_DIGEST)
                   and str(eb[k].get("value", "")).startswith(_DIGEST)]
    if a.record.digests_comparable and b.record.digests_comparable:
        rotated = [k for k in secret_keys if ea[k]["value"] != eb[k]["value"]]
        lines.append(f"Secrets whose digest changed (rotated; values never shown): "
                     f"{', '.join(rotated) if rotated else 'none'}")
        lines.append("  (comparable only if both runs used the same PHASEGATE_DIGEST_KEY)")
    else:
        which = " and ".join(name for name, run in (("A", a), ("B", b)) if not run.record.digests_comparable)
        lines.append(f"Secrets whose digest changed: not comparable — run {which} had no PHASEGATE_DIGEST_KEY in "
                     "its profile, so each run digested secrets under its own random key")

    da = _flat_database(a)
    db = _flat_database(b)
    if not da and not db:
        lines.append("Grants: no database evidence of grants recorded in either run's snapshot")
    else:
        grants = [(k, da.get(k), db.get(k)) for k in sorted(set(da) | set(db)) if da.get(k) != db.get(k)]
        lines.append(f"Grants and database settings changed: {len(grants)}")
        for k, before, after in grants:
            lines.append(f"  {k}: {_short(before)} -> {_short(after)}")
    return redact.scrub("\n".join(lines) + "\n")


def _flat_database(run) -> dict:
    """The database part of a run's snapshot, one line per fact: grants.member_of, grants.search_path, …"""
    database = run.record.database_snapshot
    flat = {}
    for key, value in database.items():
        if key in _DB_SKIP:
            continue
        if isinstance(value, dict):
            flat.update({f"{key}.{inner}": v for inner, v in value.items()})
        else:
            flat[key] = value
    return flat


def write_appendix(folder_a, folder_b, text: str) -> None:
    """Put the diff into RUN_B's completion report (and re-hash it)."""
    from . import build_reports
    from .model import SIGNATURE, SIGNOFF

    folder_b = Path(folder_b)
    if (folder_b / SIGNOFF).exists() or (folder_b / SIGNATURE).exists():
        raise PermissionError(f"{folder_b.name} is signed: adding an appendix would break its signature")
    (folder_b / DIFF_APPENDIX).write_text(json.dumps({"against": Path(folder_a).name, "text": text}, indent=2)
                                          + "\n", encoding="utf-8")
    build_reports(folder_b, html=False)
