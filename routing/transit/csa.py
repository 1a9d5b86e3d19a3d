"""Connection Scan Algorithm on a compiled :class:`routing.transit.timetable.Timetable` (numba kernels).

Queries
-------
* :func:`earliest_arrival` — one forward scan from (stop, time) labels (several
  for door-to-door access), early termination once every target is settled.
* :func:`latest_departure` — arrive-by: one backward scan from (stop, deadline) labels.
* :func:`profile` — range query over a departure window: Pareto set over
  (departure, arrival, transfers, walking time), by one backward scan (profile
  CSA) keeping per stop, for each number of legs, the least (arrival, walking)
  of boarding at each departure; a pruning pass first drops the connections no
  journey of the query can ride, and after each arrival only the footpaths of
  :attr:`routing.transit.timetable.Timetable.transfer_masks` are tried.
* :func:`journey` — legs of the best journey of a forward or backward result.

Rules shared with the reference router in the tests
---------------------------------------------------
* Changing vehicles takes ``transfer_slack_s`` (0 by default; the planner passes
  :data:`routing.linking.LINK`'s 60 s): a vehicle arriving at t connects to every
  departure at t + slack or later, after the footpath if one is walked; the range query
  (:func:`profile`) uses no slack.
* After leaving a vehicle one footpath may be walked; from an initial label one
  footpath may be walked; footpaths are never chained (see the timetable model).
* Staying seated in a trip is always possible (trip continuation).

Times are int64 seconds since midnight of ``tt.day``; :data:`routing.constants.UNREACHABLE`
marks a stop not reached (forward), :data:`routing.constants.NO_DEPARTURE` one from which no
departure meets the deadline (backward).

Kernels
-------
Every kernel takes the timetable as one typed tuple, ``conns``
(:class:`~routing.transit.timetable.ConnectionArrays`, :attr:`Timetable.arrays`), the backward
ones also ``arrivals`` (:class:`~routing.transit.timetable.ArrivalArrays`); a range query
passes its window as one :class:`ProfileQuery` and its work arrays as one :class:`ProfileWork`.
Tuples of arrays with fixed field types: numba compiles each kernel once per field types (and,
for :func:`profile`, per number of legs), and caches it on disk.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, NamedTuple

import numba as nb
import numpy as np
import pandas as pd
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

from routing.constants import NO_DEPARTURE, UNREACHABLE
from routing.derived import derived
from routing.transit.timetable import TRANSFER_MASK_BITS, Timetable

TRANSIT, WALK = "transit", "walk"


class ScanLabels(NamedTuple):
    """What the forward and backward kernels return: the arrays of a :class:`ScanResult`."""

    time: np.ndarray
    enter: np.ndarray
    exit: np.ndarray
    fp: np.ndarray
    ready: np.ndarray
    ready_enter: np.ndarray
    ready_exit: np.ndarray
    ready_fp: np.ndarray
    scanned: int


class ScanWork(NamedTuple):
    """Work arrays of :func:`bounded_scan`, reused from one run to the next."""

    ready: np.ndarray  # int64 (n_stops): ready to board (an arrival by vehicle waits the slack first)
    by_vehicle: np.ndarray  # int64 (n_stops): earliest arrival by vehicle
    trip_run: np.ndarray  # int64 (n_trips): the last run that boarded each trip


def scan_work(tt: Timetable) -> ScanWork:
    """Work arrays of :func:`bounded_scan` on ``tt``, before any run (runs are numbered from 0)."""
    return ScanWork(np.empty(tt.n_stops, np.int64), np.empty(tt.n_stops, np.int64),
                    np.full(tt.n_trips, -1, np.int64))


class ProfileQuery(NamedTuple):
    """One range query as the :func:`profile` kernels take it."""

    src_stop: np.ndarray  # int64: source stops
    src_access_s: np.ndarray  # int64: from the door to each source stop
    target: int
    window_start_s: int
    window_end_s: int
    max_duration_s: int
    t_cut: int  # window end + max duration: nothing arriving later is of use
    c_lo: int  # connections c_lo..c_hi-1 (by departure) depart in [window start + least access, t_cut]
    c_hi: int
    arr_lo: int  # positions arr_lo..arr_hi-1 of Timetable.arr_order arrive in [window start, t_cut]
    arr_hi: int


class ProfileWork(NamedTuple):
    """Work arrays of :func:`profile` for K = max_transfers + 1 legs, one slot per connection, kept by
    the timetable between queries (:func:`_profile_pool`).

    The profile of stop s is the entries ``e_off[s] .. e_off[s] + cnt[s] - 1`` (laid out per query
    by :func:`_ride_ok`), by decreasing departure ``e_dep``; per budget of legs, ``e_key`` the least
    (arrival, walking) key and ``e_enter``/``e_exit``/``e_next`` the pointers of the journey
    (boarding connection, exit connection, stop walked to next). ``c_key``/``c_exit``/``c_next``:
    the same for each connection departing a source stop or a footpath neighbour."""

    e_off: np.ndarray  # int64 (n_stops + 1)
    e_dep: np.ndarray  # int64 (n_connections)
    e_key: np.ndarray  # int64 (n_connections, K)
    e_enter: np.ndarray  # int32 (n_connections, K)
    e_exit: np.ndarray  # int32 (n_connections, K)
    e_next: np.ndarray  # int32 (n_connections, K)
    cnt: np.ndarray  # int64 (n_stops)
    c_key: np.ndarray  # int64 (n_connections, K)
    c_exit: np.ndarray  # int32 (n_connections, K)
    c_next: np.ndarray  # int32 (n_connections, K)


class ProfileJourneys(NamedTuple):
    """The journeys of a range query found by :func:`_profile_sources`, one row each."""

    departure_s: np.ndarray  # leaving the door
    transfers: np.ndarray
    arrival_s: np.ndarray
    walk_s: np.ndarray  # footpaths walked, access excluded
    board_conn: np.ndarray  # the first connection ridden
    access_walk_s: np.ndarray  # the footpath walked from the source stop before boarding (0: none)
    source_stop: np.ndarray


# ---------------------------------------------------------------------------
# kernels
# ---------------------------------------------------------------------------

@intrinsic
def _trailing_zeros(typingctx, x):
    """Index of the lowest set bit of a non-zero uint64 (LLVM's cttz: one instruction)."""
    def codegen(context, builder, signature, args):
        fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.IntType(64), [ir.IntType(64), ir.IntType(1)]), "llvm.cttz.i64")
        return builder.call(fn, [args[0], ir.Constant(ir.IntType(1), 1)])
    return types.uint64(types.uint64), codegen


