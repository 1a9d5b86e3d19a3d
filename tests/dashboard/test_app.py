"""The dashboard, page by page, through streamlit.testing.v1.AppTest (widgets in, results out).

The planner and the dataset loader are replaced (``dashboard.state.set_override``)
by small real implementations built here: a place index over six Rennes places
(routing.places.PlaceIndex) and a planner that walks/cycles in straight lines,
plus tiny frames for the map layers. Pure helpers (query parameters, exports,
layer preparation) are tested directly.
"""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from pathlib import Path

import gpxpy
import pytest
import shapely
from streamlit.testing.v1 import AppTest

from dashboard import export, i18n, maps, share, state
from routing.args import LOCAL_TZ
from routing.places import parse_coordinates
from routing.planner.itinerary import Itinerary, Leg
from tests.browser_helpers import drawn, same_area, small_loader

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")

def _app(**query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def _markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def _tables_text(at: AppTest) -> str:
    """Tables as text, whether shown by st.dataframe or as escaped HTML (pyarrow unusable)."""
    frames = [d.value.to_csv() for d in at.dataframe]
    return "\n".join(frames) + _markdown(at)


def _decks(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.json) for el in at.get("deck_gl_json_chart")]


def _deck_map(at: AppTest) -> tuple[dict, dict]:
    """The layers page's map (:mod:`dashboard.deckmap`): its arguments and the data file it draws."""
    from dashboard import served

    found = [el for el in at.get("component_instance") if "deckmap" in el.proto.component_name]
    assert len(found) == 1
    args = json.loads(found[0].proto.json_args)
    return args, json.loads(served.path_of(args["data_url"]).read_text(encoding="utf-8"))


def _leaflet(at: AppTest) -> dict:
    """The arguments of the trip map (streamlit-folium component)."""
    maps_ = [el for el in at.get("component_instance") if "folium" in el.proto.component_name]
    assert len(maps_) == 1
    return json.loads(maps_[0].proto.json_args)


# -- trip planner ----------------------------------------------------------------------------------

def test_planner_types_two_places_and_shows_cards_map_and_exports(app_planner):
    at = _app()
    assert not at.exception
    assert "2011" in at.info[0].value  # the timetable banner
    at.text_input(key="from_q").input("gare").run()  # lower case, no accent: still found
    at.text_input(key="to_q").input("Beaulieu Chimei").run()  # typo
    assert at.selectbox(key="from_pick").value == 0
    at.button(key="go").click().run()
    assert not at.exception and not at.error
    call = app_planner.calls[-1]
    assert (call["origin"].name, call["destination"].name) == ("Gares", "Beaulieu Chimie")
    assert call["when"] == datetime(2011, 11, 15, 8, 0)
    md = _markdown(at)
    assert md.count('class="spmd-card') == 2  # walk and bike
    assert "Vélo" in md and "Marche" in md and "Distance" in md
    assert "Correspondances" not in md  # no transfer count on a trip without transit
    fmap = _leaflet(at)
    assert fmap["js_links"] == ["/app/static/leaflet/leaflet.js"]  # Leaflet served locally, no CDN
    assert fmap["css_links"] == ["/app/static/leaflet/leaflet.css"]
    assert "L.polyline" in fmap["feature_group"] and "#009650" in fmap["feature_group"]  # the bike leg
    assert "MultiLineString" in fmap["script"] and "tile" not in fmap["script"].lower()  # streets, no tiles
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Exporter en GeoJSON", "Exporter en GPX"]
    assert at.query_params["from"] == "gare" and at.query_params["to"] == "Beaulieu Chimei"
    assert at.query_params["at"] == "2011-11-15T08:00"


def test_planner_cards_select_and_any_input_change_clears_the_result(app_planner):
    at = _app(**{"from": "Gares", "to": "République", "at": "2011-11-15T07:45", "modes": "walk,bike"})
    assert _markdown(at).count('class="spmd-card') == 2
    assert [r for r in at.radio if r.key == "shown"] == []  # no radio list: the cards are the choice
    at.button(key="plan_pick_1").click().run()
    assert at.session_state["shown"] == 1 and at.button(key="plan_pick_1").disabled
    assert "#5a5a5a" in _leaflet(at)["feature_group"]  # the walk card (second, slower) drawn
    at.time_input(key="time").set_value(time(9, 0)).run()  # an input changes: the old result goes
    assert 'class="spmd-card' not in _markdown(at) and "L.polyline" not in (_leaflet(at)["feature_group"] or "")
    assert "from" not in at.query_params
    assert any("Calculer" in c.value for c in at.caption)
    at.button(key="go").click().run()
    assert _markdown(at).count('class="spmd-card') == 2


