"""Helpers for the browser studio's tests: sample folders, and a `studio web` server to drive."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from web import settings as web_settings

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_stacks"
B2B = "b2b_saas_renewals.yaml"
APP = str(ROOT / "web" / "app.py")
ARTIFACTS = ROOT / "artifacts" / "web"
QUIET_STREAMLIT = {
    "STREAMLIT_SERVER_HEADLESS": "true",
    "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
    "STREAMLIT_SERVER_RUN_ON_SAVE": "false",
}


def copy_samples(folder: Path, *extra: str) -> Path:
    """The bundled sample stacks copied into `folder` (plus copies of the B2B one under `extra` names)."""
    folder.mkdir(parents=True, exist_ok=True)
    for sample in SAMPLES.glob("*.yaml"):
        shutil.copy2(sample, folder / sample.name)
    for name in extra:
        shutil.copy2(SAMPLES / B2B, folder / name)
    return folder


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    """A running `studio web`."""

    url: str
    folder: Path
    log: Path
    process: subprocess.Popen[bytes]

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start_server(folder: Path, log: Path, *args: str) -> Server:
    """`studio web FOLDER --port N [args]` in its own process group; waits for /_stcore/health."""
    port = free_port()
    env = {**os.environ, **QUIET_STREAMLIT, web_settings.POLL_VARIABLE: "1"}
    command = [sys.executable, "-m", "studio.cli.main", "web", str(folder), "--port", str(port), *args]
    with log.open("wb") as stream:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=stream,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"studio web exited {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                if response.read() == b"ok":
                    return Server(url, folder, log, process)
        except OSError:
            pass
        if time.monotonic() > deadline:
            stop_server(process)
            raise RuntimeError(f"studio web not healthy after 60 s:\n{log.read_text()}")
        time.sleep(0.1)


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """End the server we started, by its process group (nothing else is touched)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def passcode_in(text: str) -> str:
    """The passcode `studio web --share` printed."""
    found = re.search(r"passcode:\s+([A-Z0-9-]+)", text)
    assert found is not None, text
    return found.group(1)
