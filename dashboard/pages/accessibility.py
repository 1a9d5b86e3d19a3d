"""Accessibility explorer: mode, opportunity, cutoff and window in; grid map, per-commune equity
table, mode comparison and isochrones out (computation in routing.accessibility, called and turned
into display tables by dashboard.services.accessibility; results cached per process in
dashboard.state)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import maps, places_input, state, ui
from dashboard.i18n import language, number, percent, t
from dashboard.services import accessibility as access
from routing.network import WHEELCHAIR
from routing.places import coordinates_error


def _controls() -> tuple[str, str, int, str, bool]:
    with st.container(border=True):
        profile = st.radio(t("wheelchair.acc.profile"), access.PROFILES, key="acc_profile", horizontal=True,
                           format_func=lambda k: t(f"wheelchair.acc.profile.{k}"),
                           help=t("wheelchair.acc.profile_help", speed=number(WHEELCHAIR.speed_kmh, 1),
                                  minutes=number(WHEELCHAIR.max_access_s / 60)))
        wheelchair = profile == "wheelchair"
        modes = access.WHEELCHAIR_MODES if wheelchair else access.ACCESS_MODES
        if st.session_state.get("acc_mode") not in modes:  # a bike or car chosen before: transit
            st.session_state["acc_mode"] = modes[0]
        c1, c2, c3, c4 = st.columns([1.3, 1.3, 1, 1])
        mode = c1.selectbox(t("acc.mode"), modes, key="acc_mode", format_func=lambda m: _mode_label(m, wheelchair))
        opportunity = c2.selectbox(t("acc.opportunity"), access.OPPORTUNITIES, key="acc_opp",
                                   format_func=lambda k: t(f"acc.opp.{k}"))
        cutoff = c3.select_slider(t("acc.cutoff"), access.CUTOFFS_MIN, value=30, key="acc_cutoff")
        window = c4.selectbox(t("acc.window"), access.WINDOWS, index=1, key="acc_window",
                              help=t("acc.window_help"))
        if wheelchair:
            st.caption(t("wheelchair.acc.modes_note"))
    return mode, opportunity, int(cutoff), window, wheelchair


def _mode_label(mode: str, wheelchair: bool) -> str:
    return t("wheelchair.acc.roll") if wheelchair and mode == "walk" else ui.mode_label(mode)


MAP_HEIGHT_PX = 520


def _bars(frame: object, *, x: str, y: str, x_title: str, y_title: str, color: str | None = None,
          horizontal: bool = False, height: int = 300) -> None:
    """A bar chart in the given order, colours from the frame's ``color`` column (CSS). The
    Vega-Lite spec is written as a dict: Altair's schema check cost tens of ms per chart and rerun."""
    name, value = (y, x) if horizontal else (x, y)
    cat = {"field": name, "type": "nominal", "sort": list(frame[name]), "title": y_title if horizontal else x_title,
           "axis": {"labelLimit": 260} if horizontal else {"labelAngle": 0}}
    num = {"field": value, "type": "quantitative", "title": x_title if horizontal else y_title,
           "axis": access.number_axis_spec(language())}
    enc = {"y": cat, "x": num} if horizontal else {"x": cat, "y": num}
    enc["color"] = {"field": color, "type": "nominal", "scale": None, "legend": None} if color else {"value": "#2c7fb8"}
    st.vega_lite_chart(frame, {"mark": {"type": "bar"}, "encoding": enc, "height": height}, width="stretch")


def _frozen_polygons(layer_id: str, table: object) -> object:
    """A polygon layer whose JSON, data within, is written once (see :func:`state.display`): a few
    hundred polygons, drawn in the one frame that shows the answer."""
    return state.frozen([maps.polygon_layer(layer_id, table)], by_url=False)[0]


def _deck(ctx: object, layers: list) -> object:
    """A map of the page: the metropole in view, no online tiles."""
    return maps.make_deck(layers, view=access.metropole_view(ctx, height_px=MAP_HEIGHT_PX), height_px=MAP_HEIGHT_PX)


