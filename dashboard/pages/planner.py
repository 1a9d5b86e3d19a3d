"""Trip planner page: places and time in, one ``planner.plan`` call, itinerary cards and map out."""

from __future__ import annotations

import html
import logging
import re
import time as _time
from datetime import datetime, time
from types import SimpleNamespace
from typing import Any

import streamlit as st

from dashboard import export, maps, places_input, share, state, ui
from dashboard.i18n import known, language, message, plural, t
from routing.args import LOCAL_TZ
from routing.places import coordinates_error, parse_coordinates
from routing.planner import EVParams

#: the electric-car defaults of the engine (the page shows and sends them)
EV = EVParams()

log = logging.getLogger("dashboard")

DEFAULT_TIME = time(8, 0)
#: at the end of a run drawn without the planner, how long to wait for it before leaving it to the poll
FINISH_WAIT_S = 1.0


#: the map's height on a phone (its own CSS inside the map's frame, where the frame is that narrow)
PHONE_MAP_PX = 320
#: the page's layout: the form, the map and the cards are three boxes in that order (the phone's
#: order, one column); wider, a grid puts the map on the right, in view while the cards scroll
PLANNER_CSS = """<style>
@media (min-width: 761px) {
  .st-key-plan_layout {display: grid !important; grid-template-columns: minmax(0, 1fr) minmax(0, 1.35fr);
      grid-template-areas: "form map" "results map"; column-gap: 3rem; row-gap: 1rem; align-items: start;}
  .st-key-plan_layout > div:has(> .st-key-plan_form) {grid-area: form;}
  .st-key-plan_layout > div:has(> .st-key-plan_results) {grid-area: results;}
  .st-key-plan_layout > div:has(> .st-key-plan_map) {grid-area: map; position: sticky; top: 3.75rem;}
}
@media (max-width: 480px) {
  .st-key-plan_map iframe {height: __PHONE__px !important;}
  .st-key-plan_map {scroll-margin-top: 3.5rem;}
}
/* a card is one button: the whole card selects it (its button's surface stretched over it) */
[class*="st-key-plan_card_"] {position: relative; scroll-margin-top: 4rem; border: 1px solid #e5e7eb; border-radius: 14px;
    padding: 14px 16px 10px 16px; background: #fff; box-shadow: 0 1px 3px rgba(0,0,0,0.06); gap: 0.4rem;}
[class*="st-key-plan_card_"]:has(.spmd-card.selected) {border: 2px solid #E3051B;}
[class*="st-key-plan_card_"] .spmd-card {border: none; box-shadow: none; padding: 0; margin: 0 0 0.8rem 0;}
[class*="st-key-plan_card_"] .stElementContainer, [class*="st-key-plan_card_"] .stButton,
[class*="st-key-plan_card_"] .stButton button {position: static;}
[class*="st-key-plan_card_"] .stButton button::after {content: ""; position: absolute; inset: 0; border-radius: 14px;}
[class*="st-key-plan_card_"]:has(.spmd-card.selected) .stButton button::after {display: none;}
</style>""".replace("__PHONE__", str(PHONE_MAP_PX))
#: inside the map's frame: on a phone, the map at a fixed height
PHONE_MAP_CSS = f"<style>@media (max-width: 480px) {{ #map_div, .folium-map {{height: {PHONE_MAP_PX}px !important;}}}}</style>"
#: after "Calculer": the first card scrolled into view (on a phone the map is above it, a swipe away)
SCROLL_JS = """<script>/*__NONCE__*/
(function () {
  const doc = window.parent.document, win = window.parent;
  if (win.__spmdScrolledFor === __COUNT__) return;
  let tries = 0;
  (function look() {
    const card = doc.querySelector('.st-key-plan_card_0');
    if (!card) { if (tries++ < 120) setTimeout(look, 50); return; }
    card.scrollIntoView({block: 'start'});
    win.__spmdScrolledFor = __COUNT__;
  })();
})();
</script>"""


# -- session initialisation (URL parameters) ------------------------------------------------------

