"""The transit pages in a real browser (Playwright + Debian's chromium) against ``python -m dashboard``
on the bundle's real network: next departures, line explorer, a day of buses (frames counted), deep
links with the language, and the phone layout at 390 px. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from devkit.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    FOLIUM_FRAME,
    kept_map_frame,
    wait_trip_map_drawn,
)
from tests.browser_helpers import SHOTS, type_place

pytestmark = [pytest.mark.browser, pytest.mark.bundle, pytest.mark.slow, pytest.mark.timeout(400),
              pytest.mark.xdist_group("browser")]


def _open(page, base: str, link: str) -> None:
    page.goto(base + "/")
    page.get_by_text("Calculer un itinéraire").wait_for()
    page.get_by_role("link", name=link).click()


def _animation_frame(page):
    """The frame of the day-of-buses component (once its script runs)."""
    page.locator('iframe[title="st.iframe"], iframe').first.wait_for()
    for _ in range(240):
        for frame in page.frames:
            try:
                if frame.evaluate("() => typeof window.__spmdFrames") == "number":
                    return frame
            except Exception:  # a frame being replaced
                continue
        page.wait_for_timeout(500)
    raise AssertionError("the animation never started")


def test_next_departures_at_republique(browser_page, server):
    page, _, _ = browser_page
    _open(page, server, "Prochains passages")
    page.get_by_role("heading", name="Prochains passages").wait_for()
    type_place(page, "Arrêt", "République")
    page.locator(".spmd-deprow").first.wait_for()
    # soonest first, whatever the line; far waits as clock times, never "74 min"
    clocks = page.locator(".spmd-deprow .at").all_inner_texts()
    assert len(clocks) >= 10 and clocks == sorted(clocks), clocks
    waits = page.locator(".spmd-deprow .when").all_inner_texts()
    assert all(not w.endswith("min") or int(w.split()[0]) <= 30 for w in waits), waits
    page.get_by_role("tab", name="Par ligne").click()
    page.locator(".spmd-dep").first.wait_for()
    assert page.locator(".spmd-dep").count() >= 10  # lines and directions at République
    text = page.locator(".spmd-board").inner_text()
    assert "passages dans l'heure" in text and "1 passages" not in text
    page.wait_for_function("""() => /République — 10 quai/.test(
        document.querySelector('[data-testid="stMain"]').innerText)""")
    assert "stop=R" in page.url
    page.screenshot(path=str(SHOTS / "departures.png"), full_page=True)
    # the map: République in red, named; a click on another stop offers it by its name
    frame = kept_map_frame(page)
    assert frame.evaluate("() => window.__spmdLabels('chosen')") == ["République"]
    point = frame.evaluate("""() => { for (let i = 0; i < window.__spmdLayerSize('stops'); i++) {
        const p = window.__spmdPointAt('stops', i);
        if (p && p[0] > 60 && p[0] < 500 && p[1] > 60 && p[1] < 360) return p; } return null; }""")
    assert point is not None
    frame.frame_element().scroll_into_view_if_needed()
    box = frame.frame_element().bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    offer = page.get_by_role("button", name=re.compile("Lieu choisi sur la carte"))
    offer.wait_for()
    name = offer.inner_text().split(":", 1)[1].strip()
    assert name and name != "République" and "&" not in name
    offer.click()
    page.wait_for_function("""n => new RegExp('^' + n + ' — ')
        .test(document.querySelector('[data-testid="stMain"] h3')?.innerText || '')""",
                           arg=re.escape(name))


def test_journeys_from_republique_to_villejean(browser_page, server):
    """The range query on the next-departures page: every worthwhile journey to another stop within
    the hour, on the real network (line 4 goes straight there)."""
    page, _, _ = browser_page
    _open(page, server, "Prochains passages")  # (a deep link's base-path probes are 404s: see below)
    type_place(page, "Arrêt", "République")
    page.locator(".spmd-deprow").first.wait_for()
    page.get_by_text("Trajets vers un autre arrêt dans l'heure").click()
    type_place(page, "Vers l'arrêt", "Villejean-Université")
    page.wait_for_function("""() => /trajet\\(s\\) de République à Villejean-Université, départ entre 08:00 et 09:00/
        .test(document.querySelector('[data-testid="stMain"]').innerText)""", timeout=60_000)
    grid = page.locator('[data-testid="stDataFrame"]').last
    grid.wait_for()
    assert grid.bounding_box()["height"] > 60  # a header and rows
    page.screenshot(path=str(SHOTS / "departures-journeys.png"), full_page=True)


def test_line_explorer_shows_line_1(browser_page, server):
    page, _, _ = browser_page
    _open(page, server, "Lignes")
    page.get_by_role("heading", name="Explorer une ligne").wait_for()
    page.get_by_text("Horaires de la ligne 1 à").wait_for()
    frame = kept_map_frame(page)  # the line, its stops, their names that do not overlap
    drawn = frame.evaluate("() => window.__spmdDrawn().ids")
    assert {"pattern", "line_stops", "labels-line_stops"} <= set(drawn), drawn
    assert {"Chêne Germain", "Rosa Parks"} <= set(frame.evaluate("() => window.__spmdLabels('line_stops')"))
    assert page.locator("table.spmd-hours tr").count() >= 15  # hours of service
    # the first/last table is a data frame drawn on a canvas: its cells are read from its accessible
    # table, which the grid fills once drawn
    read = """() => document.querySelector('[data-testid="stMain"]').innerText + ' ' +
        [...document.querySelectorAll('[data-testid="stDataFrame"] table')].map(t => t.textContent).join(' ')"""
    page.wait_for_function(f"() => ({read})().includes('Dernier départ')", timeout=60_000)
    main = page.evaluate(read)
    assert "Dernier départ" in main and "(+1)" in main  # one notation after midnight, never 24:05
    assert "24:" not in main and "2001" not in main  # no platform codes
    page.wait_for_timeout(1500)
    page.screenshot(path=str(SHOTS / "lines.png"), full_page=True)


def test_day_of_buses_animates(browser_page, server):
    page, _, _ = browser_page
    _open(page, server, "Une journée de bus")
    page.get_by_role("heading", name="Une journée de bus").wait_for()
    frame = _animation_frame(page)
    frame.wait_for_function("() => window.__spmdFrames > 20")
    page.wait_for_timeout(1000)
    a = frame.evaluate("() => [window.__spmdFrames, performance.now(), window.__spmdTime()]")
    page.wait_for_timeout(3000)
    b = frame.evaluate("() => [window.__spmdFrames, performance.now(), window.__spmdTime(), window.__spmdMode]")
    fps = (b[0] - a[0]) / ((b[1] - a[1]) / 1000)
    print(f"day of buses: {fps:.1f} frames per second ({b[3]}), clock advanced {b[2] - a[2]:.0f} s")
    assert b[0] - a[0] >= 3 and b[2] > a[2]  # it animates (the 30 fps target is printed, not asserted)
    frame.wait_for_function("() => (window.__spmdDrawn || 0) > 10 || window.__spmdMode === 'tripslayer'")
    if b[3] == "canvas2d":  # no GPU: the base map drawn in 2D (streets and lines), deck.gl never loaded
        inked = frame.evaluate("""() => { const c = document.getElementById('base');
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let k = 0;
          for (let i = 3; i < d.length; i += 4) if (d[i] > 0) k++;
          return [k / (c.width * c.height), typeof createDeck, document.querySelectorAll('script[src]').length]; }""")
        assert inked[0] > 0.05 and inked[1:] == ["undefined", 0], inked
    count = frame.locator("#count").inner_text()
    assert "bus en circulation" in count and int(count.split()[0]) > 10
    # a legend of the lines under the animation, the per-hour chart explained as the counter counts
    page.get_by_text("Lignes (couleur de chaque ligne)").wait_for()
    assert page.locator(".spmd-legend").first.inner_text().count("\n") >= 10
    page.get_by_text("comme le compteur de l'animation").wait_for()
    page.screenshot(path=str(SHOTS / "day-of-buses.png"))
    frame.locator("#play").click()  # pause: the clock stops
    t1 = frame.evaluate("() => window.__spmdTime()")
    page.wait_for_timeout(800)
    assert frame.evaluate("() => window.__spmdTime()") == t1
    assert "Lecture" in frame.locator("#play").inner_text()


def test_deep_link_with_language(server):
    """A shared link opens its page in its language (deep links make the frontend probe
    ``/departures/_stcore/*`` for its base path first: those two 404s are the only errors allowed)."""
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    not_found: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("response", lambda r: not_found.append(r.url) if r.status == 404 else None)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.set_default_timeout(120_000)
        page.goto(f"{server}/departures?stop={quote('République')}&at=2011-11-15T08:00&lang=en")
        page.get_by_role("heading", name="Next departures").wait_for()
        page.locator(".spmd-deprow").first.wait_for()
        page.get_by_role("tab", name="By line").click()
        assert "departures in the next hour" in page.locator(".spmd-board").inner_text()
        link = page.locator('[data-testid="stCode"]').first.inner_text()
        assert "lang=en" in link and "stop=R" in link
        page.screenshot(path=str(SHOTS / "departures-en-link.png"))
        browser.close()
    assert all("/departures/_stcore/" in u for u in not_found), not_found
    assert [e for e in errors if "404" not in e] == []


def test_phone_layout_390px(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                has_touch=True, locale="fr-FR")
        page.set_default_timeout(120_000)
        page.goto(server + "/")
        page.get_by_text("Calculer un itinéraire").wait_for()
        for label, text in (("Départ", "Gares"), ("Arrivée", "Beaulieu")):
            type_place(page, label, text)
        page.get_by_role("button", name="Calculer", exact=True).click()
        card = page.locator(".spmd-card").first
        card.wait_for()
        wait_trip_map_drawn(page)
        page.wait_for_timeout(1500)
        widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], f"horizontal scroll at 390 px: {widths}"
        card_y = card.bounding_box()["y"]
        map_y = page.locator(FOLIUM_FRAME).first.bounding_box()["y"]
        assert map_y < card_y, "the map comes before the cards"
        heights = page.evaluate("""() => [...document.querySelectorAll('.stButton button, .stDownloadButton button')]
            .filter(b => b.offsetParent !== null).map(b => b.getBoundingClientRect().height)""")
        assert heights and min(heights) >= 44, heights
        page.screenshot(path=str(SHOTS / "phone-planner.png"), full_page=True)
        page.goto(server + "/departures?stop=Gares&at=2011-11-15T08:00")
        page.locator(".spmd-deprow").first.wait_for()
        widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], f"horizontal scroll on next departures: {widths}"
        page.screenshot(path=str(SHOTS / "phone-departures.png"), full_page=True)
        browser.close()
