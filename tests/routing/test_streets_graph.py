"""Street layers per mode and the numba Dijkstra, checked against networkx."""

from __future__ import annotations

import math
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely

from routing.linking import LINK
from routing.streets.graph import (
    ModeGraph,
    StreetParams,
    build_mode_graph,
    edges_along_lines,
    many_to_many,
    multi_source,
    nearest_nodes,
    one_to_all,
    one_to_one,
    path_coords,
)
from sources.loaders.streets import StreetNetwork, _typed_edges, haversine_m, load_osm
from tests.planner_fixtures import random_grid_streets
from tests.sources.test_loaders_streets import grid_xy, write_nine_node_osm


def make_network(nodes: dict[int, tuple[float, float]], edges: list[dict]) -> StreetNetwork:
    """A network from plain dicts (straight segments between nodes)."""
    node_frame = pd.DataFrame.from_dict(nodes, orient="index", columns=["x", "y"])
    node_frame.index = node_frame.index.astype("int64")
    node_frame.index.name = "node_id"
    rows = []
    for e in edges:
        (x0, y0), (x1, y1) = nodes[e["u"]], nodes[e["v"]]
        row = {"highway": "residential", "name": "", "oneway": False, "oneway_bike": False,
               "maxspeed_kmh": np.nan, "cycleway": False, "walk": True, "bike": True, "car": True,
               "traffic_speed_kmh": np.nan, "traffic_status": "", "segment_id": ""}
        row.update(e)
        row.setdefault("length_m", float(haversine_m(x0, y0, x1, y1)))
        row["geometry"] = shapely.to_wkb(shapely.LineString([(x0, y0), (x1, y1)]))
        rows.append(row)
    return StreetNetwork(nodes=node_frame, edges=_typed_edges(pd.DataFrame(rows)))


@pytest.fixture(scope="module")
def nine(tmp_path_factory: pytest.TempPathFactory) -> StreetNetwork:
    import warnings

    path = write_nine_node_osm(tmp_path_factory.mktemp("osm") / "nine.osm")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return load_osm(path).data


def reference_graph(network: StreetNetwork, mode: str, params: StreetParams) -> nx.DiGraph:
    """Independent construction from osmnx-style MultiDiGraph export: min travel time per pair."""
    multi = network.to_networkx()
    speed = {"walk": params.walk_speed_kmh}
    graph = nx.DiGraph()
    graph.add_nodes_from(multi.nodes)
    for u, v, data in multi.edges(data=True):
        if not data[mode]:
            continue
        if mode == "walk":
            kmh = speed["walk"]
        else:
            raise NotImplementedError
        t = data["length_m"] / (kmh / 3.6)
        for a, b in ((u, v), (v, u)):  # walking ignores oneway
            if not graph.has_edge(a, b) or graph[a][b]["weight"] > t:
                graph.add_edge(a, b, weight=t)
    return graph


def test_walk_on_nine_nodes_matches_networkx(nine: StreetNetwork) -> None:
    params = StreetParams()
    walk = build_mode_graph(nine, "walk", params=params)
    ref = reference_graph(nine, "walk", params)
    ids = walk.node_ids
    for s in range(walk.n_nodes):
        expected = nx.single_source_dijkstra_path_length(ref, int(ids[s]), weight="weight")
        tree = one_to_all(walk, s)
        for t in range(walk.n_nodes):
            want = expected.get(int(ids[t]), math.inf)
            assert tree.cost[t] == pytest.approx(want, abs=1e-9)
            path = one_to_one(walk, s, t)
            assert path.cost == pytest.approx(want, abs=1e-9)
            if path.found:
                assert nx.path_weight(ref, [int(i) for i in ids[path.nodes]], "weight") == \
                    pytest.approx(want, abs=1e-9)
    # 1 -> 9: 3 edges of ~111 m via the footway or the cycleway: 333.6 m at 4.8 km/h
    one, nine_ = walk.node_position([1, 9])
    path = one_to_one(walk, one, nine_)
    assert path.length_m == pytest.approx(
        sum(haversine_m(*grid_xy(a), *grid_xy(b)) for a, b in ((1, 4), (4, 7), (7, 8), (8, 9))),
        rel=0.01)
    assert path.travel_time_s == pytest.approx(path.length_m / (4.8 / 3.6))