def _init_session(service_date: Any, modes: tuple[str, ...]) -> None:
    ss = st.session_state
    if ss.get("_planner_init"):
        return
    ss["_planner_init"] = True
    q = share.parse_query(st.query_params.to_dict(), modes=modes)
    ss["url_invalid"] = list(q.invalid)
    ss.setdefault("from_q", q.origin or "")
    ss.setdefault("to_q", q.destination or "")
    ss.setdefault("date", q.at.date() if q.at else service_date)
    ss.setdefault("time", q.at.time().replace(second=0, microsecond=0) if q.at else DEFAULT_TIME)
    ss.setdefault("when_kind", "arrive" if q.arrive_by else "depart")
    ss.setdefault("wheelchair", q.wheelchair)
    ss.setdefault("modes", list(q.modes) if q.modes else [m for m in share.DEFAULT_MODES if m in modes])
    ss["auto_plan"] = bool(q.origin and q.destination)


def _swap() -> None:
    places_input.swap("from_q", "to_q")


def _now() -> None:
    """ "Maintenant": today's date and the time it is now, in Rennes."""
    now = datetime.now(LOCAL_TZ)
    st.session_state["date"] = now.date()
    st.session_state["time"] = now.time().replace(second=0, microsecond=0, tzinfo=None)
    st.session_state["when_kind"] = "depart"


def _select(index: int) -> None:
    st.session_state["shown"] = index


def _use_picked(which: str, text: str, place: Any | None = None) -> None:
    places_input.set_place(f"{which}_q", text, place)


def _shown_name(place: Any) -> str:
    """A place's name with its commune when it carries one apart ("Rue de Paris, Rennes")."""
    commune = getattr(place, "commune", None)
    return f"{place.name}, {commune}" if commune and commune not in place.name else str(place.name)


def _share_text(which: str) -> str:
    """What a share link carries for a box: a point picked on the map as "lat,lon" (its name is
    found again from the streets), else the text of the box."""
    place = places_input.chosen(f"{which}_q")
    if place is not None and place.kind == "coordinates":
        return f"{place.lat:.5f},{place.lon:.5f}"
    return str(st.session_state.get(f"{which}_q") or "")


# -- widgets --------------------------------------------------------------------------------------------

def _place_input(planner: Any | None, which: str) -> Any | None:
    """A search box and its matches; returns the chosen Place or None (always None while the
    planner is still loading: the box is usable, its matches come once the network is ready)."""
    label = t("planner.from") if which == "from" else t("planner.to")
    picked = places_input.place_box(label, f"{which}_q", placeholder=t(f"planner.placeholder_{which}"),
                                    help=t("planner.search_help"))
    text = picked.text
    if not text:
        return None
    if planner is None:
        st.caption(t("planner.search_pending"))
        return None
    if picked.place is not None:  # a suggestion chosen, or a point picked on the map
        return picked.place
    if coordinates_error(text) is not None:
        ui.say("caption", "place.bad_coords", q=text)
        return None
    if parse_coordinates(text) is not None:
        try:
            return places_input.named_point(planner.resolve_place(text))
        except LookupError:
            ui.say("caption", "place.no_match", q=text)
            return None
    if places_input.suggestions_on():  # the suggestions were under the box: the text means the best
        try:
            place = places_input.resolve(planner, picked)
        except LookupError:
            _no_match(planner, which, text)
            return None
        ui.say("caption", "place.resolved",
               place=places_input.suggestion_label(place, places_input.commune_of(place)))
        places_input.house_number_note(picked, place)
        return place
    matches = places_input.find_places(text)
    if not matches:
        _no_match(planner, which, text)
        return None
    names = [f"{_shown_name(m)} · {t('kind.' + m.kind) if known('kind.' + m.kind) else m.kind}"
             for m in matches]
    idx = st.selectbox(t("planner.matches"), range(len(matches)), key=f"{which}_pick",
                       format_func=names.__getitem__, label_visibility="collapsed")
    place = matches[min(idx or 0, len(matches) - 1)]
    places_input.house_number_note(picked, place)
    return place


def _no_match(planner: Any, which: str, text: str) -> None:
    """ "No place matches … did you mean …" (never a silent guess), with a button per suggestion."""
    try:
        planner.resolve_place(text)
        suggestions: list[Any] = []
    except LookupError as exc:  # routing.places.PlaceNotFound and its near misses
        suggestions = list(getattr(exc, "suggestions", []) or [])[:3]
    except ValueError:  # over a budget: nothing to suggest
        suggestions = []
    if not suggestions:
        ui.say("caption", "place.no_match", q=text)
        return
    ui.say("caption", "place.did_you_mean", q=text, suggestions=" · ".join(p.name for p in suggestions))
    row = st.container(horizontal=True)  # wraps: long names stay readable
    for i, place in enumerate(suggestions):
        row.button(ui.plain(place.name), key=f"{which}_suggest_{i}", on_click=_use_picked,
                   args=(which, place.name, place),
                   help=t("place.suggestion", name=ui.plain(place.name)), width="content")


