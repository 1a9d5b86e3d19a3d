"""Scenarios on the real 2011 network: metro a and b from the bundle's stations, the default network."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from routing.constants import UNREACHABLE
from routing.scenarios.scenario import (
    NOTE_ESTIMATED,
    load_scenario,
    network_with_scenario,
    with_scenario,
)
from routing.transit import csa

DAY = dt.date(2011, 11, 15)

pytestmark = pytest.mark.bundle


@pytest.fixture(scope="module")
def network(rennes_network):
    assert rennes_network.day == DAY  # the feed's representative weekday
    return rennes_network


@pytest.fixture(scope="module")
def metro_a(network):
    return network_with_scenario(network)  # the default for the bus-only 2011 feed


def _h(hms: str) -> int:
    h, m = (int(x) for x in hms.split(":"))
    return h * 3600 + m * 60


def test_default_network_is_bus_2011_plus_metro_a_and_baseline_untouched(network, metro_a) -> None:
    assert not (network.timetable.route_types == 1).any()  # the 2011 feed has no metro
    digest = network.timetable.digest
    assert network_with_scenario(network, "none") is network
    tt = metro_a.timetable
    assert network.timetable.digest == digest and tt.n_stops == network.timetable.n_stops + 15
    metro = np.flatnonzero(tt.route_types == 1)
    assert [str(tt.route_short_names[r]) for r in metro] == ["a"]
    assert metro_a.notes[-1].startswith("scenario: STAR bus 2011 + métro a")
    # every new station is linked to the walk graph and has transfers to bus stops
    new = np.arange(network.timetable.n_stops, tt.n_stops)
    assert (metro_a.stop_walk_m[new] < 300).all()
    fp = tt.footpaths_frame()
    assert set(tt.stop_ids[new]) <= set(fp.from_stop_id) & set(fp.to_stop_id)


def test_metro_a_end_to_end_takes_the_cited_16_minutes(metro_a) -> None:
    tt = metro_a.timetable
    cited_min = load_scenario("metro-a").added_lines[0]["end_to_end_min"]
    assert cited_min == 16
    jfk, pot = tt.stop_index("metro:JFK"), tt.stop_index("metro:POT")
    for t0 in (_h("08:00"), _h("14:00")):
        arr = csa.earliest_arrival_time(tt, jfk, pot, t0)
        res = csa.earliest_arrival(tt, np.array([[jfk, t0]], dtype=np.int64))
        legs = csa.journey(tt, res, pot)
        ride = [leg for leg in legs if leg.mode == "transit"]
        assert len(ride) == 1 and ride[0].from_stop == jfk
        assert abs((ride[0].arr_time_s - ride[0].dep_time_s) - cited_min * 60) <= 60
        assert arr - t0 <= cited_min * 60 + 90  # at most a 1 min 30 peak / 4 min 30 wait on top
    # first and last departures from the cited span, both ways
    offsets, order = tt.stop_departures
    deps = tt.dep_time[order[offsets[jfk]:offsets[jfk + 1]]]
    trips = tt.trip[order[offsets[jfk]:offsets[jfk + 1]]]
    metro = deps[tt.route_types[tt.trip_route[trips]] == 1]
    assert (metro.min(), metro.max()) == (_h("05:15"), _h("24:30"))


def test_villejean_to_republique_at_8_rides_the_metro_with_an_estimated_note(metro_a) -> None:
    from routing.planner.planner import Planner

    planner = Planner(metro_a)
    res = planner.plan("Villejean-Université", "République", dt.datetime(2011, 11, 15, 8, 0), modes=["transit"])
    assert res.ok
    legs = [leg for leg in res.itineraries[0].legs if leg.mode == "transit"]
    assert legs and legs[0].route == "a"
    note = next(n for n in legs[0].notes if getattr(n, "key", "") == NOTE_ESTIMATED)
    assert note.params == {"minutes": 1.5} and "estimated" in note


def test_bare_feed_has_no_metro_leg(network) -> None:
    from routing.planner.planner import Planner

    res = Planner(network).plan("Villejean-Université", "République", dt.datetime(2011, 11, 15, 8, 0),
                                modes=["transit"])
    assert all(leg.route != "a" for it in res.itineraries for leg in it.legs)


def test_metro_b_adds_line_b_on_top_of_a(network) -> None:
    net_b = with_scenario(network, "metro-b")
    tt = net_b.timetable
    assert sorted(str(tt.route_short_names[r]) for r in np.flatnonzero(tt.route_types == 1)) == ["a", "b"]
    sjg, cvi = tt.stop_index("metro:SJG"), tt.stop_index("metro:CVI")
    res = csa.earliest_arrival(tt, np.array([[sjg, _h("10:00")]], dtype=np.int64))
    ride = [leg for leg in csa.journey(tt, res, cvi) if leg.mode == "transit"]
    assert len(ride) == 1 and abs(ride[0].arr_time_s - ride[0].dep_time_s - 21 * 60) <= 60
    # Gares and Sainte-Anne are shared with line a: one stop each
    assert list(tt.stop_ids).count("metro:GAR") == 1


@pytest.mark.slow
def test_engine_equals_reference_on_the_metro_b_timetable(bundle_dir: Path) -> None:
    """200 seeded queries on the 2011 day + metro a + metro b, half of them from or to a metro station."""
    from devkit.reference_router import INF as REF_INF
    from devkit.reference_router import ReferenceRouter, load_feed
    from routing.scenarios.scenario import apply_scenario
    from routing.transit.timetable import build_timetable

    base = build_timetable(load_feed(bundle_dir / "gtfs" / "star-2011-11-14.zip"), DAY)
    tt = apply_scenario(base, load_scenario("metro-b"))
    ref = ReferenceRouter(tt)
    rng = np.random.default_rng(20111115)
    served = np.unique(np.concatenate([tt.dep_stop, tt.arr_stop]))
    metro = np.arange(base.n_stops, tt.n_stops)
    equal, reached = 0, 0
    for k in range(200):
        a, b = (int(x) for x in rng.choice(served, 2, replace=False))
        if k % 2:
            a = int(rng.choice(metro))
        t0 = int(rng.integers(5 * 3600, 23 * 3600))
        got = csa.earliest_arrival_time(tt, a, b, t0)
        got = got if got < UNREACHABLE else REF_INF
        assert got == ref.earliest_arrival([(a, t0)], b), (a, b, t0)
        equal += 1
        reached += got < REF_INF
    assert equal == 200 and reached >= 150
