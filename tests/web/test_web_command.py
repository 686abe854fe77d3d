"""`studio web`: what it serves, where it listens, the passcode it prints, and its mistakes said plainly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from studio.cli.main import run
from tests.web.support import B2B, copy_samples, passcode_in
from web.settings import PASSCODE_VARIABLE, WebSettings, digest, new_passcode


def test_loading_the_command_loads_no_user_interface() -> None:
    probe = (
        "import sys, studio.cli.main, studio.cli.commands.web; "
        "print(','.join(m for m in ('streamlit', 'web', 'tui', 'textual') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == ""


def test_settings_travel_through_the_environment(tmp_path: Path) -> None:
    settings = WebSettings(tmp_path, B2B, digest("AB12-CD34-EF56"), projector=True, poll_seconds=1.5)
    back = WebSettings.from_env(settings.to_env())
    assert back == settings
    assert back.admits("ab12 cd34 ef56") and back.admits("AB12CD34EF56")
    assert not back.admits("AB12-CD34-EF57") and not back.admits("")
    assert "AB12" not in "".join(settings.to_env().values())  # only the digest travels
    assert not WebSettings.from_env({}).needs_passcode


def test_passcodes_are_random_and_readable() -> None:
    codes = {new_passcode() for _ in range(50)}
    assert len(codes) == 50
    for code in codes:
        assert len(code) == 14 and code.count("-") == 2
        assert not set(code) & set("01IO")


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (["web", "/no/such/place.yaml"], 1, "no such file or folder"),
        (["web", "--port", "70000"], 2, "not a port"),
    ],
)
def test_mistakes_are_said_plainly(args: list[str], code: int, said: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(args) == code
    assert said in capsys.readouterr().err


def test_a_folder_without_stacks_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["web", str(tmp_path)]) == 1
    assert "has no stack files" in capsys.readouterr().err


def test_a_port_in_use_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    folder = copy_samples(tmp_path / "served")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert run(["web", str(folder), "--port", str(port)]) == 2
    assert "already in use" in capsys.readouterr().err


def test_it_says_its_address_and_serves_the_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from studio.cli.commands import web

    folder = copy_samples(tmp_path / "served")
    started: list[tuple[WebSettings, str, int]] = []
    monkeypatch.setattr(web, "_serve", lambda settings, address, port: started.append((settings, address, port)))
    assert run(["web", str(folder / B2B), "--port", "8765"]) == 0
    [(settings, address, port)] = started
    assert (settings.root, settings.first, address, port) == (folder.resolve(), B2B, "127.0.0.1", 8765)
    assert not settings.needs_passcode


def test_share_listens_on_the_network_behind_a_printed_passcode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from studio.cli.commands import web

    folder = copy_samples(tmp_path / "served")
    started: list[tuple[WebSettings, str, int]] = []
    monkeypatch.setattr(web, "_serve", lambda settings, address, port: started.append((settings, address, port)))
    monkeypatch.setattr(web, "_free", lambda address, port: True)
    assert run(["web", str(folder), "--share", "--port", "8766"]) == 0
    [(settings, address, _)] = started
    printed = capsys.readouterr().out
    passcode = passcode_in(printed)
    assert address == "0.0.0.0" and settings.admits(passcode)
    assert PASSCODE_VARIABLE in settings.to_env()


def test_without_a_path_it_serves_a_scratch_copy_of_the_samples(monkeypatch: pytest.MonkeyPatch) -> None:
    from studio.cli.commands import web

    started: list[WebSettings] = []
    monkeypatch.setattr(web, "_serve", lambda settings, address, port: started.append(settings))
    monkeypatch.setattr(web, "_free", lambda address, port: True)
    assert run(["web"]) == 0
    [settings] = started
    samples = Path(__file__).resolve().parents[2] / "sample_stacks"
    assert settings.first == B2B and settings.root != samples.resolve()
    assert (settings.root / B2B).read_bytes() == (samples / B2B).read_bytes()