def test_now_button_and_the_banner_naming_both_days(app_planner):
    at = _app()
    assert "mardi 15 novembre 2011" in at.info[0].value and "utilisés pour" not in at.info[0].value
    at.button(key="now").click().run()
    today = datetime.now(LOCAL_TZ).date()
    assert at.session_state["date"] == today and at.session_state["when_kind"] == "depart"
    assert "utilisés pour le" in at.info[0].value and str(today.year) in at.info[0].value


def test_planner_arrive_by_and_modes(app_planner):
    at = _app()
    at.text_input(key="from_q").input("République").run()
    at.text_input(key="to_q").input("Villejean").run()
    at.radio(key="when_kind").set_value("arrive").run()
    at.time_input(key="time").set_value(time(9, 30)).run()
    at.button_group(key="modes").set_value(["walk"]).run()
    at.button(key="go").click().run()
    call = app_planner.calls[-1]
    assert call["arrive_by"] is True and call["modes"] == ("walk",)
    assert _markdown(at).count('class="spmd-card') == 1
    assert at.query_params["arrive"] == "1" and at.query_params["modes"] == "walk"


def test_shareable_url_plans_on_load_and_invalid_values_are_ignored(app_planner):
    at = _app(**{"from": "Gares", "to": "République", "at": "2011-11-16T07:45", "modes": "walk,bike"})
    # a planner injected by a test answers on its own day (the real one compiles the 16th's timetable)
    assert app_planner.calls and app_planner.calls[-1]["when"] == datetime(2011, 11, 15, 7, 45)
    assert at.query_params["at"] == "2011-11-16T07:45"
    assert _markdown(at).count('class="spmd-card') == 2
    bad = _app(**{"from": "Gares", "to": "République", "at": "yesterday", "modes": "walk,teleport"})
    warnings = " ".join(w.value for w in bad.warning)
    assert "at" in warnings and "modes" in warnings
    assert bad.session_state["modes"] == ["walk", "bike", "bikeshare", "transit"]


def test_modes_without_itinerary_say_why_in_the_readers_language(app_planner):
    at = _app(**{"from": "Gares", "to": "République", "modes": "walk,car"})
    md = _markdown(at)
    assert md.count('class="spmd-card') == 1
    assert "Sans itinéraire" in md
    assert "l&#x27;arrivée est hors des données de rues hors ligne (en voiture)" in md or \
        "l'arrivée est hors des données de rues hors ligne (en voiture)" in md
    assert "4,2 km" in md  # the distance in the French format
    en = _app(**{"from": "Gares", "to": "République", "modes": "walk,car", "lang": "en"})
    md_en = _markdown(en)
    if "Sans itinéraire" not in md_en:  # the share link carries the language
        assert "outside the offline street data (by car)" in md_en


def test_no_route_is_a_message_not_an_error(app_planner):
    at = _app(**{"from": "Gares", "to": "Gares"})
    assert not at.exception and not at.error
    assert any("same place" in w.value for w in at.warning)


def test_unknown_place_says_so(app_planner):
    at = _app()
    at.text_input(key="from_q").input("zzqqxx").run()
    assert any("zzqqxx" in c.value for c in at.caption)
    at.button(key="go").click().run()
    assert any("Choisissez" in w.value for w in at.warning)


def test_planner_failure_shows_a_friendly_message_without_details(app_planner):
    def boom(*a, **k):
        raise RuntimeError("secret internal detail /etc/passwd")

    app_planner.plan = boom
    at = _app(**{"from": "Gares", "to": "République"})
    assert not at.exception
    assert [e.value for e in at.error] and "secret" not in " ".join(e.value for e in at.error)
    assert "Désolé" in at.error[0].value


def test_language_switch(app_planner):
    at = _app()
    assert at.title[0].value == "Calculer un itinéraire"
    at.radio(key="lang").set_value("en").run()
    assert at.title[0].value == "Plan a trip"
    assert "November 2011" in at.info[0].value


