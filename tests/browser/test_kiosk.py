"""The kiosk (``?kiosk=1``) in a real browser, on the two screens a kiosk has (1920 x 1080 and
1080 x 1920): a tile tapped, the first card and the trip map on screen without scrolling, with no
WCAG 2.1 A/AA violation there; no file input anywhere, every other page's address leading back to it; the language buttons; back to the
start when nobody touches it (SPMD_KIOSK_IDLE_S=30 s on the test server: a loaded machine may take 10 s to draw a map)."""

from __future__ import annotations

import pytest

from devkit.browser import FOLIUM_FRAME, wait_trip_legs_drawn
from tests.browser.axe_check import violations
from tests.browser_helpers import SHOTS

pytestmark = [pytest.mark.browser, pytest.mark.bundle, pytest.mark.slow, pytest.mark.timeout(300),
              pytest.mark.xdist_group("browser")]

TILE = ".st-key-kiosk_tile_{}"


def _open_kiosk(page, url: str) -> None:
    page.goto(url)
    page.locator(TILE.format("beaulieu")).wait_for()
    assert page.get_by_role("heading", name="Où allez-vous ?").is_visible()
    assert not page.locator('[data-testid="stSidebar"]').is_visible()


def _inside(box: dict, width: int, height: int) -> bool:
    return box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= width and box["y"] + box["height"] <= height


@pytest.mark.parametrize("width,height", [(1920, 1080), (1080, 1920)], ids=["landscape", "upright"])
def test_a_tile_shows_the_trip_cards_and_map_on_one_screen(browser_page, server, width, height):
    page, _, _ = browser_page
    page.set_viewport_size({"width": width, "height": height})
    _open_kiosk(page, server + "/?kiosk=1")
    tile = page.locator(TILE.format("beaulieu")).locator("button")
    box = tile.bounding_box()
    assert box["height"] >= 64 and box["width"] >= 64 and _inside(box, width, height)
    tile.click()
    card = page.locator(".spmd-compact").first
    card.wait_for()
    wait_trip_legs_drawn(page)
    assert "min" in card.inner_text()
    assert page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollTop") == 0
    for element in (card, page.locator(FOLIUM_FRAME).first, page.get_by_role("button", name="Recommencer")):
        assert _inside(element.bounding_box(), width, height), element
    assert page.locator('input[type="file"]').count() == 0
    page.screenshot(path=str(SHOTS / f"kiosk-{width}x{height}.png"))
    assert violations(page) == []


@pytest.mark.parametrize("path", ["scenarios", "planner", "day", "layers", "catalogue"])
def test_every_address_with_kiosk_ends_on_the_kiosk(browser_page, server, path):
    page, _, console_errors = browser_page
    _open_kiosk(page, f"{server}/{path}?kiosk=1")
    assert page.locator('input[type="file"], [data-testid="stFileUploader"]').count() == 0
    assert page.locator('[data-testid="stMain"] a[href]:not([href^="#"])').count() == 0  # no way out
    assert "kiosk=1" in page.url
    # a deep link makes Streamlit's client probe /<path>/_stcore/* for its base path (404) before it
    # falls back to /: those two probes, and the browser's line for each, are not the kiosk's errors
    probes = [e for e in console_errors if f"/{path}/_stcore/" in e]
    assert len(probes) <= 2, probes
    for line in probes + ["Failed to load resource: the server responded with a status of 404 (Not Found)"] * len(probes):
        if line in console_errors:
            console_errors.remove(line)


def test_language_buttons_then_back_to_the_start_when_nobody_touches_it(browser_page, server):
    page, _, _ = browser_page
    page.set_viewport_size({"width": 1920, "height": 1080})
    _open_kiosk(page, server + "/?kiosk=1")
    page.get_by_role("button", name="English").click()
    page.get_by_role("heading", name="Where are you going?").wait_for()
    page.get_by_role("button", name="Beaulieu campus").click()
    page.get_by_role("heading", name="Rennes railway station → Beaulieu campus").wait_for()
    page.locator(".spmd-compact").first.wait_for()
    assert page.get_by_role("button", name="Start again").is_visible()
    page.screenshot(path=str(SHOTS / "kiosk-en.png"))
    page.get_by_role("button", name="Français").click()
    page.get_by_role("heading", name="Gare de Rennes → Campus de Beaulieu").wait_for()
    page.get_by_role("button", name="English").click()
    page.get_by_role("heading", name="Rennes railway station → Beaulieu campus").wait_for()
    # nobody touches the kiosk for SPMD_KIOSK_IDLE_S=30 s: the start screen again, in French
    page.get_by_role("heading", name="Où allez-vous ?").wait_for(timeout=90_000)
    page.wait_for_function("() => document.querySelectorAll('.spmd-compact').length === 0", timeout=30_000)
    assert "lang=en" not in page.url
