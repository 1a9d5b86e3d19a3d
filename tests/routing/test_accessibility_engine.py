"""Accessibility on a tiny network made here: the 4-stop GTFS of tests/factories.py and a street
line through its stops A-B-C-D (walk 4.8 km/h, straight line x 1.3 off the street layer)."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from devkit.reference_router import load_feed
from routing.accessibility import engine as acc
from routing.accessibility.engine import (
    AccessibilityEngine,
    Measure,
    Points,
    accessibility,
    build_problem,
    departure_minutes,
    equity_table,
    isochrone,
    origin_times,
    palma_ratio,
    travel_time_matrix,
    travel_time_surface,
    weighted_gini,
)
from routing.constants import UNREACHABLE_I32
from routing.network.assemble import build_network
from routing.network.zones import laea_grid
from sources.loaders.streets import StreetNetwork, _typed_edges, haversine_m
from tests.factories import STOPS, make_gtfs_dir

DAY = dt.date(2024, 3, 5)
WALK = 4.8 / 3.6
LON = {s["stop_id"]: float(s["stop_lon"]) for s in STOPS}
LAT = {s["stop_id"]: float(s["stop_lat"]) for s in STOPS}


def _streets() -> StreetNetwork:
    nodes = {i + 1: (LON[k], LAT[k]) for i, k in enumerate("ABCD")}
    frame = pd.DataFrame.from_dict(nodes, orient="index", columns=["x", "y"])
    frame.index = frame.index.astype("int64")
    frame.index.name = "node_id"
    rows = []
    for u, v in ((1, 2), (2, 3), (3, 4)):
        (x0, y0), (x1, y1) = nodes[u], nodes[v]
        rows.append({"u": u, "v": v, "length_m": float(haversine_m(x0, y0, x1, y1)), "highway": "residential",
                     "name": f"rue {u}", "oneway": False, "oneway_bike": False, "maxspeed_kmh": 30.0,
                     "cycleway": False, "walk": True, "bike": True, "car": True, "traffic_speed_kmh": np.nan,
                     "traffic_status": "", "segment_id": "",
                     "geometry": shapely.to_wkb(shapely.LineString([(x0, y0), (x1, y1)]))})
    return StreetNetwork(nodes=frame, edges=_typed_edges(pd.DataFrame(rows)))


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory):
    feed = load_feed(make_gtfs_dir(tmp_path_factory.mktemp("acc") / "g"))
    return build_network(feed=feed, streets=[_streets()], day=DAY)


@pytest.fixture(scope="module")
def engine(net) -> AccessibilityEngine:
    return AccessibilityEngine(net)


@pytest.fixture(scope="module")
def grid():
    return laea_grid(shapely.box(-1.684, 48.093, -1.662, 48.114))


def _stop_points(*keys: str) -> Points:
    return Points(np.array(list(keys), dtype=object), np.array([LON[k] for k in keys]),
                  np.array([LAT[k] for k in keys]), np.ones(len(keys)))


def _walk_s(*keys: str) -> int:
    m = sum(float(haversine_m(LON[a], LAT[a], LON[b], LAT[b])) for a, b in zip(keys, keys[1:]))
    return math.ceil(m / WALK - 1e-9)


def test_walk_pairs_on_streets_and_off(engine: AccessibilityEngine) -> None:
    i, j, t = engine.walk_pairs(_stop_points("A"), _stop_points("A", "B", "C", "D"), 3600)
    assert dict(zip(j.tolist(), t.tolist(), strict=True)) == {0: 0, 1: _walk_s("A", "B"), 2: _walk_s("A", "B", "C"),
                                                              3: _walk_s("A", "B", "C", "D")}
    # 400 m north of A: off the street layer, straight line x 1.3
    off = Points.single(LON["A"], LAT["A"] + 0.0036)
    d = float(haversine_m(LON["A"], LAT["A"] + 0.0036, LON["A"], LAT["A"]))
    i, j, t = engine.walk_pairs(off, _stop_points("A"), 3600)
    assert t[0] == pytest.approx(math.ceil(d * 1.3 / WALK), abs=1)


def test_transit_surface_exact(engine: AccessibilityEngine) -> None:
    targets = _stop_points("A", "B", "C", "D")
    a = (LON["A"], LAT["A"])
    # T1 leaves A at 08:00: B 08:05, C 08:10, D 08:15
    got = travel_time_surface(engine, a, targets, departure="08:00", cutoff_s=3600)
    assert got.tolist() == [0, 300, 600, 900]
    # waiting two minutes for it
    assert travel_time_surface(engine, a, targets, departure="07:58", cutoff_s=3600)[3] == 1020
    # at 08:01 the next bus (T2, D at 08:35) is slower than walking the line
    assert travel_time_surface(engine, a, targets, departure="08:01", cutoff_s=3600)[3] == _walk_s("A", "B", "C", "D")
    # a cutoff below every time: only the origin itself
    assert travel_time_surface(engine, a, targets, departure="08:00", cutoff_s=200).tolist() == [
        0, UNREACHABLE_I32, UNREACHABLE_I32, UNREACHABLE_I32]
    # walking only
    walk = travel_time_surface(engine, a, targets, mode="walk", cutoff_s=3600)
    assert walk.tolist() == [0, _walk_s("A", "B"), _walk_s("A", "B", "C"), _walk_s("A", "B", "C", "D")]


def test_transit_from_off_street_origin(engine: AccessibilityEngine) -> None:
    off = (LON["A"], LAT["A"] + 0.0036)  # about 400 m north of A, 390 s on foot
    got = travel_time_surface(engine, off, _stop_points("D"), departure="07:53", cutoff_s=3600)
    assert got.tolist() == [(8 * 60 + 15 - (7 * 60 + 53)) * 60]


def test_arrive_by(engine: AccessibilityEngine) -> None:
    d = (LON["D"], LAT["D"])
    got = travel_time_surface(engine, d, _stop_points("A", "B"), departure="08:15", cutoff_s=3600, arrive_by=True)
    assert got.tolist() == [900, 600]


def test_car_and_bike_surfaces(engine: AccessibilityEngine) -> None:
    a = (LON["A"], LAT["A"])
    car = travel_time_surface(engine, a, _stop_points("D"), mode="car", cutoff_s=3600)
    m = sum(float(haversine_m(LON[x], LAT[x], LON[y], LAT[y])) for x, y in ("AB", "BC", "CD"))
    # the car parks at the end (LinkParams.car_park_s), as in the planner
    assert car[0] == math.ceil(m / (30 * 0.9 / 3.6) - 1e-9) + 180
    bike = travel_time_surface(engine, a, _stop_points("D"), mode="bike", cutoff_s=3600)
    assert bike[0] == math.ceil(m / (15 / 3.6) - 1e-9)


def test_isochrones_nest(engine: AccessibilityEngine, grid) -> None:
    iso = isochrone(engine, grid, (LON["A"], LAT["A"]), departure="08:00", bands_min=(5, 10, 15, 20))
    assert iso["band_min"].tolist() == [5, 10, 15, 20]
    assert iso["cells"].is_monotonic_increasing and iso["cells"].iloc[0] > 0
    geoms = iso.geometry.to_numpy()
    for k in range(len(geoms) - 1):
        assert shapely.covers(geoms[k + 1], geoms[k])
    gj = acc.to_geojson(iso)
    assert gj["type"] == "FeatureCollection" and len(gj["features"]) == 4
    # reverse isochrone around D by 08:15: the cell holding A (bus T1 at 08:00, a walk to the stop) is in
    rev = isochrone(engine, grid, (LON["D"], LAT["D"]), departure="08:15", bands_min=(18,), arrive_by=True)
    assert shapely.covers(rev.geometry.iloc[0], shapely.Point(LON["A"], LAT["A"]))


def test_event_decomposition_equals_one_scan_per_origin(engine: AccessibilityEngine, grid) -> None:
    cells = acc._grid_points(grid)
    dests = _stop_points("A", "B", "C", "D")
    problem = build_problem(engine, cells, dests, window="07:50-08:25", cutoff_s=1800)
    times = origin_times(problem.shared(), problem.batch(0, len(cells)))
    assert times.shape == (len(cells), 35, 4)
    assert (times < UNREACHABLE_I32).any()
    rng = np.random.default_rng(4)
    for c in rng.choice(len(cells), 8, replace=False):
        for k in range(0, len(problem.deps), 2):
            t0 = problem.deps[k]
            one = travel_time_surface(engine, cells.take(np.array([c])), dests, departure=int(t0), cutoff_s=1800)
            assert times[c, k].tolist() == one.tolist(), (c, k)


def test_matrix_percentiles(engine: AccessibilityEngine) -> None:
    pts = _stop_points("A", "D")
    m = travel_time_matrix(engine, pts, pts, window="07:58-08:02", cutoff_s=3600, percentiles=(0, 50, 100))
    row = m[(m.from_id == "A") & (m.to_id == "D")].iloc[0]
    # departures 07:58, 07:59, 08:00 -> 1020, 960, 900 s; 08:01 -> walking; the median is the
    # order statistic (inverted CDF): the 2nd of 4
    walk = _walk_s("A", "B", "C", "D")
    assert (row.p0_s, row.p50_s, row.p100_s) == (900, 960, walk)
    assert m[(m.from_id == "A") & (m.to_id == "A")].iloc[0].p50_s == 0


def test_measures_exact() -> None:
    times = np.array([[[60, 600, 1200, UNREACHABLE_I32]]], dtype=np.int32)
    w = np.array([1.0, 2.0, 3.0, 4.0])
    v = acc._indicator_values
    assert v(times, w, Measure(cutoff_s=900))[0, 0] == 3.0
    assert v(times, w, Measure("gravity", cutoff_s=900, decay="linear"))[0, 0] == pytest.approx(
        (1 - 60 / 900) + 2 * (1 - 600 / 900))
    assert v(times, w, Measure("gravity", cutoff_s=1200, decay="exponential", half_life_s=600))[0, 0] == pytest.approx(
        2 ** -0.1 + 2 * 0.5 + 3 * 0.25)
    assert v(times, w, Measure("gravity", cutoff_s=600, decay="logistic", width_s=60))[0, 0] == pytest.approx(
        1 / (1 + math.exp(-9)) + 2 * 0.5 + 3 / (1 + math.exp(10)))
    assert v(times, w, Measure("nearest", k=3))[0, 0] == 600
    assert math.isnan(v(times, w, Measure("nearest", k=7))[0, 0])
    with pytest.raises(ValueError, match="measure"):
        Measure("median")


def test_accessibility_cumulative(engine: AccessibilityEngine) -> None:
    origins = _stop_points("A")
    opp = Points(np.array(["b", "d"], dtype=object), np.array([LON["B"], LON["D"]]),
                 np.array([LAT["B"], LAT["D"]]), np.array([5.0, 7.0]))
    res = accessibility(engine, origins, opp, window="07:59-08:02", measure=Measure(cutoff_s=960),
                        percentiles=(0, 100))
    # at 07:59 and 08:00 both within 16 min (D at 960 s and 900 s); at 08:01 only B (walking)
    assert res[["p0", "p100"]].iloc[0].tolist() == [5.0, 12.0]
    assert res["mean"].iloc[0] == pytest.approx((12 + 12 + 5) / 3)


def test_sums_in_kernel_equal_the_times_block(engine: AccessibilityEngine, grid) -> None:
    """The cumulative and linear measures summed inside the kernel give what the (origins,
    minutes, destinations) block of times gives, every percentile and the mean; the measures the
    kernel does not sum take the block path either way."""
    cells = acc._grid_points(grid)
    dests = _stop_points("A", "B", "C", "D")
    dests = Points(dests.ids, dests.lon, dests.lat, np.array([3.0, 1.0, 4.0, 2.0]))
    problem = build_problem(engine, cells, dests, window="07:50-08:25", cutoff_s=1800)
    for measure in (Measure(cutoff_s=1800), Measure("gravity", cutoff_s=1800, decay="step"),
                    Measure("gravity", cutoff_s=1800, decay="linear"), Measure("nearest", cutoff_s=1800, k=2)):
        spec = {"kind": "indicator", "measure": measure, "weights": dests.weight, "percentiles": (0.0, 50.0, 90.0)}
        fast = acc.run_batches(problem, spec, batch_size=7)
        block = acc.run_batches(problem, {**spec, "blocks": True}, batch_size=7)
        assert fast.keys() == block.keys()
        for k in fast:
            np.testing.assert_array_equal(fast[k], block[k], err_msg=f"{measure} {k}")
    assert acc._summed_in_kernel(Measure(cutoff_s=60)) and not acc._summed_in_kernel(Measure("nearest"))


def test_departure_minutes() -> None:
    assert departure_minutes("08:00-09:00").tolist() == list(range(28800, 32400, 60))
    with pytest.raises(ValueError, match="window"):
        departure_minutes("0800")


def test_gini_palma_equity() -> None:
    assert weighted_gini(np.array([0, 0, 0, 1.0]), np.ones(4)) == pytest.approx(0.75)
    assert weighted_gini(np.array([3, 3, 3.0]), np.array([1, 5, 2.0])) == pytest.approx(0.0)
    assert palma_ratio(np.arange(1, 11.0), np.ones(10)) == pytest.approx(10 / (1 + 2 + 3 + 4))
    # weights act as repeated people
    assert weighted_gini(np.array([1.0, 4.0]), np.array([2.0, 1.0])) == pytest.approx(
        weighted_gini(np.array([1.0, 1.0, 4.0]), np.ones(3)))
    table = equity_table(np.array([10, 20, 30, np.nan]), np.array([1, 1, 2, 4.0]), np.array(["x", "x", "y", "y"]),
                         threshold=15, names=pd.Series({"x": "X", "y": "Y"}))
    assert table.loc["x", "mean"] == 15 and table.loc["x", "share_above"] == 0.5
    assert table.loc["y", "mean"] == 30 and table.loc["y", "share_above"] == pytest.approx(2 / 6)
    assert table.loc["ALL", "population"] == 8 and table.loc["x", "name"] == "X"


def test_bad_inputs(engine: AccessibilityEngine) -> None:
    with pytest.raises(ValueError, match="mode"):
        travel_time_surface(engine, (LON["A"], LAT["A"]), _stop_points("B"), mode="plane")
    with pytest.raises(ValueError, match="time of day"):
        travel_time_surface(engine, (LON["A"], LAT["A"]), _stop_points("B"), departure="eight")


def test_dask_local_cluster_identical(engine: AccessibilityEngine, tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    cells = acc._grid_points(laea_grid(shapely.box(-1.70, 48.085, -1.655, 48.12)))
    assert 200 <= len(cells) <= 800
    opp = _stop_points("A", "B", "C", "D")
    single = accessibility(engine, cells, opp, window="07:55-08:25", measure=Measure(cutoff_s=1800),
                           percentiles=(25, 50, 75), batch_size=97)
    client = acc.dask_client("local", n_workers=2)
    try:
        assert len(client.scheduler_info()["workers"]) == 2
        assert client.scheduler.address.startswith("tcp://127.0.0.1")
        distributed_ = accessibility(engine, cells, opp, window="07:55-08:25", measure=Measure(cutoff_s=1800),
                                     percentiles=(25, 50, 75), batch_size=97, scheduler=client)
    finally:
        cluster = client.cluster
        client.close()
        cluster.close()
    assert single["p50"].max() > 0
    pd.testing.assert_frame_equal(single, distributed_)


def test_a_point_without_a_stop_in_15_min_walks_to_those_in_30_as_the_planner(net, engine) -> None:
    from routing.accessibility.engine import AccessParams

    far = (LON["A"], LAT["A"] + 0.009)  # 1 km north of A, off the layer: 975 s on foot to A
    d = float(haversine_m(*far, LON["A"], LAT["A"]))
    walks = engine.stop_walks(Points.single(*far))
    assert 900 < math.ceil(d * 1.3 / WALK) == int(walks[2][walks[1].tolist().index(0)])
    # leaves at 07:43, walks to A, takes T1 at 08:00 to D (08:15)
    got = travel_time_surface(engine, far, _stop_points("D"), departure="07:43", cutoff_s=3600)
    assert got.tolist() == [32 * 60]
    short = AccessibilityEngine(net, params=AccessParams(max_long_access_s=900))
    assert travel_time_surface(short, far, _stop_points("D"), departure="07:43", cutoff_s=3600)[0] > 32 * 60
    # and the other way: from D to a cell beyond the 15-min walk of every stop
    back = travel_time_surface(engine, (LON["D"], LAT["D"]), Points.single(*far), departure="07:50",
                               cutoff_s=7200, arrive_by=False)
    assert back[0] < UNREACHABLE_I32


def test_points_outside_the_data_are_flagged(engine: AccessibilityEngine) -> None:
    pts = Points(np.array(["near", "far"], dtype=object), np.array([LON["A"], LON["A"] + 0.2]),
                 np.array([LAT["A"], LAT["A"]]), np.ones(2))
    for mode in ("walk", "bike", "car", "transit"):
        assert engine.outside_data(pts, mode).tolist() == [False, True]


def test_kept_scans_and_links_give_what_the_uncached_engine_gives(engine: AccessibilityEngine, grid) -> None:
    """The window's scans kept by the timetable, the links and street times kept by content and
    the departure sweep give the same table and the same sums as an engine that keeps nothing."""
    cells = acc._grid_points(grid)
    dests = _stop_points("A", "B", "C", "D")
    dests = Points(dests.ids, dests.lon, dests.lat, np.array([3.0, 1.0, 4.0, 2.0]))
    plain = engine.uncached()
    kept = build_problem(engine, cells, dests, window="07:50-08:25", cutoff_s=1800)
    fresh = build_problem(plain, cells, dests, window="07:50-08:25", cutoff_s=1800)
    for name in ("table", "acc_ptr", "acc_stop", "acc_s", "dir_ptr", "dir_dest", "dir_s", "ev_time"):
        np.testing.assert_array_equal(getattr(kept, name), getattr(fresh, name), err_msg=name)
    assert len(cells) >= acc.KEEP_MIN_POINTS
    same = Points(cells.ids.copy(), cells.lon.copy(), cells.lat.copy(), cells.weight)
    links = engine._links("walk", cells)
    assert engine._links("walk", same) is links  # the same content, another object: kept
    assert plain._links("walk", cells) is not plain._links("walk", cells)
    engine.forget(cells)
    assert engine._links("walk", same) is not links
    spec = {"kind": "indicator", "measure": Measure(cutoff_s=1500), "weights": dests.weight, "percentiles": (50.0,)}
    np.testing.assert_array_equal(acc.run_batches(kept, spec)["mean"],
                                  acc.run_batches(fresh, {**spec, "blocks": True})["mean"])
