"""The reader's guard: every page at its own path, in French on a desktop (1440 px) and in English on a
phone (390 px), in its result states too (a plan, a "no route" reason, a departures board by time and
by line, a line, an isochrone, the four-mode comparison, the wheelchair gap, a scenario comparison and
the stops ranked, a validation run, a traces analysis, the kiosk and a trip of it), read twice:

- whole (sidebar, dialogs and tables: the document's text, Streamlit's icon ligatures aside) and
  refused when it shows a word of the other language (``language_words.py``), "None", "nan", "{",
  "Traceback", a snake_case code, a decimal point in a French number or a number of 10,000 or more
  without its grouping;
- by axe-core, for WCAG 2.1 A/AA as RGAA asks (``axe_check.py``, frames included).

One browser page per language, each state visited once and read both ways; the result states are
reached through URL parameters where the pages take them (planner, departures, lines), by the page's
own buttons elsewhere.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from devkit.browser import CHROMIUM, CHROMIUM_ARGS, wait_trip_map_drawn
from sources.catalogue import all_datasets
from sources.i18n import translate
from sources.messages import Msg
from tests.browser.axe_check import violations
from tests.browser.language_words import problems
from tests.browser_helpers import SHOTS, SUGGESTION, place_box

pytestmark = [pytest.mark.browser, pytest.mark.bundle, pytest.mark.slow, pytest.mark.timeout(1200),
              pytest.mark.xdist_group("browser")]

#: every page of the navigation at its own path ("/" hands over to /planner)
PATHS = ("/", "/planner", "/departures", "/lines", "/day", "/layers", "/accessibility", "/catalogue",
         "/traces", "/scenarios", "/about")
WHEN = "2011-11-15T08:00"
#: French on a desktop, English on a phone (the browser itself French: the page's language decides)
VIEWS = {"fr": {"width": 1440, "height": 900}, "en": {"width": 390, "height": 844}}
#: a line whose colour is light (yellow): its badge's text must be dark
LINE = "34"

#: the document's text as a reader sees it: Streamlit draws its icons as ligatures ("calendar_month")
#: in the Material Symbols font (pictures, not words), and its data frames on a canvas, whose cells are
#: read from the grid's accessible table (the rows in view), one cell at a time
DOCUMENT_TEXT_JS = """() => {
  for (const e of document.querySelectorAll('span')) {
    if ((getComputedStyle(e).fontFamily || '').includes('Material Symbols')) e.style.display = 'none';
  }
  const tables = [...document.querySelectorAll('[data-testid="stDataFrame"] table')].map(t =>
    [...t.querySelectorAll('tr')].map(r => [...r.children].map(c => c.textContent).join(' | ')).join('\\n'));
  return [document.body.innerText, ...tables].join('\\n');
}"""
#: the app is at rest: no script running, no spinner, no "running" widget
IDLE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app && app.getAttribute('data-test-script-state') !== 'running'
    && !document.querySelector('[data-testid="stSpinner"]');
}"""


def _settle(page) -> None:
    page.wait_for_selector('[data-testid="stApp"]')
    page.wait_for_selector('[data-testid="stMain"] [data-testid="stHeading"]', timeout=240_000)  # drawn
    page.wait_for_timeout(1000)
    page.wait_for_function(IDLE_JS, timeout=240_000)
    page.wait_for_timeout(500)


def _read(page, lang: str, where: str, found: list[str]) -> None:
    """The state's words, then its WCAG violations."""
    _settle(page)
    text = page.evaluate(DOCUMENT_TEXT_JS)
    found.extend(f"[{lang} {where}] {p}" for p in problems(text, lang))
    page.wait_for_timeout(1000)  # maps and charts draw after the script ends
    found.extend(f"[{lang} {where}] {v}" for v in violations(page))


def _visit(page, base: str, path: str, lang: str) -> None:
    page.goto(f"{base}{path}{'&' if '?' in path else '?'}lang={lang}")


def _main_text(page, text: str, *, timeout_ms: float = 240_000) -> None:
    page.wait_for_function("t => (document.querySelector('[data-testid=\"stMain\"]')?.innerText || '').includes(t)",
                           arg=text, timeout=timeout_ms)


def _cell_text(page, text: str, *, timeout_ms: float = 240_000) -> None:
    """Wait until a data frame's accessible table holds ``text`` (its cells are drawn on a canvas)."""
    page.wait_for_function("t => [...document.querySelectorAll('[data-testid=\"stDataFrame\"] table')]"
                           ".some(x => x.textContent.includes(t))", arg=text, timeout=timeout_ms)


def _pick_place(page, label: str, text: str) -> None:
    """Type ``text`` in a place box and take its first suggestion (the list of the last keystroke)."""
    frame = place_box(page, label)
    frame.locator("input").first.click()
    frame.locator("input").first.press_sequentially(text, delay=40)
    frame.locator(SUGGESTION).first.wait_for(timeout=120_000)
    page.wait_for_timeout(1500)
    frame.locator(SUGGESTION).first.click()


