"""Traces et flux: upload or simulate GPS traces, anonymise flows, compare the risk, download.

Thin: each action is one call into :mod:`sources.traces` (load / simulate / analyse);
only the anonymised aggregates reach the map and the downloads. Uploads are parsed as
CSV or GPX text (size limited), never unpickled or executed.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import numpy as np
import pandas as pd
import pydeck as pdk
import streamlit as st

from dashboard import maps, server, state, ui
from dashboard.i18n import error_text, findings_table, language, number, plural, t, table_text

log = logging.getLogger("dashboard.traces")
MAX_UPLOAD_MB = server.max_upload_mb()  # sources.budgets: the same limit as the server's and the README's
TILES = ("communes", "grid1000", "iris", "grid200")
TEMPORAL = ("period", "hour", "none")
#: the flow arcs' two ends: blue where the trips start, orange where they end
FLOW_ORIGIN = [0, 120, 200]
FLOW_DESTINATION = [230, 80, 40]


def _source() -> None:
    ss = st.session_state
    kind = st.radio(t("traces.source"), ["simulate", "upload"], key="traces_source", horizontal=True,
                    format_func=lambda k: t(f"traces.source.{k}"))
    if kind == "upload":
        file = ui.file_uploader(t("traces.upload"), ["csv", "gpx"], key="traces_file",
                                limit=t("traces.upload_help", mb=MAX_UPLOAD_MB))
        c = st.columns(5)
        mapping = {"user": c[0].text_input(t("traces.col.user"), "user_id", key="traces_c_user"),
                   "lat": c[1].text_input(t("traces.col.lat"), "lat", key="traces_c_lat"),
                   "lon": c[2].text_input(t("traces.col.lon"), "lon", key="traces_c_lon"),
                   "time": c[3].text_input(t("traces.col.time"), "time", key="traces_c_time")}
        mode = c[4].text_input(t("traces.col.mode"), "", key="traces_c_mode").strip()
        if st.button(t("traces.load"), key="traces_load", disabled=file is None) and file is not None:
            _load(file, mapping, mode or None)
    else:
        c1, c2, c3 = st.columns([2, 1, 2])
        n = c1.slider(t("traces.n_users"), 20, 1000, 400, 20, key="traces_n")
        seed = int(c2.number_input(t("traces.seed"), 0, 10_000, 1, key="traces_seed"))
        use_planner = c3.checkbox(t("traces.use_planner"), value=False, key="traces_use_planner",
                                  disabled=not state.planner_available())
        if st.button(t("traces.simulate"), key="traces_simulate", type="primary"):
            _simulate(n, seed, use_planner)
    tdf = ss.get("traces_tdf")
    if tdf is not None:
        label = "traces.simulated_label" if bool(tdf["simulated"].any()) else "traces.loaded_label"
        st.caption(t(label, n=number(len(tdf)), u=number(tdf["uid"].nunique())))
        report = ss.get("traces_report")
        if report is not None and report.n_quarantined:
            from sources import reason_name

            reasons = ", ".join(t("finding.reason_count", reason=reason_name(k, language()), n=number(v))
                                for k, v in report.reason_counts().items())
            ui.say("warning", "traces.quarantined", rows=plural("unit.rows_set_aside", report.n_quarantined),
                   reasons=reasons)
            frame = report.quarantine_frame().head(50)
            ui.table(findings_table(frame, ("row", "field", "code", "message", "value")))


def _load(file: Any, mapping: dict[str, str], mode: str | None) -> None:
    from sources import UnusableInputError
    from sources.traces.load import load_traces

    data = file.getvalue()
    name = str(file.name)
    options: dict[str, Any] = {"max_bytes": MAX_UPLOAD_MB * 1024 * 1024}
    if not name.lower().endswith(".gpx"):
        options.update(mapping, mode=mode)
        bar = st.progress(0.0, text=t("traces.parsing"))
        options["progress"] = lambda frac, stage: bar.progress(frac, text=t("traces.parsing"))
    try:
        loaded = load_traces(data, name=name, **options)
    except UnusableInputError as exc:
        ui.say("error", "traces.error_file", error=error_text(exc))  # shown as plain text
        return
    st.session_state.update(traces_tdf=loaded.data, traces_report=loaded.report,
                            traces_result=None)


def _simulate(n: int, seed: int, use_planner: bool) -> None:
    from routing.planner import simulate

    with st.spinner(t("traces.computing")):
        if use_planner:
            tdf, stats = simulate.simulate_population(state.get_planner(), n, seed=seed,
                                                      bundle_dir=state.bundle_path())
            log.info("simulated population: %s", stats)
        else:
            tdf = simulate.simulate_straight_commutes(n, seed=seed, bundle_dir=state.bundle_path())
    st.session_state.update(traces_tdf=tdf, traces_report=None, traces_result=None)


def _parameters() -> dict[str, Any]:
    st.subheader(t("traces.params"))
    c1, c2, c3, c4 = st.columns([2, 2, 2, 1])
    k = c1.slider(t("traces.k"), 2, 20, 5, key="traces_k")
    tiles = c2.selectbox(t("traces.tiles"), TILES, key="traces_tiles",
                         format_func=lambda v: t(f"traces.tiles.{v}"))
    temporal = c3.selectbox(t("traces.temporal"), TEMPORAL, key="traces_temporal",
                            format_func=lambda v: t(f"traces.temporal.{v}"))
    by_mode = c4.checkbox(t("traces.by_mode"), value=True, key="traces_by_mode")
    return {"k": k, "coarse_tiles": tiles, "temporal": None if temporal == "none" else temporal,
            "by_mode": by_mode}


def _results(result: Any, key: tuple) -> None:
    s = result.steps
    m = st.columns(4)
    m[0].metric(t("traces.m.points"), number(s["input"]))
    m[1].metric(t("traces.m.stays"), number(s["stays"]))
    m[2].metric(t("traces.m.trips"), number(s["trips"]))
    m[3].metric(t("traces.m.published"), number(s["flows_published"]))
    # what is shown is built once per analysis and language: shown again (a rerun, the same
    # analysis asked again), the map's JSON is the same and the browser keeps it as drawn
    shown = state.display(("traces", *key, language()), lambda: _shown(result))
    st.subheader(t("traces.risk"))
    st.caption(t("traces.risk_help"))
    ui.table(shown["risk"])
    with st.expander(t("traces.removed")):
        ui.table(shown["removed"])
    st.subheader(t("traces.map"))
    if shown["arcs"] is None:
        st.info(t("traces.nothing_published"))
        return
    st.pydeck_chart(maps.make_deck(state.street_layers() + shown["arcs"], view=shown["view"], height_px=520),
                    width="stretch", key="traces_map")
    st.markdown(ui.legend_html_text([(FLOW_ORIGIN, t("traces.legend.origin")),
                                     (FLOW_DESTINATION, t("traces.legend.destination"))]),
                unsafe_allow_html=True)  # escaped there
    st.caption(t("traces.legend.width", top=number(shown["top"])))
    ui.table(shown["flows"])
    c1, c2 = st.columns(2)
    c1.download_button(t("traces.download_csv"), shown["csv"],
                       file_name="flux-anonymises.csv", mime="text/csv", key="traces_dl_csv")
    c2.download_button(t("traces.download_geojson"), shown["geojson"],
                       file_name="flux-anonymises.geojson", mime="application/geo+json",
                       key="traces_dl_geojson")


def _shown(result: Any) -> dict[str, Any]:
    """The tables, map layer and downloads of an analysis in the reader's words (only the
    anonymised flows reach the map and the downloads)."""
    from sources.traces import pipeline, privacy

    anon = result.anonymised
    out: dict[str, Any] = {"risk": risk_display(result.risk_table()), "removed": removed_display(anon.removed),
                           "arcs": None}
    if anon.flows.empty:
        return out
    names = _zone_names()
    geojson = privacy.flows_to_geojson(anon)
    arcs = pipeline.arcs_table(anon)
    arcs["name"], arcs["info"] = arc_words(geojson["features"], names)  # arcs_table's rows, in that order
    layer = pdk.Layer("ArcLayer", id="traces_arcs", data=arcs, get_source_position="source",
                      get_target_position="target", get_width="width",
                      get_source_color=[*FLOW_ORIGIN, 200], get_target_color=[*FLOW_DESTINATION, 200],
                      pickable=True, auto_highlight=True)
    # the arcs (a few kilobytes) within the map's JSON: a layer whose file is fetched after the map
    # is drawn makes the browser draw it twice
    out.update(arcs=[layer], top=int(arcs["flow"].max()), view=trips_view(result.trips),
               flows=flows_display(anon.flows, names), csv=privacy.flows_to_csv_bytes(anon),
               geojson=json.dumps(geojson, ensure_ascii=False, default=str))
    return out


def trips_view(trips: pd.DataFrame) -> tuple[float, float, float]:
    """The flow map's view: where the trips start and end, the same whatever the anonymisation's
    parameters (a map whose view moves is drawn once more), zoomed out enough for the arcs to
    reach the centres of the zones around."""
    lon = np.concatenate([trips["o_lng"].to_numpy(float), trips["d_lng"].to_numpy(float)])
    lat = np.concatenate([trips["o_lat"].to_numpy(float), trips["d_lat"].to_numpy(float)])
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        return maps.fit_view([])
    return maps.fit_view([(lon[ok].min(), lat[ok].min()), (lon[ok].max(), lat[ok].max())], min_zoom=9.5)


def arc_words(features: list[dict[str, Any]], zone_names: dict[str, str]) -> tuple[list[str], list[str]]:
    """Each published flow's tooltip (escaped): its zones by name, then its period, hour or mode
    by their words and its trips and people counted."""
    names, infos = [], []
    for f in features:
        p = f["properties"]
        names.append(maps.esc(" → ".join(zone_names.get(str(p[c]), str(p[c])) for c in ("origin", "destination"))))
        keys = [t("traces.arc.field", what=t(f"traces.flow.{c}"), value=_code_name(c, p[c]))
                for c in ("period", "hour", "mode") if c in p]
        counts = [plural("unit.trips", p["flow"]), plural("traces.arc.people", p["n_users"])]
        infos.append(maps.esc(" · ".join(keys + counts)))  # the tooltip escapes its values: no markup
    return names, infos


#: the risk table's measures: column -> (catalogue key, decimals)
RISK_COLUMNS = {"attack": ("traces.col.attack", 0), "stage": ("traces.col.stage", 0),
                "users": ("traces.col.users", 0), "mean_risk": ("traces.col.mean_risk", 1),
                "share_unique": ("traces.col.share_unique", 0), "share_over_half": ("traces.col.share_over_half", 0)}
#: the counts of "what was removed", in the order shown
REMOVED_ROWS = ("k", "tiles", "temporal", "trips", "trips_outside_tiles", "flows_before", "flows_suppressed",
                "flows_published", "trips_suppressed", "trips_published", "users", "users_fully_suppressed")


def risk_display(risk: pd.DataFrame) -> pd.DataFrame:
    """The risk table in the reader's words: attacks and stages by name, risks and shares as percentages."""
    out = risk.copy()
    out["attack"] = [t(f"traces.attack.{a}") for a in out["attack"]]
    out["stage"] = [t(f"scen.{s}") for s in out["stage"]]
    out = out[[c for c in RISK_COLUMNS if c in out]]
    shares = [c for c in ("mean_risk", "share_unique", "share_over_half") if c in out]  # probabilities
    out[shares] = out[shares] * 100.0
    renamed = out.rename(columns={c: t(RISK_COLUMNS[c][0]) for c in out.columns})
    return table_text(renamed, {t(RISK_COLUMNS[c][0]): d for c, (_, d) in RISK_COLUMNS.items()},
                      percent_columns=tuple(t(RISK_COLUMNS[c][0]) for c in shares))