@nb.njit(cache=True)
def _ea_kernel(conns, src_stop, src_time, targets, start, init_fp, slack):
    """The forward scan of :func:`earliest_arrival` over ``conns`` (:attr:`Timetable.arrays`) from
    connection ``start``; returns :class:`ScanLabels`."""
    dep_stop, arr_stop, trip = conns.dep_stop, conns.arr_stop, conns.trip
    dep_time, arr_time = conns.dep_time, conns.arr_time
    fp_off, fp_to, fp_dur = conns.fp_offsets, conns.fp_to, conns.fp_dur_s
    n_stops, n_trips = conns.n_stops, conns.n_trips
    tau = np.full(n_stops, UNREACHABLE, dtype=np.int64)
    tau_v = np.full(n_stops, UNREACHABLE, dtype=np.int64)  # earliest arrival by vehicle or as a source
    j_enter = np.full(n_stops, -1, dtype=np.int32)
    j_exit = np.full(n_stops, -1, dtype=np.int32)
    j_fp = np.full(n_stops, -1, dtype=np.int32)
    # ready to board: an arrival by vehicle (then a footpath) waits the transfer slack first
    ready = np.full(n_stops, UNREACHABLE, dtype=np.int64)
    q_enter = np.full(n_stops, -1, dtype=np.int32)
    q_exit = np.full(n_stops, -1, dtype=np.int32)
    q_fp = np.full(n_stops, -1, dtype=np.int32)
    trip_enter = np.full(n_trips, -1, dtype=np.int32)
    is_target = np.zeros(n_stops, dtype=np.bool_)
    for i in range(len(targets)):
        is_target[targets[i]] = True
    for i in range(len(src_stop)):
        s = src_stop[i]
        if src_time[i] < tau[s]:
            tau[s] = src_time[i]
            tau_v[s] = src_time[i]
            ready[s] = src_time[i]
    for i in range(len(src_stop) if init_fp else 0):
        s = src_stop[i]
        t = src_time[i]
        if t > tau_v[s]:
            continue
        for k in range(fp_off[s], fp_off[s + 1]):
            v = fp_to[k]
            nt = t + fp_dur[k]
            if nt < tau[v]:
                tau[v] = nt
                j_enter[v] = -1
                j_exit[v] = -1
                j_fp[v] = s
            if nt < ready[v]:
                ready[v] = nt
                q_enter[v] = -1
                q_exit[v] = -1
                q_fp[v] = s
    bound = UNREACHABLE
    if len(targets) > 0:
        bound = -UNREACHABLE
        for i in range(len(targets)):
            if tau[targets[i]] > bound:
                bound = tau[targets[i]]
    m = len(dep_time)
    scanned = 0
    for c in range(start, m):
        dtime = dep_time[c]
        if dtime >= bound:
            break
        scanned += 1
        t = np.uint32(trip[c])  # unsigned indices: no negative-index handling
        e = trip_enter[t]
        if e < 0:
            if ready[np.uint32(dep_stop[c])] <= dtime:
                trip_enter[t] = c
                e = c
            else:
                continue
        at = np.int64(arr_time[c])
        a = np.uint32(arr_stop[c])
        if at < tau_v[a]:
            tau_v[a] = at
            changed = False
            if at < tau[a]:
                tau[a] = at
                j_enter[a] = e
                j_exit[a] = c
                j_fp[a] = -1
                changed = is_target[a]
            if at + slack < ready[a]:
                ready[a] = at + slack
                q_enter[a] = e
                q_exit[a] = c
                q_fp[a] = -1
            for k in range(fp_off[a], fp_off[a + 1]):
                v = np.uint32(fp_to[k])
                nt = at + fp_dur[k]
                if nt < tau[v]:
                    tau[v] = nt
                    j_enter[v] = e
                    j_exit[v] = c
                    j_fp[v] = a
                    if is_target[v]:
                        changed = True
                if nt + slack < ready[v]:
                    ready[v] = nt + slack
                    q_enter[v] = e
                    q_exit[v] = c
                    q_fp[v] = a
            if changed:
                bound = -UNREACHABLE
                for i in range(len(targets)):
                    if tau[targets[i]] > bound:
                        bound = tau[targets[i]]
    return ScanLabels(tau, j_enter, j_exit, j_fp, ready, q_enter, q_exit, q_fp, scanned)


@nb.njit(cache=True)
def _ld_kernel(conns, arrivals, tgt_stop, tgt_time, sources, start, init_fp, slack):
    """The backward scan of :func:`latest_departure` over ``conns`` in ``arrivals.arr_order`` from
    position ``start``; returns :class:`ScanLabels` (``scanned`` -1: not counted)."""
    dep_stop, arr_stop, trip = conns.dep_stop, conns.arr_stop, conns.trip
    dep_time, arr_time = conns.dep_time, conns.arr_time
    order = arrivals.arr_order
    in_off, in_from, in_dur = arrivals.fp_in_offsets, arrivals.fp_in_from, arrivals.fp_in_dur_s
    n_stops, n_trips = conns.n_stops, conns.n_trips
    ld = np.full(n_stops, NO_DEPARTURE, dtype=np.int64)
    ld_v = np.full(n_stops, NO_DEPARTURE, dtype=np.int64)  # latest departure by boarding there / as a target
    r_enter = np.full(n_stops, -1, dtype=np.int32)
    r_exit = np.full(n_stops, -1, dtype=np.int32)
    r_fp = np.full(n_stops, -1, dtype=np.int32)
    # latest arrival by vehicle that still works: a transfer to another vehicle keeps the slack
    ready = np.full(n_stops, NO_DEPARTURE, dtype=np.int64)
    q_enter = np.full(n_stops, -1, dtype=np.int32)
    q_exit = np.full(n_stops, -1, dtype=np.int32)
    q_fp = np.full(n_stops, -1, dtype=np.int32)
    trip_exit = np.full(n_trips, -1, dtype=np.int32)
    is_source = np.zeros(n_stops, dtype=np.bool_)
    for i in range(len(sources)):
        is_source[sources[i]] = True
    for i in range(len(tgt_stop)):
        s = tgt_stop[i]
        if tgt_time[i] > ld[s]:
            ld[s] = tgt_time[i]
            ld_v[s] = tgt_time[i]
            ready[s] = tgt_time[i]
    for i in range(len(tgt_stop) if init_fp else 0):
        s = tgt_stop[i]
        t = tgt_time[i]
        if t < ld_v[s]:
            continue
        for k in range(in_off[s], in_off[s + 1]):
            u = in_from[k]
            nt = t - in_dur[k]
            if nt > ld[u]:
                ld[u] = nt
                r_enter[u] = -1
                r_exit[u] = -1
                r_fp[u] = s
            if nt > ready[u]:
                ready[u] = nt
                q_enter[u] = -1
                q_exit[u] = -1
                q_fp[u] = s
    bound = NO_DEPARTURE
    if len(sources) > 0:
        bound = UNREACHABLE
        for i in range(len(sources)):
            if ld[sources[i]] < bound:
                bound = ld[sources[i]]
    m = len(order)
    for p in range(start, m):
        c = order[p]
        atime = np.int64(arr_time[c])
        if atime <= bound:
            break
        t = np.uint32(trip[c])  # unsigned indices: no negative-index handling
        x = trip_exit[t]
        if x < 0:
            if ready[np.uint32(arr_stop[c])] >= atime:
                trip_exit[t] = c
                x = c
            else:
                continue
        dtime = np.int64(dep_time[c])
        d = np.uint32(dep_stop[c])
        if dtime > ld_v[d]:
            ld_v[d] = dtime
            changed = False
            if dtime > ld[d]:
                ld[d] = dtime
                r_enter[d] = c
                r_exit[d] = x
                r_fp[d] = -1
                changed = is_source[d]
            if dtime - slack > ready[d]:
                ready[d] = dtime - slack
                q_enter[d] = c
                q_exit[d] = x
                q_fp[d] = -1
            for k in range(in_off[d], in_off[d + 1]):
                u = np.uint32(in_from[k])
                nt = dtime - in_dur[k]
                if nt > ld[u]:
                    ld[u] = nt
                    r_enter[u] = c
                    r_exit[u] = x
                    r_fp[u] = d
                    if is_source[u]:
                        changed = True
                if nt - slack > ready[u]:
                    ready[u] = nt - slack
                    q_enter[u] = c
                    q_exit[u] = x
                    q_fp[u] = d
            if changed:
                bound = UNREACHABLE
                for i in range(len(sources)):
                    if ld[sources[i]] < bound:
                        bound = ld[sources[i]]
    return ScanLabels(ld, r_enter, r_exit, r_fp, ready, q_enter, q_exit, q_fp, -1)


