"""Line explorer page: a line (or ``?line=``) in, one ``routing.line_explorer`` call, its patterns on the
map in its colour, the ordered stops, a stop's timetable (hour x minutes), first/last departures and
trips per hour out."""

from __future__ import annotations

import logging
import time as _time

import pandas as pd
import streamlit as st

from dashboard import deckmap, maps, share, state, ui
from dashboard.i18n import language, t
from dashboard.services import transit
from routing import line_explorer, lines_table, pattern_stops, stop_timetable

log = logging.getLogger("dashboard")


def _init(lines: pd.DataFrame) -> None:
    ss = st.session_state
    if ss.get("_lines_init"):
        return
    ss["_lines_init"] = True
    params = st.query_params.to_dict()
    wanted = share.clean_line(params.get("line"))
    if wanted is not None:
        hit = lines.index[(lines["line"] == wanted) | (lines["route_id"] == wanted)]
        if len(hit):
            ss["line_pick"] = int(hit[0])
        else:
            ss["lines_bad"] = wanted
    stop = share.clean_place(params.get("stop"))
    if stop:
        ss["lines_stop_from_url"] = stop


def page() -> None:
    st.title(t("lines.title"))
    st.markdown(transit.TRANSIT_CSS, unsafe_allow_html=True)  # escaped: constant CSS
    tt = state.timetable()
    if tt is None:
        ui.wait_for_planner(text_key="loading.network", timetable=True)
        return
    lines = lines_table(tt)
    if lines.empty:
        st.info(t("dep.none"))
        return
    _init(lines)
    if st.session_state.get("lines_bad"):
        st.warning(t("lines.bad_line", line=ui.plain(st.session_state.pop("lines_bad"))), icon=":material/warning:")
    pick = st.selectbox(t("lines.pick"), range(len(lines)), key="line_pick",
                        format_func=lambda i: t("lines.option", line=lines.loc[i, "line"], n=lines.loc[i, "n_trips"]))
    row = lines.loc[pick or 0]
    t0 = _time.perf_counter()
    view = line_explorer(tt, int(row["route"]))
    log.info("line %s explored in %.0f ms", view.line, 1000 * (_time.perf_counter() - t0))
    pats = view.patterns
    color = transit.line_rgb(view.color)

    st.markdown(f"### {transit.line_badge(view.line, view.color)}", unsafe_allow_html=True)  # escaped: maps.esc
    st.markdown(f"**{t('lines.first_last')}**")
    # full width: four columns whose headers fit ("Dernier départ" is never cut)
    summary = transit.lines_summary(view.summary).rename(columns={
        "direction": t("lines.col.direction"), "n_trips": t("lines.col.trips"),
        "first": t("lines.col.first"), "last": t("lines.col.last")})
    ui.table(summary[[t("lines.col.direction"), t("lines.col.trips"), t("lines.col.first"),
                      t("lines.col.last")]], key="lines_summary")
    left, right = st.columns([1, 1.3], gap="large")
    with left:
        p = st.radio(t("lines.patterns"), range(len(pats)), key=f"line_pattern_{view.route}",
                     format_func=lambda i: t("lines.pattern_option", origin=ui.plain(pats.loc[i, "origin"]),
                                             direction=ui.plain(pats.loc[i, "direction"]),
                                             n=pats.loc[i, "n_trips"])) or 0
        stops = pattern_stops(tt, pats.loc[p, "stops"])
        labels = [f"{o}. {n}" for o, n in zip(stops["order"], stops["stop_name"], strict=True)]
        key = f"line_stop_{view.route}_{p}"
        wanted = st.session_state.pop("lines_stop_from_url", None)
        if wanted:
            hits = stops.index[((stops["stop_name"] == wanted) | (stops["stop_id"] == wanted))
                               & (stops.index < len(stops) - 1)]
            if len(hits):
                st.session_state[key] = int(hits[0])
        s = st.selectbox(t("lines.stop_pick"), range(max(1, len(stops) - 1)), key=key,
                         format_func=labels.__getitem__) or 0
        stop_id = stops.loc[s, "stop_id"]
        table = stop_timetable(tt, view.route, stop_id, direction=pats.loc[p, "direction"])
        st.markdown("**" + t("lines.timetable", line=ui.plain(view.line), stop=ui.plain(stops.loc[s, "stop_name"]),
                             direction=ui.plain(pats.loc[p, "direction"])) + "**")
        st.markdown(transit.hours_html(table), unsafe_allow_html=True)  # escaped: numbers only
        ui.share_link({"line": view.line, "stop": str(stops.loc[s, "stop_name"])})
    with right:
        others = [i for i in range(len(pats)) if i != p]
        overlay = [maps.table_payload("others", transit.patterns_table(pats.iloc[others], alpha=90, width_m=10),
                                      kind="paths", min_width_px=3),
                   maps.table_payload("pattern", transit.patterns_table(pats.iloc[[p]]), kind="paths", min_width_px=3),
                   maps.table_payload("line_stops", transit.stops_table(stops, color), kind="points", labels=True,
                                      always_labelled=True)]
        points = [tuple(xy) for xy in pats.loc[p, "path"]]
        # a kept frame: the street base map stays drawn, a line's choice sends only the line
        deckmap.deck_map(streets_url=state.streets_url(), overlay=overlay, view=maps.fit_view(points),
                         lang=language(), title=t("lines.map_title"), height_px=480, key="lines_map")
        st.markdown(f"**{t('lines.per_hour')}**")
        per_hour = view.per_hour.pivot_table(index="hour", columns="direction", values="n_trips", fill_value=0)
        st.bar_chart(per_hour, x_label=t("lines.hour"), y_label=t("lines.trips"), height=260)
        st.markdown(f"**{t('lines.stops')}**")
        ui.table(stops[["order", "stop_name"]].rename(columns={"order": "#", "stop_name": t("dep.stop")}),
                 key="lines_stops", height=300)
    st.query_params["line"] = view.line
    ui.attribution(("attr.star",))


ui.run_guarded(page, name="lines")
