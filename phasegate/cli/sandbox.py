"""``phasegate sandbox serve`` and ``phasegate sandbox worlds``: the sandbox's Render simulator on loopback
for curl, and the list of its worlds (:mod:`phasegate.sandbox`)."""

from __future__ import annotations

import argparse
import errno
import secrets
import signal
import sys
import threading

from .base import EXIT_OK, EXIT_REFUSED, CommandParser


def _port(text: str) -> int:
    """A TCP port, 0 (any free one) to 65535: anything else is a usage error, not a traceback from bind()."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a whole number from 0 to 65535") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError("must be a whole number from 0 to 65535")
    return port


def register(sub) -> None:
    sandbox = sub.add_parser("sandbox", help="the Render simulator, standalone",
                             description="Run the sandbox's Render simulator for curl, or list its worlds.")
    ssub = sandbox.add_subparsers(dest="sandbox_command", metavar="SUBCOMMAND", required=True,
                                  parser_class=CommandParser)
    p = ssub.add_parser("serve", help="serve a world on loopback until Ctrl-C",
                        description="Serve a Render world on 127.0.0.1; print the base URL and the API key.")
    p.add_argument("--world", default="compliant", metavar="NAME",
                   help="a world marked render by `phasegate sandbox worlds` (default: compliant)")
    p.add_argument("--port", type=_port, default=0, metavar="N", help="port (default: any free port)")
    p.add_argument("--fault", default="", metavar="SPEC",
                   help="faults, e.g. 'rate_limit_times=2,latency_ms=100' (see phasegate.sandbox.faults.Faults)")
    p.add_argument("--key", default=None, metavar="KEY", help="API key to require (default: a random one)")
    p.set_defaults(func=cmd_serve)
    p = ssub.add_parser("worlds", help="list the sandbox worlds: what each changes and violates",
                        description="One line per sandbox world: its name; render (served by `sandbox serve`) "
                                    "or database (built only by a suite run); what it fails or breaks; what it "
                                    "changes from the reference deployment.")
    p.set_defaults(func=cmd_worlds)


def cmd_worlds(args) -> int:
    from ..sandbox.describe import lines

    # name, where the change lives (render: `sandbox serve` serves it; database: only a suite run builds it),
    # what it fails or breaks, and what it changes from the reference deployment.
    for line in lines():
        print(line)
    return EXIT_OK


def _refusal(world: str, fault: str) -> str | None:
    """Why ``serve`` cannot serve this world with these faults, in one line; None when it can."""
    from ..sandbox.describe import is_render_world
    from ..sandbox.session import CATALOGUE
    from ..sandbox.faults import Faults

    if world not in CATALOGUE:
        return f"no world named {world!r}; `phasegate sandbox worlds` lists them"
    if not is_render_world(world):
        kind = "worker" if CATALOGUE[world].worker != "normal" else "database"
        return (f"{world} is a {kind} world (marked so by `phasegate sandbox worlds`); "
                f"serve runs the Render simulator only: run it with PHASEGATE_SANDBOX_WORLD={world} "
                "pytest -m staging --env sandbox")
    try:
        Faults.parse(fault)
    except ValueError as exc:
        return str(exc)
    return None


def cmd_serve(args) -> int:
    from ..sandbox.simulator import serve

    refusal = _refusal(args.world, args.fault or "")
    if refusal:
        print(f"phasegate sandbox serve: {refusal}", file=sys.stderr)
        return EXIT_REFUSED
    key = args.key or "rnd_sandbox_" + secrets.token_hex(12)
    try:
        simulator = serve(args.world, port=args.port, api_key=key, faults=args.fault or "")
    except OSError as exc:
        reason = "is in use" if exc.errno == errno.EADDRINUSE else f"cannot be opened ({exc.strerror})"
        print(f"phasegate sandbox serve: port {args.port} on 127.0.0.1 {reason}; pick another with --port "
              "(0: any free port)", file=sys.stderr)
        return EXIT_REFUSED
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())  # before the first line: a reader may stop us on it
    print(f"Render simulator (world {args.world!r}{', faults ' + args.fault if args.fault else ''}) serving at "
          f"{simulator.base_url}", flush=True)
    print(f"API key: {key}", flush=True)
    print(f"try: curl -H 'Authorization: Bearer {key}' {simulator.base_url}/services", flush=True)
    print("Ctrl-C to stop.", flush=True)
    _serve_until(stop, simulator)
    return EXIT_OK


def _serve_until(stop: threading.Event, simulator) -> None:
    """Block until ``stop`` is set (SIGTERM) or Ctrl-C, then stop the simulator."""
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        simulator.stop()
