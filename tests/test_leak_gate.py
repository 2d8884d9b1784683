"""The secret-leak gate: a full sandbox run, its reports and a sign-off attempt, scanned for canaries.

Every secret of the run carries a canary: the Render API key, the digest key, the database
password (``pw-CANARY-…``, set by the sandbox), every secret env var of both services,
every env group value and secret file, every public endpoint's response body (both phases run).
Every artifact a person or CI could read — stdout,
stderr, the log file, JUnit XML, Allure results, the Allure HTML, the completion report,
run.json, the manifest — is scanned for each canary raw, URL-encoded and base64-encoded.
"""

from __future__ import annotations

import base64
import urllib.parse

import pytest

from acceptance import run_suite
from cli_runner import phasegate
from phasegate.sandbox.worlds import canary_values, world

KEY = "rnd_CANARY_leakgate_key_8f7e6d5c4b3a"
DIGEST_KEY = "digest-CANARY-key-1029384756"


def encodings(value: str) -> set[str]:
    raw = value.encode()
    forms = {value, urllib.parse.quote(value, safe=""), urllib.parse.quote_plus(value),
             base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()}
    # Inside a longer base64 blob the value starts at one of three byte alignments; the
    # quartets it shares with no neighbour (all but the first and the last) are the same.
    forms.add(base64.b64encode(raw).decode()[:-4])
    for shift in (1, 2):
        forms.add(base64.b64encode(b"\0" * shift + raw).decode()[4:-4])
    return {f for f in forms if len(f) >= 8}


@pytest.fixture(scope="module")
def full_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("leak-gate")
    log_file, junit = tmp / "run.log", tmp / "junit.xml"
    run = run_suite(tmp, "-m", "staging", "--env", "sandbox", f"--report-dir={tmp / 'reports'}",
                    f"--junitxml={junit}", f"--log-file={log_file}", "--log-file-level=DEBUG",
                    env={"RENDER_API_KEY": KEY, "PHASEGATE_DIGEST_KEY": DIGEST_KEY,
                         # Both phases: Phase 5 reads the public endpoints, whose bodies carry a canary.
                         "PHASEGATE_PHASES": "phase4,phase5"}, html=True)
    folder = next(p for p in (tmp / "reports" / "sandbox").iterdir() if p.is_dir())
    signoff = phasegate("signoff", folder, "--key", tmp / "no-key", "--signer", "Leak Gate <gate@example.com>",
                        env={"RENDER_API_KEY": KEY})
    return run, tmp, folder, signoff


def test_the_run_really_ran_and_produced_every_artifact(full_run):
    run, tmp, folder, signoff = full_run
    assert run.returncode == 0, run.stdout
    opt_in = {"P5-20", "P5-21"}  # the canary round trip runs only with --active
    assert len(run.outcomes) >= 50 and {run.outcomes[cid] for cid in opt_in} == {"skipped"}
    assert {status for cid, status in run.outcomes.items() if cid not in opt_in} == {"passed"}, run.stdout
    assert "P5-09" in run.outcomes  # the endpoints were read
    for name in ("completion-report.md", "completion-report.html", "manifest.json", "run.json",
                 "allure-report.html"):
        assert (folder / name).is_file(), name
    assert (tmp / "junit.xml").is_file() and (tmp / "run.log").is_file()
    assert signoff.returncode == 2 and "sandbox" in (signoff.stdout + signoff.stderr).lower()


def test_no_canary_appears_in_any_artifact(full_run):
    run, tmp, folder, signoff = full_run
    canaries = canary_values(world("compliant")) | {KEY, DIGEST_KEY}
    patterns = {"CANARY"} | {form for value in canaries for form in encodings(value)}
    # The database password is made by the sandbox: its prefix, raw and base64, stands for it.
    patterns |= encodings("pw-CANARY-")
    texts = {"stdout": run.stdout, "stderr": run.stderr,
             "signoff output": signoff.stdout + signoff.stderr}
    files = [p for p in tmp.rglob("*") if p.is_file()]
    for path in files:
        texts[str(path.relative_to(tmp))] = path.read_bytes().decode("utf-8", "replace")
    hits = [(where, pattern) for where, text in texts.items() for pattern in patterns if pattern in text]
    assert hits == []
    assert len(files) > 20  # the scan covered the run folder, not an empty directory


@pytest.mark.parametrize("prefix", ["", "a", "ab", "abc"])
def test_the_scan_would_see_a_canary_hidden_in_base64_or_a_url(prefix):
    secret = "sk-staging-CANARY-openai-7d1e"
    blob = base64.b64encode((prefix + secret + "tail").encode()).decode()
    assert any(form in blob for form in encodings(secret))
    url = "https://x.example/?k=" + urllib.parse.quote(prefix + secret, safe="")
    assert any(form in url for form in encodings(secret))


def test_a_flag_word_held_as_a_secret_is_not_scrubbed_from_every_output():
    """Scrubbing "false" everywhere broke the Allure report's own script (a blank page); a real secret is scrubbed."""
    from phasegate import redact

    for word in ("false", "True", "null", "none"):
        redact.register(word)
    redact.register("flag-CANARY-real-secret-41")
    text = "window.allureReportDataReady = false; x = True; y = null; none; token flag-CANARY-real-secret-41"
    assert redact.scrub(text) == text.replace("flag-CANARY-real-secret-41", redact.MASK)