def test_widgets_are_drawn_while_the_network_loads_then_the_trip_is_planned(monkeypatch):
    from tests import browser_helpers

    monkeypatch.setenv("SPMD_DASHBOARD_PLANNER", "tests.browser_helpers:gated_small_planner")
    browser_helpers.PLANNER_GATE.clear()
    state.set_override("load_dataset", small_loader)
    try:
        at = _app(**{"from": "Gares", "to": "République"})
        assert not at.exception and not at.error
        assert at.text_input(key="from_q").value == "Gares"  # the widgets do not wait for the network
        assert "Préparation du réseau" in at.get("progress")[0].proto.text
        assert any("dès qu'il sera prêt" in i.value for i in at.info)  # the URL's trip waits its turn
        assert "MultiLineString" in _leaflet(at)["script"]  # the map is drawn too (street base map)
        browser_helpers.PLANNER_GATE.set()
        assert state.planner_loader().wait(30) is not None
        at.run()  # what the waiting fragment triggers once the planner is ready
        assert not at.exception and _markdown(at).count('class="spmd-card') == 2
        assert not at.get("progress")
    finally:
        browser_helpers.PLANNER_GATE.set()
        state.clear_overrides()
        state.forget_loaders()


# -- other pages ------------------------------------------------------------------------------------

def test_layers_page_toggles_layers(app_planner):
    at = _app()
    at.switch_page("pages/layers.py").run()
    assert not at.exception
    args, data = _deck_map(at)
    from dashboard import served

    streets = json.loads(served.path_of(args["streets_url"]).read_text(encoding="utf-8"))["streets"]
    assert streets and args["visible"] == ["bikeshare"]  # street base map under the points
    assert data["layers"][-1]["labels"]["text"]  # names, written at close zoom, above everything
    # stops/lines come from the GTFS feed, missing here: a warning, not a crash
    assert any("Données indisponibles" in w.value for w in at.warning)
    assert any("vélos disponibles / places" in c.value for c in at.caption)  # the legend's units
    at.toggle(key="layer_bikeshare").set_value(False).run()
    at.toggle(key="layer_carpool").set_value(True).run()
    args2, _ = _deck_map(at)
    assert args2["visible"] == ["carpool"] and args2["data_url"] == args["data_url"]  # the data sent once
    carpool = next(x for x in data["layers"] if x["id"] == "carpool")
    assert len(carpool["ci"]) == 1  # the far-away place is cropped
    at.button(key="layers_all").click().run()
    assert {"bikeshare", "carpool"} <= set(_deck_map(at)[0]["visible"])
    assert all(at.toggle(key=f"layer_{layer_id}").value for layer_id in maps.LAYERS)
    assert "ODbL" in " ".join(c.value for c in at.caption)


def test_catalogue_page_shows_every_dataset_and_quarantine(app_planner):
    from sources.catalogue import all_datasets

    at = _app()
    at.switch_page("pages/catalogue.py").run()
    assert not at.exception
    text = _tables_text(at)
    assert all(ds.id in text and ds.producer in text for ds in all_datasets())
    assert "Producteur" in text and "Fraîcheur" in text
    assert any("DCAT" in b.label for b in at.get("download_button"))
    at.selectbox(key="cat_pick").set_value("velo-star").run()
    at.button(key="validate_one").click().run()
    quarantine = [d.value for d in at.dataframe if "constat" in d.value.columns]  # findings, headers in French
    assert len(quarantine) == 1 and len(quarantine[0]) == 2
    assert set(quarantine[0]["motif"]) == {"point près de (0, 0)"}  # the reason by its words, not its code
    assert set(quarantine[0]["gravité"]) == {"erreur"} and set(quarantine[0]["fichier"]) == {"velo-star.csv"}
    assert any("report" in b.label or "rapport" in b.label for b in at.get("download_button"))
    # a file that cannot be used: its reason, in the reader's words, under "Données indisponibles"
    from sources import Msg, SchemaError

    def unusable(dataset_id: str):
        if dataset_id == "irve":
            raise SchemaError(Msg("error.not_irve"), file="irve.csv", field="id_station_itinerance")
        return small_loader(dataset_id)

    state.set_override("load_dataset", unusable)
    at.selectbox(key="cat_pick").set_value("irve").run()
    at.button(key="validate_one").click().run()
    assert any("Données indisponibles" in w.value for w in at.warning)
    assert any(t.value == "ce n'est pas un fichier IRVE : aucune colonne id_station, id_station_itinerance ou id_pdc "
               "(fichier irve.csv, champ « id_station_itinerance »)" for t in at.text)


def test_about_page(app_planner):
    at = _app()
    at.switch_page("pages/about.py").run()
    assert not at.exception and not at.error and at.title[0].value == "À propos"
    assert "2011" in _markdown(at) and "Keolis" in _tables_text(at)


