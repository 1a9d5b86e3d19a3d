"""Accessibility: travel-time surfaces, isochrones, matrices, indicators and equity figures.

Everything runs on a loaded :class:`~routing.network.assemble.Network` (no file is read here:
:func:`opportunities` asks :mod:`routing.network.inputs` for the catalogue's frames).

Model
-----
* **Walk, bike and car** between points (grid cell centroids, opportunities, origins, stops)
  follow the rules of :mod:`routing.linking`, the same as the planner's: each point links to
  its layer's main component (straight at the mode's speed within 300 m, straight line x the
  detour factor up to 3 km), the direct straight line x detour competes when an end is off
  the layer, bikes follow their preferences, a car trip ends with parking. Access to and
  egress from stops are capped at ``LinkParams.max_access_s`` each (15 min); a point with no
  stop within that walk walks to those within ``max_long_access_s`` (30 min), as the
  planner does, so that a cell in a park or a field is reached from its nearest stops
  rather than left as a hole.
* **Transit**: walk access to stops, a connection scan (:func:`routing.transit.csa.bounded_scan`:
  the CSA bounded by the cutoff and without initial footpaths, since access already walks to
  every stop within reach), then walking from every stop reached by a
  vehicle to the targets. Walking the whole way is always an option (the result is the
  minimum of both).
* Times are int32 seconds; :data:`UNREACHABLE_I32` marks what is not reached within the cutoff.

The shared work of many origins
-------------------------------
The earliest arrival from a set of (stop, time) labels is the pointwise minimum of the
earliest arrivals from each label, and the result of one label (stop o, time t) depends only
on the first departure at o at or after t. So :func:`accessibility` and
:func:`travel_time_matrix` run **one scan per departure event** (a stop and a time at which a
vehicle leaves it, inside the window plus the cutoff: about 10,000 for an hour of Rennes
morning peak), reduce each to arrival times at the destinations (stop -> destination egress
table, min-plus), and then every origin and departure minute is a minimum over the origin's
access stops of rows of that table (numba). This is exact: it gives the same numbers as one
scan per origin and minute (tested).

Batches of origins can run on Dask (:func:`dask_client`): a ``LocalCluster`` of processes
by default, or any scheduler address; results are identical to the in-process path.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numba as nb
import numpy as np
import pandas as pd

from routing import linking
from routing.clock import SERVICE_DAY_H, seconds_of_day
from routing.constants import (
    ACCESS_MODES,
    NO_DEPARTURE,
    OPPORTUNITY_KINDS,
    UNREACHABLE,
    UNREACHABLE_I32,
)
from routing.derived import derived
from routing.linking import LINK
from routing.network.assemble import Network
from routing.network.wheelchair import WHEELCHAIR, wheelchair_network
from routing.streets.graph import ModeGraph
from routing.transit.csa import (
    ScanWork,
    bounded_scan,
    first_at_or_after,
    first_departure,
    scan_work,
    time_index,
)

MODES = ACCESS_MODES
DEFAULT_BANDS_MIN = (10, 20, 30, 45, 60)
MEASURES = ("cumulative", "gravity", "nearest")
DECAYS = ("step", "linear", "exponential", "logistic")
#: point sets of at least this many points have their links and street times kept by content
KEEP_MIN_POINTS = 64
#: what an engine keeps of point sets at most (links and street times of the grid and a few
#: opportunity sets: tens of MB each), bytes
KEPT_BYTES = 512 * 1024**2
#: threads of the kernels that release the GIL (the scans of a window, the sums of the origins)
KERNEL_THREADS = max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def _digest(pts: Points) -> str:
    """Content key of a point set's locations (the same grid or opportunities, whatever object)."""
    h = hashlib.blake2b(digest_size=16)
    h.update(np.ascontiguousarray(pts.lon, dtype=np.float64).tobytes())
    h.update(np.ascontiguousarray(pts.lat, dtype=np.float64).tobytes())
    return h.hexdigest()


def _nbytes(value: Any) -> int:
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, tuple):
        return sum(_nbytes(v) for v in value)
    return 0


_POOL: list[ThreadPoolExecutor] = []
_POOL_LOCK = threading.Lock()


