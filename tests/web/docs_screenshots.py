"""Take the screenshots in README.md and docs/browser-studio.md (1440x900, Debian's Chromium).

    .venv/bin/python -m tests.web.docs_screenshots        # writes docs/images/studio-*.png

Runs `studio web` on a scratch copy of the samples and walks a facilitated session: the same
steps the browser tests check, stopping to photograph each page.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from tests.web.support import ROOT, copy_samples, passcode_in, start_server, stop_server

IMAGES = ROOT / "docs" / "images"
EXAMPLE = ROOT / "examples" / "backtest"
"""The example exports (40 accounts, their history, 300 proposals, a mapping): copied under
`exports/` in the served folder for the population preview and the backtest."""
CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1440, "height": 900}


def main() -> None:
    from playwright.sync_api import sync_playwright

    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch, sync_playwright() as playwright:
        folder = copy_samples(Path(scratch) / "stacks")
        (folder / "exports").mkdir()
        for export in EXAMPLE.glob("*.*"):
            if export.suffix in (".csv", ".yaml"):
                (folder / "exports" / export.name).write_bytes(export.read_bytes())
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        server = start_server(folder, Path(scratch) / "web.log")
        try:
            _session(browser, server.url)
            _projector(browser, server.url)
        finally:
            stop_server(server.process)
        shared = start_server(folder, Path(scratch) / "shared.log", "--share", "--bind", "127.0.0.1")
        try:
            _passcode(browser, shared.url, passcode_in(shared.log.read_text()))
        finally:
            stop_server(shared.process)
        browser.close()
    print(f"screenshots in {IMAGES}")


def _page(browser: Any) -> Any:
    page = browser.new_context(viewport=VIEWPORT, accept_downloads=True).new_page()
    page.set_default_timeout(30_000)
    return page


def _go(page: Any, label: str) -> None:
    page.get_by_test_id("stSidebarNavLink").filter(has_text=label).click()
    page.wait_for_timeout(2500)


def _shoot(page: Any, name: str, scroll_to: Any = None) -> None:
    if scroll_to is not None:
        scroll_to.evaluate("element => element.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(700)
    page.screenshot(path=str(IMAGES / f"studio-{name}.png"))


def _field(page: Any, key: str) -> Any:
    return page.locator(f'[class*="st-key-{key.replace(".", "-")}"] input').first


def _type(page: Any, key: str, text: str) -> None:
    box = _field(page, key)
    box.fill(text)
    box.press("Enter")
    page.wait_for_timeout(1200)


def _session(browser: Any, url: str) -> None:
    page = _page(browser)
    page.goto(url)
    page.get_by_role("heading", name=re.compile("Northwind")).wait_for()
    page.wait_for_timeout(2500)
    _shoot(page, "1-stack")
    _go(page, "2 · Matrix")
    _shoot(page, "2-matrix", page.get_by_role("tab", name=re.compile(r"^MAY")))
    _type(page, "matrix.B3-sdr-discounts.limits.0.", "params.discount_pct <= 15")
    _go(page, "3 · Preview")
    _shoot(page, "3-preview")
    page.get_by_role("combobox", name="Customer").click()
    page.get_by_role("option", name="Birch Health", exact=True).click()
    page.wait_for_timeout(1500)
    _shoot(page, "3-preview-explained", page.get_by_text("Blue ring:"))
    _shoot(page, "3-preview-week", page.get_by_role("heading", name="The scenario, replayed"))
    _population(page)
    _go(page, "4 · Findings")
    _shoot(page, "4-findings")
    _go(page, "5 · What-if")
    slider = page.get_by_role("slider").first
    slider.focus()
    for _ in range(5):
        slider.press("ArrowLeft")
    page.wait_for_timeout(2000)
    _shoot(page, "5-whatif")
    _shoot(page, "5-review-load", page.get_by_role("heading", name="Review load", exact=True))
    page.get_by_text("Files in the studio's folder").click()
    for name in ("customers", "events", "proposals"):
        _fill(page, f"backtest.path.{name}", f"exports/{name}.csv")
    _fill(page, "backtest.path.mapping", "exports/mapping.yaml")
    page.get_by_role("button", name="Run the backtest").click()
    page.get_by_text("Verdicts by team").wait_for()
    page.wait_for_timeout(1500)
    _shoot(page, "5-backtest", page.get_by_text("Verdicts by team"))
    _shoot(page, "5-review-load-observed", page.get_by_role("heading", name="Review load", exact=True))
    page.get_by_test_id("stSidebar").get_by_role("button", name="Save").click()
    page.wait_for_timeout(1500)
    _go(page, "6 · Sign-off")
    page.get_by_role("button", name="Sign for Sales").click()
    page.wait_for_timeout(1500)
    page.get_by_role("button", name="Sign for Marketing").click()
    page.wait_for_timeout(1500)
    _go(page, "2 · Matrix")
    _type(page, "matrix.B3-sdr-discounts.limits.0.", "params.discount_pct <= 12")
    _go(page, "6 · Sign-off")
    _shoot(page, "6-signoff-cleared")
    page.get_by_test_id("stSidebar").get_by_role("button", name="Save").click()
    page.wait_for_timeout(1500)
    _go(page, "7 · Export")
    _shoot(page, "7-export")
    _conflict(browser, url, page)


def _fill(page: Any, key: str, text: str) -> None:
    box = _field(page, key)
    box.fill(text)
    box.press("Tab")
    page.wait_for_timeout(400)


def _population(page: Any) -> None:
    """The example export as the preview's population, then back to the samples."""
    page.get_by_text("Preview on your own customers instead").click()
    page.get_by_text("Files in the studio's folder").first.click()
    page.wait_for_timeout(800)
    _fill(page, "population.path.customers", "exports/customers.csv")
    _fill(page, "population.path.events", "exports/events.csv")
    _fill(page, "population.path.mapping", "exports/mapping.yaml")
    page.get_by_role("button", name="Preview on these customers").click()
    page.get_by_text("Customers by verdict").wait_for()
    page.wait_for_timeout(2000)
    _shoot(page, "3-preview-population")
    _shoot(page, "3-preview-population-cells", page.get_by_role("heading", name=re.compile("^The first")))
    page.get_by_role("button", name="← Back to the samples").click()
    page.wait_for_timeout(1500)


def _conflict(browser: Any, url: str, alice: Any) -> None:
    bob = _page(browser)
    bob.goto(f"{url}/matrix")
    bob.wait_for_timeout(3000)
    _go(alice, "2 · Matrix")
    _type(alice, "matrix.B3-sdr-discounts.limits.1.", "params.acv_impact_usd <= 25000")
    _type(bob, "matrix.B14-sdr-meetings.when.", "!customer.cancellation_notice && customer.health != 'red'")
    alice.get_by_test_id("stSidebar").get_by_role("button", name="Save").click()
    bob.wait_for_timeout(2500)
    bob.get_by_test_id("stSidebar").get_by_role("button", name="Save").click()
    bob.wait_for_timeout(2000)
    _shoot(bob, "conflict")


def _projector(browser: Any, url: str) -> None:
    page = _page(browser)
    page.goto(f"{url}/preview")
    page.get_by_role("heading", name="Preview").wait_for()
    page.get_by_text("Large type (projector)").click()
    page.wait_for_timeout(2500)
    _shoot(page, "projector")


def _passcode(browser: Any, url: str, passcode: str) -> None:
    page = _page(browser)
    page.goto(url)
    page.get_by_label("Passcode").wait_for()
    page.wait_for_timeout(800)
    _shoot(page, "passcode")


if __name__ == "__main__":
    main()
