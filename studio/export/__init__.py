"""Export: a stack as a versioned, verifiable decision bundle, and bundles loaded back for enforcement.

The API the CLI and the studios call (docs/bundle.md describes the files):

    from studio.export import build_bundle, verify_bundle, load_bundle

    bundle = build_bundle(document)              # or a Stack; signing_key=... to sign
    bundle.write(Path("out/"))                   # a folder, or "out.tar.gz" for a tarball
    data: bytes = bundle.tarball()               # reproducible: same stack, same bytes
    report = verify_bundle(Path("out.tar.gz"))   # digests, revision, signature, vectors
    loaded = load_bundle(Path("out.tar.gz"))     # verified and compiled: loaded.decide(request_json)

Everything here is core (no UI); Ed25519 signing and checking use `cryptography`.
"""

from studio.export.archive import BundleReadError as BundleReadError
from studio.export.build import VECTORS_NOW as VECTORS_NOW
from studio.export.build import Bundle as Bundle
from studio.export.build import build_bundle as build_bundle
from studio.export.load import LoadedBundle as LoadedBundle
from studio.export.load import load_bundle as load_bundle
from studio.export.rego_expr import ExportError as ExportError
from studio.export.rego_input import RegoInput as RegoInput
from studio.export.rego_input import rego_input as rego_input
from studio.export.verify import BundleVerifyError as BundleVerifyError
from studio.export.verify import VerifyReport as VerifyReport
from studio.export.verify import verify_bundle as verify_bundle
from studio.export.verify import verify_files as verify_files
