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


def _compare(tt, pairs, ws: int, we: int, max_transfers: int = 5, max_duration_s: int = 3 * 3600) -> int:
    ref = ReferenceProfile(tt, ws, we + max_duration_s, max_transfers + 1, int(csa.KEY_W))
    rows = 0
    for a, b in pairs:
        prof = csa.profile(tt, [a], ws, we, b, max_transfers=max_transfers, max_duration_s=max_duration_s)
        _check_rows(prof, a, b)
        got = sorted(map(tuple, prof[COLS].values.tolist()))
        assert got == ref.profile([(a, 0)], ws, we, b, max_duration_s), (a, b)
        rows += len(got)
    return rows


def test_profile_equals_reference_on_tiny_feed(tmp_path: Path) -> None:
    tt = build_timetable(load_feed(make_gtfs_dir(tmp_path / "g")), dt.date(2024, 3, 5))
    pairs = [(a, b) for a in range(tt.n_stops) for b in range(tt.n_stops) if a != b]
    assert _compare(tt, pairs, 7 * 3600, 9 * 3600) > 0


@pytest.mark.slow
@pytest.mark.bundle
def test_profile_equals_reference_on_star_2011(bundle_dir: Path) -> None:
    """200 seeded range queries over 07:00-08:00 of the 2011 Tuesday: every Pareto journey equal."""
    tt = build_timetable(load_feed(bundle_dir / "gtfs" / "star-2011-11-14.zip"), dt.date(2011, 11, 15))
    rng = np.random.default_rng(20111115)
    served = np.unique(np.concatenate([tt.dep_stop, tt.arr_stop]))
    pairs = [tuple(int(x) for x in rng.choice(served, 2, replace=False)) for _ in range(200)]
    assert _compare(tt, pairs, 7 * 3600, 8 * 3600) > 1000
