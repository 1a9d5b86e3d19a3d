"""Linking: the one place where a point meets the street network.

Trip ends, stops, bike-share stations, park-and-ride car parks, carpool places, chargers
and grid cells all join a mode's street layer here, with one parameter set
(:class:`LinkParams`), so that the planner, the accessibility engine and the network build
give the same travel time for the same request.

Rules
-----
* A point links to the nearest node of the layer's **main component** (the largest strongly
  connected component of that mode's graph): small islands of the street data never trap a
  trip end.
* The street data comes first: a point within ``snap_m`` of a node of the street data links
  there even when a node of a road only approximated (from the bus lines, whose nodes are the
  stops themselves) lies nearer; otherwise a stop in town would start every trip on a straight
  bus-line connector, and the whole leg would be said approximate.
* Within ``snap_m`` (300 m) of that node the point is *on* the layer: the connector is the
  straight distance at the mode's speed.
* Farther, up to ``max_offnetwork_m`` (3 km), the connector is the straight line x the detour
  factor at the mode's off-network speed (walk 4.8, bike 15, car 30 km/h) and the link is
  **approximate** (said in the itinerary). Beyond 3 km the mode cannot serve the place, and
  the reason says how far the nearest road is.
* Between two points of which one at least is off the layer, the straight line x the detour
  factor (up to 3 km) is also a candidate: two neighbours far from any road still reach each
  other directly.
* Walking to and from transit is capped at ``max_access_s`` everywhere; changing vehicles
  takes at least ``transfer_slack_s`` (60 s).

:func:`street_times` gives the times between many points (numba, one Dijkstra per distinct
source node); :func:`street_route` gives one route with its geometry, and agrees with it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import numba as nb
import numpy as np

from routing.constants import BIKE_KMH, CAR_OFFNETWORK_KMH, DETOUR_FACTOR, WALK_KMH
from routing.streets.dijkstra import dijkstra_settle
from routing.streets.graph import StreetPath, node_tree, one_to_one
from sources.geo import haversine_m, project_xy


@dataclass(frozen=True)
class LinkParams:
    """How points join the street layers (one set for the whole project)."""

    #: within this distance of its layer a point is on it (exact link)
    snap_m: float = 300.0
    #: beyond this distance a mode cannot serve the point (the straight-line connector stops here)
    max_offnetwork_m: float = 3000.0
    #: straight line x this factor approximates the streets off the layer
    detour_factor: float = DETOUR_FACTOR
    #: connector speeds, km/h
    walk_kmh: float = WALK_KMH
    bike_kmh: float = BIKE_KMH
    car_kmh: float = CAR_OFFNETWORK_KMH
    #: cap of the walk to the first stop and from the last stop (planner and accessibility), s
    max_access_s: float = 900.0
    #: where no stop (or bike-share station) lies within max_access_s, the planner tries those
    #: within this walk, and says the walk is long, s
    max_long_access_s: float = 1800.0
    #: parking a car at the destination (planner and accessibility), s
    car_park_s: float = 180.0
    #: minimum time between leaving a vehicle and boarding another (OpenTripPlanner's
    #: transfer slack), s
    transfer_slack_s: int = 60
    #: the largest bike cost factor over time (searches bounded in time by cost stretch by it)
    bike_cost_stretch: float = 1.5
    #: within snap_m of the street data, link there rather than to a nearer approximated road
    prefer_street_data: bool = True

    def speed_ms(self, mode: str) -> float:
        return {"walk": self.walk_kmh, "bike": self.bike_kmh, "car": self.car_kmh}[mode] / 3.6


#: the parameter set used everywhere unless a caller passes another one
LINK = LinkParams()


class Links(NamedTuple):
    """Points linked to one mode's layer."""

    node: np.ndarray  # int64 node position of the main component (-1: beyond max_offnetwork_m)
    distance_m: np.ndarray  # float64 great-circle distance point -> node
    seconds: np.ndarray  # float64 connector time (inf where node is -1)
    approximate: np.ndarray  # bool: farther than snap_m (straight line x detour)

    @property
    def linked(self) -> np.ndarray:
        return self.node >= 0


def layer_params(graph: Any, params: LinkParams = LINK) -> LinkParams:
    """``params`` with the walking speed of ``graph`` when its walk layer has its own (a profile's
    layer, e.g. rolled at a wheelchair's speed): connectors then move at the layer's speed."""
    own = getattr(getattr(graph, "params", None), "walk_speed_kmh", params.walk_kmh)
    if getattr(graph, "mode", None) == "walk" and own != params.walk_kmh:
        return replace(params, walk_kmh=own)
    return params


