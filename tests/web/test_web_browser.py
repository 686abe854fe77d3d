"""The studio in a real browser (Debian's Chromium driven by Playwright) against `studio web`:
the facilitator's main journey, two people editing one stack at once, and the passcode of a
shared studio. Screenshots of every page are kept under artifacts/web/."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from studio.document import load_file
from studio.export import build_bundle
from tests.web.support import ARTIFACTS, B2B, Server, copy_samples, passcode_in, start_server, stop_server

pytestmark = pytest.mark.e2e

NewPage = Callable[[], Any]
DATA = Path(__file__).resolve().parent / "data"
PAGES = {
    "stack": "1 · Stack",
    "matrix": "2 · Matrix",
    "preview": "3 · Preview",
    "findings": "4 · Findings",
    "whatif": "5 · What-if",
    "signoff": "6 · Sign-off",
    "export": "7 · Export",
}


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def open_studio(page: Any, server: Server, stack: str = B2B) -> None:
    page.goto(f"{server.url}/?stack={stack}")
    expect(page.get_by_test_id("stSidebar")).to_be_visible()
    expect(page.get_by_role("heading", name="Northwind Analytics (B2B SaaS renewals)")).to_be_visible()


def go(page: Any, name: str) -> None:
    """Follow the sidebar navigation (the session, and its unsaved edits, stay)."""
    page.get_by_test_id("stSidebarNavLink").filter(has_text=PAGES[name]).click()
    expect(page).to_have_url(re.compile(rf"/{name}\b" if name != "stack" else r"/(\?|$)"))
    expect(page.get_by_test_id("stMainBlockContainer").get_by_role("heading").first).to_be_visible()
    page.wait_for_timeout(600)  # let late elements (charts, grids) settle before a screenshot


def field(page: Any, key_prefix: str) -> Any:
    """A text field by the start of its widget key (Streamlit puts `st-key-<key>` on its container,
    dots written as dashes)."""
    return page.locator(f'[class*="st-key-{key_prefix.replace(".", "-")}"] input').first


def type_into(page: Any, key_prefix: str, text: str) -> None:
    box = field(page, key_prefix)
    box.fill(text)
    box.press("Enter")


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def idle(page: Any) -> None:
    """Wait until Streamlit has finished the run the last interaction started."""
    page.wait_for_timeout(200)  # the status widget appears a moment after the interaction
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)


def unsaved(page: Any) -> Any:
    return page.get_by_test_id("stSidebar").get_by_text("● Unsaved changes")


def edit(page: Any, key_prefix: str, text: str) -> None:
    """Type into a field until the edit shows as unsaved: a page that polls the file for others'
    saves may rerun just as the text goes in, and the rerun can redraw the field without it."""
    type_into(page, key_prefix, text)
    try:
        expect(unsaved(page)).to_be_visible(timeout=8_000)
    except AssertionError:
        idle(page)
        type_into(page, key_prefix, text)
        expect(unsaved(page)).to_be_visible()


def cell(page: Any, customer: str, agent: str, action: str) -> Any:
    return page.locator(f'td[data-cell="{customer}|{agent}|{action}"]')


def preview_an_upload(page: Any) -> None:
    """A customer export, uploaded, as the preview's population; then back to the samples."""
    page.get_by_text("Preview on your own customers instead").click()
    for name in ("customers", "events"):
        uploader = page.locator(f'[class*="st-key-population-{name}"]')
        uploader.locator('input[type="file"]').set_input_files(str(DATA / f"{name}.csv"))
        expect(uploader.get_by_text(f"{name}.csv")).to_be_visible()
        idle(page)  # a click while an upload's rerun runs would be replaced by that rerun
    page.get_by_role("button", name="Preview on these customers").click()
    expect(page.get_by_text("Population: customers.csv, 3 customers")).to_be_visible()
    expect(cell(page, "birch", "ai-sdr-agent", "offer_discount")).to_have_attribute("data-verdict", "flag")
    shot(page, "journey-2b-preview-export")
    page.get_by_role("button", name="← Back to the samples").click()
    expect(cell(page, "birch-health", "ai-sdr-agent", "offer_discount")).to_have_attribute("data-verdict", "flag")


