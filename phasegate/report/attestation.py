"""The sign-off's in-toto attestation: a Statement v1 with the test-result predicate, and its check.

``attestation.intoto.json`` is written into the run folder at sign-off, after ``signoff.json``
and the signed completion report, and before the manifest is rebuilt and signed: the manifest
lists its SHA-256, so the one OpenSSH signature over ``manifest.json`` covers it. It is built
and validated with the in-toto Attestation Framework's own Python bindings
(``in_toto_attestation``):

- ``subject``: what shipped, then the folder. One descriptor per judged service whose live deploy
  the run recorded (``run.json``'s ``judged_services``): name ``render:<service name>``, digest
  ``gitCommit`` (and ``sha256``, the image's digest, for an image-backed deploy), annotations the
  deploy's and the service's ids (:func:`service_subjects`); then every file of the run folder (but
  the manifest, its signature, the attestation and its DSSE envelope and key) by its path, with its sha256;
- ``predicate`` (``https://in-toto.io/attestation/test-result/v0.1``): ``passedTests`` the
  criteria that passed, ``warnedTests`` those waived (each naming its waiver), ``failedTests``
  any failed, broken, skipped or not run (none, in a run that could be signed); ``result``
  the spec's enum (:func:`result_of`): ``PASSED`` when every criterion passed, ``WARNED`` when
  some were waived and none failed outright, ``FAILED`` otherwise; ``configuration`` the profile, feature,
  phase and waiver files the run recorded with their sha256; ``url`` the CI run that wrote the
  folder, or else the folder itself.

:func:`check` is what ``verify`` and ``gate`` ask: the statement parses as the bindings'
messages (unknown fields refused), names every file with the digest the manifest lists and every
judged service with the deploy ``run.json`` records (a run recorded before phasegate kept them has
none, and a statement naming one then fails), and its verdicts and configuration equal what
``run.json`` records, judged as of the sign-off.
A statement an earlier phasegate wrote says ``pass`` or ``fail`` instead: it is read in the
spec's terms (:func:`read_result`), checked as strictly, and :func:`note` says so.
"""

from __future__ import annotations

import json
from pathlib import Path

from google.protobuf import json_format
from in_toto_attestation.predicates.test_result.v0 import test_result_pb2
from in_toto_attestation.v1 import statement_pb2
from in_toto_attestation.v1.resource_descriptor import ResourceDescriptor
from in_toto_attestation.v1.statement import STATEMENT_TYPE_URI, Statement

from .. import redact
from ..record.run_record import JudgedService
from .model import ATTESTATION, ENVELOPE, MANIFEST, PUBLIC_KEY, RESULTS, SIGNATURE, Run

PREDICATE_TYPE = "https://in-toto.io/attestation/test-result/v0.1"
SERVICE_PREFIX = "render:"  # a subject naming a judged service (its live deploy), not a file of the folder
_LISTS = ("passedTests", "warnedTests", "failedTests")
_NOT_SUBJECTS = {MANIFEST, SIGNATURE, ATTESTATION, ENVELOPE, PUBLIC_KEY}  # written after the statement, or signing it
RESULT_ENUM = ("PASSED", "WARNED", "FAILED")  # the test-result predicate's enum
_EARLIER = ("pass", "fail")  # what phasegate wrote before it followed the spec


class AttestationMismatch(Exception):
    """The attestation does not match the run; the message names what differs."""


def result_of(warned, failed) -> str:
    """The predicate's ``result``: ``FAILED`` if any test failed outright, else ``WARNED`` if any was
    waived (warned), else ``PASSED``."""
    if failed:
        return "FAILED"
    return "WARNED" if warned else "PASSED"


def read_result(predicate: dict) -> tuple[str, str | None]:
    """The predicate's ``result`` in the spec's terms, and a note when an earlier phasegate wrote it.

    ``pass`` (written only when nothing was warned or failed) reads as ``PASSED``; ``fail`` as
    what the statement's own lists make it, ``WARNED`` or ``FAILED`` (``FAILED`` when they hold
    nothing, which no phasegate wrote: it then differs from a run that passed).
    """
    written = predicate.get("result")
    if written not in _EARLIER:
        return written, None
    read = "PASSED"
    if written == "fail":
        read = result_of(predicate.get("warnedTests"), predicate.get("failedTests"))
        read = "FAILED" if read == "PASSED" else read
    return read, f"{ATTESTATION} written by an earlier phasegate: result {written!r} read as {read}"


def note(data: dict) -> str | None:
    """What a reader should know about a statement that matched: an earlier phasegate's ``result``."""
    return read_result(data["predicate"])[1]


