"""Next departures page: a stop (search, map click or ``?stop=``) and a time in, one
``routing.next_departures`` call, cards per line and direction out (then the map)."""

from __future__ import annotations

import logging
import time as _time
from datetime import datetime, time
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import deckmap, maps, places_input, share, state, ui
from dashboard.i18n import error_text, language, plural, t
from dashboard.services import transit
from routing import (
    departure_board,
    find_stop,
    format_clock,
    next_departures,
    profile_to_any,
    search_stops,
    seconds_of,
)

log = logging.getLogger("dashboard")
DEFAULT_TIME = time(8, 0)
#: a trip-updates file larger than this is refused before it is read
MAX_RT_BYTES = 20 * 2**20


def _init(service_date: Any) -> None:
    ss = st.session_state
    if ss.get("_dep_init"):
        return
    ss["_dep_init"] = True
    params = st.query_params.to_dict()
    ss.setdefault("dep_q", share.clean_place(params.get("stop")) or "")
    at = share.parse_at(params.get("at"))
    ss.setdefault("dep_time", at.time().replace(second=0, microsecond=0) if at else DEFAULT_TIME)


#: the kinds of places a stop box suggests
STOP_KINDS = ("stop", "metro", "station")


def _pick(name: str) -> None:
    places_input.set_place("dep_q", name)


def _live(tt: Any) -> Any | None:
    """The timetable with an uploaded GTFS-RT TripUpdates file applied (None without one)."""
    upload = st.file_uploader(t("dep.rt"), type=["pb", "bin"], key="dep_rt", label_visibility="collapsed")
    if upload is None:
        return None
    if upload.size > MAX_RT_BYTES:
        st.warning(t("dep.rt_error", error=f"> {MAX_RT_BYTES // 2**20} MB"))
        return None
    try:
        from routing.transit import apply_trip_updates
        from sources.loaders.gtfs_rt import load_trip_updates

        stats: dict[str, int] = {}
        live = apply_trip_updates(tt, load_trip_updates(upload.getvalue()), stats=stats)
    except Exception as exc:  # a bad upload is a message, never a crash
        log.info("trip updates refused: %s", exc)
        st.warning(t("dep.rt_error", error=ui.plain(error_text(exc)[:300])))
        return None
    ui.say("caption", "dep.rt_loaded", trips=stats.get("trips_delayed", 0), canceled=stats.get("trips_canceled", 0))
    return live


def _stops_named(tt: Any, text: str) -> list[Any]:
    """The stop groups ``text`` means: a stop id (a map click, a link), else the names found."""
    try:
        tt.stop_index(text)
        return [find_stop(tt, text)]
    except KeyError:
        return search_stops(tt, text, limit=8)


def _journeys(tt: Any, group: Any) -> None:
    """Every worthwhile journey from the stop to another one leaving within the hour (a range query:
    one backward connection scan per stop of the destination)."""
    when = datetime.combine(tt.day, st.session_state["dep_time"])
    start = seconds_of(tt, when)
    span = {"stop": group.name, "start": format_clock(start), "end": format_clock(start + 3600)}
    text = places_input.place_box(t("dep.to_stop"), "dep_to", kinds=STOP_KINDS,
                                  placeholder=t("dep.to_placeholder")).text
    if not text:
        ui.say("caption", "dep.to_hint", **span)
        return
    matches = _stops_named(tt, text)
    if not matches:
        st.info(t("dep.no_match", q=ui.plain(text)))
        return
    dest = matches[0]
    if set(dest.stops) == set(group.stops):
        st.info(t("dep.to_same"))
        return
    t0 = _time.perf_counter()
    journeys = profile_to_any(tt, list(group.stops), start, start + 3600, list(dest.stops))
    log.info("journeys %s -> %s in %.1f ms", group.name, dest.name, 1000 * (_time.perf_counter() - t0))
    if journeys.empty:
        ui.say("info", "dep.to_none", to=dest.name, **span)
        return
    ui.say("markdown", "dep.to_heading", n=len(journeys), to=dest.name, **span)
    ui.table(transit.journeys_table(tt, journeys, t), key="dep_journeys")


#: the stops' colour on the map, and the chosen stop's
STOPS_RGB, CHOSEN_RGB = [0, 103, 177], [227, 5, 27]
#: a stop's radius on the map (metres; never under 2.5 px): a platform, not a district
STOP_RADIUS_M = 10.0


def _every_stop(tt: Any) -> str | None:
    """Every stop of the network as the map's layer, a file written once (:mod:`dashboard.deckmap`)."""
    every = pd.DataFrame({"lon": tt.stop_lon, "lat": tt.stop_lat, "stop_name": tt.stop_names.astype(str)})
    every = every.dropna(subset=["lon", "lat"])
    table = transit.stops_table(every, STOPS_RGB).assign(radius_m=STOP_RADIUS_M)
    return deckmap.publish({"layers": [maps.table_payload("stops", table, kind="points", labels=True)]})


