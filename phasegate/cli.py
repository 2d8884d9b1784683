"""The ``phasegate`` command: reports, sign-off, verification, status, the gate, diff, audit, and the sandbox for curl.

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
import errno
import json
import secrets
import signal
import sys
import threading
from pathlib import Path

from . import redact
EXIT_OK, EXIT_FAILED, EXIT_REFUSED = 0, 1, 2


def _signed_folder(value: str) -> Path:
    """A run folder for verify: run.json must exist, but is not parsed before its hash is checked
    (a tampered record is a verification failure naming the file, not an unusable input)."""
    path = Path(value).expanduser().resolve()
    if not (path / "run.json").is_file():
        raise argparse.ArgumentTypeError(f"{value} is not a run folder (no run.json)")
    return path


def _run_folder(value: str) -> Path:
    """A run folder, relative to the current folder or absolute; its run.json must be readable JSON."""
    path = _signed_folder(value)
    record = path / "run.json"
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise argparse.ArgumentTypeError(f"{value}/run.json cannot be read ({type(exc).__name__})") from None
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"{value}/run.json is not valid JSON (line {exc.lineno}, "
                                         f"column {exc.colno}: {exc.msg})") from None
    if not isinstance(data, dict):
        raise argparse.ArgumentTypeError(f"{value}/run.json is not a run record (expected a JSON object)")
    return path


class _Parser(argparse.ArgumentParser):
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


def cmd_report(args) -> int:
    from .report import build_reports
    from .report.model import SIGNATURE, SIGNOFF

    if (args.run / SIGNOFF).exists() or (args.run / SIGNATURE).exists():
        print(f"phasegate report: refused: {args.run.name} is signed; rebuilding would break its signature",
              file=sys.stderr)
        return EXIT_REFUSED
    data = build_reports(args.run, html=not args.no_html, history=False)
    html = data["allure_html"]
    if args.no_html:
        note = "Allure HTML left as it was"
    elif html.get("reason"):
        note = f"Allure HTML not rebuilt: {html['reason']}"
    else:
        note = "Allure HTML written"
    counts = ", ".join(f"{v} {k}" for k, v in data["counts"].items() if v)
    print(f"{args.run}: completion-report.md/.html, manifest.json ({len(data['files'])} files); {note}; {counts}")
    return EXIT_FAILED if html.get("reason") and not args.no_html else EXIT_OK


def cmd_signoff(args) -> int:
    from .report.signoff import Refused, signoff

    try:
        record = signoff(args.run, args.key, args.signer)
    except Refused as exc:
        print(f"phasegate signoff: refused: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    print(f"signed {args.run.name} as {record['signer']} at {record['signed_at']}: {record['verdict']}")
    return EXIT_OK


def cmd_verify(args) -> int:
    from .report.signoff import VerifyFailed, verify

    try:
        print(verify(args.run, args.allowed_signers))
    except VerifyFailed as exc:
        print(f"phasegate verify: FAILED: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _newest_runs(path: Path) -> list[Path]:
    """RUN itself, or under an environment's folder (reports/<env>) the newest run of each phase."""
    if (path / "run.json").is_file():
        return [path]
    newest: dict[str, Path] = {}
    for folder in sorted(p for p in path.glob("*/") if (p / "run.json").is_file()):
        try:
            phase = (json.loads((folder / "run.json").read_text()).get("phase") or {}).get("name", "")
        except (OSError, ValueError):
            phase = ""  # load_run names what is wrong with it
        newest[phase] = folder  # name order is time order: the last one wins
    return sorted(newest.values())


def cmd_status(args) -> int:
    from .report.drift import status_line
    from .report.gate import assess
    from .report.model import load_run

    folders = _newest_runs(args.run)
    if not folders:
        print(f"phasegate status: {args.run} is neither a run folder nor a folder of runs", file=sys.stderr)
        return EXIT_REFUSED
    codes = []
    for folder in folders:  # one line each; the exit code is the worst of them
        run = load_run(folder)
        assessment = assess(run)
        codes.append(assessment.code)
        # Of an environment's folder: the phase's newest signed run and what the runs since say of it.
        since = None if folder == args.run else status_line(args.run, run.phase.name)
        if args.json:
            print(json.dumps({"run": str(folder), "phase": run.phase.name, **assessment.to_dict(),
                              **({"since_signoff": since} if since else {})}, sort_keys=True))
        else:
            print(f"{folder}: {assessment.line()}")
            if since:
                print(since)
    return max(codes)


