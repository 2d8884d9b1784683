#!/usr/bin/env python
"""Benchmark of the Phase 4 sandbox run (a script, not a test).

    python bench/bench_phase4.py [--latency-ms 100] [--repeat 3]

Runs the full Phase 4 sign-off against the sandbox (``pytest -m staging --env sandbox``)
with ``latency_ms`` injected into every Render response, ``--repeat`` times, and prints:

(a) Render GETs made / distinct resource pages needed -- from the simulator's request
    log: all requests vs distinct (path, query) pairs. 1.00 means nothing was read twice.
(b) DB sessions opened by the suite -- counted by the server itself: the sandbox
    PostgreSQL here is a private cluster (pgserver data directory under a temporary
    XDG_CACHE_HOME, so no other process's sessions are counted) with
    ``log_connections=on``; every ``connection authorized: ... application_name=phasegate``
    line in the server log during a run is one session the suite opened (the sandbox's
    own seeding and stand-in worker sessions carry other application names).
(c) wall time of the run / the floor, where the floor is pytest start-up with the plugins
    loaded (median wall time of ``pytest --collect-only -q -m staging --env sandbox``) plus
    one round trip per dependent level of reads times the latency. The snapshot reads in
    three dependent levels: services + env-group list, then per-service resources, then
    the database; the database is local (no injected latency), so the floor counts
    2 x latency for Render plus 1 x latency for the database level as the brief defines
    it (3 x latency in all). Medians over the repeats. The run is timed with
    ``--no-report`` (the completion report and Allure HTML are written after the verdicts
    and are not part of reading); a run with reports is timed once, for information.
(d) the environment-wide policy over N = 1, 10, 100 more staging services (sandbox worlds
    compliant, compliant-fleet-10, compliant-fleet-100, each service with a production
    counterpart): wall time of ``pytest -m "staging and policy"`` with the same latency,
    its ratio to N = 1, the GETs it made and the lowest ``Ratelimit-Remaining`` Render
    (the simulator, 400 GETs a minute) reported to the suite, read from run.json.

(d') the policy over N = 1,000 more staging services and their counterparts (world
    compliant-fleet-1000) under Render's real budget, enforced by the simulator (400 GETs
    per 60 s window, 429 once spent), default settings, no injected latency: GETs made,
    responses 429, and wall / (GETs / 400 per minute), the floor the budget itself sets.
    Takes about eight minutes (3,031 GETs: each staging worker's secret files are read for the
    policy's forbidden-keys rule); ``--no-budget`` leaves it out.

(e) Phase 4 + 5 together: one ``pytest -m staging`` judging both phases (the profile's
    ``PHASEGATE_PHASES``), as the nightly job runs them: wall time, Render GETs / distinct
    pages, DB sessions. Medians over the repeats.

(a)-(d) run Phase 4 alone (``PHASEGATE_PHASES=phase4``) with ``-m "staging and not policy"``
for (a)-(c); the policy is (d).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LEVELS = 3  # services + env-group list; per-service resources; database
PHASE4 = "staging and not policy"
FLEETS = {1: "compliant", 10: "compliant-fleet-10", 100: "compliant-fleet-100"}


def policy_runs(base_env: dict, work: Path, latency_ms: int, repeat: int) -> dict[int, dict]:
    """(d): the environment-wide policy over growing environments."""
    out = {}
    for n, world_name in FLEETS.items():
        walls, stats = [], {}
        for i in range(repeat):
            report_dir = work / f"policy-{n}-{i}"
            env = dict(base_env, PHASEGATE_SANDBOX_WORLD=world_name,
                       PHASEGATE_SANDBOX_FAULTS=f"latency_ms={latency_ms}")
            seconds, done = timed(pytest_cmd("-m", "staging and policy", "--env", "sandbox", "--no-report",
                                             f"--alluredir={report_dir / 'results'}",
                                             f"--report-dir={report_dir}"), env)
            if done.returncode != 0:
                print(done.stdout[-3000:], done.stderr[-2000:])
                raise SystemExit(f"policy run over {world_name} did not pass (exit {done.returncode})")
            walls.append(seconds)
            run_json = next(report_dir.glob("sandbox/*/run.json"))
            stats = json.loads(run_json.read_text()).get("render", {})
        out[n] = {"wall": statistics.median(walls), "requests": stats.get("requests"),
                  "remaining": stats.get("ratelimit_remaining_min"), "world": world_name}
    return out


def phases_run(base_env: dict, work: Path, log: Path, latency_ms: int, repeat: int) -> dict:
    """(e): Phase 4 and Phase 5 in one session, as the nightly job runs them."""
    walls, ratios, gets, sessions = [], [], [], []
    for i in range(repeat):
        request_log = work / f"phases-{i}.jsonl"
        env = dict(base_env, PHASEGATE_PHASES="phase4,phase5", PHASEGATE_SANDBOX_FAULTS=f"latency_ms={latency_ms}",
                   PHASEGATE_SANDBOX_REQUEST_LOG=str(request_log))
        offset = log.stat().st_size
        wall, done = timed(pytest_cmd("-m", PHASE4, "--env", "sandbox", "--no-report",
                                      f"--alluredir={work / f'phases-{i}'}", f"--report-dir={work / 'reports'}"), env)
        if done.returncode != 0:
            print(done.stdout[-3000:], done.stderr[-2000:])
            raise SystemExit(f"the Phase 4 + 5 run did not pass (exit {done.returncode})")
        requests = [json.loads(ln) for ln in request_log.read_text().splitlines() if ln.strip()]
        opened = phasegate_sessions(log.read_bytes()[offset:].decode("utf-8", "replace"))
        distinct = {(r["path"], r["query"]) for r in requests}
        walls.append(wall)
        gets.append(len(requests))
        ratios.append(len(requests) / len(distinct))
        sessions.append(opened)
    return {"wall": statistics.median(walls), "gets": statistics.median(gets), "ratio": statistics.median(ratios),
            "sessions": statistics.median(sessions)}


def budget_run(base_env: dict, work: Path, pairs: int = 1000) -> dict:
    """(d'): a fleet that needs several of Render's rate windows, at default settings."""
    request_log = work / "budget-requests.jsonl"
    env = dict(base_env, PHASEGATE_SANDBOX_WORLD=f"compliant-fleet-{pairs}", PHASEGATE_SANDBOX_FAULTS="",
               PHASEGATE_SANDBOX_REQUEST_LOG=str(request_log))
    seconds, done = timed(pytest_cmd("-m", "staging and policy", "--env", "sandbox", "--no-report",
                                     f"--alluredir={work / 'budget-results'}", f"--report-dir={work / 'budget'}"),
                          env, timeout=1800)
    requests = [json.loads(ln) for ln in request_log.read_text().splitlines() if ln.strip()]
    return {"pairs": pairs, "wall": seconds, "exit": done.returncode, "gets": len(requests),
            "refused": sum(r["status"] == 429 for r in requests),
            "passed": done.stdout.count("passed"), "tail": done.stdout.strip().splitlines()[-1:]}


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RENDER_", "PHASEGATE_", "DB_"))}
    env.update(extra)
    return env


def pytest_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", *args, "-p", "no:cacheprovider", "-q"]


def timed(cmd: list[str], env: dict[str, str], timeout: float = 600) -> tuple[float, subprocess.CompletedProcess]:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    return time.perf_counter() - t0, done


def phasegate_sessions(log_text: str) -> int:
    return len(re.findall(r"connection authorized: .*application_name=phasegate$", log_text, re.M))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency-ms", type=int, default=100, help="latency per Render response (default 100)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; medians are printed (default 3)")
    parser.add_argument("--no-budget", action="store_true", help="leave out (d'), the eight-minute run under Render's budget")
    opts = parser.parse_args()

    from phasegate.sandbox.postgres import SandboxPostgres
    import psycopg

    work = Path(tempfile.mkdtemp(prefix="pgbench.", dir="/tmp"))  # short: the Unix socket lives in it
    server = SandboxPostgres(data_dir=work / "phasegate" / f"pgdata-{os.getuid()}")
    server.start()  # held for the whole bench: each run's subprocess joins this server
    try:
        with psycopg.connect(server.admin_url, autocommit=True) as conn:
            conn.execute("ALTER SYSTEM SET log_connections = 'on'")
            conn.execute("SELECT pg_reload_conf()")
        log = server.data_dir / "log"
        base_env = clean_env(XDG_CACHE_HOME=str(work), PHASEGATE_PHASES="phase4")

        # Floor: pytest start-up with the plugins loaded (collection of the same selection).
        startup = []
        for _ in range(opts.repeat):
            seconds, done = timed(pytest_cmd("--collect-only", "-m", PHASE4, "--env", "sandbox", "--no-report",
                                             f"--alluredir={work / 'collect-results'}",
                                             f"--report-dir={work / 'reports'}"), base_env)
            # The plugin turns a run that judged nothing into exit 1, --collect-only included.
            if done.returncode not in (0, 1) or " collected" not in done.stdout:
                print(done.stdout[-2000:], done.stderr[-2000:])
                raise SystemExit("collection failed")
            startup.append(seconds)

        walls, ratios_a, sessions, gets, pages, durations = [], [], [], [], [], []
        for i in range(opts.repeat):
            request_log = work / f"requests-{i}.jsonl"
            env = dict(base_env, PHASEGATE_SANDBOX_FAULTS=f"latency_ms={opts.latency_ms}",
                       PHASEGATE_SANDBOX_REQUEST_LOG=str(request_log))
            offset = log.stat().st_size
            seconds, done = timed(pytest_cmd("-m", PHASE4, "--env", "sandbox", "--no-report",
                                             f"--alluredir={work / f'results-{i}'}",
                                             f"--report-dir={work / 'reports'}"), env)
            if done.returncode != 0:
                print(done.stdout[-3000:], done.stderr[-2000:])
                raise SystemExit(f"run {i + 1} did not pass (exit {done.returncode})")
            requests = [json.loads(ln) for ln in request_log.read_text().splitlines() if ln.strip()]
            distinct = {(r["path"], r["query"]) for r in requests}
            walls.append(seconds)
            gets.append(sum(r["method"] == "GET" for r in requests))
            pages.append(len(distinct))
            ratios_a.append(gets[-1] / len(distinct))
            sessions.append(phasegate_sessions(log.read_bytes()[offset:].decode("utf-8", "replace")))
            match = re.search(r"in ([\d.]+)s", done.stdout.strip().splitlines()[-1])
            durations.append(float(match.group(1)) if match else float("nan"))

        # For information: what the sandbox's own database setup costs inside each run (not in the floor).
        seeds = []
        for _ in range(opts.repeat):
            t0 = time.perf_counter()
            seeded = server.seed("compliant")
            seeded.start_worker_sessions()
            seeds.append(time.perf_counter() - t0)
            seeded.stop_worker_sessions()

        policy = policy_runs(base_env, work, opts.latency_ms, opts.repeat)
        phases = phases_run(base_env, work, log, opts.latency_ms, opts.repeat)
        budget = None if opts.no_budget else budget_run(base_env, work)

        env = dict(base_env, PHASEGATE_SANDBOX_FAULTS=f"latency_ms={opts.latency_ms}")
        with_reports, done = timed(pytest_cmd("-m", PHASE4, "--env", "sandbox",
                                              f"--alluredir={work / 'results-r'}",
                                              f"--report-dir={work / 'reports'}"), env)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)

    latency = opts.latency_ms / 1000
    floor = statistics.median(startup) + LEVELS * latency
    wall = statistics.median(walls)
    print(f"phasegate Phase 4 benchmark: sandbox, compliant world, {opts.latency_ms} ms per Render response, "
          f"median of {opts.repeat} runs")
    print(f"(a) Render GETs made / distinct resource pages needed = "
          f"{statistics.median(gets):.0f} / {statistics.median(pages):.0f} = {statistics.median(ratios_a):.2f}")
    print(f"(b) DB sessions opened by the suite (application_name=phasegate, server log) = "
          f"{statistics.median(sessions):.0f}   (per run: {', '.join(map(str, sessions))})")
    print(f"(c) wall time / floor = {wall:.2f} s / {floor:.2f} s = {wall / floor:.2f}")
    print(f"    floor = pytest start-up {statistics.median(startup):.2f} s (collect-only) "
          f"+ {LEVELS} levels x {latency:.3f} s")
    print(f"    runs: {', '.join(f'{w:.2f}' for w in walls)} s wall; pytest's own session time "
          f"{', '.join(f'{d:.2f}' for d in durations)} s")
    print(f"    for information: sandbox database seed + stand-in worker sessions (inside each run, "
          f"not in the floor) {statistics.median(seeds):.2f} s")
    print(f"    for information: one run with reports (completion report + Allure HTML) "
          f"{with_reports:.2f} s, exit {done.returncode}")
    base = policy[1]["wall"]
    print("(d) environment-wide policy, wall time by N more staging services (ratio to N = 1), "
          "GETs made, lowest Ratelimit-Remaining of 400/min:")
    for n, row in policy.items():
        print(f"    N = {n:>3}: {row['wall']:.2f} s ({row['wall'] / base:.2f}x), {row['requests']} GETs, "
              f"Ratelimit-Remaining >= {row['remaining']}  [{row['world']}]")
    if budget is not None:
        floor = budget["gets"] / 400 * 60
        print(f"(d') N = {budget['pairs']} pairs under Render's budget (400 GETs / 60 s, enforced), defaults: "
              f"{budget['gets']} GETs, {budget['refused']} answered 429, wall {budget['wall']:.1f} s / "
              f"(GETs / 400 per minute = {floor:.1f} s) = {budget['wall'] / floor:.2f}; "
              f"exit {budget['exit']} ({' '.join(budget['tail'])})")
    print(f"(e) Phase 4 + 5 together (one run): wall {phases['wall']:.2f} s, Render GETs / distinct pages = "
          f"{phases['gets']:.0f} / {phases['gets'] / phases['ratio']:.0f} = {phases['ratio']:.2f}, "
          f"DB sessions {phases['sessions']:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
