"""Scenarios: choose or upload a scenario, see the new line, the accessibility gained and lost per cell
and per commune, and the trip planner's answer with and without (computation in routing.scenarios,
display tables in dashboard.services.scenarios, caching in dashboard.state)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import maps, places_input, state, ui
from dashboard.i18n import date, error_text, language, message, number, percent, t
from dashboard.services import accessibility as access
from dashboard.services import scenarios as sv


def _apply_preset() -> None:
    ss = st.session_state
    ss["scen_base"], ss["scen_new"] = sv.PRESET["base"], sv.PRESET["new"]
    places_input.set_place("scen_from", sv.PRESET["origin"])
    places_input.set_place("scen_to", sv.PRESET["destination"])
    ss["scen_run"] = True


def _options() -> dict[str, str]:
    opts = {"none": t("scen.none"), **sv.choices(language())}
    for key, name in st.session_state.get("scen_uploads", {}).items():
        opts[key] = f"{name} ({t('scen.uploaded')})"
    return opts


def _upload() -> None:
    from routing.scenarios import MAX_SCENARIO_BYTES, ScenarioError

    file = ui.file_uploader(t("scen.upload"), ["toml"], key="scen_file",
                            limit=t("scen.upload_help", kb=number(MAX_SCENARIO_BYTES // 1024)),
                            max_upload_size=1)  # MB, the smallest the browser can refuse; the budget is checked here
    if file is None:
        return
    try:
        sc = sv.read_upload(file.getvalue(), file.name)
    except ScenarioError as exc:
        ui.say("error", "scen.invalid", error=error_text(exc), icon=":material/error:")  # shown as plain text
        return
    key = state.remember_scenario(sc)
    st.session_state.setdefault("scen_uploads", {})[key] = sc.name
    st.session_state["scen_new"] = key


def _describe(key: str) -> object | None:
    from routing.scenarios import ScenarioError, load_scenario

    if key == "none":
        return None
    try:
        sc = state.scenario_of(key)
        return sc if not isinstance(sc, str) else load_scenario(sc)
    except (ScenarioError, KeyError):
        return None


def _signed(value: float, digits: int) -> str:
    """A change for st.metric's delta: "+62", "−0,006" (its arrow reads the sign)."""
    return ("+" if value > 0 else "-" if value < 0 else "") + number(abs(value), digits)


def _source_line(src: dict) -> str:
    """A source of the scenario file in the page's language: title, date in words, address."""
    lang = language()
    title = (src.get("title_en") if lang == "en" else None) or src.get("title", "")
    when = date(src["date"], "long") if hasattr(src.get("date"), "year") else ""
    return " · ".join(p for p in (f"• {title}", when, str(src.get("url") or "")) if p.strip())


def _line_map(sc: object, planner: object) -> None:
    layers = state.street_layers()
    lines = sv.line_table(sc, planner.network)
    layers.append(maps.deck_layer("scen_lines", lines, kind="paths", min_width_px=4))
    layers.append(maps.deck_layer("scen_stations", sv.station_table(sc), kind="points"))
    pts = [tuple(p) for path in lines["path"] for p in path]
    st.pydeck_chart(maps.make_deck(layers, view=maps.fit_view(pts), height_px=420), width="stretch", key="scen_map")


