"""What every ``phasegate`` command shares: the exit codes, argparse with one-line usage errors, the
top-level parser built from the command modules, and the guard that turns an unusable input into one line.

A command module has ``register(sub)``: it adds its sub-parser (or its group of them) to ``sub`` and sets
``func`` to the function that runs it, ``func(args) -> exit code``.
"""

from __future__ import annotations

import argparse
import sys

from .. import redact

EXIT_OK, EXIT_FAILED, EXIT_REFUSED = 0, 1, 2
EXIT_INTERRUPTED = 130  # Ctrl-C


class CommandParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (the reason and where to look), exit 2."""

    usage_exit = EXIT_REFUSED  # `phasegate gate` uses 64: its 2 means "no valid signature"

    def error(self, message):
        self.exit(self.usage_exit, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("phasegate")
    except PackageNotFoundError:
        return "unknown (not installed)"


def command_parser(commands) -> argparse.ArgumentParser:
    """The ``phasegate`` parser with each command module's sub-parser, in the order given."""
    parser = CommandParser(
        prog="phasegate",
        description="Reports, sign-off and verification of phasegate runs (run folders under reports/<env>/).")
    parser.add_argument("--version", action="version", version=f"phasegate {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True, parser_class=CommandParser)
    for command in commands:
        command.register(sub)
    return parser


def run_command(args: argparse.Namespace) -> int:
    """Run the parsed command; an input that cannot be used is one line on stderr and exit 2, never a traceback."""
    from ..errors import PhasegateError

    try:
        return args.func(args)
    except KeyboardInterrupt:  # Ctrl-C: one line, never a traceback; 130 as a shell says it (128 + SIGINT)
        print(f"interrupted: phasegate {args.command} stopped by Ctrl-C", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (PhasegateError, OSError, ValueError, KeyError, TypeError) as exc:
        # An input that cannot be used (a file missing, corrupt or of the wrong shape): one line, exit 2.
        # ValueError covers JSON that does not parse; KeyError and TypeError a record of the wrong shape.
        reason = str(exc) if isinstance(exc, (PhasegateError, OSError)) else f"{type(exc).__name__}: {exc}"
        print(f"phasegate {args.command}: cannot continue: {redact.scrub(reason)}", file=sys.stderr)
        return EXIT_REFUSED