def verdicts(run: Run) -> dict:
    """``result`` and the three lists of the predicate, from the run's criteria (waivers as the run is judged)."""
    passed, warned, failed = [], [], []
    for res in sorted(run.results.values(), key=lambda r: r.id):
        if res.judged is None:  # not part of the phase in this environment: no test
            continue
        if res.status == "passed":
            passed.append(res.id)
        elif res.status == "waived":
            w = res.judged.waiver
            warned.append(f"{res.id} (waived, {res.judged.outcome}: {w.justification}; approved by {w.approver}; "
                          f"expires {w.expires.isoformat()})")
        else:
            failed.append(f"{res.id} ({res.status})")
    return {"result": result_of(warned, failed),
            "passedTests": passed, "warnedTests": warned, "failedTests": failed}


def _configuration(run: Run) -> list[dict]:
    recorded = run.record.configuration
    if recorded is None:  # a run recorded before phasegate kept the digests: named, without one
        return [{"name": name, "annotations": {"sha256": "not recorded by this run"}}
                for name in run.record.profile_provenance.get("files") or []]
    out = []
    for item in recorded:
        if item.get("sha256"):
            out.append({"name": item["name"], "digest": {"sha256": item["sha256"]}})
        else:
            out.append({"name": item["name"], "annotations": {"sha256": item.get("error") or "not read"}})
    return out


def _url(folder: Path) -> str:
    """The CI run that wrote the folder (Allure's executor.json), else the folder as a file: URI."""
    try:
        executor = json.loads((folder / RESULTS / "executor.json").read_text(encoding="utf-8"))
        if isinstance(executor, dict) and str(executor.get("buildUrl") or "").startswith("https://"):
            return executor["buildUrl"]
    except (OSError, ValueError):
        pass
    return folder.resolve().as_uri()


def subjects(folder: Path, files: dict[str, str]) -> list[dict]:
    return [{"name": rel, "digest": {"sha256": files[rel]}} for rel in sorted(files) if rel not in _NOT_SUBJECTS]


def image_digest(sha: str | None) -> dict:
    """An image's digest as Render reports it (``sha256:<hex>``) as a DigestSet entry; {} when there is none."""
    algorithm, _, value = str(sha or "").partition(":")
    if not value and len(algorithm) == 64:  # a bare hex digest: sha256 by its length
        algorithm, value = "sha256", algorithm
    return {algorithm.lower(): value.lower()} if value and algorithm else {}


def service_subjects(run: Run) -> list[dict]:
    """One ResourceDescriptor per judged service whose live deploy ran a commit or an image: what shipped."""
    return descriptors(run.judged_services)


def descriptors(judged_services: list[JudgedService] | None) -> list[dict]:
    """``render:<name>`` ResourceDescriptors of recorded deploys (``run.json``'s ``judged_services``)."""
    out = []
    for entry in judged_services or []:
        deploy = entry.deploy
        if deploy is None:
            continue
        digest = {**({"gitCommit": deploy.commit} if deploy.commit else {}), **image_digest(deploy.image_sha)}
        if not digest:
            continue
        annotations = {"role": entry.role, "serviceId": entry.service_id, "deployId": deploy.id,
                       "liveSince": deploy.live_since}
        if deploy.image_ref:
            annotations["imageRef"] = deploy.image_ref
        out.append({"name": f"{SERVICE_PREFIX}{entry.name}", "digest": digest,
                    "annotations": {k: v for k, v in annotations.items() if v}})
    return out


def build(run: Run, files: dict[str, str]) -> dict:
    """The Statement for a run folder whose files (path -> sha256) are given; validated by the bindings."""
    predicate = test_result_pb2.TestResult()
    json_format.ParseDict({**verdicts(run), "configuration": _configuration(run), "url": _url(run.folder)},
                          predicate)
    described = service_subjects(run) + subjects(run.folder, files)
    statement = Statement([json_format.ParseDict(s, ResourceDescriptor().pb) for s in described],
                          PREDICATE_TYPE, json_format.MessageToDict(predicate))
    statement.validate()
    data = json_format.MessageToDict(statement.pb)
    for name in _LISTS:  # proto3 leaves empty lists out; the spec's readers look for them
        data["predicate"].setdefault(name, [])
    return data


