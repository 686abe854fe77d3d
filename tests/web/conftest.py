"""Fixtures for the browser studio: a folder of stacks, AppTest runs, and (for the few real-browser
tests) one `studio web` server per test session and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.support import APP, ARTIFACTS, B2B, Server, copy_samples, start_server, stop_server
from web import settings as web_settings

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def stacks(tmp_path: Path) -> Path:
    """A folder holding copies of the samples: what the app may open and save."""
    return copy_samples(tmp_path / "stacks")


# -- AppTest ----------------------------------------------------------------------------------------


@pytest.fixture
def studio_env(stacks: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Set what `studio web` would pass to the app (folder, first stack, passcode)."""

    def configure(first: str = B2B, passcode: str = "", projector: bool = False) -> None:
        digest = web_settings.digest(passcode) if passcode else ""
        chosen = web_settings.WebSettings(stacks, first, digest, projector)
        for name, value in chosen.to_env().items():
            monkeypatch.setenv(name, value)

    configure()
    return configure


@pytest.fixture
def app(studio_env: Callable[..., None]) -> Callable[..., Any]:
    """An AppTest of the studio, run once (on the page given)."""
    from streamlit.testing.v1 import AppTest

    def run(page: str = "", **query: str) -> AppTest:
        test = AppTest.from_file(APP, default_timeout=60)
        for name, value in query.items():
            test.query_params[name] = value
        test.run()
        assert not test.exception, test.exception
        if page:
            test.switch_page(f"views/{page}.py")
            test.run()
            assert not test.exception, test.exception
        return test

    return run


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One `studio web` for the browser tests: a folder with the samples and a copy per test."""
    folder = copy_samples(tmp_path_factory.mktemp("served"), "concurrent.yaml")
    running = start_server(folder, tmp_path_factory.mktemp("logs") / "studio-web.log")
    yield running
    stop_server(running.process)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} missing: apt-get install -y chromium")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=20_000)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def new_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Callable[[], Any]]:
    """Pages in fresh browser contexts (each one a separate person); screenshots kept on failure."""
    contexts: list[Any] = []

    def make() -> Any:
        context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        return page

    yield make
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for index, context in enumerate(contexts):
            for page in context.pages:
                page.screenshot(path=str(ARTIFACTS / f"FAILED-{request.node.name}-{index}.png"), full_page=True)
    for context in contexts:
        context.close()
