"""`studio serve BUNDLE`: the reference decision service (AuthZEN-shaped HTTP API) over a bundle."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from studio.serve.limits import MAX_BODY_BYTES, MAX_EVALUATIONS
from studio.serve.server import DEFAULT_PORT, LOOPBACK, ServeOptions


def serve(
    bundle: Annotated[
        Path, typer.Argument(help="A bundle folder or .tar.gz (from `studio export`).", show_default=False)
    ],
    host: Annotated[str, typer.Option(help="Address to listen on; loopback unless you say otherwise.")] = LOOPBACK,
    port: Annotated[int, typer.Option(help="Port (0 picks a free one).", min=0, max=65535)] = DEFAULT_PORT,
    key: Annotated[
        Path | None,
        typer.Option("--key", help="Only load bundles signed by this Ed25519 public key (PEM).", show_default=False),
    ] = None,
    require_signature: Annotated[bool, typer.Option("--require-signature", help="Refuse unsigned bundles.")] = False,
    watch: Annotated[bool, typer.Option("--watch/--no-watch", help="Reload when the bundle path changes.")] = True,
    decision_log: Annotated[
        str, typer.Option("--decision-log", help="JSON lines of decisions: a file, '-' for stderr, '' for none.")
    ] = "-",
    max_body: Annotated[int, typer.Option(help="Largest request body, in bytes.", min=1024)] = MAX_BODY_BYTES,
    max_evaluations: Annotated[int, typer.Option(help="Most evaluations in one batch.", min=1)] = MAX_EVALUATIONS,
    rate: Annotated[float, typer.Option(help="Requests a second per client (0: no limit).", min=0)] = 5000.0,
    burst: Annotated[float, typer.Option(help="Requests a client may send at once above the rate.", min=1)] = 10000.0,
    workers: Annotated[
        int, typer.Option(help="Server processes sharing the port (limits are per worker).", min=1, max=64)
    ] = 1,
) -> int:
    """Serve decisions over HTTP until interrupted: POST /access/v1/evaluation(s), /openapi.json, /healthz, /readyz.

    The bundle is verified before it is served; SIGHUP (or a change to the bundle path, with
    --watch) loads a new one without dropping requests. A bundle that fails verification is
    never served.
    """
    from studio.serve.server import run

    try:
        import uvicorn  # noqa: F401
    except ImportError:
        from studio.errors import StudioError

        raise StudioError("studio serve needs uvicorn: pip install 'coordination-studio[serve]'") from None
    public_key = None
    if key is not None:
        from studio.export.signing import load_public_key

        public_key = load_public_key(key)
    run(
        ServeOptions(
            bundle=bundle,
            host=host,
            port=port,
            public_key=public_key,
            require_signature=require_signature,
            watch=watch,
            decision_log=decision_log or None,
            max_body=max_body,
            max_evaluations=max_evaluations,
            rate=rate,
            burst=burst,
            workers=workers,
        )
    )
    return 0


def register(app: typer.Typer) -> None:
    app.command()(serve)