def write(folder: Path, statement: dict) -> None:
    text = json.dumps(statement, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    (Path(folder) / ATTESTATION).write_text(redact.scrub(text), encoding="utf-8")


def parse(text: str) -> dict:
    """The statement as JSON, once the bindings accept it: a Statement v1, the test-result predicate."""
    try:
        data = json.loads(text)
        message = json_format.ParseDict(data, statement_pb2.Statement())
        Statement.copy_from_pb(message).validate()
        if data.get("predicateType") != PREDICATE_TYPE:
            raise ValueError(f"predicateType is {data.get('predicateType')!r}, not {PREDICATE_TYPE}")
        json_format.ParseDict(data.get("predicate"), test_result_pb2.TestResult())
        # The bindings' TestResult holds ``result`` as a plain string: the spec's enum is checked here.
        if data["predicate"].get("result") not in (*RESULT_ENUM, *_EARLIER):
            raise ValueError(f"predicate result is {data['predicate'].get('result')!r}, not "
                             f"{', '.join(RESULT_ENUM[:-1])} or {RESULT_ENUM[-1]}")
    except (ValueError, json_format.ParseError, TypeError) as exc:
        raise AttestationMismatch(f"{ATTESTATION}: not an in-toto test-result Statement "
                                  f"({' '.join(str(exc).split())[:200]})") from None
    if data.get("_type") != STATEMENT_TYPE_URI:
        raise AttestationMismatch(f"{ATTESTATION}: _type is {data.get('_type')!r}, not {STATEMENT_TYPE_URI}")
    return data


def check(run: Run, files: dict[str, str]) -> dict:
    """The parsed statement when it matches the run; else :class:`AttestationMismatch` naming the difference.

    ``files`` are the manifest's digests (already checked against the folder); ``run`` is judged
    as of the sign-off, so a waiver that expired since does not change what was signed.
    """
    data = parse((run.folder / ATTESTATION).read_text(encoding="utf-8"))
    _check_services(data, run)
    named = {}
    for item in data.get("subject") or []:
        if not str(item.get("name")).startswith(SERVICE_PREFIX):
            named[item.get("name")] = (item.get("digest") or {}).get("sha256")
    expected = {s["name"]: s["digest"]["sha256"] for s in subjects(run.folder, files)}
    for rel in sorted(set(named) | set(expected)):
        if rel not in expected:
            raise AttestationMismatch(f"{ATTESTATION}: subject {rel} is not a file of the run folder")
        if rel not in named:
            raise AttestationMismatch(f"{ATTESTATION}: {rel} is not among its subjects")
        if named[rel] != expected[rel]:
            raise AttestationMismatch(f"{ATTESTATION}: subject {rel}'s sha256 differs from the file's")
    predicate = data["predicate"]
    want = verdicts(run)
    for name in _LISTS:
        if (predicate.get(name) or []) != want[name]:
            raise AttestationMismatch(f"{ATTESTATION}: {name} says {_short(predicate.get(name))}, run.json "
                                      f"{_short(want[name])}")
    read, earlier = read_result(predicate)
    if read != want["result"]:
        said = f" (read as {read})" if earlier else ""
        raise AttestationMismatch(f"{ATTESTATION}: result says {_short(predicate.get('result'))}{said}, run.json "
                                  f"{_short(want['result'])}")
    if (predicate.get("configuration") or []) != _configuration(run):
        raise AttestationMismatch(f"{ATTESTATION}: configuration differs from the files run.json records")
    return data


def _check_services(data: dict, run: Run) -> None:
    """The statement's ``render:`` subjects are exactly the deploys ``run.json`` records, in order."""
    named = [item for item in data.get("subject") or [] if str(item.get("name")).startswith(SERVICE_PREFIX)]
    expected = service_subjects(run)
    for said, want in zip(named, expected):
        if said.get("name") != want["name"]:
            raise AttestationMismatch(f"{ATTESTATION}: subject {said.get('name')} is not {want['name']}, the service "
                                      "run.json records judging")
        for part in ("digest", "annotations"):
            if (said.get(part) or {}) != want[part]:
                raise AttestationMismatch(f"{ATTESTATION}: subject {want['name']}'s {part} says "
                                          f"{_short(said.get(part))}, run.json {_short(want[part])}")
    if len(named) != len(expected):
        extra = [item.get("name") for item in named[len(expected):]] or [w["name"] for w in expected[len(named):]]
        where = "is not a service run.json records judging" if len(named) > len(expected) else "is not among its subjects"
        raise AttestationMismatch(f"{ATTESTATION}: {', '.join(map(str, extra))} {where}")


def summary(data: dict) -> str:
    predicate = data["predicate"]
    counts = ", ".join(f"{len(predicate.get(name) or [])} {name[:-5]}" for name in _LISTS)
    items = data.get("subject") or []
    services = [item for item in items if str(item.get("name")).startswith(SERVICE_PREFIX)]
    shipped = ", ".join(f"{item['name']} at {_digest_words(item.get('digest') or {})}" for item in services)
    return (f"{ATTESTATION} (in-toto Statement v1, test-result v0.1): result {predicate['result']}, {counts}; "
            f"{len(items) - len(services)} subjects match the files; "
            + (f"judged {shipped}" if services else "no judged service's commit among its subjects"))


def _digest_words(digest: dict) -> str:
    words = [f"commit {digest['gitCommit']}"] if digest.get("gitCommit") else []
    words += [f"image {k}:{v}" for k, v in sorted(digest.items()) if k != "gitCommit"]
    return " and ".join(words)


def _short(value) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "..."
