"""The kiosk (``?kiosk=1``): "Où allez-vous ?", a tile per destination, then the trips there and
their map on one screen. Nothing to type, no file to give, "Recommencer" and the two languages
always on screen; back to the start after two minutes without a touch (``app.py``'s watchdog)."""

from __future__ import annotations

import logging
import time as _time
from datetime import datetime
from typing import Any

import streamlit as st

from dashboard import maps, state, ui
from dashboard.i18n import LANGUAGES, date, language, message, t
from dashboard.services import kiosk
from routing.args import LOCAL_TZ

log = logging.getLogger("dashboard")

#: the trip map's height: with the header, it fits a 1080 px high screen
MAP_HEIGHT_PX = 780
#: tiles per row on the start screen
TILES_PER_ROW = 3


def _choose(key: str) -> None:
    st.session_state.pop("kiosk_shown", None)
    st.session_state["kiosk_dest"] = key
    st.session_state["kiosk_dirty"] = True


def _set_language(lang: str) -> None:
    st.session_state["lang"] = lang
    st.session_state["kiosk_dirty"] = True


def _bar() -> None:
    """"Recommencer" and the two languages, on every screen of the kiosk."""
    bar = st.container(horizontal=True, horizontal_alignment="right", key="kiosk_bar")
    for lang in LANGUAGES:
        bar.button(t(f"kiosk.lang.{lang}"), key=f"kiosk_lang_{lang}", on_click=_set_language, args=(lang,),
                   type="primary" if language() == lang else "secondary")
    bar.button(t("kiosk.reset"), key="kiosk_reset", on_click=state.kiosk_reset, icon=":material/restart_alt:")


def _start() -> None:
    head, side = st.container(key="kiosk_head").columns([3, 2], vertical_alignment="center")
    head.title(t("kiosk.title"))
    head.container(key="kiosk_here").markdown(f":material/location_on: {t('kiosk.here', place=t('kiosk.origin'))}")
    with side:
        _bar()
    cards, where = _result_columns()
    cards.empty()  # in place of a trip's cards: their container gone, the tiles show at once
    with where:  # the trip map, hidden: a tap then only draws the trip on the base map already drawn
        _map(None)
    tiles = st.container(key="kiosk_tiles")
    for start in range(0, len(kiosk.DESTINATIONS), TILES_PER_ROW):
        cols = tiles.columns(TILES_PER_ROW)
        for col, (key, _name, icon) in zip(cols, kiosk.DESTINATIONS[start:start + TILES_PER_ROW], strict=False):
            col.button(t(f"kiosk.place.{key}"), key=f"kiosk_tile_{key}", icon=f":material/{icon}:",
                       on_click=_choose, args=(key,), width="stretch")
    st.container(key="kiosk_hint").markdown(t("kiosk.hint"))


def _result_columns() -> tuple[Any, Any]:
    """The trip's cards and its map, at the same place of the page on the start screen and a trip's:
    Streamlit then keeps the map's frame (Leaflet and the street base map drawn) from one to the other.
    The kiosk CSS hides them on the start screen (``ui.KIOSK_CSS``) and shows them with a trip's cards."""
    return st.container(key="kiosk_result").columns([1, 1.7], gap="medium")


def _plan(planner: Any, key: str) -> Any:
    """The trip from the kiosk to destination ``key``: one call of the planner's ``plan``."""
    table = state.landmarks()
    origin = kiosk.landmark_place(table, kiosk.ORIGIN)
    destination = kiosk.landmark_place(table, kiosk.destination(key)[1])
    now = datetime.now(LOCAL_TZ)
    planner, used_day = state.planner_on(planner, now.date())  # today's kind of day in the feed
    when = kiosk.departure_at(used_day, now)
    t0 = _time.perf_counter()
    with st.spinner(t("planner.computing")):
        result = planner.plan(origin, destination, when, modes=kiosk.MODES)
    log.info("kiosk plan -> %s in %.0f ms", destination.name, 1000 * (_time.perf_counter() - t0))
    return result, when


def _map(itinerary: Any | None) -> None:
    """The trip on a Leaflet map (served locally) that does not answer clicks: nothing to pick here.
    Without ``itinerary``: the base map alone, centred on Rennes (the start screen's hidden map)."""
    import folium
    from streamlit_folium import st_folium

    from dashboard import leaflet

    online = state.tiles_reachable()
    fmap = leaflet.base_map(online_tiles=online, streets=None if online else state.streets_geojson(),
                            attribution=t("attr.osm"))
    leaflet.localise(fmap)
    trip = folium.FeatureGroup(name="trip")
    lon, lat, zoom = maps.fit_view(leaflet.add_itinerary(trip, itinerary)) if itinerary is not None else (
        maps.RENNES_CENTER[0], maps.RENNES_CENTER[1], 12.2)
    st_folium(fmap, key="kiosk_fmap", height=MAP_HEIGHT_PX, use_container_width=True, feature_group_to_add=trip,
              center=(lat, lon), zoom=int(round(zoom + 0.8)), returned_objects=[])
    ui.attribution()


def _trip(key: str) -> None:
    ss = st.session_state
    head, side = st.container(key="kiosk_head").columns([3, 2], vertical_alignment="center")
    head.header(t("kiosk.trip", origin=t("kiosk.origin"), destination=t(f"kiosk.place.{key}")))
    with side:
        _bar()
    cards, where = _result_columns()
    with cards, st.container(key="kiosk_cards"):
        trips = _trips(key, head)
        shown = ss.get("kiosk_shown")
        shown = shown if isinstance(shown, int) and 0 <= shown < len(trips) else 0
        for i, it in enumerate(trips):
            st.markdown(ui.itinerary_card_compact_html(it, selected=i == shown, lang=language()),
                        unsafe_allow_html=True)
        if len(trips) > 1:
            st.segmented_control(t("kiosk.on_map"), range(len(trips)), key="kiosk_shown", default=0,
                                 format_func=lambda i: f"{i + 1}. {ui.mode_label(trips[i].label)}",
                                 on_change=lambda: ss.update(kiosk_dirty=True), width="stretch")
    with where:
        _map(trips[shown] if trips else None)


def _trips(key: str, head: Any) -> list[Any]:
    """The trips shown to destination ``key`` (planned once per destination); the reason when none."""
    ss = st.session_state
    if ss.get("kiosk_result_for") != key:
        planner = state.planner_if_ready()
        if planner is None:
            ss["auto_plan"] = True  # a visitor waiting for the network is not gone (state.kiosk_expired)
            ui.wait_for_planner(text_key="kiosk.loading")
            return []
        ss.pop("auto_plan", None)
        ss["kiosk_result"], ss["kiosk_when"] = _plan(planner, key)
        ss["kiosk_result_for"] = key
        state.touch()  # the two minutes count from the trip shown
    result, when = ss["kiosk_result"], ss["kiosk_when"]
    head.caption(t("kiosk.when", time=when.strftime("%H:%M"), date=date(when.date(), "long")))
    trips = kiosk.shown_trips(result)
    if not trips:
        ui.say("warning", "kiosk.no_route", reason=message(result.reason, language()) if result.reason else "—",
               icon=":material/block:")
    return trips


def page() -> None:
    key = st.session_state.get("kiosk_dest")
    if key in {row[0] for row in kiosk.DESTINATIONS}:
        _trip(key)
    else:
        _start()


ui.run_guarded(page, name="kiosk")
