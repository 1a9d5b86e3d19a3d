"""The day's timetable compiled into arrays for the connection scan engines.

:func:`build_timetable` turns a :class:`sources.loaders.gtfs.GtfsFeed` and a
service date into a :class:`Timetable`: struct-of-arrays, int32 where possible.

Model
-----
* **Stops** are indexed ``0..n_stops-1`` in the order of ``feed.stops``.
* **Trips** are indexed ``0..n_trips-1``; a GTFS trip that runs on ``day`` gets
  ``trip_day_offset == 0``; the previous day's trips that are still running after
  midnight appear a second time with ``trip_day_offset == -1``.
* **Connections** (one per consecutive pair of timed stop events of a trip) are
  sorted by departure time. Times are int32 seconds since midnight of ``day``:
  a trip of ``day`` at "25:00:00" stays 90000; a trip of ``day - 1`` at
  "25:10:00" becomes 600 (times of the previous day's trips are shifted by
  -86400 and only the connections departing at or after 0 are kept).
  Ties are ordered by (departure, arrival) and, among zero-duration connections
  departing together, topologically (a connection that ends where another one
  starts comes first), so that a scan in array order sees every feasible chain.
  Stop events without a time (non-timepoints) are skipped: the connection runs
  between the surrounding timed events. pickup/drop-off types are not modelled.
* **Footpaths** are CSR arrays (``fp_offsets``, ``fp_to``, ``fp_dur_s``) of
  walking transfers between *distinct* stops, at least 1 s each. Changing
  vehicles at the same stop takes no minimum time (0 s): a vehicle arriving at
  t connects to a departure at t. A transfer is a single footpath: engines do
  not chain two footpaths, so pass a transitively closed table when chaining
  matters. When no ``transfers`` table is given, footpaths are computed from the
  straight-line distance (stops projected to metres with an azimuthal equidistant
  projection centred on the feed, pairs found with a ``scipy.spatial.cKDTree``)
  times a detour factor of 1.3 at 4.8 km/h, kept up to ``max_transfer_s``.

Frequencies
-----------
A trip listed in the feed's ``frequencies`` table (GTFS ``frequencies.txt``) is a
template: :func:`expand_frequencies` replaces it by one run per headway, starting at
``start_time + k * headway_secs`` while before ``end_time`` (``exact_times`` 1 and 0
alike, as OpenTripPlanner does), each run keeping the template's running and dwell
times. Runs are named ``<trip_id>@HH:MM:SS``. For ``exact_times`` 0 the schedule is
only an estimate: :attr:`Timetable.trip_headway_s` keeps the headway of such runs
(0 for a scheduled trip) so that results can say their times are estimated.

Cache
-----
:meth:`Timetable.to_arrays` / :meth:`Timetable.from_arrays` convert to and from a
dict of plain numpy arrays (no object dtype, so ``np.savez`` / ``np.load`` work
with ``allow_pickle=False``); :meth:`Timetable.save_npz` and
:meth:`Timetable.load_npz` do the file round trip. :attr:`Timetable.digest` is a
SHA-256 of every array, usable as a cache key.

Kernels
-------
The numba kernels read a timetable as one typed tuple, :attr:`Timetable.arrays`
(:class:`ConnectionArrays`: the connections and the outgoing footpaths), and the backward
scans also :attr:`Timetable.arrival_arrays` (:class:`ArrivalArrays`: the connections by
arrival and the incoming footpaths). Both, and every other index built from the arrays, are
derived data (:mod:`routing.derived`): computed on first use, kept by the timetable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Hashable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, NamedTuple

import numba as nb
import numpy as np
import pandas as pd

from routing.constants import DETOUR_FACTOR, UNREACHABLE_I32, WALK_KMH
from routing.derived import derived_property
from routing.errors import TimetableError
from sources.geo import haversine_m
from sources.loaders.gtfs import check_frequency_budget

DAY_S = 86400
#: walking speed and straight-line to walked distance factor of the footpath fallback
WALK_SPEED_KMH = WALK_KMH
#: a footpath lasts at least this long (keeps zero-duration chains in scan order)
MIN_FOOTPATH_S = 1

_ARRAY_FIELDS = (
    "stop_ids", "stop_names", "stop_lon", "stop_lat",
    "trip_ids", "trip_route", "trip_day_offset",
    "route_ids", "route_short_names", "route_colors", "route_types",
    "dep_stop", "arr_stop", "dep_time", "arr_time", "trip", "seq", "arr_seq",
    "fp_offsets", "fp_to", "fp_dur_s",
)


class ConnectionArrays(NamedTuple):
    """What every scan kernel reads of a timetable (:attr:`Timetable.arrays`), one typed tuple: the
    connections by departure (int32, n_connections) and the outgoing footpaths (CSR)."""

    dep_stop: np.ndarray
    arr_stop: np.ndarray
    dep_time: np.ndarray
    arr_time: np.ndarray
    trip: np.ndarray
    fp_offsets: np.ndarray  # int64 (n_stops + 1)
    fp_to: np.ndarray
    fp_dur_s: np.ndarray
    n_stops: int
    n_trips: int


class ArrivalArrays(NamedTuple):
    """What the backward scans read besides (:attr:`Timetable.arrival_arrays`): the connections
    latest arrival first and the incoming footpaths (CSR)."""

    arr_order: np.ndarray  # int32 (n_connections), see Timetable.arr_order
    by_arrival: np.ndarray  # int32 (6, n_connections), see Timetable.by_arrival
    fp_in_offsets: np.ndarray  # int64 (n_stops + 1)
    fp_in_from: np.ndarray
    fp_in_dur_s: np.ndarray


@dataclass(eq=False)
class Timetable:
    """Compiled timetable of one service day (see the module docstring for the model).

    Attributes
    ----------
    day : service date; times are seconds since its midnight.
    stop_ids, stop_names : str arrays (n_stops); stop_lon, stop_lat : float64 WGS84.
    trip_ids : str (n_trips); trip_route : int32 route index; trip_day_offset : int8 (0 or -1).
    route_ids, route_short_names, route_colors (hex, no '#') : str (n_routes); route_types : int16.
    dep_stop, arr_stop, dep_time, arr_time, trip : int32 (n_connections), sorted by dep_time.
    seq, arr_seq : int32 GTFS stop_sequence of the departure / arrival event.
    fp_offsets : int64 (n_stops + 1); fp_to : int32; fp_dur_s : int32 — outgoing footpaths, CSR.
    """

    day: dt.date
    stop_ids: np.ndarray
    stop_names: np.ndarray
    stop_lon: np.ndarray
    stop_lat: np.ndarray
    trip_ids: np.ndarray
    trip_route: np.ndarray
    trip_day_offset: np.ndarray
    route_ids: np.ndarray
    route_short_names: np.ndarray
    route_colors: np.ndarray
    route_types: np.ndarray
    dep_stop: np.ndarray
    arr_stop: np.ndarray
    dep_time: np.ndarray
    arr_time: np.ndarray
    trip: np.ndarray
    seq: np.ndarray
    arr_seq: np.ndarray
    fp_offsets: np.ndarray
    fp_to: np.ndarray
    fp_dur_s: np.ndarray
    #: indexes and work arrays built from the arrays (:mod:`routing.derived`; never serialised)
    _derived: dict[Hashable, Any] = field(default_factory=dict, init=False, repr=False, compare=False)
    #: per trip: headway (s) of a run whose times are estimated from a frequency, 0 when scheduled
    trip_headway_s: np.ndarray | None = None
    #: per trip: the direction shown on the vehicle (GTFS ``trip_headsign``, "" when the feed has none;
    #: :meth:`headsign` falls back on the trip's last stop)
    trip_headsigns: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.trip_headway_s is None or len(self.trip_headway_s) != len(self.trip_ids):
            self.trip_headway_s = np.zeros(len(self.trip_ids), dtype=np.int32)
        if self.trip_headsigns is None or len(self.trip_headsigns) != len(self.trip_ids):
            self.trip_headsigns = np.full(len(self.trip_ids), "", dtype=object)

    def estimated_headway_s(self, trip: int) -> int:
        """Headway (s) when trip ``trip``'s times are estimated from a frequency, else 0."""
        return int(self.trip_headway_s[trip])

    def headsign(self, trip: int) -> str:
        """The direction of trip ``trip`` as the vehicle shows it: its GTFS ``trip_headsign`` without a
        leading "<line> | " (the 2011 STAR feed writes "30 | Stade Rennais"), else the name of the
        trip's last stop."""
        text = str(self.trip_headsigns[trip] or "").strip()
        line = str(self.route_short_names[self.trip_route[trip]]) if self.trip_route[trip] >= 0 else ""
        if line and text.startswith(line + " |"):
            text = text[len(line) + 2:].strip()
        if text:
            return text
        offsets, order = self.trip_connections
        if offsets[trip + 1] == offsets[trip]:
            return ""
        return str(self.stop_names[self.arr_stop[order[offsets[trip + 1] - 1]]])

    # -- sizes -------------------------------------------------------------
    @property
    def n_stops(self) -> int:
        return len(self.stop_ids)

    @property
    def n_trips(self) -> int:
        return len(self.trip_ids)

    @property
    def n_connections(self) -> int:
        return len(self.dep_time)

    @property
    def n_footpaths(self) -> int:
        return len(self.fp_to)

    def __repr__(self) -> str:
        return (f"Timetable(day={self.day}, stops={self.n_stops}, trips={self.n_trips}, "
                f"connections={self.n_connections}, footpaths={self.n_footpaths})")

    # -- lookups -----------------------------------------------------------
    def stop_index(self, stop_id: str) -> int:
        """Index of ``stop_id``; KeyError when unknown."""
        return self._stop_idx[str(stop_id)]

    @derived_property
    def _stop_idx(self) -> dict[str, int]:
        return {v: i for i, v in enumerate(self.stop_ids.tolist())}

    def trip_indices(self, trip_id: str) -> list[int]:
        """Trip indices of ``trip_id`` (two when it also runs past midnight from the day before)."""
        return list(self._trip_idx.get(str(trip_id), []))

    @derived_property
    def _trip_idx(self) -> dict[str, list[int]]:
        idx: dict[str, list[int]] = {}
        for i, t in enumerate(self.trip_ids.tolist()):
            idx.setdefault(t, []).append(i)
        return idx

    # -- derived arrays (cached, never serialised) --------------------------
    @derived_property
    def arrays(self) -> ConnectionArrays:
        """The connections and outgoing footpaths as the kernels take them (one typed tuple)."""
        return ConnectionArrays(self.dep_stop, self.arr_stop, self.dep_time, self.arr_time, self.trip,
                                self.fp_offsets, self.fp_to, self.fp_dur_s, self.n_stops, self.n_trips)

    @derived_property
    def arrival_arrays(self) -> ArrivalArrays:
        """The connections by arrival and the incoming footpaths, as the backward kernels take them."""
        return ArrivalArrays(self.arr_order, self.by_arrival, *self.footpaths_in)

    @derived_property
    def arr_order(self) -> np.ndarray:
        """Connection indices for a reverse scan: by arrival, departure and position, descending."""
        pos = np.arange(self.n_connections, dtype=np.int64)
        return np.lexsort((pos, self.dep_time, self.arr_time))[::-1].astype(np.int32)

    @derived_property
    def by_arrival(self) -> np.ndarray:
        """(6, n) int32 in :attr:`arr_order`: connection, trip, arrival time, arrival stop, departure
        stop and departure time (a backward pass reads them in order)."""
        o = self.arr_order
        return np.stack([o, self.trip[o], self.arr_time[o], self.arr_stop[o], self.dep_stop[o],
                         self.dep_time[o]]).astype(np.int32)

    @derived_property
    def arr_time_ascending(self) -> np.ndarray:
        """Arrival times in :attr:`arr_order` reversed (ascending, contiguous: for searches)."""
        return self.by_arrival[2, ::-1].copy()

    @derived_property
    def trip_connections(self) -> tuple[np.ndarray, np.ndarray]:
        """CSR (offsets int64 n_trips+1, connection indices int32) of each trip's connections in order."""
        return _offsets(self.trip, self.n_trips), np.lexsort((self.seq, self.trip)).astype(np.int32)

    @derived_property
    def transfer_masks(self) -> np.ndarray:
        """uint64 (n_connections): per connection, bit j set when getting off at its arrival stop
        and walking the stop's j-th footpath can be worth trying (j < :data:`TRANSFER_MASK_BITS`,
        64; the scans always try the others: :attr:`footpaths_beyond_masks`). A bit is clear when nothing departs from the footpath's end once it is walked, or
        when a later stop of the same trip reaches that end, with no more walking (staying seated,
        then walking from there or not at all), strictly before the first departure there that the
        walk could catch: that transfer is then at least as good, with as many vehicles, whatever
        the query. Changing at the arrival stop itself is not in the masks (always worth trying).
        Computed once (about 0.1 s on the 2011 day)."""
        trip_off, trip_conn = self.trip_connections
        dep_off, dep_conn = self.stop_departures
        return _transfer_masks(self.arrays, trip_off, trip_conn, dep_off, self.dep_time[dep_conn])

    @derived_property
    def footpaths_beyond_masks(self) -> bool:
        """True when some stop has more footpaths than :attr:`transfer_masks` has bits."""
        return bool(np.diff(self.fp_offsets).max(initial=0) > TRANSFER_MASK_BITS)

    @derived_property
    def stop_departures(self) -> tuple[np.ndarray, np.ndarray]:
        """CSR (offsets int64 n_stops+1, connection indices int32 by departure) of each stop's departures."""
        return (_offsets(self.dep_stop, self.n_stops),
                np.argsort(self.dep_stop, kind="stable").astype(np.int32))

    def seq_position(self, conn: int) -> int:
        """Position (0-based) of connection ``conn`` within its trip."""
        return int(self._conn_pos[conn])

    @derived_property
    def _conn_pos(self) -> np.ndarray:
        offsets, order = self.trip_connections
        pos = np.empty(self.n_connections, dtype=np.int32)
        starts = np.repeat(offsets[:-1], np.diff(offsets))
        pos[order] = (np.arange(self.n_connections) - starts).astype(np.int32)
        return pos

    @derived_property
    def footpaths_in(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Incoming footpaths as CSR (offsets int64, from-stop int32, duration int32)."""
        src = np.repeat(np.arange(self.n_stops, dtype=np.int32), np.diff(self.fp_offsets))
        return _csr(self.fp_to, src, self.fp_dur_s, self.n_stops)

    def footpaths_frame(self) -> pd.DataFrame:
        """Footpaths as a table: from_stop_id, to_stop_id, duration_s."""
        src = np.repeat(np.arange(self.n_stops), np.diff(self.fp_offsets))
        return pd.DataFrame({"from_stop_id": self.stop_ids[src], "to_stop_id": self.stop_ids[self.fp_to],
                             "duration_s": self.fp_dur_s.astype(np.int64)})

    def connections_frame(self) -> pd.DataFrame:
        """Connections as a table: dep_stop_id, arr_stop_id, dep_time_s, arr_time_s, trip_id, seq, arr_seq."""
        return pd.DataFrame({
            "dep_stop_id": self.stop_ids[self.dep_stop], "arr_stop_id": self.stop_ids[self.arr_stop],
            "dep_time_s": self.dep_time, "arr_time_s": self.arr_time,
            "trip_id": self.trip_ids[self.trip], "seq": self.seq, "arr_seq": self.arr_seq})

    # -- serialisation -----------------------------------------------------
    def to_arrays(self) -> dict[str, np.ndarray]:
        """Every array (strings as fixed-width unicode) plus ``day`` as an ISO string array."""
        out: dict[str, np.ndarray] = {"day": np.array(self.day.isoformat())}
        for name in _ARRAY_FIELDS:
            arr = getattr(self, name)
            out[name] = arr.astype(str) if arr.dtype == object else arr
        if self.trip_headway_s.any():  # optional: absent from timetables without estimated trips
            out["trip_headway_s"] = self.trip_headway_s
        if any(self.trip_headsigns):  # optional: absent from feeds without trip_headsign
            out["trip_headsigns"] = self.trip_headsigns.astype(str)
        return out

    @classmethod
    def from_arrays(cls, arrays: Any) -> Timetable:
        """Inverse of :meth:`to_arrays` (accepts a dict or an ``np.load`` result)."""
        missing = [k for k in ("day", *_ARRAY_FIELDS) if k not in arrays]
        if missing:
            raise TimetableError(f"timetable arrays lack {missing}", field=missing[0])
        kwargs: dict[str, Any] = {"day": dt.date.fromisoformat(str(arrays["day"]))}
        for name in _ARRAY_FIELDS:
            arr = np.asarray(arrays[name])
            kwargs[name] = arr.astype(object) if arr.dtype.kind == "U" else arr
        if "trip_headway_s" in arrays:
            kwargs["trip_headway_s"] = np.asarray(arrays["trip_headway_s"], dtype=np.int32)
        if "trip_headsigns" in arrays:
            kwargs["trip_headsigns"] = np.asarray(arrays["trip_headsigns"]).astype(object)
        return cls(**kwargs)

    def save_npz(self, path: str | Path) -> Path:
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(tmp, **self.to_arrays())
        tmp.replace(path)
        return path

    @classmethod
    def load_npz(cls, path: str | Path) -> Timetable:
        with np.load(Path(path), allow_pickle=False) as data:
            return cls.from_arrays({k: data[k] for k in data.files})

    @derived_property
    def digest(self) -> str:
        """SHA-256 (hex) of the day and every array: equal timetables have equal digests."""
        h = hashlib.sha256(self.day.isoformat().encode())
        for name, arr in self.to_arrays().items():
            h.update(name.encode())
            h.update(str(arr.dtype).encode())
            h.update(np.ascontiguousarray(arr).tobytes())
        return h.hexdigest()

    def replace(self, **changes: Any) -> Timetable:
        """A new timetable with some arrays replaced (derived caches are not carried over)."""
        kwargs = {f.name: getattr(self, f.name) for f in fields(self) if f.init}
        kwargs.update(changes)
        return Timetable(**kwargs)


# ---------------------------------------------------------------------------
# building
# ---------------------------------------------------------------------------

#: how many (arrival, walking) options per stop :func:`_transfer_masks` keeps from a trip's later stops
_TRANSFER_OPTIONS = 8
#: footpaths of a stop with a bit in :attr:`Timetable.transfer_masks` (one uint64 word per connection)
TRANSFER_MASK_BITS = 64


@nb.njit(cache=True)
def _transfer_masks(conns, trip_off, trip_conn, dep_off, dep_times):
    """:attr:`Timetable.transfer_masks`: each trip read from its end, keeping per stop the
    (arrival, walking) options of its later stops (at most :data:`_TRANSFER_OPTIONS`: fewer only
    clears fewer bits). ``conns``: :class:`ConnectionArrays`; ``dep_times[dep_off[s]:dep_off[s + 1]]``:
    stop s's departure times, sorted."""
    arr_stop, arr_time = conns.arr_stop, conns.arr_time
    fp_off, fp_to, fp_dur = conns.fp_offsets, conns.fp_to, conns.fp_dur_s
    n_stops = conns.n_stops
    masks = np.zeros(len(arr_stop), np.uint64)
    opt_t = np.empty((n_stops, _TRANSFER_OPTIONS), np.int64)
    opt_w = np.empty((n_stops, _TRANSFER_OPTIONS), np.int64)
    n_opt = np.zeros(n_stops, np.int64)
    owner = np.full(n_stops, -1, np.int64)  # the trip whose options a stop holds
    for tr in range(len(trip_off) - 1):
        for q in range(trip_off[tr + 1] - 1, trip_off[tr] - 1, -1):
            c = trip_conn[q]
            v = arr_stop[c]
            ta = np.int64(arr_time[c])
            o = fp_off[v]
            for j in range(min(fp_off[v + 1] - o, TRANSFER_MASK_BITS)):
                w = fp_to[o + j]
                d = np.int64(fp_dur[o + j])
                at_w = dep_times[dep_off[w]:dep_off[w + 1]]
                first = np.searchsorted(at_w, ta + d)
                if first == len(at_w):
                    continue  # nothing departs from w afterwards
                catch = np.int64(at_w[first])  # the first departure from w the walk catches
                dominated = False
                if owner[w] == tr:
                    for z in range(n_opt[w]):
                        if opt_t[w, z] < catch and opt_w[w, z] <= d:
                            dominated = True
                            break
                if not dominated:
                    masks[c] |= np.uint64(1) << np.uint64(j)
            for j in range(-1, fp_off[v + 1] - o):  # this stop's options, for the trip's earlier stops
                w = v if j < 0 else fp_to[o + j]
                d = np.int64(0) if j < 0 else np.int64(fp_dur[o + j])
                if owner[w] != tr:
                    owner[w] = tr
                    n_opt[w] = 0
                if n_opt[w] < _TRANSFER_OPTIONS:
                    opt_t[w, n_opt[w]] = ta + d
                    opt_w[w, n_opt[w]] = d
                    n_opt[w] += 1
    return masks


def _offsets(group: np.ndarray, n: int) -> np.ndarray:
    """CSR offsets (int64, n + 1) of items whose group (0..n-1) is ``group``, once sorted by group."""
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(group, minlength=n), out=offsets[1:])
    return offsets


