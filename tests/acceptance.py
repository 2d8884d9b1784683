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
import threading
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
                  env: dict[str, str] | None = None, cache: bool = False,
                  html: bool = False) -> tuple[list[str], dict[str, str]]:
    """The pytest command line and environment of one suite run (``cache``: keep pytest's cache in tmp; ``html``:
    build the Allure HTML when the run writes its reports, which only a test of the HTML waits for)."""
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
    elif not html and "--no-report" not in argv:
        argv.append("--no-html")
    cache_args = ["-o", f"cache_dir={tmp_path.parent / 'pytest-cache'}"] if cache else ["-p", "no:cacheprovider"]
    cmd = [sys.executable, "-m", "pytest", *argv, f"--alluredir={allure_dir}", *cache_args, "-q"]
    return cmd, environ


class _SuiteServer:
    """Warm ``tests/suite_server.py`` processes, one per command running at once in this test process (a test may
    run several from threads): each command is a process forked from an idle server."""

    _idle: list[subprocess.Popen] = []
    _lock = threading.Lock()

    @classmethod
    def _take(cls) -> subprocess.Popen:
        with cls._lock:
            while cls._idle:
                server = cls._idle.pop()
                if server.poll() is None:
                    return server
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("RENDER_", "PHASEGATE_", "DB_"))}
        server = subprocess.Popen([sys.executable, str(ROOT / "tests" / "suite_server.py")], cwd=ROOT, env=clean,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        atexit.register(server.stdin.close)
        return server

    @classmethod
    def run(cls, module: str, argv: list[str], cwd: Path, environ: dict[str, str], out: Path, err: Path,
            timeout: float) -> int:
        server = cls._take()
        request = {"module": module, "argv": argv, "env": environ, "cwd": str(cwd), "stdout": str(out),
                   "stderr": str(err), "timeout": timeout}
        server.stdin.write(json.dumps(request) + "\n")
        server.stdin.flush()
        reply = server.stdout.readline()
        if not reply:
            raise RuntimeError("tests/suite_server.py ended; run the test with PHASEGATE_TESTS_SUBPROCESS=1 to see why")
        with cls._lock:
            cls._idle.append(server)
        return json.loads(reply)["returncode"]


def run_python(cmd: list[str], *, cwd: Path = ROOT, env: dict[str, str] | None = None,
               timeout: float = 240) -> subprocess.CompletedProcess:
    """``subprocess.run(cmd, capture_output=True, text=True)`` for ``[sys.executable, "-m", MODULE, *ARGS]``: the
    command runs in a process forked from a warm interpreter (tests/suite_server.py), which a test cannot tell
    from a new one but for the time it takes. ``PHASEGATE_TESTS_SUBPROCESS=1``: a new interpreter each time."""
    environ = dict(os.environ if env is None else env)
    started = time.monotonic()
    try:
        return _run_python(cmd, cwd, environ, timeout)
    finally:
        if os.environ.get("PHASEGATE_TESTS_RUNLOG"):  # where the suite's own tests spend their time
            with open(os.environ["PHASEGATE_TESTS_RUNLOG"], "a") as log:
                log.write(json.dumps({"test": os.environ.get("PYTEST_CURRENT_TEST", ""), "command": cmd[1:],
                                      "world": environ.get("PHASEGATE_SANDBOX_WORLD"),
                                      "seconds": round(time.monotonic() - started, 2)}) + "\n")


def _run_python(cmd: list[str], cwd: Path, environ: dict[str, str], timeout: float) -> subprocess.CompletedProcess:
    warm = cmd[:2] == [sys.executable, "-m"] and len(cmd) > 2 and hasattr(os, "fork")
    if not warm or os.environ.get("PHASEGATE_TESTS_SUBPROCESS") == "1":
        return subprocess.run(cmd, cwd=cwd, env=environ, capture_output=True, text=True, timeout=timeout)
    with tempfile.TemporaryDirectory(prefix="phasegate-command-") as streams:
        # The streams live outside the test's folders: a test may list them, or pass one not made yet.
        out, err = Path(streams, "stdout"), Path(streams, "stderr")
        returncode = _SuiteServer.run(cmd[2], cmd[3:], Path(cwd), environ, out, err, timeout)
        if returncode == -9:
            raise subprocess.TimeoutExpired(cmd, timeout)
        return subprocess.CompletedProcess(cmd, returncode, out.read_text(errors="replace"),
                                           err.read_text(errors="replace"))


def run_suite(tmp_path: Path, *args: str, world: str | None = "compliant", faults: str = "",
              env: dict[str, str] | None = None, timeout: float = 240, cache: bool = False,
              cwd: Path = ROOT, html: bool = False) -> SuiteRun:
    """One run of the acceptance suite, as ``python -m pytest`` would make it in ``cwd`` (the checkout, or a
    scratch copy of it): in a process forked from a warm interpreter (``PHASEGATE_TESTS_SUBPROCESS=1``: a new
    interpreter, as before)."""
    allure_dir = tmp_path / "allure-results"
    cmd, environ = suite_command(tmp_path, *args, world=world, faults=faults, env=env, cache=cache, html=html)
    done = run_python(cmd, cwd=cwd, env=environ, timeout=timeout)
    returncode, stdout, stderr = done.returncode, done.stdout, done.stderr
    run = SuiteRun(returncode, stdout, stderr, allure_dir, tmp_path / "requests.jsonl")
    if allure_dir.is_dir():
        run.results = [json.loads(p.read_text()) for p in allure_dir.glob("*-result.json")]
    return run

