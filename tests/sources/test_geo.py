"""One idea, one place (issue 10): the shared geometry, the service-day rule, the error classes,
the public API and the atomic writes."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from routing import NoEVRoute, NoRoute, RoutingError, TimetableError
from sources.geo import (
    EARTH_RADIUS_M,
    grid_ids,
    haversine_m,
    line_length_m,
    parse_grid_ids,
    point_grid_ids,
)
from sources.loaders.gtfs import representative_date
from sources.tempfiles import atomic_write

ROOT = Path(__file__).resolve().parent.parent


def test_one_great_circle_distance_for_numbers_and_arrays() -> None:
    # a quarter of a meridian
    assert haversine_m(0.0, 0.0, 0.0, 90.0) == pytest.approx(EARTH_RADIUS_M * np.pi / 2)
    lon = np.array([-1.68, -1.60, 2.35])
    lat = np.array([48.11, 48.10, 48.86])
    arr = haversine_m(-1.6799, 48.1106, lon, lat)
    one = [haversine_m(-1.6799, 48.1106, float(a), float(b)) for a, b in zip(lon, lat, strict=True)]
    assert isinstance(one[0], float) and np.allclose(arr, one, rtol=0, atol=1e-6)
    assert 300_000 < arr[2] < 320_000  # Rennes - Paris
    assert np.isnan(haversine_m(np.nan, 48.1, -1.6, 48.1))
    assert line_length_m([(0.0, 0.0), (0.0, 1.0), (0.0, 2.0)]) == pytest.approx(2 * haversine_m(0.0, 0.0, 0.0, 1.0))


def test_laea_grid_ids_round_trip() -> None:
    ids = grid_ids(np.array([3_450_200]), np.array([2_800_400]))
    assert ids.tolist() == ["CRS3035RES200mN2800400E3450200"]
    size, east, north = parse_grid_ids(ids)
    assert (size[0], east[0], north[0]) == (200, 3_450_200, 2_800_400)
    cell = point_grid_ids([-1.6794], [48.1113])[0]  # Rennes centre
    size, east, north = parse_grid_ids([cell])
    assert size[0] == 200 and east[0] % 200 == 0 and north[0] % 200 == 0
    with pytest.raises(ValueError, match="not a LAEA grid cell id"):
        parse_grid_ids(["35238"])


def test_representative_weekday_rule() -> None:
    week = {dt.date(2011, 11, 14) + dt.timedelta(days=i): n
            for i, n in enumerate([3764, 3764, 3758, 3764, 3853, 2517, 810])}
    # the usual weekday count (3,764), first day whose eve is in the feed: Tuesday, not Monday
    assert representative_date(week) == dt.date(2011, 11, 15)
    # a week starting on a Sunday: Monday's eve has service, Monday is the answer
    shifted = {**week, dt.date(2011, 11, 13): 800}
    assert representative_date(shifted) == dt.date(2011, 11, 14)
    assert representative_date({dt.date(2011, 11, 19): 10}) is None  # weekend only
    assert representative_date({}) is None


def test_routing_errors_share_one_base() -> None:
    assert issubclass(NoRoute, RoutingError) and issubclass(NoEVRoute, RoutingError)
    assert issubclass(RoutingError, RuntimeError)
    assert issubclass(TimetableError, RoutingError) and issubclass(TimetableError, ValueError)
    assert TimetableError("x", field="duration_s").field == "duration_s"


def test_public_api_is_lazy_and_complete() -> None:
    code = ("import sys, routing, sources; assert 'numpy' not in sys.modules, 'numpy at import'; "
            "[getattr(routing, n) for n in routing.__all__]; [getattr(sources, n) for n in sources.__all__]; "
            "print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "ok"


def test_atomic_write_reports_failures_and_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "cache" / "grid.parquet"
    atomic_write(target, lambda p: p.write_text("v1"))
    assert target.read_text() == "v1"

    def broken(p: Path) -> None:
        p.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, broken)
    assert target.read_text() == "v1" and sorted(p.name for p in target.parent.iterdir()) == ["grid.parquet"]
    folder = tmp_path / "net"
    atomic_write(folder, lambda p: (p / "meta.json").write_text("{}"), folder=True)
    # another writer's copy is kept when replace=False
    atomic_write(folder, lambda p: (p / "meta.json").write_text("[]"), folder=True, replace=False)
    assert (folder / "meta.json").read_text() == "{}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "net"]