def connector_s(distance_m: Any, mode: str, params: LinkParams = LINK) -> Any:
    """Connector time between a point and its node: straight at the mode's speed within
    ``snap_m``, straight line x detour beyond, inf beyond ``max_offnetwork_m``."""
    if isinstance(distance_m, float):
        if distance_m > params.max_offnetwork_m or math.isnan(distance_m):
            return math.inf
        return distance_m * (1.0 if distance_m <= params.snap_m else params.detour_factor) / params.speed_ms(mode)
    d = np.asarray(distance_m, dtype="float64")
    factor = np.where(d <= params.snap_m, 1.0, params.detour_factor)
    out = d * factor / params.speed_ms(mode)
    return np.where(d <= params.max_offnetwork_m, out, np.inf)


def direct_s(distance_m: Any, mode: str, params: LinkParams = LINK) -> np.ndarray:
    """Straight line x detour at the mode's speed (inf beyond ``max_offnetwork_m``)."""
    d = np.asarray(distance_m, dtype="float64")
    return np.where(d <= params.max_offnetwork_m, d * params.detour_factor / params.speed_ms(mode), np.inf)


def link(graph: Any, lon: Any, lat: Any, params: LinkParams = LINK, *, xy: Any = None) -> Links:
    """Link points to the main component of ``graph`` (see the module docstring); ``xy`` are
    the points already projected to the graph's CRS, when the caller has them."""
    params = layer_params(graph, params)
    lon = np.atleast_1d(np.asarray(lon, dtype="float64"))
    lat = np.atleast_1d(np.asarray(lat, dtype="float64"))
    n = len(lon)
    tree, cand = node_tree(graph, main_only=True)
    data_tree, data_cand = _street_data_tree(graph, params)
    if n == 1 and tree is not None and math.isfinite(lon[0]) and math.isfinite(lat[0]):
        # one point (a trip end): scalar arithmetic, no array overhead
        x, y = xy if xy is not None else project_xy(lon, lat, graph.crs)
        _, at = tree.query((float(x[0]), float(y[0])))
        node = int(cand[at])
        dist = haversine_m(float(lon[0]), float(lat[0]), float(graph.lon[node]), float(graph.lat[node]))
        if data_tree is not None:
            d2, at2 = data_tree.query((float(x[0]), float(y[0])), distance_upper_bound=params.snap_m * 1.01)
            if math.isfinite(d2):
                node2 = int(data_cand[at2])
                dist2 = haversine_m(float(lon[0]), float(lat[0]), float(graph.lon[node2]), float(graph.lat[node2]))
                if dist2 <= params.snap_m:
                    node, dist = node2, dist2
        secs = connector_s(dist, graph.mode, params)
        ok = math.isfinite(secs)
        return Links(np.array([node if ok else -1], dtype=np.int64), np.array([dist]), np.array([secs]),
                     np.array([dist > params.snap_m]))
    finite = np.isfinite(lon) & np.isfinite(lat)
    if tree is None or n == 0 or not finite.any():
        minus = np.full(n, -1, dtype=np.int64)
        return Links(minus, np.full(n, np.inf), np.full(n, np.inf), np.ones(n, bool))
    if xy is None:
        xy = project_xy(np.where(finite, lon, 0.0), np.where(finite, lat, 0.0), graph.crs)
    pts = np.column_stack([xy[0], xy[1]])
    _, at = tree.query(pts)
    node = cand[at].astype(np.int64)
    dist = haversine_m(lon, lat, graph.lon[node], graph.lat[node])
    if data_tree is not None:
        d2, at2 = data_tree.query(pts, distance_upper_bound=params.snap_m * 1.01)
        near = np.isfinite(d2)
        if near.any():
            node2 = data_cand[at2[near]].astype(np.int64)
            dist2 = haversine_m(lon[near], lat[near], graph.lon[node2], graph.lat[node2])
            take = dist2 <= params.snap_m
            where = np.flatnonzero(near)[take]
            node[where], dist[where] = node2[take], dist2[take]
    dist = np.where(finite, dist, np.inf)
    mode = graph.mode
    secs = connector_s(dist, mode, params)
    ok = np.isfinite(secs)
    return Links(np.where(ok, node, -1), dist, secs, dist > params.snap_m)