def test_car_respects_oneway(nine: StreetNetwork) -> None:
    car = build_mode_graph(nine, "car")
    p = dict(zip([1, 2, 4, 5], car.node_position([1, 2, 4, 5]), strict=True))
    assert one_to_one(car, p[4], p[5]).found  # 4 -> 5 one-way allowed
    back = one_to_one(car, p[5], p[4])
    assert back.nodes.tolist() == [p[5], p[2], p[1], p[4]]  # around the block, not 5 -> 4
    # 5 -> 2 only (oneway=-1): from 2, cars go round by 1 and 4
    assert one_to_one(car, p[2], p[5]).nodes.tolist() == [p[2], p[1], p[4], p[5]]
    walk = build_mode_graph(nine, "walk")
    assert one_to_one(walk, p[2], p[5]).nodes.tolist() == [p[2], p[5]]
    # maxspeed 50 (x 0.9) on Boulevard B, 30 mph on Rue D
    arc = np.flatnonzero((car.tails == p[4]) & (car.indices == p[5]))[0]
    assert car.travel_time_s[arc] == pytest.approx(car.length_m[arc] / (50 * 0.9 / 3.6))
    assert car.cost[arc] == car.travel_time_s[arc]


def test_bike_prefers_cycleway_when_not_much_longer() -> None:
    # A -> B straight on a primary road (1.0 km) or a cycleway detour via C (about 1.12 km)
    nodes = {1: (-1.680, 48.110), 2: (-1.6666, 48.110), 3: (-1.6733, 48.1122)}
    net = make_network(nodes, [
        {"u": 1, "v": 2, "highway": "primary"},
        {"u": 1, "v": 3, "highway": "cycleway", "car": False, "cycleway": True},
        {"u": 3, "v": 2, "highway": "cycleway", "car": False, "cycleway": True},
    ])
    bike = build_mode_graph(net, "bike")
    a, b = bike.node_position([1, 2])
    path = one_to_one(bike, a, b)
    assert bike.node_ids[path.nodes].tolist() == [1, 3, 2]
    direct = float(net.edges.loc[0, "length_m"])
    assert path.length_m > direct  # longer, yet preferred
    assert path.travel_time_s == pytest.approx(path.length_m / (15 / 3.6))  # true time kept
    assert path.cost < path.travel_time_s
    # by true travel time the road wins
    assert bike.node_ids[one_to_one(bike, a, b, weight="travel_time_s").nodes].tolist() == [1, 2]
    # a much longer cycleway is not taken
    far = make_network({**nodes, 3: (-1.6733, 48.125)}, [
        {"u": 1, "v": 2, "highway": "primary"},
        {"u": 1, "v": 3, "highway": "cycleway", "car": False, "cycleway": True},
        {"u": 3, "v": 2, "highway": "cycleway", "car": False, "cycleway": True},
    ])
    fb = build_mode_graph(far, "bike")
    assert fb.node_ids[one_to_one(fb, *fb.node_position([1, 2])).nodes].tolist() == [1, 2]
    car = build_mode_graph(net, "car")
    assert car.node_ids[one_to_one(car, *car.node_position([1, 2])).nodes].tolist() == [1, 2]


