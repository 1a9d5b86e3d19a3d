"""Which stops to make accessible first: a greedy ranking by the wheelchair accessibility they add.

The measure is the one of the accessibility engine (:mod:`routing.accessibility.engine`) for the
wheelchair profile (:func:`routing.network.wheelchair.wheelchair_network`): for every populated
200 m cell with a stop within the profile's rolls (:func:`served_origins`), the opportunities
reached by transit within ``cutoff_min`` (median over the departure minutes of ``window``),
weighted by the cell's people and summed: **people x opportunities**. Making a stop accessible
is a scenario modification, ``make_stop_accessible`` (:mod:`routing.scenarios.scenario`); its
**gain** is the sum after minus the sum before.

Candidates: every stop not accessible today where a vehicle of an accessible route stops between
the first departure minute and the last one plus the cutoff (elsewhere nothing could board or
alight there within the measure: its gain is zero by construction). ``candidates=N`` keeps the
N with the most such departures x people within the roll cap (straight line at its speed).

Greedy with lazy re-evaluation (CELF): every candidate's gain is computed once on the
baseline; then, repeatedly, the candidate on top has its gain recomputed given the stops
already chosen, and is chosen when it stays on top. Gains usually shrink as stops are added
(two stops of one street serve the same people), which makes this exact greedy; where two
stops help each other (a new stop pair on one line), a later candidate can be undervalued,
so the ranking is a good order, not a proven optimum.

How one evaluation stays cheap (``method="incremental"``, exact: the same numbers as running
the engine again, tested). The engine's shared work is one connection scan per departure event
(a stop and a time a vehicle leaves it) reduced to arrival times at the opportunities, then a
minimum per origin over its access stops. Making stop B accessible only splits the merged
connections of the accessible trips through B and adds departures there; a scan is changed only
if it rides a vehicle through B within its horizon (boarded before B) or rolls to B by a
transfer. So the scans of the current state note, per event, which candidates they touch; a
candidate's evaluation re-scans only those events and B's new ones, on the current connections
with B's trips re-segmented, and recomputes only the origins whose access stops hold a changed
event (or B). Events are also pruned to those an origin can use: at stops some origin reaches,
from the earliest arrival there to the first departure after the latest, each scanned only up
to the last useful arrival. ``method="rebuild"`` is the straightforward evaluation (a new
accessible timetable and all the scans for every candidate, walks reused), kept as the
reference of the bench and the tests.
"""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass, field
from typing import Any

import numba as nb
import numpy as np
import pandas as pd

from routing.accessibility.engine import (
    AccessibilityEngine,
    Measure,
    Points,
    TravelProblem,
    _egress_min,  # the engine's stop -> destination reduction
    accessibility,
    build_problem,
    departure_minutes,
    run_batches,
)
from routing.constants import UNREACHABLE, UNREACHABLE_I32
from routing.linking import LINK
from routing.messages import Msg
from routing.network.wheelchair import WHEELCHAIR
from routing.scenarios.scenario import Scenario
from routing.transit.accessible import (
    accessible_connections,
    accessible_routes,
    accessible_stops,
    accessible_timetable,
)
from routing.transit.csa import bounded_scan, first_departure, scan_work
from routing.transit.timetable import ConnectionArrays
from sources.geo import project_xy

DEFAULT_WINDOW = "08:00-08:05"
DEFAULT_CUTOFF_MIN = 30
METHODS = ("incremental", "rebuild")
RANK_COLUMNS = ("rank", "stop_id", "name", "departures", "people_nearby", "gain", "gain_share",
                "people_gaining", "cumulative_gain")
#: the columns of a connection that the incremental evaluation keeps (those of a Timetable), the
#: rows of its (7, n) int32 array
_CONN = ("dep_stop", "arr_stop", "dep_time", "arr_time", "trip", "seq", "arr_seq")
_DEP_STOP, _ARR_STOP, _DEP_TIME, _ARR_TIME, _TRIP, _SEQ, _ARR_SEQ = range(len(_CONN))


