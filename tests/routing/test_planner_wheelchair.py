"""The wheelchair profile on the tiny network: accessible boarding and alighting only, exact answers.

The tiny feed (tests.factories) gets STAR's accessibility extensions: ``stops_extensions.txt`` and
``routes_extensions.txt``, read by the GTFS loader into the timetable's flags. An express route
``X`` (A 08:02 -> D 08:06, not accessible) is added to test the longer accessible trip.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from routing.network.assemble import build_network
from routing.planner.planner import Planner, PlanParams
from routing.transit.accessible import accessible_timetable
from sources.loaders.gtfs import load_gtfs
from tests.factories import ROUTES, STOP_TIMES, TRIPS, make_gtfs_dir
from tests.planner_fixtures import (
    DAY,
    at,
    make_bikeshare,
    make_carpool,
    make_chargers,
    make_parkings,
    make_streets,
)
from tests.planner_fixtures import node_xy as xy

TRANSIT = ["transit"]
EXPRESS = {
    "routes.txt": [*ROUTES, {"route_id": "X", "agency_id": "STAR", "route_short_name": "X", "route_long_name": "A - D",
                             "route_type": "3", "route_color": "000000", "route_text_color": "FFFFFF"}],
    "trips.txt": [*TRIPS, {"route_id": "X", "service_id": "WK", "trip_id": "X1", "direction_id": "0"}],
    "stop_times.txt": [*STOP_TIMES,
                       {"trip_id": "X1", "arrival_time": "08:02:00", "departure_time": "08:02:00", "stop_id": "A",
                        "stop_sequence": "1"},
                       {"trip_id": "X1", "arrival_time": "08:06:00", "departure_time": "08:06:00", "stop_id": "D",
                        "stop_sequence": "2"}],
}


def _planner(directory: Path, stops: dict[str, str], routes: dict[str, str]) -> Planner:
    tables = {**EXPRESS,
              "stops_extensions.txt": [{"stop_id": s, "stop_accessible": v} for s, v in stops.items()],
              "routes_extensions.txt": [{"route_id": r, "route_accessible": v} for r, v in routes.items()]}
    feed = load_gtfs(make_gtfs_dir(directory / "gtfs", tables=tables)).data
    net = build_network(feed=feed, streets=[make_streets()], day=DAY, bikeshare=make_bikeshare(),
                        carpool=make_carpool(), parkings=make_parkings(), chargers=make_chargers(), digest="tiny-wc")
    return Planner(net)


def _rides(result) -> list[tuple[str, str, str]]:
    it = next(i for i in result.itineraries if i.label == "transit")
    return [(leg.route, leg.from_stop_id, leg.to_stop_id) for leg in it.legs if leg.mode == "transit"]


ALL = {"A": "1", "B": "1", "C": "1", "D": "1"}
WHEELCHAIR = PlanParams(wheelchair=True)


def test_flags_reach_the_timetable_and_inaccessible_stops_are_ridden_through(tmp_path: Path) -> None:
    planner = _planner(tmp_path, {**ALL, "C": "0"}, {"L1": "1", "L2": "1", "X": "0"})
    tt = planner.tt
    assert dict(zip(tt.stop_ids, tt.stop_wheelchair.tolist(), strict=True)) == {"A": 1, "B": 1, "C": 2, "D": 1}
    assert dict(zip(tt.route_ids, tt.route_wheelchair.tolist(), strict=True)) == {"L1": 1, "L2": 1, "X": 2}
    masked = accessible_timetable(tt)
    rows = {(tt.trip_ids[t], tt.stop_ids[a], tt.stop_ids[b], int(d), int(r)) for t, a, b, d, r in
            zip(masked.trip, masked.dep_stop, masked.arr_stop, masked.dep_time, masked.arr_time, strict=True)
            if int(d) < 9 * 3600}
    # T1 A-B-C-D: B -> D jumps over C (ridden through); the express X has no connection left
    assert rows == {("T1", "A", "B", 28800, 29100), ("T1", "B", "D", 29100, 29700),
                    ("T2", "A", "B", 30000, 30300), ("T2", "B", "D", 30300, 30900),
                    ("T3", "D", "B", 28800, 29520), ("T3", "B", "A", 29520, 29880)}
    # from A to D on line 1 through C: allowed
    res = planner.plan(xy(30), xy(3), at(8, 0), modes=TRANSIT, params=WHEELCHAIR)
    assert _rides(res) == [("1", "A", "D")]


def test_an_inaccessible_stop_is_never_boarded_or_left(tmp_path: Path) -> None:
    planner = _planner(tmp_path, {**ALL, "C": "0"}, {"L1": "1", "L2": "1", "X": "1"})
    normal = planner.plan(xy(30), xy(12), at(8, 0), modes=TRANSIT)
    legs = [leg for leg in normal.itineraries[0].legs if leg.mode == "transit"]
    assert legs[-1].to_name == "Jacques Cartier"  # stop C
    res = planner.plan(xy(30), xy(12), at(8, 0), modes=TRANSIT, params=WHEELCHAIR)
    assert res.ok
    stops = {s for _, a, b in _rides(res) for s in (a, b)}
    assert "C" not in stops and stops <= {"A", "B", "D"}
    assert res.itineraries[0].arrival > normal.itineraries[0].arrival
    assert any(getattr(n, "key", "") == "wheelchair.profile" for n in res.notes)
    leg = next(leg for leg in res.itineraries[0].legs if leg.mode == "transit")
    assert any(getattr(n, "key", "") == "wheelchair.leg_accessible" for n in leg.notes)


def test_a_longer_accessible_trip_is_chosen_over_an_inaccessible_express(tmp_path: Path) -> None:
    planner = _planner(tmp_path, ALL, {"L1": "1", "L2": "1", "X": "0"})
    normal = planner.plan(xy(30), xy(3), at(8, 1), modes=TRANSIT)
    assert [leg.route for leg in normal.itineraries[0].legs if leg.mode == "transit"] == ["X"]  # 08:02 -> 08:06
    res = planner.plan(xy(30), xy(3), at(8, 1), modes=TRANSIT, params=WHEELCHAIR)
    assert _rides(res) == [("1", "A", "D")]  # T2, 08:20 -> 08:35
    ride = next(leg for leg in res.itineraries[0].legs if leg.mode == "transit")
    assert (ride.departure.time().isoformat(), ride.arrival.time().isoformat()) == ("08:20:00", "08:35:00")


@pytest.mark.parametrize(("side", "stops", "ends"), [
    ("origin", {**ALL, "A": "0", "B": "0"}, (30, 3)),
    ("destination", {**ALL, "C": "0", "D": "0"}, (30, 3)),
])
def test_no_trip_names_the_end_without_an_accessible_stop(tmp_path: Path, side: str, stops: dict[str, str],
                                                          ends: tuple[int, int]) -> None:
    planner = _planner(tmp_path, stops, {"L1": "1", "L2": "1", "X": "1"})
    assert planner.plan(xy(ends[0]), xy(ends[1]), at(8, 0), modes=TRANSIT).ok
    res = planner.plan(xy(ends[0]), xy(ends[1]), at(8, 0), modes=TRANSIT, params=WHEELCHAIR)
    assert not res.ok
    why = res.reasons["transit"]
    assert why.key == f"wheelchair.no_stop_{side}"
    assert why.params["place"] == (res.origin if side == "origin" else res.destination).name
    assert res.reason == why


def test_unknown_accessibility_counts_as_not_accessible_and_is_said(tmp_path: Path) -> None:
    planner = _planner(tmp_path, {"A": "1", "D": "1"}, {"L1": "1", "X": "1"})  # B, C, L2 unknown
    tt = planner.tt
    assert tt.stop_wheelchair.tolist() == [1, 0, 0, 1] and tt.route_wheelchair.tolist() == [1, 0, 1]
    res = planner.plan(xy(30), xy(3), at(8, 0), modes=TRANSIT, params=WHEELCHAIR)
    notes = {getattr(n, "key", ""): n for n in res.notes}
    assert notes["wheelchair.unknown_stops"].params["n"] == 2
    masked = accessible_timetable(tt)
    assert set(tt.stop_ids[np.concatenate([masked.dep_stop, masked.arr_stop])]) <= {"A", "D"}


def test_wheelchair_rolls_slower_and_avoids_steps(tmp_path: Path) -> None:
    from dataclasses import replace

    from routing.network.wheelchair import WHEELCHAIR as PROFILE
    from routing.network.wheelchair import wheelchair_graph

    planner = _planner(tmp_path, ALL, {"L1": "1", "L2": "1", "X": "1"})
    normal = planner.plan(xy(0), xy(3), at(8, 0), modes=["walk"])
    rolled = planner.plan(xy(0), xy(3), at(8, 0), modes=["walk"], params=WHEELCHAIR)
    ratio = rolled.itineraries[0].duration_s / normal.itineraries[0].duration_s
    assert ratio == pytest.approx(PROFILE.slowdown, rel=0.02)
    edges = planner.network.streets.edges.copy()
    edges["highway"] = "steps"
    g = wheelchair_graph(planner.network.graphs["walk"], edges)
    assert np.isinf(g.travel_time_s).all()
    g = wheelchair_graph(planner.network.graphs["walk"], edges, replace(PROFILE, avoid_steps=False))
    assert np.isfinite(g.travel_time_s).all()
