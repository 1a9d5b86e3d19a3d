"""One idea, one place (issue 10), the pieces written once by the clean-up: the great-circle
formula, the timetable's derived arrays, the points of service in one shape."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from routing.network.assemble import ASSUMED_CHARGER_KW, POINT_COLUMNS, prepare_points
from routing.transit.timetable import build_timetable
from sources.geo import EARTH_RADIUS_M, central_angle, haversine_m
from sources.traces import _kernels
from tests.factories import make_gtfs_dir
from tests.reference_router import load_feed

ROOT = Path(__file__).resolve().parent.parent
_FORMULA = re.compile(r"\b(?:asin|arcsin|arctan2)\(")


def test_the_great_circle_formula_is_written_once() -> None:
    writers = sorted(str(p.relative_to(ROOT)) for d in ("routing", "sources", "dashboard", "bench")
                     for p in (ROOT / d).rglob("*.py") if _FORMULA.search(p.read_text(encoding="utf-8")))
    assert writers == ["sources/geo.py"]


@pytest.mark.parametrize("a, b", [((-1.6799, 48.1106), (-1.6426, 48.1245)),
                                  ((0.0, 0.0), (0.0, 90.0)), ((-1.6, 48.1), (-1.6, 48.1)),
                                  ((-1.6, 48.1), (-1.6 + 1e-7, 48.1 + 1e-7))])
def test_every_distance_is_the_one_angle_times_a_radius(a, b) -> None:
    angle = central_angle(*a, *b)
    assert haversine_m(*a, *b) == EARTH_RADIUS_M * angle  # the scalar path, to the bit
    assert float(haversine_m(np.array([a[0]]), np.array([a[1]]), b[0], b[1])[0]) == pytest.approx(
        EARTH_RADIUS_M * angle, rel=1e-12, abs=1e-9)  # the vectorised path
    # the numba port of skmob compiles the same function (lat, lon order; skmob's radius in km)
    assert _kernels._distance_km(a[1], a[0], b[1], b[0]) == pytest.approx(
        _kernels.SKMOB_EARTH_RADIUS_KM * angle, rel=1e-12, abs=1e-12)


def test_timetable_derived_arrays_are_computed_once_and_not_carried_over(tmp_path: Path) -> None:
    tt = build_timetable(load_feed(make_gtfs_dir(tmp_path / "gtfs")), dt.date(2024, 3, 5))
    assert tt.arr_order is tt.arr_order and tt.trip_connections is tt.trip_connections
    assert tt.digest is tt.digest
    assert {"arr_order", "trip_connections", "digest"} <= {key.__name__ for key in tt._derived if callable(key)}
    offsets, order = tt.trip_connections
    for trip in range(tt.n_trips):  # each trip's connections, in stop sequence
        conns = order[offsets[trip]:offsets[trip + 1]]
        assert (tt.trip[conns] == trip).all() and (np.diff(tt.seq[conns]) > 0).all()
        assert [tt.seq_position(int(c)) for c in conns] == list(range(len(conns)))
    offsets, order = tt.stop_departures
    assert offsets[-1] == tt.n_connections
    for stop in range(tt.n_stops):
        assert (tt.dep_stop[order[offsets[stop]:offsets[stop + 1]]] == stop).all()
    f_off, f_from, f_dur = tt.footpaths_in
    assert f_off[-1] == tt.n_footpaths and sorted(f_dur.tolist()) == sorted(tt.fp_dur_s.tolist())
    later = tt.replace(dep_time=tt.dep_time + 60, arr_time=tt.arr_time + 60)
    assert later._derived == {} and later.digest != tt.digest
    assert later.stop_index("C") == tt.stop_index("C") == 2
    assert tt.trip_indices("no such trip") == []


def test_points_of_service_share_one_shape() -> None:
    def frame(id_column: str, **columns) -> pd.DataFrame:
        return pd.DataFrame({id_column: ["1", "2", "3"], "name": ["a", None, "c"],
                             "lon": [-1.68, -1.67, np.nan], "lat": [48.11, 48.12, 48.1], **columns})

    points = prepare_points(
        bikeshare=frame("station_id", capacity=["10", "x", "3"], status_known=[True, None, True]),
        carpool=frame("place_id"), parkings=frame("parking_id", is_park_and_ride=[True, False, True]),
        chargers=frame("station_id", power_kw=[50, None, 22], n_points=[2, 1, 1]))
    for kind, f in points.items():
        assert tuple(f.columns[:4]) == POINT_COLUMNS, kind
        assert f["name"].tolist() == ["a", ""][:len(f)], kind  # a missing name is "", never "nan"
    bikes = points["bikeshare"]
    assert bikes["capacity"].tolist()[0] == 10.0 and np.isnan(bikes["capacity"].tolist()[1])
    assert np.isnan(bikes["bikes_available"]).all() and bikes["status_known"].tolist() == [True, False]
    assert points["carpool"]["places"].isna().all() and len(points["park_ride"]) == 1
    chargers = points["charger"]
    assert chargers["power_kw"].tolist() == [50.0, ASSUMED_CHARGER_KW]
    assert chargers["power_known"].tolist() == [True, False]