def _grid_map(ctx: object, cells: object, *, mode: str, unit: str, cutoff: int, key: tuple) -> None:
    outside = access.outside_cells(ctx, mode)
    labels = {"nothing": t("accmap.nothing", n=cutoff), "outside": t("accmap.outside")}

    def build() -> tuple[object, object]:  # the map, built once per result and language
        table, breaks = access.cells_display(ctx, cells, unit=unit, outside=outside, labels=labels, fmt=number)
        return _deck(ctx, [_frozen_polygons("acc_cells", table), *state.road_layers()]), breaks

    deck, breaks = state.display(("acc_cells", *key, language()), build)
    class_names = access.class_labels(breaks, number=number, unit=unit)
    c_map, c_side = st.columns([3, 2])
    with c_map:
        st.pydeck_chart(deck, width="stretch", key="acc_map")
        entries = [(access.NOTHING_COLOR, labels["nothing"])]
        classes = list(zip(access.class_indices(breaks), class_names, strict=False))
        entries += [(access.RAMP[c], name) for c, name in classes]
        if outside.any():
            entries.append((access.OUTSIDE_COLOR, labels["outside"]))
        st.markdown(ui.legend_html_text(entries), unsafe_allow_html=True)
    with c_side:
        people = access.people_per_class(cells, breaks, outside=outside)
        names = {-2: labels["outside"], -1: labels["nothing"]}
        colours = {-2: access.OUTSIDE_COLOR, -1: access.NOTHING_COLOR}
        for c, name in classes:
            names[c], colours[c] = name, access.RAMP[c]
        people = people.sort_values("cls", key=lambda c: c.where(c >= -1, 99))
        shown = pd.DataFrame({"klass": [names.get(int(c), "") for c in people["cls"]],
                              "people": people["population"].to_numpy(),
                              "color": [maps.rgb_hex(colours.get(int(c), access.NOTHING_COLOR))
                                        for c in people["cls"]]})
        st.markdown(f"**{maps.esc(t('accmap.people_per_class'))}**")
        _bars(shown, x="people", y="klass", x_title=t("accmap.axis.people"),
              y_title="", color="color", horizontal=True, height=40 * len(shown) + 40)
        ui.table(pd.DataFrame({t("accmap.col.class"): shown["klass"],
                               t("accmap.col.people"): [number(v) for v in people["population"]],
                               t("accmap.col.share"): [percent(v) for v in people["share"]]}))
    _map_sentence(cells, outside, unit=unit, cutoff=cutoff)


def _map_sentence(cells: object, outside: object, *, unit: str, cutoff: int) -> None:
    """The map's text alternative: who reaches something, the median per inhabitant."""
    pop = cells["population"].to_numpy(float)
    val = cells["value"].to_numpy(float)
    inside = ~np.asarray(outside, bool)
    total = pop[inside].sum()
    reached = pop[inside & (val > 0)].sum() / total if total > 0 else 0.0
    median = access.median_per_person(val[inside], pop[inside])
    # a median of zero reads "at least half reach none", never "at least 0"
    text = t("accmap.alt.map" if round(median) > 0 else "accmap.alt.map_none", cutoff=cutoff, reached=percent(reached),
             median=number(median), unit=unit)
    if not inside.all():
        text += " " + t("accmap.alt.outside", people=number(pop[~inside].sum()))
    st.caption(text)  # escaped: translations with formatted numbers only


def _downloads(ctx: object, cells: object, table: object, meta: dict[str, object], stem: str) -> None:
    d1, d2, d3 = st.columns(3)
    d1.download_button(t("acc.download_cells_geojson"), lambda: access.cells_geojson(ctx, cells, meta=meta),
                       file_name=f"{stem}-carreaux.geojson", mime="application/geo+json", key="acc_dl_geojson")
    d2.download_button(t("acc.download_cells_csv"), lambda: cells.assign(**meta).to_csv(index=False),
                       file_name=f"{stem}-carreaux.csv", mime="text/csv", key="acc_dl_cells_csv")
    d3.download_button(t("acc.download"), lambda: table.to_csv(index=False), file_name=f"{stem}-communes.csv",
                       mime="text/csv", key="acc_dl_communes")