def _street_data_tree(graph: Any, params: LinkParams) -> tuple[Any, np.ndarray]:
    """The main component's nodes on the street data (None when the rule is off or every arc is
    street data: the main tree then serves alone)."""
    if not params.prefer_street_data or getattr(graph, "approximate", None) is None:
        return None, np.empty(0, np.int64)
    return node_tree(graph, main_only=True, street_data=True)


def link_every_layer(graphs: dict[str, Any], lon: float, lat: float,
                     params: LinkParams = LINK) -> dict[str, Links]:
    """One point linked to every street layer (mode -> :class:`Links`), as a trip end is; the
    layers sharing a metric CRS project it once."""
    xy: dict[str, Any] = {}
    out: dict[str, Links] = {}
    for mode, g in graphs.items():
        if g.crs not in xy:
            xy[g.crs] = project_xy(np.array([lon]), np.array([lat]), g.crs)
        out[mode] = link(g, lon, lat, params, xy=xy[g.crs])
    return out

def graph_weights(graph: Any, mode: str) -> tuple[np.ndarray, float]:
    """(what the search minimises, its stretch over time): bike follows its preferences."""
    return (graph.cost, LINK.bike_cost_stretch) if mode == "bike" else (graph.travel_time_s, 1.0)


def street_times(graph: Any, a_lon: Any, a_lat: Any, b_lon: Any, b_lat: Any, cutoff_s: float, *,
                 params: LinkParams = LINK, a_links: Links | None = None,
                 b_links: Links | None = None, reverse_graph: Any = None) -> tuple[np.ndarray, ...]:
    """Travel times by the graph's mode from every point a to every point b within ``cutoff_s``.

    Connector + street path (by the mode's cost, its true time reported) + connector, or the
    direct straight line x detour where either end is off the layer; the smaller wins.

    Returns (i, j, seconds): int64, int64, int32 (rounded up), one row per pair, sorted by i then j.
    """
    mode = graph.mode
    params = layer_params(graph, params)
    a_lon, a_lat = np.atleast_1d(np.asarray(a_lon, float)), np.atleast_1d(np.asarray(a_lat, float))
    b_lon, b_lat = np.atleast_1d(np.asarray(b_lon, float)), np.atleast_1d(np.asarray(b_lat, float))
    la = a_links or link(graph, a_lon, a_lat, params)
    lb = b_links or link(graph, b_lon, b_lat, params)
    parts_i, parts_j, parts_t = [], [], []
    ona, onb = la.linked, lb.linked
    if ona.any() and onb.any():
        cost, stretch = graph_weights(graph, mode)
        n_a, n_b = _n_distinct(la, graph), _n_distinct(lb, graph)
        flip = n_b < n_a and (mode == "walk" or reverse_graph is not None)
        if flip:
            g = graph if mode == "walk" else reverse_graph
            rcost = graph_weights(g, mode)[0]
            j, i, t = pairs_kernel(g.indptr, g.indices, rcost, g.travel_time_s, g.length_m,
                                   *_groups(lb, graph, False), *_groups(la, graph, True),
                                   float(cutoff_s), float(stretch))
        else:
            i, j, t = pairs_kernel(graph.indptr, graph.indices, cost, graph.travel_time_s, graph.length_m,
                                   *_groups(la, graph, False), *_groups(lb, graph, True),
                                   float(cutoff_s), float(stretch))
        parts_i.append(i)
        parts_j.append(j)
        parts_t.append(t)
    off_a, off_b = la.approximate, lb.approximate
    if (off_a.any() or off_b.any()) and len(a_lon) and len(b_lon):
        radius = min(params.max_offnetwork_m, cutoff_s * params.speed_ms(mode) / params.detour_factor)
        if len(a_lon) * len(b_lon) <= 4_000_000:
            # few points (a door and the stops): every pair with an end off the layer, directly
            ia, ib = np.flatnonzero(off_a), np.flatnonzero(off_b)
            i = np.concatenate([np.repeat(ia, len(b_lon)), np.tile(np.arange(len(a_lon)), len(ib))])
            j = np.concatenate([np.tile(np.arange(len(b_lon)), len(ia)), np.repeat(ib, len(a_lon))])
            d = haversine_m(a_lon[i], a_lat[i], b_lon[j], b_lat[j])
            near = d <= radius
            i, j, d = i[near], j[near], d[near]
        else:
            from scipy.spatial import cKDTree

            xa, ya = project_xy(a_lon, a_lat, graph.crs)
            xb, yb = project_xy(b_lon, b_lat, graph.crs)
            ta, tb = cKDTree(np.column_stack([xa, ya])), cKDTree(np.column_stack([xb, yb]))
            sdm = ta.sparse_distance_matrix(tb, radius, output_type="ndarray")
            i, j = sdm["i"].astype(np.int64), sdm["j"].astype(np.int64)
            # sparse_distance_matrix leaves out zero distances: add coincident points
            close = ta.query_ball_tree(tb, 1e-6)
            zi = np.repeat(np.arange(len(close)), [len(c) for c in close]).astype(np.int64)
            zj = np.array([k for c in close for k in c], dtype=np.int64)
            i, j = np.concatenate([i, zi]), np.concatenate([j, zj])
            keep = off_a[i] | off_b[j]
            i, j = i[keep], j[keep]
            d = haversine_m(a_lon[i], a_lat[i], b_lon[j], b_lat[j])
        parts_i.append(i)
        parts_j.append(j)
        parts_t.append(direct_s(d, mode, params))
    return finish_pairs(parts_i, parts_j, parts_t, cutoff_s)


