"""The gate's decision as a SLSA Verification Summary Attestation (``phasegate gate … --attest FILE``).

An in-toto Statement v1 (checked with the ``in-toto-attestation`` bindings) whose predicate is
``https://slsa.dev/verification_summary/v1`` (SLSA 1.1's fields; the bindings' own VSA message
predates them and holds ``verifiedLevels`` as a single string, so the predicate is built to the spec,
and the tests check it field by field):

- ``subject``: what the decision is about — the commits ``--commit`` asked about, each as
  ``render:<service name>`` with digest ``gitCommit`` (a bare SHA: every service the signed run
  judged); without ``--commit``, the deploys the signed run judged (as its attestation names them);
  failing both, the signed run's statement itself;
- ``verifier``: ``id`` phasegate's gate (:data:`VERIFIER_ID`), ``version`` ``{"phasegate": <version>}``;
- ``timeVerified``: when the gate decided;
- ``resourceUri``: ``render://<environment>/<phase>?<service>=<commit>&…``: the environment and
  phase the decision holds for, and each service's commit (a VSA for staging is not one for production);
- ``policy``: ``uri`` the gate's policy for that phase, ``digest`` the sha256 of the phase's feature
  files and ``phase.yaml`` as the signed run recorded them (``sha256sum``'s lines, sorted, hashed), and
  as annotations each file's digest and ``--max-age``;
- ``inputAttestations``: the signed run's statement and DSSE envelope (or, signed before phasegate
  wrote them, its manifest), each with its sha256;
- ``verificationResult``: ``PASSED`` when the gate opened, else ``FAILED``; ``verifiedLevels``
  ``["PHASEGATE_SIGNED_PHASE"]`` (a custom level: not ``SLSA_``) or ``["FAILED"]``, as the spec says;
- the decision itself, the extension field :data:`DECISION_FIELD` (a URI, as the spec lets producers
  add): code, label, the one line and every cause.
"""

from __future__ import annotations

import hashlib
import json
import urllib.parse
from pathlib import Path

from google.protobuf import json_format
from in_toto_attestation.v1.resource_descriptor import ResourceDescriptor
from in_toto_attestation.v1.statement import Statement

from .. import __version__, redact
from ..fileio import write_atomic
from ..record import run_record
from .attestation import descriptors
from .model import ATTESTATION, ENVELOPE, MANIFEST, iso, utc_now

PREDICATE_TYPE = "https://slsa.dev/verification_summary/v1"
VERIFIER_ID = "urn:phasegate:gate"  # phasegate's gate, the verifier (phasegate has no URL of its own)
DECISION_FIELD = "urn:phasegate:gate:decision"  # the decision's code, line and causes: an extension field
SIGNED_PHASE = "PHASEGATE_SIGNED_PHASE"  # the level an open gate verified: a signed, current, undrifted phase
SLSA_VERSION = "1.1"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _signed_folder(env_folder: Path, decision) -> Path | None:
    folder = env_folder / decision.signed_run if decision.signed_run else None
    return folder if folder is not None and folder.is_dir() else None


def subjects(decision, signed: Path | None) -> list[dict]:
    """What the decision is about: the commits asked about, else the signed deploys, else the signed statement."""
    services = decision.judged_services or []
    out: dict[str, dict] = {}
    for key, sha in decision.commits_asked:
        matched = [e for e in services if e.named_by(key)]
        for name in [e.name for e in matched] or ([key] if key else ["commit"]):
            out[f"render:{name}" if key or matched else "git:commit"] = {"gitCommit": sha}
    if out:
        return [{"name": name, "digest": digest} for name, digest in out.items()]
    found = descriptors(services)
    if found:
        return found
    if signed is not None and (signed / ATTESTATION).is_file():
        return [{"name": f"{signed.name}/{ATTESTATION}", "digest": {"sha256": _sha256(signed / ATTESTATION)}}]
    return []


def resource_uri(decision, described: list[dict]) -> str:
    """``render://<environment>/<phase>?<service>=<commit>``: where and what the decision holds for."""
    query = [(item["name"].split(":", 1)[-1], item["digest"].get("gitCommit") or
              next(f"{k}:{v}" for k, v in sorted(item["digest"].items()))) for item in described
             if item["name"].startswith(("render:", "git:"))]
    base = f"render://{urllib.parse.quote(decision.environment)}/{urllib.parse.quote(decision.phase)}"
    return base + ("?" + urllib.parse.urlencode(query) if query else "")


def policy(decision, signed: Path | None, max_age: str) -> dict:
    """The phase's criteria as the signed run recorded them (feature files and phase.yaml), and the gate's --max-age."""
    recorded = []
    if signed is not None:
        try:
            recorded = run_record.read(signed).configuration or []
        except (OSError, ValueError):
            recorded = []
    files = {item["name"]: item.get("sha256") for item in recorded
             if f"features/{decision.phase}/" in str(item.get("name")) and item.get("sha256")}
    listing = "".join(f"{digest}  {name}\n" for name, digest in sorted(files.items()))
    out = {"uri": f"{VERIFIER_ID}:policy:{urllib.parse.quote(decision.phase)}",
           "annotations": {"maxAge": max_age, "features": files}}
    if files:
        out["digest"] = {"sha256": hashlib.sha256(listing.encode("utf-8")).hexdigest()}
    return out


def input_attestations(signed: Path | None) -> list[dict]:
    """The signed run's statement and envelope (or its manifest, signed before phasegate wrote them)."""
    if signed is None:
        return []
    names = [n for n in (ATTESTATION, ENVELOPE) if (signed / n).is_file()] or [MANIFEST]
    return [{"uri": (signed / n).as_posix(), "digest": {"sha256": _sha256(signed / n)}}
            for n in names if (signed / n).is_file()]


def build(decision, env_folder, max_age: str, now=None) -> dict | None:
    """The VSA Statement for a decision; None when there is nothing to name as its subject (no signed run and
    no ``--commit``)."""
    env_folder = Path(env_folder)
    signed = _signed_folder(env_folder, decision)
    described = subjects(decision, signed)
    if not described:
        return None
    opened = decision.code == 0
    predicate = {
        "verifier": {"id": VERIFIER_ID, "version": {"phasegate": __version__}},
        "timeVerified": iso(now or utc_now()),
        "resourceUri": resource_uri(decision, described),
        "policy": policy(decision, signed, max_age),
        "inputAttestations": input_attestations(signed),
        "verificationResult": "PASSED" if opened else "FAILED",
        "verifiedLevels": [SIGNED_PHASE] if opened else ["FAILED"],
        "slsaVersion": SLSA_VERSION,
        DECISION_FIELD: {key: value for key, value in decision.to_dict().items()
                         if key in ("code", "decision", "line", "causes", "phase", "environment", "signed_run",
                                    "signer", "signed_at", "commits_asked")},
    }
    statement = Statement([json_format.ParseDict(s, ResourceDescriptor().pb) for s in described],
                          PREDICATE_TYPE, predicate)
    statement.validate()
    # The bindings hold the predicate as a Struct (every number a double): it is written as built.
    return {**json_format.MessageToDict(statement.pb), "predicate": predicate}


def write(path, statement: dict) -> None:
    write_atomic(Path(path), redact.scrub(json.dumps(statement, indent=2, sort_keys=True, ensure_ascii=False) + "\n"))
