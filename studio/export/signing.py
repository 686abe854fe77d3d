"""Signing a bundle's manifest with Ed25519, and checking the signature.

`signature.json` signs the exact bytes of `manifest.json`, which holds the SHA-256 of every
other file: one signature covers the whole bundle. Ed25519 signatures are deterministic, so a
signed bundle is reproducible too.

Keys are PEM files, as OpenSSL writes them:

    openssl genpkey -algorithm ed25519 -out studio-signing.pem          # private: keep it secret
    openssl pkey -in studio-signing.pem -pubout -out studio-signing.pub.pem   # public: give it to services

`studio export --sign studio-signing.pem` signs; `studio verify --key studio-signing.pub.pem`
checks the signature against that trusted key (without `--key`, against the key the bundle
names, which proves integrity but not who signed).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from studio.errors import StudioError

ALGORITHM = "Ed25519"


class SigningKeyError(StudioError):
    """A key file that can't be used; the message says why."""


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    """The outcome of checking `signature.json` against `manifest.json`."""

    ok: bool
    key_id: str
    trusted: bool
    """True when checked against a key the caller trusts (not only the one the bundle names)."""
    message: str


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """An Ed25519 private key from a PEM file; SigningKeyError with a clear message otherwise."""
    data = _read(path)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as error:
        raise SigningKeyError(
            f"{path} is not an unencrypted PEM private key ({error})",
            title="Can't use the signing key",
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(
            f"{path} holds a {type(key).__name__.removeprefix('_')}; bundles are signed with Ed25519 keys "
            "(openssl genpkey -algorithm ed25519 -out key.pem)",
            title="Can't use the signing key",
        )
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """An Ed25519 public key from a PEM file (or the public half of a private key file)."""
    data = _read(path)
    try:
        key: Any = serialization.load_pem_public_key(data)
    except ValueError:
        try:
            key = serialization.load_pem_private_key(data, password=None).public_key()
        except (ValueError, TypeError):
            raise SigningKeyError(f"{path} is not a PEM public key", title="Can't use the key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError(f"{path} is not an Ed25519 key", title="Can't use the key")
    return key


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise SigningKeyError(f"Can't read {path}: {error.strerror}", title="Can't read the key") from None


def public_bytes(key: Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of a public key."""
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    """`sha256:<hex>` of the raw public key: names the key without giving it away."""
    return "sha256:" + hashlib.sha256(public_bytes(key)).hexdigest()


def sign_manifest(manifest: bytes, key: Ed25519PrivateKey) -> dict[str, Any]:
    """The content of `signature.json` for these manifest bytes."""
    public = key.public_key()
    return {
        "algorithm": ALGORITHM,
        "signed_file": "manifest.json",
        "manifest_sha256": "sha256:" + hashlib.sha256(manifest).hexdigest(),
        "key_id": key_id(public),
        "public_key": base64.b64encode(public_bytes(public)).decode("ascii"),
        "signature": base64.b64encode(key.sign(manifest)).decode("ascii"),
    }


def check_signature(manifest: bytes, signature: bytes, trusted: Ed25519PublicKey | None = None) -> SignatureCheck:
    """Whether `signature` (the bytes of signature.json) signs `manifest`, by `trusted` when given."""
    try:
        data = json.loads(signature)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return SignatureCheck(False, "", False, "signature.json is not valid JSON")
    if not isinstance(data, dict) or data.get("algorithm") != ALGORITHM:
        return SignatureCheck(False, "", False, f"signature.json: algorithm must be {ALGORITHM!r}")
    try:
        named = Ed25519PublicKey.from_public_bytes(base64.b64decode(str(data.get("public_key", "")), validate=True))
        raw = base64.b64decode(str(data.get("signature", "")), validate=True)
    except ValueError:
        return SignatureCheck(False, "", False, "signature.json: public_key or signature is not valid base64 Ed25519")
    named_id = key_id(named)
    if data.get("key_id") != named_id:
        return SignatureCheck(False, named_id, False, "signature.json: key_id doesn't match its public_key")
    key = named
    if trusted is not None:
        if key_id(trusted) != named_id:
            return SignatureCheck(
                False,
                named_id,
                True,
                f"signed by key {named_id[:19]}…, not by the trusted key {key_id(trusted)[:19]}…",
            )
        key = trusted
    try:
        key.verify(raw, manifest)
    except InvalidSignature:
        return SignatureCheck(
            False, named_id, trusted is not None, "the signature doesn't match manifest.json (tampered or re-signed)"
        )
    if trusted is None:
        return SignatureCheck(
            True, named_id, False, f"signed by key {named_id[:19]}… (not checked against a trusted key: pass --key)"
        )
    return SignatureCheck(True, named_id, True, f"signed by the trusted key {named_id[:19]}…")


def generate_key() -> tuple[bytes, bytes]:
    """A new Ed25519 key pair as (private PEM, public PEM): for tests and first-time setup."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, public