def _params(planner: Any, modes: list[str]) -> Any:
    kwargs: dict[str, Any] = {}
    ss = st.session_state
    partner_text = share.clean_place(ss.get("partner_q")) if "carpool" in modes else None
    if partner_text:
        try:
            partner = places_input.resolve(planner, places_input.Picked(partner_text,
                                                                        places_input.chosen("partner_q")))
            kwargs["carpool_partner"] = (float(partner.lon), float(partner.lat))
        except LookupError:
            ui.say("warning", "place.no_match", q=partner_text)
    if "transit" in modes:
        kwargs["transit_alternatives"] = 1  # also show the next bus (often a better trip)
    if ss.get("wheelchair"):
        kwargs["wheelchair"] = True
    if "ecar" in modes:
        kwargs.update(battery_kwh=float(ss.get("battery_kwh", EV.battery_kwh)),
                      consumption_kwh_per_100km=float(ss.get("consumption", EV.consumption_kwh_per_100km)),
                      soc_start=float(ss.get("soc_start", round(EV.soc_start * 100))) / 100.0,
                      min_soc=float(ss.get("min_soc", round(EV.min_soc * 100))) / 100.0)
    try:
        from routing.planner import PlanParams
    except ImportError:  # a planner injected through state.set_override, without routing.planner
        return SimpleNamespace(**kwargs)
    return PlanParams(**kwargs)


def _options(modes: tuple[str, ...], planner: Any) -> None:
    c1, c2, c3 = st.columns([1, 1, 1.4], vertical_alignment="bottom")
    c1.date_input(t("planner.date"), key="date", format="DD/MM/YYYY")
    c2.time_input(t("planner.time"), key="time", step=300)
    c3.button(t("planner.now"), key="now", on_click=_now, help=t("planner.now_help"), icon=":material/schedule:")
    st.radio(t("planner.when_kind"), ["depart", "arrive"], key="when_kind", horizontal=True,
             format_func=lambda k: t("planner.depart_at") if k == "depart" else t("planner.arrive_by"))
    st.pills(t("planner.modes"), modes, key="modes", selection_mode="multi", format_func=ui.mode_label)
    st.checkbox(t("wheelchair.toggle"), key="wheelchair", help=t("wheelchair.toggle_help"))
    chosen = st.session_state.get("modes") or []
    if "ecar" in chosen:
        with st.expander(t("planner.ev"), expanded=False):
            e1, e2, e3, e4 = st.columns(4)
            e1.number_input(t("planner.battery_kwh"), 10.0, 150.0, EV.battery_kwh, 5.0, key="battery_kwh")
            e2.number_input(t("planner.consumption"), 8.0, 40.0, EV.consumption_kwh_per_100km, 0.5, key="consumption")
            e3.slider(t("planner.soc_start"), 5, 100, round(EV.soc_start * 100), key="soc_start")
            e4.slider(t("planner.min_soc"), 0, 50, round(EV.min_soc * 100), key="min_soc")
    if "carpool" in chosen:
        places_input.place_box(t("planner.partner"), "partner_q")


# -- planning ---------------------------------------------------------------------------------------------

def _inputs(origin: Any | None, destination: Any | None) -> tuple[Any, ...]:
    """Everything a result depends on: when any of it changes, the result shown is dropped."""
    ss = st.session_state

    def where(place: Any | None) -> Any:
        return None if place is None else (str(place.name), round(float(place.lon), 6), round(float(place.lat), 6))

    modes = tuple(sorted(ss.get("modes") or ()))
    extra: tuple[Any, ...] = ()
    if "carpool" in modes:
        extra += (ss.get("partner_q"),)
    if "ecar" in modes:
        extra += tuple(ss.get(k) for k in ("battery_kwh", "consumption", "soc_start", "min_soc"))
    return (where(origin), where(destination), ss.get("date"), ss.get("time"), ss.get("when_kind"), modes, extra)