def _in_threads(work: Callable[[int, int], Any], n: int, *, min_chunk: int = 64) -> list[Any]:
    """``work(lo, hi)`` over ``range(n)`` cut into one chunk per core, run in threads (the kernels
    release the GIL), results in order; in the calling thread when one chunk is enough."""
    parts = min(KERNEL_THREADS, max(1, n // min_chunk))
    bounds = [(n * k // parts, n * (k + 1) // parts) for k in range(parts)]
    if parts == 1:
        return [work(0, n)]
    with _POOL_LOCK:
        if not _POOL:
            _POOL.append(ThreadPoolExecutor(max_workers=KERNEL_THREADS, thread_name_prefix="access-kernel"))
    return list(_POOL[0].map(lambda b: work(*b), bounds))


@dataclass(frozen=True)
class AccessParams:
    """Walking limits of the transit model (the planner's, from :data:`routing.linking.LINK`)."""

    #: cap of the walk to the first stop and from the last stop, seconds
    max_access_s: int = int(LINK.max_access_s)
    #: a point with no stop within max_access_s walks to the stops within this, seconds
    max_long_access_s: int = int(LINK.max_long_access_s)


@dataclass(frozen=True)
class Points:
    """Locations with an id and a weight (origins, destinations, opportunities)."""

    ids: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    weight: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, *, id_col: str | None = None,
                   weight_col: str | None = None) -> Points:
        """Points from a frame with ``lon``/``lat`` columns; rows without coordinates are dropped.

        ``id_col`` default: ``cell_id``, ``zone_id``, ``point_id`` or ``opportunity_id`` when
        present, else the row position; ``weight_col`` default: weight 1 for each row.
        """
        frame = frame[np.isfinite(frame["lon"].to_numpy(float)) & np.isfinite(frame["lat"].to_numpy(float))]
        if id_col is None:
            id_col = next((c for c in ("cell_id", "zone_id", "point_id", "opportunity_id")
                           if c in frame.columns), None)
        ids = (frame[id_col].astype(str).to_numpy(dtype=object) if id_col
               else np.arange(len(frame)).astype(str).astype(object))
        weight = (pd.to_numeric(frame[weight_col], errors="coerce").fillna(0.0).to_numpy(float)
                  if weight_col else np.ones(len(frame)))
        return cls(ids, frame["lon"].to_numpy(float).copy(), frame["lat"].to_numpy(float).copy(), weight)

    @classmethod
    def single(cls, lon: float, lat: float, *, name: str = "origin") -> Points:
        return cls(np.array([name], dtype=object), np.array([float(lon)]), np.array([float(lat)]),
                   np.ones(1))

    def take(self, idx: np.ndarray) -> Points:
        return Points(self.ids[idx], self.lon[idx], self.lat[idx], self.weight[idx])


@dataclass(frozen=True)
class Measure:
    """An accessibility indicator.

    * ``cumulative``: weight of the opportunities reached within ``cutoff_s``;
    * ``gravity``: sum of weight x f(t) with f ``step`` (1 up to the cutoff), ``linear``
      (1 - t / cutoff, 0 beyond), ``exponential`` (exp(-ln 2 t / half_life_s), half-life
      default cutoff / 2) or ``logistic`` (1 / (1 + exp((t - cutoff) / width_s)), width
      default cutoff / 10);
    * ``nearest``: travel time (s) needed to gather ``k`` weight of opportunities (with unit
      weights, the time to the k-th nearest); NaN when fewer are reached within the cutoff.
    """

    kind: str = "cumulative"
    cutoff_s: float = 1800.0
    decay: str = "step"
    half_life_s: float | None = None
    width_s: float | None = None
    k: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in MEASURES:
            raise ValueError(f"measure must be one of {MEASURES}, got {self.kind!r}")
        if self.decay not in DECAYS:
            raise ValueError(f"decay must be one of {DECAYS}, got {self.decay!r}")
        if not self.cutoff_s > 0:
            raise ValueError("cutoff_s must be positive")
        if self.kind == "nearest" and not self.k > 0:
            raise ValueError("k must be positive")

    def weights_of(self, times_s: np.ndarray) -> np.ndarray:
        """f(t) for int32 travel times (UNREACHABLE_I32 -> 0), float64 of the same shape."""
        t = times_s.astype(np.float64)
        reached = times_s < UNREACHABLE_I32
        c = float(self.cutoff_s)
        if self.kind == "cumulative" or self.decay == "step":
            f = (t <= c).astype(np.float64)
        elif self.decay == "linear":
            f = np.clip(1.0 - t / c, 0.0, 1.0)
        elif self.decay == "exponential":
            h = self.half_life_s or c / 2.0
            f = np.exp(-math.log(2.0) * np.where(reached, t, 0.0) / h)
        else:
            w = self.width_s or c / 10.0
            f = 1.0 / (1.0 + np.exp(np.clip((np.where(reached, t, 0.0) - c) / w, -700, 700)))
        return np.where(reached, f, 0.0)


class AccessibilityEngine:
    """Travel times from and to many points on one network (read-only, reusable).

    Caches (per engine) the stop snapping and the stop -> target egress tables, so that
    repeated isochrones on the same grid cost one scan and one min-plus each.
    """

    def __init__(self, network: Network, *, params: AccessParams | None = None, wheelchair: bool = False) -> None:
        if wheelchair:  # the wheelchair profile's network and roll cap (routing.network.wheelchair)
            network = wheelchair_network(network)
            params = params or AccessParams(max_access_s=int(WHEELCHAIR.max_access_s),
                                            max_long_access_s=int(WHEELCHAIR.max_long_access_s))
        self.network = network
        self.tt = network.timetable
        self.params = params or AccessParams()
        self.walk = network.graphs["walk"]
        self._stops = Points(self.tt.stop_ids.astype(object), self.tt.stop_lon, self.tt.stop_lat,
                             np.ones(self.tt.n_stops))
        self._cache: dict[Any, Any] = {}
        #: links and street times of point sets by content (see :meth:`_kept`)
        self._kept_lock = threading.Lock()
        self._kept_items: OrderedDict[Any, Any] = OrderedDict()
        self._keeps = True

    def uncached(self) -> AccessibilityEngine:
        """A copy that keeps nothing between calls but the stop links, and builds the event table
        without the timetable's kept scans: the path before those caches (the benches' baseline)."""
        out = object.__new__(AccessibilityEngine)
        out.__dict__.update(self.__dict__)
        out._cache = {k: v for k, v in self._cache.items() if k[0] == "stop_links"}
        out._kept_lock = threading.Lock()
        out._kept_items = OrderedDict()
        out._keeps = False
        return out

    def forget(self, pts: Points) -> None:
        """Drop what is kept of ``pts`` (its links and street times to or from it): the next
        request on it is cold again (the benches time a new opportunity type so)."""
        d = _digest(pts)
        with self._kept_lock:
            for key in [k for k in self._kept_items if d in k]:
                del self._kept_items[key]

    def _kept(self, key: Any, make: Callable[[], Any]) -> Any:
        """``make()``, kept by content key: the grid and the opportunity sets come back on every
        request of a page, so their links and street times are computed once (the least recently
        used go first beyond :data:`KEPT_BYTES`). Two threads asking at once may both compute."""
        if not self._keeps:
            return make()
        with self._kept_lock:
            if key in self._kept_items:
                self._kept_items.move_to_end(key)
                return self._kept_items[key]
        value = make()
        with self._kept_lock:
            self._kept_items[key] = value
            while len(self._kept_items) > 1 and sum(_nbytes(v) for v in self._kept_items.values()) > KEPT_BYTES:
                self._kept_items.popitem(last=False)
        return value

    def with_timetable(self, tt: Any) -> AccessibilityEngine:
        """The same engine on another timetable of the same stops (e.g. other stops made accessible):
        the walking caches are shared, since the stops and the streets are the same."""
        if tt.n_stops != self.tt.n_stops:
            raise ValueError("with_timetable needs a timetable of the same stops")
        out = object.__new__(AccessibilityEngine)
        out.__dict__.update(self.__dict__)
        out.tt = tt
        return out

    # -- walking ----------------------------------------------------------------------------------
    @property
    def stops(self) -> Points:
        return self._stops

    def _links(self, mode: str, pts: Points) -> linking.Links:
        if pts is self._stops:
            key = ("stop_links", mode)
            if key not in self._cache:
                self._cache[key] = linking.link(self.network.graphs[mode], pts.lon, pts.lat)
            return self._cache[key]
        if len(pts) < KEEP_MIN_POINTS:  # a door, a few origins: cheaper to link than to hash
            return linking.link(self.network.graphs[mode], pts.lon, pts.lat)
        return self._kept(("links", mode, _digest(pts)),
                          lambda: linking.link(self.network.graphs[mode], pts.lon, pts.lat))

    def outside_data(self, pts: Points, mode: str = "transit") -> np.ndarray:
        """Per point: truly outside the data for ``mode`` (bool): no node of its street layer (the
        walk layer for transit) within ``LinkParams.max_offnetwork_m``, so nothing can be said
        there; a map paints it "hors données" rather than as not reached."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        return ~self._links("walk" if mode == "transit" else mode, pts).linked

    def walk_pairs(self, a: Points, b: Points, cutoff_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Walking times between every pair (i of ``a``, j of ``b``) within ``cutoff_s``
        (:func:`routing.linking.street_times`). Walking is symmetric.

        Returns
        -------
        (i, j, seconds) arrays (int64, int64, int32 rounded up), one row per pair, sorted by i
        then j; empty arrays when nothing is within reach.
        """
        return self.street_pairs("walk", a, b, cutoff_s)

    # -- bike / car ---------------------------------------------------------------------------
    def reverse_graph(self, mode: str) -> ModeGraph:
        """The mode graph with every arc reversed (all-to-one searches on directed layers)."""
        return self.network.graphs[mode].reversed()

    def street_pairs(self, mode: str, a: Points, b: Points,
                     cutoff_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Travel times by ``mode`` (walk, bike or car) from each point of ``a`` to each of ``b``
        (:func:`routing.linking.street_times`; a car trip ends with parking, as in the planner).

        Returns (i, j, seconds) as :meth:`walk_pairs`; car respects one-way streets.
        """
        if mode not in ("walk", "bike", "car"):
            raise ValueError(f"street mode must be walk, bike or car, got {mode!r}")
        if len(a) * len(b) >= KEEP_MIN_POINTS ** 2:  # the grid to a point set: kept (e.g. walking
            # the whole way in transit is the walk mode's table)
            return self._kept(("street", mode, _digest(a), _digest(b), float(cutoff_s)),
                              lambda: self._street_pairs(mode, a, b, cutoff_s))
        return self._street_pairs(mode, a, b, cutoff_s)

    def _street_pairs(self, mode: str, a: Points, b: Points,
                      cutoff_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        g = self.network.graphs[mode]
        extra = LINK.car_park_s if mode == "car" else 0.0
        i, j, t = linking.street_times(g, a.lon, a.lat, b.lon, b.lat, cutoff_s - extra,
                                       a_links=self._links(mode, a), b_links=self._links(mode, b),
                                       reverse_graph=self.reverse_graph(mode) if mode != "walk" else None)
        if extra:
            t = (t + int(math.ceil(extra))).astype(np.int32)
        return i, j, t

    # -- transit building blocks ------------------------------------------------------------------
    def stop_walks(self, pts: Points, *, max_s: float | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Walks (point, stop, seconds) within ``max_s``; by default the planner's rule: within
        ``max_access_s``, and for a point with no stop there, within ``max_long_access_s``."""
        short = self.params.max_access_s if max_s is None else max_s
        i, j, t = self.walk_pairs(pts, self._stops, short)
        if max_s is None and self.params.max_long_access_s > short and len(pts):
            lone = np.ones(len(pts), bool)
            lone[i] = False
            lone = np.flatnonzero(lone)
            if len(lone):
                li, lj, lt = self.walk_pairs(pts.take(lone), self._stops, self.params.max_long_access_s)
                i, j, t = np.concatenate([i, lone[li]]), np.concatenate([j, lj]), np.concatenate([t, lt])
        return i, j, t

    def stop_links(self, pts: Points, *, max_s: float | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Walk links of each point to the stops (:meth:`stop_walks`: within ``max_s``, default the
        planner's rule) as CSR (ptr int64 len(pts)+1, stop int64, seconds int32)."""
        i, j, t = self.stop_walks(pts, max_s=max_s)
        return _csr(i, j, t, len(pts))

    def egress(self, targets: Points, *, key: Any = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Stop -> target walking table (:meth:`stop_walks`, walking being symmetric) as CSR over
        stops (cached under ``key`` when given)."""
        ck = (("egress", key, self.params.max_access_s, self.params.max_long_access_s)
              if key is not None else None)
        if ck is not None and ck in self._cache:
            return self._cache[ck]
        j, i, t = self.stop_walks(targets)
        out = _csr(i, j, t, self.tt.n_stops)
        if ck is not None:
            self._cache[ck] = out
        return out

    def transit_stop_arrivals(self, labels: np.ndarray, cutoff_at_s: int) -> np.ndarray:
        """Earliest arrival (int64, :data:`~routing.constants.UNREACHABLE` when none) at every stop
        by a vehicle (then at most one footpath), from (stop, time) labels, scanning connections
        departing up to ``cutoff_at_s``."""
        tt = self.tt
        labels = np.asarray(labels, dtype=np.int64).reshape(-1, 2)
        out = np.full(tt.n_stops, UNREACHABLE, dtype=np.int64)
        if len(labels) == 0:
            return out
        start = time_index(tt.dep_time, labels[:, 1].min())
        bounded_scan(tt.arrays, labels[:, 0].copy(), labels[:, 1].copy(), start, np.int64(cutoff_at_s), 0,
                     scan_work(tt), out, np.int64(LINK.transfer_slack_s))
        return out


# -- numba kernels -------------------------------------------------------------------------------

def _csr(i: np.ndarray, j: np.ndarray, t: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    order = np.lexsort((j, i))
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(i, minlength=n), out=ptr[1:])
    return ptr, j[order].astype(np.int64), t[order].astype(np.int32)


@nb.njit(cache=True)
def _egress_min(arrivals, egr_ptr, egr_dest, egr_s, t0, cutoff, res):
    """res[j] = min(res[j], arrivals[s] + egress(s, j) - t0) over stops reached within the cutoff."""
    limit = t0 + cutoff
    for s in range(len(arrivals)):
        a = arrivals[s]
        if a > limit:
            continue
        for e in range(egr_ptr[s], egr_ptr[s + 1]):
            v = a + egr_s[e] - t0
            if v <= cutoff and v < res[egr_dest[e]]:
                res[egr_dest[e]] = v


@nb.njit(cache=True)
def _access_max(latest, egr_ptr, egr_dest, egr_s, best):
    """best[j] = max over stops s of latest[s] - walk(j, s) (latest departures, arrive-by)."""
    for s in range(len(latest)):
        ls = latest[s]
        if ls <= NO_DEPARTURE:
            continue
        for e in range(egr_ptr[s], egr_ptr[s + 1]):
            v = ls - egr_s[e]
            if v > best[egr_dest[e]]:
                best[egr_dest[e]] = v


@nb.njit(cache=True)
def _event_table(conns, ev_stop, ev_time, horizon, egress, n_dest, slack):
    """For each departure event (stop, time): arrival time at every destination (int32, UNREACHABLE_I32),
    from the timetable ``conns`` (:class:`~routing.transit.timetable.ConnectionArrays`) and the
    stop -> destination walks ``egress`` (CSR over stops: offsets, destination, seconds)."""
    egr_ptr, egr_dest, egr_s = egress
    n_stops = conns.n_stops
    n_ev = len(ev_stop)
    table = np.full((n_ev, n_dest), UNREACHABLE_I32, dtype=np.int32)
    work = ScanWork(np.empty(n_stops, np.int64), np.empty(n_stops, np.int64), np.full(conns.n_trips, -1, np.int64))
    out = np.empty(n_stops, np.int64)
    src_stop = np.empty(1, np.int64)
    src_time = np.empty(1, np.int64)
    for e in range(n_ev):
        t0 = ev_time[e]
        src_stop[0] = ev_stop[e]
        src_time[0] = t0
        lo = first_departure(conns.dep_time, t0)
        for s in range(n_stops):
            out[s] = UNREACHABLE
        bounded_scan(conns, src_stop, src_time, lo, t0 + horizon, e, work, out, slack)
        row = table[e]
        limit = t0 + horizon
        for s in range(n_stops):
            a = out[s]
            if a > limit:
                continue
            for k in range(egr_ptr[s], egr_ptr[s + 1]):
                v = a + egr_s[k]
                j = egr_dest[k]
                if v < row[j]:
                    row[j] = v
    return table


@nb.njit(cache=True, nogil=True)
def _event_scans(conns, ev_stop, ev_time, horizon, slack):
    """For each departure event (stop, time): the stops reached by a vehicle (then one footpath)
    within ``horizon``, as CSR over the events (offsets int64, stop int32, arrival int32 s):
    what :func:`_event_table` computes before it walks to the destinations, kept sparse."""
    n_stops = conns.n_stops
    n_ev = len(ev_stop)
    ptr = np.zeros(n_ev + 1, np.int64)
    cap = max(1024, n_ev * 64)
    stops = np.empty(cap, np.int32)
    arrs = np.empty(cap, np.int32)
    work = ScanWork(np.empty(n_stops, np.int64), np.empty(n_stops, np.int64), np.full(conns.n_trips, -1, np.int64))
    out = np.empty(n_stops, np.int64)
    src_stop = np.empty(1, np.int64)
    src_time = np.empty(1, np.int64)
    n = 0
    for e in range(n_ev):
        t0 = ev_time[e]
        src_stop[0] = ev_stop[e]
        src_time[0] = t0
        for s in range(n_stops):
            out[s] = UNREACHABLE
        bounded_scan(conns, src_stop, src_time, first_departure(conns.dep_time, t0), t0 + horizon, e, work, out,
                     slack)
        limit = t0 + horizon
        for s in range(n_stops):
            if out[s] <= limit:
                if n == cap:
                    cap *= 2
                    ns = np.empty(cap, np.int32)
                    na = np.empty(cap, np.int32)
                    ns[:n] = stops[:n]
                    na[:n] = arrs[:n]
                    stops, arrs = ns, na
                stops[n] = s
                arrs[n] = out[s]
                n += 1
        ptr[e + 1] = n
    return ptr, stops[:n].copy(), arrs[:n].copy()


@nb.njit(cache=True, nogil=True)
def _event_rows(sc_ptr, sc_stop, sc_arr, egress, lo, hi, table):
    """table[e] for events lo..hi-1: arrival at every destination (min over the stops the event
    reaches of arrival + egress walk), from the kept scans (:func:`_event_scans`)."""
    egr_ptr, egr_dest, egr_s = egress
    for e in range(lo, hi):
        row = table[e]
        for k in range(sc_ptr[e], sc_ptr[e + 1]):
            s = sc_stop[k]
            a = np.int64(sc_arr[k])
            for q in range(egr_ptr[s], egr_ptr[s + 1]):
                v = a + egr_s[q]
                j = egr_dest[q]
                if v < row[j]:
                    row[j] = v


@nb.njit(cache=True, nogil=True)
def _sparse_rows(table):
    """The reached entries of each event row as CSR (offsets int64, destination int32, arrival int32)."""
    n_ev, n_dest = table.shape
    ptr = np.zeros(n_ev + 1, np.int64)
    for e in range(n_ev):
        k = 0
        for j in range(n_dest):
            if table[e, j] < UNREACHABLE_I32:
                k += 1
        ptr[e + 1] = ptr[e] + k
    dest = np.empty(ptr[n_ev], np.int32)
    arr = np.empty(ptr[n_ev], np.int32)
    for e in range(n_ev):
        k = ptr[e]
        for j in range(n_dest):
            if table[e, j] < UNREACHABLE_I32:
                dest[k] = j
                arr[k] = table[e, j]
                k += 1
    return ptr, dest, arr


@nb.njit(cache=True, nogil=True)
def _sweep_sums(access, direct, ev_ptr, ev_time, rows, deps, cutoff, weights, limit_s, linear, lo_c, hi_c, out):
    """out[c - lo_c, k]: sum over destinations j reached within ``limit_s`` of weights[j] x f(t),
    f = 1 (``linear`` False: cumulative or step) or 1 - t / limit_s, from origin c (lo_c..hi_c-1)
    leaving at deps[k]: the times of :func:`_origin_times` without keeping them (one row of
    destinations instead of an (origins, minutes, destinations) block), by one sweep of the
    departures per origin, from the last to the first. ``rows``: the event table's reached
    entries (:func:`_sparse_rows`).

    Leaving earlier, every event caught later can still be caught (waiting at the stop), and an
    event's row dominates the rows of the later events at its stop (its scan can board all they
    board): so the earliest arrivals of a minute are those of the next minute merged with the
    rows of the events newly caught at each access stop, and each event row is merged once per
    origin instead of once per (origin, minute). The sum runs over the destinations reached so
    far, in their order, as the dense sum does: the same numbers as :func:`_fill_row`."""
    acc_ptr, acc_stop, acc_s = access
    dir_ptr, dir_dest, dir_s = direct
    row_ptr, row_dest, row_arr = rows
    n_dest = len(weights)
    big = np.int64(UNREACHABLE_I32)
    best = np.full(n_dest, big, np.int64)  # earliest absolute arrival by transit
    walk = np.full(n_dest, big, np.int64)  # walking the whole way, seconds
    active = np.empty(n_dest, np.int64)  # destinations reached so far (either way), sorted up to m_sorted
    scratch = np.empty(n_dest, np.int64)
    widest = 0
    for c in range(lo_c, hi_c):
        widest = max(widest, acc_ptr[c + 1] - acc_ptr[c])
    caught = np.empty(widest, np.int64)  # per access stop: the earliest event merged so far
    for c in range(lo_c, hi_c):
        m = 0
        m_sorted = 0
        for e in range(dir_ptr[c], dir_ptr[c + 1]):
            j = dir_dest[e]
            if walk[j] == big and best[j] == big:
                active[m] = j
                m += 1
            if dir_s[e] < walk[j]:
                walk[j] = dir_s[e]
        dirty = True
        a0 = acc_ptr[c]
        na = acc_ptr[c + 1] - a0
        for q in range(na):
            caught[q] = ev_ptr[acc_stop[a0 + q] + 1]
        for k in range(len(deps) - 1, -1, -1):
            t = np.int64(deps[k])
            for q in range(na):
                o = acc_stop[a0 + q]
                lo = first_at_or_after(ev_time, t + acc_s[a0 + q], ev_ptr[o], caught[q])
                if lo == caught[q] or ev_time[lo] > t + cutoff:
                    continue
                caught[q] = lo
                for x in range(row_ptr[lo], row_ptr[lo + 1]):
                    j = row_dest[x]
                    u = np.int64(row_arr[x])
                    if u < best[j]:
                        if best[j] == big and walk[j] == big:
                            active[m] = j
                            m += 1
                            dirty = True
                        best[j] = u
            if dirty:  # the new ones sorted, then merged into the sorted ones (linear)
                active[m_sorted:m].sort()
                i, i_end, x = 0, m_sorted, 0
                p = m_sorted
                while i < i_end or p < m:
                    if p >= m or (i < i_end and active[i] < active[p]):
                        scratch[x] = active[i]
                        i += 1
                    else:
                        scratch[x] = active[p]
                        p += 1
                    x += 1
                active[:m] = scratch[:m]
                m_sorted = m
                dirty = False
            total = 0.0
            for x in range(m):
                j = active[x]
                r = walk[j]
                if best[j] < big and best[j] - t < r:
                    r = best[j] - t
                if r <= cutoff:
                    tj = np.float64(r)
                    if linear:
                        f = 1.0 - tj / limit_s
                        if f > 0.0:
                            total += weights[j] * min(f, 1.0)
                    elif tj <= limit_s:
                        total += weights[j]
            out[c - lo_c, k] = total
        for x in range(m):  # back to nothing reached, for the next origin
            best[active[x]] = big
            walk[active[x]] = big


@nb.njit(cache=True)
def _fill_row(c, t, access, direct, ev_ptr, ev_time, table, cutoff, row):
    """row[j]: travel time from origin c leaving at t to destination j (UNREACHABLE_I32 beyond the
    cutoff): min of the direct time and, over the origin's access stops o, of the event row of the
    first departure at o after arriving there."""
    acc_ptr, acc_stop, acc_s = access
    dir_ptr, dir_dest, dir_s = direct
    n_dest = len(row)
    big = np.int64(UNREACHABLE_I32)
    for j in range(n_dest):
        row[j] = UNREACHABLE_I32
    for e in range(dir_ptr[c], dir_ptr[c + 1]):
        j = dir_dest[e]
        if dir_s[e] < row[j]:
            row[j] = dir_s[e]
    for e in range(acc_ptr[c], acc_ptr[c + 1]):
        o = acc_stop[e]
        tp = t + acc_s[e]
        lo = first_at_or_after(ev_time, tp, ev_ptr[o], ev_ptr[o + 1])
        if lo == ev_ptr[o + 1] or ev_time[lo] > t + cutoff:
            continue
        urow = table[lo]
        for j in range(n_dest):
            u = np.int64(urow[j])
            if u < big:
                v = u - t
                if v < row[j]:
                    row[j] = v
    for j in range(n_dest):
        if row[j] > cutoff:
            row[j] = UNREACHABLE_I32


@nb.njit(cache=True)
def _origin_times(access, direct, ev_ptr, ev_time, table, deps, cutoff, out):
    """out[c, k, j]: travel time from origin c leaving at deps[k] to destination j (:func:`_fill_row`).
    ``access`` (origin -> stop) and ``direct`` (origin -> destination): CSR over origins (offsets,
    stop or destination, seconds)."""
    for c in range(len(access[0]) - 1):
        for k in range(len(deps)):
            _fill_row(c, np.int64(deps[k]), access, direct, ev_ptr, ev_time, table, cutoff, out[c, k])


# -- single-origin surfaces ---------------------------------------------------------------------

def departure_minutes(window: tuple[Any, Any] | str, *, step_s: int = 60) -> np.ndarray:
    """Departure times (int64 s) every ``step_s`` over a window "HH:MM-HH:MM" or (start, end),
    end excluded (08:00-09:00 gives 60 minutes)."""
    if isinstance(window, str):
        if "-" not in window:
            raise ValueError(f"window must look like 08:00-09:00, got {window!r}")
        a, b = window.split("-", 1)
        window = (a, b)
    t0, t1 = (seconds_of_day(t, max_hours=SERVICE_DAY_H) for t in window)
    if t1 <= t0:
        return np.array([t0], dtype=np.int64)
    return np.arange(t0, t1, step_s, dtype=np.int64)


def travel_time_surface(engine: AccessibilityEngine, origin: Points | tuple[float, float], targets: Points, *,
                        mode: str = "transit", departure: Any = "08:00", cutoff_s: float = 3600,
                        arrive_by: bool = False, targets_key: Any = None) -> np.ndarray:
    """Travel times (int32 s, :data:`UNREACHABLE_I32` beyond ``cutoff_s``) from one point to every target.

    Parameters
    ----------
    origin
        A :class:`Points` of one location, or (lon, lat). With ``arrive_by`` it is the
        destination and the times are those *from* each target *to* it, arriving by ``departure``.
    targets
        e.g. the grid cells (``Points.from_frame(grid)``).
    mode
        walk, bike, car or transit.
    departure
        Time of day ("08:00", seconds, a datetime): departure, or arrival deadline with ``arrive_by``.
    targets_key
        Any hashable naming ``targets``: the stop -> target egress table is then cached in the
        engine (repeated isochrones on the same grid).
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if not isinstance(origin, Points):
        origin = Points.single(*origin)
    t0 = seconds_of_day(departure, max_hours=SERVICE_DAY_H)
    cutoff = int(cutoff_s)
    res = np.full(len(targets), UNREACHABLE_I32, dtype=np.int64)
    if mode != "transit":
        if arrive_by:
            i, j, t = engine.street_pairs(mode, targets, origin, cutoff)
            res[i] = np.minimum(res[i], t)
        else:
            i, j, t = engine.street_pairs(mode, origin, targets, cutoff)
            res[j] = np.minimum(res[j], t)
        return np.where(res <= cutoff, res, UNREACHABLE_I32).astype(np.int32)
    # walking the whole way
    i, j, t = engine.walk_pairs(origin, targets, cutoff)
    res[j] = np.minimum(res[j], t)
    ptr, stop, acc = engine.stop_links(origin)
    egr = engine.egress(targets, key=targets_key)
    if arrive_by:
        from routing.transit import csa

        labels = np.column_stack([stop, t0 - acc.astype(np.int64)])
        if len(labels):
            ld = csa.latest_departure(engine.tt, labels, initial_footpaths=False,
                                      transfer_slack_s=LINK.transfer_slack_s).time.astype(np.int64)
            best = np.full(len(targets), NO_DEPARTURE, dtype=np.int64)
            _access_max(ld, egr[0], egr[1], egr[2], best)
            ok = best > NO_DEPARTURE
            res[ok] = np.minimum(res[ok], t0 - best[ok])
    else:
        labels = np.column_stack([stop, t0 + acc.astype(np.int64)])
        if len(labels):
            arr = engine.transit_stop_arrivals(labels, t0 + cutoff)
            res_t = np.full(len(targets), UNREACHABLE, dtype=np.int64)
            _egress_min(arr, egr[0], egr[1], egr[2], np.int64(t0), np.int64(cutoff), res_t)
            res = np.minimum(res, res_t)
    return np.where(res <= cutoff, res, UNREACHABLE_I32).astype(np.int32)


def surface_over_window(engine: AccessibilityEngine, origin: Points | tuple[float, float], targets: Points, *,
                        mode: str = "transit", window: Any = "08:00-09:00", cutoff_s: float = 3600,
                        percentile: float = 50.0, arrive_by: bool = False, targets_key: Any = None) -> np.ndarray:
    """The ``percentile`` (order statistic) over the window's minutes of :func:`travel_time_surface`."""
    deps = departure_minutes(window)
    if mode != "transit":
        deps = deps[:1]
    stack = np.stack([travel_time_surface(engine, origin, targets, mode=mode, departure=int(d), cutoff_s=cutoff_s,
                                          arrive_by=arrive_by, targets_key=targets_key) for d in deps])
    return _order_stat(stack, percentile, axis=0).astype(np.int32)


def _order_stat(values: np.ndarray, q: float, *, axis: int) -> np.ndarray:
    return np.percentile(values, q, axis=axis, method="inverted_cdf")


# -- isochrones ---------------------------------------------------------------------------------

def isochrone_polygons(grid: Any, times_s: np.ndarray, bands_min: Sequence[float] = DEFAULT_BANDS_MIN) -> Any:
    """Band polygons from a travel-time surface on grid cells; they nest by construction.

    Band ``k`` is the union of the cells reached within ``bands_min[k]`` minutes, so a band's
    polygon covers every smaller band's. The cells' own WGS84 squares are merged (coverage
    union: the squares share exact corners).

    Returns
    -------
    GeoDataFrame (WGS84) with columns ``band_min``, ``cells``, ``area_km2`` and the geometry
    (empty polygon for a band reaching no cell), sorted by band.
    """
    import geopandas as gpd
    import shapely

    bands = sorted(float(b) for b in bands_min)
    if not bands or bands[0] <= 0:
        raise ValueError("bands must be positive minutes")
    geoms = np.asarray(grid.geometry.to_numpy(), dtype=object)
    t = np.asarray(times_s)
    cell_km2 = None if "area_km2_cell" in grid else _cell_km2(grid)  # read once, not per band
    rows = []
    for b in bands:
        mask = (t < UNREACHABLE_I32) & (t <= b * 60)
        if mask.any():
            poly = shapely.coverage_union_all(geoms[mask])
        else:
            poly = shapely.Polygon()
        area = float(grid["area_km2_cell"].to_numpy()[mask].sum()) if cell_km2 is None else \
            float(mask.sum()) * cell_km2
        rows.append((b, int(mask.sum()), area, poly))
    frame = pd.DataFrame(rows, columns=["band_min", "cells", "area_km2", "geometry"])
    return gpd.GeoDataFrame(frame.drop(columns="geometry"), geometry=list(frame["geometry"]), crs="EPSG:4326")


def _cell_km2(grid: Any) -> float:
    ids = grid["cell_id"] if "cell_id" in grid else None
    if ids is not None and len(ids):
        from routing.network.zones import parse_cell_id

        side = parse_cell_id(str(ids.iloc[0]))[0]
        return side * side / 1e6
    return 0.0


def isochrone(engine: AccessibilityEngine, grid: Any, origin: tuple[float, float] | Points, *,
              mode: str = "transit", departure: Any = "08:00", window: Any = None,
              bands_min: Sequence[float] = DEFAULT_BANDS_MIN, arrive_by: bool = False,
              percentile: float = 50.0) -> Any:
    """Isochrone bands around ``origin`` (lon, lat) on ``grid`` (from :func:`routing.network.zones.laea_grid`).

    With ``window`` ("08:00-09:00") the surface is the ``percentile`` over its minutes.
    ``arrive_by``: the bands hold the cells from which ``origin`` is reached by ``departure``.
    See :func:`isochrone_polygons` for the returned frame.
    """
    cutoff = int(max(bands_min) * 60)
    targets = _grid_points(grid)
    key = ("grid", id(grid), len(grid))
    if window is not None:
        times = surface_over_window(engine, origin, targets, mode=mode, window=window, cutoff_s=cutoff,
                                    percentile=percentile, arrive_by=arrive_by, targets_key=key)
    else:
        times = travel_time_surface(engine, origin, targets, mode=mode, departure=departure, cutoff_s=cutoff,
                                    arrive_by=arrive_by, targets_key=key)
    return isochrone_polygons(grid, times, bands_min)


def _grid_points(grid: Any) -> Points:
    return Points.from_frame(pd.DataFrame({"cell_id": grid["cell_id"].to_numpy() if "cell_id" in grid
                                           else np.arange(len(grid)),
                                           "lon": grid["lon"].to_numpy(float), "lat": grid["lat"].to_numpy(float)}),
                             id_col="cell_id")


def to_geojson(frame: Any) -> dict[str, Any]:
    """A GeoDataFrame as a GeoJSON FeatureCollection (dict)."""
    import json

    return json.loads(frame.to_json(drop_id=True))


# -- many origins -------------------------------------------------------------------------------

@dataclass
class TravelProblem:
    """Everything a batch of origins needs (plain arrays: cheap to ship to Dask workers)."""

    deps: np.ndarray
    cutoff_s: int
    ev_ptr: np.ndarray
    ev_time: np.ndarray
    table: np.ndarray  # (n_events, n_dest) int32 absolute arrival times
    acc_ptr: np.ndarray
    acc_stop: np.ndarray
    acc_s: np.ndarray
    dir_ptr: np.ndarray
    dir_dest: np.ndarray
    dir_s: np.ndarray
    n_dest: int
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def n_origins(self) -> int:
        return len(self.acc_ptr) - 1

    def batch(self, lo: int, hi: int) -> dict[str, np.ndarray]:
        """The origin-specific arrays of origins lo..hi-1 (CSR re-based)."""
        a0, a1 = self.acc_ptr[lo], self.acc_ptr[hi]
        d0, d1 = self.dir_ptr[lo], self.dir_ptr[hi]
        return {"acc_ptr": self.acc_ptr[lo:hi + 1] - a0, "acc_stop": self.acc_stop[a0:a1],
                "acc_s": self.acc_s[a0:a1], "dir_ptr": self.dir_ptr[lo:hi + 1] - d0,
                "dir_dest": self.dir_dest[d0:d1], "dir_s": self.dir_s[d0:d1]}

    def shared(self) -> dict[str, Any]:
        return {"deps": self.deps, "cutoff_s": self.cutoff_s, "ev_ptr": self.ev_ptr, "ev_time": self.ev_time,
                "table": self.table, "n_dest": self.n_dest}


def departure_events(tt: Any, t_from: int, t_to: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (stop, departure time) events with ``t_from <= time <= t_to`` as CSR over stops:
    (ptr int64 n_stops+1, event stop int64, event time int64), sorted by stop then time."""
    m = (tt.dep_time >= t_from) & (tt.dep_time <= t_to)
    key = np.unique(tt.dep_stop[m].astype(np.int64) * (1 << 32) + tt.dep_time[m].astype(np.int64))
    stop = key >> 32
    time = key & ((1 << 32) - 1)
    ptr = np.zeros(tt.n_stops + 1, dtype=np.int64)
    np.cumsum(np.bincount(stop, minlength=tt.n_stops), out=ptr[1:])
    return ptr, stop, time


def _window_scans(tt: Any, t_from: int, t_to: int, horizon: int, slack: int) -> tuple[np.ndarray, ...]:
    ev_ptr, ev_stop, ev_time = departure_events(tt, t_from, t_to)
    conns = tt.arrays
    parts = _in_threads(lambda lo, hi: _event_scans(conns, ev_stop[lo:hi], ev_time[lo:hi], np.int64(horizon),
                                                    np.int64(slack)), len(ev_stop))
    sizes = np.array([len(p[1]) for p in parts], dtype=np.int64)
    ptr = np.concatenate([[0]] + [p[0][1:] + off for p, off in zip(parts, np.cumsum(sizes) - sizes, strict=True)])
    return (ev_ptr, ev_stop, ev_time, ptr.astype(np.int64), np.concatenate([p[1] for p in parts]),
            np.concatenate([p[2] for p in parts]))


def window_scans(tt: Any, t_from: int, t_to: int, horizon: int) -> tuple[np.ndarray, ...]:
    """The departure events of ``[t_from, t_to]`` (:func:`departure_events`) and the stops each
    one reaches within ``horizon`` (CSR over the events: offsets, stop int32, arrival int32),
    kept by the timetable (:mod:`routing.derived`): they do not depend on the destinations, so a
    new opportunity type on a window and cutoff already seen only walks from the stops."""
    return derived(tt, _window_scans, int(t_from), int(t_to), int(horizon), int(LINK.transfer_slack_s))


def build_problem(engine: AccessibilityEngine, origins: Points, destinations: Points, *, mode: str = "transit",
                  window: Any = "08:00-09:00", cutoff_s: float = 3600,
                  destinations_key: Any = None, reuse: TravelProblem | None = None) -> TravelProblem:
    """Prepare the shared work of many origins (see the module docstring).

    For transit: access links of the origins, egress of the stops to the destinations, one
    scan per departure event of the window, direct walks. For walk, bike and car: the
    origin -> destination times (time-independent: one departure). ``reuse``: a transit problem
    of the same origins, destinations and stops whose walks are taken as they are (only the
    scans are run again, e.g. on a timetable where other stops are accessible).
    """
    import time as _time

    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    cutoff = int(cutoff_s)
    deps = departure_minutes(window)
    stats: dict[str, float] = {}
    t_start = _time.perf_counter()
    tt = engine.tt
    empty_ptr = np.zeros(len(origins) + 1, dtype=np.int64)
    empty_i, empty_t = np.zeros(0, np.int64), np.zeros(0, np.int32)
    if mode != "transit":
        i, j, t = engine.street_pairs(mode, origins, destinations, cutoff)
        dir_ptr, dir_dest, dir_s = _csr(i, j, t, len(origins))
        stats["street_s"] = _time.perf_counter() - t_start
        return TravelProblem(deps[:1], cutoff, np.zeros(tt.n_stops + 1, np.int64), empty_i,
                             np.zeros((0, len(destinations)), np.int32), empty_ptr, empty_i, empty_t,
                             dir_ptr, dir_dest, dir_s, len(destinations), stats)
    if reuse is not None:
        dir_ptr, dir_dest, dir_s = reuse.dir_ptr, reuse.dir_dest, reuse.dir_s
        acc_ptr, acc_stop, acc_s = reuse.acc_ptr, reuse.acc_stop, reuse.acc_s
    else:
        i, j, t = engine.walk_pairs(origins, destinations, cutoff)
        dir_ptr, dir_dest, dir_s = _csr(i, j, t, len(origins))
        acc_ptr, acc_stop, acc_s = engine.stop_links(origins)
    egr = engine.egress(destinations, key=destinations_key)
    stats["walk_links_s"] = _time.perf_counter() - t_start
    t1 = _time.perf_counter()
    if engine._keeps:
        ev_ptr, ev_stop, ev_time, sc_ptr, sc_stop, sc_arr = window_scans(tt, int(deps.min()), int(deps.max()) + cutoff,
                                                                       cutoff)
        stats["event_scans_s"] = _time.perf_counter() - t1
        table = np.full((len(ev_stop), len(destinations)), UNREACHABLE_I32, dtype=np.int32)
        _in_threads(lambda lo, hi: _event_rows(sc_ptr, sc_stop, sc_arr, egr, lo, hi, table), len(ev_stop))
    else:
        ev_ptr, ev_stop, ev_time = departure_events(tt, int(deps.min()), int(deps.max()) + cutoff)
        table = _event_table(tt.arrays, ev_stop, ev_time, np.int64(cutoff), egr, len(destinations),
                             np.int64(LINK.transfer_slack_s))
        stats["event_scans_s"] = _time.perf_counter() - t1
    stats["events"] = float(len(ev_stop))
    stats["event_table_s"] = _time.perf_counter() - t1
    return TravelProblem(deps, cutoff, ev_ptr, ev_time, table, acc_ptr, acc_stop, acc_s, dir_ptr, dir_dest, dir_s,
                         len(destinations), stats)


def origin_times(shared: dict[str, Any], batch: dict[str, np.ndarray]) -> np.ndarray:
    """(n_origins, n_departures, n_dest) int32 travel times of a batch (UNREACHABLE_I32 beyond the cutoff)."""
    n = len(batch["acc_ptr"]) - 1
    out = np.empty((n, len(shared["deps"]), shared["n_dest"]), dtype=np.int32)
    _origin_times((batch["acc_ptr"], batch["acc_stop"], batch["acc_s"]),
                  (batch["dir_ptr"], batch["dir_dest"], batch["dir_s"]), shared["ev_ptr"], shared["ev_time"],
                  shared["table"], shared["deps"], np.int64(shared["cutoff_s"]), out)
    return out


def _indicator_values(times: np.ndarray, weights: np.ndarray, measure: Measure) -> np.ndarray:
    """(n_origins, n_departures) indicator values from a times block."""
    if measure.kind == "nearest":
        order = np.argsort(times, axis=2, kind="stable")
        st = np.take_along_axis(times, order, axis=2)
        cw = np.cumsum(np.where(st < UNREACHABLE_I32, weights[order], 0.0), axis=2)
        enough = cw >= measure.k - 1e-9
        first = np.argmax(enough, axis=2)
        val = np.take_along_axis(st, first[..., None], axis=2)[..., 0].astype(np.float64)
        return np.where(enough.any(axis=2) & (val < UNREACHABLE_I32), val, np.nan)
    f = measure.weights_of(times)
    return (f * weights).sum(axis=2)


def _run_batch(shared: dict[str, Any], batch: dict[str, np.ndarray], spec: dict[str, Any]) -> dict[str, np.ndarray]:
    """One origin batch: indicator statistics, or matrix percentiles (top-level: Dask ships it)."""
    n = len(batch["acc_ptr"]) - 1
    n_dep = len(shared["deps"])
    n_dest = shared["n_dest"]
    # ``blocks`` forces the times-block path for every measure (the benches' baseline)
    if spec["kind"] == "indicator" and not spec.get("blocks") and _summed_in_kernel(spec["measure"]):
        return _indicator_stats(shared, batch, spec)
    # keep each block around 2M travel times (a few tens of MB with the indicator temporaries)
    step = max(1, int(2_000_000 // max(1, n_dep * n_dest)))
    outs: dict[str, list[np.ndarray]] = {}
    qs = spec["percentiles"]
    for lo in range(0, n, step):
        hi = min(n, lo + step)
        sub = {k: v for k, v in _slice_batch(batch, lo, hi).items()}
        times = origin_times(shared, sub)
        if spec["kind"] == "matrix":
            for q in qs:
                outs.setdefault(f"p{q:g}", []).append(_order_stat(times, q, axis=1).astype(np.int32))
        else:
            vals = _indicator_values(times, spec["weights"], spec["measure"])
            for q in qs:
                v = vals if spec["measure"].kind != "nearest" else np.where(np.isnan(vals), np.inf, vals)
                r = _order_stat(v, q, axis=1).astype(np.float64)
                outs.setdefault(f"p{q:g}", []).append(np.where(np.isinf(r), np.nan, r))
            outs.setdefault("mean", []).append(vals.mean(axis=1))
    return {k: np.concatenate(v) for k, v in outs.items()}


def _summed_in_kernel(measure: Measure) -> bool:
    """Measures whose value is a weighted sum of a function of each time simple enough for
    :func:`_sweep_sums` (cumulative, step and linear gravity)."""
    return measure.kind == "cumulative" or (measure.kind == "gravity" and measure.decay in ("step", "linear"))


def _indicator_stats(shared: dict[str, Any], batch: dict[str, np.ndarray], spec: dict[str, Any]) -> dict[str, np.ndarray]:
    """Percentiles and mean over the minutes of :func:`_sweep_sums` for a batch of origins (cut
    into one part per core: the kernel releases the GIL)."""
    measure = spec["measure"]
    n = len(batch["acc_ptr"]) - 1
    vals = np.empty((n, len(shared["deps"])), dtype=np.float64)
    access = (batch["acc_ptr"], batch["acc_stop"], batch["acc_s"])
    direct = (batch["dir_ptr"], batch["dir_dest"], batch["dir_s"])
    weights = np.ascontiguousarray(spec["weights"], dtype=np.float64)
    linear = measure.kind == "gravity" and measure.decay == "linear"
    rows = shared.get("rows")
    if rows is None:  # Dask workers get the table alone (smaller to ship)
        rows = _sparse_rows(shared["table"])
    _in_threads(lambda lo, hi: _sweep_sums(access, direct, shared["ev_ptr"], shared["ev_time"], rows,
                                           shared["deps"], np.int64(shared["cutoff_s"]), weights,
                                           float(measure.cutoff_s), linear, lo, hi, vals[lo:hi]), n)
    out = {f"p{q:g}": _order_stat(vals, q, axis=1).astype(np.float64) for q in spec["percentiles"]}
    out["mean"] = vals.mean(axis=1)
    return out


def _slice_batch(batch: dict[str, np.ndarray], lo: int, hi: int) -> dict[str, np.ndarray]:
    a0, a1 = batch["acc_ptr"][lo], batch["acc_ptr"][hi]
    d0, d1 = batch["dir_ptr"][lo], batch["dir_ptr"][hi]
    return {"acc_ptr": batch["acc_ptr"][lo:hi + 1] - a0, "acc_stop": batch["acc_stop"][a0:a1],
            "acc_s": batch["acc_s"][a0:a1], "dir_ptr": batch["dir_ptr"][lo:hi + 1] - d0,
            "dir_dest": batch["dir_dest"][d0:d1], "dir_s": batch["dir_s"][d0:d1]}


def dask_client(scheduler: Any = "local", *, n_workers: int = 2) -> Any:
    """A ``dask.distributed.Client``: ``"local"`` starts a LocalCluster of ``n_workers`` processes
    (one thread each, on 127.0.0.1, no dashboard); a string address connects to that scheduler;
    a Client is returned as is. Close it (and its cluster) when done."""
    from distributed import Client, LocalCluster

    if isinstance(scheduler, Client):
        return scheduler
    if scheduler in (None, "local"):
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None)
        return Client(cluster)
    return Client(str(scheduler))


def run_batches(problem: TravelProblem, spec: dict[str, Any], *, scheduler: Any = None,
                batch_size: int = 2000) -> dict[str, np.ndarray]:
    """Run every origin batch, in process (``scheduler=None``) or on Dask (a Client, ``"local"``
    or a scheduler address), and concatenate the results in origin order."""
    n = problem.n_origins
    bounds = [(lo, min(n, lo + batch_size)) for lo in range(0, n, batch_size)] or [(0, 0)]
    shared = problem.shared()
    if scheduler is None:
        if spec["kind"] == "indicator" and not spec.get("blocks") and _summed_in_kernel(spec["measure"]):
            shared = {**shared, "rows": _sparse_rows(problem.table)}  # once for every batch
        parts = [_run_batch(shared, problem.batch(lo, hi), spec) for lo, hi in bounds]
    else:
        with dask_session(scheduler) as client:
            shared_f = client.scatter([shared], broadcast=True, hash=False)[0]
            futures = [client.submit(_run_batch, shared_f, problem.batch(lo, hi), spec, pure=False)
                       for lo, hi in bounds]
            parts = client.gather(futures)
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


@contextlib.contextmanager
def dask_session(scheduler: Any) -> Any:
    """A Dask client for ``scheduler`` (a Client is used as it is; ``"local"`` or an address
    makes one, closed with its cluster on exit)."""
    from distributed import Client

    if isinstance(scheduler, Client):
        yield scheduler
        return
    client = dask_client(scheduler)
    try:
        yield client
    finally:
        cluster = getattr(client, "cluster", None)
        client.close()
        if cluster is not None:
            cluster.close()


def accessibility(engine: AccessibilityEngine, origins: Points, opportunities: Points, *, mode: str = "transit",
                  window: Any = "08:00-09:00", measure: Measure | None = None,
                  percentiles: Sequence[float] = (50.0,), scheduler: Any = None, batch_size: int = 2000,
                  destinations_key: Any = None) -> pd.DataFrame:
    """An accessibility indicator for every origin over a departure window.

    Parameters
    ----------
    origins
        e.g. grid cells; opportunities: points with weights (see :func:`opportunities`).
    measure
        The indicator (default: cumulative opportunities within 30 minutes).
    percentiles
        Order statistics over the window's minutes (50 = median).
    scheduler
        None (in process), ``"local"`` (LocalCluster, 2 processes), an address or a Client.

    Returns
    -------
    DataFrame with ``origin_id``, one column ``p<q>`` per percentile (e.g. ``p50``) and ``mean``
    over the window; for ``nearest`` the values are seconds (NaN when not reached). Empty
    opportunities give zeros (NaN for ``nearest``).
    """
    measure = measure or Measure()
    horizon = measure.cutoff_s
    if measure.kind == "gravity" and measure.decay in ("exponential", "logistic"):
        horizon = measure.cutoff_s * (2.0 if measure.decay == "logistic" else 3.0)
    problem = build_problem(engine, origins, opportunities, mode=mode, window=window, cutoff_s=horizon,
                            destinations_key=destinations_key)
    spec = {"kind": "indicator", "measure": measure, "weights": opportunities.weight.astype(np.float64),
            "percentiles": tuple(float(q) for q in percentiles)}
    res = run_batches(problem, spec, scheduler=scheduler, batch_size=batch_size)
    out = pd.DataFrame({"origin_id": origins.ids})
    for k, v in res.items():
        out[k] = v
    out.attrs["stats"] = problem.stats
    return out


def travel_time_matrix(engine: AccessibilityEngine, origins: Points, destinations: Points, *,
                       mode: str = "transit", window: Any = "08:00-09:00", cutoff_s: float = 3600,
                       percentiles: Sequence[float] = (50.0,), scheduler: Any = None,
                       batch_size: int = 500) -> pd.DataFrame:
    """Travel times between every origin and destination over a departure window.

    Returns
    -------
    Long DataFrame with ``from_id``, ``to_id`` and one column ``p<q>_s`` per percentile
    (order statistics over the window's minutes, seconds, NaN when beyond ``cutoff_s``); only
    pairs reached at some percentile are kept.
    """
    problem = build_problem(engine, origins, destinations, mode=mode, window=window, cutoff_s=cutoff_s)
    qs = tuple(float(q) for q in percentiles)
    res = run_batches(problem, {"kind": "matrix", "percentiles": qs}, scheduler=scheduler, batch_size=batch_size)
    first = res[f"p{qs[0]:g}"]
    reached = np.zeros(first.shape, dtype=bool)
    for q in qs:
        reached |= res[f"p{q:g}"] < UNREACHABLE_I32
    oi, dj = np.nonzero(reached)
    out = pd.DataFrame({"from_id": origins.ids[oi], "to_id": destinations.ids[dj]})
    for q in qs:
        v = res[f"p{q:g}"][oi, dj].astype(np.float64)
        out[f"p{q:g}_s"] = np.where(v < UNREACHABLE_I32, v, np.nan)
    out.attrs["stats"] = problem.stats
    return out


# -- opportunities ----------------------------------------------------------------------------

def opportunities(kind: str, network: Network, *, grid: Any = None, bundle: Any = None, cache: Any = None,
                  window: Any = "08:00-09:00") -> Points:
    """Opportunities of one kind, as weighted points.

    * ``stops``: transit stops weighted by their departures in ``window``;
    * ``bikeshare``: bike-share stations (weight 1 each);
    * ``carpool``: carpool places weighted by their number of places (1 when unknown);
    * ``charger``: charging stations weighted by power (kW, 0 when unknown);
    * ``park_ride``: park-and-ride car parks weighted by capacity;
    * ``employers``: answers of the commuter survey (employees), grouped by employer location;
    * ``business_zones``: business zones (a point inside each) weighted by area (ha);
    * ``population``: grid cells weighted by people (needs ``grid`` with a ``population`` column).
    """
    if kind not in OPPORTUNITY_KINDS:
        raise ValueError(f"opportunities must be one of {OPPORTUNITY_KINDS}, got {kind!r}")
    if kind == "stops":
        tt = network.timetable
        deps = departure_minutes(window)
        m = (tt.dep_time >= deps.min()) & (tt.dep_time < deps.max() + 60)
        w = np.bincount(tt.dep_stop[m], minlength=tt.n_stops).astype(float)
        keep = w > 0
        return Points(tt.stop_ids.astype(object)[keep], tt.stop_lon[keep], tt.stop_lat[keep], w[keep])
    if kind in ("bikeshare", "carpool", "charger", "park_ride"):
        frame = network.points.get(kind)
        if frame is None:
            return Points(np.zeros(0, object), np.zeros(0), np.zeros(0), np.zeros(0))
        col = {"bikeshare": None, "carpool": "places", "charger": "power_kw", "park_ride": "capacity"}[kind]
        pts = Points.from_frame(frame, id_col="point_id", weight_col=col)
        if kind == "carpool":
            w = frame["places"].to_numpy(float)
            pts = Points(pts.ids, pts.lon, pts.lat, np.where(np.isfinite(w) & (w > 0), w, 1.0))
        return pts
    if kind == "population":
        if grid is None or "population" not in grid:
            raise ValueError("population opportunities need a grid with a population column")
        return Points.from_frame(grid, id_col="cell_id", weight_col="population")
    from routing.network.inputs import load_frame

    if kind == "employers":
        f = load_frame("survey-employers", bundle=bundle, cache=cache)
        g = (f.dropna(subset=["lon", "lat"]).groupby(["lon", "lat"], as_index=False)
             .agg(employer=("employer", "first"), weight=("answer_id", "size")))
        g["opportunity_id"] = [f"employer:{i}" for i in range(len(g))]
        return Points.from_frame(g, id_col="opportunity_id", weight_col="weight")
    import shapely

    z = load_frame("business-zones", bundle=bundle, cache=cache)
    pts = shapely.point_on_surface(np.asarray(z.geometry.to_numpy(), dtype=object))
    frame = pd.DataFrame({"opportunity_id": z["zone_id"].astype(str).to_numpy(), "lon": shapely.get_x(pts),
                          "lat": shapely.get_y(pts), "weight": z["area_ha"].fillna(0.0).to_numpy(float)})
    return Points.from_frame(frame, id_col="opportunity_id", weight_col="weight")


# -- comparisons and equity ------------------------------------------------------------------


def weighted_gini(values: np.ndarray, weights: np.ndarray) -> float:
    """Gini coefficient of ``values`` over people ``weights`` (0 equal .. 1 concentrated); NaN when
    no weight or a zero total."""
    v = np.asarray(values, float)
    w = np.asarray(weights, float)
    ok = np.isfinite(v) & np.isfinite(w) & (w > 0)
    v, w = v[ok], w[ok]
    if not len(v) or w.sum() <= 0 or (v * w).sum() <= 0:
        return float("nan")
    order = np.argsort(v, kind="stable")
    v, w = v[order], w[order]
    cw = np.cumsum(w) / w.sum()
    cv = np.cumsum(v * w) / (v * w).sum()
    # area under the Lorenz curve (trapezoids)
    prev_w = np.concatenate([[0.0], cw[:-1]])
    prev_v = np.concatenate([[0.0], cv[:-1]])
    area = float(((cw - prev_w) * (cv + prev_v) / 2.0).sum())
    return 1.0 - 2.0 * area


def palma_ratio(values: np.ndarray, weights: np.ndarray) -> float:
    """Share of the total held by the best-off 10 % of people over the share of the worst-off 40 %
    (people ranked by ``values``; fractional people at the boundaries); NaN when undefined."""
    v = np.asarray(values, float)
    w = np.asarray(weights, float)
    ok = np.isfinite(v) & np.isfinite(w) & (w > 0)
    v, w = v[ok], w[ok]
    if not len(v) or w.sum() <= 0:
        return float("nan")
    order = np.argsort(v, kind="stable")
    v, w = v[order], w[order]
    cw = np.cumsum(w) / w.sum()
    prev = np.concatenate([[0.0], cw[:-1]])

    def mass(lo: float, hi: float) -> float:
        share = np.clip(np.minimum(cw, hi) - np.maximum(prev, lo), 0.0, None) * w.sum()
        return float((share * v).sum())

    bottom = mass(0.0, 0.4)
    top = mass(0.9, 1.0)
    return top / bottom if bottom > 0 else float("nan")


def equity_table(values: np.ndarray, population: np.ndarray, zone: np.ndarray, *, threshold: float,
                 above: bool = True, names: pd.Series | None = None) -> pd.DataFrame:
    """Per zone (e.g. commune INSEE code of each cell): population-weighted figures of ``values``.

    Returns
    -------
    DataFrame indexed by ``zone`` with ``population``, ``mean`` (population-weighted, NaN values
    left out), ``gini``, ``palma``, ``share_above`` (share of people whose value is above
    ``threshold``, or below it with ``above=False``; NaN values count as not above / below),
    ``name`` when ``names`` (zone -> name) is given; plus a row ``ALL`` for the whole area.
    """
    v = np.asarray(values, float)
    p = np.asarray(population, float)
    z = np.asarray(zone, dtype=object)
    rows = []
    groups = [(str(k), np.flatnonzero(z == k)) for k in pd.unique(z[pd.notna(z)])]
    groups.append(("ALL", np.arange(len(v))))
    for key, idx in groups:
        vv, pp = v[idx], p[idx]
        ok = np.isfinite(vv) & (pp > 0)
        tot = pp.sum()
        mean = float((vv[ok] * pp[ok]).sum() / pp[ok].sum()) if pp[ok].sum() > 0 else float("nan")
        hit = (vv > threshold) if above else (vv < threshold)
        share = float(pp[hit & np.isfinite(vv)].sum() / tot) if tot > 0 else float("nan")
        rows.append((key, float(tot), mean, weighted_gini(vv, pp), palma_ratio(vv, pp), share))
    out = pd.DataFrame(rows, columns=["zone", "population", "mean", "gini", "palma", "share_above"]).set_index("zone")
    if names is not None:
        out.insert(0, "name", names.reindex(out.index).fillna("").to_numpy())
    return out