def test_main_journey_change_the_discount_limit_see_it_flip_sign_and_export(server: Server, new_page: NewPage) -> None:
    page = new_page()
    open_studio(page, server)
    expect(page.get_by_text("Who owns “Win-back of lapsing accounts”?")).to_be_visible()
    shot(page, "journey-1-stack")

    go(page, "preview")
    birch = cell(page, "birch-health", "ai-sdr-agent", "offer_discount")
    expect(birch).to_have_attribute("data-verdict", "flag")
    shot(page, "journey-2-preview-before")
    preview_an_upload(page)

    go(page, "matrix")
    expect(field(page, "matrix.B3-sdr-discounts.limits.0.")).to_have_value("params.discount_pct <= 10")
    shot(page, "journey-3-matrix")
    type_into(page, "matrix.B3-sdr-discounts.limits.0.", "params.discount_pct <= 15")  # the only change
    expect(unsaved(page)).to_be_visible()
    expect(field(page, "matrix.B3-sdr-discounts.limits.0.")).to_have_value("params.discount_pct <= 15")

    go(page, "preview")
    expect(birch).to_have_attribute("data-verdict", "go")
    expect(birch).to_have_class(re.compile(r"\bflipped\b"))
    expect(page.get_by_text(re.compile(r"cells? the last change flipped"))).to_be_visible()
    shot(page, "journey-4-preview-flipped")

    page.get_by_test_id("stSidebar").get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("stSidebar").get_by_text("✔ Saved")).to_be_visible()
    saved = load_file(server.folder / B2B).stack
    assert next(r for r in saved.rules if r.id == "B3-sdr-discounts").limits == [
        "params.discount_pct <= 15",
        "params.acv_impact_usd <= 20000",
    ]

    go(page, "findings")
    shot(page, "journey-5-findings")
    go(page, "whatif")
    expect(page.get_by_role("heading", name="Review load", exact=True)).to_be_visible()
    shot(page, "journey-6-whatif")

    go(page, "signoff")
    page.get_by_role("button", name="Sign for Sales").click()
    expect(page.get_by_text(re.compile(r"Signed by Marco Diaz on"))).to_be_visible()
    shot(page, "journey-7-signoff")
    assert [(s.team, s.name) for s in load_file(server.folder / B2B).stack.signoffs] == [("sales", "Marco Diaz")]

    go(page, "export")
    shot(page, "journey-8-export")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the bundle (.tar.gz)").click()
    data = Path(download.value.path()).read_bytes()
    expected = build_bundle(load_file(server.folder / B2B)).tarball()
    assert download.value.suggested_filename.startswith("b2b_saas_renewals-")
    assert data == expected