def removed_display(removed: dict[str, Any]) -> pd.DataFrame:
    """What anonymisation removed, one named count per row (the zones and time by their names)."""
    rows = []
    for key in REMOVED_ROWS:
        if key not in removed:
            continue
        value = removed[key]
        if key == "temporal":
            value = t(f"traces.temporal.{value or 'none'}")
        elif key == "tiles":
            value = t(f"traces.tiles.{value}") if str(value) in TILES else str(value)
        else:
            value = number(value)
        rows.append({t("traces.removed.what"): t(f"traces.removed.{key}"), t("traces.removed.value"): value})
    for key, n in (removed.get("suppressed_by_key") or {}).items():
        field, _, code = str(key).partition("=")
        rows.append({t("traces.removed.what"): t("traces.removed.suppressed_of", what=_code_name(field, code)),
                     t("traces.removed.value"): number(n)})
    return pd.DataFrame(rows)


def _code_name(field: str, code: Any) -> str:
    """A period, a mode or an hour of the flows by its name."""
    if field == "period":
        return t(f"traces.period.{code}")
    if field == "mode":
        return t(f"mode.{code}")
    if field == "hour":
        return t("traces.hour", h=code)
    return str(code)


def flows_display(flows: pd.DataFrame, zone_names: dict[str, str]) -> pd.DataFrame:
    """The published flows with communes and IRIS by their names, periods and modes by their words."""
    out = flows.copy()
    for col in ("origin", "destination"):
        if col in out:
            out[col] = [zone_names.get(str(v), str(v)) for v in out[col]]
    for col in ("period", "mode", "hour"):
        if col in out:
            out[col] = [_code_name(col, v) for v in out[col]]
    cols = [c for c in ("origin", "destination", "period", "hour", "mode", "flow", "n_users") if c in out]
    return table_text(out[cols].rename(columns={c: t(f"traces.flow.{c}") for c in cols}))


def _zone_names() -> dict[str, str]:
    """Commune INSEE codes and IRIS codes -> their names (the published zones by name)."""
    names: dict[str, str] = {}
    for ds_id, code in (("iris", "iris_code"), ("communes", "insee")):
        loaded = state.load_dataset(ds_id)
        if loaded is not None and code in loaded.data and "name" in loaded.data:
            names.update(zip(loaded.data[code].astype(str), loaded.data["name"].astype(str), strict=False))
    return names


def page() -> None:
    st.title(t("traces.title"))
    st.markdown(t("traces.intro"))
    with st.container(border=True):
        _source()
    params = _parameters()
    tdf = st.session_state.get("traces_tdf")
    ss = st.session_state
    if st.button(t("traces.analyse"), key="traces_analyse", type="primary", disabled=tdf is None):
        with st.spinner(t("traces.computing")):
            ss["traces_result"], ss["traces_key"] = state.traces_analysis(tdf, params)
    result = ss.get("traces_result")
    if result is None:
        if tdf is None:
            st.info(t("traces.no_data"))
        return
    _results(result, ss.get("traces_key") or ("unkeyed", id(result)))
    ui.attribution(("attr.osm", "attr.etalab"))


ui.run_guarded(page, name="traces")