@nb.njit(cache=True)
def footpath_duration(fp_off, fp_to, fp_dur, a, b):
    """Duration (s) of the footpath ``a`` -> ``b`` in the CSR footpath arrays; -1 when there is none."""
    for k in range(fp_off[a], fp_off[a + 1]):
        if fp_to[k] == b:
            return np.int64(fp_dur[k])
    return np.int64(-1)


@nb.njit(cache=True)
def first_at_or_after(times, t, lo, hi):
    """Index of the first of ``times[lo:hi]`` (sorted) at or after ``t`` (``hi`` when none)."""
    while lo < hi:
        mid = (lo + hi) // 2
        if times[mid] < t:
            lo = mid + 1
        else:
            hi = mid
    return lo


@nb.njit(cache=True)
def first_departure(dep_time, t):
    """Index of the first connection departing at or after ``t``."""
    return first_at_or_after(dep_time, t, 0, len(dep_time))


@nb.njit(cache=True)
def bounded_scan(conns, src_stop, src_time, start, t_max, run, work, out, slack):
    """Bounded forward scan for the accessibility engine (numba, callable from other kernels).

    From (stop, time) labels (no initial footpath), scans connections (``conns``:
    :attr:`Timetable.arrays`) from index ``start`` while they depart by ``t_max``; ``out`` (reset
    by the caller) receives the arrivals by vehicle, then one footpath. ``work`` (:class:`ScanWork`)
    is reused between runs (``run`` must differ from every earlier run on the same ``work``).
    """
    dep_stop, arr_stop, trip = conns.dep_stop, conns.arr_stop, conns.trip
    dep_time, arr_time = conns.dep_time, conns.arr_time
    fp_off, fp_to, fp_dur = conns.fp_offsets, conns.fp_to, conns.fp_dur_s
    ready, by_vehicle, trip_run = work.ready, work.by_vehicle, work.trip_run
    n_stops = len(ready)
    for s in range(n_stops):
        ready[s] = UNREACHABLE
        by_vehicle[s] = UNREACHABLE
    for i in range(len(src_stop)):
        s = src_stop[i]
        if src_time[i] < ready[s]:
            ready[s] = src_time[i]
    m = len(dep_time)
    for c in range(start, m):
        dtime = np.int64(dep_time[c])
        if dtime > t_max:
            break
        t = np.uint32(trip[c])  # unsigned indices: no negative-index handling
        if trip_run[t] != run:
            if ready[np.uint32(dep_stop[c])] <= dtime:
                trip_run[t] = run
            else:
                continue
        at = np.int64(arr_time[c])
        a = np.uint32(arr_stop[c])
        if at < by_vehicle[a]:
            by_vehicle[a] = at
            if at < out[a]:
                out[a] = at
            if at + slack < ready[a]:
                ready[a] = at + slack
            for k in range(fp_off[a], fp_off[a + 1]):
                v = np.uint32(fp_to[k])
                nt = at + fp_dur[k]
                if nt + slack < ready[v]:
                    ready[v] = nt + slack
                if nt < out[v]:
                    out[v] = nt


#: Profile labels compare (arrival, walking) lexicographically as one int64 key.
KEY_W = np.int64(1 << 22)
#: A profile key larger than every key (arrival * KEY_W + walking): no journey.
NO_KEY = UNREACHABLE


@nb.njit(cache=True)
def _entry_at(e_dep, base, n, t):
    """Position of the entry of a stop profile to use at time ``t`` (entries ``base..base+n`` by
    decreasing departure, suffix minima): the last one departing at or after ``t``; -1 if none.

    The scan asks about times just after the ones it is adding, so the search gallops from the
    end of the list (recent entries, in cache) before bisecting."""
    if n == 0 or e_dep[base] < t:
        return -1
    last = base + n - 1
    if e_dep[last] >= t:
        return last
    # e_dep[last] < t <= e_dep[base]: find the last index i with e_dep[i] >= t
    step = 1
    hi = last  # e_dep[hi] < t
    lo = last - 1
    while lo > base and e_dep[lo] < t:
        hi = lo
        step *= 2
        lo = max(base, last - step)
    # e_dep[lo] >= t (or lo == base, where e_dep[base] >= t), e_dep[hi] < t
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if e_dep[mid] >= t:
            lo = mid
        else:
            hi = mid
    return lo


@nb.njit(cache=True)
def _entry_pointers(e_key, base, p, k):
    """The entry holding the pointers of entry ``p``'s key for budget ``k``: the first of the run of
    equal keys ending at ``p`` (entries copy the keys they do not improve, not the pointers)."""
    while p > base and e_key[p - 1, k] == e_key[p, k]:
        p -= 1
    return p