def _communes(table: object, unit: str, key: tuple) -> None:
    body = table[table["insee"] != "ALL"]
    no_data = body[body["mean"].isna()]
    dark = table["mean"].isna().to_numpy()  # outside the data: no figure at all

    def col(name: str, fmt: object) -> list[str]:
        return _or_no_data_col(dark, table[name], fmt)

    def shown() -> object:  # some 250 numbers formatted: once per result and language
        return pd.DataFrame({t("acc.col.commune"): table["name"].to_numpy(),
                             t("acc.col.population"): [number(v) for v in table["population"]],
                             t("acc.col.mean"): col("mean", lambda v: number(v, 1)),
                             "Gini": col("gini", lambda v: number(v, 2)),
                             "Palma": col("palma", lambda v: number(v, 2)),
                             t("acc.col.share_above"): col("share_above", percent)})

    ui.table(state.display(("acc_communes_shown", *key, language()), shown), height=420)
    st.caption(t("acc.equity_help"))
    ranked = body.dropna(subset=["mean"]).sort_values("mean", ascending=False)
    if len(ranked):
        chart = pd.DataFrame({"name": ranked["name"].to_numpy(), "mean": ranked["mean"].to_numpy()})
        _bars(chart, x="mean", y="name", x_title=t("accmap.axis.mean", unit=unit), y_title="", horizontal=True,
              height=24 * len(chart) + 40)
        st.caption(t("accmap.alt.communes", best=ui.plain(ranked["name"].iloc[0]),  # escaped: unit is translated
                     best_value=number(ranked["mean"].iloc[0]), worst=ui.plain(ranked["name"].iloc[-1]), worst_value=number(ranked["mean"].iloc[-1]), unit=unit))
    if len(no_data):
        st.caption(t("accmap.no_data_list", names=ui.plain(", ".join(no_data["name"].astype(str)))))


def _or_no_data_col(dark: object, values: object, fmt: object) -> list[str]:
    """A table column: "no data" where ``dark`` (outside the data), else the value formatted."""
    return [t("accmap.no_data") if d else fmt(v) for d, v in zip(dark, values, strict=True)]


def _or_no_data(value: float, digits: int) -> str:
    return number(value, digits) if np.isfinite(value) else t("accmap.no_data")


def _comparison(opportunity: str, cutoff: int, window: str, unit: str, wheelchair: bool) -> None:
    st.caption(t("acc.compare_help"))
    key = ("acc_cmp", opportunity, cutoff, window, wheelchair)
    modes = access.WHEELCHAIR_MODES if wheelchair else access.ACCESS_MODES

    def label(m: str) -> str:
        return _mode_label(m, wheelchair)

    if st.button(t("acc.compare_go"), key="acc_compare_go"):
        with st.spinner(t("acc.computing")):
            ctx = state.access_context()
            values = {m: state.cell_values(mode=m, opportunity=opportunity, cutoff_min=cutoff, window=window,
                                           wheelchair=wheelchair) for m in modes}
            st.session_state["acc_cmp"] = (key, access.mode_comparison(ctx, opportunity=opportunity,
                                                                      cutoff_min=cutoff, window=window,
                                                                      modes=modes, values=values,
                                                                      wheelchair=wheelchair))
    saved = st.session_state.get("acc_cmp")
    if not saved or saved[0] != key:
        return
    frame = saved[1]
    shown = frame.apply(lambda col: [_or_no_data(v, 1) for v in col]).rename(columns=label)
    ui.table(shown.reset_index(names=t("acc.col.commune")), height=360)
    total = frame.iloc[-1].sort_values(ascending=False)
    chart = pd.DataFrame({"mode": [label(m) for m in total.index], "mean": total.to_numpy()})
    _bars(chart, x="mean", y="mode", x_title=t("accmap.axis.mean", unit=unit), y_title="", horizontal=True,
          height=40 * len(chart) + 40)
    st.caption(t("accmap.alt.modes", values=" · ".join(f"{label(m)} {number(v)} {unit}"  # escaped: modes are
                                                        for m, v in total.items())))  # translated names
    st.download_button(t("acc.download"), frame.to_csv(), file_name="accessibilite-modes.csv", mime="text/csv",
                       key="acc_dl_cmp")


