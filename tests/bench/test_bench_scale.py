"""The scale bench's generator and measuring functions on tiny sizes (no timing assertion)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely

from routing.accessibility.engine import AccessibilityEngine
from routing.accessibility.zones import laea_grid
from routing.planner.planner import Planner
from routing.streets.graph import build_mode_graph, component_stats, multi_source, one_to_one
from sources.loaders.streets import COLUMNS

from .planner_fixtures import DAY, load_tiny_feed

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import bench_scale as bs  # noqa: E402

#: around the four stops of the factories' feed (République .. Clemenceau)
TINY_BOX = (-1.70, 48.085, -1.65, 48.125)


def test_grid_has_about_the_size_asked_and_every_column() -> None:
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


@pytest.mark.parametrize("mode", ["walk", "bike", "car"])
def test_grid_is_strongly_connected_per_mode(mode: str) -> None:
    streets = bs.make_grid_streets(500, bbox=TINY_BOX, seed=5)
    g = build_mode_graph(streets, mode)
    stats = component_stats(g)
    assert stats["islands"] == 0 and stats["largest_share"] == 1.0 and stats["nodes"] == len(streets.nodes)


@pytest.mark.parametrize("alt", [False, True])
@pytest.mark.parametrize("mode", ["walk", "bike", "car"])
def test_astar_one_to_one_equals_dijkstra_on_the_grid(mode: str, alt: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """A* (straight-line bound, and with landmarks) finds Dijkstra's cost on a tiny grid."""
    from routing.streets import graph as st

    monkeypatch.setattr(st, "ALT_MIN_NODES", 0 if alt else 10**9)
    streets = bs.make_grid_streets(500, bbox=TINY_BOX, seed=9)
    g = build_mode_graph(streets, mode)
    if alt:
        lm_from, lm_to = st.landmarks(g, "cost")
        assert lm_from.shape[0] == g.n_nodes and 4 <= lm_from.shape[1] <= st.ALT_LANDMARKS
        assert np.isfinite(lm_to).all()
    rng = np.random.default_rng(2)
    for a, b in rng.integers(0, g.n_nodes, (30, 2)):
        path = one_to_one(g, int(a), int(b))
        tree = multi_source(g, [int(a)])
        assert path.found
        assert path.cost == pytest.approx(tree.cost[b], rel=1e-12)
        assert path.travel_time_s == pytest.approx(float(g.travel_time_s[path.arcs].sum()), rel=1e-9)
        assert path.nodes[0] == a and path.nodes[-1] == b


def test_loglog_exponent() -> None:
    sizes = [1e4, 4e4, 1.6e5]
    assert bs.loglog_exponent(sizes, [3 * s**1.5 for s in sizes]) == pytest.approx(1.5)
    assert bs.loglog_exponent(sizes, [2.0, 2.0, 2.0]) == pytest.approx(0.0, abs=1e-12)
    assert math.isnan(bs.loglog_exponent(sizes, [1.0, math.nan, 0.0]))


def test_bench_functions_on_a_tiny_network(tmp_path: Path) -> None:
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


@pytest.mark.slow
@pytest.mark.bundle
def test_child_on_the_bundle_prints_its_figures(bundle_dir: Path, tmp_path: Path) -> None:
    """One size through the bench's own process (real GTFS and points), tiny and few queries."""
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_scale.py"), "--child", "600", "--pairs", "4",
                           "--isochrones", "1", "--bundle", str(bundle_dir), "--cache", str(tmp_path)],
                          capture_output=True, text=True, timeout=600, check=True)
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert 500 <= out["nodes"] <= 700 and out["stops"] > 1000 and out["connections"] > 10_000
    assert out["peak_mb"] >= out["rss_before_build_mb"] > 0 and out["build_s"] > 0
    for key in ("transit_p50_ms", "transit_p95_ms", "street_p50_ms", "street_p95_ms", "iso_first_ms", "iso_p50_ms"):
        assert math.isfinite(out[key]) and out[key] > 0, key
    assert out["street_answered"]["car"] == 4
    assert out["grid_cells"] > 1000 and 0 < out["iso_cells_60min"] <= out["grid_cells"]


def test_path_coords_follow_the_arcs_both_ways() -> None:
    """The vectorised path geometry equals the arc-by-arc walk (curved edges, both directions)."""
    from routing.streets.graph import path_coords
    from sources.loaders.streets import StreetNetwork

    streets = bs.make_grid_streets(300, bbox=TINY_BOX, seed=4)
    n = streets.nodes
    e = streets.edges.copy()
    ux, uy = n.loc[e["u"], "x"].to_numpy(), n.loc[e["u"], "y"].to_numpy()
    vx, vy = n.loc[e["v"], "x"].to_numpy(), n.loc[e["v"], "y"].to_numpy()
    mid = np.column_stack([(ux + vx) / 2 + 1e-4, (uy + vy) / 2 - 1e-4])
    e["geometry"] = shapely.to_wkb(shapely.linestrings(np.stack([np.column_stack([ux, uy]), mid,
                                                                 np.column_stack([vx, vy])], axis=1)))
    curved = StreetNetwork(nodes=n, edges=e, source=dict(streets.source))
    g = build_mode_graph(curved, "walk")
    rng = np.random.default_rng(8)
    reversed_seen = 0
    for a, b in rng.integers(0, g.n_nodes, (20, 2)):
        path = one_to_one(g, int(a), int(b))
        parts = []
        for i, (geom, rev) in enumerate(zip(shapely.from_wkb(g.geometry_wkb[g.edge_row[path.arcs]]),
                                            g.edge_reversed[path.arcs], strict=True)):
            xy = shapely.get_coordinates(geom)[::-1] if rev else shapely.get_coordinates(geom)
            parts.append(xy if i == 0 else xy[1:])
        want = np.concatenate(parts) if parts else np.array([[g.lon[a], g.lat[a]]])
        got = path_coords(g, path)
        assert np.array_equal(got, want)
        if len(path.arcs):
            assert len(got) == 2 * len(path.arcs) + 1
            assert np.allclose(got[0], (g.lon[a], g.lat[a])) and np.allclose(got[-1], (g.lon[b], g.lat[b]))
        reversed_seen += int(g.edge_reversed[path.arcs].sum())
    assert reversed_seen > 0
