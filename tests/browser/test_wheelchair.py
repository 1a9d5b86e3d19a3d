"""The wheelchair profile in a real browser (Playwright + Debian's chromium) on the bundle's real
network: the accessibility page's gap tab, and a planner share link with ``wheelchair=1`` whose
card says its stops and line are accessible. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.browser_helpers import SHOTS

pytestmark = [pytest.mark.browser, pytest.mark.bundle, pytest.mark.slow, pytest.mark.timeout(400),
              pytest.mark.xdist_group("browser")]


def test_accessibility_wheelchair_profile_shows_the_gap(browser_page, server):
    page, _, _ = browser_page
    page.goto(server + "/")
    page.get_by_text("Calculer un itinéraire").wait_for()
    page.get_by_role("link", name="Accessibilité").click()
    page.get_by_text("Moyenne par habitant").first.wait_for(timeout=240_000)
    page.get_by_text("Fauteuil roulant", exact=True).click()
    page.get_by_role("tab", name="Temps perdu en fauteuil").click(timeout=240_000)
    page.get_by_text("Minutes perdues par carreau").wait_for(timeout=240_000)
    sentence = page.get_by_text("En fauteuil roulant,").first
    sentence.wait_for(timeout=240_000)
    assert "perdent au moins 5 min" in sentence.inner_text()
    legend = page.locator(".spmd-legend").last.inner_text()
    assert "Aucune minute perdue" in legend and "≥" in legend and "min" in legend, legend
    page.get_by_text("Par commune, la plus touchée d'abord").wait_for()
    page.screenshot(path=str(SHOTS / "accessibility-wheelchair-gap.png"), full_page=True)


def test_share_link_with_wheelchair_plans_by_accessible_stops(browser_page, server):
    page, _, _ = browser_page
    page.goto(f"{server}/?from={quote('Villejean-Université')}&to={quote('République')}"
              "&at=2011-11-15T08:00&modes=transit&wheelchair=1")
    card = page.locator(".spmd-card").first
    card.wait_for(timeout=240_000)
    assert page.get_by_role("checkbox", name="Fauteuil roulant (arrêts et lignes accessibles)").is_checked()
    text = card.inner_text()
    assert "arrêts accessibles en fauteuil roulant, ligne a accessible" in text, text
    assert "wheelchair=1" in page.url  # the link made again from the page keeps the profile
    page.screenshot(path=str(SHOTS / "planner-wheelchair.png"), full_page=True)
