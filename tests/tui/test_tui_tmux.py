"""The real `studio tui` in a tmux pane (a private server socket), driven with keys like a person
types them, one per send-keys, the screen read back as text."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

STUDIO = Path(sys.executable).with_name("studio")
pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None or not STUDIO.exists(), reason="needs tmux and the studio script"
)


class Tmux:
    """One detached tmux session on a private server, running one command."""

    def __init__(self, command: str, width: int, height: int) -> None:
        self.socket = f"studio-test-{uuid.uuid4().hex[:8]}"
        self._tmux("new-session", "-d", "-s", "app", "-x", str(width), "-y", str(height), command)
        self._tmux("set-option", "-t", "app", "remain-on-exit", "on")

    def _tmux(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args], check=True, capture_output=True, text=True, stdin=subprocess.DEVNULL
        ).stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "app")

    def key(self, name: str, settle: float = 0.4) -> None:
        """One key (a tmux key name: Enter, Escape, Down, C-s, or a character)."""
        self._tmux("send-keys", "-t", "app", name)
        time.sleep(settle)

    def wait_for(self, text: str, timeout: float = 40.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            shown = self.screen()
            if text in shown:
                return shown
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not on screen after {timeout}s:\n{shown}")
            time.sleep(0.2)

    def wait_exit(self, timeout: float = 20.0) -> int:
        """The app's exit status (tmux 3.3a with libutempter may miss SIGCHLD: nudge its server)."""
        server = int(self._tmux("display", "-p", "#{pid}").strip())
        deadline = time.monotonic() + timeout
        while True:
            dead, _, status = (
                self._tmux("display", "-p", "-t", "app", "#{pane_dead}:#{pane_dead_status}").strip().partition(":")
            )
            if dead == "1" and status:
                return int(status)
            if dead == "1":
                os.kill(server, signal.SIGCHLD)
            if time.monotonic() > deadline:
                raise AssertionError(f"still running after {timeout}s:\n{self.screen()}")
            time.sleep(0.1)

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, check=False)


@pytest.fixture
def studio(b2b_path: Path) -> Iterator[Tmux]:
    command = f"{STUDIO} tui {b2b_path} --now 2026-11-23T15:00:00Z --no-analysis"
    session = Tmux(command, 80, 24)
    yield session
    session.kill()


def test_the_real_studio_in_a_terminal(studio: Tmux, b2b_path: Path) -> None:
    screen = studio.wait_for("B3 B14")
    assert "MAY" in screen and "NEVER" in screen and "b2b.yaml" in screen
    studio.key("2")
    screen = studio.wait_for("decided at Monday 23 Nov 10:00")
    assert "✔ go" in screen and "⚑ flag" in screen and "✖ stop" in screen
    for name in ("1", "Down", "Right", "Enter", "e"):
        studio.key(name)
    studio.wait_for("Edit rule B3-sdr-discounts")
    studio.key("End")
    studio.key("x")
    screen = studio.wait_for("no attribute 'cancellation_noticex'")
    assert "^" in screen
    studio.key("C-s")
    studio.wait_for("Not applied")
    studio.key("Escape")
    studio.wait_for("Discard your changes?")
    studio.key("d")
    studio.wait_for("B3 B14")
    original = b2b_path.read_text(encoding="utf-8")
    studio.key("C-q")
    assert studio.wait_exit() == 0
    assert b2b_path.read_text(encoding="utf-8") == original
