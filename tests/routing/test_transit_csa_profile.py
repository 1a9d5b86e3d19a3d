"""The profile scan (one backward pass) against the transfer-layered reference (scipy Dijkstra)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from devkit.reference_router import ReferenceProfile, load_feed
from routing.transit import csa
from routing.transit.timetable import build_timetable
from tests.factories import make_gtfs_dir

COLS = ["departure_s", "arrival_s", "transfers", "walk_s"]


def _check_rows(prof, source: int, target: int) -> None:
    """Every row is a real journey: legs chained in time, from the source to the target, its
    walking and transfers as reported."""
    for r in prof.itertuples():
        legs = r.legs
        assert legs[0].from_stop == source and legs[-1].to_stop == target
        assert legs[0].dep_time_s == r.departure_s and legs[-1].arr_time_s == r.arrival_s
        assert sum(lg.mode == "transit" for lg in legs) == r.transfers + 1
        assert sum(lg.arr_time_s - lg.dep_time_s for lg in legs if lg.mode == "walk") == r.walk_s
        for x, y in zip(legs[:-1], legs[1:], strict=False):
            assert x.to_stop == y.from_stop and x.arr_time_s <= y.dep_time_s


def _compare(tt, pairs, ws: int, we: int, max_transfers: int = 5, max_duration_s: int = 3 * 3600,
             access: list[tuple[int, int]] | None = None) -> int:
    """Every pair's profile equal to the reference's; ``access``: extra (stop, access_s) sources
    added to each query (the pair's source keeps access 0)."""
    ref = ReferenceProfile(tt, ws, we + max_duration_s, max_transfers + 1, int(csa.KEY_W))
    rows = 0
    for a, b in pairs:
        sources = [(a, 0)] + [s for s in access or [] if s[0] not in (a, b)]
        prof = csa.profile(tt, sources, ws, we, b, max_transfers=max_transfers, max_duration_s=max_duration_s)
        if len(sources) == 1:
            _check_rows(prof, a, b)
        got = sorted(map(tuple, prof[COLS].values.tolist()))
        assert got == ref.profile(sources, ws, we, b, max_duration_s), (sources, b)
        rows += len(got)
    return rows


def test_profile_equals_reference_on_tiny_feed(tmp_path: Path) -> None:
    tt = build_timetable(load_feed(make_gtfs_dir(tmp_path / "g")), dt.date(2024, 3, 5))
    pairs = [(a, b) for a in range(tt.n_stops) for b in range(tt.n_stops) if a != b]
    assert _compare(tt, pairs, 7 * 3600, 9 * 3600) > 0
    # every budget of legs is its own compiled kernel; shorter duration caps; several sources
    for max_transfers, max_duration_s in ((0, 3 * 3600), (1, 3600), (2, 1800)):
        _compare(tt, pairs, 7 * 3600, 9 * 3600, max_transfers, max_duration_s)
    assert _compare(tt, pairs, 7 * 3600, 9 * 3600, access=[(0, 120), (1, 300)]) > 0


@pytest.mark.slow
@pytest.mark.bundle
def test_profile_equals_reference_on_star_2011(bundle_dir: Path) -> None:
    """200 seeded range queries over 07:00-08:00 of the 2011 Tuesday: every Pareto journey equal."""
    tt = build_timetable(load_feed(bundle_dir / "gtfs" / "star-2011-11-14.zip"), dt.date(2011, 11, 15))
    rng = np.random.default_rng(20111115)
    served = np.unique(np.concatenate([tt.dep_stop, tt.arr_stop]))
    pairs = [tuple(int(x) for x in rng.choice(served, 2, replace=False)) for _ in range(200)]
    assert _compare(tt, pairs, 7 * 3600, 8 * 3600) > 1000


@pytest.mark.slow
@pytest.mark.bundle
def test_profile_budgets_sources_and_threads_on_star_2011(bundle_dir: Path) -> None:
    """Fewer transfers, a shorter cap and several sources with access times equal the reference;
    queries run from two threads at once (the work arrays are shared) give the sequential answers."""
    from concurrent.futures import ThreadPoolExecutor

    tt = build_timetable(load_feed(bundle_dir / "gtfs" / "star-2011-11-14.zip"), dt.date(2011, 11, 15))
    rng = np.random.default_rng(7)
    served = np.unique(np.concatenate([tt.dep_stop, tt.arr_stop]))
    pairs = [tuple(int(x) for x in rng.choice(served, 2, replace=False)) for _ in range(40)]
    assert _compare(tt, pairs, 17 * 3600, 18 * 3600, max_transfers=2, max_duration_s=5400) > 100
    near = [(int(s), 60 * (i + 2)) for i, s in enumerate(rng.choice(served, 3, replace=False))]
    assert _compare(tt, pairs[:20], 7 * 3600, 8 * 3600, access=near) > 50

    def run(pair: tuple[int, int]) -> list[tuple[int, ...]]:
        prof = csa.profile(tt, [pair[0]], 7 * 3600, 8 * 3600, pair[1])
        return sorted(map(tuple, prof[COLS].values.tolist()))

    sequential = [run(p) for p in pairs[:16]]
    with ThreadPoolExecutor(max_workers=2) as pool:
        assert list(pool.map(run, pairs[:16])) == sequential


def _cleared_bits_are_dominated(tt, conns) -> int:
    """Every clear bit of :attr:`Timetable.transfer_masks` (connections ``conns``) is a footpath that
    leads nowhere in time or whose end a later stop of the same trip reaches, with no more walking,
    strictly before the first departure there the walk catches; returns how many bits were clear."""
    trip_off, trip_conn = tt.trip_connections
    last_dep = np.full(tt.n_stops, -1, np.int64)
    np.maximum.at(last_dep, tt.dep_stop, tt.dep_time.astype(np.int64))
    pos = np.empty(tt.n_connections, np.int64)
    pos[trip_conn] = np.arange(tt.n_connections)
    clear = 0
    for c in conns:
        v, ta = int(tt.arr_stop[c]), int(tt.arr_time[c])
        later = trip_conn[pos[c] + 1:trip_off[tt.trip[c] + 1]]
        o, n = int(tt.fp_offsets[v]), int(tt.fp_offsets[v + 1] - tt.fp_offsets[v])
        for j in range(min(n, 64)):
            if tt.transfer_masks[c] >> np.uint64(j) & np.uint64(1):
                continue
            clear += 1
            w, d = int(tt.fp_to[o + j]), int(tt.fp_dur_s[o + j])
            if last_dep[w] < ta + d:
                continue
            at_w = tt.dep_time[tt.dep_stop == w]
            catch = int(at_w[at_w >= ta + d].min())
            options = []  # (time at w, walking) from the later stops
            for c2 in later.tolist():
                v2, t2 = int(tt.arr_stop[c2]), int(tt.arr_time[c2])
                if v2 == w:
                    options.append((t2, 0))
                for k in range(tt.fp_offsets[v2], tt.fp_offsets[v2 + 1]):
                    if tt.fp_to[k] == w:
                        options.append((t2 + int(tt.fp_dur_s[k]), int(tt.fp_dur_s[k])))
            assert any(t < catch and walk <= d for t, walk in options), (c, j)
    return clear


def test_transfer_masks_clear_only_dominated_footpaths(tmp_path: Path) -> None:
    tt = build_timetable(load_feed(make_gtfs_dir(tmp_path / "g")), dt.date(2024, 3, 5))
    assert tt.transfer_masks.shape == (tt.n_connections,) and tt.transfer_masks.dtype == np.uint64
    _cleared_bits_are_dominated(tt, range(tt.n_connections))


def test_profile_with_more_than_64_footpaths_a_stop_equals_reference() -> None:
    """70 stops within walking distance of one another (69 footpaths each: beyond the 64 bits of a
    transfer mask, the scan tries the rest) and crossing lines: the profile equals the reference."""
    import pandas as pd

    from sources.loaders.gtfs import GtfsFeed

    rng = np.random.default_rng(64)
    n = 70
    stops = pd.DataFrame({"stop_id": [f"S{i}" for i in range(n)], "stop_name": [f"Stop {i}" for i in range(n)],
                          "stop_lat": 48.11 + rng.integers(0, 30, n) * 0.0001,
                          "stop_lon": -1.68 + rng.integers(0, 30, n) * 0.0001, "location_type": 0,
                          "parent_station": ""})
    rows, trips = [], []
    for t in range(24):
        seq = rng.choice(n, 6, replace=False)
        time = 7 * 3600 + 60 * int(rng.integers(0, 90))
        for k, s in enumerate(seq.tolist()):
            time += 60 * int(rng.integers(1, 5)) if k else 0
            rows.append({"trip_id": f"T{t}", "stop_id": f"S{s}", "stop_sequence": k + 1,
                         "arrival_time_s": float(time), "departure_time_s": float(time)})
        trips.append({"trip_id": f"T{t}", "route_id": "R0", "service_id": "WK", "direction_id": 0,
                      "trip_headsign": ""})
    routes = pd.DataFrame({"route_id": ["R0"], "agency_id": "X", "route_short_name": ["0"], "route_long_name": "",
                           "route_type": 3, "route_color": "FF0000", "route_text_color": "FFFFFF"})
    empty = pd.DataFrame()
    day = dt.date(2024, 3, 5)
    feed = GtfsFeed(agency=empty, stops=stops, routes=routes, trips=pd.DataFrame(trips),
                    stop_times=pd.DataFrame(rows), calendar=empty, calendar_dates=empty, feed_info=empty,
                    services_by_date={day: frozenset({"WK"})})
    tt = build_timetable(feed, day)
    assert np.diff(tt.fp_offsets).min() > 64  # every stop: footpaths without a bit
    assert _cleared_bits_are_dominated(tt, range(tt.n_connections)) > 0
    pairs = [(int(a), int(b)) for a, b in rng.choice(n, (30, 2)) if a != b]
    assert _compare(tt, pairs, 7 * 3600, 8 * 3600) > 0


@pytest.mark.bundle
def test_transfer_masks_on_star_2011(bundle_dir: Path) -> None:
    """On the 2011 Tuesday more than a third of the (connection, footpath) tries are cleared, each for
    a reason (checked on 3,000 connections)."""
    tt = build_timetable(load_feed(bundle_dir / "gtfs" / "star-2011-11-14.zip"), dt.date(2011, 11, 15))
    tries = np.minimum(np.diff(tt.fp_offsets)[tt.arr_stop], 64).sum()
    kept = int(np.unpackbits(tt.transfer_masks.view(np.uint8)).sum())
    assert 0.5 * tries < kept < 0.65 * tries
    conns = np.random.default_rng(3).choice(tt.n_connections, 3000, replace=False)
    assert _cleared_bits_are_dominated(tt, conns.tolist()) > 3000


def _pareto(rows: list[tuple[int, ...]]) -> list[tuple[int, ...]]:
    """(departure, arrival, transfers, walk) rows no other row beats (brute force)."""
    def beats(b: tuple[int, ...], a: tuple[int, ...]) -> bool:
        return b[0] >= a[0] and b[1] <= a[1] and b[2] <= a[2] and b[3] <= a[3] and b != a
    unique = sorted(set(rows))
    return [a for a in unique if not any(beats(b, a) for b in unique)]


def test_profile_to_any_is_the_pareto_set_over_the_targets(tmp_path: Path) -> None:
    tt = build_timetable(load_feed(make_gtfs_dir(tmp_path / "g")), dt.date(2024, 3, 5))
    ws, we = 7 * 3600, 9 * 3600
    ref = ReferenceProfile(tt, ws, we + 3 * 3600, 6, int(csa.KEY_W))
    checked = 0
    for a in range(tt.n_stops):
        others = [b for b in range(tt.n_stops) if b != a]
        for targets in (others, others[:2], others[-1:]):
            got = csa.profile_to_any(tt, [a], ws, we, targets)
            expected = _pareto([row for b in targets for row in ref.profile([(a, 0)], ws, we, b, 3 * 3600)])
            assert sorted(map(tuple, got[COLS].values.tolist())) == expected
            assert list(got.departure_s) == sorted(got.departure_s)
            assert all(r.legs[-1].to_stop in targets for r in got.itertuples())
            twice = csa.pareto_journeys([got, got])  # identical rows: the first table's kept
            assert twice[COLS].values.tolist() == got[COLS].values.tolist()
            checked += len(got)
    assert checked > 0
    assert csa.profile_to_any(tt, [0], ws, we, []).empty and csa.pareto_journeys([]).empty