def _result_states(page, base: str, lang: str, found: list[str]) -> None:
    def tr(key: str) -> str:
        return translate(key, lang)

    # a plan, from the share link's parameters
    _visit(page, base, f"/planner?from=Gares&to=Villejean-Universit%C3%A9&at={WHEN}", lang)
    page.locator(".spmd-card").first.wait_for(timeout=240_000)
    _read(page, lang, "plan", found)
    # a place that matches nothing: said in the page's language
    _visit(page, base, f"/planner?from=xyzzy&to=Gares&at={WHEN}", lang)
    _main_text(page, translate("place.no_match", lang, q="xyzzy"))
    _read(page, lang, "no route", found)
    # a departures board
    _visit(page, base, f"/departures?stop={quote('République')}&at={WHEN}", lang)
    page.locator(".spmd-deprow").first.wait_for(timeout=240_000)
    _read(page, lang, "departures board", found)
    page.get_by_role("tab", name=tr("dep.by_line")).click()
    _read(page, lang, "departures by line", found)
    # a line chosen by its link
    _visit(page, base, f"/lines?line={LINE}", lang)
    page.locator(".spmd-hours").first.wait_for(timeout=240_000)  # the chosen stop's timetable
    _read(page, lang, "line", found)
    # an isochrone, the four modes compared, the time lost in a wheelchair
    _visit(page, base, "/accessibility", lang)
    page.get_by_role("tab", name=tr("acc.tab.isochrones")).click(timeout=240_000)
    _pick_place(page, tr("acc.isochrone_from"), "Gares")
    _main_text(page, tr("acc.isochrone_of").split("{")[0].strip())
    _read(page, lang, "isochrone", found)
    page.get_by_role("tab", name=tr("acc.compare")).click()
    page.get_by_role("button", name=tr("acc.compare_go")).click()
    _main_text(page, tr("accmap.alt.modes").split("{")[0].strip())
    _read(page, lang, "mode comparison", found)
    page.get_by_text(tr("wheelchair.acc.profile.wheelchair"), exact=True).click()
    page.get_by_role("tab", name=tr("wheelchair.gap.tab")).click(timeout=240_000)
    _main_text(page, tr("wheelchair.gap.map_title"))
    _read(page, lang, "wheelchair gap", found)
    # a validation run
    _visit(page, base, "/catalogue", lang)
    page.get_by_role("button", name=tr("cat.validate")).click()
    _main_text(page, tr("cat.rows_kept"))
    _read(page, lang, "validation", found)
    # a validation with a finding (the bus lines' stops: an export cut at an API page): its reason and
    # its message in the page's language
    title = next(d.title_en if lang == "en" else d.title_fr for d in all_datasets() if d.id == "star-route-stops")
    page.get_by_role("combobox", name=tr("cat.pick")).click()
    page.get_by_role("option", name=title).click()
    page.get_by_role("button", name=tr("cat.validate")).click()
    _cell_text(page, tr("reason.incomplete_export"))
    _read(page, lang, "validation finding", found)
    # a traces analysis
    _visit(page, base, "/traces", lang)
    page.get_by_role("button", name=tr("traces.simulate"), exact=True).click()
    _settle(page)
    page.get_by_role("button", name=tr("traces.analyse")).click()
    _main_text(page, tr("traces.risk"))
    _read(page, lang, "traces analysis", found)
    page.screenshot(path=str(SHOTS / f"guard-traces-{lang}.png"), full_page=True)
    # a scenario comparison (the preset: metro b in 2011)
    _visit(page, base, "/scenarios", lang)
    page.get_by_role("button", name=tr("scen.preset")).click()
    _main_text(page, tr("scen.better_off"))
    _read(page, lang, "scenario comparison", found)
    page.screenshot(path=str(SHOTS / f"guard-scenarios-{lang}.png"), full_page=True)
    page.get_by_role("button", name=tr("wheelchair.rank.go")).click()
    _main_text(page, tr("wheelchair.rank.legend").split("(")[0].strip())
    _read(page, lang, "stops ranked", found)
    # the kiosk, then a tile tapped: the trip's cards and map
    _visit(page, base, "/?kiosk=1", lang)
    _read(page, lang, "kiosk", found)
    page.locator(".st-key-kiosk_tile_champs_libres button").click()
    page.locator(".spmd-card").first.wait_for(timeout=240_000)
    wait_trip_map_drawn(page)
    _read(page, lang, "kiosk trip", found)
    page.screenshot(path=str(SHOTS / f"guard-kiosk-trip-{lang}.png"))


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_page_speaks_one_language(server, lang: str) -> None:
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    found: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=VIEWS[lang], locale="fr-FR")
        page = context.new_page()
        page.set_default_timeout(120_000)
        for path in PATHS:
            _visit(page, server, path, lang)
            _read(page, lang, path, found)
            if path != "/":
                assert page.url.split("?")[0].endswith(path), f"{path} answered at {page.url}"
        _result_states(page, server, lang, found)
        browser.close()
    assert found == [], "\n".join(found[:60])


def test_the_word_checker_sees_what_the_issue_saw() -> None:
    seen = problems("Marche : 4.1 h en walk\nVariation (%) None\n226011.6 habitants\nrows_read {...}", "fr")
    for expected in ("'walk'", "'None'", "'4.1'", "'226011'", "'rows_read'", "'{'"):
        assert any(expected in p for p in seen), (expected, seen)
    assert problems("EUPL 1.2 · https://x.org/a_b.zip · 226 012 habitants · 0,83", "fr") == []
    assert problems("Départ avec 41736", "en") and problems("226,012 people · 0.83", "en") == []
    # a loader's finding left in English on a French page, or in French on an English page
    finding = {"rows": 3000, "gaps": 532, "patterns": 560}
    assert problems(Msg("finding.export_cut_page", **finding).render("en"), "fr")
    assert problems(Msg("finding.export_cut_page", **finding).render("fr"), "en")
    assert problems(Msg("finding.export_cut_page", **finding).render("fr"), "fr") == []
