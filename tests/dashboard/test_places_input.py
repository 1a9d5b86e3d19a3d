"""The one place box (dashboard/places_input.py): what a suggestion says, the place-name budget,
the chosen place kept beside its text (swap, links), house numbers with and without the address
base. AppTest has no browser: the box is its text-box form here (the suggestions themselves are
driven in tests/browser/test_place_suggestions.py)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import places_input, state
from routing.network import AddressIndex
from routing.places import Place

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


def test_a_suggestion_is_an_icon_a_readable_name_and_its_commune() -> None:
    stop = Place("République", "stop", -1.679, 48.11, "1234")
    assert places_input.suggestion_label(stop, "Rennes") == "🚏 République · Rennes"
    assert places_input.suggestion_label(stop) == "🚏 République"  # no commune known: none said
    street = Place("Rue de Rennes", "street", -1.6, 48.1)
    assert places_input.suggestion_label(street, "Rennes") == "🛣 Rue de Rennes"  # said once
    hostile = Place("<b>x</b>\n[a](http://e.vil)\x00" + "y" * 300, "weird", 0.0, 0.0)
    label = places_input.suggestion_label(hostile, "Rennes")
    assert label.startswith(places_input.DEFAULT_ICON) and "\n" not in label and "\x00" not in label
    assert len(label) < 160 and label.endswith("· Rennes")  # cut, and shown as text by the component
    for kind in ("metro", "stop", "commune", "landmark", "street", "parking", "bikeshare", "carpool", "charger"):
        assert kind in places_input.KIND_ICONS


def test_a_text_over_the_place_name_budget_is_refused_before_any_search(app_planner, monkeypatch) -> None:
    monkeypatch.setenv("SPMD_BUDGET_MAX_PLACE_CHARS", "20")
    with pytest.raises(ValueError, match="SPMD_BUDGET_MAX_PLACE_CHARS"):
        places_input.find_places("x" * 21)
    assert [p.name for p in places_input.find_places("Gares")] == ["Gares"]
    assert places_input.find_places("Gares", kinds=("street",)) == []


def test_the_box_is_a_text_box_without_a_browser(app_planner) -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not places_input.suggestions_on()
    assert at.text_input(key="from_q").label == "Départ"


def test_a_point_picked_on_the_map_is_shared_as_coordinates_and_planned_from_them(app_planner) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    point = Place("Rue de Brest, Rennes", "coordinates", -1.6951, 48.1121)
    at.session_state["from_q"] = point.name
    at.session_state["from_q__place"] = (point.name, point)
    at.session_state["to_q"] = "Gares"
    at.run()
    at.button(key="go").click().run()
    assert not at.exception
    assert app_planner.calls[-1]["origin"] == point  # the point, not the street's first match
    assert at.query_params["from"] == "48.11210,-1.69510"
    # swapped: the chosen place goes with its text
    at.button(key="swap").click().run()
    assert at.session_state["to_q"] == point.name and at.session_state["to_q__place"][1] == point
    at.text_input(key="to_q").input("Beaulieu").run()  # typed over: the point is forgotten
    at.button(key="go").click().run()
    assert app_planner.calls[-1]["destination"].name == "Beaulieu Chimie"


def _ban() -> pd.DataFrame:
    return pd.DataFrame([("35238_x_00012", 12, None, "Rue de Brest", "Rennes", -1.6960, 48.1118)],
                        columns=["id", "numero", "rep", "nom_voie", "nom_commune", "lon", "lat"])


def test_house_numbers_use_the_address_base_when_present_else_the_street_is_said(app_planner) -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input(key="from_q").input("12 rue de Brest").run()
    assert not at.exception
    assert "numéros de rue ne sont pas dans les données hors ligne" in "\n".join(c.value for c in at.caption)
    assert at.selectbox(key="from_pick").options[0].startswith("Rue de Brest")

    index = AddressIndex(_ban())
    state.set_override("addresses", lambda: index)
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input(key="from_q").input("12 rue de Brest").run()
    assert at.selectbox(key="from_pick").options[0].startswith("12 Rue de Brest")
    assert "numéros de rue" not in "\n".join(c.value for c in at.caption)
    at.text_input(key="to_q").input("Gares").run()
    at.button(key="go").click().run()
    origin = app_planner.calls[-1]["origin"]
    assert (origin.kind, origin.lat) == ("address", 48.1118)
