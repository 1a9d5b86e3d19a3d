"""A day of buses: every vehicle of the service day moving along its trip (pydeck TripsLayer animated in
the browser: clock, play/pause, speed), and the number of buses running per hour."""

from __future__ import annotations

import logging
import time as _time
from typing import Any

import streamlit as st
import streamlit.components.v1 as components

from dashboard import state, ui
from dashboard.i18n import date, language, number, t
from dashboard.services import scenarios as scenario_service
from dashboard.services import transit

log = logging.getLogger("dashboard")


def _scenario_timetable(tt: Any) -> tuple[Any, Any]:
    """With a scenario active (chosen on the scenarios page): a toggle, and the scenario's timetable
    (its new lines, e.g. the metro, run in the animation too) with its planner; else (tt, None)."""
    key = st.session_state.get("scen_new")
    if not key or key == "none" or not st.toggle(t("day.with_scenario", name=scenario_service.choices(language()).get(key, key)), value=True,
                                                 key="day_scenario"):
        return tt, None
    try:
        planner = state.scenario_planner(key)
    except Exception:  # a scenario that cannot be built leaves the day as it is
        log.exception("scenario %s unavailable for the day of buses", key)
        return tt, None
    return getattr(planner, "tt", None) or planner.network.timetable, planner


def page() -> None:
    kiosk = state.is_kiosk()
    st.title(t("day.title"))
    tt = state.timetable()
    if tt is None:
        ui.wait_for_planner(text_key="loading.network", timetable=True)
        return
    tt, scenario_planner = _scenario_timetable(tt)
    graphs = getattr(getattr(scenario_planner or state.planner_if_ready(), "network", None), "graphs", None) or {}
    t0 = _time.perf_counter()
    with st.spinner(t("loading.data")):
        day, deck_json, legend, per_hour = state.day_of_buses(tt, graphs.get("car"))
    prepared_s = _time.perf_counter() - t0
    log.info("day of buses prepared in %.2f s", prepared_s)  # a timing is for the log, not the reader
    st.caption(t("day.intro", date=date(tt.day, "long"), n=number(len(day.trips))))
    labels = {k: t(f"day.{k}") for k in ("play", "pause", "speed", "clock", "error")}
    labels["vehicles"] = t("day.vehicles", n="{n}")
    transit.ensure_deckgl_bundle()  # a stat when already there
    html = transit.animation_html(deck_json, day, labels, height_px=640 if kiosk else 560,
                                  spec_url=transit.day_json_url(deck_json))
    components.html(html,
                    height=(640 if kiosk else 560) + 8)
    st.markdown(f"**{t('day.legend')}**")
    st.markdown(ui.legend_html_text(legend), unsafe_allow_html=True)  # escaped there
    st.markdown(f"**{t('day.per_hour')}**")
    st.caption(t("day.per_hour_help"))
    per_hour = per_hour.assign(hour=[transit.hour_label(h) for h in per_hour["hour"]])
    per_hour = per_hour.set_index("hour").rename(columns={"vehicles": t("day.count")})
    st.bar_chart(per_hour, x_label=t("day.hour"), y_label=t("day.count"), height=240, color="#E3051B", sort=False)
    ui.say("caption", "day.matched", n=number(day.n_matched_segments))
    if not kiosk:
        ui.share_link({})
    ui.attribution(("attr.star",))


ui.run_guarded(page, name="day_of_buses")
