"""Sign-off and verification with OpenSSH signatures (``ssh-keygen -Y sign/verify -n phasegate``).

Order of a sign-off, so that the signature covers everything:

1. refuse a run not judged against the real target (sandbox, simulator, an undeclared API
   URL), a folder whose files no longer match its manifest, a run already signed, and any
   run :func:`phasegate.report.gate.assess` does not find signable: partial or interrupted,
   a criterion failed, broken, skipped or not run without a valid waiver (judged now: a
   waiver that expired since the run no longer counts);
2. read the signing key (an Ed25519 or ECDSA OpenSSH key: the DSSE envelope is signed with it too);
3. write ``signoff.json`` (signer, UTC time, verdict) and the report's Sign-off section;
4. write the in-toto attestation (``attestation.intoto.json``: :mod:`.attestation`) over
   every file so far, then the same statement in a DSSE envelope signed with the key
   (``attestation.intoto.jsonl``) and the key's public half (``attestation.pub.pem``: :mod:`.dsse`);
5. rebuild ``manifest.json`` over every file, the new ones included;
6. sign the manifest: ``manifest.json.sig``.

``verify`` checks the signature over the manifest first (against an allowed-signers file,
for the signer the manifest names, in the namespace its record names: ``phasegate``, or
``phasegate-practice`` for a practice sign-off), then every hash, and names the first file that does
not match; then that the attestation matches the run (its subjects the files, its verdicts
run.json's as of the sign-off), and that the DSSE envelope carries the statement and verifies
under the key that signed the manifest (a run signed before phasegate wrote one verifies without
it, and verify says so). A statement an earlier phasegate wrote (``result`` ``pass`` or
``fail``, not the spec's ``PASSED``/``WARNED``/``FAILED``) still verifies, and verify says how
it was read.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import shutil
import subprocess
from pathlib import Path

from .. import redact
from . import attestation as _attestation
from . import dsse as _dsse
from . import manifest as _manifest
from . import write_completion
from .gate import SIGNABLE, assess, target_reasons, verdict_of
from .model import (ATTESTATION, ENVELOPE, MANIFEST, PUBLIC_KEY, SIGNATURE, SIGNOFF, iso, load_run, provenance_lines,
                    utc_now)
from ..record import run_record
from ..timefmt import parse_zulu

NAMESPACE = "phasegate"
# A practice sign-off (``phasegate practice``: a sandbox run, a throwaway key) is signed in a namespace of its own,
# so no allowed-signers entry for "phasegate" accepts it; its record says PRACTICE, and the gate refuses it
# unless asked with --practice.
PRACTICE_NAMESPACE = "phasegate-practice"
PRACTICE_NOTE = ("PRACTICE sign-off: a sandbox run signed with a throwaway key by `phasegate practice`; it never "
                 "opens a real environment's gate")
_SIGNER = re.compile(r"^\s*(?P<name>[^<>]+?)\s*<(?P<email>[^<>\s@]+@[^<>\s@]+)>\s*$")


class Refused(Exception):
    """Sign-off refused; the message is the one-line reason."""


class VerifyFailed(Exception):
    """Verification failed; the message names what does not match."""


def parse_signer(signer: str) -> tuple[str, str]:
    match = _SIGNER.match(signer or "")
    if not match:
        raise Refused(f"signer must look like \"Name <email>\", not {signer!r}")
    return match.group("name"), match.group("email")


def _ssh_keygen() -> str:
    path = shutil.which("ssh-keygen")
    if path is None:
        raise Refused("ssh-keygen (OpenSSH) is not installed")
    return path


def namespace_of(record: dict) -> str:
    """The namespace a sign-off record was signed in: the practice one for a practice sign-off."""
    return PRACTICE_NAMESPACE if record.get("practice") else NAMESPACE


def check_signable(folder: Path, now=None, practice: bool = False):
    """The run, if it may be signed (``practice``: as PRACTICE); else :class:`Refused` with every reason on one
    line."""
    folder = Path(folder)
    if not run_record.is_run_folder(folder):
        raise Refused(f"{folder} is not a run folder (no run.json)")
    run = load_run(folder, now)
    target = target_reasons(run, practice)
    if target:  # before anything else: a stand-in's results are never signed, whatever their state
        raise Refused(f"{folder.name}: " + "; ".join(assess(run, practice).reasons))
    if not (folder / MANIFEST).is_file():
        raise Refused(f"{folder.name} has no manifest.json: run `phasegate report {folder}` first")
    if (folder / SIGNOFF).exists() or (folder / SIGNATURE).exists():
        raise Refused(f"{folder.name} is already signed")
    mismatch = _manifest.first_mismatch(folder, _manifest.read(folder))
    if mismatch:
        raise Refused(f"{mismatch}: the run folder was changed after its report")
    assessment = assess(run, practice)
    if assessment.code != SIGNABLE:
        raise Refused(f"{folder.name} is not signable ({assessment.label}): " + "; ".join(assessment.reasons))
    return run


def signoff(folder, key, signer: str, now=None, practice: bool = False, passphrase: bytes | None = None) -> dict:
    """Sign the run with the OpenSSH key ``key`` (``passphrase``: the key's, when it has one; ``practice``: a
    practice run, as PRACTICE, in :data:`PRACTICE_NAMESPACE`); the sign-off record."""
    folder = Path(folder)
    name, email = parse_signer(signer)
    now = now or utc_now()
    run = check_signable(folder, now, practice)
    key = Path(key)
    if not key.is_file():
        raise Refused(f"signing key {key} does not exist")
    keygen = _ssh_keygen()
    try:
        signing_key = _dsse.load_signing_key(key, passphrase)
    except _dsse.KeyRefused as exc:
        raise Refused(str(exc)) from None
    previous = _manifest.read(folder)
    record = {"signer": f"{name} <{email}>", "email": email, "signed_at": iso(now), "verdict": verdict_of(run),
              "phase": run.phase.title,
              "namespace": PRACTICE_NAMESPACE if practice else NAMESPACE,
              "manifest_before_signoff_sha256": _manifest.sha256(folder / MANIFEST),
              **({"practice": True, "note": PRACTICE_NOTE} if practice else {})}
    (folder / SIGNOFF).write_text(redact.scrub(json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False))
                                  + "\n", encoding="utf-8")
    try:
        run = write_completion(folder, now=now)
        files = {rel: _manifest.sha256(folder / rel) for rel in _manifest.listed_files(folder) if rel != ATTESTATION}
        _attestation.write(folder, _attestation.build(run, files))
        _dsse.write(folder, signing_key)  # after the statement (its payload), before the manifest (which lists it)
        data = _manifest.build(run, html=previous.get("allure_html") or {}, signoff=record)
        _manifest.write(folder, data)
        done = subprocess.run([keygen, "-Y", "sign", "-f", str(key), "-n", record["namespace"], str(folder / MANIFEST)],
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0 or not (folder / SIGNATURE).exists():
            raise Refused("ssh-keygen could not sign: " + " ".join((done.stderr or done.stdout).split())[-300:])
    except BaseException:
        # Leave the folder as it was: unsigned, with its previous report and manifest.
        for name in (SIGNOFF, SIGNATURE, ATTESTATION, ENVELOPE, PUBLIC_KEY):
            (folder / name).unlink(missing_ok=True)
        run = write_completion(folder)
        _manifest.write(folder, _manifest.build(run, html=previous.get("allure_html") or {}, signoff=None))
        raise
    return record


def verify(folder, allowed_signers) -> str:
    folder = Path(folder)
    allowed = Path(allowed_signers)
    if not (folder / MANIFEST).is_file():
        raise VerifyFailed(f"{MANIFEST}: missing")
    if not (folder / SIGNATURE).is_file():
        raise VerifyFailed(f"{SIGNATURE}: missing (the run is not signed)")
    if not allowed.is_file():
        raise VerifyFailed(f"allowed signers file {allowed} does not exist")
    try:
        data = _manifest.read(folder)
    except ValueError:
        raise VerifyFailed(f"{MANIFEST}: not valid JSON (changed after signing)") from None
    record = data.get("signoff") or {}
    email = record.get("email")
    if not email:
        raise VerifyFailed(f"{MANIFEST}: names no signer (changed after signing?)")
    keygen = shutil.which("ssh-keygen")
    if keygen is None:
        raise VerifyFailed("ssh-keygen (OpenSSH) is not installed")
    with open(folder / MANIFEST, "rb") as stdin:
        done = subprocess.run([keygen, "-Y", "verify", "-f", str(allowed), "-I", email, "-n", namespace_of(record),
                               "-s", str(folder / SIGNATURE)], stdin=stdin, capture_output=True, text=True,
                              timeout=120)
    if done.returncode != 0:
        why = " ".join((done.stderr or done.stdout).split())[-200:]
        raise VerifyFailed(f"{MANIFEST}: signature does not verify for {email} ({why})")
    mismatch = _manifest.first_mismatch(folder, data)
    if mismatch:
        raise VerifyFailed(mismatch)
    statement = check_attestation(folder, data)
    phase = (data.get("phase") or {}).get("title") or "the phase"
    practice = "PRACTICE " if record.get("practice") else ""
    head = (f"OK: {practice}{folder.name} ({phase}) signed by {record.get('signer')} at {record.get('signed_at')}; "
            f"signature good; {len(data.get('files') or {})} files match; verdict: {record.get('verdict')}")
    # Read from the signed manifest, so what is shown is what was signed.
    lines = provenance_lines(data.get("provenance") or {}, data.get("api_url"),
                             run_record.judged_from_json(data.get("judged_services"), f"{MANIFEST}: judged_services"))
    lines.append("Attestation: " + (_attestation.summary(statement) if statement else
                                    f"none ({MANIFEST} lists no {ATTESTATION}: signed before phasegate wrote one)"))
    if statement and _attestation.note(statement):
        lines.append("Note: " + _attestation.note(statement))
    lines.append("Envelope: " + check_envelope(folder, data))
    return "\n".join([head] + [f"  {line}" for line in lines])


def check_envelope(folder: Path, data: dict) -> str:
    """What verify says of the DSSE envelope once it holds (none, for a run signed before phasegate wrote one)."""
    listed = data.get("files") or {}
    if ENVELOPE not in listed and PUBLIC_KEY not in listed:
        return f"none ({MANIFEST} lists no {ENVELOPE}: signed before phasegate wrote one)"
    try:
        return _dsse.check(folder)
    except _dsse.EnvelopeMismatch as exc:
        raise VerifyFailed(str(exc)) from None


def signed_at(record: dict) -> _dt.datetime | None:
    try:
        return parse_zulu(str(record.get("signed_at")))
    except ValueError:
        return None


def attestation_note(folder) -> str | None:
    """What to know about a verified run's attestation (one an earlier phasegate wrote), else None."""
    path = Path(folder) / ATTESTATION
    if not path.is_file():
        return None
    try:
        return _attestation.note(_attestation.parse(path.read_text(encoding="utf-8")))
    except (OSError, _attestation.AttestationMismatch):
        return None


def check_attestation(folder: Path, data: dict) -> dict | None:
    """The attestation, once it matches the run (judged as of the sign-off); None for a run signed without one.

    Called after every hash matched the signed manifest: what is checked here is what was signed.
    """
    if ATTESTATION not in (data.get("files") or {}):
        return None
    moment = signed_at(data.get("signoff") or {})
    if moment is None:
        raise VerifyFailed(f"{MANIFEST}: the sign-off's time {(data.get('signoff') or {}).get('signed_at')!r} "
                           "is not a UTC timestamp")
    try:
        run = load_run(folder, moment)
    except run_record.RecordError as exc:  # names the field; the path is the folder's, which verify was given
        raise VerifyFailed(f"run.json: not a run record this phasegate reads ("
                           f"{str(exc).removeprefix(str(run_record.record_path(folder)) + ': ')})") from None
    except (ValueError, KeyError) as exc:
        raise VerifyFailed(f"run.json: cannot be read as a run record ({type(exc).__name__})") from None
    try:
        return _attestation.check(run, data["files"])
    except _attestation.AttestationMismatch as exc:
        raise VerifyFailed(str(exc)) from None