def _drop_stale_result(origin: Any | None, destination: Any | None) -> None:
    """A result planned for other inputs leaves the page (cards, route, share link) at once."""
    ss = st.session_state
    if ss.get("plan_result") is None or ss.get("plan_inputs") == _inputs(origin, destination):
        return
    ss.pop("plan_result", None)
    ss["inputs_changed"] = True
    keep = {k: v for k, v in st.query_params.to_dict().items() if k == "lang"}
    st.query_params.from_dict(keep)


def _plan(planner: Any, origin: Any, destination: Any) -> None:
    ss = st.session_state
    modes = list(ss.get("modes") or share.DEFAULT_MODES)
    asked = datetime.combine(ss["date"], ss["time"])
    # the time asked, on the timetable day that answers for the date asked (the banner names both)
    when = datetime.combine(state.planner_on(planner, ss["date"])[1], ss["time"])
    params = _params(planner, modes)
    t0 = _time.perf_counter()
    with st.spinner(t("planner.computing")):
        result = planner.plan(origin, destination, when, arrive_by=ss["when_kind"] == "arrive",
                              modes=tuple(modes), params=params)
    log.info("plan %s -> %s (%s) in %.0f ms", origin.name, destination.name, ",".join(modes),
             1000 * (_time.perf_counter() - t0))
    ss["plan_result"] = result
    ss["plan_request"] = {"origin": origin.name, "destination": destination.name}
    ss["plan_inputs"] = _inputs(origin, destination)
    ss["inputs_changed"] = False
    ss["plan_count"] = int(ss.get("plan_count", 0)) + 1  # the scroll to the cards, once per plan
    ss["shown"] = 0
    ss["url_invalid"] = []
    query = share.to_query(origin=_share_text("from"), destination=_share_text("to"), at=asked, modes=modes,
                           arrive_by=ss["when_kind"] == "arrive", wheelchair=bool(ss.get("wheelchair")))
    st.query_params.from_dict(share.with_lang(query, language()))


# -- rendering --------------------------------------------------------------------------------------------

def _picked_buttons(text: str, place: Any | None = None) -> None:
    c1, c2, c3 = st.columns([2, 1, 1])
    ui.say("caption", "planner.picked", name=text, where=c1)
    c2.button(t("planner.use_from"), on_click=_use_picked, args=("from", text, place), key="pick_from")
    c3.button(t("planner.use_to"), on_click=_use_picked, args=("to", text, place), key="pick_to")


def _leaflet_map(itinerary: Any | None, origin: Any | None, destination: Any | None) -> bool:
    """The trip map with Leaflet (served locally): click anywhere, or on a stop, to pick a place.

    The base (street network or online tiles, stops) does not change between reruns, so the
    browser keeps the map; the itinerary and the markers are a feature group added to it.
    Returns False when streamlit-folium is unusable (the pydeck map is drawn instead).
    """
    try:
        import folium
        from streamlit_folium import st_folium

        from dashboard import leaflet
    except ImportError:
        return False
    online = state.tiles_reachable()
    fmap = leaflet.base_map(online_tiles=online, streets=None if online else state.streets_geojson(),
                            attribution=t("attr.osm"))
    stops = state.stops_geojson()
    if stops is not None:
        leaflet.add_stops(fmap, stops)
    leaflet.localise(fmap)
    fmap.get_root().header.add_child(folium.Element(PHONE_MAP_CSS))
    trip = folium.FeatureGroup(name="trip")
    points: list[tuple[float, float]] = []
    if itinerary is not None:
        points = leaflet.add_itinerary(trip, itinerary)
    else:
        for place, color in ((origin, maps.ORIGIN_COLOR), (destination, maps.DESTINATION_COLOR)):
            if place is not None:
                leaflet.add_marker(trip, (place.lon, place.lat), maps.esc(_shown_name(place)),
                                   color=maps.rgb_hex(color))
                points.append((place.lon, place.lat))
    lon, lat, zoom = maps.fit_view(points) if points else (*maps.RENNES_CENTER, 13)
    event = st_folium(fmap, key="plan_fmap", height=540, use_container_width=True, feature_group_to_add=trip,
                      center=(lat, lon), zoom=int(round(zoom + 0.8)),  # deck.gl zoom + 1 ~ Leaflet zoom
                      returned_objects=["last_clicked", "last_object_clicked_tooltip"]) or {}
    clicked = event.get("last_clicked") or {}
    tooltip = event.get("last_object_clicked_tooltip")
    if clicked and "lat" in clicked and "lng" in clicked:
        # a stop's tooltip (HTML made by Leaflet from our escaped name): its name; else the point,
        # named by its street and commune and routed from its coordinates
        name = html.unescape(re.sub(r"<[^>]*>", " ", str(tooltip or ""))).strip() if tooltip else ""
        name = " ".join(name.split())[:share.max_place_chars()]
        if name:
            _picked_buttons(name)
        else:
            _picked_buttons(*_clicked_point(float(clicked["lng"]), float(clicked["lat"])))
    else:
        st.caption(t("planner.pick_map_any"))
    return True


