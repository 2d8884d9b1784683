"""The ``phasegate`` command: reports, sign-off, verification, status, the gate, diff, audit, and the sandbox for curl.

Wiring only: one module per command (``report``, ``signoff`` with ``verify``, ``status``, ``audit``, ``gate``,
``diff``, ``prune``, ``summary``, ``sandbox``, ``practice``, ``steps``: the step vocabulary), each registering its
own sub-parser; :mod:`.base` holds what they share, :mod:`.folders` the run folders they name.

Exit codes: 0 done; 1 verification failed, ``diff`` found an outcome that regressed, or a
report rebuilt without its Allure HTML; 2 refused, bad usage, or an input that cannot be used
(missing or corrupt file, busy port), always with the reason on one line and never a
traceback. ``status`` has its own: 0 signable, 1 failed, 2 broken or partial, 3 not the real
target (sandbox) — see :mod:`phasegate.report.gate`; ``audit`` 0 every claim accounted for, 1 one
unmapped, 2 unusable input or a scaffold refused — see :mod:`phasegate.audit`; and so has ``gate``:
0 open, 1 drifted, 2 no valid signature, 3 expired, 4 a later run cannot tell, 64 usage — see
:mod:`phasegate.report.promotion`.
"""

from __future__ import annotations

import argparse

from . import audit, diff, gate, practice, prune, report, sandbox, signoff, status, steps, summary
from .base import command_parser, run_command

# In the order `phasegate --help` lists them.
COMMANDS = (report, signoff, status, audit, gate, diff, prune, summary, sandbox, practice, steps)


def build_parser() -> argparse.ArgumentParser:
    return command_parser(COMMANDS)


def main(argv: list[str] | None = None) -> int:
    return run_command(build_parser().parse_args(argv))