@nb.njit(cache=True)
def _profile_kernel(conns, arrivals, work, query, budgets, mark, ride_ok, tmask, wide):
    """One backward pass over the query's connections ``c_lo..c_hi`` (decreasing departure), writing
    into ``work`` (:class:`ProfileWork`): per stop a profile
    of boarding departures with, for each budget of 1..K legs, the least (arrival, walking) key at
    the target and the pointers of the journey (boarding connection, exit connection, stop walked
    to after the exit: -1 when the journey then ends at the target; written only by the entry that
    improves the key: a later entry with the same key has it from an earlier one, see
    :func:`_entry_pointers`). Connections departing from a
    ``mark``ed stop (the sources and their footpath neighbours) also keep their own key and
    pointers in ``c_key``/``c_exit``/``c_next`` (the profile entries are suffix minima, which
    would let a boarding after the window hide one inside it). Connections not ``ride_ok`` (no
    journey from the sources rides them and reaches the target in time) are skipped. After an
    arrival the scan walks only the footpaths whose bit is set in the connection's row of ``tmask``
    (:attr:`Timetable.transfer_masks`: the others can never do better).

    ``budgets`` is a tuple of K zeros: its length is a compile-time constant, so every loop over
    the 1..K legs is unrolled (one specialisation per K, cached). ``wide``, likewise: () when no
    stop has more than ``TRANSFER_MASK_BITS`` (64) footpaths, (0,) otherwise."""
    dep_stop, arr_stop, trip = conns.dep_stop, conns.arr_stop, conns.trip
    dep_time, arr_time = conns.dep_time, conns.arr_time
    fp_off, fp_to, fp_dur = conns.fp_offsets, conns.fp_to, conns.fp_dur_s
    in_off, in_from, in_dur = arrivals.fp_in_offsets, arrivals.fp_in_from, arrivals.fp_in_dur_s
    e_off, e_dep, e_key = work.e_off, work.e_dep, work.e_key
    e_enter, e_exit, e_next = work.e_enter, work.e_exit, work.e_next
    cnt, c_key, c_exit, c_next = work.cnt, work.c_key, work.c_exit, work.c_next
    target, t_cut, c_lo, c_hi = query.target, query.t_cut, query.c_lo, query.c_hi
    n_trips = conns.n_trips
    K = len(budgets)
    n_stops = len(cnt)
    for s in range(n_stops):
        cnt[s] = 0
    egress = np.full(n_stops, -1, dtype=np.int64)
    egress[target] = 0
    for k in range(in_off[target], in_off[target + 1]):
        egress[in_from[k]] = in_dur[k]
    t_key = np.full((n_trips, K), NO_KEY, dtype=np.int64)
    best = np.full((n_stops, K), NO_KEY, dtype=np.int64)
    bmin = np.full(n_stops, NO_KEY, dtype=np.int64)  # best[:, K - 2], compact
    latest = np.full(n_stops, -1, dtype=np.int64)  # departure of a stop's first entry
    lastdep = np.full(n_stops, -1, dtype=np.int64)  # and of its last one (e_dep[last], compact)
    t_exit = np.full((n_trips, K), -1, dtype=np.int32)
    t_next = np.full((n_trips, K), -1, dtype=np.int32)
    scanned = 0
    for c in range(c_hi - 1, c_lo - 1, -1):
        ta = np.int64(arr_time[c])
        if ta > t_cut or not ride_ok[c - c_lo]:
            continue
        scanned += 1
        # unsigned indices: numba then drops its negative-index handling in the hot loops
        tr = np.uint32(trip[c])
        v = np.uint32(arr_stop[c])
        eg = egress[v]
        if eg >= 0:
            fin = (ta + eg) * KEY_W + eg
            for k in range(K):
                if fin < t_key[tr, k]:
                    t_key[tr, k] = fin
                    t_exit[tr, k] = c
                    t_next[tr, k] = -1
        # exit, walk at most one footpath (or none), board another vehicle with one leg fewer: at the
        # arrival stop itself, then along the footpaths whose bit is set in the connection's transfer
        # mask, then (``wide`` timetables only) the footpaths of the stop beyond the mask's bits
        t1 = t_key[tr, 1] if K > 1 else NO_KEY
        o = fp_off[v]
        at_stop = K > 1
        bits = tmask[c] if K > 1 else np.uint64(0)
        j_more = o + TRANSFER_MASK_BITS
        j_end = fp_off[v + 1] if K > 1 else j_more
        while True:
            if at_stop:
                at_stop = False
                w = v
                d = np.int64(0)
            else:
                if bits != 0:
                    j = o + np.int64(_trailing_zeros(bits))
                    bits &= bits - np.uint64(1)
                elif len(wide) > 0 and j_more < j_end:
                    j = j_more
                    j_more += 1
                else:
                    break
                w = np.uint32(fp_to[j])
                d = np.int64(fp_dur[j])
            # the earliest entry holds the least keys of the stop (copied in ``best``, compact):
            # skip the stop when they cannot help, or when its latest entry departs too early
            if (bmin[w] + d >= t1) | (latest[w] < ta + d):  # one branch, not two
                continue
            useful = False
            for k in range(1, K):
                if best[w, k - 1] + d < t_key[tr, k]:
                    useful = True
                    break
            if not useful:
                continue
            p = _entry_at(e_dep, e_off[w], cnt[w], ta + d)
            if p < 0:
                continue
            for k in range(1, K):
                key = e_key[p, k - 1]
                if key < NO_KEY and key + d < t_key[tr, k]:
                    t_key[tr, k] = key + d
                    t_exit[tr, k] = c
                    t_next[tr, k] = w
                    if k == 1:
                        t1 = key + d
        # boarding here: an entry of the departure stop's profile
        u = np.uint32(dep_stop[c])
        if mark[u]:
            for k in range(K):
                c_key[c, k] = t_key[tr, k]
                c_exit[c, k] = t_exit[tr, k]
                c_next[c, k] = t_next[tr, k]
        td = np.int64(dep_time[c])
        base = e_off[u]
        n = cnt[u]
        last = base + n - 1
        if n > 0:
            better = False
            for k in range(K):
                if t_key[tr, k] < best[u, k]:  # best[u] == e_key[last]
                    better = True
                    break
            if not better:
                continue
            if lastdep[u] != td:
                q = last + 1
                cnt[u] = n + 1
                e_dep[q] = td
                lastdep[u] = td
                for k in range(K):  # the pointers stay with the entry that set the key
                    e_key[q, k] = best[u, k]
            else:
                q = last
        else:
            q = base
            cnt[u] = 1
            e_dep[q] = td
            latest[u] = td
            lastdep[u] = td
            for k in range(K):
                e_key[q, k] = NO_KEY
        for k in range(K):
            if t_key[tr, k] < best[u, k]:  # best[u] == e_key[q]
                e_key[q, k] = t_key[tr, k]
                e_enter[q, k] = c
                e_exit[q, k] = t_exit[tr, k]
                e_next[q, k] = t_next[tr, k]
                best[u, k] = t_key[tr, k]
        bmin[u] = best[u, K - 2] if K > 1 else NO_KEY
    return scanned


@nb.njit(cache=True)
def _ride_ok(conns, arrivals, query, e_off):
    """Connections ``c_lo..c_hi`` some journey of the profile can ride: forward, its trip was
    boardable at it or before (a vehicle or a source, then at most one footpath, reached the stop
    in time; sources leave at the window start plus their access); backward, the trip from it on
    reaches the target by
    ``t_cut`` (leaving it at a stop from which the target is reached: walking at most one
    footpath then boarding, or walking to the target). ``arrivals.by_arrival[:, arr_lo:arr_hi]``: the connections
    arriving in [window start, t_cut], latest first (rows: connection, trip, arrival time, arrival
    stop, departure stop, departure time; read in order).

    Also lays out the profile entries in ``e_off`` (n_stops + 1): each stop gets one slot per
    connection kept departing from it, so the entries of a query lie close together."""
    dep_stop, arr_stop, trip = conns.dep_stop, conns.arr_stop, conns.trip
    dep_time, arr_time = conns.dep_time, conns.arr_time
    fp_off, fp_to, fp_dur = conns.fp_offsets, conns.fp_to, conns.fp_dur_s
    by_arrival = arrivals.by_arrival
    in_off, in_from, in_dur = arrivals.fp_in_offsets, arrivals.fp_in_from, arrivals.fp_in_dur_s
    target, t_cut, c_lo, c_hi = query.target, query.t_cut, query.c_lo, query.c_hi
    n_stops = conns.n_stops
    ok = np.zeros(c_hi - c_lo, dtype=np.bool_)
    on = np.zeros(conns.n_trips, dtype=np.bool_)
    e_off[:] = 0
    tau = np.full(n_stops, UNREACHABLE, dtype=np.int64)
    for i in range(len(query.src_stop)):
        s, t = query.src_stop[i], query.window_start_s + query.src_access_s[i]
        tau[s] = min(tau[s], t)
        for k in range(fp_off[s], fp_off[s + 1]):
            tau[fp_to[k]] = min(tau[fp_to[k]], t + fp_dur[k])
    for c in range(c_lo, c_hi):
        tr = np.uint32(trip[c])  # unsigned indices: no negative-index handling
        if not on[tr]:
            if tau[np.uint32(dep_stop[c])] > dep_time[c]:
                continue
            on[tr] = True
        ok[c - c_lo] = True
        a = np.uint32(arr_stop[c])
        at = np.int64(arr_time[c])
        if at < tau[a]:
            tau[a] = at
            for k in range(fp_off[a], fp_off[a + 1]):
                w = np.uint32(fp_to[k])
                tau[w] = min(tau[w], at + fp_dur[k])
    on[:] = False
    ld = np.full(n_stops, NO_DEPARTURE, dtype=np.int64)
    ld[target] = t_cut
    for k in range(in_off[target], in_off[target + 1]):
        ld[in_from[k]] = max(ld[in_from[k]], t_cut - in_dur[k])
    for q in range(query.arr_lo, query.arr_hi):
        c = by_arrival[0, q]
        if c < c_lo or c >= c_hi or not ok[c - c_lo]:
            continue
        tr = np.uint32(by_arrival[1, q])
        if not on[tr]:
            if by_arrival[2, q] > ld[np.uint32(by_arrival[3, q])]:
                ok[c - c_lo] = False
                continue
            on[tr] = True
        u = np.uint32(by_arrival[4, q])
        e_off[u + 1] += 1
        d = np.int64(by_arrival[5, q])
        if d > ld[u]:
            ld[u] = d
            for k in range(in_off[u], in_off[u + 1]):
                x = np.uint32(in_from[k])
                ld[x] = max(ld[x], d - in_dur[k])
    for s in range(n_stops):
        e_off[s + 1] += e_off[s]
    return ok


