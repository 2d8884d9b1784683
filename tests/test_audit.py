"""`phasegate audit`: every ✅ of a hand-written report accounted for, line by line, with today's verdicts."""

from __future__ import annotations

import json
import re

import pytest

from acceptance import ROOT, run_suite
from phasegate.catalogue import claims
from phasegate.cli import main
from phasegate.report.model import load_run
from test_claims import SEED

HAND_WRITTEN = ROOT / "features" / "phase4" / "hand-written-report.md"


def audit(capsys, *args) -> tuple[int, str, str]:
    code = main(["audit", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def audit_json(capsys, *args) -> tuple[int, dict]:
    code, out, err = audit(capsys, *args, "--json")
    assert not err, err
    return code, json.loads(out)


def test_the_seed_has_88_claims_all_accounted_for(capsys):
    code, data = audit_json(capsys, HAND_WRITTEN)
    assert code == 0
    assert (data["phase"], data["total"], data["unmapped"]) == ("phase4", 88, 0)
    assert [(c["line"], c["text"]) for c in data["claims"]] == [(line, text) for line, text, _ in SEED]
    assert all(set(c) == {"line", "text", "status", "criteria", "reason", "verdict"} | (
        {"field"} if c["status"] == "not_applicable" else set()) for c in data["claims"])
    assert {c["status"] for c in data["claims"]} == {"criteria", "phase_verdict", "not_verifiable", "not_applicable"}
    assert all(c["verdict"] is None for c in data["claims"])  # no --run: no verdict
    assert all(c["reason"] for c in data["claims"] if c["status"] == "not_verifiable")
    code, out, _ = audit(capsys, HAND_WRITTEN)
    assert code == 0 and len(out.splitlines()) == 89
    assert out.splitlines()[0] == "    5  Status: COMPLETED — phase verdict"
    assert "  120  JWT_SECRET: Removed from environment — criteria P4-27" in out.splitlines()
    assert out.splitlines()[-1].endswith("0 unmapped")


def _reformatted(text: str) -> str:
    """The same claims written differently: bullets, emphasis, spacing, case and marks."""
    out = []
    for line in text.splitlines():
        if claims.is_claim_line(line):
            line = line.replace("- ", "* ", 1).replace("**", "__").replace(": ", " :   ")
            line = line.replace("✅", "✔️") if "LIVE" in line else line
            line = line.lower() if "Staging" in line else line
        out.append(line)
    return "\n".join(out) + "\n"


def test_reformatting_alone_changes_nothing(tmp_path, capsys):
    _, original = audit_json(capsys, HAND_WRITTEN)
    copy = tmp_path / "reformatted.md"
    copy.write_text(_reformatted(HAND_WRITTEN.read_text()))
    code, again = audit_json(capsys, copy)
    assert code == 0 and again["unmapped"] == 0
    strip = [{k: v for k, v in c.items() if k != "text"} for c in again["claims"]]
    assert strip == [{k: v for k, v in c.items() if k != "text"} for c in original["claims"]]


def test_an_edited_copy_reports_exactly_the_added_claims_as_unmapped(tmp_path, capsys):
    lines = HAND_WRITTEN.read_text().splitlines()
    lines = [ln for ln in lines if "Monitored via Render dashboard" not in ln and "LOG_LEVEL=INFO" not in ln]
    at = lines.index("### Security Measures")
    lines[at:at] = ["- ✅ **Backups**: Nightly snapshots verified", "- [x] Runbook reviewed", ""]
    lines.append("- ☑ **Phase 4 Status**: COMPLETED")  # an old claim in new clothes: accounted for
    copy = tmp_path / "edited.md"
    copy.write_text(_reformatted("\n".join(lines)))
    code, data = audit_json(capsys, copy)
    assert code == 1
    unmapped = [(c["line"], c["text"]) for c in data["claims"] if c["status"] == "unmapped"]
    assert [text for _, text in unmapped] == ["Backups: Nightly snapshots verified",
                                              "Runbook reviewed"]
    assert data["total"] == 88 - 2 + 3 and data["unmapped"] == 2
    code, out, _ = audit(capsys, copy)
    assert code == 1 and out.count("UNMAPPED") == 2 and out.splitlines()[-1].endswith("2 unmapped")


@pytest.mark.parametrize("args, message", [
    (["missing.md"], "phasegate audit: missing.md: no such file"),
    ([".", "--phase", "phase4"], "phasegate audit: . is a folder, not a Markdown report"),
    ([HAND_WRITTEN, "--phase", "phase9"], "phasegate audit: no such phase phase9; phases: phase4, phase5"),
    ([HAND_WRITTEN, "--run", "nowhere"], "phasegate audit: nowhere is neither a run folder nor a folder of runs"),
])
def test_an_unusable_input_is_one_line_and_exit_2(capsys, args, message):
    code, out, err = audit(capsys, *args)
    assert (code, out, err) == (2, "", message + "\n")


def test_a_binary_file_is_unreadable(tmp_path, capsys):
    (tmp_path / "report.md").write_bytes(b"\xff\xfe\x00claims")
    code, _, err = audit(capsys, tmp_path / "report.md")
    assert code == 2 and err == f"phasegate audit: {tmp_path / 'report.md'} is not UTF-8 text\n"


@pytest.fixture(scope="module")
def branch_run(tmp_path_factory):
    """A world violating P4-11 (the branch), its reports written."""
    tmp = tmp_path_factory.mktemp("p4-11")
    run = run_suite(tmp, "-m", "staging", "--env", "sandbox", f"--report-dir={tmp / 'reports'}", world="P4-11")
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-3000:]
    return next((tmp / "reports" / "sandbox").glob("*-phase4"))


def test_run_verdicts_equal_the_runs_own_for_every_criterion(branch_run, capsys):
    record = json.loads((branch_run / "run.json").read_text())
    own = {cid: entry["outcome"] for cid, entry in record["criteria"].items()}
    statuses = {cid: r.status for cid, r in load_run(branch_run).results.items()}
    assert own == {cid: s for cid, s in statuses.items() if cid in own}  # no waiver here: status is outcome
    assert own["P4-11"] == "failed"
    code, data = audit_json(capsys, HAND_WRITTEN, "--run", branch_run)
    assert code == 0
    for claim in data["claims"]:
        if claim["status"] == "criteria":
            expected = claims.worst(own.get(cid, "not run") for cid in claim["criteria"])
            assert claim["verdict"] == expected, claim
            if len(claim["criteria"]) == 1 and claim["criteria"][0] in own:
                assert claim["verdict"] == own[claim["criteria"][0]], claim
        elif claim["status"] == "phase_verdict":
            assert claim["verdict"] == "SANDBOX"
        elif claim["status"] == "not_applicable":  # holds while the criteria that judge its field pass
            assert claim["verdict"] == claims.not_applicable_word(own.get(c, "not run") for c in claim["criteria"])
        else:
            assert claim["verdict"] is None
    failed = {c["line"] for c in data["claims"] if c["verdict"] == "failed"}
    assert failed == {c["line"] for c in data["claims"] if "P4-11" in c["criteria"] and c["status"] == "criteria"}
    # reports/<env>: the newest run of each phase, as `phasegate status` reads it
    _, same = audit_json(capsys, HAND_WRITTEN, "--run", branch_run.parent)
    assert [c["verdict"] for c in same["claims"]] == [c["verdict"] for c in data["claims"]]


def test_the_report_of_a_world_violating_p4_11_shows_exactly_its_claims_failed(branch_run):
    md = (branch_run / "completion-report.md").read_text()
    section = md.split("## The hand-written report, line by line", 1)[1].split("\n## ", 1)[0]
    rows = [r for r in section.splitlines() if re.match(r"^\| \d+ \|", r)]
    assert len(rows) == 88
    failed = [int(r.split("|")[1]) for r in rows if "✘ **failed**" in r]
    mapped = [line for line, _text, what in SEED if "P4-11" in what.split() and not what.startswith("not")]
    assert failed == mapped == [39, 41, 99]
    assert "88 claims: 77 judged by 48 criteria, 3 phase verdicts, 7 not verifiable, 1 not applicable; this run contradicts 3" in md
    page = (branch_run / "completion-report.html").read_text()
    assert page.count("✘ failed</span>") == 3 and "The hand-written report, line by line" in page


def test_the_compliant_golden_report_carries_the_ledger_of_all_88_claims():
    golden = (ROOT / "tests" / "golden" / "phase4-compliant.report.txt").read_text()
    section = golden.split("## The hand-written report, line by line", 1)[1].split("\n## ", 1)[0]
    rows = [r for r in section.splitlines() if re.match(r"^\| \d+ \|", r)]
    assert [int(r.split("|")[1]) for r in rows] == [line for line, _t, _w in SEED]
    assert not any("✘ **failed**" in r or "! **broken**" in r for r in rows)
