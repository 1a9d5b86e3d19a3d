"""The dashboard in a real browser: Playwright driving Debian's chromium against `streamlit run`.

The server runs on 127.0.0.1 on the real bundle (offline: SPMD_OFFLINE=1). The
planner is the real one when its network builder is installed, else the small
planner of tests/browser_helpers.py (named through $SPMD_DASHBOARD_PLANNER).
Screenshots go to artifacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest

from dashboard import maps
from devkit.browser import (
    FOLIUM_FRAME,
    RssSampler,
    kept_map_frame,
    run_sessions,
    wait_trip_map_drawn,
)
from tests.browser_helpers import SHOTS, type_place, wait_place_text

pytestmark = [pytest.mark.browser, pytest.mark.bundle, pytest.mark.slow, pytest.mark.timeout(300),
              pytest.mark.xdist_group("browser")]


def test_plan_a_trip_and_see_card_and_map(browser_page, server):
    page, requests, _ = browser_page
    page.goto(server + "/")
    page.get_by_text("Calculer un itinéraire").wait_for()
    type_place(page, "Départ", "Gares")
    type_place(page, "Arrivée", "Beaulieu")
    page.get_by_role("button", name="Calculer", exact=True).click()
    card = page.locator(".spmd-card").first
    card.wait_for()
    assert "min" in card.inner_text()
    wait_trip_map_drawn(page)
    frame = page.frame_locator(FOLIUM_FRAME).first
    frame.locator(".leaflet-overlay-pane canvas").first.wait_for()  # streets, stops and legs (canvas)
    # (no "network idle" wait: a page that polls, e.g. while the network loads, may never be idle)
    page.wait_for_timeout(2500)  # the legs are added to the drawn map (feature group)
    assert "from=Gares" in page.url
    assert any("/app/static/leaflet/leaflet.js" in u for u in requests)  # Leaflet served by us
    page.screenshot(path=str(SHOTS / "planner.png"), full_page=True)


def test_click_on_the_map_picks_an_origin(browser_page, server):
    page, _, _ = browser_page
    page.goto(server + "/")
    page.get_by_text("Calculer un itinéraire").wait_for()
    wait_trip_map_drawn(page)
    page.wait_for_timeout(1000)
    box = page.locator(FOLIUM_FRAME).first.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.45)
    picked = page.get_by_text("Lieu choisi sur la carte")
    picked.wait_for()
    name = picked.inner_text().split(":", 1)[1].strip()
    # named by its street and commune ("Rue de Paris, Rennes"), never "48.10101,-1.62254"
    assert "," in name and not any(c.isdigit() for c in name.split(",")[-1]), name
    assert not name.startswith("48."), name
    page.get_by_role("button", name="Comme départ").click()
    wait_place_text(page, "Départ", name)
    page.screenshot(path=str(SHOTS / "planner-pick.png"))


def _open(page, server: str, link: str) -> None:
    """Open a page through the sidebar, as a visitor does (deep links make Streamlit probe
    ``/<page>/_stcore/*`` for its base path, which answers 404 before it falls back)."""
    page.goto(server + "/")
    page.get_by_text("Calculer un itinéraire").wait_for()
    page.get_by_role("link", name=link).click()


def test_toggle_a_layer_and_switch_language(browser_page, server):
    page, _, _ = browser_page
    _open(page, server, "Carte des mobilités")
    page.get_by_text("Couches affichées").wait_for()
    frame = kept_map_frame(page)
    assert page.get_by_text("Aires de covoiturage —").count() == 0
    page.get_by_text("Aires de covoiturage", exact=True).click()
    page.get_by_text("Aires de covoiturage —").wait_for()  # its legend line appears
    page.get_by_role("button", name="Tout afficher").click()
    page.get_by_text("Positions des bus —").wait_for()
    page.get_by_text("en retard (> 2 min)").first.wait_for()  # the last legend, drawn after its title
    # a legend per visible layer, with units; the bus lines each in their colour with their name
    main = page.locator('[data-testid="stMain"]').inner_text()
    for words in ("vélos disponibles / places", "puissance maximale (kW)", "Ligne 1", "en retard (> 2 min)"):
        assert words in main, words
    assert len(re.findall(r" — [\d\s]+ éléments", main)) == len(maps.LAYERS), main  # a legend line each
    # every layer painted, in the same frame (the map keeps it: switching layers sends only their ids)
    assert kept_map_frame(page) is frame
    frame.wait_for_function(f"""() => window.__spmdDrawn().ids
        .filter(i => !/^(streets|labels)/.test(i)).length === {len(maps.LAYERS)}""")
    names = frame.evaluate("() => window.__spmdLabels('stops')")
    assert "République" in " ".join(names) and "Republique" not in names  # written with their accents
    scale = frame.locator("#scaletext").inner_text()
    assert scale.endswith(" km") or scale.endswith(" m"), scale  # metric, never feet or miles
    z0 = frame.evaluate("() => window.__spmdZoom()")
    frame.get_by_role("button", name="Zoom avant").click()
    frame.wait_for_function(f"() => window.__spmdZoom() > {z0}")
    # the scale follows the zoom (as the zoom's short transition ends)
    frame.wait_for_function("s => document.getElementById('scaletext').textContent !== s", arg=scale)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(SHOTS / "layers.png"), full_page=True)
    page.get_by_text("English", exact=True).click()
    page.get_by_role("heading", name="Mobility map").wait_for()
    page.screenshot(path=str(SHOTS / "layers-en.png"))


def test_catalogue_and_about_pages_render(browser_page, server):
    page, _, _ = browser_page
    _open(page, server, "Catalogue des données")
    page.get_by_role("heading", name="Catalogue des données").wait_for()
    page.locator('[data-testid="stDataFrame"], table.spmd-table').first.wait_for()
    page.screenshot(path=str(SHOTS / "catalogue.png"), full_page=True)
    page.get_by_role("link", name="À propos").click()
    page.get_by_role("heading", name="À propos").wait_for()
    page.get_by_text("Limites connues").wait_for()
    # the page streams in: the dated datasets come after the headings
    page.wait_for_function("""() => (document.querySelector('[data-testid="stMain"]')?.innerText || '')
        .includes('2011')""", timeout=60_000)
    assert "2011" in page.locator('[data-testid="stMain"]').inner_text()


#: the server's resident memory may stay this much above its level before the sessions: the first
#: visitors make one-time allocations (Python and glibc arenas grown by 3 concurrent script threads,
#: Streamlit's message and component caches, lazily built planner structures) that are kept for
#: later visitors, ~100 MB on the bundle (bench/bench_dashboard_load.py --rounds 3 shows it flat
#: after the first round); a leak of the sessions' results would exceed it over the rounds
MEMORY_MARGIN_MB = 250.0


def test_three_sessions_plan_trips_at_once_then_memory_comes_back(server):
    """A short version of bench/bench_dashboard_load.py: 3 sessions x 20 s, then 20 s without visitors."""
    import asyncio
    import time

    with RssSampler(server.pid) as rss:
        baseline = rss.rss_mb()
        stats = asyncio.run(run_sessions(server + "/", sessions=3, duration_s=20.0, seed=7))
        time.sleep(20.0)  # closed sessions are dropped after 5 s (server option), then collected
        final = rss.rss_mb()
        peak = rss.peak_mb()
    errors = [e for s in stats for e in s.errors]
    assert errors == [], f"errors under load: {errors[:5]}"
    assert all(s.plans >= 1 for s in stats), [s.plans for s in stats]
    assert final <= baseline + MEMORY_MARGIN_MB, (
        f"RSS {final:.0f} MB after the sessions, {baseline:.0f} MB before (peak {peak:.0f} MB)")


def test_accessibility_explorer_draws_the_grid_and_an_isochrone(browser_page, server):
    page, _, _ = browser_page
    _open(page, server, "Accessibilité")
    page.get_by_role("heading", name="Explorateur d'accessibilité").wait_for()
    page.get_by_text("Moyenne par habitant").first.wait_for(timeout=240_000)  # grid built, indicator computed
    page.wait_for_function("""() => [...document.querySelectorAll('[data-testid="stDeckGlJsonChart"] canvas')]
        .some(c => c.width > 100)""")
    page.wait_for_timeout(2000)
    page.screenshot(path=str(SHOTS / "accessibility.png"), full_page=True)
    # beside the map: inhabitants per class, a legend with units, a sentence for who cannot see it
    page.get_by_text("Habitants par classe").first.wait_for()
    page.get_by_text("des habitants atteignent au moins une opportunité").first.wait_for()
    assert "répondants" in page.locator(".spmd-legend").first.inner_text()
    page.get_by_role("tab", name="Par commune").click()
    page.get_by_text("La mieux servie").first.wait_for()  # the sorted chart's sentence
    page.get_by_role("tab", name="Isochrones").click()
    type_place(page, "Isochrone depuis", "Gares")
    page.get_by_text("Isochrones depuis").wait_for(timeout=120_000)
    page.get_by_text("Habitants par temps de trajet").first.wait_for()
    legend = page.locator(".spmd-legend").last.inner_text()
    assert all(f"≤ {n} min" in legend for n in (10, 15, 20, 30, 45, 60)), legend
    page.wait_for_timeout(2000)
    page.screenshot(path=str(SHOTS / "accessibility-isochrones.png"), full_page=True)


def test_scenarios_page_metro_b_what_if(browser_page, server):
    """Issue 11: the preset draws line b, plans Cleunay -> Beaulieu before/after, maps gains and losses."""
    page, _, _ = browser_page
    _open(page, server, "Scénarios")
    page.get_by_role("heading", name="Scénarios : et si… ?").wait_for()
    page.get_by_role("button", name="Et si le métro b avait existé en 2011 ?").click()
    page.wait_for_function("""() => [...document.querySelectorAll('[data-testid="stDeckGlJsonChart"] canvas')]
        .some(c => c.width > 100)""", timeout=240_000)  # the new line over the streets
    page.get_by_text("Après", exact=True).first.wait_for(timeout=240_000)
    assert page.locator(".spmd-card").count() >= 1
    page.get_by_text("Habitants gagnants").first.wait_for(timeout=240_000)  # both accessibility runs done
    # the line drawn over the gains, magnitudes in the legend, the before/after histograms
    page.get_by_text("Ligne ajoutée : b").first.wait_for()
    page.get_by_text("Habitants par accessibilité, avant et après").first.wait_for()
    assert page.get_by_role("button", name="Comparer les deux réseaux").count() == 1
    assert "≈" not in page.locator("body").inner_text()
    page.wait_for_timeout(2000)
    page.screenshot(path=str(SHOTS / "scenarios.png"), full_page=True)


# -- a hostile share link renders as text and fetches nothing from elsewhere ------------------

HOSTILE_FROM = ('![x](http://evil.example/i.png) <img src="http://evil.example/x.png"> '
                '[a](http://evil.example/phish) www.evil.example <script>alert(1)</script>')


def test_hostile_from_in_a_share_link_is_plain_text_and_fetches_nothing(browser_page, server):
    from urllib.parse import quote

    page, requests, _ = browser_page
    response = page.goto(f"{server}/?from={quote(HOSTILE_FROM)}&to=Gares")
    assert "default-src 'self'" in response.headers["content-security-policy"]  # python -m dashboard's layer
    page.get_by_text("Aucun lieu ne correspond").first.wait_for()  # said back once the planner is ready
    page.wait_for_timeout(1500)
    assert page.locator("img[src*='evil'], a[href*='evil'], script[src*='evil'], iframe[src*='evil']").count() == 0
    caption = page.get_by_text("Aucun lieu ne correspond").first.inner_text().replace("\u200b", "")
    assert "![x](http://evil.example/i.png)" in caption and "<img" in caption  # the text itself, shown as text
    assert page.locator(".spmd-card").count() == 0  # never planned from a guess
    page.screenshot(path=str(SHOTS / "planner-hostile-from.png"), full_page=True)
    assert [u for u in requests if "evil" in (urlparse(u).hostname or "")] == []  # the fixture: none left 127.0.0.1