def _map(tt: Any, group: Any | None) -> None:
    """Every stop, the chosen one in red: a kept-frame map (one redraw per choice, the stops sent
    once); a click on a stop offers it."""
    data_url = state.deck_page(("departures-stops", str(tt.day)), lambda: _every_stop(tt))
    overlay, view = [], None
    if group is not None:
        chosen = pd.DataFrame({"lon": tt.stop_lon[list(group.stops)], "lat": tt.stop_lat[list(group.stops)],
                               "stop_name": group.name})
        table = transit.stops_table(chosen, CHOSEN_RGB).assign(radius_m=STOP_RADIUS_M * 1.5)
        overlay.append(maps.table_payload("chosen", table, kind="points", labels=True, always_labelled=True))
        view = (float(group.lon), float(group.lat), 15.5)
    picked = deckmap.deck_map(data_url=data_url, streets_url=state.streets_url(), overlay=overlay, view=view,
                              select=True, lang=language(), title=t("dep.map_title"), height_px=420, key="dep_map")
    name = share.clean_place(str((picked or {}).get("name") or ""))
    if name and name != st.session_state.get("dep_q"):
        st.button(t("planner.picked", name=ui.plain(name)), key="dep_use_pick", on_click=_pick, args=(name,))
    st.caption(t("dep.map"))


def _results(tt: Any, group: Any, text: str, live: Any | None) -> None:
    when = datetime.combine(tt.day, st.session_state["dep_time"])
    t0 = _time.perf_counter()
    deps = next_departures(tt, group, when, live=live)
    board = departure_board(deps, seconds_of(tt, when))
    log.info("departures at %s in %.1f ms", group.name, 1000 * (_time.perf_counter() - t0))
    offsets = tt.stop_departures[0]
    served = sum(1 for i in group.stops if offsets[i + 1] > offsets[i])  # platforms with departures today
    ui.say("subheader", "dep.heading_n", stop=group.name, platforms=plural("dep.platforms", served),
           time=when.strftime("%H:%M"))
    if board.empty:
        st.info(t("dep.none"))
    else:
        by_time, by_line = st.tabs([t("dep.by_time"), t("dep.by_line")])
        with by_time:  # soonest first, whatever the line: what a person at the stop looks for
            st.markdown(transit.times_html(deps, t), unsafe_allow_html=True)  # escaped: maps.esc
            rest = len(deps) - transit.TIMES_LIMIT
            if rest > 0:  # the list stops there: how many more, until when, where (escaped: numbers, a clock)
                st.caption(plural("dep.more", rest, end=format_clock(int(deps["expected_s"].max())),
                                  all=t("dep.all")))
        with by_line:
            st.markdown(transit.board_html(board, t, plural), unsafe_allow_html=True)  # escaped: maps.esc
        with st.expander(t("dep.all"), expanded=False):
            ui.table(transit.departures_table(deps, t), key="dep_table")
    st.query_params["stop"] = text
    st.query_params["at"] = when.strftime("%Y-%m-%dT%H:%M")
    ui.share_link({"stop": text, "at": when.strftime("%Y-%m-%dT%H:%M")})


def page() -> None:
    st.title(t("dep.title"))
    st.markdown(transit.TRANSIT_CSS, unsafe_allow_html=True)  # escaped: constant CSS
    tt = state.timetable()
    _init(tt.day if tt is not None else state.default_service_date())
    ui.timetable_banner(tt.day if tt is not None else state.default_service_date())
    c1, c2 = st.columns([2, 1])
    with c1:
        picked = places_input.place_box(t("dep.stop"), "dep_q", kinds=STOP_KINDS,
                                        placeholder=t("dep.stop_placeholder"))
    text = picked.text
    c2.time_input(t("dep.time"), key="dep_time", step=300)
    if tt is None:
        ui.wait_for_planner(text_key="loading.network", timetable=True)
        return
    group = None
    if text:
        matches = _stops_named(tt, text)
        if not matches:
            st.info(t("dep.no_match", q=ui.plain(text)))
        if matches and picked.place is not None:  # the stop chosen among the suggestions
            group = next((m for m in matches if m.name == picked.place.name), matches[0])
        elif matches:
            idx = st.selectbox(t("dep.matches"), range(len(matches)), key="dep_pick",
                               format_func=lambda i: matches[i].name, label_visibility="collapsed") or 0
            group = matches[min(idx, len(matches) - 1)]
    else:
        st.caption(t("dep.pick_stop"))
    results = st.container()  # filled below, drawn above the real-time box
    live = None
    if group is not None:
        with st.expander(t("dep.rt"), expanded=False):
            live = _live(tt)
        with results:
            _results(tt, group, text, live)
            # a bordered box, not an expander: a place box drawn closed would stay zero pixels high
            with st.container(border=True):
                st.markdown(f"**{t('dep.to')}**")
                _journeys(tt, group)
    _map(tt, group)
    ui.attribution(("attr.star",))


ui.run_guarded(page, name="departures")
