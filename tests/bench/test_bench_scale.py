"""bench/bench_scale.py run as processes (tests never import bench): its grid generator and
measuring functions on tiny sizes in one child process, and one size of the bench's own child on
the bundle (no timing assertion)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: run in a child process with the repository as working directory: each ``check_*`` function runs
#: and the child prints {name: "ok" or the traceback} as JSON
_CHECKS = """
import json, math, sys, traceback
from pathlib import Path
import tempfile

import numpy as np
import pytest
import shapely

from bench import bench_scale as bs
from routing.accessibility.engine import AccessibilityEngine
from routing.network.zones import laea_grid
from routing.planner.planner import Planner
from routing.streets.graph import build_mode_graph, component_stats
from sources.loaders.streets import COLUMNS
from tests.planner_fixtures import DAY, load_tiny_feed

#: around the four stops of the factories' feed (République .. Clemenceau)
TINY_BOX = (-1.70, 48.085, -1.65, 48.125)

def check_grid_has_about_the_size_asked_and_every_column() -> None:
    streets = bs.make_grid_streets(500, bbox=TINY_BOX, seed=3)
    rows, cols = bs.grid_shape(500, TINY_BOX)
    assert len(streets.nodes) == rows * cols and 450 <= rows * cols <= 550
    assert list(streets.edges.columns) == list(COLUMNS["edges"])
    e = streets.edges
    assert set(e["highway"]) >= {"primary", "secondary", "tertiary", "residential", "footway", "cycleway", "trunk"}
    assert 0 < e["oneway"].sum() < 0.1 * len(e)
    # some edges removed from the full grid
    assert len(e) < rows * (cols - 1) + cols * (rows - 1)
    x0, y0, x1, y1 = TINY_BOX
    assert streets.nodes["x"].between(x0, x1).all() and streets.nodes["y"].between(y0, y1).all()
    assert (e["length_m"] > 0).all()
    assert not e.loc[e["highway"] == "footway", ["bike", "car"]].to_numpy().any()
    assert not e.loc[e["highway"] == "trunk", "walk"].any()
    # the same seed gives the same network
    again = bs.make_grid_streets(500, bbox=TINY_BOX, seed=3)
    assert np.array_equal(again.nodes["x"].to_numpy(), streets.nodes["x"].to_numpy())


def check_grid_is_strongly_connected_per_mode(mode: str) -> None:
    streets = bs.make_grid_streets(500, bbox=TINY_BOX, seed=5)
    g = build_mode_graph(streets, mode)
    stats = component_stats(g)
    assert stats["islands"] == 0 and stats["largest_share"] == 1.0 and stats["nodes"] == len(streets.nodes)


def check_loglog_exponent() -> None:
    sizes = [1e4, 4e4, 1.6e5]
    assert bs.loglog_exponent(sizes, [3 * s**1.5 for s in sizes]) == pytest.approx(1.5)
    assert bs.loglog_exponent(sizes, [2.0, 2.0, 2.0]) == pytest.approx(0.0, abs=1e-12)
    assert math.isnan(bs.loglog_exponent(sizes, [1.0, math.nan, 0.0]))


def check_bench_functions_on_a_tiny_network() -> None:
    tmp_path = Path(tempfile.mkdtemp())
    streets = bs.make_grid_streets(500, bbox=TINY_BOX, seed=1)
    inputs = {"feed": load_tiny_feed(tmp_path), "day": DAY}
    net, secs = bs.build_scale_network(streets, inputs)
    assert secs > 0 and len(net.streets.nodes) == len(streets.nodes)
    assert net.summary()["approximate_edges"] == 0
    assert all(c["after"]["largest_share"] == 1.0 for c in net.components.values())
    pairs = bs.random_pairs(net, 12, np.random.default_rng(4), jitter_m=200)
    assert len(pairs) == 12 and all(p[2].date() == DAY for p in pairs)
    planner = Planner(net)
    street = bs.time_plans(planner, pairs, ("walk", "bike", "car"), warmup=1)
    assert len(street["seconds"]) == 12 and (street["seconds"] > 0).all()
    # every pair lies within a few km: walk, bike and car all answer
    assert street["answered"] == {"walk": 12, "bike": 12, "car": 12}
    transit = bs.time_plans(planner, pairs, ("transit",), warmup=1)
    assert set(transit["answered"]) == {"transit"} and 0 <= transit["answered"]["transit"] <= 12
    grid = laea_grid(shapely.box(-1.685, 48.095, -1.665, 48.112))
    iso = bs.time_isochrones(AccessibilityEngine(net), grid, [(-1.678, 48.097), (-1.668, 48.110)])
    assert len(iso["seconds"]) == 2 and (iso["seconds"] > 0).all()
    # 60 min covers this 2 km box from anywhere in it
    assert iso["cells"] == [len(grid), len(grid)]

CALLS = {"grid_size": (check_grid_has_about_the_size_asked_and_every_column,),
         **{f"connected_{m}": (check_grid_is_strongly_connected_per_mode, m) for m in ("walk", "bike", "car")},
         "loglog": (check_loglog_exponent,), "functions": (check_bench_functions_on_a_tiny_network,)}
out = {}
for name, (fn, *args) in CALLS.items():
    try:
        fn(*args)
        out[name] = "ok"
    except Exception:
        out[name] = traceback.format_exc()
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def checks() -> dict[str, str]:
    proc = subprocess.run([sys.executable, "-c", _CHECKS], capture_output=True, text=True, cwd=ROOT,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_grid_has_about_the_size_asked_and_every_column(checks: dict[str, str]) -> None:
    assert checks["grid_size"] == "ok", checks["grid_size"]


@pytest.mark.parametrize("mode", ["walk", "bike", "car"])
def test_grid_is_strongly_connected_per_mode(checks: dict[str, str], mode: str) -> None:
    assert checks[f"connected_{mode}"] == "ok", checks[f"connected_{mode}"]


def test_loglog_exponent(checks: dict[str, str]) -> None:
    assert checks["loglog"] == "ok", checks["loglog"]


def test_bench_functions_on_a_tiny_network(checks: dict[str, str]) -> None:
    assert checks["functions"] == "ok", checks["functions"]


@pytest.mark.slow
@pytest.mark.bundle
def test_child_on_the_bundle_prints_its_figures(bundle_dir: Path, rennes_cache: Path) -> None:
    """One size through the bench's own process (real GTFS and points), tiny and few queries."""
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_scale.py"), "--child", "600", "--pairs", "4",
                           "--isochrones", "1", "--bundle", str(bundle_dir), "--cache", str(rennes_cache)],
                          capture_output=True, text=True, timeout=600, check=True)
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert 500 <= out["nodes"] <= 700 and out["stops"] > 1000 and out["connections"] > 10_000
    assert out["peak_mb"] >= out["rss_before_build_mb"] > 0 and out["build_s"] > 0
    for key in ("transit_p50_ms", "transit_p95_ms", "street_p50_ms", "street_p95_ms", "iso_first_ms", "iso_p50_ms"):
        assert math.isfinite(out[key]) and out[key] > 0, key
    assert out["street_answered"]["car"] == 4
    assert out["grid_cells"] > 1000 and 0 < out["iso_cells_60min"] <= out["grid_cells"]
