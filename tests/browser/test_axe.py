"""WCAG 2.1 A/AA on every page, as RGAA asks of a public service's site: axe-core (the engine of
the accessibility audits, shipped inside the axe-playwright-python wheel) run in Debian's chromium
against ``python -m dashboard`` on the bundle, first screens and result states, in French on a
desktop and in English on a phone, the kiosk included. Every violation is listed with its rule, the
element and axe's summary, so that a failure says what to fix."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from devkit.browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.bundle, pytest.mark.slow, pytest.mark.timeout(600),
              pytest.mark.xdist_group("browser")]

#: the WCAG levels RGAA 4 refers to
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: every page at its own path (the kiosk is checked apart)
PAGES = ("planner", "departures", "lines", "day", "layers", "accessibility", "catalogue", "traces",
         "scenarios", "about")
#: result states reached by a link: a planned trip, a departures board
RESULTS = {
    "planner-result": ("planner?from={}&to={}&modes=transit,walk,bike".format(
        quote("Gares"), quote("Villejean-Université")), ".spmd-card"),
}
VIEWS = {"fr": {"width": 1440, "height": 900}, "en": {"width": 390, "height": 844}}


def _violations(axe, page) -> list[str]:
    result = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    found = []
    for rule in result.response["violations"]:
        for node in rule["nodes"]:
            summary = " ".join(node.get("failureSummary", "").split())[:240]
            found.append(f"{rule['id']} ({rule['impact']}) at {node['target']}: {summary}")
    return found


def _settle(page, selector: str | None = None) -> None:
    page.locator('[data-testid="stApp"]').wait_for()
    page.wait_for_function("""() => {
        const app = document.querySelector('[data-testid="stApp"]');
        return app && app.getAttribute('data-test-script-state') === 'notRunning'
            && !document.querySelector('[data-stale="true"]'); }""", timeout=180_000)
    if selector:
        page.locator(selector).first.wait_for(timeout=180_000)
    page.wait_for_timeout(1500)  # maps and charts draw after the script ends


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_page_meets_wcag_aa(server, lang):
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    axe = Axe()
    suffix = "" if lang == "fr" else "lang=en"
    visits = [(name, name, None) for name in PAGES]
    visits += [(name, path, selector) for name, (path, selector) in RESULTS.items()]
    visits.append(("kiosk", "?kiosk=1", None))
    problems: dict[str, list[str]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=VIEWS[lang], locale="fr-FR" if lang == "fr" else "en-GB")
        page.set_default_timeout(120_000)
        for name, path, selector in visits:
            sep = "&" if "?" in path else "?"
            page.goto(f"{server}/{path}{sep + suffix if suffix else ''}")
            _settle(page, selector)
            found = _violations(axe, page)
            if found:
                problems[name] = found
        browser.close()
    assert not problems, "WCAG 2.1 A/AA violations:\n" + "\n".join(
        f"[{lang}] {name}: {v}" for name, found in problems.items() for v in found)