def test_bike_oneway_except_contraflow_and_preferred_lines() -> None:
    nodes = {1: (-1.680, 48.110), 2: (-1.675, 48.110), 3: (-1.670, 48.110)}
    net = make_network(nodes, [
        {"u": 1, "v": 2, "oneway": True, "oneway_bike": True},
        {"u": 2, "v": 3, "oneway": True, "oneway_bike": False, "cycleway": True},
    ])
    bike = build_mode_graph(net, "bike")
    p1, p2, p3 = bike.node_position([1, 2, 3])
    assert not one_to_one(bike, p2, p1).found
    assert one_to_one(bike, p3, p2).found
    car = build_mode_graph(net, "car")
    assert not one_to_one(car, p3, p2).found
    rev = edges_along_lines(net, [shapely.LineString([nodes[1], nodes[2]])], buffer_m=10)
    assert rev.tolist() == [True, False]
    plain = build_mode_graph(net, "bike")
    pref = build_mode_graph(net, "bike", preferred=rev)
    arc = np.flatnonzero((pref.tails == p1) & (pref.indices == p2))[0]
    assert pref.cost[arc] == pytest.approx(plain.cost[arc] * 0.7)
    assert pref.travel_time_s[arc] == plain.travel_time_s[arc]


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_random_graphs_equal_networkx(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 120))
    nodes = {i: (-1.7 + rng.random() * 0.05, 48.1 + rng.random() * 0.03) for i in range(n)}
    m = n * 3
    u = rng.integers(0, n, m)
    v = rng.integers(0, n, m)
    edges = [{"u": int(a), "v": int(b), "length_m": float(rng.uniform(1, 500)),
              "oneway": bool(rng.random() < 0.4), "maxspeed_kmh": float(rng.choice([30, 50, 70]))}
             for a, b in zip(u, v, strict=True)]  # parallel edges and self-loops included
    net = make_network(nodes, edges)
    car = build_mode_graph(net, "car")
    ref = car.to_networkx("travel_time_s")
    # the reference is built from the edge list independently too
    indep = nx.DiGraph()
    indep.add_nodes_from(range(n))
    for e in edges:
        t = e["length_m"] / (e["maxspeed_kmh"] * 0.9 / 3.6)
        for a, b in [(e["u"], e["v"])] + ([] if e["oneway"] else [(e["v"], e["u"])]):
            if a != b and (not indep.has_edge(a, b) or indep[a][b]["weight"] > t):
                indep.add_edge(a, b, weight=t)
    pos = car.node_position(list(range(n)))
    sources = rng.choice(n, 5, replace=False)
    matrix = many_to_many(car, pos[sources], weight="travel_time_s")
    for row, s in enumerate(sources):
        want = nx.single_source_dijkstra_path_length(indep, int(s), weight="weight")
        want_ref = nx.single_source_dijkstra_path_length(ref, int(pos[s]), weight="weight")
        tree = one_to_all(car, int(pos[s]), weight="travel_time_s")
        for t in range(n):
            expected = want.get(t, math.inf)
            assert want_ref.get(int(pos[t]), math.inf) == pytest.approx(expected, abs=1e-6)
            assert tree.cost[pos[t]] == pytest.approx(expected, abs=1e-6)
            assert matrix[row, pos[t]] == pytest.approx(expected, abs=1e-6)
        targets = rng.choice(n, 5)
        for t in targets:
            path = one_to_one(car, int(pos[s]), int(pos[t]), weight="travel_time_s")
            assert path.cost == pytest.approx(want.get(int(t), math.inf), abs=1e-6)
            if path.found and len(path.arcs):
                assert path.travel_time_s == pytest.approx(car.travel_time_s[path.arcs].sum())
                assert path.length_m == pytest.approx(car.length_m[path.arcs].sum())
                assert (car.tails[path.arcs[1:]] == car.indices[path.arcs[:-1]]).all()


def test_cutoff_and_multi_source() -> None:
    nodes = {i: (-1.68 + 0.001 * i, 48.11) for i in range(6)}
    net = make_network(nodes, [{"u": i, "v": i + 1, "length_m": 100.0} for i in range(5)])
    walk = build_mode_graph(net, "walk", params=StreetParams(walk_speed_kmh=3.6))  # 1 m/s
    tree = one_to_all(walk, 0, cutoff=250)
    assert tree.cost.tolist()[:3] == [0, 100, 200] and np.isinf(tree.cost[3:]).all()
    multi = multi_source(walk, [0, 5], [50.0, 0.0])
    assert multi.cost.tolist() == [50, 150, 250, 200, 100, 0]
    assert multi.root.tolist() == [0, 0, 0, 1, 1, 1]
    path = multi.path_to(2)
    assert path.nodes.tolist() == [0, 1, 2] and path.root == 0 and path.length_m == 200
    assert path.travel_time_s == 250  # the initial cost counts as time already spent
    xy = path_coords(walk, multi.path_to(3))
    assert [tuple(p) for p in xy] == [nodes[5], nodes[4], nodes[3]]  # arcs against the drawing


def test_path_geometry_follows_edges(nine: StreetNetwork) -> None:
    walk = build_mode_graph(nine, "walk")
    s, t = walk.node_position([2, 9])
    path = one_to_one(walk, s, t)
    xy = path_coords(walk, path)
    assert tuple(xy[0]) == pytest.approx(grid_xy(2)) and tuple(xy[-1]) == pytest.approx(grid_xy(9))
    # the simplified footway 3-9 passes through node 6's position
    seg = haversine_m(xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1]).sum()
    assert seg == pytest.approx(path.length_m, rel=1e-9)
    assert len(path_coords(walk, one_to_one(walk, s, s))) < 2  # no line from a node to itself