def test_two_browsers_see_each_others_saves_and_never_lose_an_edit(server: Server, new_page: NewPage) -> None:
    stack = "concurrent.yaml"
    path = server.folder / stack
    alice, bob = new_page(), new_page()
    for page in (alice, bob):
        open_studio(page, server, stack)
        go(page, "matrix")

    # Alice saves; Bob, with no edits of his own, sees it within a few seconds.
    type_into(alice, "matrix.B3-sdr-discounts.limits.0.", "params.discount_pct <= 12")
    expect(unsaved(alice)).to_be_visible()
    alice.get_by_test_id("stSidebar").get_by_role("button", name="Save").click()
    expect(alice.get_by_test_id("stSidebar").get_by_text("✔ Saved")).to_be_visible()
    expect(field(bob, "matrix.B3-sdr-discounts.limits.0.")).to_have_value("params.discount_pct <= 12", timeout=10_000)
    expect(bob.get_by_text(re.compile("Someone saved concurrent.yaml"))).to_be_visible()

    # Both edit different rules; Alice saves first; Bob's save is told, and retries.
    edit(alice, "matrix.B3-sdr-discounts.limits.1.", "params.acv_impact_usd <= 25000")
    edit(bob, "matrix.B14-sdr-meetings.when.", "!customer.cancellation_notice && customer.health != 'red'")
    alice.get_by_test_id("stSidebar").get_by_role("button", name="Save").click()
    expect(alice.get_by_test_id("stSidebar").get_by_text("✔ Saved")).to_be_visible()
    expect(bob.get_by_text("while you have unsaved edits")).to_be_visible(timeout=10_000)
    bob.get_by_test_id("stSidebar").get_by_role("button", name="Save").click()
    sidebar = bob.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text(re.compile("Not saved: someone else saved"))).to_be_visible()
    expect(sidebar.get_by_text(re.compile("ACV impact"))).to_be_visible()  # what Alice changed
    shot(bob, "concurrent-conflict")
    sidebar.get_by_role("button", name="Reload theirs and re-apply my edits").click()
    expect(bob.get_by_test_id("stSidebar").get_by_text("✔ Saved")).to_be_visible()

    rules = {rule.id: rule for rule in load_file(path).stack.rules}
    assert rules["B3-sdr-discounts"].limits == ["params.discount_pct <= 12", "params.acv_impact_usd <= 25000"]
    assert rules["B14-sdr-meetings"].when == "!customer.cancellation_notice && customer.health != 'red'"
    expect(field(alice, "matrix.B14-sdr-meetings.when.")).to_have_value(
        "!customer.cancellation_notice && customer.health != 'red'", timeout=10_000
    )


def test_cel_is_checked_as_it_is_typed_and_applied_only_on_enter(server: Server, new_page: NewPage) -> None:
    page = new_page()
    open_studio(page, server)
    go(page, "matrix")
    limit = field(page, "matrix.B3-sdr-discounts.limits.0.")
    expect(limit).to_have_value(re.compile(r"^params\.discount_pct <= \d+$"))  # rendered (other tests may change it)
    before = limit.input_value()
    limit.click()
    limit.press_sequentially("0 && params.discount_pct == 'ten'", delay=20)  # no Enter
    expect(page.get_by_text(re.compile(r"✖ column \d+: can.t compare a number with a string"))).to_be_visible()
    expect(limit).to_have_value(before + "0 && params.discount_pct == 'ten'")  # the page's reruns keep the typing
    shot(page, "cel-as-typed")
    limit.fill("params.discount_pct <= 12")
    expect(page.get_by_text("✔ valid as typed: press Enter to apply")).to_be_visible()
    expect(unsaved(page)).to_have_count(0)  # nothing applied yet
    limit.press("Enter")
    expect(unsaved(page)).to_be_visible()
    expect(page.get_by_text("✔ valid as typed: press Enter to apply")).to_have_count(0)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`studio web --share`, kept on the loopback interface for the test."""
    folder = copy_samples(tmp_path_factory.mktemp("shared"))
    running = start_server(folder, tmp_path_factory.mktemp("logs") / "shared.log", "--share", "--bind", "127.0.0.1")
    yield running
    stop_server(running.process)


def test_a_shared_studio_asks_for_the_passcode_it_printed(shared: Server, new_page: NewPage) -> None:
    passcode = passcode_in(shared.output())
    page = new_page()
    page.goto(shared.url)
    box = page.get_by_label("Passcode")
    expect(box).to_be_visible()
    expect(page.get_by_test_id("stSidebar")).to_have_count(0)
    box.fill("NOT-THE-CODE")
    page.get_by_role("button", name="Enter").click()
    expect(page.get_by_text("That passcode isn't right")).to_be_visible()
    shot(page, "passcode")
    page.get_by_label("Passcode").fill(passcode.lower())
    page.get_by_role("button", name="Enter").click()
    expect(page.get_by_role("heading", name="Northwind Analytics (B2B SaaS renewals)")).to_be_visible()