def test_accessibility_page_map_communes_modes_and_isochrone(accessibility_app, tiny_access):
    at = accessibility_app
    assert not at.exception and not at.error
    assert at.title[0].value == "Explorateur d'accessibilité"
    cells = next(x for x in _decks(at)[0]["layers"] if x["id"] == "acc_cells")
    grid = shapely.union_all(tiny_access.grid.geometry.to_numpy())
    assert same_area(drawn(cells["data"]), grid)  # every cell drawn: reached, nothing, outside
    assert {r["name"] for r in cells["data"]} == {"Rennes", "Cesson-Sévigné"}  # merged per commune and class
    nothing = [r for r in cells["data"] if r["info"] == "Rien en 30 min"]
    reached = [r for r in cells["data"] if r["info"] not in ("Rien en 30 min", "Hors données (aucune rue connue)")]
    assert reached and all(isinstance(r["color"], list) and len(r["color"]) == 4 for r in cells["data"])
    assert all(r["info"].endswith(" stations") for r in reached)  # the class, with its unit
    assert "Rennes" in _tables_text(at) and "Rennes Métropole" in _tables_text(at)
    labels = [b.label for b in at.get("download_button")]
    assert {"Carreaux (GeoJSON)", "Carreaux (CSV)", "Télécharger (CSV)"} <= set(labels)
    legend = "\n".join(m.value for m in at.markdown)
    assert "stations" in legend and "Rien en 30 min" in legend  # classes with their unit
    assert any("des habitants atteignent" in c.value for c in at.caption)  # the map's sentence
    at.select_slider(key="acc_cutoff").set_value(60).run()  # a longer cutoff reaches at least as much
    cells60 = next(x for x in _decks(at)[0]["layers"] if x["id"] == "acc_cells")
    nothing60 = [r for r in cells60["data"] if r["info"] == "Rien en 60 min"]
    assert not nothing60 or drawn(nothing60).area <= drawn(nothing).area * (1 + 1e-3)
    at.button(key="acc_compare_go").click().run()
    assert not at.exception
    assert "Vélo" in _tables_text(at) and "Voiture" in _tables_text(at)
    at.text_input(key="iso_q").input("48.1035,-1.6727").run()
    assert not at.exception and not at.error
    iso = next(x for x in _decks(at)[-1]["layers"] if x["id"] == "isochrones")
    assert len(iso["data"]) >= 1
    assert any(c.value.startswith("Depuis ") and "habitants" in c.value for c in at.caption)
    assert "≤ 45 min" in _tables_text(at)  # people reached per band
    assert any("Isochrones (GeoJSON)" == b.label for b in at.get("download_button"))


def test_accessibility_page_explains_itself_while_unavailable(app_planner, monkeypatch):
    monkeypatch.setattr(state, "accessibility_available", lambda: False)
    at = _app()
    at.switch_page("pages/accessibility.py").run()
    assert not at.exception and "routing.accessibility.engine" in at.info[0].value


# -- pure helpers --------------------------------------------------------------------------------------

def test_parse_query_validates_everything():
    q = share.parse_query({"from": "Gares", "to": "48.12,-1.63", "at": "2011-11-15T08:00",
                           "modes": "transit,walk", "arrive": "1"})
    assert (q.origin, q.destination, q.at, q.modes, q.arrive_by, q.invalid) == (
        "Gares", "48.12,-1.63", datetime(2011, 11, 15, 8, 0), ("transit", "walk"), True, [])
    bad = share.parse_query({"from": "x" * 500, "to": "a\x00b", "at": "2011-11-15T25:00",
                             "modes": "", "arrive": "yes"})
    assert bad.invalid == ["from", "to", "at", "modes", "arrive"]
    assert (bad.origin, bad.destination, bad.at, bad.modes) == (None, None, None, None)
    assert parse_coordinates("48.11,-1.68") == (-1.68, 48.11)
    assert parse_coordinates("148.11,-1.68") is None
    # an offset is converted to local time; coordinates out of range, NaN and duplicated modes
    q = share.parse_query({"from": "91,-1.68", "to": "NaN,NaN", "at": "2011-11-15T07:00Z",
                           "modes": "walk,walk,bike", "kiosk": "1"})
    assert (q.origin, q.destination, q.at, q.modes) == (None, None, datetime(2011, 11, 15, 8, 0), ("walk", "bike"))
    assert q.invalid == ["from", "to"]
    assert share.parse_query({"from": ["Gares", "x"], "to": 3, "at": "1" * 5000}).invalid == ["to", "at"]