def _clicked_point(lon: float, lat: float) -> tuple[str, Any]:
    """(the name shown and put in the box, the place routed from) of a click on the map."""
    from routing import Place

    place = places_input.named_point(Place(f"{lat:.5f}, {lon:.5f}", "coordinates", lon, lat))
    return _shown_name(place)[:share.max_place_chars()], place


def _map(itinerary: Any | None, origin: Any | None, destination: Any | None) -> None:
    if _leaflet_map(itinerary, origin, destination):
        return
    layers = state.street_layers()
    stops = state.layer_table("stops")
    if stops is not None and len(stops):
        layers.append(maps.deck_layer("stops", stops, kind="points"))
    points: list[tuple[float, float]] = []
    if itinerary is not None:
        paths, ends = maps.itinerary_tables(itinerary)
        layers.append(maps.deck_layer("itinerary", paths, kind="paths", min_width_px=4))
        layers.append(maps.deck_layer("ends", ends, kind="points", pickable=False))
        points = [tuple(p) for path in paths["path"] for p in path]
    else:
        points = [(p.lon, p.lat) for p in (origin, destination) if p is not None]
    deck = maps.make_deck(layers, view=maps.fit_view(points) if points else None, height_px=540)
    event = st.pydeck_chart(deck, on_select="rerun", selection_mode="single-object", key="plan_map",
                            width="stretch")
    picked = (getattr(event, "selection", None) or {}).get("objects", {}).get("stops") or []
    if picked:
        obj = picked[0]
        name = html.unescape(str(obj.get("name", "")))
        if name:
            _picked_buttons(name)
        else:
            _picked_buttons(*_clicked_point(float(obj["lon"]), float(obj["lat"])))
    else:
        st.caption(t("planner.pick_map"))


def _shown(result: Any | None) -> Any | None:
    """The itinerary drawn on the map: the card chosen (the first one until another is)."""
    if result is None or not result.ok:
        return None
    shown = st.session_state.get("shown", 0)
    its = result.itineraries
    return its[shown if isinstance(shown, int) and 0 <= shown < len(its) else 0]


def _results(result: Any, shown: Any | None) -> None:
    """One card per itinerary, each selectable (the whole card, or its button), then what has no
    itinerary and why, and the planner's notes."""
    lang = language()
    reasons = getattr(result, "reasons", None) or {}
    if not result.ok:
        if reasons:
            st.warning(t("planner.no_route", reason=""), icon=":material/block:")
            st.markdown(ui.reasons_html(reasons, lang), unsafe_allow_html=True)
        else:  # the reason may carry the text typed (an unknown place): plain text
            ui.say("warning", "planner.no_route", reason=message(result.reason, lang) if result.reason else "—",
                       icon=":material/block:")
        return
    its = result.itineraries
    st.markdown(f"**{plural('planner.results', len(its))}**")
    for i, it in enumerate(its):
        selected = it is shown
        with st.container(key=f"plan_card_{i}"):
            st.markdown(ui.itinerary_card_html(it, selected=selected, lang=lang), unsafe_allow_html=True)
            st.button(t("planner.on_map") if selected else t("planner.show_on_map"), key=f"plan_pick_{i}",
                      on_click=_select, args=(i,), disabled=selected,
                      icon=":material/check:" if selected else ":material/map:")
    if reasons:
        st.markdown(f"**{t('planner.no_option')}**")
        st.markdown(ui.reasons_html(reasons, lang), unsafe_allow_html=True)
    if result.notes:
        st.markdown(f'<div class="spmd-notes">{maps.esc(" · ".join(message(n, lang) for n in result.notes))}'
                    "</div>", unsafe_allow_html=True)


