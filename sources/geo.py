"""Geometry shared by every layer: one Earth radius, great-circle distance, metric projections,
the INSEE / Eurostat LAEA grid ids and the bounding boxes of the service area.

``sources`` and ``routing`` (and the dashboard, the benches) import these names; no other module
writes a haversine, an Earth radius, a grid id format or a bounding box.
"""

from __future__ import annotations

import math
import re
import threading
from typing import Any

import numpy as np

#: The one Earth radius (metres), as osmnx (the street lengths are computed with it).
EARTH_RADIUS_M = 6_371_009.0
#: Metres per degree of latitude on that sphere (local equirectangular approximations).
M_PER_DEG = EARTH_RADIUS_M * np.pi / 180.0

#: Rennes Métropole (EPCI SIREN 243500139) bounding box, WGS84 (lon_min, lat_min, lon_max, lat_max).
RENNES_METROPOLE_BBOX = (-1.96, 47.95, -1.45, 48.26)
#: Brittany bounding box, WGS84, for regional datasets.
BRITTANY_BBOX = (-5.2, 47.2, -0.9, 48.95)
#: France métropolitaine: a loose box used to catch swapped or sign-flipped coordinates, and
#: inside which metric work is done in Lambert-93.
FRANCE_BBOX = (-5.5, 41.2, 9.8, 51.2)

WGS84 = "EPSG:4326"
#: The European LAEA grid (INSEE's 200 m squares).
LAEA = "EPSG:3035"
_GRID_ID = re.compile(r"^CRS3035RES(\d+)mN(\d+)E(\d+)$")


def central_angle(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle angle (radians) between two lon/lat points given as numbers (haversine).

    Pure :mod:`math`, so numba kernels compile it as it stands (``njit(central_angle)``, as
    :mod:`sources.traces._kernels` does) instead of writing the formula again."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * math.asin(math.sqrt(min(max(h, 0.0), 1.0)))


def haversine_m(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> Any:
    """Great-circle distance in metres: a float for four numbers (no array overhead, for the
    per-point paths of the planner), else an array (vectorised, broadcasting; NaN where a
    coordinate is NaN)."""
    if all(isinstance(v, (float, int)) for v in (lon1, lat1, lon2, lat2)):
        return EARTH_RADIUS_M * central_angle(lon1, lat1, lon2, lat2)
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(a, dtype="float64")) for a in (lon1, lat1, lon2, lat2))
    h = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def line_length_m(coords: Any) -> float:
    """Length of a (n, 2) lon/lat polyline in metres."""
    xy = np.asarray(coords, dtype="float64")
    if len(xy) < 2:
        return 0.0
    return float(haversine_m(xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1]).sum())


def equirectangular_xy(lon: Any, lat: Any) -> np.ndarray:
    """(n, 2) local metric coordinates (equirectangular, good to a fraction of a percent over a
    city): for neighbour searches where a projection library would be overkill."""
    lon = np.asarray(lon, dtype="float64")
    lat = np.asarray(lat, dtype="float64")
    return np.column_stack([lon * M_PER_DEG * np.cos(np.radians(lat)), lat * M_PER_DEG])


def metres_to_degrees(dx_m: Any, dy_m: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """(dlon, dlat) in degrees of an east/north offset in metres at latitude ``lat``."""
    lat = np.asarray(lat, dtype="float64")
    return (np.asarray(dx_m, dtype="float64") / (M_PER_DEG * np.cos(np.radians(lat))),
            np.asarray(dy_m, dtype="float64") / M_PER_DEG)


def in_bbox(lon: Any, lat: Any, bbox: tuple[float, float, float, float]) -> np.ndarray:
    """Boolean mask of the points inside ``bbox`` (lon_min, lat_min, lon_max, lat_max), edges
    included; NaN (and a missing value of a nullable column) is outside. Scalars give a 0-d mask."""
    lon, lat = (v.to_numpy(dtype="float64", na_value=np.nan) if hasattr(v, "to_numpy")
                else np.asarray(v, dtype="float64") for v in (lon, lat))
    return (lon >= bbox[0]) & (lon <= bbox[2]) & (lat >= bbox[1]) & (lat <= bbox[3])


def metric_crs(lon: Any, lat: Any) -> str:
    """A metric CRS for these points: Lambert-93 (EPSG:2154) in France, else their UTM zone."""
    lon = np.asarray(lon, dtype="float64")
    lat = np.asarray(lat, dtype="float64")
    if lon.size == 0:
        return "EPSG:2154"
    cx, cy = float(np.nanmedian(lon)), float(np.nanmedian(lat))
    if in_bbox(cx, cy, FRANCE_BBOX):
        return "EPSG:2154"
    zone = int((cx + 180) // 6) % 60 + 1
    return f"EPSG:{32600 + zone if cy >= 0 else 32700 + zone}"


_LOCAL = threading.local()


def transformer(src: str, dst: str) -> Any:
    """A pyproj ``src`` -> ``dst`` transformer (x = lon/easting first), built once per thread
    (pyproj objects are not thread-safe)."""
    from pyproj import Transformer

    cache = getattr(_LOCAL, "transformers", None)
    if cache is None:
        cache = _LOCAL.transformers = {}
    if (src, dst) not in cache:
        cache[(src, dst)] = Transformer.from_crs(src, dst, always_xy=True)
    return cache[(src, dst)]


def project_xy(lon: Any, lat: Any, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Project WGS84 lon/lat to ``crs`` (metres)."""
    x, y = transformer(WGS84, crs).transform(np.asarray(lon, dtype="float64"), np.asarray(lat, dtype="float64"))
    return np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64")


# -- the INSEE / Eurostat LAEA grid ----------------------------------------------------------------

def grid_ids(east: Any, north: Any, *, cell_m: int = 200) -> np.ndarray:
    """Ids ``CRS3035RES{cell_m}mN{north}E{east}`` of cells given by their lower-left corner
    (EPSG:3035 metres), as an object array; empty in, empty out."""
    import pandas as pd

    e = pd.Series(np.asarray(east, dtype=np.int64)).astype(str)
    n = pd.Series(np.asarray(north, dtype=np.int64)).astype(str)
    return (f"CRS3035RES{cell_m}mN" + n + "E" + e).to_numpy(object)


def parse_grid_ids(ids: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cell size, east, north) int64 arrays of grid ids; ValueError naming the first bad id."""
    import pandas as pd

    s = pd.Series(np.atleast_1d(np.asarray(ids, dtype=object)), dtype=object).astype(str)
    parts = s.str.extract(_GRID_ID.pattern)
    if parts.isna().any().any():
        bad = s[parts.isna().any(axis=1)].iloc[0]
        raise ValueError(f"not a LAEA grid cell id (not a CRS3035 id): {bad!r}")
    return (parts[0].astype(np.int64).to_numpy(), parts[2].astype(np.int64).to_numpy(),
            parts[1].astype(np.int64).to_numpy())


def point_grid_ids(lon: Any, lat: Any, *, cell_m: int = 200) -> np.ndarray:
    """Ids of the ``cell_m`` LAEA cells containing WGS84 points."""
    lon = np.asarray(lon, dtype=float)
    if lon.size == 0:
        return np.array([], dtype=object)
    x, y = transformer(WGS84, LAEA).transform(lon, np.asarray(lat, dtype=float))
    e = np.floor(np.asarray(x) / cell_m) * cell_m
    n = np.floor(np.asarray(y) / cell_m) * cell_m
    return grid_ids(e, n, cell_m=cell_m)
