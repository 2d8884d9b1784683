"""One cause, one line: a Render API that refuses or cannot be reached is named once, first; criteria refer to it."""

from __future__ import annotations

import re
import socket
import time

import pytest

from acceptance import run_suite
from phasegate.render import NetworkError, RenderClient
from phasegate.sandbox.simulator import RenderSimulator
from phasegate.sandbox.worlds import world

CRITERION_LINE = re.compile(r"^(\[sandbox\] )?P4-\d\d ")  # the simulator answered: the run is stamped sandbox
KEY = "rnd_onecause_right_0000"
WRONG = "rnd_onecause_wrong_1111"


@pytest.fixture(scope="module")
def refused_run(tmp_path_factory):
    with RenderSimulator(world("compliant"), api_key=KEY) as sim:
        started = time.monotonic()
        run = run_suite(tmp_path_factory.mktemp("refused"), "-m", "staging", world=None,
                        env={"RENDER_API_URL": sim.base_url, "RENDER_API_KEY": WRONG})
        return run, time.monotonic() - started


def test_a_refused_key_is_printed_once_and_first(refused_run):
    run, _ = refused_run
    lines = run.stdout.splitlines()
    causes = [ln for ln in lines if "refused the key" in ln]
    assert len(causes) == 1, causes
    assert causes[0].startswith("phasegate: cause 1 — the Render API as a whole: Render API refused the key")
    first_failure = next(i for i, ln in enumerate(lines) if CRITERION_LINE.match(ln))
    assert lines.index(causes[0]) < first_failure, "the cause comes before the criteria it broke"


def test_every_criterion_it_broke_refers_to_it_in_a_few_words(refused_run):
    run, _ = refused_run
    assert run.outcomes and set(run.outcomes.values()) == {"broken"}
    references = [ln for ln in run.stdout.splitlines() if CRITERION_LINE.match(ln)]
    assert len(references) >= len(run.outcomes) - 1
    assert all(ln.endswith("broken by cause 1 (Render API unusable, printed above)") for ln in references), references
    assert re.search(r"^cause 1 \(the Render API, printed above\) broke \d+ criteria$", run.stdout, re.M)
    # Each Allure result still stands alone: it carries the whole cause.
    assert all("refused the key" in m for cid in run.outcomes for m in run.messages(cid))
    assert WRONG not in run.artifacts_text()


def test_a_refused_connection_is_tried_twice_and_ends_in_about_a_second():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    client = RenderClient(f"http://127.0.0.1:{port}/v1", KEY, timeout=5, retry_budget=30)
    started = time.monotonic()
    with pytest.raises(NetworkError) as caught:
        client.list_services()
    elapsed = time.monotonic() - started
    client.close()
    assert "connection refused" in str(caught.value) and "after 2 attempts" in str(caught.value)
    assert client.request_count == 2
    assert elapsed < 2.0, f"{elapsed:.1f}s for a refused connection"
