"""``phasegate signoff RUN`` and ``phasegate verify RUN``: sign a run's manifest with an SSH key; check a
signed run's signature, every hash and its attestation (:mod:`phasegate.report.signoff`)."""

from __future__ import annotations

import sys

from .base import EXIT_FAILED, EXIT_OK, EXIT_REFUSED
from .folders import run_folder, signed_folder


def register(sub) -> None:
    _register_signoff(sub)
    _register_verify(sub)


def _register_signoff(sub) -> None:
    p = sub.add_parser("signoff", help="sign a run's manifest with an SSH key",
                       description="Sign manifest.json with `ssh-keygen -Y sign -n phasegate`. Refused (exit 2) "
                                   "for a run not judged against the real target, a partial or interrupted run, "
                                   "a criterion failed, broken, skipped or not run without a valid waiver, or a "
                                   "file that no longer matches the manifest.")
    p.add_argument("run", type=run_folder, metavar="RUN", help="run folder")
    p.add_argument("--key", required=True, metavar="KEY", help="SSH private key file (e.g. ~/.ssh/id_ed25519)")
    p.add_argument("--signer", required=True, metavar='"NAME <EMAIL>"', help="who signs, as Name <email>")
    p.add_argument("--practice", action="store_true",
                   help="sign a PRACTICE run (pytest --practice on the sandbox, as `phasegate practice` runs it) as "
                        "PRACTICE, in the namespace phasegate-practice: it never opens a real environment's gate")
    p.set_defaults(func=cmd_signoff)


def _register_verify(sub) -> None:
    p = sub.add_parser("verify", help="check a signed run's signature and every hash",
                       description="Verify manifest.json.sig against an allowed-signers file (ssh-keygen -Y "
                                   "verify), then every SHA-256 in the manifest, then that attestation.intoto.json "
                                   "matches the run. Exit 1 naming the first file (or attestation field) that "
                                   "does not match.")
    p.add_argument("run", type=signed_folder, metavar="RUN", help="run folder")
    p.add_argument("--allowed-signers", required=True, metavar="FILE",
                   help="OpenSSH allowed_signers file: '<email> namespaces=\"phasegate\" <public key>'")
    p.set_defaults(func=cmd_verify)


def cmd_signoff(args) -> int:
    from ..report.signoff import Refused, signoff

    try:
        record = signoff(args.run, args.key, args.signer, practice=args.practice)
    except Refused as exc:
        print(f"phasegate signoff: refused: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    practice = "PRACTICE: " if record.get("practice") else ""
    print(f"{practice}signed {args.run.name} as {record['signer']} at {record['signed_at']}: {record['verdict']}"
          + (f" (namespace {record['namespace']}; never opens a real environment's gate)" if practice else ""))
    return EXIT_OK


def cmd_verify(args) -> int:
    from ..report.signoff import VerifyFailed, verify

    try:
        print(verify(args.run, args.allowed_signers))
    except VerifyFailed as exc:
        print(f"phasegate verify: FAILED: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK
