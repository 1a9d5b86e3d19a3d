"""The "Scénarios" page through AppTest on the tiny real network, and its Streamlit-free helpers."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import state
from dashboard.services import scenarios as sv
from routing.scenarios.scenario import MAX_SCENARIO_BYTES, ScenarioError, load_scenario

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    import shapely

    from dashboard.services.accessibility import AccessContext
    from routing.accessibility.engine import AccessibilityEngine
    from routing.network.zones import laea_grid
    from routing.planner.planner import Planner
    from tests.planner_fixtures import make_network

    net = make_network(tmp_path_factory.mktemp("scen_net"))
    grid = laea_grid(shapely.box(-1.70, 48.09, -1.66, 48.125))
    grid["insee"] = ["35238" if lon < -1.68 else "35051" for lon in grid["lon"]]
    grid["population"] = 10.0
    names = pd.Series({"35238": "Rennes", "35051": "Cesson-Sévigné"})
    return Planner(net), AccessContext(AccessibilityEngine(net), grid, names)


@pytest.fixture()
def app_env(tiny):
    planner, ctx = tiny
    state.set_override("planner", lambda: planner)
    state.set_override("access", lambda: ctx)
    from tests.browser_helpers import small_loader

    state.set_override("load_dataset", small_loader)
    yield planner
    state.clear_overrides()


def _decks(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.json) for el in at.get("deck_gl_json_chart")]


def test_page_draws_the_line_compares_and_plans_with_and_without(app_env):
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["scen_opp"] = "population"
    at.run()
    at.switch_page("pages/scenarios.py").run()
    assert not at.exception and not at.error
    assert at.header[0].value == "Scénarios : et si… ?"
    assert at.selectbox(key="scen_base").value == "metro-a" and at.selectbox(key="scen_new").value == "metro-b"
    lines = next(x for x in _decks(at)[0]["layers"] if x["id"] == "scen_lines")
    assert [row["name"] for row in lines["data"]] == ["a", "b"] and len(lines["data"][1]["path"]) == 15
    # the description and sources are plain text
    assert any("Wikipédia" in el.value for el in at.text)
    at.button(key="scen_compare").click().run()
    assert not at.exception and not at.error
    layers = {x["id"]: x for d in _decks(at) for x in d["layers"]}
    diff = layers["scen_diff"]
    assert all(row["color"][:3] in sv.DIVERGING.values() for row in diff["data"])
    # the new line drawn over the gains; the legend gives the line and signed magnitudes with units
    assert [row["name"] for row in layers["scen_diff_lines"]["data"]] == ["a", "b"]
    md = "\n".join(m.value for m in at.markdown)
    assert "Ligne ajoutée : b" in md and "≥ +" in md and "habitants" in md
    assert at.button(key="scen_compare").label == "Comparer les deux réseaux"  # no promise of a duration
    assert any("la moitié des habitants" in c.value for c in at.caption)  # the histograms' sentence
    assert any("Rennes" in d.value.to_csv() for d in at.dataframe)
    # the trip planner's answer before and after, on the tiny network's own stops
    at.text_input(key="scen_from").input("48.1035,-1.6727").run()
    at.text_input(key="scen_to").input("48.1100,-1.6780").run()
    assert not at.exception
    md = "\n".join(m.value for m in at.markdown)
    assert "Avant" in md and "Après" in md


def test_kiosk_preset_button_sets_the_metro_b_pair(app_env):
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["scen_base"] = "none"
    at.run()
    at.switch_page("pages/scenarios.py").run()
    at.button(key="scen_preset").click().run()
    assert at.button(key="scen_preset").label == "Et si le métro b avait existé en 2011 ?"
    assert (at.session_state["scen_base"], at.session_state["scen_new"]) == ("metro-a", "metro-b")
    assert at.session_state["scen_from"] == "Cleunay"


def test_uploads_are_checked_and_never_executed():
    good = (Path(__file__).resolve().parents[2] / "assets" / "scenarios" / "metro-b.toml").read_bytes()
    sc = sv.read_upload(good, "mine.toml")
    assert sc.name == load_scenario("metro-b").name and len(sc.added_lines) == 2
    with pytest.raises(ScenarioError, match="budget"):
        sv.read_upload(b" " * (MAX_SCENARIO_BYTES + 1), "big.toml")
    with pytest.raises(ScenarioError, match="extends"):
        sv.read_upload(b'name = "x"\nextends = "../../etc/passwd"\n', "evil.toml")
    with pytest.raises(ScenarioError, match="UTF-8"):
        sv.read_upload(b"\x80\x04\x95 pickle", "pickle.toml")
    with pytest.raises(ScenarioError, match="TOML"):
        sv.read_upload(b"cos\nsystem\n(S'ls'\ntR.", "pickle.toml")


def test_read_upload_lets_only_scenario_errors_out(monkeypatch: pytest.MonkeyPatch) -> None:
    import routing.scenarios as scenarios

    deep = b'name = "x"\nx = ' + b"[" * 2000 + b"]" * 2000 + b"\n"  # a RecursionError in tomllib
    with pytest.raises(ScenarioError, match="nested too deeply"):
        sv.read_upload(deep, "deep.toml")

    def broken(*args, **kwargs):
        raise KeyError("a bug")

    monkeypatch.setattr(scenarios, "parse_scenario", broken)
    with pytest.raises(ScenarioError, match="unreadable scenario"):
        sv.read_upload(b'name = "x"\n', "x.toml")
