"""The ``phasegate`` command as QA runs it: ``python -m phasegate.cli`` in a process of its own (forked from the
tests' warm interpreter: ``acceptance.run_python``), by default in the checkout, with the test's environment plus
``env``; its output as text."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from acceptance import ROOT, run_python

COMMAND = [sys.executable, "-m", "phasegate.cli"]


def phasegate(*args, cwd: Path = ROOT, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``phasegate ARGS`` to its end (arguments may be paths)."""
    return run_python([*COMMAND, *map(str, args)], cwd=cwd, env={**os.environ, **(env or {})}, timeout=timeout)


def phasegate_started(*args, cwd: Path = ROOT) -> subprocess.Popen:
    """Start ``phasegate ARGS`` (e.g. ``sandbox serve``) and return it running, its output piped as text."""
    return subprocess.Popen([*COMMAND, *map(str, args)], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
