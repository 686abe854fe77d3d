"""`studio export FILE --out DIR|FILE.tar.gz`: the stack as a versioned, verifiable decision bundle."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from studio.cli.common import JsonOption, NowOption, StackPath, read_time
from studio.cli.output import print_json, stdout
from studio.document import load_file
from studio.export import VECTORS_NOW, build_bundle
from studio.export.layout import VECTORS


def export(
    file: StackPath,
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="Where to write: a folder, or a file ending in .tar.gz.", show_default=False),
    ],
    sign: Annotated[
        Path | None,
        typer.Option("--sign", help="Sign the manifest with this Ed25519 private key (PEM).", show_default=False),
    ] = None,
    now: NowOption = None,
    as_json: JsonOption = False,
) -> int:
    """Export a stack: manifest, stack, schemas, conformance vectors, operating rules and an OPA bundle.

    The same stack always gives the same bytes (the vectors are decided at a fixed reference
    moment, 2026-11-23T15:00:00Z, unless --now says otherwise).
    """
    key = None
    if sign is not None:
        from studio.export.signing import load_private_key

        key = load_private_key(sign)
    reference = VECTORS_NOW if now is None else read_time(now, now=VECTORS_NOW, tz="UTC", option="--now")
    document = load_file(file)
    bundle = build_bundle(document, now=reference, signing_key=key)
    bundle.write(out)
    manifest = bundle.manifest
    if as_json:
        print_json(
            {
                "out": str(out),
                "revision": manifest.revision,
                "stack": manifest.stack_name,
                "stack_revision": manifest.stack_revision,
                "signed": bundle.signed,
                "vectors_at": manifest.vectors_at,
                "files": dict(manifest.files),
            }
        )
        return 0
    import json

    count = json.loads(bundle.files[VECTORS])["count"]
    console = stdout()
    console.print(Text("✔ ", style="bold green") + Text(f"Exported {manifest.stack_name} → {out}"))
    console.print(f"  revision        {manifest.revision}")
    console.print(f"  stack revision  {manifest.stack_revision}")
    console.print(f"  files           {len(bundle.files)} ({count} conformance vectors at {manifest.vectors_at})")
    stale = [s.team for s in manifest.signoffs if not s.current]
    signed_by = ", ".join(s.team for s in manifest.signoffs if s.current) or "none"
    console.print(f"  sign-offs       {signed_by}" + (f" (stale: {', '.join(stale)})" if stale else ""))
    if bundle.signed:
        signature = json.loads(bundle.files["signature.json"])
        console.print(f"  signed          Ed25519, key {signature['key_id'][:19]}…")
    return 0


def register(app: typer.Typer) -> None:
    app.command()(export)