class StreetRoute(NamedTuple):
    """One route between two points on a mode's layer (see :func:`street_route`)."""

    found: bool
    seconds: float
    direct: bool  # straight line x detour (no street path)
    approximate: bool  # an end lies off the layer (connector or direct line approximated)
    path: Any  # routing.streets.graph.StreetPath between the two nodes (None when direct)
    a_link: tuple[int, float, float]  # (node, distance_m, seconds)
    b_link: tuple[int, float, float]
    distance_m: float  # straight distance between the points (direct routes) / path + connectors


def street_route(graph: Any, a: tuple[float, float], b: tuple[float, float], *,
                 params: LinkParams = LINK, a_links: Links | None = None,
                 b_links: Links | None = None) -> StreetRoute:
    """The route :func:`street_times` times, with its street path, between two (lon, lat) points."""
    mode = graph.mode
    params = layer_params(graph, params)
    la = a_links or link(graph, a[0], a[1], params)
    lb = b_links or link(graph, b[0], b[1], params)
    na, da, sa = int(la.node[0]), float(la.distance_m[0]), float(la.seconds[0])
    nb_, db, sb = int(lb.node[0]), float(lb.distance_m[0]), float(lb.seconds[0])
    approx = bool(la.approximate[0] or lb.approximate[0])
    best = StreetRoute(False, math.inf, False, approx, None, (na, da, sa), (nb_, db, sb), math.inf)
    if na >= 0 and nb_ >= 0:
        weight = "cost" if mode == "bike" else "travel_time_s"
        path = one_to_one(graph, na, nb_, weight=weight)
        if path.found:
            secs = sa + float(path.travel_time_s) + sb
            best = StreetRoute(True, secs, False, approx, path, (na, da, sa), (nb_, db, sb),
                               float(path.length_m) + da * (1 if da <= params.snap_m else params.detour_factor)
                               + db * (1 if db <= params.snap_m else params.detour_factor))
    if approx:
        d = float(haversine_m(a[0], a[1], b[0], b[1]))
        secs = float(direct_s(d, mode, params))
        if math.isfinite(secs) and (not best.found or math.ceil(secs - 1e-9) < math.ceil(best.seconds - 1e-9)):
            best = StreetRoute(True, secs, True, True, StreetPath.none(), (na, da, sa), (nb_, db, sb),
                               d * params.detour_factor)
    return best


# -- kernels --------------------------------------------------------------------------------------

#: groupings of large, reused Links (the stops of a network), by identity; small ones are not kept
_GROUPS: dict[int, tuple[Links, dict[Any, Any]]] = {}


def _memo(links: Links, key: Any, make: Any) -> Any:
    if len(links.node) < 64:
        return make()
    entry = _GROUPS.get(id(links))
    if entry is None or entry[0] is not links:
        if len(_GROUPS) > 64:
            _GROUPS.clear()
        entry = _GROUPS[id(links)] = (links, {})
    if key not in entry[1]:
        entry[1][key] = make()
    return entry[1][key]


def _n_distinct(links: Links, graph: Any) -> int:
    return _memo(links, ("distinct", graph.n_nodes),
                 lambda: len(np.unique(links.node[links.linked])) if links.linked.any() else 0)


def _groups(links: Links, graph: Any, csr: bool) -> tuple[np.ndarray, ...]:
    return _memo(links, ("groups", csr, graph.n_nodes),
                 lambda: group_by_node(links.node, links.seconds, links.linked,
                                       n_nodes=graph.n_nodes if csr else None))

