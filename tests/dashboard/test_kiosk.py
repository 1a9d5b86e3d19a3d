"""The kiosk (``?kiosk=1``) through AppTest: tiles, a trip planned by the planner's own ``plan``,
the languages, "Recommencer"; and its plain helpers. The other pages' addresses leading back to it
are tested in a browser (tests/browser/test_kiosk.py)."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

from streamlit.testing.v1 import AppTest

from dashboard.services import kiosk
from routing.network import load_landmarks

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


def _kiosk() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["kiosk"] = "1"
    return at.run()


def _markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_every_place_of_the_kiosk_is_a_landmark():
    table = load_landmarks()
    for name in (kiosk.ORIGIN, *(row[1] for row in kiosk.DESTINATIONS)):
        place = kiosk.landmark_place(table, name)
        assert place.kind == "landmark" and place.name == name
    assert 4 <= len(kiosk.DESTINATIONS) <= 6


def test_trips_leave_now_within_the_timetable_day():
    day = date(2011, 11, 15)
    assert kiosk.departure_at(day, datetime(2026, 12, 6, 14, 38, 12)) == datetime(2011, 11, 15, 14, 35)
    assert kiosk.departure_at(day, datetime(2026, 12, 6, 3, 10)) == datetime(2011, 11, 15, 6, 0)
    assert kiosk.departure_at(day, datetime(2026, 12, 6, 23, 59)) == datetime(2011, 11, 15, 21, 0)


def test_a_tile_plans_from_the_kiosk_then_recommencer_goes_back(app_planner):
    at = _kiosk()
    assert not at.exception and at.title[0].value == "Où allez-vous ?"
    assert "stSidebar" in _markdown(at)  # the kiosk CSS hides the sidebar and menus
    assert not at.get("file_uploader") and not at.text_input and not at.get("page_link")
    tiles = [b for b in at.button if b.key.startswith("kiosk_tile_")]
    assert [b.label for b in tiles][:2] == ["Hôtel de Ville", "Les Champs Libres"] and len(tiles) == 6
    start_map = _trip_map(at)  # already on the start screen (hidden): a tap only draws the trip on it
    assert json.loads(start_map.json_args)["feature_group"].count("L.polyline") == 0
    at.button(key="kiosk_tile_beaulieu").click().run()
    assert _trip_map(at).id == start_map.id and "L.polyline" in json.loads(_trip_map(at).json_args)["feature_group"]
    call = app_planner.calls[-1]
    assert (call["origin"].name, call["destination"].name) == ("Gare de Rennes", "Campus de Beaulieu")
    assert call["modes"] == kiosk.MODES and call["when"].date() == app_planner.date
    assert at.header[0].value == "Gare de Rennes → Campus de Beaulieu"
    assert 'class="spmd-card spmd-compact selected' in _markdown(at)
    at.button(key="kiosk_lang_en").click().run()  # the words change, the trip stays (not planned again)
    assert at.header[0].value == "Rennes railway station → Beaulieu campus" and len(app_planner.calls) == 1
    assert "Walk" in _markdown(at)
    at.button(key="kiosk_reset").click().run()
    assert at.title[0].value == "Où allez-vous ?"  # back to the start, in French
    assert 'class="spmd-card' not in _markdown(at) and at.query_params.get("kiosk") == "1"
    assert _trip_map(at).id == start_map.id


def _trip_map(at: AppTest):
    """The kiosk's trip map (streamlit-folium component), the same element on every screen."""
    maps_ = [el.proto for el in at.get("component_instance") if "folium" in el.proto.component_name]
    assert len(maps_) == 1
    return maps_[0]

