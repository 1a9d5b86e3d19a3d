"""Entry point: ``streamlit run dashboard/app.py`` (or ``./dev demo``).

Builds the navigation (French by default, English switch in the sidebar), the
kiosk (``?kiosk=1``: full screen, its own page only, every other address
leading back to it, reset after inactivity) and runs the chosen page behind a guard that logs errors and
shows users a friendly message only.
"""

from __future__ import annotations

import base64
import functools
import logging
from pathlib import Path

import streamlit as st

from dashboard import share, state, ui
from dashboard.i18n import LANGUAGES, language, t

PAGES_DIR = Path(__file__).resolve().parent / "pages"
ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"


@functools.cache
def favicon() -> str:
    """The favicon as a data URL: a file given to st.set_page_config becomes a media file that a
    fragment's rerun (the place boxes) forgets, and the browser's next request for it was a 404."""
    return "data:image/png;base64," + base64.b64encode((ASSETS_DIR / "favicon.png").read_bytes()).decode()
LANGUAGE_NAMES = {"fr": "Français", "en": "English"}

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
log = logging.getLogger("dashboard")


def _language_switch(container: object) -> None:
    container.radio(t("app.language"), LANGUAGES, key="lang", horizontal=True,
                    format_func=LANGUAGE_NAMES.__getitem__)


def _language_from_url() -> None:
    """``?lang=en`` sets the language once per session; afterwards the URL follows the switch, so that
    every page's link carries the language."""
    lang = share.parse_lang(st.query_params.to_dict(), LANGUAGES)
    if lang and not st.session_state.get("_lang_from_url"):
        st.session_state["lang"] = lang
        st.session_state["_lang_from_url"] = True


def _language_to_url() -> None:
    lang = language()
    if share.parse_lang(st.query_params.to_dict(), LANGUAGES) != (None if lang == "fr" else lang):
        if lang == "fr":
            del st.query_params[share.LANG_PARAM]
        else:
            st.query_params[share.LANG_PARAM] = lang


def _kiosk_watchdog() -> None:
    """Back to the welcome screen when a kiosk visitor has left (no rerun for kiosk_idle_s())."""

    @st.fragment(run_every=state.kiosk_check_s())
    def watchdog() -> None:
        if state.kiosk_expired():
            st.rerun(scope="app")  # the full run resets the session before drawing anything

    watchdog()


def _kiosk_pages(pages: list[st.Page]) -> list[st.Page]:
    """The kiosk's one page, and every other page's address leading back to it: a visitor (or a
    link) never reaches a page made for a desk, an upload or a "page not found"."""
    home = st.Page(PAGES_DIR / "kiosk.py", title=t("kiosk.title"), icon=":material/directions:", url_path="kiosk",
                   default=True)

    def back_home() -> None:
        st.switch_page(home, query_params={"kiosk": "1"})

    paths = dict.fromkeys([*(p.url_path for p in pages), "start"])
    return [home, *(st.Page(back_home, title=path, url_path=path) for path in paths)]


def _root_page(planner_page: st.Page) -> st.Page:
    """The app's root ("/"): Streamlit serves its default page there and nowhere else, so the planner
    is not the default (it answers at its own path, /planner, the one the navigation shows, with its
    query parameters) and the root, a hidden page, hands its query parameters over to it."""

    def to_planner() -> None:
        st.switch_page(planner_page, query_params=st.query_params.to_dict())

    return st.Page(to_planner, title=t("nav.planner"), url_path="start", default=True, visibility="hidden")


def main() -> None:
    kiosk = state.is_kiosk()
    st.set_page_config(page_title=t("app.title"), page_icon=favicon(), layout="wide",
                       initial_sidebar_state="collapsed" if kiosk else "auto")
    state.planner_loader()  # starts loading the network in the background at the first visit, whatever the page
    if kiosk and state.kiosk_expired():
        state.kiosk_reset()
    state.touch()
    _language_from_url()
    ui.inject_css(kiosk=kiosk)

    planner_page = st.Page(PAGES_DIR / "planner.py", title=t("nav.planner"), icon=":material/directions:",
                           url_path="planner")
    pages = [
        planner_page,
        st.Page(PAGES_DIR / "layers.py", title=t("nav.layers"), icon=":material/map:", url_path="layers"),
        st.Page(PAGES_DIR / "accessibility.py", title=t("nav.accessibility"), icon=":material/timer:",
                url_path="accessibility"),
        st.Page(PAGES_DIR / "catalogue.py", title=t("nav.catalogue"), icon=":material/dataset:", url_path="catalogue"),
    ]
    if (PAGES_DIR / "traces.py").exists():
        pages.append(st.Page(PAGES_DIR / "traces.py", title=t("nav.traces"), icon=":material/location_on:", url_path="traces"))
    pages.append(st.Page(PAGES_DIR / "scenarios.py", title=t("nav.scenarios"), icon=":material/alt_route:",
                         url_path="scenarios"))
    pages.append(st.Page(PAGES_DIR / "about.py", title=t("nav.about"), icon=":material/info:", url_path="about"))
    # next departures, line explorer, a day of buses
    pages[1:1] = [st.Page(PAGES_DIR / "departures.py", title=t("nav.departures"), icon=":material/departure_board:",
                          url_path="departures"),
                  st.Page(PAGES_DIR / "lines.py", title=t("nav.lines"), icon=":material/route:", url_path="lines"),
                  st.Page(PAGES_DIR / "day_of_buses.py", title=t("nav.day"), icon=":material/animation:",
                          url_path="day")]

    if kiosk:
        page = st.navigation(_kiosk_pages(pages), position="hidden")
    else:
        with st.sidebar:
            st.markdown(f"### {t('app.title')}")
            st.caption(t("app.subtitle"))
            _language_switch(st)
        page = st.navigation([*pages, _root_page(planner_page)])
    _language_to_url()
    ui.run_guarded(page.run, name=str(page.title))
    if kiosk:
        _kiosk_watchdog()


main()