@nb.njit(cache=True)
def _profile_sources(conns, dep_off, dep_conn, query, work, ride_ok):
    """Journeys of the profile: every boarding of a connection departing a source stop (or a
    footpath neighbour) with the door departure in [ws, we], with exactly k + 1 legs for each
    k whose key beats k legs, taking at most ``max_duration_s``; then the Pareto-optimal ones over
    (later departure, earlier arrival, fewer legs, less walking). Returns :class:`ProfileJourneys`,
    by departure, arrival, legs and walking."""
    dep_time, arr_time = conns.dep_time, conns.arr_time
    fp_off, fp_to, fp_dur = conns.fp_offsets, conns.fp_to, conns.fp_dur_s
    c_key = work.c_key
    src_stop, src_off, ws, we = query.src_stop, query.src_access_s, query.window_start_s, query.window_end_s
    c_lo, c_hi, t_cut = query.c_lo, query.c_hi, query.t_cut
    K = c_key.shape[1]
    # the boardings to look at: per source and stop walked to, the stop's departures (in connection
    # order) from c_lo until the last one leaving the door by ``we``
    n_walk = 0
    for i in range(len(src_stop)):
        n_walk += 1 + fp_off[src_stop[i] + 1] - fp_off[src_stop[i]]
    g_src = np.empty(n_walk, np.int64)
    g_walk = np.empty(n_walk, np.int64)
    g_lo = np.empty(n_walk, np.int64)
    g_hi = np.empty(n_walk, np.int64)
    n = 0
    g = 0
    for i in range(len(src_stop)):
        s = src_stop[i]
        for j in range(-1, fp_off[s + 1] - fp_off[s]):
            w = s if j < 0 else fp_to[fp_off[s] + j]
            d = np.int64(0) if j < 0 else np.int64(fp_dur[fp_off[s] + j])
            c_end = min(c_hi, np.searchsorted(dep_time, we + d + src_off[i], side="right"))
            deps = dep_conn[dep_off[w]:dep_off[w + 1]]
            g_src[g], g_walk[g] = i, d
            g_lo[g] = dep_off[w] + np.searchsorted(deps, c_lo)
            g_hi[g] = dep_off[w] + np.searchsorted(deps, c_end)
            n += g_hi[g] - g_lo[g]
            g += 1
    r_t = np.empty(n * K, np.int64)
    r_k = np.empty(n * K, np.int64)
    r_key = np.empty(n * K, np.int64)
    r_c = np.empty(n * K, np.int64)
    r_w = np.empty(n * K, np.int64)
    r_s = np.empty(n * K, np.int64)
    n = 0
    for g in range(n_walk):
        i, d = g_src[g], g_walk[g]
        for q in range(g_lo[g], g_hi[g]):
            c = dep_conn[q]
            t0 = np.int64(dep_time[c]) - d - src_off[i]
            if t0 < ws or arr_time[c] > t_cut or not ride_ok[c - c_lo]:
                continue
            prev = NO_KEY
            for k in range(K):
                key = c_key[c, k]
                if key < prev:
                    r_t[n] = t0
                    r_k[n] = k
                    r_key[n] = key + d
                    r_c[n] = c
                    r_w[n] = d
                    r_s[n] = src_stop[i]
                    n += 1
                    prev = key
    # a row's dominators take no longer than it: the rows too long can go first
    arr = r_key[:n] // KEY_W
    walk = r_key[:n] % KEY_W
    short = np.flatnonzero(arr - r_t[:n] <= query.max_duration_s)
    sel = short[_pareto_rows(r_t[short], r_k[short], arr[short], walk[short])]
    return ProfileJourneys(r_t[sel], r_k[sel], arr[sel], walk[sel], r_c[sel], r_w[sel], r_s[sel])


@nb.njit(cache=True)
def _pareto_rows(dep, legs, arr, walk):
    """Positions of the rows Pareto-optimal over (later departure, earlier arrival, fewer legs, less
    walking), by departure, arrival, legs and walking; of identical rows, the first.

    In the order (later departure, then arrival, legs, walking) a row's dominators come before it,
    and a row dominated by a dropped row is dominated by the row that dropped it: so each row is
    checked against the rows kept so far only."""
    n = len(dep)
    if n == 0:
        return np.zeros(0, np.int64)
    t_span = np.int64(dep.max() - dep.min() + 1)
    a_span = np.int64(arr.max() - arr.min() + 1)
    k_span = np.int64(legs.max() + 1)
    w_span = np.int64(walk.max() + 1)
    if t_span * a_span * k_span < (np.int64(1) << 40) and w_span <= KEY_W:  # one int64 sort key
        order = np.argsort((((dep.max() - dep) * a_span + (arr - arr.min())) * k_span + legs) * KEY_W + walk)
    else:
        order = np.argsort((arr * k_span + legs) * w_span + walk, kind="mergesort")
        order = order[np.argsort(-dep[order], kind="mergesort")]
    sel = np.empty(n, np.int64)
    m = 0
    for a in order:
        dominated = False
        for i in range(m):
            b = sel[i]
            if arr[b] <= arr[a] and legs[b] <= legs[a] and walk[b] <= walk[a]:
                dominated = True
                if a < b and dep[b] == dep[a] and arr[b] == arr[a] and legs[b] == legs[a] and walk[b] == walk[a]:
                    sel[i] = a
                break
        if not dominated:
            sel[m] = a
            m += 1
    sel = sel[:m]  # by later departure, then arrival, legs, walking
    return sel[np.argsort(dep[sel], kind="mergesort")]


# ---------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------