def _isochrones(ctx: object, mode: str, window: str, wheelchair: bool) -> None:
    planner = state.planner_if_ready()
    c1, c2 = st.columns([2, 1])
    with c1:
        picked = places_input.place_box(t("acc.isochrone_from"), "iso_q", placeholder="ex. Gares",
                                        help=t("planner.search_help"))
    ss = st.session_state
    if ss.get("iso_time_for") != window:  # the window's start, shown (an empty box reads "HH:mm")
        ss["iso_time"], ss["iso_time_for"] = dt.time.fromisoformat(window.split("-")[0]), window
    departure = c2.time_input(t("acc.departure"), key="iso_time", step=900)
    dep = departure.strftime("%H:%M") if departure else window.split("-")[0]
    notes = st.container()  # what the box's text gave, in one slot above the map
    place = None
    text = picked.text
    if text and picked.place is None and coordinates_error(text) is not None:
        ui.say("caption", "place.bad_coords", q=text, where=notes)
    elif text and planner is not None:
        try:
            place = places_input.named_point(places_input.resolve(planner, picked))
            places_input.house_number_note(picked, place, where=notes)
        except LookupError as exc:  # no place matches: "did you mean" when there are near misses
            near = " · ".join(p.name for p in (getattr(exc, "suggestions", None) or [])[:3])
            if near:
                ui.say("caption", "place.did_you_mean", q=text, suggestions=near, where=notes)
            else:
                ui.say("caption", "place.no_match", q=text, where=notes)
    bands = (10, 15, 20, 30, 45, 60)
    iso = None
    if place is not None:
        with st.spinner(t("acc.computing")):
            iso = state.isochrone((place.lon, place.lat), mode=mode, departure=dep, bands=bands,
                                  wheelchair=wheelchair)
    # the map is always there (the main roads alone until a place is chosen), so that choosing a place
    # only adds the bands to a map already drawn rather than building a new one in the browser
    c_map, c_side = st.columns([3, 2])
    def build() -> object:  # the bands under the main roads, the origin over everything
        bands_layer = _frozen_polygons("isochrones", access.isochrone_display(
            iso, outside=access.outside_polygon(ctx, mode), outside_label=t("accmap.outside")))
        origin = maps.deck_layer("iso_origin", maps.point_table([(place.lon, place.lat, place.name)]), kind="points")
        return _deck(ctx, [bands_layer, *state.road_layers(), origin])

    with c_map:
        deck = (state.display(("iso_roads",), lambda: _deck(ctx, state.road_layers())) if place is None else
                state.display(("isochrones", round(place.lon, 4), round(place.lat, 4), place.name, mode, dep, bands,
                               wheelchair, language()), build))
        st.pydeck_chart(deck, width="stretch", key="iso_map")
    if place is None:
        c_side.caption(t("acc.isochrone_help"))
        return
    with c_map:
        outside = access.outside_cells(ctx, mode)
        entries = [(access.BAND_COLORS[b], t("accmap.band", n=b)) for b in bands]
        if outside.any():
            entries.append((access.OUTSIDE_COLOR, t("accmap.outside")))
        st.markdown(ui.legend_html_text(entries), unsafe_allow_html=True)
    people = access.band_people(ctx, iso, bands)
    with c_side:
        hist = access.time_histogram(ctx, iso, bands)
        chart = pd.DataFrame({"minutes": [f"{a}–{b}" for a, b in zip(hist["from_min"], hist["to_min"], strict=True)],
                              "people": hist["population"].to_numpy(),
                              "color": [maps.rgb_hex(access.BAND_COLORS[b]) for b in hist["band_min"]]})
        st.markdown(f"**{maps.esc(t('accmap.people_by_time'))}**")
        _bars(chart, x="minutes", y="people", x_title=t("accmap.axis.minutes"), y_title=t("accmap.axis.people"),
              color="color", height=260)
        ui.table(pd.DataFrame({t("accmap.col.band"): [t("accmap.band", n=b) for b in people["band_min"]],
                               t("accmap.col.people"): [number(v) for v in people["population"]],
                               t("accmap.col.share"): [percent(v) for v in people["share"]],
                               t("accmap.col.area"): [f"{number(v, 1)} km²" for v in people["area_km2"]]}))
    last = people.iloc[-1]
    st.caption(t("accmap.alt.iso", name=ui.plain(place.name), people=number(last["population"]), share=percent(last["share"]),
                 n=int(last["band_min"]), area=number(last["area_km2"], 1)))
    ui.say("caption", "acc.isochrone_of", name=place.name, mode=_mode_label(mode, wheelchair), at=dep)
    st.download_button(t("acc.download_isochrone"), lambda: iso.bands.assign(origin=place.name, mode=mode,
                                                                            departure=dep).to_json(drop_id=True),
                       file_name="isochrones.geojson", mime="application/geo+json", key="iso_dl")