def _csr(src: np.ndarray, dst: np.ndarray, dur: np.ndarray, n: int
         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    order = np.lexsort((dst, src))
    return _offsets(src, n), dst[order].astype(np.int32), dur[order].astype(np.int32)


def order_connections(dep_time: np.ndarray, arr_time: np.ndarray, trip: np.ndarray,
                      seq: np.ndarray, dep_stop: np.ndarray, arr_stop: np.ndarray) -> np.ndarray:
    """Scan order of connections: by (dep_time, arr_time, trip, seq), zero-duration groups topological.

    Returns the permutation (int64). Within a group of connections sharing one
    departure time that all have zero duration, a connection arriving at a stop
    comes before the connections departing from it (Kahn's algorithm; a cycle,
    which a sane feed never has, keeps the remaining ones in key order).
    """
    order = np.lexsort((seq, trip, arr_time, dep_time))
    d, a = dep_time[order], arr_time[order]
    zero = d == a
    if zero.sum() < 2:
        return order
    # groups of consecutive zero-duration connections with the same departure time
    zpos = np.flatnonzero(zero)
    brk = np.flatnonzero((np.diff(zpos) != 1) | (np.diff(d[zpos]) != 0)) + 1
    for grp in np.split(zpos, brk):
        if len(grp) < 2:
            continue
        idx = order[grp]
        ds, as_ = dep_stop[idx].tolist(), arr_stop[idx].tolist()
        if not set(as_) & set(ds):
            continue
        order[grp] = idx[_topological(ds, as_)]
    return order


def _topological(ds: list[int], as_: list[int]) -> list[int]:
    m = len(ds)
    indeg = [0] * m
    succ: list[list[int]] = [[] for _ in range(m)]
    by_dep: dict[int, list[int]] = {}
    for j, s in enumerate(ds):
        by_dep.setdefault(s, []).append(j)
    for i, s in enumerate(as_):
        for j in by_dep.get(s, []):
            if j != i:
                succ[i].append(j)
                indeg[j] += 1
    out: list[int] = []
    ready = [j for j in range(m) if indeg[j] == 0]
    done = [False] * m
    while len(out) < m:
        if not ready:  # cycle: release the first pending one
            ready = [next(j for j in range(m) if not done[j])]
        ready.sort()
        j = ready.pop(0)
        if done[j]:
            continue
        done[j] = True
        out.append(j)
        for k in succ[j]:
            indeg[k] -= 1
            if indeg[k] == 0 and not done[k]:
                ready.append(k)
    return out


def straight_line_footpaths(stop_lon: np.ndarray, stop_lat: np.ndarray, *, max_transfer_s: float = 600,
                            walk_speed_kmh: float = WALK_SPEED_KMH,
                            detour_factor: float = DETOUR_FACTOR) -> pd.DataFrame:
    """Walking transfers from straight-line distance, the fallback when no street graph is given.

    Stops are projected to metres (azimuthal equidistant centred on their mean
    position) to find the pairs closer than ``max_transfer_s`` of walking with a
    ``cKDTree``; distance_m is their great-circle distance (:func:`sources.geo.haversine_m`).
    Duration = ceil(distance_m * detour_factor / speed), at least 1 s.
    Stops with missing coordinates get no footpath.

    Returns
    -------
    DataFrame with columns from_stop (int), to_stop (int), distance_m (float), duration_s (int),
    both directions, no self-pairs; empty with those columns when fewer than two stops.
    """
    from pyproj import Transformer
    from scipy.spatial import cKDTree

    cols = ["from_stop", "to_stop", "distance_m", "duration_s"]
    lon = np.asarray(stop_lon, dtype=float)
    lat = np.asarray(stop_lat, dtype=float)
    ok = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
    if len(ok) < 2 or max_transfer_s <= 0:
        return pd.DataFrame({c: np.array([], dtype=float if c == "distance_m" else np.int64) for c in cols})
    lon0, lat0 = float(np.mean(lon[ok])), float(np.mean(lat[ok]))
    tr = Transformer.from_crs("EPSG:4326", f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +units=m",
                              always_xy=True)
    x, y = tr.transform(lon[ok], lat[ok])
    xy = np.column_stack([x, y])
    speed_ms = walk_speed_kmh / 3.6
    radius = max_transfer_s * speed_ms / detour_factor * 1.001  # the projection's error, then exact below
    pairs = cKDTree(xy).query_pairs(radius, output_type="ndarray")
    if len(pairs) == 0:
        return pd.DataFrame({c: np.array([], dtype=float if c == "distance_m" else np.int64) for c in cols})
    a, b = ok[pairs[:, 0]], ok[pairs[:, 1]]
    dist = haversine_m(lon[a], lat[a], lon[b], lat[b])  # the one great-circle distance
    dur = np.maximum(np.ceil(dist * detour_factor / speed_ms), MIN_FOOTPATH_S).astype(np.int64)
    keep = dur <= max_transfer_s
    a, b, dist, dur = a[keep], b[keep], dist[keep], dur[keep]
    return pd.DataFrame({"from_stop": np.concatenate([a, b]), "to_stop": np.concatenate([b, a]),
                         "distance_m": np.concatenate([dist, dist]), "duration_s": np.concatenate([dur, dur])})


def _connections_of(stop_times: pd.DataFrame, trip_index: pd.Series, stop_index: pd.Series,
                    shift_s: int) -> dict[str, np.ndarray]:
    """Connections of the trips in ``trip_index`` (trip_id -> trip number), times shifted."""
    st = stop_times[stop_times["trip_id"].isin(trip_index.index)]
    st = st[st["arrival_time_s"].notna() | st["departure_time_s"].notna()]
    st = st.sort_values(["trip_id", "stop_sequence"], kind="stable")
    tid = st["trip_id"].to_numpy()
    arr_s = st["arrival_time_s"].to_numpy(dtype=float)
    dep_s = st["departure_time_s"].to_numpy(dtype=float)
    arr_s = np.where(np.isnan(arr_s), dep_s, arr_s)
    dep_s = np.where(np.isnan(dep_s), arr_s, dep_s)
    stop = stop_index.reindex(st["stop_id"].astype(str).to_numpy()).to_numpy()
    seqv = st["stop_sequence"].to_numpy(dtype=np.int64)
    same = tid[:-1] == tid[1:]
    i = np.flatnonzero(same & ~np.isnan(stop[:-1]) & ~np.isnan(stop[1:]))
    out = {
        "dep_stop": stop[i].astype(np.int32), "arr_stop": stop[i + 1].astype(np.int32),
        "dep_time": (np.rint(dep_s[i]) + shift_s).astype(np.int64),
        "arr_time": (np.rint(arr_s[i + 1]) + shift_s).astype(np.int64),
        "trip": trip_index.reindex(tid[i]).to_numpy().astype(np.int32),
        "seq": seqv[i].astype(np.int32), "arr_seq": seqv[i + 1].astype(np.int32),
    }
    # a vehicle never travels back in time: clamp arrival to departure
    out["arr_time"] = np.maximum(out["arr_time"], out["dep_time"])
    return out


def check_connections(dep_time: np.ndarray, arr_time: np.ndarray, *, bound_s: int = UNREACHABLE_I32) -> None:
    """The invariant of every timetable's connections: each departs at or after 0, arrives no
    earlier than it departs and before ``bound_s`` (by default the int32 bound, so no cast wraps).
    Raises :class:`TimetableError` naming the first connection that breaks it."""
    dep = np.asarray(dep_time, dtype=np.int64)
    arr = np.asarray(arr_time, dtype=np.int64)
    bad = np.flatnonzero((dep < 0) | (arr < dep) | (arr >= bound_s))
    if len(bad):
        k = int(bad[0])
        raise TimetableError(f"{len(bad):,} connections break the timetable's invariant (0 <= departure <= "
                             f"arrival < {bound_s} s), the first departs at {dep[k]} s and arrives at {arr[k]} s",
                             field="arr_time")


def expand_frequencies(trips: pd.DataFrame, stop_times: pd.DataFrame, frequencies: pd.DataFrame | None
                       ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Replace every frequency-based trip by its runs (see the module docstring).

    ``frequencies`` has trip_id, start_time_s, end_time_s, headway_secs, exact_times (the
    :class:`~sources.loaders.gtfs.GtfsFeed` contract). Returns new (trips, stop_times) frames;
    trips gain a column ``headway_s`` (int: the headway for ``exact_times`` 0 runs, else 0).
    The inputs are not modified; without frequencies the frames come back with ``headway_s`` 0.
    """
    trips = trips.assign(headway_s=np.zeros(len(trips), dtype=np.int64))
    if frequencies is None or not len(frequencies):
        return trips, stop_times
    freq = frequencies[frequencies["trip_id"].isin(trips["trip_id"])
                       & (frequencies["headway_secs"] > 0)
                       & (frequencies["end_time_s"] > frequencies["start_time_s"])]
    if not len(freq):
        return trips, stop_times
    # the work is counted from the periods before anything is expanded (a loaded feed was counted
    # by its loader, naming the file's row; a feed built otherwise is counted here)
    check_frequency_budget(freq, stop_times)
    templates = set(freq["trip_id"].astype(str))
    st_t = stop_times[stop_times["trip_id"].isin(templates)]
    first = st_t.groupby("trip_id")["departure_time_s"].min()
    f0 = first.reindex(freq["trip_id"].to_numpy()).to_numpy(dtype=float)
    has = ~np.isnan(f0)
    freq, f0 = freq[has], f0[has]
    start = freq["start_time_s"].to_numpy(dtype=float)
    head = freq["headway_secs"].to_numpy(dtype=float)
    # runs leave at start + k * headway while before end (np.arange's count), all rows at once
    n = np.ceil((freq["end_time_s"].to_numpy(dtype=float) - start) / head).astype(np.int64)
    row = np.repeat(np.arange(len(freq)), n)
    k = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    t0 = start[row] + k * head[row]
    template = freq["trip_id"].astype(str).to_numpy(dtype=object)[row]
    secs = t0.astype(np.int64)  # format_clock's truncation, vectorised
    clock = (pd.Series(secs // 3600).astype(str).str.zfill(2) + ":"
             + pd.Series(secs % 3600 // 60).astype(str).str.zfill(2) + ":"
             + pd.Series(secs % 60).astype(str).str.zfill(2))
    exact = freq["exact_times"].to_numpy(dtype=np.int64)[row] if "exact_times" in freq else np.zeros(len(row))
    runs = pd.DataFrame({"template": template, "trip_id": template + "@" + clock.to_numpy(dtype=object),
                         "shift_s": t0 - f0[row],
                         "headway_s": np.where(exact == 0, head[row], 0).astype(np.int64)})
    runs = runs.drop_duplicates("trip_id")
    base = (trips[trips["trip_id"].isin(templates)].drop(columns=["headway_s"])
            .rename(columns={"trip_id": "template"}))
    new_trips = runs.merge(base, on="template", how="inner")
    new_st = runs[["template", "trip_id", "shift_s"]].merge(
        st_t.rename(columns={"trip_id": "template"}), on="template", how="inner")
    for col in ("arrival_time_s", "departure_time_s"):
        new_st[col] = new_st[col] + new_st["shift_s"]
    keep_trips = trips[~trips["trip_id"].isin(templates)]
    keep_st = stop_times[~stop_times["trip_id"].isin(templates)]
    out_trips = pd.concat([keep_trips, new_trips.drop(columns=["template", "shift_s"])[keep_trips.columns]],
                          ignore_index=True)
    out_st = pd.concat([keep_st, new_st.drop(columns=["template", "shift_s"])[keep_st.columns]],
                       ignore_index=True)
    return out_trips, out_st


def build_timetable(feed: Any, day: dt.date, *, transfers: pd.DataFrame | None = None,
                    max_transfer_s: float = 600) -> Timetable:
    """Compile the timetable of ``day`` from a GTFS feed.

    Parameters
    ----------
    feed : GtfsFeed (whole-feed frames, ``service_ids_on(day)``; see :mod:`sources.loaders.gtfs`).
    day : the service date; every time is in seconds since its midnight.
    transfers : walking transfers with columns from_stop_id, to_stop_id, duration_s (e.g. computed
        on the street graph). Rows with unknown stops, self-pairs or missing durations are ignored;
        duplicates keep the shortest; durations are rounded up to whole seconds (at least 1 s).
        None: straight-line fallback (see :func:`straight_line_footpaths`).
    max_transfer_s : cap of the straight-line fallback (and of ``transfers`` rows).

    Returns
    -------
    Timetable. A day without service gives a timetable with zero connections.
    """
    stops = feed.stops
    stop_ids = stops["stop_id"].astype(str).to_numpy()
    stop_index = pd.Series(np.arange(len(stop_ids)), index=stop_ids)
    stop_index = stop_index[~stop_index.index.duplicated()]

    routes = feed.routes
    route_ids = routes["route_id"].astype(str).to_numpy()
    route_index = pd.Series(np.arange(len(route_ids)), index=route_ids)
    route_index = route_index[~route_index.index.duplicated()]

    trips, st = expand_frequencies(feed.trips, feed.stop_times, getattr(feed, "frequencies", None))
    today = trips[trips["service_id"].isin(feed.service_ids_on(day))]
    yesterday = trips[trips["service_id"].isin(feed.service_ids_on(day - dt.timedelta(days=1)))]
    late_trip_ids = st.loc[(st["departure_time_s"] >= DAY_S) | (st["arrival_time_s"] > DAY_S), "trip_id"]
    yesterday = yesterday[yesterday["trip_id"].isin(late_trip_ids.unique())]

    trip_frame = pd.concat([today.assign(_off=0), yesterday.assign(_off=-1)], ignore_index=True)
    n_today = len(today)
    idx_today = pd.Series(np.arange(n_today), index=today["trip_id"].astype(str).to_numpy())
    idx_yday = pd.Series(np.arange(n_today, len(trip_frame)),
                         index=yesterday["trip_id"].astype(str).to_numpy())
    idx_today = idx_today[~idx_today.index.duplicated()]
    idx_yday = idx_yday[~idx_yday.index.duplicated()]

    parts = [_connections_of(st, idx_today, stop_index, 0)]
    if len(idx_yday):
        prev = _connections_of(st[st["trip_id"].isin(idx_yday.index)], idx_yday, stop_index, -DAY_S)
        keep = prev["dep_time"] >= 0
        parts.append({k: v[keep] for k, v in prev.items()})
    conn = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    order = order_connections(conn["dep_time"], conn["arr_time"], conn["trip"], conn["seq"],
                              conn["dep_stop"], conn["arr_stop"])
    conn = {k: v[order] for k, v in conn.items()}
    check_connections(conn["dep_time"], conn["arr_time"])  # before the int32 cast
    for k in ("dep_time", "arr_time"):
        conn[k] = conn[k].astype(np.int32)

    lon = stops["stop_lon"].to_numpy(dtype=float)
    lat = stops["stop_lat"].to_numpy(dtype=float)
    if transfers is None:
        fp = straight_line_footpaths(lon, lat, max_transfer_s=max_transfer_s)
        fsrc, fdst = fp["from_stop"].to_numpy(), fp["to_stop"].to_numpy()
        fdur = fp["duration_s"].to_numpy()
    else:
        need = {"from_stop_id", "to_stop_id", "duration_s"} - set(transfers.columns)
        if need:
            raise TimetableError(f"transfers table lacks columns {sorted(need)}", field=sorted(need)[0])
        fsrc = stop_index.reindex(transfers["from_stop_id"].astype(str).to_numpy()).to_numpy()
        fdst = stop_index.reindex(transfers["to_stop_id"].astype(str).to_numpy()).to_numpy()
        fdur = pd.to_numeric(transfers["duration_s"], errors="coerce").to_numpy(dtype=float)
        ok = ~np.isnan(fsrc) & ~np.isnan(fdst) & np.isfinite(fdur) & (fdur >= 0) & (fdur <= max_transfer_s)
        ok &= fsrc != fdst
        fsrc, fdst = fsrc[ok].astype(np.int64), fdst[ok].astype(np.int64)
        fdur = np.maximum(np.ceil(fdur[ok]), MIN_FOOTPATH_S).astype(np.int64)
        # duplicates: keep the shortest
        dedup = pd.DataFrame({"a": fsrc, "b": fdst, "d": fdur}).groupby(["a", "b"], as_index=False)["d"].min()
        fsrc, fdst, fdur = dedup["a"].to_numpy(), dedup["b"].to_numpy(), dedup["d"].to_numpy()
    fp_offsets, fp_to, fp_dur = _csr(np.asarray(fsrc, dtype=np.int64), np.asarray(fdst, dtype=np.int64),
                                     np.asarray(fdur, dtype=np.int64), len(stop_ids))

    def _str_col(frame: pd.DataFrame, col: str) -> np.ndarray:
        if col not in frame.columns:
            return np.full(len(frame), "", dtype=object)
        return frame[col].fillna("").astype(str).to_numpy(dtype=object)

    route_types = (pd.to_numeric(routes["route_type"], errors="coerce").fillna(3).astype(np.int16).to_numpy()
                   if "route_type" in routes.columns else np.full(len(routes), 3, dtype=np.int16))
    trip_route = route_index.reindex(trip_frame["route_id"].astype(str).to_numpy()).fillna(-1)
    return Timetable(
        day=day,
        stop_ids=stop_ids.astype(object),
        stop_names=_str_col(stops, "stop_name"),
        stop_lon=lon, stop_lat=lat,
        trip_ids=trip_frame["trip_id"].astype(str).to_numpy(dtype=object),
        trip_route=trip_route.to_numpy().astype(np.int32),
        trip_day_offset=trip_frame["_off"].to_numpy().astype(np.int8),
        route_ids=route_ids.astype(object),
        route_short_names=_str_col(routes, "route_short_name"),
        route_colors=np.array([c.lstrip("#") for c in _str_col(routes, "route_color")], dtype=object),
        route_types=route_types,
        dep_stop=conn["dep_stop"], arr_stop=conn["arr_stop"],
        dep_time=conn["dep_time"], arr_time=conn["arr_time"],
        trip=conn["trip"], seq=conn["seq"], arr_seq=conn["arr_seq"],
        fp_offsets=fp_offsets, fp_to=fp_to, fp_dur_s=fp_dur,
        trip_headway_s=trip_frame["headway_s"].to_numpy().astype(np.int32),
        trip_headsigns=_str_col(trip_frame, "trip_headsign"),
    )
