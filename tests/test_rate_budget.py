"""Proof that a large environment is read within Render's GET budget: paced, never refused.

The simulator enforces the budget as Render does (so many GETs per fixed window, then 429
with Retry-After); here the window is shortened so that a fleet larger than one window is
read in seconds.
"""

from __future__ import annotations

import math
import threading
import time

import httpx
import pytest

from acceptance import run_suite
from phasegate.render._pacing import RateWindow, WaitLimitExceeded
from phasegate.sandbox.faults import Faults
from phasegate.sandbox.simulator import RenderSimulator
from phasegate.sandbox.worlds import world
from test_policy import policy_results

FLEET = "policy-fleet-100-forbidden-key"  # 103 staging services; thumbnail-worker-staging holds JWT_SECRET
BUDGET, WINDOW_S = 60, 2.0
KEY = "rnd_CANARY_budget_key_7f7f"


def assert_verdicts_right(run) -> None:
    results = policy_results(run)
    assert len(results) == 103, run.stdout[-3000:]
    assert results.pop("thumbnail-worker-staging") == "failed"
    assert set(results.values()) == {"passed"}, {k: v for k, v in results.items() if v != "passed"}


def test_a_fleet_larger_than_one_window_is_paced_with_zero_429s(tmp_path):
    started = time.monotonic()
    run = run_suite(tmp_path, "-m", "staging and policy", "--env", "sandbox", world=FLEET,
                    faults=f"budget={BUDGET},window_ms={int(WINDOW_S * 1000)}")
    wall = time.monotonic() - started
    assert_verdicts_right(run)
    statuses = [r["status"] for r in run.requests]
    assert statuses.count(429) == 0, statuses.count(429)
    gets = len(statuses)
    assert gets > 3 * BUDGET  # more than three windows' worth
    # The forbidden-keys rule reads each background worker's own secret files (102 of the 103; the API is a web service).
    assert sum(r["path"].endswith("/secret-files") for r in run.requests) == 102
    # Window arithmetic: the reads need ceil(GETs / budget) windows; all but the last are waited out.
    floor = (math.ceil(gets / BUDGET) - 1) * WINDOW_S
    assert floor <= wall <= floor + 20, (gets, floor, wall)
    assert "reads; Render's budget of 400 GETs a minute makes that about" in run.stderr


def test_another_client_spending_the_budget_causes_429s_and_every_verdict_is_still_right(tmp_path):
    urls = {"DATABASE_URL": "postgresql://u@db.invalid/phase4", "PRODUCTION_DATABASE_URL": "postgresql://p@db.invalid/p"}
    faults = Faults(budget=BUDGET, window_ms=int(WINDOW_S * 1000))
    stop = threading.Event()
    with RenderSimulator(world(FLEET), api_key=KEY, faults=faults, substitutions=urls) as sim:
        def other_client() -> None:  # another tool on the same key, spending half of each window
            with httpx.Client(base_url=sim.base_url, headers={"Authorization": f"Bearer {KEY}"}) as http:
                while not stop.is_set():
                    for _ in range(BUDGET // 2):
                        http.get("/services", params={"limit": 1, "by": "other-client"})
                    stop.wait(WINDOW_S)

        thread = threading.Thread(target=other_client, daemon=True)
        thread.start()
        try:
            run = run_suite(tmp_path, "-m", "staging and policy", world=None,
                            env={"RENDER_API_URL": sim.base_url, "RENDER_API_KEY": KEY,
                                 "POLICY_SERVICE_PATTERN": "*-staging"})
        finally:
            stop.set()
            thread.join()
        ours = [r for r in sim.requests if "by=other-client" not in r.query]
    assert_verdicts_right(run)
    assert sim.budget_refusals > 0  # the budget really was contested
    assert any(r.status == 200 for r in ours)
    assert KEY not in run.stdout + run.stderr


class FakeTime:
    def __init__(self):
        self.now, self.sleeps = 0.0, []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_the_window_admits_what_is_left_minus_what_is_in_flight():
    ft = FakeTime()
    window = RateWindow(wait_limit=100, clock=ft.clock, sleep=ft.sleep)
    window.admit()
    window.release(remaining="3", reset="10", limit="400")  # 3 left in this window
    admitted = []
    for _ in range(3):
        window.admit()
        admitted.append(ft.now)
    assert admitted == [0.0, 0.0, 0.0] and ft.sleeps == []  # room for exactly three in flight
    for left in ("2", "1", "0"):
        window.release(remaining=left, reset="10", limit="400")
    window.admit()  # the fourth waits for the reset, then the new window's whole budget
    assert ft.sleeps == [10.0]


def test_a_request_in_flight_frees_its_place_when_it_answers():
    window = RateWindow(wait_limit=100)
    window.admit()
    window.release(remaining="1", reset="60", limit="400")
    window.admit()  # the last place
    blocked = threading.Event()

    def third():
        window.admit()
        blocked.set()

    thread = threading.Thread(target=third, daemon=True)
    thread.start()
    assert not blocked.wait(0.2)  # no room: 1 left, 1 in flight
    window.release(remaining="1", reset="60", limit="400")  # it answered; the server still has 1 left
    assert blocked.wait(2)
    thread.join()


def test_waits_beyond_the_runs_limit_are_refused_with_the_reason():
    ft = FakeTime()
    window = RateWindow(wait_limit=30, clock=ft.clock, sleep=ft.sleep)
    window.admit()
    window.release(remaining="0", reset="45", limit="400")
    with pytest.raises(WaitLimitExceeded, match="resets in 45 s, past the run's 30 s limit on rate waits"):
        window.admit()
    assert ft.sleeps == []


def test_readers_waiting_for_the_same_reset_count_it_once():
    ft = FakeTime()
    window = RateWindow(wait_limit=15, clock=ft.clock, sleep=lambda s: None)  # time stands still
    window.admit()
    window.release(remaining="0", reset="10", limit="400")
    for _ in range(3):  # three readers find the window spent; each would wait 10 s, together 10 s
        with pytest.raises(_Admitted):
            _admit_once(window)
    assert window.waited == 10.0


class _Admitted(Exception):
    pass


def _admit_once(window):
    """Run admit() until its first sleep (time is frozen, so it would sleep forever)."""
    def stop(_seconds):
        raise _Admitted
    window._sleep = stop
    window.admit()