def _comparison(base: str, new: str, sc: object | None) -> bool:
    """The comparison's settings, then (once asked) its figures, map and charts; whether shown."""
    c1, c2, c3 = st.columns(3)
    opportunity = c1.selectbox(t("acc.opportunity"), sv.OPPORTUNITIES, key="scen_opp",
                               format_func=lambda k: t(f"acc.opp.{k}"))
    window = c2.selectbox(t("acc.window"), sv.WINDOWS, index=1, key="scen_window")
    cutoff = c3.select_slider(t("acc.cutoff"), sv.CUTOFFS_MIN, value=30, key="scen_cutoff")
    if opportunity in ("employers", "business_zones"):
        st.caption(t("acc.proxy_note"))
    if not (st.button(t("scenmap.compare_go"), key="scen_compare", type="primary") or st.session_state.get("scen_run")):
        return False
    st.session_state["scen_run"] = True
    with st.spinner(t("scen.computing")):
        cmp = state.scenario_comparison(base, new, opportunity=opportunity, window=window, cutoff_min=int(cutoff))
    unit = t(f"acc.unit.{opportunity}")
    eq = cmp.equity
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(f"{t('acc.metric.mean')} ({unit})", number(eq["mean_after"]),  # the unit in the label: never cut
              _signed(eq["mean_after"] - eq["mean_before"], 0))
    m2.metric(t("acc.metric.gini"), number(eq["gini_after"], 3), _signed(eq["gini_after"] - eq["gini_before"], 3),
              delta_color="inverse")
    m3.metric(t("scen.better_off"), number(eq["people_better_off"]))
    m4.metric(t("scen.gain_threshold", n=number(cmp.threshold)), number(eq["people_gaining_threshold"]))
    _gain_map(cmp, (base, new, opportunity, window, int(cutoff)), sc, unit)
    _histograms(cmp, unit, int(cutoff))
    communes = cmp.communes
    shown = pd.DataFrame({t("acc.col.commune"): communes["name"].to_numpy(),
                          t("acc.col.population"): [number(v) for v in communes["population"]],
                          t("scen.before"): [number(v, 1) for v in communes["before"]],
                          t("scen.after"): [number(v, 1) for v in communes["after"]],
                          t("scen.change"): [number(v, 1) for v in communes["change"]],
                          t("scen.change_pct"): [number(v, 1) for v in communes["change_pct"]]})
    ui.table(shown, height=360, key="scen_table")
    top = communes[communes["change"].abs() > 0].sort_values("change", ascending=False).head(15)
    if len(top):
        import altair as alt

        frame = pd.DataFrame({"name": top["name"].to_numpy(), "change": top["change"].to_numpy(),
                              "color": [maps.rgb_hex(sv.GAIN_COLOR if v > 0 else sv.LOSS_COLOR) for v in top["change"]]})
        chart = alt.Chart(frame).mark_bar().encode(
            alt.Y("name:N", sort=list(frame["name"]), title=""),
            alt.X("change:Q", title=f"{t('scen.change')} ({unit})", axis=access.number_axis(language())),
            alt.Color("color:N", scale=None, legend=None)).properties(height=22 * len(frame) + 40)
        st.altair_chart(chart, width="stretch")
    return True


def _gain_map(cmp: object, key: tuple, sc: object | None, unit: str) -> None:
    """Gains and losses per cell on a diverging palette, the added lines drawn over them.

    What the map draws is built once per comparison (``key``: base, new, opportunity, window,
    cutoff) and language: shown again, the map's JSON is the same and the browser keeps it as
    drawn (its cells, each written with its numbers, took up to a second per rerun)."""
    new = key[1]

    def build() -> tuple[list, tuple, list, int, tuple[float, float]]:
        breaks = sv.change_breaks(cmp.cells["difference"].to_numpy(float))
        communes = cmp.communes
        names = dict(zip(communes["insee"].astype(str), communes["name"], strict=True)) \
            if {"insee", "name"} <= set(communes.columns) else {}
        table = sv.difference_display(cmp.cells, unit=unit, breaks=breaks, number=number, commune_names=names)
        # the cells within the map's JSON, not as a file: they change with the comparison, and a
        # layer whose file is fetched after the map is drawn makes the browser draw it twice
        layers = [maps.polygon_layer("scen_diff", table)]
        entries = []
        if sc is not None and getattr(sc, "added_lines", None):
            lines = sv.line_table(sc, state.scenario_planner(new).network)
            layers.append(maps.deck_layer("scen_diff_lines", lines, kind="paths", min_width_px=4))
            layers.append(maps.deck_layer("scen_diff_stations", sv.station_table(sc), kind="points"))
            entries += [(c, t("scenmap.new_line", name=n)) for c, n in zip(lines["color"], lines["name"], strict=True)]
        return layers, sv.gain_view(sc), entries, len(table), breaks

    drawn, view, entries, n_cells, breaks = state.display(("scen_diff", *key, language()), build)
    labels = sv.change_labels(breaks, number=number, unit=unit,
                              span=lambda lo, hi: t("scenmap.range", lo=lo, hi=hi, unit=unit))
    entries = entries + [(sv.DIVERGING[c], labels[c]) for c in (-3, -2, -1, 1, 2, 3)]
    st.pydeck_chart(maps.make_deck(state.street_layers() + drawn, view=view, height_px=520), width="stretch",
                    key="scen_diff_map")
    st.markdown(ui.legend_html_text(entries), unsafe_allow_html=True)
    d = cmp.cells["difference"].to_numpy(float)
    d = d[np.isfinite(d)]
    st.caption(t("scenmap.alt.map", gain=number(int((d > 0).sum())), loss=number(int((d < 0).sum())),  # escaped: unit
                 most=number(float(d.max(initial=0.0))), unit=unit) + " "
               + t("scen.map_caption", n=number(n_cells), label=t(f"acc.opp.{cmp.opportunity}")))


