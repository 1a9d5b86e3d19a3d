"""The profile scan (one backward pass) against the transfer-layered reference (scipy Dijkstra)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from routing import csa
from routing.timetable import build_timetable
from tests.factories import make_gtfs_dir
from tests.reference_router import ReferenceProfile, load_feed

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
