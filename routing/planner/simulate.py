"""Simulated GPS traces from planner itineraries, clearly labelled ``simulated=True``.

The Rennes bundle has no GPS traces; the pipeline is exercised on traces made from
itineraries of the planner over the real network: points interpolated along each leg's
geometry at the leg's average speed, Gaussian noise in metres, random sampling gaps, and
dwell points before and after each trip so that stays (home, work) can be detected.

It lives in ``routing`` because it drives the planner; the traces pipeline it feeds is
``sources.traces`` (which never imports ``routing``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from routing.constants import DETOUR_FACTOR
from sources.budgets import budgets
from sources.errors import UnusableInputError
from sources.geo import haversine_m, metres_to_degrees

#: Mode of dwell points (before / after a trip).
DWELL_MODE = "stay"


def _leg_positions(geometry: Sequence[tuple[float, float]], fractions: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """(lon, lat) at the given fractions (0..1) of the polyline's length."""
    g = np.asarray(geometry, dtype=float).reshape(-1, 2)
    if len(g) == 1:
        return np.full(len(fractions), g[0, 0]), np.full(len(fractions), g[0, 1])
    cum = np.concatenate(([0.0], np.cumsum(haversine_m(g[:-1, 0], g[:-1, 1], g[1:, 0], g[1:, 1]))))
    if cum[-1] == 0:
        return np.full(len(fractions), g[0, 0]), np.full(len(fractions), g[0, 1])
    s = np.clip(fractions, 0.0, 1.0) * cum[-1]
    return np.interp(s, cum, g[:, 0]), np.interp(s, cum, g[:, 1])