def _more(result: Any, it: Any) -> None:
    """Exports of the itinerary shown and the share link, folded at the end."""
    index = result.itineraries.index(it) + 1
    with st.expander(t("planner.more"), icon=":material/ios_share:"):
        d1, d2 = st.columns(2)
        d1.download_button(t("planner.export_geojson"), export.itinerary_geojson(it),
                           file_name=f"itineraire-{index}.geojson", mime="application/geo+json",
                           key="dl_geojson")
        d2.download_button(t("planner.export_gpx"), export.itinerary_gpx(it),
                           file_name=f"itineraire-{index}.gpx", mime="application/gpx+xml", key="dl_gpx")
        ui.share_link(st.query_params.to_dict(), caption_key="planner.share")


def _scroll_to_cards() -> None:
    """Once per plan: the first card brought into view (a script in a zero-height frame, drawn at
    every run of the plan: a rerun right after "Calculer" must not take it away before it ran; the
    page remembers which plan it scrolled for)."""
    count = int(st.session_state.get("plan_count", 0))
    if not count:
        return
    import streamlit.components.v1 as components

    components.html(SCROLL_JS.replace("__NONCE__", str(count)).replace("__COUNT__", str(count)), height=0)


def page() -> None:
    st.title(t("planner.title"))
    loader = state.planner_loader()
    if not state.planner_available() or (loader is not None and loader.failed):
        st.error(t("error.planner_unavailable"), icon=":material/construction:")
        return
    planner = state.planner_if_ready()  # never waits: the widgets are drawn while the network loads
    modes = share.ALL_MODES  # = routing.planner.planner.MODES, without importing the planner on the first paint
    sdate = state.service_date(planner)
    _init_session(sdate, modes)
    waiting_box = st.empty()  # always there, so that the elements below keep their place in the tree
    if planner is None:
        with waiting_box.container():
            ui.wait_for_planner()
    else:
        waiting_box.empty()  # clears what the waiting fragment drew
    day = st.session_state.get("date", sdate)
    planner, used_day = state.planner_on(planner, day)  # a Sunday answered by the feed's Sunday
    ui.timetable_banner(used_day, day)
    for name in st.session_state.get("url_invalid") or []:
        ui.say("warning", "planner.bad_param", name=name, icon=":material/warning:")

    st.markdown(PLANNER_CSS, unsafe_allow_html=True)  # constant CSS
    with st.container(key="plan_layout"):  # three boxes in the phone's order; a grid when wider
        form_box = st.container(key="plan_form")
        map_box = st.container(key="plan_map")
        results_box = st.container(key="plan_results")
    with form_box:
        # one box per line: a suggestion ("République Pré Botté · Rennes") reads on one line
        origin = _place_input(planner, "from")
        destination = _place_input(planner, "to")
        _options(modes, planner)
        b1, b2 = st.columns([3, 1])
        go = b1.button(t("planner.go"), type="primary", key="go", width="stretch")
        b2.button(t("planner.swap"), key="swap", on_click=_swap, width="stretch")
        _drop_stale_result(origin, destination)
        if (go or st.session_state.get("auto_plan")) and planner is None:
            st.session_state["auto_plan"] = True  # planned as soon as the network is ready
            st.info(t("planner.plan_pending"), icon=":material/hourglass_top:")
        elif go or st.session_state.pop("auto_plan", False):
            if origin is None or destination is None:
                st.warning(t("planner.need_places"))
            else:
                _plan(planner, origin, destination)
        elif st.session_state.get("inputs_changed"):
            st.caption(t("planner.inputs_changed"))
    result = st.session_state.get("plan_result")
    shown = _shown(result)
    with map_box:  # drawn before the cards: the route arrives with them, not after
        _map(shown, origin, destination)
        ui.attribution()
    with results_box:
        if result is not None:
            _results(result, shown)
            if shown is not None:
                _more(result, shown)
                _scroll_to_cards()
    if planner is None and loader is not None and loader.wait(FINISH_WAIT_S) is not None:
        st.rerun()  # everything is drawn already; the planner came while drawing: use it now


ui.run_guarded(page, name="planner")
