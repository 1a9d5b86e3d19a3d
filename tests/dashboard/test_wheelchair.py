"""The wheelchair profile on the pages: the gap of the accessibility page and the ranked stops of the
scenarios page, on the tiny network of tests/planner_fixtures with STAR's accessibility extensions
(stops A, B, D accessible, C Jacques Cartier not; lines 1 and 2 accessible)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from streamlit.testing.v1 import AppTest

from dashboard import state
from dashboard.services import accessibility as access
from dashboard.services import scenarios as sv
from tests.browser_helpers import drawn, same_area

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
WINDOW = "08:00-08:10"


def _network(directory: Path, stops: dict[str, str]):
    from routing.network.assemble import build_network
    from sources.loaders.gtfs import load_gtfs
    from tests.factories import make_gtfs_dir
    from tests.planner_fixtures import (
        DAY,
        make_bikeshare,
        make_carpool,
        make_chargers,
        make_parkings,
        make_streets,
    )

    tables = {"stops_extensions.txt": [{"stop_id": s, "stop_accessible": v} for s, v in stops.items()],
              "routes_extensions.txt": [{"route_id": r, "route_accessible": "1"} for r in ("L1", "L2")]}
    feed = load_gtfs(make_gtfs_dir(directory / "gtfs", tables=tables)).data
    return build_network(feed=feed, streets=[make_streets()], day=DAY, bikeshare=make_bikeshare(),
                         carpool=make_carpool(), parkings=make_parkings(), chargers=make_chargers(),
                         digest="tiny-wc-" + "".join(stops.values()))


def _context(net) -> access.AccessContext:
    import shapely

    from routing.accessibility.engine import AccessibilityEngine
    from routing.network.zones import laea_grid

    grid = laea_grid(shapely.box(-1.684, 48.093, -1.662, 48.114))
    grid["insee"] = ["35238" if lon < -1.673 else "35051" for lon in grid["lon"]]
    grid["population"] = 10.0
    return access.AccessContext(AccessibilityEngine(net), grid, pd.Series({"35238": "Rennes",
                                                                           "35051": "Cesson-Sévigné"}))


@pytest.fixture(scope="module")
def wc_ctx(tmp_path_factory) -> access.AccessContext:
    return _context(_network(tmp_path_factory.mktemp("wc_net"), {"A": "1", "B": "1", "C": "0", "D": "1"}))


@pytest.fixture(scope="module")
def ranking(wc_ctx):
    # 15 min: within the tiny grid, 30 min of rolling reach every station whatever the stops
    return sv.rank_stops(wc_ctx, opportunity="bikeshare", cutoff_min=15)


def test_gap_without_accessible_stops_is_the_roll_against_the_best_trip(tmp_path):
    """No stop accessible: the wheelchair time is the rolling time (walking time x the profile's
    slowdown), capped; the loss is that minus everyone's best time by transit or on foot."""
    from routing.accessibility import Measure, Points, accessibility
    from routing.network import WHEELCHAIR

    ctx = _context(_network(tmp_path, {"A": "0", "B": "0", "C": "0", "D": "0"}))
    cells, communes = access.wheelchair_gap(ctx, opportunity="bikeshare", window=WINDOW, cutoff_min=20)
    walk = accessibility(ctx.engine, Points.from_frame(ctx.grid, id_col="cell_id"),
                         ctx.opportunities("bikeshare", window=WINDOW), mode="walk", window=WINDOW,
                         measure=Measure(kind="nearest", cutoff_s=3 * 3600.0, k=1.0))["p50"].to_numpy(float) / 60
    # the engine counts whole seconds on each part of a trip: 2 s at most apart
    np.testing.assert_allclose(cells["wheelchair_min"], np.minimum(walk * WHEELCHAIR.slowdown, 20.0), atol=2 / 60)
    assert (cells["everyone_min"] <= walk + 1e-9).all() and (cells["everyone_min"] < walk - 1).any()  # the bus helps
    np.testing.assert_allclose(cells["lost_min"], cells["wheelchair_min"] - cells["everyone_min"])
    # per commune: population-weighted minutes and the people of cells losing 5 min or more, by hand
    lost, insee = cells["lost_min"].to_numpy(), cells["insee"].to_numpy()
    for _, row in communes.iterrows():
        mine = insee == row["insee"]
        assert row["population"] == 10.0 * mine.sum()
        assert row["lost_min"] == pytest.approx(lost[mine].mean())
        assert row["people_affected"] == 10.0 * (lost[mine] >= access.GAP_AFFECTED_MIN).sum()
    assert communes["people_affected"].is_monotonic_decreasing