@dataclass
class StopRanking:
    """Result of :func:`rank_stops`: ``table`` (:data:`RANK_COLUMNS`, best first), the baseline
    total, the settings, how many candidates add anything, and timings."""

    table: pd.DataFrame
    baseline: float
    opportunity: str
    window: str
    cutoff_min: int
    candidates: int
    evaluations: int
    top: int = 20
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def short(self) -> bool:
        """Fewer stops than asked add anything."""
        return len(self.table) < min(self.top, self.candidates)

    def note(self) -> Msg | None:
        """Why the table is shorter than asked (catalogue key ``wheelchair.rank_fewer_stops``), else None."""
        if not self.short:
            return None
        return Msg("wheelchair.rank_fewer_stops", stops=len(self.table), candidates=self.candidates, top=self.top)

    def modification(self, rank: int = 1) -> dict[str, Any]:
        """The scenario modification of the stop at ``rank`` (1 = first)."""
        row = self.table.iloc[rank - 1]
        return {"type": "make_stop_accessible", "stop": str(row["stop_id"]), "name": str(row["name"])}

    def scenario(self, rank: int = 1) -> Scenario:
        """A scenario making the stops up to ``rank`` accessible (apply it with ``with_scenario``)."""
        mods = tuple({**self.modification(r), "label": f"#{r} (make_stop_accessible)"} for r in range(1, rank + 1))
        return Scenario(name=f"accessible stops 1-{rank}", modifications=mods, file="<rank-stops>")

    def to_json(self) -> dict[str, Any]:
        note = self.note()
        return {"opportunity": self.opportunity, "window": self.window, "cutoff_min": self.cutoff_min,
                "baseline_people_x_opportunities": self.baseline, "candidates": self.candidates,
                "evaluations": self.evaluations, "top": self.top, "stops_adding": len(self.table),
                "note": None if note is None else {"key": note.key, **note.params},
                "seconds": round(self.stats.get("total_s", 0.0), 1),
                "stops": [{k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
                          for row in self.table.to_dict(orient="records")]}


class WheelchairAccess:
    """People x opportunities for the wheelchair profile, for any set of stops made accessible.

    Built once on ``network`` (the walks of every cell and opportunity); :meth:`total` runs the
    engine's scans again on the timetable where ``extra`` stops are accessible too.
    """

    def __init__(self, network: Any, origins: Points, population: np.ndarray, opportunities: Points, *,
                 window: str = DEFAULT_WINDOW, cutoff_min: int = DEFAULT_CUTOFF_MIN) -> None:
        self.network = network
        self.base_tt = network.timetable
        self.engine = AccessibilityEngine(network, wheelchair=True)
        self.origins, self.population, self.opportunities = origins, np.asarray(population, float), opportunities
        self.window, self.cutoff_min = window, int(cutoff_min)
        self.measure = Measure(cutoff_s=self.cutoff_min * 60)
        self.spec = {"kind": "indicator", "measure": self.measure,
                     "weights": opportunities.weight.astype(np.float64), "percentiles": (50.0,)}
        self.problem = build_problem(self.engine, origins, opportunities, window=window,
                                     cutoff_s=self.measure.cutoff_s, destinations_key="rank-stops")

    def values(self, extra: tuple[int, ...] = ()) -> np.ndarray:
        """Opportunities reached per origin (median over the window) with ``extra`` stops accessible."""
        if extra:
            flags = self.base_tt.stop_wheelchair.copy()
            flags[list(extra)] = 1
            tt = accessible_timetable(self.base_tt.replace(stop_wheelchair=flags), footpath_factor=WHEELCHAIR.slowdown)
            engine = self.engine.with_timetable(tt)
            problem = build_problem(engine, self.origins, self.opportunities, window=self.window,
                                    cutoff_s=self.measure.cutoff_s, destinations_key="rank-stops", reuse=self.problem)
        else:
            problem = self.problem
        return run_batches(problem, self.spec)["p50"]

    def total(self, extra: tuple[int, ...] = ()) -> float:
        """Sum over origins of people x opportunities reached."""
        return float((self.values(extra) * self.population).sum())


# -- the incremental evaluation ---------------------------------------------------------------------

@nb.njit(cache=True)
def _scan_events(conns, work, ev_stop, ev_time, ev_limit, egress, n_dest, slack, touch, cand_stop, pair_ptr,
                 pair_trip, pair_seq, pair_time, trips, stop_ok):
    """One bounded scan per event (stop, time), up to its own limit (``work``: :func:`scan_work` of
    ``conns``): the arrival times at every destination (int32 rows, as the engine's event table)
    and, with ``touch``, per candidate stop whether the scan could use it once accessible: it reaches the stop by a transfer, or
    could board a trip through it (a pair: trip, the stop's sequence and arrival time; CSR by
    candidate) at an accessible stop before it (``trips``: the full trips of the feed, CSR
    offsets, connections by sequence, their departure stop, time and sequence), the vehicle
    passing it within the limit."""
    egr_ptr, egr_dest, egr_s = egress
    trip_ptr, trip_conn, trip_dep_stop, trip_dep_time, trip_seq = trips
    n_stops = conns.n_stops
    n_ev = len(ev_stop)
    n_cand = len(cand_stop) if touch else 0
    table = np.full((n_ev, n_dest), UNREACHABLE_I32, dtype=np.int32)
    touched = np.zeros((n_ev, n_cand), dtype=np.bool_)
    out = np.empty(n_stops, np.int64)
    for e in range(n_ev):
        limit = ev_limit[e]
        out[:] = UNREACHABLE
        bounded_scan(conns, ev_stop[e:e + 1], ev_time[e:e + 1], first_departure(conns.dep_time, ev_time[e]), limit, e,
                     work, out, slack)
        # absolute arrival times at the destinations, those up to the limit (later ones are never used)
        _egress_min(out, egr_ptr, egr_dest, egr_s, 0, limit, table[e])
        for c in range(n_cand):
            if out[cand_stop[c]] <= limit:
                touched[e, c] = True
                continue
            for p in range(pair_ptr[c], pair_ptr[c + 1]):
                t = pair_trip[p]
                if pair_time[p] > limit:
                    continue
                for q in range(trip_ptr[t], trip_ptr[t + 1]):
                    x = trip_conn[q]
                    if trip_seq[x] >= pair_seq[p] or trip_dep_time[x] > limit:
                        break
                    y = trip_dep_stop[x]
                    if stop_ok[y] and work.ready[y] <= trip_dep_time[x]:
                        touched[e, c] = True
                        break
                if touched[e, c]:
                    break
    return table, touched


def _subset_csr(ptr: np.ndarray, rows: np.ndarray, *cols: np.ndarray) -> tuple[np.ndarray, ...]:
    """Rows ``rows`` of a CSR (ptr, col arrays...) as a new CSR."""
    lo, hi = ptr[rows], ptr[rows + 1]
    n = hi - lo
    new_ptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(n, out=new_ptr[1:])
    idx = np.repeat(lo - new_ptr[:-1], n) + np.arange(new_ptr[-1])
    return (new_ptr, *(c[idx] for c in cols))


@dataclass
class _State:
    """The current accessible network (baseline plus the stops chosen): its connections in scan
    order, the pruned events, their rows and the candidates each touches, the origins' values."""

    stop_ok: np.ndarray
    conn: np.ndarray  # (7, n) int32: the rows of _CONN, in scan order
    ev_key: np.ndarray  # stop << 32 | time, sorted
    table: np.ndarray
    touched: np.ndarray
    values: np.ndarray


class IncrementalAccess:
    """The gains of making candidate stops accessible, evaluated incrementally (module docstring);
    the same numbers as :class:`WheelchairAccess`."""

    def __init__(self, access: WheelchairAccess, cand: np.ndarray) -> None:
        self.access = access
        tt = access.base_tt
        self.base_tt = tt
        self.cand = np.asarray(cand, dtype=np.int64)
        eng = access.engine
        wtt = eng.tt  # the profile's timetable: rolled footpaths
        self.fp = (wtt.fp_offsets, wtt.fp_to, wtt.fp_dur_s)
        p = access.problem
        self.deps, self.cutoff = p.deps, int(p.cutoff_s)
        self.egress = eng.egress(access.opportunities, key="rank-stops")
        self.n_dest = len(access.opportunities)
        self.slack = np.int64(LINK.transfer_slack_s)
        # per stop: the first and last moments an origin can be there (events outside are never used)
        acc_orig = np.repeat(np.arange(p.n_origins), np.diff(p.acc_ptr))
        n = tt.n_stops
        reach_min = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
        reach_max = np.full(n, -1, dtype=np.int64)
        np.minimum.at(reach_min, p.acc_stop, p.acc_s.astype(np.int64))
        np.maximum.at(reach_max, p.acc_stop, p.acc_s.astype(np.int64))
        self.reached = reach_max >= 0
        self.stop_lo = np.where(self.reached, int(self.deps.min()) + reach_min, 0)
        self.stop_hi = np.where(self.reached, int(self.deps.max()) + reach_max, 0)
        self.acc_orig = acc_orig  # the origin of each access link
        # accessible trips through each candidate (re-segmented when it becomes accessible) and the
        # (trip, sequence, arrival) where a vehicle passes it within the window (for the touch test)
        ok_route = accessible_routes(tt)
        trip_ok = np.zeros(tt.n_trips, dtype=bool)
        known = tt.trip_route >= 0
        trip_ok[known] = ok_route[tt.trip_route[known]]
        self.trip_ok = trip_ok
        pos = np.full(n, -1, dtype=np.int64)
        pos[self.cand] = np.arange(len(self.cand))
        on = trip_ok[tt.trip]
        dep_c, arr_c = pos[tt.dep_stop], pos[tt.arr_stop]
        visit_c = np.concatenate([dep_c[on & (dep_c >= 0)], arr_c[on & (arr_c >= 0)]])
        visit_t = np.concatenate([tt.trip[on & (dep_c >= 0)], tt.trip[on & (arr_c >= 0)]])
        key = np.unique(visit_c.astype(np.int64) * tt.n_trips + visit_t)
        self.ct_ptr = np.zeros(len(self.cand) + 1, dtype=np.int64)
        np.cumsum(np.bincount(key // tt.n_trips, minlength=len(self.cand)), out=self.ct_ptr[1:])
        self.ct_trip = (key % tt.n_trips).astype(np.int64)
        t_hi = int(self.deps.max()) + self.cutoff
        m = on & (arr_c >= 0) & (tt.arr_time >= int(self.deps.min())) & (tt.arr_time <= t_hi)
        order = np.argsort(arr_c[m], kind="stable")
        self.pair_ptr = np.zeros(len(self.cand) + 1, dtype=np.int64)
        np.cumsum(np.bincount(arr_c[m], minlength=len(self.cand)), out=self.pair_ptr[1:])
        self.pair_trip = tt.trip[m][order].astype(np.int64)
        self.pair_seq = tt.arr_seq[m][order].astype(np.int64)
        self.pair_time = tt.arr_time[m][order].astype(np.int64)
        trip_ptr, trip_conn = tt.trip_connections
        self.trips = (trip_ptr, trip_conn.astype(np.int64), tt.dep_stop, tt.dep_time, tt.seq)
        stop_ok = accessible_stops(tt)
        conn = self._scan_order(accessible_connections(tt, stop_ok, trip_ok))
        key = self._events(conn)
        table, touched = self._scan(conn, key, stop_ok, touch=True)
        self.state = _State(stop_ok, conn, key, table, touched, np.zeros(0))
        self.state.values = self._values(key, table, np.arange(p.n_origins))
        self.evaluations = 0

    # -- pieces ----------------------------------------------------------------------------------
    @staticmethod
    def _scan_order(conn: dict[str, np.ndarray]) -> np.ndarray:
        """Connections (:func:`accessible_connections`) as a (7, n) int32 array in scan order."""
        order = np.lexsort((conn["seq"], conn["trip"], conn["arr_time"], conn["dep_time"]))
        return np.stack([conn[c][order] for c in _CONN]).astype(np.int32)

    def _arrays(self, conn: np.ndarray) -> ConnectionArrays:
        tt = self.base_tt
        return ConnectionArrays(conn[_DEP_STOP], conn[_ARR_STOP], conn[_DEP_TIME], conn[_ARR_TIME], conn[_TRIP],
                                *self.fp, tt.n_stops, tt.n_trips)

    def _events(self, conn: np.ndarray) -> np.ndarray:
        """Keys (stop << 32 | time) of the departure events an origin can use, sorted."""
        # connections are by departure time: only those of the window are looked at
        lo, hi = np.searchsorted(conn[_DEP_TIME], [int(self.deps.min()), int(self.deps.max()) + self.cutoff + 1])
        d_stop, d_time = conn[_DEP_STOP, lo:hi].astype(np.int64), conn[_DEP_TIME, lo:hi].astype(np.int64)
        m = self.reached[d_stop] & (d_time >= self.stop_lo[d_stop])
        key = np.unique((d_stop[m] << 32) | d_time[m])
        stop = key >> 32
        # up to the first departure at or after the latest moment an origin is at the stop
        last = np.searchsorted(key, (stop << 32) | self.stop_hi[stop])
        return key[np.arange(len(key)) <= last]

    def _scan(self, conn: np.ndarray, key: np.ndarray, stop_ok: np.ndarray, *,
              touch: bool) -> tuple[np.ndarray, np.ndarray]:
        ev_stop, ev_time = key >> 32, key & 0xFFFFFFFF
        # an arrival later than the last departure minute plus the cutoff is never used
        limit = np.minimum(ev_time, int(self.deps.max())) + self.cutoff
        arrays = self._arrays(conn)
        return _scan_events(arrays, scan_work(arrays), ev_stop, ev_time, limit, self.egress, self.n_dest, self.slack, touch,
                            self.cand, self.pair_ptr, self.pair_trip, self.pair_seq, self.pair_time, self.trips,
                            stop_ok)

    def _values(self, key: np.ndarray, table: np.ndarray, origins: np.ndarray) -> np.ndarray:
        p = self.access.problem
        ev_ptr = np.zeros(self.base_tt.n_stops + 1, dtype=np.int64)
        np.cumsum(np.bincount(key >> 32, minlength=self.base_tt.n_stops), out=ev_ptr[1:])
        acc = _subset_csr(p.acc_ptr, origins, p.acc_stop, p.acc_s)
        direct = _subset_csr(p.dir_ptr, origins, p.dir_dest, p.dir_s)
        sub = TravelProblem(self.deps, self.cutoff, ev_ptr, key & 0xFFFFFFFF, table, *acc, *direct, self.n_dest)
        return run_batches(sub, self.access.spec)["p50"]

    def _try(self, k: int, *, touch: bool = False) -> tuple[float, Any]:
        """Gain of candidate ``k`` on the current state, and the state with it (rows touched only
        when ``touch``)."""
        st = self.state
        b = int(self.cand[k])
        stop_ok = st.stop_ok.copy()
        stop_ok[b] = True
        trips = self.ct_trip[self.ct_ptr[k]:self.ct_ptr[k + 1]]
        mask = np.zeros(self.base_tt.n_trips, dtype=bool)
        mask[trips] = True
        new = self._scan_order(accessible_connections(self.base_tt, stop_ok, trips))
        kept = st.conn[:, ~mask[st.conn[_TRIP]]]
        at = np.searchsorted((kept[_DEP_TIME].astype(np.int64) << 20) | kept[_ARR_TIME],
                             (new[_DEP_TIME].astype(np.int64) << 20) | new[_ARR_TIME], side="right")
        conn = np.insert(kept, at, new, axis=1)
        key = self._events(conn)
        pos = np.minimum(np.searchsorted(st.ev_key, key), max(len(st.ev_key) - 1, 0))
        old = st.ev_key[pos] == key if len(st.ev_key) else np.zeros(len(key), dtype=bool)
        redo = ~old
        redo[old] = st.touched[pos[old], k]
        table = np.empty((len(key), self.n_dest), dtype=np.int32)
        table[old] = st.table[pos[old]]
        rows, touched_rows = self._scan(conn, key[redo], stop_ok, touch=touch)
        table[redo] = rows
        changed = np.zeros(self.base_tt.n_stops, dtype=bool)
        changed[key[redo] >> 32] = True
        changed[b] = True
        orig = np.unique(self.acc_orig[changed[self.access.problem.acc_stop]])
        values = self._values(key, table, orig) if len(orig) else np.zeros(0)
        pop = self.access.population[orig]
        gain = float(((values - st.values[orig]) * pop).sum())
        self.evaluations += 1
        if not touch:
            return gain, None
        touched = np.empty((len(key), len(self.cand)), dtype=bool)
        touched[old] = st.touched[pos[old]]
        touched[redo] = touched_rows
        new_values = st.values.copy()
        new_values[orig] = values
        gaining = float(pop[values > st.values[orig] + 1e-9].sum())
        return gain, (_State(stop_ok, conn, key, table, touched, new_values), gaining)

    # -- the greedy's questions --------------------------------------------------------------------
    @property
    def total(self) -> float:
        return float((self.state.values * self.access.population).sum())

    def gain(self, k: int) -> float:
        """People x opportunities added by candidate ``k`` given the stops chosen so far."""
        return self._try(k)[0]

    def choose(self, k: int) -> tuple[float, float]:
        """Make candidate ``k`` accessible: (its gain, people of the cells that gain)."""
        gain, (state, gaining) = self._try(k, touch=True)
        self.state = state
        return gain, gaining


class _Rebuild:
    """The same questions as :class:`IncrementalAccess`, each answered by a new accessible
    timetable and all the scans again (:meth:`WheelchairAccess.values`)."""

    def __init__(self, access: WheelchairAccess, cand: np.ndarray) -> None:
        self.access, self.cand = access, np.asarray(cand, dtype=np.int64)
        self.chosen: list[int] = []
        self.values = access.values()
        self.evaluations = 0
        self.last: dict[int, np.ndarray] = {}  # each candidate's values at its last evaluation


    @property
    def total(self) -> float:
        return float((self.values * self.access.population).sum())

    def gain(self, k: int) -> float:
        self.evaluations += 1
        self.last[k] = self.access.values((*self.chosen, int(self.cand[k])))
        return float(((self.last[k] - self.values) * self.access.population).sum())

    def choose(self, k: int) -> tuple[float, float]:
        values = self.last[k]  # the greedy chooses a candidate evaluated in this round
        pop = self.access.population
        gain = float(((values - self.values) * pop).sum())
        gaining = float(pop[values > self.values + 1e-9].sum())
        self.chosen.append(int(self.cand[k]))
        self.values = values
        return gain, gaining


def candidate_stops(network: Any, origins: Points, population: np.ndarray, *, n: int | None = None,
                    window: str = DEFAULT_WINDOW, cutoff_min: int = DEFAULT_CUTOFF_MIN) -> pd.DataFrame:
    """The stops worth evaluating (see the module docstring): ``stop``, ``stop_id``, ``name``,
    ``departures`` (by accessible routes, window + cutoff), ``people_nearby`` (within the roll
    cap, straight line), ``score`` (their product), best first; the first ``n`` when given."""
    tt = network.timetable
    ok_stop, ok_route = accessible_stops(tt), accessible_routes(tt)
    deps = departure_minutes(window)
    on_route = np.zeros(tt.n_connections, dtype=bool)
    known = tt.trip_route[tt.trip] >= 0
    on_route[known] = ok_route[tt.trip_route[tt.trip][known]]
    t_lo, t_hi = deps.min(), deps.max() + cutoff_min * 60
    dep_in = on_route & (tt.dep_time >= t_lo) & (tt.dep_time <= t_hi)
    arr_in = on_route & (tt.arr_time >= t_lo) & (tt.arr_time <= t_hi)
    departures = np.bincount(tt.dep_stop[dep_in], minlength=tt.n_stops)
    served = np.zeros(tt.n_stops, dtype=bool)
    served[tt.dep_stop[dep_in]] = True
    served[tt.arr_stop[arr_in]] = True
    cand = np.flatnonzero(served & ~ok_stop)
    reach_m = WHEELCHAIR.max_access_s * WHEELCHAIR.speed_ms
    pop = np.asarray(population, float)
    sx, sy = project_xy(tt.stop_lon[cand], tt.stop_lat[cand], "EPSG:2154")
    ox, oy = project_xy(origins.lon, origins.lat, "EPSG:2154")
    nearby = np.array([pop[np.hypot(ox - x, oy - y) <= reach_m].sum() for x, y in zip(sx, sy, strict=True)])
    table = pd.DataFrame({"stop": cand, "stop_id": tt.stop_ids[cand].astype(str), "name": tt.stop_names[cand],
                          "departures": departures[cand], "people_nearby": np.rint(nearby).astype(np.int64)})
    table["score"] = table["departures"] * table["people_nearby"]
    table = table.sort_values(["score", "stop_id"], ascending=[False, True])
    return (table if n is None else table.head(n)).reset_index(drop=True)


def rank_stops(network: Any, grid: Any, opportunities: Points, *, top: int = 20, candidates: int | None = None,
               window: str = DEFAULT_WINDOW, cutoff_min: int = DEFAULT_CUTOFF_MIN,
               opportunity: str = "employers", method: str = "incremental") -> StopRanking:
    """The ``top`` stops to make accessible first (see the module docstring).

    Parameters
    ----------
    network : the network the profile travels (e.g. the planner's: bus 2011 + metro a); not modified.
    grid : cells with ``cell_id``, ``lon``, ``lat``, ``population``; the populated ones are the origins.
    opportunities : weighted points (e.g. :func:`routing.accessibility.engine.opportunities`).
    candidates : evaluate only the best ``candidates`` by :func:`candidate_stops`' score (default: all).
    method : ``incremental`` (default) or ``rebuild`` (the reference: same numbers, slower).

    Returns
    -------
    :class:`StopRanking`; its table has one row per chosen stop: ``rank``, ``stop_id``, ``name``,
    ``departures`` (on accessible routes, window + cutoff), ``people_nearby`` (within the roll cap),
    ``gain`` (people x opportunities added, given the stops ranked before), ``gain_share`` (of the
    baseline), ``people_gaining`` (people of the cells whose value rises) and ``cumulative_gain``.
    Shorter than ``top`` when fewer candidates add anything (:meth:`StopRanking.note` says so);
    empty when none does.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    t0 = time.perf_counter()
    network = network if getattr(network, "wheelchair_base", None) is None else network.wheelchair_base
    origins, population = served_origins(network, grid)
    access = WheelchairAccess(network, origins, population, opportunities, window=window, cutoff_min=cutoff_min)
    cands = candidate_stops(network, origins, population, n=candidates, window=window, cutoff_min=cutoff_min)
    stops = cands["stop"].to_numpy()
    ev = IncrementalAccess(access, stops) if method == "incremental" else _Rebuild(access, stops)
    baseline = current = ev.total
    t1 = time.perf_counter()
    heap: list[tuple[float, int, int]] = []  # (-gain, candidate row, round computed)
    for row in range(len(stops)):
        heapq.heappush(heap, (-ev.gain(row), row, 0))
    rows: list[dict[str, Any]] = []
    while heap and len(rows) < top:
        neg, row, computed = heapq.heappop(heap)
        if computed != len(rows):  # stale: recompute given the stops chosen since
            heapq.heappush(heap, (-ev.gain(row), row, len(rows)))
            continue
        if -neg <= 0:
            break
        gain, gaining = ev.choose(row)
        current += gain
        c = cands.iloc[row]
        rows.append({"rank": len(rows) + 1, "stop_id": c["stop_id"], "name": c["name"],
                     "departures": int(c["departures"]), "people_nearby": int(c["people_nearby"]),
                     "gain": gain, "gain_share": gain / baseline if baseline else float("nan"),
                     "people_gaining": gaining, "cumulative_gain": current - baseline})
    table = pd.DataFrame(rows, columns=list(RANK_COLUMNS))
    stats = {"setup_s": t1 - t0, "greedy_s": time.perf_counter() - t1, "total_s": time.perf_counter() - t0}
    return StopRanking(table, baseline, opportunity, window, int(cutoff_min), len(cands), ev.evaluations, top, stats)


def served_origins(network: Any, grid: Any) -> tuple[Points, np.ndarray]:
    """The populated cells linked to a stop by the wheelchair profile's rule (a roll within its cap,
    or within the longer one when no stop is nearer), and their people: the only cells whose
    transit access a stop made accessible can change (the others reach what they reach by
    rolling alone, whatever the stops)."""
    pop_all = pd.to_numeric(grid["population"], errors="coerce").fillna(0.0).to_numpy(float)
    populated = grid[pop_all > 0]
    origins = Points.from_frame(populated, id_col="cell_id")
    population = pd.to_numeric(populated["population"], errors="coerce").fillna(0.0).to_numpy(float)
    tt = network.timetable
    reach_m = WHEELCHAIR.max_long_access_s * WHEELCHAIR.speed_ms
    # a straight-line pre-filter (no roll is shorter) on a grid of reach_m squares, then the engine's own links
    sx, sy = project_xy(tt.stop_lon, tt.stop_lat, "EPSG:2154")
    ox, oy = project_xy(origins.lon, origins.lat, "EPSG:2154")
    near = np.zeros(len(origins), dtype=bool)
    cells = {(int(x // reach_m), int(y // reach_m)) for x, y in zip(sx, sy, strict=True)}
    ci, cj = np.floor(ox / reach_m).astype(np.int64), np.floor(oy / reach_m).astype(np.int64)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            near |= np.array([(i + di, j + dj) in cells for i, j in zip(ci, cj, strict=True)], dtype=bool)
    keep = np.flatnonzero(near)
    origins, population = origins.take(keep), population[keep]
    ptr, _, _ = AccessibilityEngine(network, wheelchair=True).stop_links(origins)
    linked = np.flatnonzero(np.diff(ptr) > 0)
    return origins.take(linked), population[linked]


def wheelchair_total(network: Any, grid: Any, opportunities: Points, *, window: str = DEFAULT_WINDOW,
                     cutoff_min: int = DEFAULT_CUTOFF_MIN) -> float:
    """People x opportunities for the wheelchair profile on ``network`` over :func:`served_origins`,
    computed from scratch by the engine (no reuse): what a ranked stop's gain is checked against."""
    origins, population = served_origins(network, grid)
    res = accessibility(AccessibilityEngine(network, wheelchair=True), origins, opportunities, window=window,
                        measure=Measure(cutoff_s=int(cutoff_min) * 60))
    return float((res["p50"].to_numpy(float) * population).sum())
