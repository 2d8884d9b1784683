"""``phasegate practice``: the whole sign-off flow on the sandbox, with a throwaway key, stamped PRACTICE.

The steps are the commands a person types, each run as a process of its own and printed with its one-line
outcome: a practice run of the sandbox (``pytest … --practice``) → ``status`` → ``signoff --practice`` (a key
made for the occasion by ``ssh-keygen`` in a temporary folder, deleted at the end) → ``verify`` → ``gate
--practice`` OPEN → a run of a world that violates a criterion → ``gate --practice`` DRIFTED. Every step must
end with the exit code it is there to show; the first that does not stops the walk, saying so.

What stays: the two run folders under ``DIR/sandbox/`` (``run.json``, the completion report and the Allure
HTML stamped PRACTICE, the practice signature in the namespace ``phasegate-practice``) and
``DIR/allowed_signers.practice`` (the throwaway key's public half, for that namespace only). A practice sign-off
never opens a real environment's gate (:mod:`.promotion`).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..profile.load import PROFILES_DIR
from ..profile.model import KNOWN_KEYS
from .signoff import PRACTICE_NAMESPACE

ROOT = Path(__file__).resolve().parents[2]  # the checkout: features/, conftest.py
PHASE = "phase4"
COMPLIANT = "compliant"  # the world a practice signs; the one that drifts it is the caller's (the sandbox's)
SIGNER = "Practice Signer <practice@phasegate.invalid>"
ALLOWED_SIGNERS = "allowed_signers.practice"
TIMEOUT = 300


class PracticeError(Exception):
    """The walk cannot start (no checkout, no ssh-keygen); the message says why, on one line."""


@dataclass
class Step:
    title: str
    argv: list[str]  # what runs
    shown: str  # the command as a person types it
    expect: int  # the exit code the step is there to show
    env: dict[str, str] = field(default_factory=dict)


def _shown(path: Path) -> str:
    """A path as short as it can be said: relative to the current folder when it is under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _environment(extra: dict[str, str]) -> dict[str, str]:
    """The process environment without any profile setting (the sandbox profile alone decides), plus ``extra``."""
    own = set(KNOWN_KEYS) | {PROFILES_DIR, "PHASEGATE_WAIVERS_FILE"}
    return {**{k: v for k, v in os.environ.items() if k not in own}, **extra}


def throwaway_key(folder: Path, allowed: Path) -> Path:
    """An ed25519 key without passphrase in ``folder``; its public half written to ``allowed`` for the practice
    namespace only (OpenSSH's allowed-signers format)."""
    keygen = shutil.which("ssh-keygen")
    if keygen is None:
        raise PracticeError("ssh-keygen (OpenSSH, Debian's openssh-client) is not installed")
    key = folder / "practice_ed25519"
    subprocess.run([keygen, "-q", "-t", "ed25519", "-N", "", "-C", "phasegate practice (throwaway)", "-f", str(key)],
                   check=True, capture_output=True, timeout=60)
    email = SIGNER[SIGNER.index("<") + 1:-1]
    public = key.with_name(key.name + ".pub").read_text(encoding="utf-8").strip()
    allowed.write_text(f'{email} namespaces="{PRACTICE_NAMESPACE}" {public}\n', encoding="utf-8")
    return key


def suite_step(title: str, root: Path, world: str, expect: int) -> Step:
    """A practice run of the sandbox, shown as typed in the checkout (pytest reads --report-dir from there)."""
    args = ["-m", "staging", "--env", "sandbox", "--phase", PHASE, "--practice", f"--report-dir={root}"]
    where = root.relative_to(ROOT) if root.is_relative_to(ROOT) else root
    cd = "" if Path.cwd().resolve() == ROOT else f"cd {shlex.quote(str(ROOT))} && "
    shown = (f"{cd}PHASEGATE_SANDBOX_WORLD={world} python -m pytest "
             + " ".join(args[:-1] + [shlex.quote(f"--report-dir={where}")]))
    return Step(title, [sys.executable, "-m", "pytest", *args], shown, expect, {"PHASEGATE_SANDBOX_WORLD": world})


def command_step(title: str, expect: int, *args) -> Step:
    words = [str(a) for a in args]
    shown = " ".join(shlex.quote(_shown(Path(w)) if isinstance(a, Path) else w) for a, w in zip(args, words))
    return Step(title, [sys.executable, "-m", "phasegate.cli", *words], f"phasegate {shown}", expect)


def outcome(done: subprocess.CompletedProcess) -> str:
    """A step's outcome in one line: the last line pytest printed, else the command's first line."""
    lines = [ln.strip() for ln in (done.stdout or "").splitlines() if ln.strip()]
    if not lines:
        lines = [ln.strip() for ln in (done.stderr or "").splitlines() if ln.strip()] or ["(no output)"]
    return lines[-1] if done.args[1:3] == ["-m", "pytest"] else lines[0]


