"""One linking layer: the planner and the accessibility engine give the same travel time on the bundle."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from routing.accessibility import engine as acc
from routing.constants import UNREACHABLE_I32
from routing.planner.planner import Planner

pytestmark = [pytest.mark.slow, pytest.mark.bundle]

PAIRS = 300
CUTOFF_S = 4 * 3600


def _pairs(bundle_dir: Path, cache: Path, n: int, seed: int = 5) -> tuple[np.ndarray, np.ndarray]:
    import shapely

    from sources.datasets import load

    iris = load("iris", bundle=bundle_dir, cache=cache).data
    rng = np.random.default_rng(seed)
    geoms = list(iris.geometry)
    out = []
    for _ in range(2 * n):
        poly = geoms[int(rng.integers(len(geoms)))]
        x0, y0, x1, y1 = poly.bounds
        while True:
            x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
            if shapely.contains_xy(poly, x, y):
                out.append((x, y))
                break
    pts = np.array(out)
    return pts[:n], pts[n:]


def test_planner_equals_accessibility_engine(rennes_network, bundle_dir: Path, rennes_cache: Path) -> None:
    network = rennes_network
    planner = Planner(network)
    engine = acc.AccessibilityEngine(network)
    origins, dests = _pairs(bundle_dir, rennes_cache, PAIRS)
    t0 = dt.datetime.combine(network.day, dt.time(8, 0))
    compared = {"walk": 0, "bike": 0, "car": 0, "transit": 0}
    for o, d in zip(origins, dests, strict=True):
        # both walk to the stops within 15 min, or within 30 where none lies within 15
        res = planner.plan(tuple(o), tuple(d), t0, modes=("walk", "bike", "car", "transit"))
        best = {it.label: (it.arrival - t0).total_seconds() for it in res.itineraries}
        target = acc.Points.single(*d, name="d")
        for mode in ("walk", "bike", "car"):
            eng = int(acc.travel_time_surface(engine, tuple(o), target, mode=mode, departure="08:00",
                                              cutoff_s=CUTOFF_S)[0])
            if mode in best:
                assert abs(best[mode] - eng) <= 1, (mode, tuple(o), tuple(d), best[mode], eng)
                compared[mode] += 1
            else:  # the planner refuses beyond its caps or beyond reach; the engine agrees
                why = res.reasons[mode].key
                assert why in ("plan.too_long", "plan.outside_data"), why
                if why == "plan.outside_data":
                    assert eng == UNREACHABLE_I32
        eng = int(acc.travel_time_surface(engine, tuple(o), target, mode="transit", departure="08:00",
                                          cutoff_s=CUTOFF_S)[0])
        # the engine's transit time includes walking the whole way (its minimum with the walk)
        options = [best[m] for m in ("transit",) if m in best]
        walk = acc.travel_time_surface(engine, tuple(o), target, mode="walk", departure="08:00", cutoff_s=CUTOFF_S)[0]
        options.append(float(walk) if walk != UNREACHABLE_I32 else np.inf)
        if np.isfinite(min(options)) and min(options) <= CUTOFF_S:
            assert abs(min(options) - eng) <= 2, (tuple(o), tuple(d), options, eng)
            compared["transit"] += "transit" in best
    assert compared["car"] > 0.85 * PAIRS and compared["transit"] > 0.5 * PAIRS, compared
