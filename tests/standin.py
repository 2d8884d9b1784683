"""Runs under a real (non-sandbox) profile, against a Render that does not say it is the simulator.

A sign-off needs a run judged against the real target. In tests, that target is the
simulator with its identity header off (:class:`StandInRender`: what Render, or a proxy to
it, looks like to the suite), named in a profile file that declares it real with
``RENDER_API_URL_IS_REAL=1`` — written into a temporary profiles folder
(``PHASEGATE_PROFILES_DIR``) for the length of one run, never into the checkout's
``environments/``. The database criteria are not run (``-m "staging and render"``) and
waived as deliberately not run, so the run is complete in the only sense a sign-off accepts.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

from acceptance import ROOT, SuiteRun, criteria_tagged, run_suite
from phasegate.sandbox.simulator import RenderSimulator
from phasegate.sandbox.worlds import world

KEY_CANARY = "rnd_CANARY_apikey_signoff_77aa"
DUMMY_URLS = {
    "DATABASE_URL": "postgresql://upload_worker_staging:pw-CANARY-db-1a2b@db.sandbox.invalid:5432/phase4?sslmode=require",
    "PRODUCTION_DATABASE_URL": "postgresql://upload_worker_prod:pw-CANARY-db-prod@db.sandbox.invalid:5432/phase4",
}
DATABASE_CRITERIA = criteria_tagged("database", "phase4")
RENDER_ONLY = ("-m", "staging and render")


class StandInRender(RenderSimulator):
    """The simulator without its X-Phasegate-Simulator header: indistinguishable from a real Render."""

    identifies_itself = False


def signing_key(tmp: Path, name: str = "id_ed25519", email: str = "quinn@example.com",
                key_type: tuple[str, ...] = ("ed25519",)) -> tuple[Path, Path]:
    """A new key made by OpenSSH's ssh-keygen (no passphrase; ed25519 unless ``key_type`` is e.g. ("ecdsa", "384")),
    and an allowed_signers file naming its public key for ``email`` in phasegate's namespace: (private key,
    allowed_signers)."""
    key = tmp / name
    bits = ["-b", key_type[1]] if len(key_type) > 1 else []
    subprocess.run(["ssh-keygen", "-q", "-t", key_type[0], *bits, "-N", "", "-C", email.split("@")[0], "-f", str(key)],
                   check=True)
    allowed = tmp / "allowed_signers"
    allowed.write_text(f'{email} namespaces="phasegate" {key.with_name(name + ".pub").read_text().strip()}\n')
    return key, allowed


def in_days(days: int) -> str:
    return (dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=days)).isoformat()


def waiver_file(tmp: Path, waived: dict[str, str], expires: str | None = None) -> Path:
    """A waiver file: criterion -> justification, all approved by Ada and expiring together."""
    expires = expires or in_days(30)
    path = tmp / "waivers.yaml"
    lines = ["waivers:"]
    for cid, why in waived.items():
        lines += [f"  - criterion: {cid}", f"    justification: {json.dumps(why)}",
                  "    approver: Ada Approver <ada@example.com>", f"    expires: {expires}"]
    path.write_text("\n".join(lines) + "\n")
    return path


def database_waivers() -> dict[str, str]:
    return {cid: "deliberately not run: the database is judged in its own run" for cid in DATABASE_CRITERIA}


@contextmanager
def declared_profile(api_url: str, *, declare_real: bool = True, extra: str = "", name: str | None = None):
    """<unique>.env (or <name>.env) in a temporary profiles folder: staging's settings, the given
    Render API, declared real. Yields the profile's name and the environment that points the suite at it."""
    name = name or "standin-" + secrets.token_hex(4)
    text = (ROOT / "environments" / "staging.env").read_text()
    text = "\n".join(line for line in text.splitlines() if not line.startswith("RENDER_API_URL="))
    text += f"\nPHASEGATE_SCENARIO_TAG=staging\nRENDER_API_URL={api_url}\n"
    if declare_real:
        text += "RENDER_API_URL_IS_REAL=1\n"
    with tempfile.TemporaryDirectory(prefix="phasegate-profiles-") as folder:
        (Path(folder) / f"{name}.env").write_text(text + extra)
        yield name, {"PHASEGATE_PROFILES_DIR": folder}


def standin_run(tmp: Path, *args: str, world_name: str = "compliant", waived: dict[str, str] | None = None,
                simulator=StandInRender, profile_url: str | None = None, env: dict | None = None,
                declare_real: bool = True, expires: str | None = None, cache: bool = False,
                faults=None, profile_name: str | None = None, report_dir: Path | None = None,
                html: bool = False) -> tuple[SuiteRun, Path]:
    """One run of the suite under a declared-real profile; the run folder it wrote.

    ``args`` default to the Render criteria; ``waived`` defaults to the database criteria
    (deliberately not run). ``profile_url`` puts another URL in the profile than the one
    the simulator serves (for a run whose process environment changes it). ``profile_name`` and
    ``report_dir`` put several runs into one environment's folder (``report_dir/<profile_name>``).
    """
    waived = database_waivers() if waived is None else waived
    tmp.mkdir(parents=True, exist_ok=True)
    reports = report_dir or tmp / "reports"
    before = {p for p in reports.glob("*/*") if p.is_dir()}
    with simulator(world(world_name), api_key=KEY_CANARY, substitutions=DUMMY_URLS, faults=faults) as sim:
        with declared_profile(profile_url or sim.base_url, declare_real=declare_real,
                              name=profile_name) as (name, profiles):
            environ = {"RENDER_API_KEY": KEY_CANARY, "PHASEGATE_WAIVERS_FILE": str(waiver_file(tmp, waived, expires)),
                       **profiles, **(env or {})}
            environ = {k: v.replace("{SIMULATOR}", sim.base_url) for k, v in environ.items()}
            run = run_suite(tmp, *(args or RENDER_ONLY), "--env", name, f"--report-dir={reports}",
                            world=None, env=environ, cache=cache, html=html)
    folders = [p for p in reports.glob("*/*") if p.is_dir() and p not in before]
    assert len(folders) == 1, run.stdout + run.stderr
    return run, folders[0]
