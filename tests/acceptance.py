"""Run the acceptance suite itself, as QA would, and read back what it concluded.

Each run is a real ``pytest`` subprocess in the repository, with its own Allure results
folder; outcomes are read from the Allure result files (the same files the report uses),
so a test here sees exactly what a person would see.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from phasegate.catalogue.criteria import CRITERION_TAG, load_phase
from phasegate.sandbox.postgres import ENV_DATA_DIR

ROOT = Path(__file__).resolve().parent.parent
_ORDER = ("passed", "skipped", "failed", "broken")


def valid_run_record(record: dict) -> dict:
    """``record`` (a run.json the suite wrote), once it validates against the published schema (docs/)."""
    import jsonschema

    schema = json.loads((ROOT / "docs" / "run-record.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(record)
    return record


def criteria_tagged(tag: str, phase: str) -> list[str]:
    """The phase's criteria whose scenario (or Feature) carries ``tag``, from the features themselves:
    a new criterion of an existing kind joins the tests that cover its kind without a list to edit."""
    return sorted(cid for cid, c in load_phase(ROOT, phase).criteria.items() if tag in c.tags)


@dataclass
class SuiteRun:
    returncode: int
    stdout: str
    stderr: str
    allure_dir: Path
    request_log: Path
    results: list[dict] = field(default_factory=list)

    @property
    def outcomes(self) -> dict[str, str]:
        """Criterion ID -> worst status over its scenarios and Examples rows."""
        worst: dict[str, str] = {}
        for result in self.results:
            for label in result.get("labels", []):
                if label.get("name") == "tag" and CRITERION_TAG.match(label.get("value", "")):
                    cid, status = label["value"], result.get("status", "unknown")
                    if cid not in worst or _ORDER.index(status) > _ORDER.index(worst[cid]):
                        worst[cid] = status
        return worst

    def messages(self, cid: str) -> list[str]:
        out = []
        for result in self.results:
            if any(lb.get("value") == cid for lb in result.get("labels", [])):
                out.append((result.get("statusDetails") or {}).get("message", ""))
        return out

    @property
    def requests(self) -> list[dict]:
        if not self.request_log.exists():
            return []
        return [json.loads(line) for line in self.request_log.read_text().splitlines() if line.strip()]

    def artifacts_text(self) -> str:
        """Everything the run wrote that a person or CI could read: stdout, stderr, Allure files."""
        parts = [self.stdout, self.stderr]
        for path in sorted(self.allure_dir.rglob("*")):
            if path.is_file():
                parts.append(path.read_bytes().decode("utf-8", "replace"))
        return "\n".join(parts)


def suite_command(tmp_path: Path, *args: str, world: str | None = "compliant", faults: str = "",
                  env: dict[str, str] | None = None, cache: bool = False) -> tuple[list[str], dict[str, str]]:
    """The pytest command line and environment of one suite run (``cache``: keep pytest's cache in tmp)."""
    allure_dir = tmp_path / "allure-results"
    request_log = tmp_path / "requests.jsonl"
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith(("RENDER_", "PHASEGATE_", "DB_")) or k == ENV_DATA_DIR}
    if world is not None:
        environ["PHASEGATE_SANDBOX_WORLD"] = world
    environ["PHASEGATE_SANDBOX_FAULTS"] = faults
    # A test judges Phase 4 unless it asks for more (--phase, or PHASEGATE_PHASES in env): the
    # sandbox profile enables every phase, and Phase 4's worlds need not pay for Phase 5's reads.
    environ["PHASEGATE_PHASES"] = "phase4"
    environ["PHASEGATE_SANDBOX_REQUEST_LOG"] = str(request_log)
    environ.update(env or {})
    argv = list(args) or ["-m", "staging", "--env", "sandbox"]
    if not any(a.startswith("--report-dir") for a in argv):
        # Tests that do not look at reports keep their run folder in tmp and skip the HTML.
        argv += [f"--report-dir={tmp_path / 'reports'}", "--no-report"]
    cache_args = ["-o", f"cache_dir={tmp_path.parent / 'pytest-cache'}"] if cache else ["-p", "no:cacheprovider"]
    cmd = [sys.executable, "-m", "pytest", *argv, f"--alluredir={allure_dir}", *cache_args, "-q"]
    return cmd, environ


class _SuiteServer:
    """One warm ``tests/suite_server.py`` per test process: each run is a process forked from it."""

    _process: subprocess.Popen | None = None

    @classmethod
    def run(cls, cmd: list[str], environ: dict[str, str], out: Path, err: Path, timeout: float) -> int:
        assert cmd[:3] == [sys.executable, "-m", "pytest"], cmd
        if cls._process is None or cls._process.poll() is not None:
            clean = {k: v for k, v in os.environ.items() if not k.startswith(("RENDER_", "PHASEGATE_", "DB_"))}
            cls._process = subprocess.Popen([sys.executable, str(ROOT / "tests" / "suite_server.py")], cwd=ROOT,
                                            env=clean, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            atexit.register(cls._process.stdin.close)
        request = {"argv": cmd[3:], "env": environ, "cwd": str(ROOT), "stdout": str(out), "stderr": str(err),
                   "timeout": timeout}
        cls._process.stdin.write(json.dumps(request) + "\n")
        cls._process.stdin.flush()
        reply = cls._process.stdout.readline()
        if not reply:
            raise RuntimeError("tests/suite_server.py ended; run one suite with PHASEGATE_TESTS_SUBPROCESS=1 to see why")
        returncode = json.loads(reply)["returncode"]
        if returncode == -9:
            raise subprocess.TimeoutExpired(cmd, timeout)
        return returncode


def run_suite(tmp_path: Path, *args: str, world: str | None = "compliant", faults: str = "",
              env: dict[str, str] | None = None, timeout: float = 240, cache: bool = False) -> SuiteRun:
    """One run of the acceptance suite, as ``python -m pytest`` would make it: in a process forked from a warm
    interpreter (``PHASEGATE_TESTS_SUBPROCESS=1``: a new interpreter, as before)."""
    allure_dir = tmp_path / "allure-results"
    started = time.monotonic()
    cmd, environ = suite_command(tmp_path, *args, world=world, faults=faults, env=env, cache=cache)
    if os.environ.get("PHASEGATE_TESTS_SUBPROCESS") == "1" or not hasattr(os, "fork"):
        done = subprocess.run(cmd, cwd=ROOT, env=environ, capture_output=True, text=True, timeout=timeout)
        returncode, stdout, stderr = done.returncode, done.stdout, done.stderr
    else:
        with tempfile.TemporaryDirectory(prefix="phasegate-suite-") as streams:
            # The run's streams live outside tmp_path: a test may list its folder, or pass one not made yet.
            out, err = Path(streams, "stdout"), Path(streams, "stderr")
            returncode = _SuiteServer.run(cmd, environ, out, err, timeout)
            stdout, stderr = out.read_text(errors="replace"), err.read_text(errors="replace")
    if os.environ.get("PHASEGATE_TESTS_RUNLOG"):
        with open(os.environ["PHASEGATE_TESTS_RUNLOG"], "a") as log:
            log.write(json.dumps({"test": os.environ.get("PYTEST_CURRENT_TEST", ""), "world": world, "args": list(args),
                                  "seconds": round(time.monotonic() - started, 2)}) + "\n")
    run = SuiteRun(returncode, stdout, stderr, allure_dir, tmp_path / "requests.jsonl")
    if allure_dir.is_dir():
        run.results = [json.loads(p.read_text()) for p in allure_dir.glob("*-result.json")]
    return run
