"""The shared geometry (sources.geo): one great-circle distance, written once, and the LAEA grid ids."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from sources.geo import (
    EARTH_RADIUS_M,
    central_angle,
    grid_ids,
    haversine_m,
    line_length_m,
    parse_grid_ids,
    point_grid_ids,
)
from sources.traces import _kernels

ROOT = Path(__file__).resolve().parents[2]


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