def _histograms(cmp: object, unit: str, cutoff: int) -> None:
    """Inhabitants per level of accessibility, before and after, side by side."""
    import altair as alt

    hist = sv.value_histogram(cmp.cells)
    before, after = t("scen.before"), t("scen.after")
    names = [t("accmap.nothing", n=cutoff), *access.class_labels(hist["lo"].to_numpy()[2:], number=number,
                                                                 unit=unit)]
    rows = []
    for label, (_, r) in zip(names, hist.iterrows(), strict=False):
        rows += [{"bin": label, "when": before, "people": r["before"]}, {"bin": label, "when": after, "people": r["after"]}]
    frame = pd.DataFrame(rows)
    order = list(dict.fromkeys(frame["bin"]))
    st.markdown(f"**{maps.esc(t('scenmap.histogram'))}**")
    chart = alt.Chart(frame).mark_bar().encode(
        alt.X("bin:N", sort=order, title=t("scenmap.axis.value", unit=unit, n=cutoff),
              axis=alt.Axis(labelAngle=-30, labelLimit=160)),
        alt.XOffset("when:N", sort=[before, after]),
        alt.Y("people:Q", title=t("accmap.axis.people"), axis=access.number_axis(language())),
        alt.Color("when:N", sort=[before, after], title="",
                  scale=alt.Scale(domain=[before, after], range=[maps.rgb_hex(sv.BEFORE_COLOR),
                                                                  maps.rgb_hex(sv.AFTER_COLOR)]),
                  legend=alt.Legend(orient="top"))).properties(height=280)
    st.altair_chart(chart, width="stretch")
    pop = cmp.cells["population"].to_numpy(float)
    before_m = access.median_per_person(cmp.cells["before"].to_numpy(float), pop)
    after_m = access.median_per_person(cmp.cells["after"].to_numpy(float), pop)
    # a median of zero reads "none for at least half", never "at least 0"
    key = {(True, True): "scenmap.alt.hist", (False, True): "scenmap.alt.hist_none_before",
           (True, False): "scenmap.alt.hist_none_after", (False, False): "scenmap.alt.hist_none"}
    st.caption(t(key[(round(before_m) > 0, round(after_m) > 0)],  # escaped: unit is a translation
                 before=number(before_m), after=number(after_m), unit=unit, n=cutoff))


def _trip(base: str, new: str) -> None:
    st.subheader(t("scen.trip"))
    c1, c2, c3 = st.columns([2, 2, 1])
    with c1:
        origin = places_input.place_box(t("planner.from"), "scen_from", sv.PRESET["origin"])
    with c2:
        destination = places_input.place_box(t("planner.to"), "scen_to", sv.PRESET["destination"])
    when = c3.time_input(t("scen.time"), value=sv.PRESET["time"], key="scen_time")
    if not origin.text or not destination.text:
        return
    try:
        res = state.scenario_trips(base, new, origin.place or origin.text, destination.place or destination.text,
                                   when)
    except Exception as exc:  # noqa: BLE001 - a place not found is shown, never a crash
        ui.say("warning", "scen.trip_error", error=message(getattr(exc, "msg", exc), language()))
        return
    cols = st.columns(2)
    for col, key in zip(cols, ("before", "after"), strict=True):
        with col:
            st.markdown(f"**{maps.esc(t('scen.' + key))}**")
            result = res[key]
            if not result.ok:
                st.text(t("scen.no_route", reason=message(result.reason, language())))
                continue
            it = result.itineraries[0]
            st.markdown(ui.itinerary_card_html(it, selected=False, lang=language()), unsafe_allow_html=True)


