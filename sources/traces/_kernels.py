"""numba ports of scikit-mobility 1.3.1's per-user loops (filter, compress, stay locations).

skmob runs these loops in pure Python inside ``groupby().apply`` and builds a
TrajDataFrame per user, which is too slow for a million points. The kernels below
follow the same algorithms step by step (the haversine with skmob's Earth radius, same
thresholds, same edge cases) on arrays sorted by user and time; tests compare them with
skmob on fixtures.
Compiled lazily on first call, and the machine code kept on disk (``cache=True``: numba's cache
beside this module, else its user-wide cache): compiling the kernels takes 10-20 s, loading them
under a second, so only the first analysis after an install pays it.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..geo import central_angle

#: skmob's Earth radius (``skmob.utils.gislib.earthradius``), kept so that the thresholds in km
#: cut where skmob's do; the formula is :func:`sources.geo.central_angle`.
SKMOB_EARTH_RADIUS_KM = 6371.0

_central_angle = njit(cache=True)(central_angle)


@njit(cache=True)
def _distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return SKMOB_EARTH_RADIUS_KM * _central_angle(lon1, lat1, lon2, lat2)


@njit(cache=True)
def filter_keep(starts: np.ndarray, lat: np.ndarray, lng: np.ndarray, t_s: np.ndarray,
                max_speed_kmh: float) -> np.ndarray:
    """Boolean keep mask of ``skmob.preprocessing.filtering.filter`` (without loops).

    ``starts`` holds the first index of each user's run plus the total length.
    """
    keep = np.ones(lat.shape[0], dtype=np.bool_)
    for u in range(starts.shape[0] - 1):
        a, b = starts[u], starts[u + 1]
        n_alive = b - a
        pos = 0  # list position of i
        i = a
        while pos < n_alive - 2:
            j = i + 1
            while not keep[j]:
                j += 1
            dt = t_s[j] - t_s[i]
            if dt == 0.0:
                keep[j] = False
                n_alive -= 1
                continue
            if _distance_km(lat[i], lng[i], lat[j], lng[j]) / dt * 3600.0 > max_speed_kmh:
                keep[j] = False
                n_alive -= 1
                continue
            i = j
            pos += 1
    return keep


@njit(cache=True)
def compress_groups(starts: np.ndarray, lat: np.ndarray, lng: np.ndarray,
                    radius_km: float) -> np.ndarray:
    """Group id per point as ``skmob.preprocessing.compression.compress`` forms them.

    A group starts at an anchor point and takes every following point within
    ``radius_km`` of the anchor; the first point farther away anchors the next group.
    """
    group = np.empty(lat.shape[0], dtype=np.int64)
    g = -1
    for u in range(starts.shape[0] - 1):
        a, b = starts[u], starts[u + 1]
        g += 1
        anchor = a
        group[a] = g
        for i in range(a + 1, b):
            if _distance_km(lat[anchor], lng[anchor], lat[i], lng[i]) > radius_km:
                g += 1
                anchor = i
            group[i] = g
    return group


@njit(cache=True)
def stay_ranges(starts: np.ndarray, lat: np.ndarray, lng: np.ndarray, t_s: np.ndarray,
                radius_km: float, minutes_for_a_stop: float,
                no_data_for_minutes: float) -> np.ndarray:
    """Stays of ``skmob.preprocessing.detection.stay_locations`` (``min_speed_kmh=None``).

    Returns an (n_stays, 3) int array: first point, last point (inclusive, its row gives
    the extra columns) and the point whose time is the leaving time.
    """
    out = np.empty((lat.shape[0], 3), dtype=np.int64)
    k = 0
    for u in range(starts.shape[0] - 1):
        a, b = starts[u], starts[u + 1]
        if b - a < 2:
            continue
        s = a  # anchor == first point of the current run
        last = b - 2  # last loop index (lendata - 1)
        for i in range(a, b - 1):
            t = t_s[i + 1]
            if (t - t_s[i]) / 60.0 > no_data_for_minutes:
                s = i + 1
            dt_min = (t - t_s[s]) / 60.0
            dr = _distance_km(lat[s], lng[s], lat[i + 1], lng[i + 1])
            if dr > radius_km or i == last:
                if dt_min > minutes_for_a_stop or i == last:
                    if s <= i and (t - t_s[s]) / 60.0 > minutes_for_a_stop:
                        out[k, 0] = s
                        out[k, 1] = i
                        out[k, 2] = i + 1
                        k += 1
                s = i + 1
    return out[:k]


@njit(cache=True)
def range_medians(values: np.ndarray, ranges: np.ndarray) -> np.ndarray:
    """Median of ``values[first:last + 1]`` for each (first, last) row of ``ranges``."""
    out = np.empty(ranges.shape[0], dtype=np.float64)
    for k in range(ranges.shape[0]):
        out[k] = np.median(values[ranges[k, 0]:ranges[k, 1] + 1])
    return out


def run_starts(codes: np.ndarray) -> np.ndarray:
    """Start index of each run of equal ``codes`` (sorted), plus the total length."""
    n = codes.shape[0]
    if n == 0:
        return np.zeros(1, dtype=np.int64)
    change = np.flatnonzero(codes[1:] != codes[:-1]) + 1
    return np.concatenate(([0], change, [n])).astype(np.int64)