class _Walk:
    """The steps in order, each printed as its command and its outcome; the first unexpected exit code stops it."""

    def __init__(self, out, total: int):
        self.out, self.total, self.number = out, total, 0

    def step(self, step: Step) -> bool:
        self.number += 1
        self.out(f"[{self.number}/{self.total}] {step.title}")
        self.out(f"  $ {step.shown}")
        done = subprocess.run(step.argv, cwd=ROOT, env=_environment(step.env), capture_output=True, text=True,
                              timeout=TIMEOUT)
        line = outcome(done).strip("= ")
        if done.returncode != step.expect:
            self.out(f"  ✗ exit {done.returncode}, expected {step.expect}: {line}")
            return False
        self.out(f"  → exit {done.returncode}: {line}")
        return True

    def suite(self, step: Step, env_folder: Path) -> Path | None:
        """A practice run of the sandbox, and the run folder it wrote (None: the step did not go as it should)."""
        before = set(env_folder.glob(f"*-{PHASE}*")) if env_folder.is_dir() else set()
        if not self.step(step):
            return None
        new = sorted(set(env_folder.glob(f"*-{PHASE}*")) - before)
        if not new:
            self.out(f"  ✗ no run folder of {PHASE} appeared under {_shown(env_folder)}")
            return None
        self.out(f"    run folder {_shown(new[-1])}")
        return new[-1]


def _gate(title: str, env_folder: Path, allowed: Path, expect: int) -> Step:
    return command_step(title, expect, "gate", env_folder, "--phase", PHASE, "--practice", "--allowed-signers", allowed)


def _signed_steps(run: Path, key: Path, allowed: Path, env_folder: Path) -> list[Step]:
    return [command_step("its status: signable as PRACTICE only (exit 3: not a real target)", 3, "status", run),
            command_step("sign it as PRACTICE with the throwaway key", 0, "signoff", run, "--practice", "--key", key,
                         "--signer", SIGNER),
            command_step("verify the signature and every hash", 0, "verify", run, "--allowed-signers", allowed),
            _gate("ask the gate (--practice): OPEN", env_folder, allowed, 0)]


def walk(root: Path, out=print, *, drift: tuple[str, str]) -> int:
    """Walk the flow into ``root`` (the practice report root); ``drift``: (the world of the later run, the criterion
    it fails). 0 when OPEN then DRIFTED, 1 when a step did not end as it should. :class:`PracticeError` when it
    cannot start."""
    violating, criterion = drift
    if not (ROOT / "conftest.py").is_file() or not (ROOT / "features" / PHASE).is_dir():
        raise PracticeError(f"phasegate practice runs from a checkout of phasegate (features/{PHASE}, conftest.py); "
                            f"{ROOT} is not one")
    root = Path(root).resolve()
    env_folder, allowed, started = root / "sandbox", root / ALLOWED_SIGNERS, time.monotonic()
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="phasegate-practice-") as tmp:
        key = throwaway_key(Path(tmp), allowed)
        out(f"phasegate practice: the sign-off flow on the sandbox with a throwaway key ({_shown(key)}, deleted at "
            f"the end); every artefact is stamped PRACTICE")
        steps = _Walk(out, 7)
        signed = steps.suite(suite_step(f"judge the sandbox ({COMPLIANT} world) as a practice run", root, COMPLIANT, 0),
                             env_folder)
        if signed is None or not all(steps.step(s) for s in _signed_steps(signed, key, allowed, env_folder)):
            return 1
        later = steps.suite(suite_step(f"a later run: a world that violates {criterion} ({violating})", root,
                                       violating, 1), env_folder)
        if later is None or not steps.step(_gate("ask the gate again: DRIFTED", env_folder, allowed, 1)):
            return 1
    _summary(out, signed, later, allowed, time.monotonic() - started, criterion)
    return 0


def _summary(out, signed: Path, later: Path, allowed: Path, seconds: float, criterion: str) -> None:
    out(f"practice done in {seconds:.0f} s: the gate opened on the practice sign-off, then DRIFTED once a later run "
        f"failed {criterion}. Where the artefacts are (all stamped PRACTICE):")
    out(f"  signed run:      {_shown(signed)}/ (completion-report.html, allure-report.html, run.json, signoff.json, "
        "manifest.json.sig)")
    out(f"  later run:       {_shown(later)}/")
    out(f"  allowed signers: {_shown(allowed)} (the throwaway key, namespace {PRACTICE_NAMESPACE}; its private half "
        "is deleted)")
    out("  A practice signature never opens a real environment's gate: `phasegate gate reports/<env> …` refuses it "
        "in one line.")