def _catalogue_root() -> Path:
    """The folder holding features/: the current one when it has them, else this checkout."""
    here = Path.cwd()
    return here if (here / "features").is_dir() else Path(__file__).resolve().parents[1]


def cmd_audit(args) -> int:
    from .audit import EXIT_UNUSABLE, AuditError, audit, read_verdicts
    from .catalogue.criteria import load_phases

    try:
        if args.scaffold is not None:
            from .scaffold import scaffold

            for line in scaffold(args.report, args.scaffold, args.prefix, args.title):
                print(line)
            return EXIT_OK
        result = audit(args.report, load_phases(_catalogue_root()), args.phase)
        if args.run is not None:
            folders = _newest_runs(args.run)  # as status reads them: RUN, or the newest run of each phase
            if not folders:
                raise AuditError(f"{args.run} is neither a run folder nor a folder of runs")
            read_verdicts(result, folders)
    except AuditError as exc:
        print(f"phasegate audit: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        print("\n".join(result.lines()))
    return result.code
def cmd_gate(args) -> int:
    from .report.promotion import USAGE, UsageError, decide, parse_age

    try:
        decision = decide(args.env_folder, args.phase, args.allowed_signers, parse_age(args.max_age))
    except (UsageError, ValueError) as exc:
        print(f"phasegate gate: {exc}", file=sys.stderr)
        return USAGE
    print(json.dumps(decision.to_dict(), sort_keys=True) if args.json else decision.line)
    return decision.code


def cmd_diff(args) -> int:
    from .report.diff import DifferentPhases, diff_runs, regressions, write_appendix

    try:
        text = diff_runs(args.run_a, args.run_b)
    except DifferentPhases as exc:
        print(f"phasegate diff: refused: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    print(text, end="")
    if args.write:
        try:
            write_appendix(args.run_a, args.run_b, text)
        except PermissionError as exc:
            print(f"phasegate diff: refused: {exc}", file=sys.stderr)
            return EXIT_REFUSED
        print(f"appendix written into {args.run_b / 'completion-report.md'}")
    worse = regressions(args.run_a, args.run_b)
    if worse:
        print(f"phasegate diff: {len(worse)} outcome(s) regressed: {', '.join(worse)}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def cmd_prune(args) -> int:
    from .report.history import HISTORY_RUNS, prune

    try:
        done = prune(args.report_dir, args.keep, environment=args.env, dry_run=args.dry_run)
    except (ValueError, FileNotFoundError) as exc:
        print(f"phasegate prune: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    verb = "would remove" if args.dry_run else "removed"
    for env in done:
        signed = f"; kept {len(env.kept_signed)} older signed run(s): signed runs are never pruned" \
            if env.kept_signed else ""
        print(f"{env.environment}: {verb} {len(env.removed)} run folder(s) ({env.freed_bytes / 1e6:.1f} MB), "
              f"kept the newest {len(env.kept)}{signed}; history capped at {HISTORY_RUNS} runs")
    return EXIT_OK


def cmd_summary(args) -> int:
    """The job summary: ``phasegate status``'s own lines for the folder, then the criteria not passed."""
    import contextlib
    import io

    from .report import summary
    from .report.model import load_run

    said = io.StringIO()
    with contextlib.redirect_stdout(said), contextlib.redirect_stderr(said):
        main(["status", str(args.run)])  # its lines verbatim, whatever status reports (its exit code is the gate's)
    runs = []
    for folder in _newest_runs(args.run):
        try:
            runs.append(load_run(folder))
        except (OSError, ValueError, KeyError, TypeError):
            pass  # status's line names what is wrong with it
    text = summary.render(str(args.run), said.getvalue().splitlines(), runs)
    target = summary.write(text, args.out)
    if target is None:
        print(text, end="")
    else:
        rows = sum(len(summary.not_passed(run)) for run in runs)
        print(f"job summary of {args.run} appended to {target}: {len(runs)} run(s), {rows} criteria not passed")
    return EXIT_OK if runs else EXIT_REFUSED


def cmd_sandbox_worlds(args) -> int:
    from .sandbox.describe import lines

    # name, where the change lives (render: `sandbox serve` serves it; database: only a suite run builds it),
    # what it fails or breaks, and what it changes from the reference deployment.
    for line in lines():
        print(line)
    return EXIT_OK


def cmd_sandbox_serve(args) -> int:
    from .sandbox.describe import is_render_world
    from .sandbox.session import CATALOGUE
    from .sandbox.simulator import Faults, serve

    if args.world not in CATALOGUE:
        print(f"phasegate sandbox serve: no world named {args.world!r}; `phasegate sandbox worlds` lists them",
              file=sys.stderr)
        return EXIT_REFUSED
    if not is_render_world(args.world):
        kind = "worker" if CATALOGUE[args.world].worker != "normal" else "database"
        print(f"phasegate sandbox serve: {args.world} is a {kind} world (marked so by `phasegate sandbox worlds`); "
              f"serve runs the Render simulator only: run it with PHASEGATE_SANDBOX_WORLD={args.world} "
              "pytest -m staging --env sandbox", file=sys.stderr)
        return EXIT_REFUSED
    try:
        Faults.parse(args.fault or "")
    except ValueError as exc:
        print(f"phasegate sandbox serve: {exc}", file=sys.stderr)
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
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(f"Render simulator (world {args.world!r}{', faults ' + args.fault if args.fault else ''}) serving at "
          f"{simulator.base_url}", flush=True)
    print(f"API key: {key}", flush=True)
    print(f"try: curl -H 'Authorization: Bearer {key}' {simulator.base_url}/services", flush=True)
    print("Ctrl-C to stop.", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        simulator.stop()
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="phasegate",
        description="Reports, sign-off and verification of phasegate runs (run folders under reports/<env>/).")
    parser.add_argument("--version", action="version", version=f"phasegate {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True, parser_class=_Parser)

    p = sub.add_parser("report", help="(re)build the reports of a run folder",
                       description="(Re)build completion-report.md/.html, the single-file Allure HTML and "
                                   "manifest.json of a run folder.")
    p.add_argument("run", type=_run_folder, metavar="RUN", help="run folder (reports/<env>/<UTC timestamp>)")
    p.add_argument("--no-html", action="store_true", help="skip the Allure HTML (keep any existing one)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("signoff", help="sign a run's manifest with an SSH key",
                       description="Sign manifest.json with `ssh-keygen -Y sign -n phasegate`. Refused (exit 2) "
                                   "for a run not judged against the real target, a partial or interrupted run, "
                                   "a criterion failed, broken, skipped or not run without a valid waiver, or a "
                                   "file that no longer matches the manifest.")
    p.add_argument("run", type=_run_folder, metavar="RUN", help="run folder")
    p.add_argument("--key", required=True, metavar="KEY", help="SSH private key file (e.g. ~/.ssh/id_ed25519)")
    p.add_argument("--signer", required=True, metavar='"NAME <EMAIL>"', help="who signs, as Name <email>")
    p.set_defaults(func=cmd_signoff)

    p = sub.add_parser("verify", help="check a signed run's signature and every hash",
                       description="Verify manifest.json.sig against an allowed-signers file (ssh-keygen -Y "
                                   "verify), then every SHA-256 in the manifest, then that attestation.intoto.json "
                                   "matches the run. Exit 1 naming the first file (or attestation field) that "
                                   "does not match.")
    p.add_argument("run", type=_signed_folder, metavar="RUN", help="run folder")
    p.add_argument("--allowed-signers", required=True, metavar="FILE",
                   help="OpenSSH allowed_signers file: '<email> namespaces=\"phasegate\" <public key>'")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("status", help="the run's verdict in one line; the exit code is the gate",
                       description="Print whether RUN can be signed. Exit 0 signable (complete, every failure "
                                   "waived and valid), 1 a criterion failed, 2 one is broken or the run is partial "
                                   "(interrupted, or a criterion not run or skipped without a waiver), 3 not the "
                                   "real target (sandbox, the phasegate simulator, an undeclared API URL).")
    p.add_argument("run", type=Path, metavar="RUN",
                   help="run folder, or reports/<env> for its newest run")
    p.add_argument("--json", action="store_true", help="one JSON object: code, label, signable, reasons, verdict")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("audit", help="what accounts for each ✅ of a hand-written report",
                       description="For every line of a Markdown report with ✅, ✔, ☑ or a [x] checkbox, in "
                                   "document order: its line, its text, and what accounts for it in a phase's claims "
                                   "table (criteria, phase verdict, not verifiable and why, or UNMAPPED). Exit 0 "
                                   "when every claim is accounted for, 1 when any is unmapped, 2 for an unreadable "
                                   "file, an unknown phase or run folder. With --scaffold, write a new phase folder "
                                   "from the report instead (exit 2 when refused).")
    p.add_argument("report", type=Path, metavar="REPORT", help="the hand-written Markdown report")
    p.add_argument("--phase", default=None, metavar="NAME",
                   help="the phase whose claims table to use (default: the one matching most lines)")
    p.add_argument("--run", type=Path, default=None, metavar="RUN",
                   help="a run folder, or reports/<env> for the newest run of each phase: adds today's verdicts")
    p.add_argument("--json", action="store_true",
                   help='one JSON object: phase, total, unmapped, claims [{line, text, status, criteria, reason, '
                        'verdict}]')
    p.add_argument("--scaffold", type=Path, default=None, metavar="features/<phase>",
                   help="write a new phase folder: phase.yaml, one feature per section, a pending scenario per "
                        "claim no phase accounts for (refuses an existing folder)")
    p.add_argument("--prefix", default=None, metavar="PREFIX", help="the new phase's criterion prefix, e.g. P6")
    p.add_argument("--title", default=None, metavar="TITLE",
                   help='the new phase\'s title (default: "Phase N" from the prefix PN)')
    p.set_defaults(func=cmd_audit)
    p = sub.add_parser("gate", help="may a pipeline promote this phase? signed, allowed, recent, no drift since",
                       description="Exit 0 (open) only when the newest signed run of PHASE in ENV_FOLDER verifies "
                                   "against the allowed signers (signature, every hash, the attestation), no later run "
                                   "of the phase shows a criterion passed or waived at sign-off now failed or broken, "
                                   "the newest later run is not partial, interrupted or broken as a whole (a complete "
                                   "run after one supersedes it), and the sign-off is "
                                   "younger than --max-age. Exit 1 drifted, 2 no valid signature (none, signer not "
                                   "allowed, a file changed), 3 expired (too old, or a waiver it relied on expired), "
                                   "4 a later run cannot tell, 64 usage. One line says why.")
    p.usage_exit = 64
    p.add_argument("env_folder", type=Path, metavar="ENV_FOLDER", help="an environment's runs: reports/<env>")
    p.add_argument("--phase", required=True, metavar="NAME", help="the phase's folder name, e.g. phase4")
    p.add_argument("--allowed-signers", required=True, type=Path, metavar="FILE",
                   help="OpenSSH allowed_signers file: who may sign off")
    p.add_argument("--max-age", default="7d", metavar="AGE",
                   help="how old a sign-off may be: 7d, 36h, 90m (default: 7d)")
    p.add_argument("--json", action="store_true",
                   help="one JSON object: code, decision, line, causes, signed run, signer, age, later runs")
    p.set_defaults(func=cmd_gate)

    p = sub.add_parser("diff", help="what changed between two runs",
                       description="Criterion outcomes, service configuration fields, env var keys, rotated "
                                   "secrets (by digest) and grants that differ between RUN_A and RUN_B. Exit 1 "
                                   "when a criterion's outcome is worse in RUN_B (e.g. passed -> failed).")
    p.add_argument("run_a", type=_run_folder, metavar="RUN_A", help="the earlier run folder")
    p.add_argument("run_b", type=_run_folder, metavar="RUN_B", help="the later run folder")
    p.add_argument("--write", action="store_true", help="also write the diff as an appendix of RUN_B's report")
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser("prune", help="remove old run folders, keeping the newest N per environment",
                       description="Per environment under the report folder, remove all run folders but the "
                                   "newest N (signed runs are never removed) and cap each Allure history file.")
    p.add_argument("--keep", required=True, type=int, metavar="N", help="run folders to keep per environment")
    p.add_argument("--report-dir", default="reports", type=Path, metavar="DIR",
                   help="the folder pytest wrote runs into (default: reports)")
    p.add_argument("--env", default=None, metavar="NAME", help="prune only this environment")
    p.add_argument("--dry-run", action="store_true", help="say what would be removed; remove nothing")
    p.set_defaults(func=cmd_prune)

    p = sub.add_parser("summary", help="the CI job summary (Markdown) of an environment's newest runs",
                       description="Markdown for $GITHUB_STEP_SUMMARY: the lines `phasegate status RUN` prints, then "
                                   "a table of the criteria not passed (ID, title, status, expected vs actual in "
                                   "one line, Render dashboard link). Appended to --out, else to "
                                   "$GITHUB_STEP_SUMMARY when set, else printed. Exit 0 written, 2 no run folder.")
    p.add_argument("run", type=Path, metavar="RUN",
                   help="reports/<env> (the newest run of each phase), or a run folder")
    p.add_argument("--out", type=Path, default=None, metavar="FILE", help="append to FILE instead")
    p.set_defaults(func=cmd_summary)

    sandbox = sub.add_parser("sandbox", help="the Render simulator, standalone",
                             description="Run the sandbox's Render simulator for curl, or list its worlds.")
    ssub = sandbox.add_subparsers(dest="sandbox_command", metavar="SUBCOMMAND", required=True, parser_class=_Parser)
    p = ssub.add_parser("serve", help="serve a world on loopback until Ctrl-C",
                        description="Serve a Render world on 127.0.0.1; print the base URL and the API key.")
    p.add_argument("--world", default="compliant", metavar="NAME", help="a world marked render by `phasegate sandbox worlds` (default: compliant)")
    p.add_argument("--port", type=int, default=0, metavar="N", help="port (default: any free port)")
    p.add_argument("--fault", default="", metavar="SPEC",
                   help="faults, e.g. 'rate_limit_times=2,latency_ms=100' (see phasegate.sandbox.simulator.Faults)")
    p.add_argument("--key", default=None, metavar="KEY", help="API key to require (default: a random one)")
    p.set_defaults(func=cmd_sandbox_serve)
    p = ssub.add_parser("worlds", help="list the sandbox worlds: what each changes and violates",
                        description="One line per sandbox world: its name; render (served by `sandbox serve`) "
                                    "or database (built only by a suite run); what it fails or breaks; what it "
                                    "changes from the reference deployment.")
    p.set_defaults(func=cmd_sandbox_worlds)
    return parser


def main(argv: list[str] | None = None) -> int:
    from .errors import PhasegateError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (PhasegateError, OSError, ValueError, KeyError, TypeError) as exc:
        # An input that cannot be used (a file missing, corrupt or of the wrong shape): one line, exit 2.
        # ValueError covers JSON that does not parse; KeyError and TypeError a record of the wrong shape.
        reason = str(exc) if isinstance(exc, (PhasegateError, OSError)) else f"{type(exc).__name__}: {exc}"
        print(f"phasegate {args.command}: cannot continue: {redact.scrub(reason)}", file=sys.stderr)
        return EXIT_REFUSED


if __name__ == "__main__":
    sys.exit(main())
