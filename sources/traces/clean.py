"""Clean traces: speed filter, compression, stay detection, home and work locations.

Each step runs scikit-mobility (``engine="skmob"``) or a numba port of the same
algorithm (``engine="numba"``, see :mod:`sources.traces._kernels`); ``"auto"`` uses
skmob up to :data:`SKMOB_MAX_POINTS` points of at most ``max_skmob_users`` users
(:mod:`sources.budgets`) and numba above. Both give the same
result (tested); skmob builds one DataFrame per user in Python and takes minutes on
a million points.

Inputs are never modified.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from sources.budgets import budgets
from sources.traces import _kernels
from sources.traces._skmob_compat import load_skmob, quiet

Engine = Literal["auto", "skmob", "numba"]
#: ``engine="auto"`` uses skmob up to this many points.
SKMOB_MAX_POINTS = 20_000


def _use_skmob(engine: Engine, tdf: pd.DataFrame) -> bool:
    """skmob when asked, or (``"auto"``) for small inputs: up to :data:`SKMOB_MAX_POINTS` points and
    the ``max_skmob_users`` budget of users (skmob's per-user Python loops; numba beyond)."""
    if engine not in ("auto", "skmob", "numba"):
        raise ValueError(f"engine must be 'auto', 'skmob' or 'numba', not {engine!r}")
    return engine == "skmob" or (engine == "auto" and len(tdf) <= SKMOB_MAX_POINTS
                                 and pd.DataFrame(tdf)["uid"].nunique() <= budgets().max_skmob_users)


def _tdf(frame: pd.DataFrame, parameters: dict[str, Any] | None = None) -> Any:
    skmob = load_skmob()
    tdf = skmob.TrajDataFrame(frame.reset_index(drop=True))
    tdf.parameters = dict(parameters or {})
    return tdf


def _sorted_arrays(tdf: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray,
                                               np.ndarray]:
    frame = pd.DataFrame(tdf).sort_values(["uid", "datetime"], kind="mergesort")
    frame = frame.reset_index(drop=True)
    codes = pd.factorize(frame["uid"], sort=False)[0]
    starts = _kernels.run_starts(codes)
    t_s = frame["datetime"].to_numpy("datetime64[ns]").astype(np.int64) / 1e9
    return (frame, starts, frame["lat"].to_numpy(np.float64), frame["lng"].to_numpy(np.float64),
            t_s)


def filter_speed(tdf: pd.DataFrame, *, max_speed_kmh: float = 200.0,
                 engine: Engine = "auto") -> Any:
    """Drop points reached from the previous kept point faster than ``max_speed_kmh``.

    skmob's ``filtering.filter`` rule: points are compared with the last kept point,
    points at the same time as it are dropped, and the last point of each user is kept.

    Returns
    -------
    TrajDataFrame
        The kept points, same columns, sorted by ``uid`` and ``datetime``.
    """
    if _use_skmob(engine, tdf):
        skmob = load_skmob()
        with quiet():
            return skmob.preprocessing.filtering.filter(tdf, max_speed_kmh=max_speed_kmh)
    frame, starts, lat, lng, t_s = _sorted_arrays(tdf)
    keep = _kernels.filter_keep(starts, lat, lng, t_s, float(max_speed_kmh))
    return _tdf(frame.loc[keep], getattr(tdf, "parameters", {}))


def compress(tdf: pd.DataFrame, *, spatial_radius_km: float = 0.05,
             engine: Engine = "auto") -> Any:
    """Merge consecutive points within ``spatial_radius_km`` of the first one of their run.

    skmob's ``compression.compress``: each run becomes one point at the median latitude
    and longitude, with the time and other columns of its first point.

    Returns
    -------
    TrajDataFrame
        One row per run, same columns, sorted by ``uid`` and ``datetime``.
    """
    if _use_skmob(engine, tdf):
        skmob = load_skmob()
        with quiet():
            return skmob.preprocessing.compression.compress(tdf, spatial_radius_km=spatial_radius_km)
    frame, starts, lat, lng, _ = _sorted_arrays(tdf)
    group = _kernels.compress_groups(starts, lat, lng, float(spatial_radius_km))
    first = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    out = frame.iloc[first].copy()
    med = pd.DataFrame({"g": group, "lat": lat, "lng": lng}).groupby("g", sort=True).median()
    out["lat"] = med["lat"].to_numpy()
    out["lng"] = med["lng"].to_numpy()
    return _tdf(out, getattr(tdf, "parameters", {}))


def detect_stays(tdf: pd.DataFrame, *, minutes_for_a_stop: float = 20.0,
                 spatial_radius_km: float = 0.2, no_data_for_minutes: float = 1e12,
                 engine: Engine = "auto") -> Any:
    """Stay locations: at least ``minutes_for_a_stop`` within ``spatial_radius_km`` of a point.

    skmob's ``detection.stay_locations`` (with ``min_speed_kmh=None``).

    Returns
    -------
    TrajDataFrame
        One row per stay: ``uid``, ``lat``/``lng`` (median of the stay's points),
        ``datetime`` (arrival), ``leaving_datetime``, and the other columns of the
        stay's last point. Empty (same columns) when nobody stops.
    """
    if _use_skmob(engine, tdf):
        skmob = load_skmob()
        with quiet():
            stays = skmob.preprocessing.detection.stay_locations(
                tdf, minutes_for_a_stop=minutes_for_a_stop, spatial_radius_km=spatial_radius_km,
                leaving_time=True, no_data_for_minutes=no_data_for_minutes)
        if "leaving_datetime" not in stays.columns:  # no user had two points
            stays["leaving_datetime"] = pd.Series(dtype="datetime64[ns]")
        return stays
    frame, starts, lat, lng, t_s = _sorted_arrays(tdf)
    ranges = _kernels.stay_ranges(starts, lat, lng, t_s, float(spatial_radius_km),
                                  float(minutes_for_a_stop), float(no_data_for_minutes))
    out = frame.iloc[ranges[:, 1]].copy()
    out["lat"] = _kernels.range_medians(lat, ranges[:, :2])
    out["lng"] = _kernels.range_medians(lng, ranges[:, :2])
    out["datetime"] = frame["datetime"].to_numpy()[ranges[:, 0]]
    out["leaving_datetime"] = frame["datetime"].to_numpy()[ranges[:, 2]]
    return _tdf(out, getattr(tdf, "parameters", {}))


def presence_samples(stays: pd.DataFrame, *, step_s: int = 3600) -> pd.DataFrame:
    """Expand stays into presence samples every ``step_s`` seconds (on the clock grid).

    A stay from 18:10 to 07:30 gives samples at 19:00, 20:00 ... 07:00, so that night-time
    and working-hour rules see how long someone stayed, not only when they arrived.
    A stay shorter than ``step_s`` that covers no clock tick gives one sample at arrival.

    Returns
    -------
    DataFrame
        ``uid``, ``lat``, ``lng``, ``datetime`` (one row per sample).
    """
    if stays.empty:
        return pd.DataFrame({"uid": pd.Series(dtype=object), "lat": pd.Series(dtype=float),
                             "lng": pd.Series(dtype=float),
                             "datetime": pd.Series(dtype="datetime64[ns]")})
    step = np.int64(step_s) * 10**9
    a = stays["datetime"].to_numpy("datetime64[ns]").astype(np.int64)
    b = stays["leaving_datetime"].to_numpy("datetime64[ns]").astype(np.int64)
    first = -(-a // step) * step
    n = np.maximum((b - first) // step + 1, 0)
    n = np.where(n == 0, 1, n)
    idx = np.repeat(np.arange(len(stays)), n)
    offset = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    ticks = np.where(((b - first) // step + 1)[idx] > 0, first[idx] + offset * step, a[idx])
    return pd.DataFrame({"uid": stays["uid"].to_numpy()[idx], "lat": stays["lat"].to_numpy()[idx],
                         "lng": stays["lng"].to_numpy()[idx],
                         "datetime": ticks.astype("datetime64[ns]")})


def _time_of_day_ns(text: str) -> int:
    hours, minutes = (int(v) for v in text.split(":"))
    return (hours * 60 + minutes) * 60 * 10**9


def home_locations(samples: pd.DataFrame, *, start_night: str = "22:00",
                   end_night: str = "07:00", engine: Engine = "numba") -> pd.DataFrame:
    """Home of each user: ``skmob.measures.individual.home_location`` on whole columns.

    skmob builds a TrajDataFrame per user and calls ``between_time`` on it; here the night
    mask, the counts per (user, place) and the choice of the most visited place are computed
    once for every user. The choice among places of equal count goes through the same
    ``argsort(kind="quicksort")`` of the same count array as skmob's ``sort_values`` (places
    in ascending (lat, lng) order), so that ties resolve as skmob's do. ``engine="skmob"``
    calls skmob itself (the reference of the tests).

    Returns
    -------
    DataFrame
        ``uid``, ``lat``, ``lng`` (one row per user, sorted by ``uid``).
    """
    if engine == "skmob":
        skmob = load_skmob()
        with quiet():
            home = skmob.measures.individual.home_location(
                skmob.TrajDataFrame(samples), start_night=start_night, end_night=end_night,
                show_progress=False)
        home["uid"] = home["uid"].astype(samples["uid"].dtype)
        return home[["uid", "lat", "lng"]]
    when = pd.to_datetime(samples["datetime"])
    known = when.notna().to_numpy()  # skmob counts non-missing times only
    frame = pd.DataFrame({"uid": samples["uid"].to_numpy()[known], "lat": samples["lat"].to_numpy()[known],
                          "lng": samples["lng"].to_numpy()[known]})
    when = when[known]
    tod = (when - when.dt.normalize()).to_numpy("timedelta64[ns]").astype(np.int64)
    start, end = _time_of_day_ns(start_night), _time_of_day_ns(end_night)
    # DataFrame.between_time: both ends included; a start after the end wraps over midnight
    night = (tod >= start) | (tod <= end) if start > end else (tod >= start) & (tod <= end)
    has_night = pd.Series(night).groupby(frame["uid"].to_numpy()).transform("any").to_numpy()
    counts = frame.loc[night | ~has_night].groupby(["uid", "lat", "lng"], sort=True).size()
    counts = counts.rename("n").reset_index()
    if counts.empty:
        return counts[["uid", "lat", "lng"]]
    n = counts["n"].to_numpy(np.int64)
    codes = pd.factorize(counts["uid"], sort=False)[0]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    sizes = np.diff(np.r_[starts, len(n)])
    is_top = n == np.repeat(np.maximum.reduceat(n, starts), sizes)
    pick = np.minimum.reduceat(np.where(is_top, np.arange(len(n)), len(n)), starts)
    # equal counts: the first row of skmob's sort_values(ascending=False), i.e. pandas' nargsort:
    # a quicksort argsort of the reversed counts, whose last element is taken
    for g in np.flatnonzero(np.add.reduceat(is_top.astype(np.int64), starts) > 1):
        a, size = starts[g], sizes[g]
        pick[g] = a + size - 1 - int(np.argsort(n[a:a + size][::-1], kind="quicksort")[-1])
    return counts.iloc[pick][["uid", "lat", "lng"]].reset_index(drop=True)


def home_work_locations(stays: pd.DataFrame, *, cell_m: int = 200,
                        start_night: str = "22:00", end_night: str = "07:00",
                        work_hours: tuple[int, int] = (9, 17), engine: Engine = "auto") -> pd.DataFrame:
    """Home and work of each user from their stays, on the 200 m grid.

    Stays are snapped to the centre of their ``cell_m`` grid cell (EPSG:3035), expanded
    into hourly presence samples (:func:`presence_samples`), then:

    - home: :func:`home_locations`, skmob's ``home_location`` (the cell most present at night,
      else the most present overall); skmob itself with ``engine="skmob"``;
    - work: the cell most present on weekdays between ``work_hours`` (start inclusive,
      end exclusive), other than home; none when the user is never away from home then.

    Returns
    -------
    DataFrame
        ``uid``, ``home_tile``, ``home_lat``, ``home_lng``, ``work_tile``, ``work_lat``,
        ``work_lng`` (work columns NaN/None when not found). Empty input, empty output.
    """
    from sources.traces.flows import grid_cell_centres, grid_cell_ids

    cols = ["uid", "home_tile", "home_lat", "home_lng", "work_tile", "work_lat", "work_lng"]
    if stays.empty:
        return pd.DataFrame({c: pd.Series(dtype=float if c.endswith(("lat", "lng")) else object)
                             for c in cols})
    snapped = pd.DataFrame(stays)[["uid", "lat", "lng", "datetime", "leaving_datetime"]].copy()
    snapped["tile"] = grid_cell_ids(snapped["lng"].to_numpy(), snapped["lat"].to_numpy(),
                                    cell_m=cell_m)
    lon_c, lat_c = grid_cell_centres(snapped["tile"].to_numpy())
    snapped["lat"], snapped["lng"] = lat_c, lon_c
    samples = presence_samples(snapped)
    home = home_locations(samples, start_night=start_night, end_night=end_night,
                          engine="skmob" if engine == "skmob" else "numba")
    home = home.rename(columns={"lat": "home_lat", "lng": "home_lng"})
    home["home_tile"] = grid_cell_ids(home["home_lng"].to_numpy(), home["home_lat"].to_numpy(),
                                      cell_m=cell_m)
    hours = samples["datetime"].dt.hour
    work_time = (samples["datetime"].dt.dayofweek < 5) & (hours >= work_hours[0]) & (
        hours < work_hours[1])
    w = samples.loc[work_time].merge(home[["uid", "home_lat", "home_lng"]], on="uid")
    w = w.loc[(w["lat"] != w["home_lat"]) | (w["lng"] != w["home_lng"])]
    counts = w.groupby(["uid", "lat", "lng"]).size().reset_index(name="n")
    counts = counts.sort_values(["uid", "n", "lat", "lng"], ascending=[True, False, True, True],
                                kind="mergesort").drop_duplicates("uid")
    work = counts.rename(columns={"lat": "work_lat", "lng": "work_lng"})[["uid", "work_lat",
                                                                          "work_lng"]]
    work["work_tile"] = grid_cell_ids(work["work_lng"].to_numpy(), work["work_lat"].to_numpy(),
                                      cell_m=cell_m)
    out = home.merge(work, on="uid", how="left")
    out["work_tile"] = out["work_tile"].astype(object).where(out["work_tile"].notna(), None)
    return out[cols].sort_values("uid").reset_index(drop=True)


@dataclass
class CleanResult:
    """What :func:`clean_traces` returns; ``steps`` counts points after each step."""

    points: Any  # TrajDataFrame after filter + compression
    stays: Any  # TrajDataFrame of stays
    steps: dict[str, int] = field(default_factory=dict)
    engine: str = "auto"


def clean_traces(tdf: pd.DataFrame, *, max_speed_kmh: float = 200.0,
                 compress_radius_km: float = 0.02, minutes_for_a_stop: float = 20.0,
                 stay_radius_km: float = 0.2, no_data_for_minutes: float = 1e12,
                 engine: Engine = "auto") -> CleanResult:
    """Speed filter, then compression (the points kept) and stay detection (on the filtered
    points, so that a trace ending at a stay keeps that stay's duration).

    Returns
    -------
    CleanResult
        ``points`` (filtered and compressed), ``stays`` (see :func:`detect_stays`),
        ``steps`` = {"input", "filtered", "compressed", "stays"} counts.
    """
    resolved = "skmob" if _use_skmob(engine, tdf) else "numba"
    filtered = filter_speed(tdf, max_speed_kmh=max_speed_kmh, engine=resolved)
    compressed = compress(filtered, spatial_radius_km=compress_radius_km, engine=resolved)
    # stays come from the filtered points: compression keeps the first time of each run,
    # which would cut a trace's last stay (and shorten every stay) to its first point
    stays = detect_stays(filtered, minutes_for_a_stop=minutes_for_a_stop,
                         spatial_radius_km=stay_radius_km, no_data_for_minutes=no_data_for_minutes,
                         engine=resolved)
    return CleanResult(points=compressed, stays=stays, engine=resolved,
                       steps={"input": len(tdf), "filtered": len(filtered),
                              "compressed": len(compressed), "stays": len(stays)})