def simulate_traces(itineraries: Iterable[Any], *, seed: int, sampling_s: float = 10.0,
                    noise_m: float = 8.0, drop_probability: float = 0.1,
                    dwell_before_s: float = 1800.0, dwell_after_s: float = 1800.0,
                    dwell_sampling_s: float = 300.0) -> Any:
    """GPS-like points along itineraries.

    Parameters
    ----------
    itineraries
        :class:`routing.planner.itinerary.Itinerary` objects, or ``(user_id, Itinerary)`` pairs
        (a user may have several trips). Bare itineraries get users ``sim0001``, ``sim0002`` ...
    seed
        Seed of the noise and gaps (same seed, same points).
    sampling_s
        Sampling interval while moving.
    noise_m
        Standard deviation of the Gaussian position noise, in metres (per axis).
    drop_probability
        Probability that a moving sample is lost (sampling gaps).
    dwell_before_s, dwell_after_s, dwell_sampling_s
        Stationary (noisy) points before departure and after arrival (strictly), every
        ``dwell_sampling_s``: ``dwell_s // dwell_sampling_s`` points each; mode ``"stay"``.

    Returns
    -------
    TrajDataFrame
        ``uid``, ``lat``, ``lng``, ``datetime``, ``mode`` (leg mode, or ``"stay"``),
        ``trip`` (index of the itinerary in the input), ``simulated`` (True); sorted by user
        and time, one point per user and second. Legs without geometry are skipped.
        Empty input gives an empty frame with these columns.
    """
    from sources.traces import load_skmob

    rng = np.random.default_rng(seed)
    chunks: list[pd.DataFrame] = []
    for index, item in enumerate(itineraries):
        uid, itinerary = item if isinstance(item, tuple) else (f"sim{index + 1:04d}", item)
        legs = [leg for leg in itinerary.legs if leg.geometry]
        if not legs:
            continue
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, str]] = []  # lon, lat, time, mode

        dep = np.datetime64(legs[0].departure, "ns")
        if dwell_before_s > 0:
            n = int(dwell_before_s // dwell_sampling_s)
            t = dep - (np.arange(1, n + 1)[::-1] * dwell_sampling_s * 1e9).astype("timedelta64[ns]")
            x0, y0 = legs[0].geometry[0]
            parts.append((np.full(n, x0), np.full(n, y0), t, DWELL_MODE))
        for leg in legs:
            duration = max((leg.arrival - leg.departure).total_seconds(), 0.0)
            offsets = np.arange(0.0, duration + 1e-9, sampling_s) if duration > 0 else np.zeros(1)
            keep = rng.random(len(offsets)) >= drop_probability
            keep[0] = keep[-1] = True  # the ends of a leg are always seen
            offsets = offsets[keep]
            fractions = offsets / duration if duration > 0 else np.zeros(len(offsets))
            x, y = _leg_positions(leg.geometry, fractions)
            t = np.datetime64(leg.departure, "ns") + (offsets * 1e9).astype("timedelta64[ns]")
            parts.append((x, y, t, str(leg.mode)))
        arr = np.datetime64(legs[-1].arrival, "ns")
        if dwell_after_s > 0:
            n = int(dwell_after_s // dwell_sampling_s)
            t = arr + (np.arange(1, n + 1) * dwell_sampling_s * 1e9).astype("timedelta64[ns]")
            x1, y1 = legs[-1].geometry[-1]
            parts.append((np.full(n, x1), np.full(n, y1), t, DWELL_MODE))
        x = np.concatenate([p[0] for p in parts])
        y = np.concatenate([p[1] for p in parts])
        when = [p[2] for p in parts]
        modes = [np.full(len(p[2]), p[3], dtype=object) for p in parts]
        noise = rng.normal(0.0, noise_m, size=(len(x), 2)) if noise_m > 0 else np.zeros((len(x), 2))
        dlon, dlat = metres_to_degrees(noise[:, 0], noise[:, 1], y)
        x_noisy, y_noisy = x + dlon, y + dlat
        chunks.append(pd.DataFrame({"uid": str(uid), "lat": y_noisy, "lng": x_noisy,
                                    "datetime": np.concatenate(when).astype("datetime64[s]")
                                    .astype("datetime64[ns]"),
                                    "mode": np.concatenate(modes), "trip": index}))
    columns = ["uid", "lat", "lng", "datetime", "mode", "trip", "simulated"]
    if chunks:
        out = pd.concat(chunks, ignore_index=True)
        out = out.sort_values(["uid", "datetime"], kind="mergesort")
        out = out.drop_duplicates(["uid", "datetime"], keep="first").reset_index(drop=True)
        out["simulated"] = True
    else:
        out = pd.DataFrame({"uid": pd.Series(dtype=object), "lat": pd.Series(dtype=float),
                            "lng": pd.Series(dtype=float),
                            "datetime": pd.Series(dtype="datetime64[ns]"),
                            "mode": pd.Series(dtype=object), "trip": pd.Series(dtype="int64"),
                            "simulated": pd.Series(dtype=bool)})
    return load_skmob().TrajDataFrame(out[columns])


# -- a population of commuters --------------------------------------------------------------

def random_points_in(polygons: Any, n: int, *, rng: np.random.Generator,
                     weights: np.ndarray | None = None) -> np.ndarray:
    """``n`` random (lon, lat) points inside polygons (picked by ``weights``, default area)."""
    import shapely

    geoms = list(polygons.geometry) if hasattr(polygons, "geometry") else list(polygons)
    if not geoms:
        raise ValueError("no polygon to draw points from")
    areas = np.array([g.area for g in geoms]) if weights is None else np.asarray(weights, float)
    pick = rng.choice(len(geoms), size=n, p=areas / areas.sum())
    out = np.empty((n, 2))
    for i, g_index in enumerate(pick):
        g = geoms[g_index]
        x0, y0, x1, y1 = g.bounds
        for _ in range(1000):
            x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
            if shapely.contains_xy(g, x, y):
                break
        else:  # a sliver: fall back to a point surely inside
            p = g.representative_point()
            x, y = p.x, p.y
        out[i] = (x, y)
    return out


def _homes_and_workplaces(n_users: int, rng: np.random.Generator, bundle_dir: str | Path | None,
                          homes: np.ndarray | None, workplaces: np.ndarray | None, *,
                          cache: str | Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Homes in the IRIS of Rennes Métropole, workplaces in its business zones, unless given."""
    if homes is None or workplaces is None:
        from routing.network.inputs import load_frame
        from sources.geo import WGS84

        if homes is None:
            iris = load_frame("iris", bundle=bundle_dir, cache=cache).to_crs(WGS84)
            # IRIS are drawn to hold ~2,000 inhabitants each: equal weights follow population
            homes = random_points_in(iris, n_users, rng=rng, weights=np.ones(len(iris)))
        if workplaces is None:
            workplaces = random_points_in(load_frame("business-zones", bundle=bundle_dir, cache=cache).to_crs(WGS84), n_users,
                                          rng=rng)
    return homes, workplaces


def _check_users(n_users: int) -> None:
    """Refuse, before any work, a user count that is not a positive whole number or is over the
    ``max_simulated_users`` budget (BudgetExceeded names the setting that raises it)."""
    if isinstance(n_users, bool) or not isinstance(n_users, int | np.integer) or n_users < 1:
        raise UnusableInputError(f"users to simulate must be a whole number >= 1, not {n_users!r}")
    budgets().check("max_simulated_users", int(n_users))


def simulate_population(planner: Any, n_users: int, *, seed: int, day: date | None = None,
                        modes: Sequence[str] = ("walk", "bike", "transit"),
                        bundle_dir: str | Path | None = None, homes: np.ndarray | None = None,
                        workplaces: np.ndarray | None = None, morning: tuple[int, int] = (7, 9),
                        evening: tuple[int, int] = (16, 19), **trace_options: Any
                        ) -> tuple[Any, dict[str, Any]]:
    """Simulate commuters: home -> work in the morning, back in the evening, through ``planner``.

    Homes are random points in the IRIS of Rennes Métropole (each IRIS equally likely: IRIS
    hold about the same population), workplaces random points in its business zones (bundle ``territory/``), unless ``homes`` / ``workplaces`` (arrays of
    (lon, lat)) are given. Each trip asks ``planner.plan(origin, destination, when,
    modes=...)`` with :class:`routing.places.Place` endpoints and picks, for the morning, one
    of the options at most 1.5 x slower than the fastest (at random), and the same option in
    the evening when offered; users with no itinerary either way are counted and left out. The home dwell starts at
    midnight and the evening dwell lasts until 23:00, so that home is seen at night.

    Returns
    -------
    (TrajDataFrame, dict)
        The traces (see :func:`simulate_traces`) and ``{"users", "users_simulated",
        "trips", "no_route", "reasons"}``.
    """
    from routing.places import Place

    _check_users(n_users)
    rng = np.random.default_rng(seed)
    homes, workplaces = _homes_and_workplaces(n_users, rng, bundle_dir, homes, workplaces)
    day = day or getattr(planner, "date", None) or _default_day(bundle_dir)
    pairs: list[tuple[str, Any]] = []
    stats: dict[str, Any] = {"users": n_users, "users_simulated": 0, "trips": 0, "no_route": 0,
                             "reasons": {}}
    for i in range(n_users):
        uid = f"sim{i + 1:04d}"
        h = Place(name=f"home {uid}", kind="coordinates", lon=float(homes[i][0]), lat=float(homes[i][1]))
        w = Place(name=f"work {uid}", kind="coordinates", lon=float(workplaces[i][0]),
                  lat=float(workplaces[i][1]))
        found: list[Any] = []
        for origin, destination, (lo, hi) in ((h, w, morning), (w, h, evening)):
            minute = int(rng.integers(lo * 60, hi * 60))
            when = datetime.combine(day, time(minute // 60, minute % 60))
            result = planner.plan(origin, destination, when, modes=tuple(modes))
            if not result.itineraries:
                stats["no_route"] += 1
                reason = str(result.reason or "unknown")
                stats["reasons"][reason] = stats["reasons"].get(reason, 0) + 1
                break
            found.append(_choose(result.itineraries, rng=rng,
                                 label=found[0].label if found else None))
        if len(found) == 2:
            pairs += [(uid, it) for it in found]
            stats["users_simulated"] += 1
            stats["trips"] += 2
    traces = _simulate_days(pairs, seed=seed, **trace_options)
    return traces, stats


def _choose(itineraries: Sequence[Any], *, rng: np.random.Generator, label: str | None) -> Any:
    """The same option as the morning when there is one, else a random option at most 1.5 x
    slower than the fastest (people do not all take the fastest mode)."""
    if label is not None:
        for it in itineraries:
            if it.label == label:
                return it
    fastest = min(it.duration_s for it in itineraries)
    ok = [it for it in itineraries if it.duration_s <= 1.5 * fastest]
    return ok[int(rng.integers(0, len(ok)))]


def _simulate_days(pairs: list[tuple[str, Any]], *, seed: int, **options: Any) -> Any:
    """Morning trips dwell from midnight, evening trips until 23:00 (see simulate_population)."""
    from sources.traces import load_skmob

    frames = []
    for j, (uid, it) in enumerate(pairs):
        midnight = datetime.combine(it.departure.date(), time(0, 0))
        morning = j % 2 == 0
        before = (it.departure - midnight).total_seconds() if morning else 1800.0
        after = 1800.0 if morning else max(
            (midnight + timedelta(hours=23) - it.arrival).total_seconds(), 0.0)
        opts = {"dwell_before_s": before, "dwell_after_s": after, **options}
        tdf = simulate_traces([(uid, it)], seed=seed + j, **opts)
        frames.append(pd.DataFrame(tdf).assign(trip=j))
    if not frames:
        return simulate_traces([], seed=seed)
    out = pd.concat(frames, ignore_index=True).sort_values(["uid", "datetime"], kind="mergesort")
    out = out.drop_duplicates(["uid", "datetime"]).reset_index(drop=True)
    return load_skmob().TrajDataFrame(out)


def _default_day(bundle_dir: str | Path | None, cache: str | Path | None = None) -> date:
    """The network's default service day: the bundle feed's representative weekday (the bundle
    beside the checkout when none is named)."""
    from routing.network.inputs import bundle_beside_checkout, default_service_day

    day = default_service_day(bundle=bundle_dir or bundle_beside_checkout(), cache=cache)
    if day is None:
        raise ValueError("the GTFS feed has no service day: pass day=")
    return day


def simulate_straight_commutes(n_users: int, *, seed: int, day: date | None = None,
                               homes: np.ndarray | None = None,
                               workplaces: np.ndarray | None = None,
                               bundle_dir: str | Path | None = None, cache: str | Path | None = None,
                               detour: float = DETOUR_FACTOR,
                               **trace_options: Any) -> Any:
    """Commuter traces without the planner: straight-line walk, bike or car legs.

    The fallback when no planner is available: home -> work between 7:00 and 9:00 and
    back between 16:00 and 19:00 of ``day`` (default: the network's service day), one mode per
    user (walk under 2 km, else bike or car), duration = straight distance x ``detour`` / the mode's
    off-network speed (:meth:`routing.linking.LinkParams.speed_ms`). Homes and workplaces as in
    :func:`simulate_population`. Still ``simulated=True``; the geometry is a straight line.

    Returns
    -------
    TrajDataFrame
        As :func:`simulate_traces`.
    """
    from routing.linking import LINK
    from routing.planner.itinerary import Itinerary, Leg

    _check_users(n_users)
    rng = np.random.default_rng(seed)
    homes, workplaces = _homes_and_workplaces(n_users, rng, bundle_dir, homes, workplaces, cache=cache)
    day = day or _default_day(bundle_dir, cache)
    pairs: list[tuple[str, Any]] = []
    for i in range(n_users):
        uid = f"sim{i + 1:04d}"
        h, w = tuple(map(float, homes[i])), tuple(map(float, workplaces[i]))
        dist = float(haversine_m(h[0], h[1], w[0], w[1])) * detour
        mode = "walk" if dist < 2000 else ("bike" if rng.random() < 0.5 else "car")
        duration = timedelta(seconds=max(dist / LINK.speed_ms(mode), 60.0))
        for a, b, (lo, hi) in ((h, w, (7, 9)), (w, h, (16, 19))):
            minute = int(rng.integers(lo * 60, hi * 60))
            dep = datetime.combine(day, time(minute // 60, minute % 60))
            leg = Leg(mode=mode, from_name="home" if a == h else "work",
                      to_name="work" if a == h else "home", departure=dep,
                      arrival=dep + duration, distance_m=dist, geometry=[a, b])
            pairs.append((uid, Itinerary(label=mode, legs=[leg], notes=["straight line"])))
    return _simulate_days(pairs, seed=seed, **trace_options)
