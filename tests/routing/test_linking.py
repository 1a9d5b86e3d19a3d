"""The linking rules (routing.linking) on tiny graphs, and their use by the network build."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import shapely

from routing import linking
from routing.linking import LINK
from routing.network.assemble import approximate_roads, merge_street_networks
from routing.streets.graph import build_mode_graph, component_stats, main_component
from sources.loaders.streets import StreetNetwork, access_flags, haversine_m
from tests.planner_fixtures import ISOLATED, grid_edges, make_streets, node_xy


def _net(nodes: dict[int, tuple[float, float]], edges: list[dict], path: str = "t") -> StreetNetwork:
    frame = pd.DataFrame({"x": [p[0] for p in nodes.values()], "y": [p[1] for p in nodes.values()]},
                         index=pd.Index(np.array(list(nodes), dtype="int64"), name="node_id"))
    e = pd.DataFrame(edges)
    e["length_m"] = [float(haversine_m(*nodes[int(u)], *nodes[int(v)])) for u, v in zip(e["u"], e["v"], strict=True)]
    e["geometry"] = [shapely.to_wkb(shapely.LineString([nodes[int(u)], nodes[int(v)]]))
                     for u, v in zip(e["u"], e["v"], strict=True)]
    for col, default in (("highway", "residential"), ("name", ""), ("oneway", False), ("oneway_bike", False),
                         ("walk", True), ("bike", True), ("car", True)):
        if col not in e:
            e[col] = default
    return StreetNetwork.from_frames({"nodes": frame.reset_index(), "edges": e}, path=path, format="test")


def test_an_island_is_never_where_a_point_links() -> None:
    g = build_mode_graph(make_streets(), "walk")
    stats = component_stats(g)
    assert stats["islands"] == 1 and stats["largest_share"] == pytest.approx(16 / 18)
    # a point on the isolated street links to the main component, approximately (about 600 m)
    lon, lat = ISOLATED[90]
    ln = linking.link(g, lon, lat)
    assert ln.linked[0] and main_component(g)[ln.node[0]]
    assert int(g.node_ids[ln.node[0]]) not in ISOLATED
    assert ln.approximate[0]
    d = float(ln.distance_m[0])
    assert ln.seconds[0] == pytest.approx(d * LINK.detour_factor / (LINK.walk_kmh / 3.6))


def test_connector_rules_on_and_off_the_layer() -> None:
    # within 300 m: straight at the mode's speed; beyond: x detour; beyond 3 km: no link
    assert linking.connector_s(100.0, "walk") == pytest.approx(100 / (4.8 / 3.6))
    assert linking.connector_s(1000.0, "bike") == pytest.approx(1300 / (15 / 3.6))
    assert linking.connector_s(2000.0, "car") == pytest.approx(2600 / (30 / 3.6))
    assert math.isinf(linking.connector_s(3001.0, "walk"))


def test_an_end_two_km_from_any_road_and_one_beyond_reach() -> None:
    g = build_mode_graph(make_streets(), "car")
    lon0, lat0 = node_xy(3)
    two_km = (lon0 + 2000 / (111_320 * math.cos(math.radians(lat0))), lat0)
    ln = linking.link(g, *two_km)
    assert ln.linked[0] and ln.approximate[0]
    assert ln.distance_m[0] == pytest.approx(2000, rel=0.02)
    five_km = (lon0 + 9000 / (111_320 * math.cos(math.radians(lat0))), lat0)
    far = linking.link(g, *five_km)
    assert not far.linked[0] and math.isinf(far.seconds[0])
    # street_times: the 2 km end still gets a time (connector + street), the 5 km one none
    i, j, t = linking.street_times(g, [lon0, five_km[0]], [lat0, five_km[1]], [two_km[0]], [two_km[1]], 7200)
    assert i.tolist() == [0]
    assert t[0] == math.ceil(ln.seconds[0] - 1e-9)  # the 2 km point links to node 3 itself


def test_two_points_off_the_layer_reach_each_other_directly() -> None:
    g = build_mode_graph(make_streets(), "walk")
    a, b = (-1.6000, 48.1000), (-1.6000, 48.1010)  # ~111 m apart, ~4.5 km from the grid
    i, j, t = linking.street_times(g, [a[0]], [a[1]], [b[0]], [b[1]], 3600)
    d = float(haversine_m(*a, *b))
    assert t.tolist() == [math.ceil(d * LINK.detour_factor / (LINK.walk_kmh / 3.6) - 1e-9)]
    r = linking.street_route(g, a, b)
    assert r.found and r.direct and r.approximate


def test_street_times_agree_with_street_route() -> None:
    g = build_mode_graph(make_streets(), "bike")
    pts = [node_xy(n) for n in (0, 3, 12, 30, 33)] + [(-1.6780, 48.1150)]
    lon, lat = np.array([p[0] for p in pts]), np.array([p[1] for p in pts])
    i, j, t = linking.street_times(g, lon, lat, lon, lat, 7200)
    for a, b, secs in zip(i, j, t, strict=True):
        r = linking.street_route(g, pts[a], pts[b])
        assert r.found and math.ceil(r.seconds - 1e-9) == secs


def test_layers_join_at_nearly_shared_vertices_but_not_across_a_bridge() -> None:
    lon, lat = -1.67, 48.10
    dx = 0.00005  # about 4 m
    named = _net({1: (lon - 0.002, lat), 2: (lon, lat), 3: (lon + 0.002, lat)},
                 [{"u": 1, "v": 2}, {"u": 2, "v": 3}], "named")
    main = _net({1: (lon + dx, lat - 0.002), 2: (lon + dx, lat), 3: (lon + dx, lat + 0.002)},
                [{"u": 1, "v": 2}, {"u": 2, "v": 3}], "main")
    merged = merge_street_networks([named, main])
    g = build_mode_graph(merged, "car")
    assert component_stats(g)["islands"] == 0
    assert len(merged.nodes) == 5  # the crossing vertex is shared
    bridge = _net({1: (lon + dx, lat - 0.002), 2: (lon + dx, lat), 3: (lon + dx, lat + 0.002)},
                  [{"u": 1, "v": 2, "level": 1}, {"u": 2, "v": 3, "level": 1}], "bridge")
    over = merge_street_networks([named, bridge])
    assert len(over.nodes) == 6  # a bridge over the street is not joined to it
    assert component_stats(build_mode_graph(over, "car"))["islands"] == 1


def test_bikes_use_every_road_but_motorways() -> None:
    assert access_flags({"highway": "motorway"}) == (False, False, True)
    assert access_flags({"highway": "trunk"}) == (False, True, True)
    assert access_flags({"highway": "trunk", "bicycle": "no"}) == (False, False, True)
    assert access_flags({"highway": "primary"})[1]


class _Feed:
    """The few tables approximate_roads reads."""

    def __init__(self, stops: dict[str, tuple[float, float]], trips: list[list[str]], route_type: int = 3):
        self.stops = pd.DataFrame({"stop_id": list(stops), "stop_lon": [p[0] for p in stops.values()],
                                   "stop_lat": [p[1] for p in stops.values()]})
        self.routes = pd.DataFrame({"route_id": ["R"], "route_type": [route_type]})
        self.trips = pd.DataFrame({"trip_id": [f"T{k}" for k in range(len(trips))], "route_id": "R"})
        self.stop_times = pd.DataFrame([{"trip_id": f"T{k}", "stop_sequence": n, "stop_id": s}
                                        for k, seq in enumerate(trips) for n, s in enumerate(seq)])


def test_roads_approximated_from_bus_lines_where_the_streets_have_none() -> None:
    streets = make_streets()
    lon0, lat0 = node_xy(3)
    east = (lon0 + 0.03, lat0)  # a village about 2.2 km east of the grid
    feed = _Feed({"D": node_xy(3), "V": east, "A": node_xy(30)}, [["A", "D", "V"]])
    out, n = approximate_roads(feed, streets)
    assert n == 1  # A-D lies along the grid (covered); D-V does not
    added = out.edges[out.edges["approximate"]]
    assert set(added["highway"]) == {"bus_road"}
    seg = added[added["length_m"] > 1000]
    assert len(seg) == 1
    d = float(haversine_m(*node_xy(3), *east))
    assert float(seg["length_m"].iloc[0]) == pytest.approx(d * LINK.detour_factor)
    g = build_mode_graph(out, "car")
    ln = linking.link(g, *east)
    assert ln.distance_m[0] < 1 and component_stats(g)["largest_share"] > 0.85
    # metro lines are not roads: nothing is approximated from them
    _, n_metro = approximate_roads(_Feed({"D": node_xy(3), "V": east}, [["D", "V"]], route_type=1), streets)
    assert n_metro == 0


def test_covered_bus_segments_add_nothing() -> None:
    feed = _Feed({"A": node_xy(30), "D": node_xy(3)}, [["A", "D"]])
    _, n = approximate_roads(feed, make_streets())
    assert n == 0
    assert len(grid_edges()) > 0


def test_nan_or_out_of_range_coordinates_are_no_place(tmp_path) -> None:
    from routing.planner.planner import Planner
    from tests.planner_fixtures import DAY, make_network

    planner = Planner(make_network(tmp_path))
    import datetime as dt

    when = dt.datetime.combine(DAY, dt.time(8))
    for bad in ((float("nan"), 48.1), (-1.67, float("inf")), (200.0, 48.1)):
        res = planner.plan(bad, node_xy(13), when, modes=("walk", "car"))
        assert not res.ok and "not a position on Earth" in res.reason


def test_a_stop_links_to_the_street_data_before_a_road_approximated_from_the_bus_lines() -> None:
    # stop S lies 40 m off grid node 3; its bus line runs to a village 2.2 km east, where the
    # streets have nothing: S becomes a node of the approximated road, joined to node 3 by an
    # approximate connector. S must still link to the street data (node 3), not to that node.
    lon0, lat0 = node_xy(3)
    s = (lon0, lat0 - 40 / 111_320)
    east = (lon0 + 0.03, lat0)
    out, n = approximate_roads(_Feed({"S": s, "V": east}, [["S", "V"]]), make_streets())
    assert n == 1
    for mode in ("walk", "bike", "car"):
        g = build_mode_graph(out, mode)
        assert g.approximate is not None and g.approximate.any()
        ln = linking.link(g, *s)
        assert int(g.node_ids[ln.node[0]]) == 3 and ln.distance_m[0] == pytest.approx(40, abs=1)
        many = linking.link(g, [s[0], east[0]], [s[1], east[1]])
        assert many.node.tolist() == [ln.node[0], linking.link(g, *east).node[0]]
        # the old rule (nearest node whatever it is) takes the bus-line node at the stop itself
        old = linking.link(g, *s, linking.LinkParams(prefer_street_data=False))
        assert old.distance_m[0] < 1 and int(g.node_ids[old.node[0]]) != 3
        # a trip from S along the grid uses no approximated arc, and is not approximate
        r = linking.street_route(g, s, node_xy(30))
        assert r.found and not r.approximate and not g.approximate[r.path.arcs].any()
        # the village, far from any street of the data, still links to its own bus-line node
        far = linking.link(g, *east)
        assert far.distance_m[0] < 1 and g.approximate[np.flatnonzero(g.tails == far.node[0])].all()
