"""The sign-off's statement as a DSSE envelope: what standard in-toto tools verify.

Beside the OpenSSH signature over ``manifest.json``, the sign-off writes:

- ``attestation.intoto.jsonl`` — one line, a DSSE envelope
  (``{"payloadType": "application/vnd.in-toto+json", "payload": <base64 of attestation.intoto.json's
  bytes>, "signatures": [{"keyid": <the key's OpenSSH SHA256 fingerprint>, "sig": <base64>}]}``), the
  signature over the DSSE v1 pre-authentication encoding (:func:`pae`) of the payload type and the
  statement, made with the signer's own key: Ed25519, or ECDSA (P-256/384/521, SHA-256/384/512, DER);
- ``attestation.pub.pem`` — that key's public half (SubjectPublicKeyInfo, PEM), for a verifier that
  reads no OpenSSH format.

The key is read from the OpenSSH private key file the signer passes to ``phasegate signoff``
(``cryptography``'s ``load_ssh_private_key``; a passphrase-protected key needs its passphrase). Both
files are written after the statement and before the manifest, which lists them: the one OpenSSH
signature covers them too. :func:`check` is what ``verify`` asks: the envelope's payload is the
statement, byte for byte, its signature verifies under the PEM key, and that key is the one that
made the OpenSSH signature over the manifest.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from .model import ATTESTATION, ENVELOPE, PUBLIC_KEY, SIGNATURE

PAYLOAD_TYPE = "application/vnd.in-toto+json"
_HASH = {"secp256r1": hashes.SHA256, "secp384r1": hashes.SHA384, "secp521r1": hashes.SHA512}


class KeyRefused(Exception):
    """The signing key cannot sign the envelope; the message says why in one line."""


class EnvelopeMismatch(Exception):
    """The envelope does not verify or is not the statement's; the message names what differs."""


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE v1's pre-authentication encoding: ``DSSEv1 <len(type)> <type> <len(payload)> <payload>``."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def load_signing_key(path, passphrase: bytes | None = None):
    """The OpenSSH private key at ``path``, if it is an Ed25519 or ECDSA key; else :class:`KeyRefused`."""
    try:
        key = serialization.load_ssh_private_key(Path(path).read_bytes(), password=passphrase)
    except OSError as exc:
        raise KeyRefused(f"signing key {path} cannot be read ({exc.strerror or type(exc).__name__})") from None
    except TypeError:  # cryptography: a password was not given for an encrypted key (or given for a plain one)
        raise KeyRefused(f"signing key {path} is protected by a passphrase: give it when asked "
                         "(phasegate signoff asks on a terminal)") from None
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise KeyRefused(f"signing key {path} is not an OpenSSH private key phasegate can read "
                         f"({' '.join(str(exc).split())[:120]})") from None
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name in _HASH:
        return key
    raise KeyRefused(f"signing key {path} is a {type(key).__name__.removesuffix('PrivateKey') or 'other'} key: the "
                     "DSSE envelope is signed with the same key, which must be Ed25519 or ECDSA")


def encrypted(path) -> bool:
    """Whether the OpenSSH private key file at ``path`` needs a passphrase (its cipher is not ``none``)."""
    try:
        text = Path(path).read_text(encoding="ascii", errors="replace")
        body = "".join(line for line in text.splitlines() if line and not line.startswith("-----"))
        blob = base64.b64decode(body)
    except (OSError, ValueError):
        return False
    magic = b"openssh-key-v1\0"
    if not blob.startswith(magic):
        return False
    cipher, _ = _string(blob, len(magic))
    return cipher != b"none"


