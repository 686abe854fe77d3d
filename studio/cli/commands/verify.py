"""`studio verify BUNDLE`: every digest, the revision, the signature, the stack and its vectors."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from studio.cli.common import JsonOption
from studio.cli.output import print_json, stdout
from studio.export.verify import verify_bundle


def verify(
    bundle: Annotated[Path, typer.Argument(help="A bundle folder or .tar.gz.", show_default=False)],
    key: Annotated[
        Path | None,
        typer.Option(
            "--key", help="The signer's Ed25519 public key (PEM); requires a valid signature by it.", show_default=False
        ),
    ] = None,
    require_signature: Annotated[
        bool, typer.Option("--require-signature", help="Fail when the bundle is not signed.")
    ] = False,
    vectors: Annotated[
        bool, typer.Option("--vectors/--no-vectors", help="Also decide every conformance vector with this engine.")
    ] = True,
    as_json: JsonOption = False,
) -> int:
    """Verify a bundle: exit 0 when every check passes, 1 when any fails (each failure is listed)."""
    public_key = None
    if key is not None:
        from studio.export.signing import load_public_key

        public_key = load_public_key(key)
    report = verify_bundle(bundle, public_key=public_key, require_signature=require_signature, check_vectors=vectors)
    if as_json:
        print_json(report.to_json())
        return 0 if report.ok else 1
    console = stdout()
    manifest = report.manifest
    if report.ok and manifest is not None:
        console.print(Text("✔ ", style="bold green") + Text(f"{bundle}: {manifest.stack_name}"))
        console.print(f"  revision   {manifest.revision}")
        console.print(f"  files      {report.files_checked} digests match")
        if report.signature is not None:
            console.print(f"  signature  {report.signature.message}")
        else:
            console.print("  signature  none (not signed)")
        if vectors:
            console.print(f"  vectors    {report.vectors_checked} decided as recorded")
        return 0
    console.print(Text("✖ ", style="bold red") + Text(f"{bundle} failed verification"))
    for problem in report.problems:
        where = f"{problem.file}: " if problem.file else ""
        hint = f" ({problem.hint})" if problem.hint else ""
        console.print(Text(f"  {where}{problem.message}{hint}"))
    return 1


def register(app: typer.Typer) -> None:
    app.command()(verify)
