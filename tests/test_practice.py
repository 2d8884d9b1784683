"""``phasegate practice``: the whole sign-off flow on the sandbox with a throwaway key, stamped PRACTICE, and a
practice signature that never opens a real environment's gate.

The flow is one ``phasegate practice`` process, as a new user runs it (a subprocess is the point: every step is
itself a process). What it leaves is then read and turned against the real gate in-process.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import time
from pathlib import Path

import pytest

from acceptance import ROOT, run_suite
from cli_runner import phasegate
from phasegate.report import promotion
from phasegate.report.signoff import PRACTICE_NAMESPACE, Refused, signoff
from standin import signing_key
from test_signoff import SIGNER

WEEK = dt.timedelta(days=7)


@pytest.fixture(scope="module")
def practice(tmp_path_factory):
    """One walk of ``phasegate practice`` into a report root of the test's own: (its output, the root, seconds)."""
    root = tmp_path_factory.mktemp("practice") / "reports-practice"
    started = time.monotonic()
    done = phasegate("practice", "--dir", root, timeout=180)
    return done, root, time.monotonic() - started


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    return signing_key(tmp_path_factory.mktemp("keys"))


def _runs(root: Path) -> list[Path]:
    return sorted(p for p in (root / "sandbox").iterdir() if (p / "run.json").is_file())


def test_practice_walks_to_open_then_drifted_with_every_artefact_stamped_practice(practice):
    done, root, seconds = practice
    out = done.stdout
    assert done.returncode == 0 and not done.stderr, out + done.stderr
    assert seconds < 120, f"phasegate practice took {seconds:.0f} s"
    steps = re.findall(r"^\[(\d)/7\] .*\n  \$ (.*)\n  → exit (\d+): (.*)$", out, re.M)
    assert [(n, code) for n, _, code, _ in steps] == [("1", "0"), ("2", "3"), ("3", "0"), ("4", "0"), ("5", "0"),
                                                       ("6", "1"), ("7", "1")], out
    commands = [command for _, command, _, _ in steps]
    assert "python -m pytest -m staging --env sandbox --phase phase4 --practice" in commands[0]
    assert commands[0].startswith("PHASEGATE_SANDBOX_WORLD=compliant ") and "P4-43-public-usage" in commands[5]
    assert [c.split()[:2] for c in commands[1:5] + commands[6:]] == [
        ["phasegate", "status"], ["phasegate", "signoff"], ["phasegate", "verify"], ["phasegate", "gate"],
        ["phasegate", "gate"]]
    outcomes = [line for _, _, _, line in steps]
    assert outcomes[4].startswith("PRACTICE OPEN: phase4 signed ") and "no drift" in outcomes[4]
    assert outcomes[6].startswith("PRACTICE DRIFTED: phase4 signed ") and "since then P4-43 failed" in outcomes[6]
    assert outcomes[1].split(": ", 1)[1].startswith("PRACTICE: ") and outcomes[2].startswith("PRACTICE: signed ")
    assert outcomes[3].startswith("OK: PRACTICE ")
    # The closing summary says where the artefacts are; the throwaway private key is gone.
    signed, later = _runs(root)
    assert f"signed run:      {signed}/" in out and f"later run:       {later}/" in out
    key = Path(re.search(r"throwaway key \((.+?), deleted at the end\)", out).group(1))
    assert not (key if key.is_absolute() else ROOT / key).exists()
    # Every artefact stamped PRACTICE: run.json, the completion report, the Allure HTML, the signature's record.
    for folder in (signed, later):
        assert json.loads((folder / "run.json").read_text())["practice"] is True
        assert (folder / "completion-report.md").read_text().startswith("# PRACTICE — SANDBOX — ")
        assert "<title>PRACTICE — SANDBOX — " in (folder / "completion-report.html").read_text()
        assert "PRACTICE — SANDBOX — Phase 4" in (folder / "allure-report.html").read_text()
    record = json.loads((signed / "signoff.json").read_text())
    assert record["practice"] is True and record["namespace"] == PRACTICE_NAMESPACE and "PRACTICE" in record["note"]
    assert json.loads((signed / "manifest.json").read_text())["signoff"]["practice"] is True
    assert (root / "allowed_signers.practice").read_text().startswith(
        f'practice@phasegate.invalid namespaces="{PRACTICE_NAMESPACE}" ssh-ed25519 ')