@dataclass(eq=False)
class ScanResult:
    """Labels of one scan.

    Forward (``direction == "forward"``): ``time[s]`` earliest arrival at stop s (:data:`UNREACHABLE` when
    unreachable); the journey to s ends with the transit leg ``enter[s]..exit[s]`` (connection
    indices; -1 when s was reached by walking from a source or is a source) followed by a
    footpath from ``fp[s]`` when ``fp[s] >= 0``.

    Backward: ``time[s]`` latest departure from s that still meets a deadline (:data:`NO_DEPARTURE` when none);
    the journey from s starts with a footpath to ``fp[s]`` (when >= 0) then the leg
    ``enter[s]..exit[s]``.
    """

    direction: str
    time: np.ndarray
    enter: np.ndarray
    exit: np.ndarray
    fp: np.ndarray
    labels: np.ndarray  # (k, 2) int64 initial (stop, time) labels
    scanned: int = -1
    #: with a transfer slack: the labels and pointers of "ready to board" (forward) or "latest
    #: arrival that still connects" (backward), used for the stops where the journey changes
    #: vehicle; None means the same as time/enter/exit/fp
    ready: np.ndarray | None = None
    ready_enter: np.ndarray | None = None
    ready_exit: np.ndarray | None = None
    ready_fp: np.ndarray | None = None

    @classmethod
    def of(cls, found: ScanLabels, direction: str, labels: np.ndarray) -> ScanResult:
        """The result of a kernel's :class:`ScanLabels` from the initial ``labels``."""
        return cls(direction, found.time, found.enter, found.exit, found.fp, labels, found.scanned, found.ready,
                   found.ready_enter, found.ready_exit, found.ready_fp)

    def reached(self, stop: int) -> bool:
        t = self.time[stop]
        return bool(t < UNREACHABLE) if self.direction == "forward" else bool(t > NO_DEPARTURE)


class JourneyLeg(NamedTuple):
    """One leg of a journey: ``mode`` is "transit" or "walk"; trip is -1 for walks (a named tuple:
    a range query builds hundreds of them)."""

    mode: str
    from_stop: int
    to_stop: int
    dep_time_s: int
    arr_time_s: int
    trip: int = -1
    enter_conn: int = -1
    exit_conn: int = -1

    COLUMNS = ("mode", "from_stop_id", "to_stop_id", "from_name", "to_name", "dep_time_s",
               "arr_time_s", "trip_id", "route_short_name", "route_color", "route_type", "n_hops")

    def row(self, tt: Timetable) -> dict[str, Any]:
        route = int(tt.trip_route[self.trip]) if self.trip >= 0 else -1
        return {
            "mode": self.mode,
            "from_stop_id": str(tt.stop_ids[self.from_stop]), "to_stop_id": str(tt.stop_ids[self.to_stop]),
            "from_name": str(tt.stop_names[self.from_stop]), "to_name": str(tt.stop_names[self.to_stop]),
            "dep_time_s": int(self.dep_time_s), "arr_time_s": int(self.arr_time_s),
            "trip_id": str(tt.trip_ids[self.trip]) if self.trip >= 0 else None,
            "route_short_name": str(tt.route_short_names[route]) if route >= 0 else None,
            "route_color": str(tt.route_colors[route]) if route >= 0 else None,
            "route_type": int(tt.route_types[route]) if route >= 0 else None,
            "n_hops": self.n_hops(tt),
        }

    def n_hops(self, tt: Timetable) -> int:
        if self.mode != TRANSIT:
            return 0
        return int(tt.seq_position(self.exit_conn) - tt.seq_position(self.enter_conn) + 1)


# ---------------------------------------------------------------------------
# public queries
# ---------------------------------------------------------------------------

def _labels(labels: Any, n_stops: int, what: str) -> np.ndarray:
    arr = np.asarray(labels, dtype=np.int64)
    if arr.ndim == 1 and arr.size == 2:
        arr = arr.reshape(1, 2)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"{what} must be (stop, time) pairs, got shape {arr.shape}")
    if len(arr) and (arr[:, 0].min() < 0 or arr[:, 0].max() >= n_stops):
        raise ValueError(f"{what}: stop index out of range 0..{n_stops - 1}")
    return arr


def _stops(stops: Any, n_stops: int, what: str) -> np.ndarray:
    if stops is None:
        return np.zeros(0, dtype=np.int64)
    arr = np.atleast_1d(np.asarray(stops, dtype=np.int64))
    if len(arr) and (arr.min() < 0 or arr.max() >= n_stops):
        raise ValueError(f"{what}: stop index out of range 0..{n_stops - 1}")
    return arr


def earliest_arrival(tt: Timetable, sources: Any, *, targets: Any = None,
                     initial_footpaths: bool = True, transfer_slack_s: int = 0) -> ScanResult:
    """Earliest arrival at every stop from initial (stop, time) labels.

    Parameters
    ----------
    tt : the compiled timetable.
    sources : (k, 2) array-like of (stop index, time_s): e.g. one label for a stop-to-stop query,
        or one per stop reachable from a door with its walking time added (door-to-door access).
        Footpaths from every label are walked once before the scan.
    targets : stop indices; when given, the scan stops as soon as all of them are settled
        (labels of other stops are then only upper bounds).
    initial_footpaths : walk the footpaths from the labels before the scan (stop-to-stop
        queries); door-to-door queries whose labels already cover every stop within the walk
        cap pass False, so that the cap holds (:mod:`routing.linking`).
    transfer_slack_s : minimum time between leaving a vehicle (after its footpath, if any) and
        boarding another (OpenTripPlanner's transfer slack); 0 by default.

    Returns
    -------
    ScanResult (forward): ``time`` int64 per stop (:data:`UNREACHABLE` when unreachable) and journey pointers
    for :func:`journey`. An empty ``sources`` gives everything unreachable.
    """
    src = _labels(sources, tt.n_stops, "sources")
    tg = _stops(targets, tt.n_stops, "targets")
    if len(src) == 0:
        n = tt.n_stops
        return ScanResult("forward", np.full(n, UNREACHABLE), *(np.full(n, -1, dtype=np.int32) for _ in range(3)),
                          src, 0)
    start = time_index(tt.dep_time, src[:, 1].min())
    found = _ea_kernel(tt.arrays, src[:, 0].copy(), src[:, 1].copy(), tg, start, initial_footpaths,
                       np.int64(transfer_slack_s))
    return ScanResult.of(found, "forward", src)


def earliest_arrival_time(tt: Timetable, source: int, target: int, time_s: int) -> int:
    """Stop-to-stop earliest arrival time (UNREACHABLE when unreachable): the fast path of benchmarks."""
    res = earliest_arrival(tt, [(source, time_s)], targets=[target])
    return int(res.time[target])


def latest_departure(tt: Timetable, targets: Any, *, sources: Any = None,
                     initial_footpaths: bool = True, transfer_slack_s: int = 0) -> ScanResult:
    """Arrive-by: latest departure from every stop that reaches a target by its deadline.

    Parameters
    ----------
    targets : (k, 2) array-like of (stop index, deadline_s); several labels for door-to-door
        egress (deadline minus the walk from the stop to the door). Footpaths into every label
        are walked once.
    sources : stop indices; when given the backward scan stops once all are settled.

    Returns
    -------
    ScanResult (backward): ``time`` int64 per stop (NO_DEPARTURE when the deadline cannot be met).
    """
    tgt = _labels(targets, tt.n_stops, "targets")
    srcs = _stops(sources, tt.n_stops, "sources")
    n = tt.n_stops
    if len(tgt) == 0:
        return ScanResult("backward", np.full(n, NO_DEPARTURE), *(np.full(n, -1, dtype=np.int32) for _ in range(3)),
                          tgt, 0)
    # arr_time[arr_order] is non-increasing: skip connections arriving after the last deadline
    start = _arr_order_start(tt, int(tgt[:, 1].max()))
    found = _ld_kernel(tt.arrays, tt.arrival_arrays, tgt[:, 0].copy(), tgt[:, 1].copy(), srcs, start,
                       initial_footpaths, np.int64(transfer_slack_s))
    return ScanResult.of(found, "backward", tgt)