def test_exports_roundtrip():
    dep = datetime(2011, 11, 15, 8, 0)
    it = Itinerary("transit", [
        Leg("walk", "A", "S1", dep, dep + timedelta(minutes=4), 300, [(-1.67, 48.10), (-1.672, 48.101)]),
        Leg("transit", "S1", "S2", dep + timedelta(minutes=6), dep + timedelta(minutes=20), 4000,
            [(-1.672, 48.101), (-1.65, 48.11), (-1.637, 48.118)], route="C4", route_color="E3051B")])
    gpx = gpxpy.parse(export.itinerary_gpx(it))
    segs = gpx.tracks[0].segments
    assert [len(s.points) for s in segs] == [2, 3]
    assert segs[1].points[-1].time.replace(tzinfo=None) == dep + timedelta(minutes=20)
    geo = json.loads(export.itinerary_geojson(it))
    assert [f["properties"]["route"] for f in geo["features"]] == [None, "C4"]
    paths, ends = maps.itinerary_tables(it)
    assert paths["color"].tolist() == [maps.MODE_COLORS["walk"], [227, 5, 27]]
    assert len(ends) == 2
    assert i18n.format_duration(4500) == "1 h 15" and i18n.format_duration(1500) == "25 min"
    assert i18n.format_distance(850) == "850 m" and i18n.format_co2(1530) == "1,5 kg"
    assert i18n.format_co2(1530, lang="en") == "1.5 kg"


def test_layer_preparation_escapes_and_colours():
    bikes = maps.LAYERS["bikeshare"].prepare({"velo-star": small_loader("velo-star").data})
    assert bikes["name"].tolist()[2] == "&lt;b&gt;X&lt;/b&gt;"
    B = maps.BIKESHARE_PALETTE
    assert bikes["color"].tolist() == [B["many"], B["empty"], B["empty"]]
    assert bikes["radius_m"].iloc[0] > bikes["radius_m"].iloc[1]
    assert bikes["info"].tolist() == ["30 / 40", "0 / 20", "2 / 10"]
    streets = maps.prepare_streets({"osm-streets": small_loader("osm-streets").data})
    assert len(streets) == 2  # the Point is not a street
    assert maps.hex_to_rgb("zz") == maps.GREY and maps.hex_to_rgb("#00ff00") == [0, 255, 0]
    assert maps.rgb_css([227, 5, 27, 90]) == "rgb(227,5,27)" and maps.rgb_hex([30, 160, 70]) == "#1ea046"
    import numpy as np

    hops = np.array([[-1.68, 48.11], [-1.679, 48.111], [-1.60, 48.20], [-1.601, 48.201], [-1.5, 48.3]])
    assert maps.split_long_hops(hops) == [[[-1.68, 48.11], [-1.679, 48.111]], [[-1.6, 48.2], [-1.601, 48.201]]]


def test_leaflet_is_served_locally_and_cdn_elements_are_refused():
    from folium.plugins import MarkerCluster

    from dashboard import leaflet

    static = Path(__file__).resolve().parents[2] / leaflet.STATIC_DIR
    assert (static / "leaflet.js").stat().st_size > 100_000 and (static / "images" / "marker-icon.png").exists()
    fmap = leaflet.localise(leaflet.base_map(streets=leaflet.streets_geojson(
        maps.prepare_streets({"osm-streets": small_loader("osm-streets").data}))))
    assert fmap.default_js == [("leaflet", "/app/static/leaflet/leaflet.js")]
    html = fmap.get_root().render()
    assert "MultiLineString" in html and "cdn." not in html and "tile.openstreetmap" not in html
    MarkerCluster().add_to(fmap)  # a plugin that loads its script from a CDN
    with pytest.raises(ValueError, match="outside resources"):
        leaflet.localise(fmap)


def test_online_tiles_only_when_the_tile_server_answers(monkeypatch):
    import http.server
    import threading

    class Ok(http.server.BaseHTTPRequestHandler):
        def do_HEAD(self):  # noqa: N802 - http.server's naming
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Ok)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        monkeypatch.setattr(state, "TILES_PROBE_URL", f"http://127.0.0.1:{srv.server_address[1]}/0/0/0.png")
        monkeypatch.setenv("SPMD_OFFLINE", "1")
        state._tiles_state.clear()
        assert state.tiles_reachable() is False  # offline: not even asked
        monkeypatch.delenv("SPMD_OFFLINE")
        assert state.tiles_reachable() is True
        srv.shutdown()
        assert state.tiles_reachable() is True  # remembered for TILES_CHECK_TTL_S
        state._tiles_state.clear()
        assert state.tiles_reachable() is False  # nobody answers: the drawn street map
    finally:
        srv.server_close()
        state._tiles_state.clear()
