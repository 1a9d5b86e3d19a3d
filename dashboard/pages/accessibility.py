"""Accessibility explorer: mode, opportunity, cutoff and window in; grid map, per-commune equity
table, mode comparison and isochrones out (computation in routing.accessibility, called and turned
into display tables by dashboard.services.accessibility; results cached per process in
dashboard.state)."""

from __future__ import annotations

import streamlit as st

from dashboard import maps, places_input, state, ui
from dashboard.i18n import number, percent, t, table_text
from dashboard.services import accessibility as access
from routing.places import coordinates_error


def _controls() -> tuple[str, str, int, str]:
    with st.container(border=True):
        c1, c2, c3, c4 = st.columns([1.3, 1.3, 1, 1])
        mode = c1.selectbox(t("acc.mode"), access.ACCESS_MODES, key="acc_mode", format_func=ui.mode_label)
        opportunity = c2.selectbox(t("acc.opportunity"), access.OPPORTUNITIES, key="acc_opp",
                                   format_func=lambda k: t(f"acc.opp.{k}"))
        cutoff = c3.select_slider(t("acc.cutoff"), access.CUTOFFS_MIN, value=30, key="acc_cutoff")
        window = c4.selectbox(t("acc.window"), access.WINDOWS, index=1, key="acc_window",
                              help=t("acc.window_help"))
    return mode, opportunity, int(cutoff), window


def _grid_map(ctx: object, cells: object, unit: str) -> None:
    table, breaks = access.cells_display(ctx, cells, unit=unit)
    layers = state.street_layers()
    layers.append(maps.polygon_layer("acc_cells", table))
    st.pydeck_chart(maps.make_deck(layers, view=(maps.RENNES_CENTER[0], maps.RENNES_CENTER[1], 10.6),
                                   height_px=560), width="stretch", key="acc_map")
    limits = [0.0, *breaks.tolist()]
    entries = [(tuple(access.RAMP[min(len(access.RAMP) - 1, round(i * (len(access.RAMP) - 1)
                                                                  / max(1, len(breaks))))]),
                (f"≥ {lim:,.0f}" if i else "> 0").replace(",", " ")) for i, lim in enumerate(limits)]
    st.markdown(ui.legend_html_text(entries), unsafe_allow_html=True)
    st.caption(t("acc.map_caption", n=len(table)))


def _downloads(ctx: object, cells: object, table: object, meta: dict[str, object], stem: str) -> None:
    d1, d2, d3 = st.columns(3)
    d1.download_button(t("acc.download_cells_geojson"), lambda: access.cells_geojson(ctx, cells, meta=meta),
                       file_name=f"{stem}-carreaux.geojson", mime="application/geo+json", key="acc_dl_geojson")
    d2.download_button(t("acc.download_cells_csv"), lambda: cells.assign(**meta).to_csv(index=False),
                       file_name=f"{stem}-carreaux.csv", mime="text/csv", key="acc_dl_cells_csv")
    d3.download_button(t("acc.download"), lambda: table.to_csv(index=False), file_name=f"{stem}-communes.csv",
                       mime="text/csv", key="acc_dl_communes")


def _communes(table: object) -> None:
    shown = table.rename(columns={"name": t("acc.col.commune"), "population": t("acc.col.population"),
                                  "mean": t("acc.col.mean"), "gini": "Gini", "palma": "Palma",
                                  "share_above": t("acc.col.share_above")})
    ui.table(shown.round({t("acc.col.mean"): 1, "Gini": 3, "Palma": 2, t("acc.col.share_above"): 3,
                          t("acc.col.population"): 0}), height=420)
    st.caption(t("acc.equity_help"))
    body = table[table["insee"] != "ALL"].head(20)
    st.bar_chart(body.set_index("name")["mean"], horizontal=True, height=460, x_label=t("acc.col.mean"),
                 y_label="")


def _comparison(opportunity: str, cutoff: int, window: str) -> None:
    st.caption(t("acc.compare_help"))
    key = ("acc_cmp", opportunity, cutoff, window)
    if st.button(t("acc.compare_go"), key="acc_compare_go"):
        with st.spinner(t("acc.computing")):
            ctx = state.access_context()
            values = {m: state.cell_values(mode=m, opportunity=opportunity, cutoff_min=cutoff, window=window)
                      for m in access.ACCESS_MODES}
            st.session_state["acc_cmp"] = (key, access.mode_comparison(ctx, opportunity=opportunity,
                                                                      cutoff_min=cutoff, window=window,
                                                                      values=values))
    saved = st.session_state.get("acc_cmp")
    if not saved or saved[0] != key:
        return
    frame = saved[1].rename(columns=ui.mode_label)
    ui.table(frame.reset_index(names=t("acc.col.commune")).round(1), height=360)
    st.bar_chart(frame.tail(1).T.rename(columns=lambda _: t("acc.col.mean")), horizontal=True, height=220,
                 y_label="")
    st.download_button(t("acc.download"), frame.to_csv(), file_name="accessibilite-modes.csv", mime="text/csv",
                       key="acc_dl_cmp")