def _gap(ctx: object, opportunity: str, window: str) -> None:
    """The wheelchair gap: minutes lost per cell (the page's classes and palette), people affected,
    communes by people affected, and the sentence that says it all."""
    n, cap = int(access.GAP_AFFECTED_MIN), access.GAP_CUTOFF_MIN
    start, _, end = window.partition("-")
    st.caption(t("wheelchair.gap.intro", opportunity=t(f"acc.opp.{opportunity}"),  # escaped: the window's clock
                 start=start, end=end, cap=cap))
    with st.spinner(t("wheelchair.gap.computing")):
        cells, communes = state.wheelchair_gap(opportunity=opportunity, window=window)
    summary = access.gap_summary(cells)
    unit = t("wheelchair.gap.unit")
    m1, m2, m3 = st.columns(3)
    m1.metric(t("wheelchair.gap.metric.affected", n=n), number(summary["affected"]))
    m2.metric(t("wheelchair.gap.metric.share"), percent(summary["share"]))
    m3.metric(t("wheelchair.gap.metric.mean"), f"{number(summary['mean_lost_min'], 1)} {unit}")
    labels = {"nothing": t("wheelchair.gap.none"), "nobody": t("wheelchair.gap.nobody", n=cap),
              "outside": t("accmap.outside")}

    def build() -> tuple[object, object]:
        table, breaks = access.gap_display(ctx, cells, labels=labels, unit=unit, fmt=number)
        return _deck(ctx, [_frozen_polygons("wc_gap_cells", table), *state.road_layers()]), breaks

    deck, breaks = state.display(("wc_gap_cells", opportunity, window, language()), build)
    st.markdown(f"**{maps.esc(t('wheelchair.gap.map_title'))}**")
    st.pydeck_chart(deck, width="stretch", key="wc_gap_map")
    classes = zip(access.class_indices(breaks), access.class_labels(breaks, number=number, unit=unit), strict=False)
    entries = [(access.NOTHING_COLOR, f"{labels['nothing']} · {labels['nobody']}")]
    entries += [(access.RAMP[c], name) for c, name in classes]
    if not np.isfinite(cells["lost_min"].to_numpy(float)).all():
        entries.append((access.OUTSIDE_COLOR, labels["outside"]))
    st.markdown(ui.legend_html_text(entries), unsafe_allow_html=True)
    text = t("wheelchair.gap.alt", affected=number(summary["affected"]), share=percent(summary["share"]), n=n,
             mean=number(summary["mean_lost_min"], 1))
    known = communes.dropna(subset=["lost_min"])
    if len(known):
        top = known.iloc[0]
        text += " " + t("wheelchair.gap.alt_commune", name=ui.plain(top["name"]), affected=number(top["people_affected"]),
                        mean=number(top["lost_min"], 1))
    if summary["nobody"] > 0:
        text += " " + t("wheelchair.gap.alt_nobody", people=number(summary["nobody"]), n=cap)
    st.caption(text)  # escaped: translations, formatted numbers, the commune's name through ui.plain
    st.markdown(f"**{maps.esc(t('wheelchair.gap.communes', n=n))}**")
    dark = communes["lost_min"].isna().to_numpy()

    def col(name: str, fmt: object) -> list[str]:
        return _or_no_data_col(dark, communes[name], fmt)

    # three short columns (the heading above says who counts as affected): a phone shows them all
    affected = [t("accmap.no_data") if d else t("wheelchair.gap.affected_share", n=number(a), share=percent(s))
                for d, a, s in zip(dark, communes["people_affected"], communes["share_affected"], strict=True)]
    ui.table(pd.DataFrame({t("acc.col.commune"): communes["name"].to_numpy(),
                           t("wheelchair.gap.col.affected_share"): affected,
                           t("wheelchair.gap.col.lost_short"): col("lost_min", lambda v: number(v, 1))}),
             height=360, key="wc_gap_table")