def _ranked_stops() -> None:
    """Which stops to make wheelchair-accessible first: on demand (about a minute), then kept."""
    st.subheader(t("wheelchair.rank.title"))
    unit = t(f"acc.unit.{sv.RANK_OPPORTUNITY}")
    st.caption(t("wheelchair.rank.method", unit=unit, cutoff=sv.RANK_CUTOFF_MIN))  # escaped: unit is a translation
    ss = st.session_state
    if not ss.get("wc_rank_shown"):
        st.caption(t("wheelchair.rank.duration"))
    if st.button(t("wheelchair.rank.go"), key="wc_rank_go", icon=":material/accessible:"):
        with st.status(t("wheelchair.rank.running"), expanded=False) as status:
            ranking = state.stop_ranking()
            status.update(label=t("wheelchair.rank.done", seconds=number(ranking.stats.get("total_s", 0.0)),
                                  n=number(ranking.evaluations)), state="complete")
        ss["wc_rank_shown"] = True
    if not ss.get("wc_rank_shown"):
        return
    ranking = state.stop_ranking()  # kept by state: at once after the first time
    table = ranking.table
    unit = t(f"acc.unit.{ranking.opportunity}")
    if not len(table):
        st.info(t("wheelchair.rank.empty"))
        return
    c_map, c_table = st.columns([2, 3])
    with c_map:
        points = sv.ranked_stops_points(
            ranking, state.access_context().engine.network,
            name=lambda r: t("wheelchair.rank.point_name", rank=int(r["rank"]), name=r["name"]),
            info=lambda r: t("wheelchair.rank.point_info", gain=number(r["gain"]), unit=unit))
        layers = state.street_layers()
        layers.append(maps.deck_layer("wc_rank_stops", points, kind="points"))
        st.pydeck_chart(maps.make_deck(layers, view=maps.fit_view(list(zip(points["lon"], points["lat"],
                                                                           strict=True))),
                                       height_px=460), width="stretch", key="wc_rank_map")
        st.markdown(ui.legend_html_text([(sv.RANK_COLOR, t("wheelchair.rank.legend"))]), unsafe_allow_html=True)
    with c_table:
        ui.table(pd.DataFrame({t("wheelchair.rank.col.rank"): [number(v) for v in table["rank"]],
                               t("wheelchair.rank.col.stop"): table["name"].astype(str).to_numpy(),
                               t("wheelchair.rank.col.gain", unit=unit): [number(v) for v in table["gain"]],
                               t("wheelchair.rank.col.people"): [number(v) for v in table["people_gaining"]]}),
                 height=460, key="wc_rank_table")
    first = table.iloc[0]
    total = float(table["cumulative_gain"].iloc[-1])
    st.caption(t("wheelchair.rank.alt",  # escaped: unit is a translation, numbers formatted
                 total=number(total), unit=unit,
                 cutoff=ranking.cutoff_min, share=percent(total / ranking.baseline if ranking.baseline else 0.0, 1),
                 first=ui.plain(first["name"]), first_gain=number(first["gain"])))


def page() -> None:
    st.header(t("scen.title"))
    st.caption(t("scen.intro"))
    st.button(t("scen.preset"), key="scen_preset", on_click=_apply_preset, icon=":material/subway:")
    _upload()
    opts = _options()
    ss = st.session_state
    ss.setdefault("scen_base", "metro-a" if "metro-a" in opts else "none")
    ss.setdefault("scen_new", "metro-b" if "metro-b" in opts else next(iter(opts)))
    c1, c2 = st.columns(2)
    base = c1.selectbox(t("scen.base"), list(opts), key="scen_base", format_func=opts.__getitem__)
    new = c2.selectbox(t("scen.new"), list(opts), key="scen_new", format_func=opts.__getitem__)
    sc = _describe(new)
    # The parts that come and go with the scenario sit in containers of their own, so that the
    # elements after them keep their places: a map moved is a map built again in the browser
    # (a new WebGL context, every layer uploaded again: about a second without a GPU).
    about, line_slot = st.container(), st.container()
    if sc is not None:
        with about.expander(t("scen.about"), expanded=False):
            st.text(sc.description_in(language()))
            for src in sc.sources:
                st.text(_source_line(src))
    if not ui.wait_for_planner():
        return
    _trip(base, new)
    st.subheader(t("scen.access"))
    compared = _comparison(base, new, sc)
    if sc is not None and sc.added_lines and not compared:  # once compared, the gain map draws the lines
        with line_slot:
            _line_map(sc, state.scenario_planner(new))
    _ranked_stops()
    ui.attribution(("attr.osm", "attr.star", "attr.etalab"))


ui.run_guarded(page, name="scenarios")