def _isochrones(ctx: object, mode: str, window: str) -> None:
    planner = state.planner_if_ready()
    c1, c2 = st.columns([2, 1])
    with c1:
        picked = places_input.place_box(t("acc.isochrone_from"), "iso_q", placeholder="ex. Gares",
                                        help=t("planner.search_help"))
    departure = c2.time_input(t("acc.departure"), value=None, key="iso_time", step=900)
    dep = departure.strftime("%H:%M") if departure else window.split("-")[0]
    place = None
    text = picked.text
    if text and picked.place is None and coordinates_error(text) is not None:
        ui.say("caption", "place.bad_coords", q=text)
    elif text and planner is not None:
        try:
            place = places_input.named_point(places_input.resolve(planner, picked))
            places_input.house_number_note(picked, place)
        except LookupError as exc:  # no place matches: "did you mean" when there are near misses
            near = " · ".join(p.name for p in (getattr(exc, "suggestions", None) or [])[:3])
            if near:
                ui.say("caption", "place.did_you_mean", q=text, suggestions=near)
            else:
                ui.say("caption", "place.no_match", q=text)
    if place is None:
        st.caption(t("acc.isochrone_help"))
        return
    bands = tuple(b for b in (10, 20, 30, 45, 60))
    with st.spinner(t("acc.computing")):
        iso = state.isochrone((place.lon, place.lat), mode=mode, departure=dep, bands=bands)
    layers = state.street_layers()
    layers.append(maps.polygon_layer("isochrones", access.isochrone_display(iso)))
    layers.append(maps.deck_layer("iso_origin", maps.point_table([(place.lon, place.lat, place.name)]),
                                  kind="points"))
    st.pydeck_chart(maps.make_deck(layers, view=(place.lon, place.lat, 10.6), height_px=520), width="stretch",
                    key="iso_map")
    st.markdown(ui.legend_html_text([(tuple(access.BAND_COLORS[b]), f"≤ {b} min") for b in bands]),
                unsafe_allow_html=True)
    summary = iso.drop(columns="geometry").rename(columns={"band_min": t("acc.col.band"),
                                                           "cells": t("acc.col.cells"),
                                                           "area_km2": t("acc.col.area_km2")})
    ui.table(table_text(summary, {t("acc.col.area_km2"): 1}))
    ui.say("caption", "acc.isochrone_of", name=place.name, mode=ui.mode_label(mode), at=dep)
    st.download_button(t("acc.download_isochrone"), lambda: iso.assign(origin=place.name, mode=mode,
                                                                      departure=dep).to_json(drop_id=True),
                       file_name="isochrones.geojson", mime="application/geo+json", key="iso_dl")


def page() -> None:
    st.title(t("acc.title"))
    if not state.accessibility_available():
        st.info(t("acc.unavailable"), icon=":material/construction:")
        return
    st.caption(t("acc.intro"))
    mode, opportunity, cutoff, window = _controls()
    if opportunity in ("employers", "business_zones"):  # say plainly that these only stand in for jobs
        st.caption(t("acc.proxy_note"))
    waiting_box = st.empty()  # always there: the elements below keep their place in the tree
    if not state.access_overridden() and state.planner_if_ready() is None:
        with waiting_box.container():
            ui.wait_for_planner()
        return
    waiting_box.empty()
    with st.spinner(t("acc.preparing")):
        ctx = state.access_context()
    tab_map, tab_communes, tab_modes, tab_iso = st.tabs(
        [t("acc.tab.map"), t("acc.by_commune"), t("acc.compare"), t("acc.tab.isochrones")])
    with st.spinner(t("acc.computing")):
        cells = state.cell_values(mode=mode, opportunity=opportunity, cutoff_min=cutoff, window=window)
    table = access.commune_table(ctx, cells)
    unit = t(f"acc.unit.{opportunity}")
    meta = {"mode": mode, "opportunity": opportunity, "cutoff_min": cutoff, "window": window}
    with tab_map:
        total = table.loc[table["insee"] == "ALL", "mean"].iloc[0]
        m1, m2, m3 = st.columns(3)
        m1.metric(t("acc.metric.mean"), f"{number(total)} {unit}")
        all_row = table[table["insee"] == "ALL"].iloc[0]
        m2.metric(t("acc.metric.gini"), number(all_row["gini"], 2))
        m3.metric(t("acc.metric.reached"), percent((cells["value"] > 0).mean()))
        _grid_map(ctx, cells, unit)
        _downloads(ctx, cells, table, meta, f"accessibilite-{mode}-{opportunity}-{cutoff}min")
    with tab_communes:
        _communes(table)
    with tab_modes:
        _comparison(opportunity, cutoff, window)
    with tab_iso:
        _isochrones(ctx, mode, window)
    ui.attribution(("attr.osm", "attr.star", "attr.etalab"))


ui.run_guarded(page, name="accessibility")
