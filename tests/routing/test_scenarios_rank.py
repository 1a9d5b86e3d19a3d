"""Which stops first (routing.scenarios.rank) on the tiny network: the greedy ranking, its
incremental evaluation against the straightforward one, and each gain against the engine run
again on the network with the stops made accessible.

Tiny feed (tests.factories): line 1 A 08:00 -> B -> C -> D 08:15, line 2 D 08:00 -> C 08:06 ->
B 08:12 -> A 08:18, both lines accessible; only A is an accessible stop. People live at D (100)
and at C (10); the one opportunity (weight 10) is at A. Departures 07:55-08:00, 30 min.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from routing.accessibility.engine import Points
from routing.network.assemble import build_network
from routing.scenarios.rank import rank_stops, wheelchair_total
from routing.scenarios.scenario import with_scenario
from sources.loaders.gtfs import load_gtfs
from tests.factories import STOPS, make_gtfs_dir
from tests.planner_fixtures import DAY, make_streets

WINDOW = "07:55-08:00"
XY = {s["stop_id"]: (float(s["stop_lon"]), float(s["stop_lat"])) for s in STOPS}


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory):
    directory = tmp_path_factory.mktemp("rank")
    tables = {"stops_extensions.txt": [{"stop_id": s, "stop_accessible": "1" if s == "A" else "0"} for s in XY],
              "routes_extensions.txt": [{"route_id": r, "route_accessible": "1"} for r in ("L1", "L2")]}
    feed = load_gtfs(make_gtfs_dir(directory / "gtfs", tables=tables)).data
    net = build_network(feed=feed, streets=[make_streets()], day=DAY, digest="tiny-rank")
    grid = pd.DataFrame({"cell_id": ["at-d", "at-c", "at-b"], "lon": [XY["D"][0], XY["C"][0], XY["B"][0]],
                         "lat": [XY["D"][1], XY["C"][1], XY["B"][1]], "population": [100.0, 10.0, 0.0]})
    opp = Points(np.array(["work"], dtype=object), np.array([XY["A"][0]]), np.array([XY["A"][1]]), np.array([10.0]))
    return net, grid, opp


def test_greedy_ranking_on_the_tiny_network(town) -> None:
    net, grid, opp = town
    ranking = rank_stops(net, grid, opp, top=3, window=WINDOW)
    table = ranking.table
    # D first: its 100 people board line 2 there at 08:00 and reach the work at A by 08:18
    assert table["stop_id"].iloc[0] == "D"
    assert table["gain"].iloc[0] == pytest.approx(100 * 10)
    assert ranking.candidates == 3 and list(table["rank"]) == list(range(1, len(table) + 1))
    assert (table["gain"] > 0).all() and "B" not in set(table["stop_id"])  # nobody near B, nothing at B
    assert np.allclose(table["cumulative_gain"], table["gain"].cumsum())
    # fewer stops than asked add anything: said, in both languages
    note = ranking.note()
    assert note is not None and note.key == "wheelchair.rank_fewer_stops" and note.params["stops"] == len(table) < 3
    assert note.render("fr") != note.render("en") and str(len(table)) in note.render("fr")
    assert ranking.to_json()["note"]["key"] == "wheelchair.rank_fewer_stops"
    # each prefix of the ranking, applied as a scenario and run from scratch, gives the cumulative gain
    before = wheelchair_total(net, grid, opp, window=WINDOW)
    assert before == pytest.approx(ranking.baseline, rel=1e-12)
    for rank in range(1, len(table) + 1):
        after = wheelchair_total(with_scenario(net, ranking.scenario(rank)), grid, opp, window=WINDOW)
        assert after - before == pytest.approx(table["cumulative_gain"].iloc[rank - 1], rel=1e-9, abs=1e-9)


def test_incremental_and_rebuild_rank_alike(town) -> None:
    net, grid, opp = town
    fast = rank_stops(net, grid, opp, top=3, window=WINDOW)
    slow = rank_stops(net, grid, opp, top=3, window=WINDOW, method="rebuild")
    pd.testing.assert_frame_equal(fast.table, slow.table, check_exact=False, rtol=1e-12)
    assert fast.baseline == pytest.approx(slow.baseline, rel=1e-12)
    with pytest.raises(ValueError, match="method"):
        rank_stops(net, grid, opp, method="exhaustive")


def test_candidates_are_inaccessible_stops_served_in_the_window(town, tmp_path: Path) -> None:
    net, grid, opp = town
    # at 12:00 no vehicle runs: nothing can be gained, nothing is ranked, and it is said
    ranking = rank_stops(net, grid, opp, top=2, window="12:00-12:05")
    assert ranking.candidates == 0 and ranking.table.empty and ranking.note() is None