def _real_environment(tmp_path: Path, signed: Path, name: str = "staging") -> Path:
    """reports/<name> holding a copy of the practice-signed run (its folder name kept)."""
    folder = tmp_path / "reports" / name
    folder.mkdir(parents=True)
    shutil.copytree(signed, folder / signed.name)
    return folder


def test_a_practice_signature_never_opens_a_real_environments_gate(practice, tmp_path):
    _, root, _ = practice
    signed = _runs(root)[0]
    practice_signers = root / "allowed_signers.practice"
    # Even with the throwaway key in the allowed signers for the real namespace: the line says why, in one line.
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(practice_signers.read_text().replace(f'namespaces="{PRACTICE_NAMESPACE}"',
                                                            'namespaces="phasegate,phasegate-practice"'))
    for name in ("staging", "sandbox"):  # a real environment's folder, and the sandbox's asked without --practice
        decision = promotion.decide(_real_environment(tmp_path / name, signed, name), "phase4", allowed, WEEK)
        assert decision.code == promotion.NO_SIGNATURE and "\n" not in decision.line
        assert decision.line == (f"NO VALID SIGNATURE: phase4: {signed.name} carries a PRACTICE signature "
                                 "(`phasegate practice`, a sandbox run and a throwaway key): a practice sign-off never "
                                 "opens a real environment's gate"), decision.line
    done = phasegate("gate", tmp_path / "staging" / "reports" / "staging", "--phase", "phase4",
                     "--allowed-signers", allowed)
    assert done.returncode == 2 and done.stdout.count("\n") == 1 and "carries a PRACTICE signature" in done.stdout


def test_a_practice_signature_made_to_look_real_no_longer_verifies(practice, tmp_path):
    """The record says PRACTICE under the signature: drop the flag and the signature (practice namespace) fails."""
    _, root, _ = practice
    folder = _real_environment(tmp_path, _runs(root)[0])
    manifest = folder / _runs(root)[0].name / "manifest.json"
    data = json.loads(manifest.read_text())
    del data["signoff"]["practice"]
    data["signoff"]["namespace"] = "phasegate"
    manifest.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    allowed = tmp_path / "allowed_signers"
    allowed.write_text((root / "allowed_signers.practice").read_text().replace(PRACTICE_NAMESPACE, "phasegate"))
    decision = promotion.decide(folder, "phase4", allowed, WEEK)
    assert decision.code == promotion.NO_SIGNATURE and "signature does not verify" in decision.line, decision.line


def test_signoff_keeps_practice_and_real_apart(practice, tmp_path, keys):
    _, root, _ = practice
    later = tmp_path / _runs(root)[1].name  # the practice run of the violating world, unsigned
    shutil.copytree(_runs(root)[1], later)
    key, _ = keys
    with pytest.raises(Refused, match=r"a PRACTICE run of the sandbox \(`phasegate practice`\): signed only with "
                                      r"`phasegate signoff --practice`"):
        signoff(later, key, SIGNER)
    record = json.loads((later / "run.json").read_text())
    del record["practice"]
    (later / "run.json").write_text(json.dumps(record))
    with pytest.raises(Refused, match=r"not a PRACTICE run: --practice signs and gates only a run of "):
        signoff(later, key, SIGNER, practice=True)


def test_practice_runs_only_on_the_sandbox(tmp_path):
    run = run_suite(tmp_path, "-m", "staging", "--env", "staging", "--practice", world=None,
                    env={"RENDER_API_KEY": "rnd_x"})
    assert run.returncode == 4, run.stdout + run.stderr
    (line,) = [ln for ln in (run.stdout + run.stderr).splitlines() if ln.startswith("ERROR:")]
    assert "--practice runs only on the sandbox (--env sandbox), not environments/staging.env" in line