def _fp_dur(tt: Timetable, a: int, b: int) -> int:
    d = int(footpath_duration(tt.fp_offsets, tt.fp_to, tt.fp_dur_s, a, b))
    if d < 0:
        raise ValueError(f"no footpath {a} -> {b}")
    return d


def journey(tt: Timetable, result: ScanResult, stop: int) -> list[JourneyLeg]:
    """Legs of the best journey to ``stop`` (forward result) or from ``stop`` (backward result).

    The last leg (forward) or the first (backward) follows the scan's own labels; the stops where
    the journey changes vehicle follow the "ready" labels, which keep the transfer slack.

    Returns
    -------
    list of JourneyLeg in travel order; empty when ``stop`` is itself a label of the scan with
    nothing to ride or walk, or unreachable (check ``result.reached(stop)``).
    """
    if not result.reached(stop):
        return []
    legs: list[JourneyLeg] = []
    s = int(stop)
    guard = 0
    time_, enter, exit_, fp = result.time, result.enter, result.exit, result.fp

    def to_ready() -> tuple[np.ndarray, ...]:
        if result.ready is None:
            return time_, enter, exit_, fp
        return result.ready, result.ready_enter, result.ready_exit, result.ready_fp

    if result.direction == "forward":
        while guard <= tt.n_stops + 2:
            guard += 1
            e, x, f = int(enter[s]), int(exit_[s]), int(fp[s])
            if e < 0:
                if f >= 0:
                    d = _fp_dur(tt, f, s)
                    t = int(time_[s])
                    legs.append(JourneyLeg(WALK, f, s, t - d, t))
                break
            if f >= 0:
                t0 = int(tt.arr_time[x])
                legs.append(JourneyLeg(WALK, f, s, t0, t0 + _fp_dur(tt, f, s)))
            legs.append(JourneyLeg(TRANSIT, int(tt.dep_stop[e]), int(tt.arr_stop[x]), int(tt.dep_time[e]),
                                   int(tt.arr_time[x]), int(tt.trip[e]), e, x))
            s = int(tt.dep_stop[e])
            time_, enter, exit_, fp = to_ready()
        legs.reverse()
        return legs
    while guard <= tt.n_stops + 2:
        guard += 1
        e, x, f = int(enter[s]), int(exit_[s]), int(fp[s])
        if e < 0:
            if f >= 0:
                d = _fp_dur(tt, s, f)
                t = int(time_[s])
                legs.append(JourneyLeg(WALK, s, f, t, t + d))
            break
        if f >= 0:
            t0 = int(tt.dep_time[e])
            d = _fp_dur(tt, s, f)
            legs.append(JourneyLeg(WALK, s, f, t0 - d, t0))
        legs.append(JourneyLeg(TRANSIT, int(tt.dep_stop[e]), int(tt.arr_stop[x]), int(tt.dep_time[e]),
                               int(tt.arr_time[x]), int(tt.trip[e]), e, x))
        s = int(tt.arr_stop[x])
        time_, enter, exit_, fp = to_ready()
    return legs


_NO_STOPS = np.zeros(0, dtype=np.int64)


def time_index(times: np.ndarray, t: int, side: str = "left") -> int:
    """``np.searchsorted(times, t, side)`` with ``t`` cast to the array's dtype first (a Python or
    int64 value against the int32 time columns would copy the whole column to compare)."""
    lo, hi = _INT_BOUNDS[times.dtype.char]
    return int(times.searchsorted(times.dtype.type(min(max(int(t), lo), hi)), side=side))


#: (min, max) of every integer dtype, by type code (``np.iinfo`` is slow on a query's path)
_INT_BOUNDS = {c: (int(np.iinfo(c).min), int(np.iinfo(c).max)) for c in np.typecodes["AllInteger"]}


def _arr_order_start(tt: Timetable, t: int) -> int:
    """First position of :attr:`Timetable.arr_order` (arrivals, latest first) arriving by ``t``."""
    rev = tt.arr_time_ascending
    return len(rev) - time_index(rev, t, "right")


class _ProfilePool(NamedTuple):
    lock: threading.Lock  # serialises the queries that use the work arrays
    work: ProfileWork


def _profile_pool(tt: Timetable, K: int) -> _ProfilePool:
    """Work arrays of :func:`profile` for K legs (one slot per connection; :func:`_ride_ok` groups the
    slots of each query by departure stop), kept by the timetable between queries, with their lock."""
    return derived(tt, _new_profile_pool, K)


def _new_profile_pool(tt: Timetable, K: int) -> _ProfilePool:
    m, n = tt.n_connections, tt.n_stops
    return _ProfilePool(threading.Lock(), ProfileWork(
        e_off=np.zeros(n + 1, np.int64), e_dep=np.empty(m, np.int64), e_key=np.empty((m, K), np.int64),
        e_enter=np.empty((m, K), np.int32), e_exit=np.empty((m, K), np.int32), e_next=np.empty((m, K), np.int32),
        cnt=np.zeros(n, np.int64), c_key=np.empty((m, K), np.int64), c_exit=np.empty((m, K), np.int32),
        c_next=np.empty((m, K), np.int32)))


PROFILE_COLUMNS = ("departure_s", "arrival_s", "duration_s", "transfers", "walk_s", "legs")


def _no_journeys() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object if c == "legs" else np.int64) for c in PROFILE_COLUMNS})


