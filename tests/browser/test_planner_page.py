"""The trip planner as a visitor reads it, at 1440 px and on a 390 px phone (Playwright + Debian's
chromium against ``python -m dashboard`` on the bundle): after planning Gares -> Villejean-Université
the first card's steps are on screen without hovering or scrolling, and changing an input takes the
old result away. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import pytest

from devkit.browser import CHROMIUM, CHROMIUM_ARGS, FOLIUM_FRAME, wait_trip_map_drawn
from tests.browser_helpers import SHOTS, type_place

pytestmark = [pytest.mark.browser, pytest.mark.bundle, pytest.mark.slow, pytest.mark.timeout(400),
              pytest.mark.xdist_group("browser")]

#: the part of an element inside the window: (top, bottom) of its box clipped to the viewport
IN_VIEW_JS = """sel => { const e = document.querySelector(sel); if (!e) return null;
  const r = e.getBoundingClientRect(); return [r.top, r.bottom, window.innerHeight]; }"""


@pytest.mark.parametrize("width,height", [(1440, 900), (390, 844)])
def test_first_card_steps_in_view_and_a_changed_input_clears_the_result(server, width: int, height: int):
    from playwright.sync_api import sync_playwright

    phone = width <= 480
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": height}, is_mobile=phone, has_touch=phone,
                                locale="fr-FR")
        page.set_default_timeout(120_000)
        page.goto(server + "/")
        page.get_by_text("Calculer un itinéraire").wait_for()
        type_place(page, "Départ", "Gares")
        type_place(page, "Arrivée", "Villejean-Université")
        page.get_by_role("button", name="Calculer", exact=True).click()
        first = page.locator(".st-key-plan_card_0")
        first.locator("ol.spmd-steps li").first.wait_for()
        wait_trip_map_drawn(page)
        page.wait_for_timeout(1000)  # the scroll to the cards
        top, bottom, window = page.evaluate(IN_VIEW_JS, ".st-key-plan_card_0 ol.spmd-steps li")
        assert 0 <= top and bottom <= window, f"the first step is off screen: {top:.0f}..{bottom:.0f} of {window}"
        steps = first.locator("ol.spmd-steps").inner_text()
        assert "Monter à Gares" in steps and "Descendre à Villejean-Université" in steps, steps
        assert page.locator('[data-testid="stRadio"]').filter(has_text="Itinéraire affiché").count() == 0
        if phone:  # one column: the map first, then the cards
            assert page.locator(FOLIUM_FRAME).first.bounding_box()["y"] < first.bounding_box()["y"]
        page.screenshot(path=str(SHOTS / f"planner-steps-{width}.png"))
        # a card is selected by a tap anywhere on it
        second = page.locator(".st-key-plan_card_1")
        second.locator(".spmd-head").click(force=True)  # on the card: its stretched button takes the tap
        page.wait_for_function("""() => document.querySelector('.st-key-plan_card_1 .spmd-card.selected')""")
        # any input changed: the previous cards and route leave at once
        page.get_by_role("button", name="Maintenant").click()
        page.wait_for_function("() => document.querySelectorAll('.spmd-card').length === 0", timeout=30_000)
        assert "from=" not in page.url
        if not phone:  # a shared link for a Sunday: answered with the feed's Sunday, and said so
            page.goto(server + "/planner?from=Gares&to=Villejean-Universit%C3%A9&at=2026-12-06T08:00&modes=transit")
            page.locator(".st-key-plan_card_0 ol.spmd-steps li").first.wait_for()
            body = page.locator("body").inner_text()
            assert "Horaires du dimanche 20 novembre 2011 utilisés pour le dimanche 6 décembre 2026" in body, body
            assert "jour de semaine" not in body  # no "a weekday's buses" warning: the Sunday's are used
        browser.close()
