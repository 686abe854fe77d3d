"""`studio web [FILE|FOLDER]`: the browser studio, for a facilitated session in a room.

It serves one folder: the stack files under it are the only ones the app can list, open or
save. Given a file, it serves the file's folder and opens that file; given nothing, it serves
a scratch copy of the bundled samples and opens the B2B one. It listens on 127.0.0.1 unless
`--share` is given; then it listens on every interface and asks each browser for a passcode
printed here at start.

Streamlit (and the `web` package) are imported only inside `web_command`, so loading the CLI
never loads a UI toolkit.
"""

from __future__ import annotations

import shutil
import socket
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from studio.folder import FolderError, StackFolder

if TYPE_CHECKING:
    from web.settings import WebSettings

LOOPBACK = "127.0.0.1"
EVERYWHERE = "0.0.0.0"
FIRST_PORT = 8501
APP = Path(__file__).resolve().parents[3] / "web" / "app.py"
THEME = {
    "theme.base": "light",
    "theme.primaryColor": "#0072B2",  # Okabe–Ito blue: buttons never look like a verdict
    "theme.backgroundColor": "#FFFFFF",
    "theme.secondaryBackgroundColor": "#F2F4F7",
    "theme.textColor": "#111111",
}
"""The studio's look (the same as `.streamlit/config.toml`, for runs from any folder)."""


def web_command(
    path: Annotated[
        Path | None,
        typer.Argument(
            help="A stack file to open (its folder is served), or a folder of stacks. Default: a scratch copy of the bundled samples.",
            show_default=False,
        ),
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", help="The port to listen on (default: the first free one from 8501).")
    ] = None,
    share: Annotated[
        bool,
        typer.Option(
            "--share",
            help="Listen on the network, not only this machine; browsers then need the passcode printed at start.",
        ),
    ] = False,
    projector: Annotated[bool, typer.Option("--projector", help="Start every browser in large-type mode.")] = False,
    bind: Annotated[str | None, typer.Option("--bind", hidden=True, help="Listen address override (tests).")] = None,
) -> int:
    """Start the browser studio: map, preview, resolve, sign off and export, with the room."""
    from web.settings import DEFAULT_SAMPLE, SAMPLES, WebSettings, digest, new_passcode

    if path is None:
        folder, first = _scratch_samples(SAMPLES), DEFAULT_SAMPLE
    else:
        folder, chosen = StackFolder.around(path)
        first = folder.relative(chosen) if chosen is not None else ""
    if not folder.stacks():
        raise FolderError(f"{folder.root} has no stack files (*.yaml) to open")
    address = bind or (EVERYWHERE if share else LOOPBACK)
    chosen_port = _port(address, port)
    passcode = new_passcode() if share else ""
    settings = WebSettings(folder.root, first, digest(passcode) if passcode else "", projector)
    _announce(folder, first, address, chosen_port, passcode)
    _serve(settings, address, chosen_port)
    return 0


def _scratch_samples(samples: Path) -> StackFolder:
    """A fresh folder holding copies of the bundled samples, so a demo never edits them."""
    if not samples.is_dir():
        raise FolderError("The bundled samples aren't installed here: give a stack file or folder.")
    scratch = Path(tempfile.mkdtemp(prefix="coordination-studio-"))
    for sample in sorted(samples.glob("*.yaml")):
        shutil.copy2(sample, scratch / sample.name)
    return StackFolder.at(scratch)


def _port(address: str, wanted: int | None) -> int:
    """The port asked for (if free), else the first free one from 8501."""
    if wanted is not None:
        if not 1 <= wanted <= 65535:
            raise typer.BadParameter(f"{wanted} is not a port (1-65535)", param_hint="--port")
        if not _free(address, wanted):
            raise typer.BadParameter(f"port {wanted} is already in use", param_hint="--port")
        return wanted
    for candidate in range(FIRST_PORT, FIRST_PORT + 100):
        if _free(address, candidate):
            return candidate
    raise typer.BadParameter(f"no free port in {FIRST_PORT}-{FIRST_PORT + 99}; give one", param_hint="--port")


def _free(address: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will: TIME_WAIT is free
        try:
            probe.bind((address, port))
        except OSError:
            return False
    return True


def _announce(folder: StackFolder, first: str, address: str, port: int, passcode: str) -> None:
    shown = LOOPBACK if address in (LOOPBACK, EVERYWHERE) else address
    typer.echo(f"Coordination Studio: http://{shown}:{port}")
    typer.echo(f"  stack folder: {folder.root}")
    if first:
        typer.echo(f"  opening:      {first}")
    if passcode:
        typer.echo(f"  shared on the network: http://{_host_name()}:{port} (each browser asks for the passcode below)")
        typer.echo(f"  passcode:     {passcode}")
    else:
        typer.echo("  only this machine can open it (add --share to open it to the room's laptops)")
    typer.echo("  stop with Ctrl+C", nl=True)


def _host_name() -> str:
    try:
        return socket.gethostbyname(socket.gethostname())
    except OSError:
        return socket.gethostname()


def _serve(settings: WebSettings, address: str, port: int) -> None:
    """Run Streamlit in this process until Ctrl+C (its only import site in the CLI)."""
    import os

    from streamlit.web import cli as streamlit_cli  # noqa: TID251 - the one place the CLI starts a UI

    os.environ.update(settings.to_env())
    flags = {
        "server.address": address,
        "server.port": port,
        "server.headless": True,
        "server.runOnSave": False,
        "server.fileWatcherType": "none",
        "browser.gatherUsageStats": False,
        "logger.hideWelcomeMessage": True,
        "client.toolbarMode": "minimal",
        "client.showErrorDetails": "none" if address != LOOPBACK else "full",
        "runner.magicEnabled": False,
        **THEME,
    }
    args = ["run", str(APP)]
    for name, value in flags.items():
        args += [f"--{name}", str(value).lower() if isinstance(value, bool) else str(value)]
    streamlit_cli.main.main(args=args, prog_name="streamlit", standalone_mode=False)


def register(app: typer.Typer) -> None:
    app.command("web")(web_command)