def profile(tt: Timetable, sources: Any, window_start_s: int, window_end_s: int, target: int, *,
            max_transfers: int = 5, max_duration_s: int = 3 * 3600,
            stats: dict[str, int] | None = None) -> pd.DataFrame:
    """Range query: Pareto set of journeys leaving in ``[window_start_s, window_end_s]``.

    One backward connection scan (profile CSA) over the connections departing from the window
    start until ``window_end_s + max_duration_s``, keeping at every stop a profile of boarding
    departures with, for each budget of 1..max_transfers+1 legs, the least (arrival, walking).

    Parameters
    ----------
    sources : stop indices, or (k, 2) array-like of (stop index, access_s) where access_s is the
        time from the door to that stop (0 for a stop-to-stop query).
    target : stop index.
    max_transfers : at most this many changes of vehicle (max_transfers + 1 transit legs).
    max_duration_s : journeys longer than this (door departure to arrival) are left out.
    stats : when a dict is given, receives runs (distinct departure times of the journeys found)
        and scanned (connections scanned).

    Returns
    -------
    DataFrame with columns departure_s (leaving the door), arrival_s, duration_s, transfers,
    walk_s (footpaths walked between or to stops, access excluded), legs (list of JourneyLeg),
    sorted by departure then arrival. For every departure time and every number of transfers the
    candidate is the journey of least arrival, then least walking; the rows are the candidates
    Pareto-optimal over (later departure, earlier arrival, fewer transfers, less walking). Walking
    to the target without any vehicle is not part of the profile. Empty table when nothing
    reaches the target.
    """
    src = np.asarray(sources, dtype=np.int64)
    if src.ndim == 1:
        src = np.column_stack([src, np.zeros(len(src), dtype=np.int64)])
    src = _labels(src, tt.n_stops, "sources")
    if not 0 <= int(target) < tt.n_stops:
        raise ValueError(f"target out of range 0..{tt.n_stops - 1}")
    if len(src) == 0 or window_end_s < window_start_s or tt.n_connections == 0:
        return _no_journeys()
    K = int(max_transfers) + 1
    ws, we = int(window_start_s), int(window_end_s)
    t_cut = we + int(max_duration_s)
    # boarding happens at or after the door departure plus the shortest access
    query = ProfileQuery(
        src_stop=src[:, 0].copy(), src_access_s=src[:, 1].copy(), target=int(target), window_start_s=ws,
        window_end_s=we, max_duration_s=int(max_duration_s), t_cut=t_cut,
        c_lo=time_index(tt.dep_time, ws + int(src[:, 1].min())),
        c_hi=time_index(tt.dep_time, t_cut, "right"),
        arr_lo=_arr_order_start(tt, t_cut), arr_hi=_arr_order_start(tt, ws - 1))
    pool = _profile_pool(tt, K)
    mark = np.zeros(tt.n_stops, np.bool_)
    for s in src[:, 0].tolist():
        mark[s] = True
        mark[tt.fp_to[tt.fp_offsets[s]:tt.fp_offsets[s + 1]]] = True
    conns, arrivals, work = tt.arrays, tt.arrival_arrays, pool.work
    with pool.lock:  # the work arrays are shared by the queries on this timetable
        # prune the connections no journey can ride (from the sources at the window start, to the target
        # by the cut)
        useful = _ride_ok(conns, arrivals, query, work.e_off)
        scanned = _profile_kernel(conns, arrivals, work, query, (0,) * K, mark, useful, tt.transfer_masks,
                                  (0,) if tt.footpaths_beyond_masks else ())
        dep_off, dep_conn = tt.stop_departures
        found = _profile_sources(conns, dep_off, dep_conn, query, work, useful)
        if stats is not None:
            stats["runs"] = len(np.unique(found.departure_s))
            stats["scanned"] = int(scanned)
        flat = _profile_trace(conns, work, query.target, found)
    if len(flat) and flat[-1, 0] < 0:
        raise RuntimeError("profile pointers broken")  # an invariant of the kernel
    modes = np.where(flat[:, 5] >= 0, TRANSIT, WALK).tolist()
    legs = list(map(JourneyLeg._make, zip(modes, *flat[:, 1:].T.tolist(), strict=True)))
    n = len(found.departure_s)
    bounds = np.searchsorted(flat[:, 0], np.arange(n + 1)).tolist()  # rows come journey by journey
    legs_col = np.empty(n, dtype=object)
    for i in range(n):
        legs_col[i] = legs[bounds[i]:bounds[i + 1]]
    return pd.DataFrame({"departure_s": found.departure_s, "arrival_s": found.arrival_s,
                         "duration_s": found.arrival_s - found.departure_s, "transfers": found.transfers,
                         "walk_s": found.walk_s, "legs": legs_col})


def profile_to_any(tt: Timetable, sources: Any, window_start_s: int, window_end_s: int, targets: Any, *,
                   max_transfers: int = 5, max_duration_s: int = 3 * 3600) -> pd.DataFrame:
    """Range query towards whichever of several stops (the stops of one place: both sides of a
    street, the platforms of a station): the :func:`profile` of each target, the rows together, then
    the ones no other row dominates over (later departure, earlier arrival, fewer transfers, less
    walking; of identical rows, the first target's). Same columns as :func:`profile`."""
    stops = list(dict.fromkeys(int(t) for t in _stops(targets, tt.n_stops, "targets")))
    return pareto_journeys([profile(tt, sources, window_start_s, window_end_s, t, max_transfers=max_transfers,
                                    max_duration_s=max_duration_s) for t in stops])


def pareto_journeys(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """Several :func:`profile` tables as one: their rows that no other row beats (later departure,
    earlier arrival, fewer transfers, less walking; of identical rows, the first table's), by
    departure, arrival, transfers and walking."""
    if not tables:
        return _no_journeys()
    rows = pd.concat(tables, ignore_index=True)
    keep = _pareto_rows(*(rows[c].to_numpy(np.int64) for c in ("departure_s", "transfers", "arrival_s", "walk_s")))
    return rows.iloc[keep].reset_index(drop=True)


@nb.njit(cache=True)
def _profile_trace(conns, work, target, journeys):
    """Legs of the profile journeys (:class:`ProfileJourneys`), following the pointers of ``work``:
    journey i boards connection ``conn[i]`` with ``kk[i]`` more legs allowed after it (exit and next
    stop in ``c_exit`` / ``c_next``), after an initial walk of ``walk0[i]`` from ``first[i]``; then
    the profile entries.
    Rows (journey, from stop, to stop, departure, arrival, trip, enter, exit), trip -1 for walks;
    a last row with journey -1 when the pointers are broken."""
    dep_stop, arr_stop, trip = conns.dep_stop, conns.arr_stop, conns.trip
    dep_time, arr_time = conns.dep_time, conns.arr_time
    fp_off, fp_to, fp_dur = conns.fp_offsets, conns.fp_to, conns.fp_dur_s
    e_off, e_dep, e_key = work.e_off, work.e_dep, work.e_key
    e_enter, e_exit, e_next = work.e_enter, work.e_exit, work.e_next
    cnt, c_exit, c_next = work.cnt, work.c_exit, work.c_next
    conn, kk = journeys.board_conn, journeys.transfers
    walk0, first = journeys.access_walk_s, journeys.source_stop
    K = c_exit.shape[1]
    out = np.empty((len(conn) * (2 * K + 1) + 1, 8), np.int64)
    m = 0
    for i in range(len(conn)):
        e = conn[i]
        k = kk[i]
        x = np.int64(c_exit[e, k])
        w = np.int64(c_next[e, k])
        if walk0[i] > 0:
            _leg_row(out, m, i, first[i], dep_stop[e], dep_time[e] - walk0[i], dep_time[e])
            m += 1
        while True:
            _leg_row(out, m, i, dep_stop[e], arr_stop[x], dep_time[e], arr_time[x],
                     trip[e], e, x)
            m += 1
            v = np.int64(arr_stop[x])
            t = np.int64(arr_time[x])
            to = target if w < 0 else w
            if to != v:
                d = footpath_duration(fp_off, fp_to, fp_dur, v, to)
                if d < 0:
                    out[m, 0] = -1
                    return out[:m + 1]
                _leg_row(out, m, i, v, to, t, t + d)
                m += 1
                t += d
            if w < 0:
                break
            p = _entry_at(e_dep, e_off[w], cnt[w], t)
            k -= 1
            if p < 0 or k < 0:
                out[m, 0] = -1
                return out[:m + 1]
            p = _entry_pointers(e_key, e_off[w], p, k)
            e, x, w = np.int64(e_enter[p, k]), np.int64(e_exit[p, k]), np.int64(e_next[p, k])
    return out[:m]


@nb.njit(cache=True)
def _leg_row(out, m, journey, from_stop, to_stop, dep_s, arr_s, trip=-1, enter=-1, exit_=-1):
    """Row ``m`` of :func:`_profile_trace` (a walk when ``trip`` is -1)."""
    out[m, 0], out[m, 1], out[m, 2] = journey, from_stop, to_stop
    out[m, 3], out[m, 4] = dep_s, arr_s
    out[m, 5], out[m, 6], out[m, 7] = trip, enter, exit_