def group_by_node(node: np.ndarray, secs: np.ndarray, on: np.ndarray,
                  n_nodes: int | None = None) -> tuple[np.ndarray, ...]:
    """Points grouped by node: (unique nodes, ptr, point index, point seconds); with ``n_nodes``,
    a CSR over all nodes (ptr of n_nodes+1, point index, seconds)."""
    idx = np.flatnonzero(on).astype(np.int64)
    order = idx[np.argsort(node[idx], kind="stable")]
    nodes = node[order].astype(np.int64)
    s = secs[order].astype(np.float64)
    if n_nodes is not None:
        ptr = np.zeros(n_nodes + 1, dtype=np.int64)
        np.cumsum(np.bincount(nodes, minlength=n_nodes), out=ptr[1:])
        return ptr, order, s
    uniq, first = np.unique(nodes, return_index=True)
    ptr = np.append(first, len(nodes)).astype(np.int64)
    return uniq.astype(np.int64), ptr, order, s


@nb.njit(cache=True)
def pairs_kernel(indptr, indices, cost, time_s, length_m, src_nodes, src_ptr, src_pts, src_s,
                 dst_ptr, dst_pts, dst_s, cutoff, stretch):
    """One bounded Dijkstra (on ``cost``) per distinct source node; true times to targets."""
    cap = 1024
    oi = np.empty(cap, np.int64)
    oj = np.empty(cap, np.int64)
    ot = np.empty(cap, np.float64)
    n = 0
    min_dst = np.inf
    for k in range(len(dst_s)):
        if dst_s[k] < min_dst:
            min_dst = dst_s[k]
    if min_dst == np.inf:
        return oi[:0], oj[:0], ot[:0]
    # work arrays shared by the searches (generation stamps: nothing is cleared between them)
    n_nodes = len(indptr) - 1
    seen = np.zeros(n_nodes, np.int64)
    closed = np.zeros(n_nodes, np.int64)
    dist = np.empty(n_nodes, np.float64)
    tim = np.empty(n_nodes, np.float64)
    keys = np.empty(len(indices) + 2, np.float64)
    vals = np.empty(len(indices) + 2, np.int64)
    settled = np.empty(n_nodes, np.int64)
    for u in range(len(src_nodes)):
        min_src = np.inf
        for p in range(src_ptr[u], src_ptr[u + 1]):
            if src_s[p] < min_src:
                min_src = src_s[p]
        limit = cutoff - min_src - min_dst
        if limit < 0:
            continue
        count = dijkstra_settle(indptr, indices, cost, time_s, src_nodes[u], limit * stretch, u + 1, seen,
                                closed, dist, tim, keys, vals, settled)
        for k in range(count):
            v = settled[k]
            dv = tim[v]
            if dst_ptr[v] == dst_ptr[v + 1]:
                continue
            for q in range(dst_ptr[v], dst_ptr[v + 1]):
                for p in range(src_ptr[u], src_ptr[u + 1]):
                    t = src_s[p] + dv + dst_s[q]
                    if t <= cutoff:
                        if n == cap:
                            cap *= 2
                            ni = np.empty(cap, np.int64)
                            nj = np.empty(cap, np.int64)
                            nt = np.empty(cap, np.float64)
                            ni[:n] = oi[:n]
                            nj[:n] = oj[:n]
                            nt[:n] = ot[:n]
                            oi, oj, ot = ni, nj, nt
                        oi[n] = src_pts[p]
                        oj[n] = dst_pts[q]
                        ot[n] = t
                        n += 1
    return oi[:n], oj[:n], ot[:n]


def finish_pairs(parts_i: list, parts_j: list, parts_t: list,
                 cutoff_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Concatenate (i, j, seconds) parts: round up, keep within the cutoff, the smallest per pair."""
    if not parts_i:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int32)
    i = np.concatenate(parts_i).astype(np.int64)
    j = np.concatenate(parts_j).astype(np.int64)
    t = np.ceil(np.concatenate(parts_t).astype(np.float64) - 1e-9)
    keep = t <= cutoff_s
    i, j, t = i[keep], j[keep], t[keep]
    order = np.lexsort((t, j, i))
    i, j, t = i[order], j[order], t[order]
    first = np.ones(len(i), bool)
    first[1:] = (i[1:] != i[:-1]) | (j[1:] != j[:-1])
    return i[first], j[first], np.maximum(t[first], 0).astype(np.int32)
