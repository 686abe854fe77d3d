"""Integrity: digests, revision, signatures; tampering fails with a clear message."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from studio.export import (
    BundleReadError,
    BundleVerifyError,
    build_bundle,
    layout,
    load_bundle,
    verify_bundle,
    verify_files,
)
from studio.export.canonical import json_bytes, sha256
from studio.export.signing import SigningKeyError, generate_key, load_private_key, load_public_key
from tests.conftest import tiny

RULES = """
- id: may-discount
  kind: may
  owner: sales
  rationale: small discounts
  agents: [sdr]
  actions: [offer_discount]
  limits: [params.pct <= 10]
"""


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    folder = tmp_path_factory.mktemp("keys")
    private, public = generate_key()
    (folder / "key.pem").write_bytes(private)
    (folder / "key.pub.pem").write_bytes(public)
    _, other = generate_key()
    (folder / "other.pub.pem").write_bytes(other)
    return folder / "key.pem", folder / "key.pub.pem", folder / "other.pub.pem"


def messages(files: dict[str, bytes], **options: object) -> list[str]:
    report = verify_files(files, **options)  # type: ignore[arg-type]
    return [f"{p.file}: {p.message}" for p in report.problems]


def test_a_fresh_bundle_verifies_with_every_vector_decided(tmp_path: Path) -> None:
    bundle = build_bundle(tiny(RULES))
    bundle.write(tmp_path / "b.tar.gz")
    report = verify_bundle(tmp_path / "b.tar.gz")
    assert report.ok, report.problems
    assert report.files_checked == len(bundle.files) - 1
    assert report.vectors_checked == json.loads(bundle.files[layout.VECTORS])["count"]


@pytest.mark.parametrize("path", [layout.OPA_POLICY, layout.STACK_JSON, layout.RULES_HTML, layout.VECTORS])
def test_a_changed_file_fails_and_is_named(path: str) -> None:
    files = dict(build_bundle(tiny(RULES)).files)
    files[path] = files[path] + b" "
    assert messages(files) == [f"{path}: changed since export: its SHA-256 doesn't match the manifest"]


def test_a_missing_or_added_file_fails() -> None:
    files = dict(build_bundle(tiny(RULES)).files)
    del files[layout.RULES_MARKDOWN]
    files["extra.rego"] = b"package x"
    assert messages(files) == [
        f"{layout.RULES_MARKDOWN}: listed in the manifest but missing",
        "extra.rego: not listed in the manifest (added after export?)",
    ]


def test_a_manifest_edited_to_match_a_tampered_file_fails_on_the_revision() -> None:
    files = dict(build_bundle(tiny(RULES)).files)
    files[layout.OPA_POLICY] += b"\n# allow everything\n"
    manifest = json.loads(files[layout.MANIFEST])
    manifest["files"][layout.OPA_POLICY] = sha256(files[layout.OPA_POLICY])
    files[layout.MANIFEST] = json_bytes(manifest)
    assert messages(files) == [
        f"{layout.MANIFEST}: the revision is not the digest of the file table (manifest edited?)"
    ]


def test_a_manifest_that_is_not_json_fails_clearly() -> None:
    files = dict(build_bundle(tiny(RULES)).files)
    files[layout.MANIFEST] = b"{not json"
    assert messages(files)[0].startswith("bundle: manifest.json is not valid JSON")


def test_a_signed_bundle_verifies_against_the_trusted_key(keys: tuple[Path, Path, Path]) -> None:
    private, public, _ = keys
    bundle = build_bundle(tiny(RULES), signing_key=load_private_key(private))
    assert bundle.signed
    report = verify_files(bundle.files, public_key=load_public_key(public))
    assert report.ok and report.signature is not None and report.signature.trusted
    untrusted = verify_files(bundle.files)
    assert untrusted.ok and untrusted.signature is not None and not untrusted.signature.trusted
    assert "not checked against a trusted key" in untrusted.signature.message
    assert build_bundle(tiny(RULES), signing_key=load_private_key(private)).files == bundle.files  # deterministic


def test_signature_failures(keys: tuple[Path, Path, Path]) -> None:
    private, public, other = keys
    signed = dict(build_bundle(tiny(RULES), signing_key=load_private_key(private)).files)
    wrong = messages(signed, public_key=load_public_key(other))
    assert len(wrong) == 1 and "not by the trusted key" in wrong[0]
    tampered = dict(signed)
    signature = json.loads(tampered[layout.SIGNATURE])
    signature["signature"] = signature["signature"][:-4] + (
        "AAA=" if not signature["signature"].endswith("AAA=") else "BBB="
    )
    tampered[layout.SIGNATURE] = json_bytes(signature)
    assert messages(tampered, public_key=load_public_key(public)) == [
        f"{layout.SIGNATURE}: the signature doesn't match manifest.json (tampered or re-signed)"
    ]
    resigned = dict(signed)
    resigned[layout.MANIFEST] = resigned[layout.MANIFEST].replace(b'"semantics"', b'"semantics" ')
    assert any("doesn't match manifest.json" in m for m in messages(resigned))
    unsigned = dict(build_bundle(tiny(RULES)).files)
    assert messages(unsigned, public_key=load_public_key(public)) == [
        f"{layout.SIGNATURE}: the bundle is not signed, but a signature is required"
    ]
    assert messages(unsigned, require_signature=True) == messages(unsigned, public_key=load_public_key(public))


def test_keys_that_cannot_be_used_say_why(tmp_path: Path) -> None:
    (tmp_path / "rsa.pem").write_bytes(b"-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n")
    with pytest.raises(SigningKeyError, match="not an unencrypted PEM private key"):
        load_private_key(tmp_path / "rsa.pem")
    with pytest.raises(SigningKeyError, match="Can't read"):
        load_private_key(tmp_path / "missing.pem")
    key = Ed25519PrivateKey.generate()
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    )
    (tmp_path / "enc.pem").write_bytes(encrypted)
    with pytest.raises(SigningKeyError):
        load_private_key(tmp_path / "enc.pem")


def test_unreadable_or_unsafe_tarballs_are_refused(tmp_path: Path) -> None:
    (tmp_path / "junk.tar.gz").write_bytes(b"not a tarball")
    with pytest.raises(BundleReadError, match=r"not a readable \.tar\.gz"):
        verify_bundle(tmp_path / "junk.tar.gz")
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz") as tar:
        info = tarfile.TarInfo("../escape.json")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"{}"))
    (tmp_path / "evil.tar.gz").write_bytes(raw.getvalue())
    with pytest.raises(BundleReadError, match="unsafe path"):
        verify_bundle(tmp_path / "evil.tar.gz")
    with pytest.raises(BundleReadError, match="no such file"):
        verify_bundle(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(BundleReadError, match=r"has no manifest\.json"):
        verify_bundle(tmp_path / "empty")


def test_load_bundle_refuses_a_tampered_bundle_and_decides_with_a_good_one(tmp_path: Path) -> None:
    bundle = build_bundle(tiny(RULES))
    loaded = load_bundle(bundle.tarball())
    assert loaded.revision == bundle.revision
    files = dict(bundle.files)
    files[layout.OPA_DATA] = b"{}"
    bundle_dir = tmp_path / "tampered"
    for path, data in files.items():
        (bundle_dir / path).parent.mkdir(parents=True, exist_ok=True)
        (bundle_dir / path).write_bytes(data)
    with pytest.raises(BundleVerifyError) as caught:
        load_bundle(bundle_dir)
    assert caught.value.problems[0].file == layout.OPA_DATA
