"""Street layers per mode (walk, bike, car) compiled to CSR arrays, and fast shortest paths.

A :class:`ModeGraph` is built from a :class:`sources.loaders.streets.StreetNetwork`
(already loaded: this module reads no file). Its arcs are directed; each points back to
the network edge it came from (``edge_row``, ``edge_reversed``) so that a path can be
turned into a geometry.

* walk: every segment open to pedestrians, both directions, 4.8 km/h;
* bike: about 15 km/h, ``oneway_bike`` respected; the *cost* that Dijkstra minimises is the
  travel time times a factor (< 1 on cycleways and preferred lines such as the REV, > 1 on
  main roads without a cycle facility); the true ``travel_time_s`` is kept beside it;
* car: traffic speed where the layer carries one (status known), else the speed limit,
  else a default by highway class; ``oneway`` respected.

Queries run on the arrays with a numba Dijkstra (:mod:`routing.streets.dijkstra`):
:func:`one_to_one` (A* with a straight-line bound, plus landmarks on large layers: the same
cost as Dijkstra), :func:`one_to_all`, :func:`multi_source`; :func:`many_to_many` uses
``scipy.sparse.csgraph`` for batches. :func:`nearest_nodes` snaps points to the layer;
trip ends, stops and cells meet the layers through :mod:`routing.linking` (main component,
off-network connectors, straight lines x the detour factor).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from routing.constants import BIKE_KMH, CAR_OFFNETWORK_KMH, STREET_MODES, WALK_KMH
from routing.derived import derived, derived_property
from routing.streets.dijkstra import astar_path, dijkstra_csr, trace_arcs
from sources.geo import haversine_m, metric_crs, project_xy
from sources.loaders.streets import StreetNetwork

MODES = STREET_MODES
WEIGHTS = ("cost", "travel_time_s", "length_m")

#: default car speeds by highway class when no limit is known, km/h (urban Rennes)
DEFAULT_CAR_SPEED_KMH: dict[str, float] = {
    "motorway": 110.0, "motorway_link": 70.0, "trunk": 90.0, "trunk_link": 50.0,
    "primary": 50.0, "primary_link": 40.0, "secondary": 50.0, "secondary_link": 40.0,
    "tertiary": 50.0, "tertiary_link": 40.0, "unclassified": 40.0, "residential": 30.0,
    "living_street": 20.0, "service": 20.0, "road": 30.0, "track": 15.0, "busway": 30.0,
    "bus_road": 50.0,  # approximated from the bus lines (routing.network.assemble.approximate_roads)
}
_BUSY_ROADS = {"primary", "primary_link", "secondary", "secondary_link", "trunk", "trunk_link",
               "motorway", "motorway_link"}


@dataclass(frozen=True)
class StreetParams:
    """Speeds and preferences of the street modes."""

    walk_speed_kmh: float = WALK_KMH
    bike_speed_kmh: float = BIKE_KMH
    #: cost factor on cycleways and streets with a cycle facility
    bike_cycleway_factor: float = 0.8
    #: cost factor on preferred lines (e.g. the Réseau Express Vélo)
    bike_preferred_factor: float = 0.7
    #: cost factor on main roads without a cycle facility
    bike_busy_road_factor: float = 1.4
    car_speed_kmh: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_CAR_SPEED_KMH))
    car_default_speed_kmh: float = CAR_OFFNETWORK_KMH
    #: multiplies speed limits (nobody drives at the limit all the way)
    car_limit_factor: float = 0.9
    use_traffic: bool = True


class Snap(NamedTuple):
    """Points snapped to a mode graph."""

    node: np.ndarray  # int64 node positions (0..n-1) in the graph
    node_id: np.ndarray  # int64 node ids of the network
    distance_m: np.ndarray  # float64 straight distance point -> node
    snapped: np.ndarray  # bool: distance_m <= max_distance_m (routing.linking.LINK.snap_m by default)


@dataclass
class ModeGraph:
    """One mode's street layer as CSR arrays (arcs sorted by tail node)."""

    mode: str
    indptr: np.ndarray  # int64 (n + 1)
    indices: np.ndarray  # int64 (m) head node of each arc
    tails: np.ndarray  # int64 (m) tail node of each arc
    cost: np.ndarray  # float64 (m) what Dijkstra minimises (seconds, weighted)
    travel_time_s: np.ndarray  # float64 (m)
    length_m: np.ndarray  # float64 (m)
    edge_row: np.ndarray  # int64 (m) row of the network edge
    edge_reversed: np.ndarray  # bool (m) arc runs against the edge geometry
    node_ids: np.ndarray  # int64 (n)
    lon: np.ndarray  # float64 (n)
    lat: np.ndarray  # float64 (n)
    x: np.ndarray  # float64 (n) metric coordinates in ``crs``
    y: np.ndarray
    crs: str
    geometry_wkb: np.ndarray  # object (rows of the network edges)
    params: StreetParams = field(default_factory=StreetParams)
    #: the street names of the layer, each once ("" first: a way without a name), and per arc the
    #: position of its street's name there (int32): what itinerary steps say ("rue de Paris")
    street_names: np.ndarray | None = None
    arc_name: np.ndarray | None = None
    #: indexes, trees and work arrays built from the arrays (:mod:`routing.derived`)
    _derived: dict[Hashable, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.street_names is None or self.arc_name is None or len(self.arc_name) != len(self.indices):
            self.street_names = np.array([""], dtype=object)
            self.arc_name = np.zeros(len(self.indices), dtype=np.int32)

    @property
    def n_nodes(self) -> int:
        return int(self.indptr.shape[0] - 1)

    def arc_street_names(self, arcs: np.ndarray) -> np.ndarray:
        """The street name of each arc of ``arcs`` ("" where the way has none)."""
        return self.street_names[self.arc_name[np.asarray(arcs, dtype=np.int64)]]

    @property
    def n_arcs(self) -> int:
        return int(self.indices.shape[0])

    @property
    def weights(self) -> np.ndarray:
        """Travel time per arc, seconds (alias of ``travel_time_s``)."""
        return self.travel_time_s

    @derived_property
    def active(self) -> np.ndarray:
        """Nodes with at least one arc of this mode (the ones points snap to)."""
        active = np.zeros(self.n_nodes, dtype=bool)
        active[self.indices] = True
        active[self.tails] = True
        return active

    @derived_property
    def _by_node_id(self) -> tuple[np.ndarray, np.ndarray]:
        """Node ids sorted, and the position of each."""
        order = np.argsort(self.node_ids, kind="stable")
        return self.node_ids[order], order

    def node_position(self, node_ids: Iterable[int] | int) -> np.ndarray:
        """Positions (0..n-1) of network node ids (-1 when unknown)."""
        sorted_ids, order = self._by_node_id
        ids = np.atleast_1d(np.asarray(node_ids, dtype="int64"))
        at = np.clip(np.searchsorted(sorted_ids, ids), 0, len(sorted_ids) - 1)
        found = sorted_ids[at] == ids if len(sorted_ids) else np.zeros(len(ids), bool)
        return np.where(found, order[at] if len(sorted_ids) else -1, -1).astype("int64")

    def arrays(self, weight: str = "cost") -> np.ndarray:
        if weight not in WEIGHTS:
            raise ValueError(f"weight must be one of {WEIGHTS}, got {weight!r}")
        return getattr(self, weight)

    def reversed(self) -> ModeGraph:
        """The same layer with every arc reversed (all-to-one searches on directed layers); cached."""
        return self._reversed

    @derived_property
    def _reversed(self) -> ModeGraph:
        order = np.argsort(self.indices, kind="stable")
        tails = self.indices[order]
        indptr = np.zeros(self.n_nodes + 1, dtype="int64")
        np.cumsum(np.bincount(tails, minlength=self.n_nodes), out=indptr[1:])
        return ModeGraph(
            mode=self.mode, indptr=indptr, indices=self.tails[order], tails=tails,
            cost=self.cost[order], travel_time_s=self.travel_time_s[order],
            length_m=self.length_m[order], edge_row=self.edge_row[order],
            edge_reversed=~self.edge_reversed[order], node_ids=self.node_ids, lon=self.lon,
            lat=self.lat, x=self.x, y=self.y, crs=self.crs, geometry_wkb=self.geometry_wkb,
            params=self.params, street_names=self.street_names, arc_name=self.arc_name[order])

    def to_networkx(self, weight: str = "cost") -> Any:
        """A ``networkx.DiGraph`` of positions with the smallest ``weight`` among parallel arcs."""
        import networkx as nx

        graph = nx.DiGraph()
        graph.add_nodes_from(range(self.n_nodes))
        w = self.arrays(weight)
        order = np.argsort(-w, kind="stable")  # largest first, so the smallest wins
        graph.add_weighted_edges_from(
            zip(self.tails[order].tolist(), self.indices[order].tolist(), w[order].tolist(), strict=True))
        return graph


def _car_speed_kmh(edges: Any, params: StreetParams) -> np.ndarray:
    limit = edges["maxspeed_kmh"].to_numpy("float64") * params.car_limit_factor
    default = edges["highway"].map(lambda h: params.car_speed_kmh.get(h, params.car_default_speed_kmh))
    speed = np.where(np.isfinite(limit) & (limit > 0), limit, default.to_numpy("float64"))
    if params.use_traffic:
        traffic = edges["traffic_speed_kmh"].to_numpy("float64")
        status = edges["traffic_status"].astype(str).str.lower().to_numpy()
        known = np.isfinite(traffic) & (traffic > 0) & (status != "") & (status != "unknown")
        speed = np.where(known, traffic, speed)
    return np.maximum(speed, 1.0)


def build_mode_graph(network: StreetNetwork, mode: str, *, params: StreetParams | None = None,
                     preferred: np.ndarray | None = None) -> ModeGraph:
    """Compile one mode's street layer from a network.

    Parameters
    ----------
    network
        A loaded :class:`StreetNetwork`.
    mode
        ``"walk"``, ``"bike"`` or ``"car"``.
    params
        Speeds and factors (:class:`StreetParams`).
    preferred
        Optional boolean mask over ``network.edges`` of preferred bike segments (e.g. from
        :func:`edges_along_lines` with the REV lines); ignored for walk and car.

    Returns
    -------
    ModeGraph
        All network nodes (positions follow ``network.nodes`` order); arcs of this mode only.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    params = params or StreetParams()
    edges = network.edges
    nodes = network.nodes
    n = len(nodes)
    node_ids = nodes.index.to_numpy("int64")
    order = np.argsort(node_ids, kind="stable")
    sorted_ids = node_ids[order]

    def position(ids: np.ndarray) -> np.ndarray:
        at = np.searchsorted(sorted_ids, ids)
        return order[np.clip(at, 0, max(n - 1, 0))]

    u = position(edges["u"].to_numpy("int64")) if len(edges) else np.empty(0, "int64")
    v = position(edges["v"].to_numpy("int64")) if len(edges) else np.empty(0, "int64")
    allowed = edges[mode].to_numpy(bool)
    length = edges["length_m"].to_numpy("float64")
    if mode == "walk":
        speed = np.full(len(edges), params.walk_speed_kmh)
        two_way = np.ones(len(edges), dtype=bool)
        factor = np.ones(len(edges))
    elif mode == "bike":
        speed = np.full(len(edges), params.bike_speed_kmh)
        two_way = ~edges["oneway_bike"].to_numpy(bool)
        facility = edges["cycleway"].to_numpy(bool)
        busy = edges["highway"].isin(_BUSY_ROADS).to_numpy() & ~facility
        factor = np.ones(len(edges))
        factor[busy] = params.bike_busy_road_factor
        factor[facility] = params.bike_cycleway_factor
        if preferred is not None:
            pref = np.asarray(preferred, dtype=bool)
            if pref.shape != (len(edges),):
                raise ValueError("preferred must be a boolean mask over network.edges")
            factor[pref] = np.minimum(factor[pref], params.bike_preferred_factor)
    else:
        speed = _car_speed_kmh(edges, params)
        two_way = ~edges["oneway"].to_numpy(bool)
        factor = np.ones(len(edges))
    time_s = length / (speed / 3.6)
    rows = np.flatnonzero(allowed)
    back = rows[two_way[rows]]
    tails = np.concatenate([u[rows], v[back]]).astype("int64")
    heads = np.concatenate([v[rows], u[back]]).astype("int64")
    edge_row = np.concatenate([rows, back]).astype("int64")
    reversed_ = np.concatenate([np.zeros(len(rows), bool), np.ones(len(back), bool)])
    sort = np.argsort(tails, kind="stable")
    tails, heads, edge_row, reversed_ = tails[sort], heads[sort], edge_row[sort], reversed_[sort]
    indptr = np.zeros(n + 1, dtype="int64")
    np.cumsum(np.bincount(tails, minlength=n), out=indptr[1:])
    lon = nodes["x"].to_numpy("float64")
    lat = nodes["y"].to_numpy("float64")
    crs = network.source.get("crs_metric") or metric_crs(lon, lat)
    x, y = project_xy(lon, lat, crs)
    street_names, edge_name = _name_table(edges)
    return ModeGraph(
        mode=mode, indptr=indptr, indices=heads, tails=tails,
        cost=np.ascontiguousarray(time_s[edge_row] * factor[edge_row]),
        travel_time_s=np.ascontiguousarray(time_s[edge_row]),
        length_m=np.ascontiguousarray(length[edge_row]),
        edge_row=edge_row, edge_reversed=reversed_, node_ids=node_ids, lon=lon, lat=lat,
        x=x, y=y, crs=crs, geometry_wkb=edges["geometry"].to_numpy(), params=params,
        street_names=street_names, arc_name=edge_name[edge_row])


def _name_table(edges: Any) -> tuple[np.ndarray, np.ndarray]:
    """The edges' street names each once ("" first) and each edge's position among them (int32)."""
    if "name" not in edges or not len(edges):
        return np.array([""], dtype=object), np.zeros(len(edges), dtype=np.int32)
    names = edges["name"].fillna("").astype(str).str.strip().to_numpy(dtype=object)
    uniques, codes = np.unique(np.concatenate([[""], names]), return_inverse=True)
    # np.unique sorts: "" is first whenever present, and it is (prepended above)
    return uniques.astype(object), codes[1:].astype(np.int32)


def edges_along_lines(network: StreetNetwork, lines: Iterable[Any], *, buffer_m: float = 15.0,
                      min_share: float = 0.6) -> np.ndarray:
    """Mask of network edges lying along ``lines`` (shapely lines in WGS84, e.g. REV lines).

    An edge matches when at least ``min_share`` of its length lies within ``buffer_m`` of a line.
    """
    import shapely
    from shapely.ops import transform

    edges = network.edges
    mask = np.zeros(len(edges), dtype=bool)
    lines = [g for g in lines if g is not None and not shapely.is_empty(g)]
    if not lines or not len(edges):
        return mask
    lon = network.nodes["x"].to_numpy("float64")
    lat = network.nodes["y"].to_numpy("float64")
    crs = network.source.get("crs_metric") or metric_crs(lon, lat)
    from pyproj import Transformer

    transformer = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    zone = shapely.union_all([transform(transformer.transform, g).buffer(buffer_m) for g in lines])
    geoms = np.array([transform(transformer.transform, g) for g in network.geometries()], dtype=object)
    candidates = shapely.intersects(geoms, zone)
    if candidates.any():
        inside = shapely.length(shapely.intersection(geoms[candidates], zone))
        total = np.maximum(shapely.length(geoms[candidates]), 1e-9)
        mask[np.flatnonzero(candidates)] = inside / total >= min_share
    return mask


# -- queries -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ShortestPathTree:
    """Result of a one-to-all or multi-source search (arrays over node positions)."""

    graph: ModeGraph = field(repr=False)
    cost: np.ndarray  # float64, inf when not reached
    travel_time_s: np.ndarray
    length_m: np.ndarray
    pred: np.ndarray  # int64 CSR arc used to reach each node (-1)
    root: np.ndarray  # int64 index of the source reaching each node (-1)

    def reached(self) -> np.ndarray:
        """Positions of the reached nodes."""
        return np.flatnonzero(np.isfinite(self.cost))

    def path_to(self, target: int) -> StreetPath:
        """The path from the tree's root to ``target`` (a node position)."""
        target = int(target)
        if not math.isfinite(self.cost[target]):
            return StreetPath.none()
        arcs = trace_arcs(self.pred, self.graph.tails, target)
        nodes = np.concatenate([self.graph.tails[arcs[:1]], self.graph.indices[arcs]]) \
            if len(arcs) else np.array([target], dtype="int64")
        return StreetPath(found=True, cost=float(self.cost[target]),
                          travel_time_s=float(self.travel_time_s[target]),
                          length_m=float(self.length_m[target]), nodes=nodes, arcs=arcs,
                          root=int(self.root[target]))


@dataclass(frozen=True)
class StreetPath:
    """One path: node positions, CSR arcs, its cost, true time and length."""

    found: bool
    cost: float
    travel_time_s: float
    length_m: float
    nodes: np.ndarray
    arcs: np.ndarray
    root: int = -1

    @classmethod
    def none(cls) -> StreetPath:
        empty = np.empty(0, dtype="int64")
        return cls(False, math.inf, math.inf, math.inf, empty, empty)


def _run(graph: ModeGraph, sources: np.ndarray, initial: np.ndarray, target: int, cutoff: float,
         weight: str) -> tuple[np.ndarray, ...]:
    w = graph.arrays(weight)
    return dijkstra_csr(graph.indptr, graph.indices, w, graph.travel_time_s, graph.length_m,
                        sources, initial, target, float(cutoff))


def _check_nodes(graph: ModeGraph, nodes: np.ndarray) -> np.ndarray:
    nodes = np.atleast_1d(np.asarray(nodes, dtype="int64"))
    if len(nodes) and (nodes.min() < 0 or nodes.max() >= graph.n_nodes):
        raise IndexError(f"node positions must lie in 0..{graph.n_nodes - 1}")
    return nodes


def astar_rate(graph: ModeGraph, weight: str = "cost") -> float:
    """The largest factor r such that r x (straight distance between an arc's ends, in the plane of
    ``graph.crs``) never exceeds the arc's ``weight``: r x distance to the target is then a
    consistent A* bound (cached per graph and weight; slightly shrunk against rounding)."""
    return derived(graph, _astar_rate, weight)


def _astar_rate(graph: ModeGraph, weight: str) -> float:
    w = graph.arrays(weight)
    d = np.hypot(graph.x[graph.tails] - graph.x[graph.indices], graph.y[graph.tails] - graph.y[graph.indices])
    pos = d > 0
    rate = float(np.min(w[pos] / d[pos])) if pos.any() else 0.0
    return max(rate, 0.0) * (1.0 - 1e-9) if math.isfinite(rate) else 0.0


def _astar_workspace(graph: ModeGraph) -> dict[str, Any]:
    """Work arrays of :func:`routing.streets.dijkstra.astar_path`, one set per graph and thread
    (allocated once, never cleared: generation stamps tell what is current; a thread's set goes
    with the thread)."""
    per_thread = derived(graph, _thread_local)
    ws = getattr(per_thread, "astar", None)
    if ws is None:
        n = graph.n_nodes
        ws = per_thread.astar = {
            "gen": 0, "seen": np.zeros(n, "int64"), "closed": np.zeros(n, "int64"),
            "dist": np.empty(n), "tim": np.empty(n), "lng": np.empty(n), "pred": np.empty(n, "int64"),
            "keys": np.empty(graph.n_arcs + 2), "vals": np.empty(graph.n_arcs + 2, "int64")}
    ws["gen"] += 1
    return ws


def _thread_local(graph: ModeGraph) -> threading.local:
    return threading.local()


#: landmarks of the A* bound (ALT) per layer; below this many nodes the straight line alone serves
ALT_LANDMARKS = 8
ALT_MIN_NODES = 20_000


def landmarks(graph: ModeGraph, weight: str = "cost", *, k: int = ALT_LANDMARKS) -> tuple[np.ndarray, np.ndarray]:
    """Costs from and to ``k`` landmarks, arrays (n, k) (inf where not connected), for the A*
    bound of :func:`one_to_one` (ALT: A*, landmarks, triangle inequality). The landmarks are the
    main component's nodes farthest from its centre in ``k`` directions. Computed once per graph
    and weight (2k one-to-all searches; walk is symmetric: k) and cached on the graph.
    """
    return derived(graph, _landmarks, weight, k)


def _landmarks(graph: ModeGraph, weight: str, k: int) -> tuple[np.ndarray, np.ndarray]:
    cand = np.flatnonzero(main_component(graph))
    if not len(cand) or k <= 0:
        empty = np.zeros((graph.n_nodes, 0))
        return empty, empty
    cx, cy = graph.x[cand].mean(), graph.y[cand].mean()
    angles = 2 * np.pi * np.arange(k) / k
    reach = np.outer(graph.x[cand] - cx, np.cos(angles)) + np.outer(graph.y[cand] - cy, np.sin(angles))
    picks = np.unique(cand[np.argmax(reach, axis=0)])
    w = graph.arrays(weight)
    back = graph if graph.mode == "walk" else graph.reversed()
    wb = back.arrays(weight)
    zero = np.zeros(1)
    lm_from = np.empty((graph.n_nodes, len(picks)))
    lm_to = np.empty((graph.n_nodes, len(picks)))
    for i, node in enumerate(picks):
        src = np.array([node], dtype="int64")
        lm_from[:, i] = dijkstra_csr(graph.indptr, graph.indices, w, graph.travel_time_s, graph.length_m,
                                     src, zero, -1, math.inf)[0]
        lm_to[:, i] = lm_from[:, i] if back is graph else dijkstra_csr(
            back.indptr, back.indices, wb, back.travel_time_s, back.length_m, src, zero, -1, math.inf)[0]
    return lm_from, lm_to


def one_to_one(graph: ModeGraph, source: int, target: int, *, weight: str = "cost") -> StreetPath:
    """Shortest path between two node positions: A* with the straight-line bound of
    :func:`astar_rate` and, on layers of :data:`ALT_MIN_NODES` nodes or more, the landmark bound
    of :func:`landmarks` (the cost of Dijkstra; far fewer nodes settled on large layers, and
    only what is settled is touched).

    Returns a :class:`StreetPath` (``found`` false, costs inf, when no path exists).
    """
    src = int(_check_nodes(graph, source)[0])
    tgt = int(_check_nodes(graph, target)[0])
    if graph.n_nodes >= ALT_MIN_NODES:
        lm_from, lm_to = landmarks(graph, weight, k=ALT_LANDMARKS)
    else:
        lm_from = lm_to = np.zeros((graph.n_nodes, 0))
    t_from, t_to = lm_from[tgt], lm_to[tgt]
    # margins against rounding; NaN terms (target not connected to a landmark) are skipped
    t_from = np.where(np.isfinite(t_from), t_from - 1e-9 * np.abs(t_from) - 1e-9, np.nan)
    t_to = np.where(np.isfinite(t_to), t_to + 1e-9 * np.abs(t_to) + 1e-9, np.nan)
    ws = _astar_workspace(graph)
    cost, time_s, length, arcs = astar_path(
        graph.indptr, graph.indices, graph.tails, graph.arrays(weight), graph.travel_time_s, graph.length_m,
        graph.x, graph.y, astar_rate(graph, weight), lm_from, lm_to, t_from, t_to, src, tgt, ws["gen"],
        ws["seen"], ws["closed"], ws["dist"], ws["tim"], ws["lng"], ws["pred"], ws["keys"], ws["vals"])
    if not math.isfinite(cost):
        return StreetPath.none()
    nodes = (np.concatenate([graph.tails[arcs[:1]], graph.indices[arcs]]) if len(arcs)
             else np.array([tgt], dtype="int64"))
    return StreetPath(found=True, cost=float(cost), travel_time_s=float(time_s), length_m=float(length),
                      nodes=nodes, arcs=arcs, root=0)


def one_to_all(graph: ModeGraph, source: int, *, cutoff: float = math.inf,
               weight: str = "cost") -> ShortestPathTree:
    """Costs from one node position to every node, up to ``cutoff`` (same unit as ``weight``)."""
    return multi_source(graph, [source], None, cutoff=cutoff, weight=weight)


def multi_source(graph: ModeGraph, sources: Sequence[int] | np.ndarray,
                 initial_costs: Sequence[float] | np.ndarray | None = None, *,
                 cutoff: float = math.inf, weight: str = "cost") -> ShortestPathTree:
    """Dijkstra from several node positions, each starting with its own cost.

    ``initial_costs`` (default zeros) are in the unit of ``weight`` (seconds for ``cost`` and
    ``travel_time_s``); the tree's ``travel_time_s`` starts from them too. ``root`` tells which
    source reached each node.
    """
    src = _check_nodes(graph, sources)
    init = (np.zeros(len(src)) if initial_costs is None
            else np.asarray(initial_costs, dtype="float64").reshape(-1))
    if init.shape != src.shape:
        raise ValueError("sources and initial_costs differ in length")
    cost, time_s, length, pred, root = _run(graph, src, init, -1, cutoff, weight)
    return ShortestPathTree(graph, cost, time_s, length, pred, root)


def many_to_many(graph: ModeGraph, sources: Sequence[int] | np.ndarray,
                 targets: Sequence[int] | np.ndarray | None = None, *,
                 cutoff: float = math.inf, weight: str = "cost") -> np.ndarray:
    """Cost matrix (len(sources), len(targets)) through ``scipy.sparse.csgraph.dijkstra``.

    Parallel arcs keep their smallest weight; unreachable pairs are inf. ``targets`` None
    means every node.
    """
    from scipy.sparse.csgraph import dijkstra

    src = _check_nodes(graph, sources)
    dist = dijkstra(derived(graph, _sparse_matrix, weight), directed=True, indices=src,
                    limit=cutoff if math.isfinite(cutoff) else np.inf)
    dist = np.atleast_2d(dist)
    if targets is not None:
        dist = dist[:, _check_nodes(graph, targets)]
    return dist


def _sparse_matrix(graph: ModeGraph, weight: str) -> Any:
    """The layer as a scipy CSR matrix of ``weight`` (parallel arcs: the smallest)."""
    from scipy.sparse import csr_matrix

    w = graph.arrays(weight)
    order = np.lexsort((w, graph.indices, graph.tails))
    t, h, ww = graph.tails[order], graph.indices[order], w[order]
    first = np.ones(len(t), dtype=bool)
    first[1:] = (t[1:] != t[:-1]) | (h[1:] != h[:-1])
    return csr_matrix((np.maximum(ww[first], 1e-12), (t[first], h[first])), shape=(graph.n_nodes, graph.n_nodes))


# -- geometry ------------------------------------------------------------------------------------

def path_coords(graph: ModeGraph, path: StreetPath) -> np.ndarray:
    """(k, 2) lon/lat coordinates along a path (empty when not found)."""
    import shapely

    if not path.found:
        return np.empty((0, 2))
    if not len(path.arcs):
        node = int(path.nodes[0])
        return np.array([[graph.lon[node], graph.lat[node]]])
    rows = graph.edge_row[path.arcs]
    geoms = shapely.from_wkb(graph.geometry_wkb[rows])
    # all the arcs' coordinates at once; each arc's run reversed where the arc runs against its
    # edge, and the first point of every arc after the first dropped (it ends the previous one)
    xy, part = shapely.get_coordinates(geoms, return_index=True)
    counts = np.bincount(part, minlength=len(geoms))
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    local = np.arange(len(xy)) - start[part]
    rev = graph.edge_reversed[path.arcs][part]
    xy = xy[np.where(rev, start[part] + counts[part] - 1 - local, np.arange(len(xy)))]
    return xy[(local > 0) | (part == 0)]


# -- components ------------------------------------------------------------------------------------

def main_component(graph: ModeGraph) -> np.ndarray:
    """Boolean mask of the nodes of the largest strongly connected component (cached on the graph)."""
    return derived(graph, _main_component)


def _main_component(graph: ModeGraph) -> np.ndarray:
    return component_stats(graph)["mask"]


def component_stats(graph: Any) -> dict[str, Any]:
    """Strongly connected components of a mode graph, among the nodes that carry an arc.

    Returns nodes, arcs, islands (components other than the largest), the largest's share of
    the nodes and its mask.
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    active = graph.active
    n_active = int(active.sum())
    if graph.n_arcs == 0 or n_active == 0:
        return {"nodes": n_active, "arcs": graph.n_arcs, "islands": 0, "largest_share": 0.0,
                "mask": np.zeros(graph.n_nodes, bool)}
    adj = csr_matrix((np.ones(graph.n_arcs, dtype=np.int8), (graph.tails, graph.indices)),
                     shape=(graph.n_nodes, graph.n_nodes))
    _, label = connected_components(adj, directed=True, connection="strong")
    sizes = np.bincount(label[active])
    big = int(np.argmax(sizes))
    return {"nodes": n_active, "arcs": graph.n_arcs, "islands": int((sizes > 0).sum()) - 1,
            "largest_share": float(sizes[big] / n_active), "mask": (label == big) & active}


# -- snapping ------------------------------------------------------------------------------------

def nearest_nodes(graph: ModeGraph, lon: float | Sequence[float] | np.ndarray,
                  lat: float | Sequence[float] | np.ndarray, *,
                  max_distance_m: float) -> Snap:
    """Snap points to the nearest node used by this mode (cKDTree in the graph's metric CRS).

    ``snapped`` is false where the distance exceeds ``max_distance_m``; :mod:`routing.linking`
    decides what happens there.
    A graph without any arc returns node -1 and infinite distances.
    """
    lon = np.atleast_1d(np.asarray(lon, dtype="float64"))
    lat = np.atleast_1d(np.asarray(lat, dtype="float64"))
    limit = float(max_distance_m)
    tree, candidates = node_tree(graph)
    if tree is None:
        minus = np.full(len(lon), -1, dtype="int64")
        return Snap(minus, minus.copy(), np.full(len(lon), np.inf), np.zeros(len(lon), bool))
    x, y = project_xy(lon, lat, graph.crs)
    distance, at = tree.query(np.column_stack([x, y]))
    node = candidates[at].astype("int64")
    # metric CRS distances are exact enough locally; report great-circle metres
    distance_m = haversine_m(lon, lat, graph.lon[node], graph.lat[node])
    return Snap(node, graph.node_ids[node], distance_m, distance_m <= limit)


def node_tree(graph: ModeGraph, *, main_only: bool = False) -> tuple[Any, np.ndarray]:
    """A ``cKDTree`` (in the graph's metric CRS) of the nodes points snap to: the :attr:`ModeGraph.active`
    ones, or with ``main_only`` those of the :func:`main_component`; and their positions. The tree
    is None when there is no such node. Built once per graph."""
    return derived(graph, _node_tree, main_only)


def _node_tree(graph: ModeGraph, main_only: bool) -> tuple[Any, np.ndarray]:
    from scipy.spatial import cKDTree

    nodes = np.flatnonzero(main_component(graph) if main_only else graph.active)
    tree = cKDTree(np.column_stack([graph.x[nodes], graph.y[nodes]])) if len(nodes) else None
    return tree, nodes