def page() -> None:
    st.title(t("acc.title"))
    if not state.accessibility_available():
        st.info(t("acc.unavailable"), icon=":material/construction:")
        return
    st.caption(t("acc.intro"))
    mode, opportunity, cutoff, window, wheelchair = _controls()
    # one slot, filled or not: an element that comes and goes above the maps would shift them in the
    # page's tree, and the browser would build them again from nothing (a new WebGL context)
    proxy_note = st.empty()
    if opportunity in ("employers", "business_zones"):  # say plainly that these only stand in for jobs
        proxy_note.caption(t("acc.proxy_note"))
    waiting_box = st.empty()  # always there: the elements below keep their place in the tree
    if not state.access_overridden() and state.planner_if_ready() is None:
        with waiting_box.container():
            ui.wait_for_planner()
        return
    waiting_box.empty()
    with st.spinner(t("acc.preparing")):
        ctx = state.access_context()
    names = [t("acc.tab.map"), t("acc.by_commune"), t("acc.compare"), t("acc.tab.isochrones")]
    tabs = st.tabs(names + ([t("wheelchair.gap.tab")] if wheelchair else []))
    tab_map, tab_communes, tab_modes, tab_iso = tabs[:4]
    with st.spinner(t("acc.computing")):
        cells = state.cell_values(mode=mode, opportunity=opportunity, cutoff_min=cutoff, window=window,
                                  wheelchair=wheelchair)
    key = (mode, opportunity, cutoff, window, wheelchair)
    table = state.display(("acc_communes", *key),
                          lambda: access.commune_table(ctx, cells, outside=access.outside_cells(ctx, mode)))
    unit = t(f"acc.unit.{opportunity}")
    meta = {"mode": mode, "opportunity": opportunity, "cutoff_min": cutoff, "window": window,
            "profile": "wheelchair" if wheelchair else "everyone"}
    with tab_map:
        total = table.loc[table["insee"] == "ALL", "mean"].iloc[0]
        m1, m2, m3 = st.columns(3)
        m1.metric(t("acc.metric.mean"), f"{number(total)} {unit}")
        all_row = table[table["insee"] == "ALL"].iloc[0]
        m2.metric(t("acc.metric.gini"), number(all_row["gini"], 2))
        m3.metric(t("acc.metric.reached"), percent(float((cells["value"] > 0).mean())))
        _grid_map(ctx, cells, mode=mode, unit=unit, cutoff=cutoff, key=key)
        stem = f"accessibilite-{mode}{'-fauteuil' if wheelchair else ''}-{opportunity}-{cutoff}min"
        _downloads(ctx, cells, table, meta, stem)
    with tab_communes:
        _communes(table, unit, key)
    with tab_modes:
        _comparison(opportunity, cutoff, window, unit, wheelchair)
    with tab_iso:
        _isochrones(ctx, mode, window, wheelchair)
    if wheelchair:
        with tabs[4]:
            _gap(ctx, opportunity, window)
    ui.attribution(("attr.osm", "attr.star", "attr.etalab"))


ui.run_guarded(page, name="accessibility")