def test_gap_outside_cells_count_nowhere_and_cells_nobody_reaches_say_so(wc_ctx):
    east = (wc_ctx.grid["insee"] == "35051").to_numpy()
    cells, communes = access.wheelchair_gap(wc_ctx, opportunity="bikeshare", window=WINDOW, cutoff_min=5,
                                            outside=east)
    assert cells.loc[east, "lost_min"].isna().all() and cells.loc[~east, "lost_min"].notna().all()
    assert list(communes["name"]) == ["Rennes", "Cesson-Sévigné"]  # the commune outside the data last
    assert communes.iloc[1][["lost_min", "people_affected", "share_affected"]].isna().all()
    summary = access.gap_summary(cells)
    assert summary["people"] == 10.0 * (~east).sum()
    nobody = ~east & (cells["everyone_min"] >= access.GAP_CUTOFF_MIN).to_numpy()
    assert summary["nobody"] == 10.0 * nobody.sum()
    labels = {"nothing": "none", "nobody": "nobody", "outside": "outside"}
    table, breaks = access.gap_display(wc_ctx, cells, labels=labels, unit="min", fmt=lambda v: f"{v:.0f}")
    rows = table.to_dict("records")
    squares = wc_ctx.grid.geometry.to_numpy()
    lost = cells["lost_min"].to_numpy(float)

    def covers(infos: object, mask: np.ndarray) -> bool:  # the rows of these labels draw these cells
        return same_area(drawn([r for r in rows if infos(r["info"])]), shapely.union_all(squares[mask]))

    assert covers(lambda i: i == "outside", east)
    assert covers(lambda i: i.endswith(" min"), ~east & (lost > 0))  # a class of minutes lost
    assert covers(lambda i: i in ("none", "nobody"), ~east & (lost == 0))
    assert not nobody.any() or covers(lambda i: i == "nobody", nobody)


def test_ranked_stops_and_their_points(ranking, wc_ctx):
    assert list(ranking.table["stop_id"]) == ["C"] and ranking.table["gain"].iloc[0] == 50.0
    points = sv.ranked_stops_points(ranking, wc_ctx.engine.network, name=lambda r: f"{r['rank']}. <{r['name']}>")
    tt = wc_ctx.engine.network.timetable
    c = list(tt.stop_ids).index("C")
    assert (points["lon"].iloc[0], points["lat"].iloc[0]) == (float(tt.stop_lon[c]), float(tt.stop_lat[c]))
    assert points["name"].iloc[0] == "1. &lt;Jacques Cartier&gt;" and points["radius_m"].iloc[0] == 300.0


@pytest.fixture()
def wc_app(wc_ctx, ranking):
    from routing.planner.planner import Planner
    from tests.browser_helpers import small_loader

    planner = Planner(wc_ctx.engine.network)
    state.set_override("planner", lambda: planner)
    state.set_override("access", lambda: wc_ctx)
    state.set_override("load_dataset", small_loader)
    state.set_override("stop_ranking", lambda: ranking)
    yield AppTest.from_file(APP, default_timeout=120)
    state.clear_overrides()


def _decks(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.json) for el in at.get("deck_gl_json_chart")]


def test_accessibility_page_wheelchair_profile_shows_the_gap(wc_app, wc_ctx):
    at = wc_app
    at.session_state["acc_opp"] = "bikeshare"
    at.session_state["acc_mode"] = "bike"  # not a mode of the profile: becomes transit
    at.session_state["acc_window"] = "08:00-09:00"
    at.run()
    at.switch_page("pages/accessibility.py").run()
    assert [tab.label for tab in at.tabs][-1] == "Isochrones"  # everyone: no gap
    at.radio(key="acc_profile").set_value("wheelchair").run()
    assert not at.exception and not at.error
    assert at.selectbox(key="acc_mode").value == "transit"
    assert at.selectbox(key="acc_mode").options == ["Bus / métro", "En fauteuil, sans transport"]
    assert [tab.label for tab in at.tabs][-1] == "Temps perdu en fauteuil"
    gap = next(x for d in _decks(at) for x in d["layers"] if x["id"] == "wc_gap_cells")
    assert same_area(drawn(gap["data"]), shapely.union_all(wc_ctx.grid.geometry.to_numpy()))  # every cell
    legend = at.markdown[[i for i, m in enumerate(at.markdown) if "spmd-legend" in m.value][-1]].value
    assert "Aucune minute perdue" in legend and " min" in legend
    assert any(m.label.startswith("Habitants perdant au moins 5 min") for m in at.metric)
    sentence = next(c.value for c in at.caption if c.value.startswith("En fauteuil roulant, "))
    assert "perdent au moins 5 min" in sentence and "La commune la plus touchée" in sentence
    communes = at.dataframe[-1].value
    assert list(communes.columns) == ["commune", "touchés (part)", "min perdues"]  # three columns fit a phone
    assert set(communes["commune"]) == {"Rennes", "Cesson-Sévigné"}


def test_scenarios_page_ranks_the_stops_on_demand(wc_app):
    at = wc_app
    at.session_state["scen_base"] = "none"
    at.session_state["scen_new"] = "none"
    at.run()
    at.switch_page("pages/scenarios.py").run()
    assert not at.exception
    assert "Quels arrêts rendre accessibles en premier ?" in [h.value for h in at.subheader]
    assert any("une minute" in c.value for c in at.caption)  # said before the button is pressed
    assert not any(x["id"] == "wc_rank_stops" for d in _decks(at) for x in d["layers"])
    at.button(key="wc_rank_go").click().run()
    assert not at.exception and not at.error
    stops = next(x for d in _decks(at) for x in d["layers"] if x["id"] == "wc_rank_stops")
    assert [r["name"] for r in stops["data"]] == ["1. Jacques Cartier"]
    table = at.dataframe[-1].value
    assert table.iloc[0].tolist() == ["1", "Jacques Cartier", "50", "50"]
    assert any(c.value.startswith("Rendre accessibles les arrêts classés ajouterait 50 habitants × stations") for c in at.caption)