def fingerprint(public_key) -> str:
    """The key's OpenSSH fingerprint (``SHA256:<base64>``, as ``ssh-keygen -l`` prints it): the envelope's keyid."""
    blob = base64.b64decode(public_key.public_bytes(serialization.Encoding.OpenSSH,
                                                    serialization.PublicFormat.OpenSSH).split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def _sign(key, data: bytes) -> bytes:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(data)
    return key.sign(data, ec.ECDSA(_HASH[key.curve.name]()))


def _verify(public_key, signature: bytes, data: bytes) -> None:
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        public_key.verify(signature, data)
    elif isinstance(public_key, ec.EllipticCurvePublicKey) and public_key.curve.name in _HASH:
        public_key.verify(signature, data, ec.ECDSA(_HASH[public_key.curve.name]()))
    else:
        raise InvalidSignature("not an Ed25519 or ECDSA key")


def write(folder: Path, key) -> dict:
    """Sign the folder's statement (its bytes as written) into the envelope, and write the public key beside it."""
    folder = Path(folder)
    payload = (folder / ATTESTATION).read_bytes()
    public = key.public_key()
    envelope = {"payloadType": PAYLOAD_TYPE, "payload": base64.b64encode(payload).decode("ascii"),
                "signatures": [{"keyid": fingerprint(public),
                                "sig": base64.b64encode(_sign(key, pae(PAYLOAD_TYPE, payload))).decode("ascii")}]}
    (folder / ENVELOPE).write_text(json.dumps(envelope, sort_keys=True) + "\n", encoding="utf-8")
    (folder / PUBLIC_KEY).write_bytes(public.public_bytes(serialization.Encoding.PEM,
                                                          serialization.PublicFormat.SubjectPublicKeyInfo))
    return envelope


def _string(blob: bytes, at: int) -> tuple[bytes, int]:
    """One SSH wire-format string (uint32 length, bytes) at ``at``: (its bytes, where the next begins)."""
    if at + 4 > len(blob):
        raise ValueError("truncated")
    (size,) = struct.unpack(">I", blob[at:at + 4])
    if at + 4 + size > len(blob):
        raise ValueError("truncated")
    return blob[at + 4:at + 4 + size], at + 4 + size


def ssh_signature_key(path: Path):
    """The public key inside an OpenSSH signature file (``ssh-keygen -Y sign``'s armoured SSHSIG)."""
    lines = Path(path).read_text(encoding="ascii").strip().splitlines()
    blob = base64.b64decode("".join(lines[1:-1]))
    if not blob.startswith(b"SSHSIG"):
        raise ValueError("not an SSH signature")
    key_blob, _ = _string(blob, 10)  # after the magic and the version
    kind, _ = _string(key_blob, 0)
    return serialization.load_ssh_public_key(kind + b" " + base64.b64encode(key_blob))


def check(folder: Path) -> str:
    """What ``verify`` says of the envelope, once it holds; else :class:`EnvelopeMismatch` naming what does not.

    Called after the manifest's signature and every hash verified: the envelope and the key are what was signed.
    """
    folder = Path(folder)
    try:
        envelope = json.loads((folder / ENVELOPE).read_text(encoding="utf-8"))
        payload = base64.b64decode(envelope["payload"], validate=True)
        (signature,) = envelope["signatures"]
        sig = base64.b64decode(signature["sig"], validate=True)
        public = serialization.load_pem_public_key((folder / PUBLIC_KEY).read_bytes())
    except (OSError, ValueError, KeyError, TypeError, UnsupportedAlgorithm) as exc:
        raise EnvelopeMismatch(f"{ENVELOPE}: not a DSSE envelope with one signature and its key in {PUBLIC_KEY} "
                               f"({type(exc).__name__})") from None
    if envelope.get("payloadType") != PAYLOAD_TYPE:
        raise EnvelopeMismatch(f"{ENVELOPE}: payloadType is {envelope.get('payloadType')!r}, not {PAYLOAD_TYPE}")
    if payload != (folder / ATTESTATION).read_bytes():
        raise EnvelopeMismatch(f"{ENVELOPE}: its payload is not {ATTESTATION}")
    try:
        _verify(public, sig, pae(PAYLOAD_TYPE, payload))
    except InvalidSignature:
        raise EnvelopeMismatch(f"{ENVELOPE}: its signature does not verify under {PUBLIC_KEY}") from None
    try:
        signer = ssh_signature_key(folder / SIGNATURE)
    except (OSError, ValueError, UnsupportedAlgorithm):
        raise EnvelopeMismatch(f"{SIGNATURE}: the key that signed the manifest cannot be read from it") from None
    if fingerprint(signer) != fingerprint(public):
        raise EnvelopeMismatch(f"{PUBLIC_KEY} ({fingerprint(public)}) is not the key that signed {SIGNATURE} "
                               f"({fingerprint(signer)})")
    return (f"{ENVELOPE} (DSSE, {PAYLOAD_TYPE}): signature good under {PUBLIC_KEY}, {fingerprint(public)}, the key "
            f"that signed {SIGNATURE}; payload is {ATTESTATION}")