def test_nearest_nodes_and_fallback(nine: StreetNetwork) -> None:
    walk, car = build_mode_graph(nine, "walk"), build_mode_graph(nine, "car")
    lon, lat = grid_xy(9)
    snap = nearest_nodes(walk, [lon + 0.0001, -1.0], [lat, 47.0], max_distance_m=LINK.snap_m)
    assert snap.node_id[0] == 9 and snap.snapped.tolist() == [True, False]
    assert snap.distance_m[0] == pytest.approx(haversine_m(lon + 0.0001, lat, lon, lat))
    assert snap.distance_m[1] > 100_000
    # car may not use node 9 (cycleway/footway only): snaps elsewhere
    assert nearest_nodes(car, lon, lat, max_distance_m=LINK.snap_m).node_id[0] != 9
    from routing.linking import direct_s  # the straight line x detour of every off-layer walk

    assert direct_s(1000.0, "walk") == pytest.approx(1000 * 1.3 / (4.8 / 3.6))
    assert direct_s(np.array([0.0, 100.0]), "walk").shape == (2,)


def test_mode_graph_shapes(nine: StreetNetwork) -> None:
    for mode in ("walk", "bike", "car"):
        graph = build_mode_graph(nine, mode)
        assert isinstance(graph, ModeGraph) and graph.mode == mode
        assert graph.indptr[-1] == graph.n_arcs == len(graph.weights)
        assert (np.diff(graph.indptr) >= 0).all()
        assert (graph.tails == np.repeat(np.arange(graph.n_nodes), np.diff(graph.indptr))).all()
    with pytest.raises(ValueError, match="mode"):
        build_mode_graph(nine, "plane")
    with pytest.raises(IndexError):
        one_to_one(build_mode_graph(nine, "walk"), 0, 99)


@pytest.mark.slow
@pytest.mark.bundle
def test_bundle_main_roads_car_routing(bundle_dir: Path) -> None:
    from sources.loaders.streets import load_streets

    net = load_streets(bundle_dir / "streets" / "rm-main-roads-traffic-2025-11-04.csv").data
    car = build_mode_graph(net, "car")
    rng = np.random.default_rng(7)
    ref = car.to_networkx("cost")
    for s, t in rng.integers(0, car.n_nodes, (20, 2)):
        want = nx.shortest_path_length(ref, int(s), int(t), weight="weight") \
            if nx.has_path(ref, int(s), int(t)) else math.inf
        assert one_to_one(car, int(s), int(t)).cost == pytest.approx(want, abs=1e-6)


def test_car_uses_known_traffic_speed_else_limit_else_default() -> None:
    nodes = {1: (-1.680, 48.110), 2: (-1.675, 48.110), 3: (-1.670, 48.110), 4: (-1.665, 48.110)}
    net = make_network(nodes, [
        {"u": 1, "v": 2, "length_m": 1000.0, "maxspeed_kmh": 70.0, "traffic_speed_kmh": 20.0,
         "traffic_status": "congested", "oneway": True},
        {"u": 2, "v": 3, "length_m": 1000.0, "maxspeed_kmh": 50.0, "traffic_speed_kmh": 50.0,
         "traffic_status": "unknown", "oneway": True},
        {"u": 3, "v": 4, "length_m": 1000.0, "highway": "residential", "oneway": True},
    ])
    car = build_mode_graph(net, "car")
    assert car.travel_time_s.tolist() == pytest.approx([180.0, 1000 / (45 / 3.6), 120.0])
    no_traffic = build_mode_graph(net, "car", params=StreetParams(use_traffic=False))
    assert no_traffic.travel_time_s[0] == pytest.approx(1000 / (63 / 3.6))


@pytest.mark.parametrize("alt", [False, True])
@pytest.mark.parametrize("mode", ["walk", "bike", "car"])
def test_astar_one_to_one_equals_dijkstra_on_the_grid(mode: str, alt: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """A* (straight-line bound, and with landmarks) finds Dijkstra's cost on a 500-node grid."""
    from routing.streets import graph as st

    monkeypatch.setattr(st, "ALT_MIN_NODES", 0 if alt else 10**9)
    streets = random_grid_streets(20, 25, seed=9)
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


def test_path_coords_follow_the_arcs_both_ways() -> None:
    """The vectorised path geometry equals the arc-by-arc walk (curved edges, both directions)."""
    from routing.streets.graph import path_coords
    from sources.loaders.streets import StreetNetwork

    streets = random_grid_streets(15, 20, seed=4)
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
