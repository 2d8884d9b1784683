"""A stand-in for the deployed worker (``upload-worker-staging``), for the round trip in the sandbox.

``python -m phasegate.sandbox.worker`` reads one JSON line on stdin (the worker role's URL,
the queue table, its behaviour), connects as the worker role, says ``ready`` on stdout, and
loops every ``poll_seconds`` until stdin closes: claim one queued job with
``SELECT … FOR UPDATE SKIP LOCKED``, count the attempt, and finish it in the same
transaction: done, or, for a poison job (``payload->>'kind' = 'poison'``), record
``last_error`` and put it back until ``attempts = max_attempts``, then failed. Its done and failed
states are the profile's (``done_status``, ``failed_status``; default ``done`` and ``failed``), as
a deployed worker's are what the profile says they are.

A behaviour other than ``normal`` is one of the sandbox's broken workers (worlds.WORKER_WORLDS):
``attempts-2`` completes a good job only on its second attempt; ``poison-failed-early`` fails a
poison job at its first attempt; ``poison-no-last-error`` never records last_error. (A
``stopped`` worker is never started.)
"""

from __future__ import annotations

import json
import signal
import sys
import threading

import psycopg
from psycopg import sql

BEHAVIOURS = ("normal", "attempts-2", "poison-failed-early", "poison-no-last-error", "stopped")
APPLICATION_NAME = "upload-worker (phasegate sandbox worker process)"  # the idle sessions are "stand-in"
POISON_ERROR = "poison job: the payload names no file to process (phasegate canary)"


def work_once(conn: psycopg.Connection, table: sql.Composable, behaviour: str, done: str = "done",
              failed: str = "failed") -> int | None:
    """Claim and finish at most one queued job; its id, or None when the queue had none."""
    with conn.transaction():
        row = conn.execute(sql.SQL(
            "SELECT id, payload->>'kind', attempts, max_attempts FROM {} WHERE status = 'queued' "
            "ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED").format(table)).fetchone()
        if row is None:
            return None
        job_id, kind, attempts, max_attempts = row
        attempts += 1
        if kind == "poison":
            status = failed if attempts >= max_attempts or behaviour == "poison-failed-early" else "queued"
            error = None if behaviour == "poison-no-last-error" else POISON_ERROR
        elif behaviour == "attempts-2" and attempts < 2:
            status, error = "queued", "transient: retried (phasegate sandbox stand-in)"
        else:
            status, error = done, None
        conn.execute(sql.SQL(
            "UPDATE {} SET status = %s, attempts = %s, last_error = coalesce(%s, last_error), "
            "started_at = now(), updated_at = now() WHERE id = %s").format(table),
            (status, attempts, error, job_id))
        return job_id


def main() -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the suite; it stops this worker by closing stdin
    spec = json.loads(sys.stdin.readline())
    behaviour = spec.get("behaviour", "normal")
    if behaviour not in BEHAVIOURS:
        print(f"unknown behaviour {behaviour!r}", flush=True)
        return 2
    table = sql.Identifier(spec["schema"], spec["table"])
    done, failed = spec.get("done_status", "done"), spec.get("failed_status", "failed")
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()  # stdin closed: stop
    try:
        conn = psycopg.connect(spec["url"], autocommit=True, connect_timeout=10, prepare_threshold=None,
                               application_name=APPLICATION_NAME)
    except psycopg.Error as exc:
        print(f"cannot connect: {type(exc).__name__}", flush=True)  # never the URL
        return 1
    print("ready", flush=True)
    with conn:
        while not stop.is_set():
            try:
                while work_once(conn, table, behaviour, done, failed) is not None and not stop.is_set():
                    pass
            except psycopg.Error:
                if conn.broken:
                    return 1
            stop.wait(float(spec.get("poll_seconds", 0.1)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
