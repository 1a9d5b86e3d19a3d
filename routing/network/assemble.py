"""The multimodal network: street layers, the day's timetable and the points of service.

:func:`build_network` takes loaded frames (no files: see :mod:`routing.network.inputs` for the
catalogue glue) and assembles

* one merged :class:`~sources.loaders.streets.StreetNetwork` (several street layers
  joined where their nodes lie within ``join_tolerance_m``), compiled into a
  :class:`~routing.streets.graph.ModeGraph` per mode (walk, bike, car);
* the timetable of one service day (:class:`~routing.transit.timetable.Timetable`) whose
  walking transfers are computed on the walk graph (up to ``max_transfer_s``;
  straight line x 1.3 where a stop lies off the street layer);
* the points of service snapped to the street layers: transit stops, bike-share
  stations, carpool places, park-and-ride car parks and chargers;
* a place index for search.

:meth:`Network.to_networkx` gives the same network as a NetworkX graph with node keys
namespaced by layer (``walk:12``, ``stop:1234``, ``bikeshare:5501`` ...) and edges
carrying ``mode``, ``length_m`` and ``travel_time_s``, to inspect and export
(GraphML, GeoPackage). Queries never walk that graph: they run on the arrays.

:meth:`Network.save` / :meth:`Network.load` keep everything on disk as parquet and
npz (no pickle), keyed by a digest of the inputs (see :mod:`routing.network.inputs`).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from routing import linking
from routing.constants import STREET_MODES
from routing.places import PlaceIndex, normalise, readable_name
from routing.streets.graph import (
    ModeGraph,
    StreetParams,
    build_mode_graph,
    component_stats,
    edges_along_lines,
)
from routing.transit.timetable import Timetable, build_timetable
from sources.geo import haversine_m, in_bbox
from sources.loaders.streets import StreetNetwork

#: bump when the saved layout or the build logic changes (invalidates disk caches)
NETWORK_VERSION = "5"
#: GTFS route types that run on roads (bus, coach, trolleybus and the extended bus types)
ROAD_ROUTE_TYPES = frozenset({3, 11, *range(200, 210), *range(700, 800), *range(800, 900)})
POINT_KINDS = ("bikeshare", "carpool", "park_ride", "charger")
POINT_COLUMNS = ("point_id", "name", "lon", "lat")
#: charging power assumed where the IRVE file gives none (a common AC charge point)
ASSUMED_CHARGER_KW = 22.0


@dataclass
class Network:
    """Everything the planner and the accessibility engines query."""

    day: dt.date
    streets: StreetNetwork
    graphs: dict[str, ModeGraph]
    timetable: Timetable
    #: per timetable stop: node position in the walk graph, snap distance, snapped flag
    stop_walk_node: np.ndarray
    stop_walk_m: np.ndarray
    #: points of service per kind, each with POINT_COLUMNS + kind columns + node_<mode>, snap_<mode>_m
    points: dict[str, pd.DataFrame] = field(default_factory=dict)
    places: PlaceIndex | None = None
    params: StreetParams = field(default_factory=StreetParams)
    digest: str = ""
    notes: list[str] = field(default_factory=list)
    #: per mode, the street layer's components before and after joining and approximate roads
    components: dict[str, Any] = field(default_factory=dict)

    # -- inspection / export -----------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "street_nodes": len(self.streets.nodes),
            "street_edges": len(self.streets.edges),
            **{f"{m}_arcs": g.n_arcs for m, g in self.graphs.items()},
            "stops": self.timetable.n_stops,
            "trips": self.timetable.n_trips,
            "connections": self.timetable.n_connections,
            "footpaths": self.timetable.n_footpaths,
            "stops_on_streets": int((self.stop_walk_m <= linking.LINK.snap_m).sum()),
            "approximate_edges": int(self.streets.edges["approximate"].sum())
            if "approximate" in self.streets.edges else 0,
            **{k: len(v) for k, v in self.points.items()},
            "places": len(self.places) if self.places is not None else 0,
        }

    def to_networkx(self, *, include_transit: bool = True) -> Any:
        """The network as a ``networkx.MultiDiGraph`` with namespaced node keys.

        Street nodes ``walk:<id>``/``bike:<id>``/``car:<id>`` (x, y), arcs with ``mode``,
        ``length_m``, ``travel_time_s``; stops ``stop:<stop_id>`` linked both ways to the walk
        layer (``mode="link"``), walking transfers (``mode="transfer"``), and one ``mode="transit"``
        edge per consecutive stop pair of each route pattern with its minimum ride time and
        number of trips that day; points of service ``<kind>:<id>`` linked to their layers.
        """
        import networkx as nx

        graph = nx.MultiDiGraph(crs="EPSG:4326", day=self.day.isoformat(), digest=self.digest)
        for mode, g in self.graphs.items():
            active = np.flatnonzero(g.active)
            graph.add_nodes_from((f"{mode}:{g.node_ids[i]}", {"layer": mode, "x": float(g.lon[i]),
                                                               "y": float(g.lat[i])}) for i in active)
            graph.add_edges_from(
                (f"{mode}:{g.node_ids[t]}", f"{mode}:{g.node_ids[h]}",
                 {"mode": mode, "length_m": float(ln), "travel_time_s": float(tt)})
                for t, h, ln, tt in zip(g.tails, g.indices, g.length_m, g.travel_time_s))
        tt = self.timetable
        walk = self.graphs["walk"]
        speed = self.params.walk_speed_kmh / 3.6
        for s in range(tt.n_stops):
            key = f"stop:{tt.stop_ids[s]}"
            graph.add_node(key, layer="stop", name=str(tt.stop_names[s]), x=float(tt.stop_lon[s]),
                           y=float(tt.stop_lat[s]))
            if self.stop_walk_node[s] >= 0:
                node = f"walk:{walk.node_ids[self.stop_walk_node[s]]}"
                attrs = {"mode": "link", "length_m": float(self.stop_walk_m[s]),
                         "travel_time_s": float(self.stop_walk_m[s] / speed)}
                graph.add_edge(key, node, **attrs)
                graph.add_edge(node, key, **attrs)
        for s in range(tt.n_stops):
            lo, hi = tt.fp_offsets[s], tt.fp_offsets[s + 1]
            for to, dur in zip(tt.fp_to[lo:hi], tt.fp_dur_s[lo:hi]):
                graph.add_edge(f"stop:{tt.stop_ids[s]}", f"stop:{tt.stop_ids[to]}", mode="transfer",
                               travel_time_s=float(dur), length_m=float(dur) * speed)
        if include_transit and tt.n_connections:
            conns = pd.DataFrame({"a": tt.dep_stop, "b": tt.arr_stop,
                                  "route": tt.trip_route[tt.trip],
                                  "ride_s": tt.arr_time - tt.dep_time})
            patterns = conns.groupby(["a", "b", "route"], as_index=False).agg(
                ride_s=("ride_s", "min"), trips=("ride_s", "size"))
            for a, b, r, ride, n in patterns.itertuples(index=False):
                graph.add_edge(f"stop:{tt.stop_ids[a]}", f"stop:{tt.stop_ids[b]}", mode="transit",
                               route=str(tt.route_short_names[r]), travel_time_s=float(ride),
                               trips=int(n), length_m=float(haversine_m(tt.stop_lon[a], tt.stop_lat[a],
                                                                       tt.stop_lon[b], tt.stop_lat[b])))
        for kind, frame in self.points.items():
            for row in frame.itertuples(index=False):
                key = f"{kind}:{row.point_id}"
                graph.add_node(key, layer=kind, name=str(row.name), x=float(row.lon), y=float(row.lat))
                for mode, g in self.graphs.items():
                    node = getattr(row, f"node_{mode}", -1)
                    dist = getattr(row, f"snap_{mode}_m", math.inf)
                    if node >= 0 and dist <= linking.LINK.max_offnetwork_m:
                        graph.add_edge(key, f"{mode}:{g.node_ids[node]}", mode="link", length_m=float(dist),
                                       travel_time_s=float(dist / speed))
                        graph.add_edge(f"{mode}:{g.node_ids[node]}", key, mode="link", length_m=float(dist),
                                       travel_time_s=float(dist / speed))
        return graph

    def write_graphml(self, path: str | Path) -> Path:
        """Export :meth:`to_networkx` as GraphML."""
        import networkx as nx

        path = Path(path)
        graph = self.to_networkx()
        nx.write_graphml(graph, path)
        return path

    def write_geopackage(self, path: str | Path) -> Path:
        """Export streets (per mode flags), stops and points of service as GeoPackage layers."""
        import geopandas as gpd

        path = Path(path)
        if path.exists():
            path.unlink()
        self.streets.to_geodataframe().to_file(path, layer="streets", driver="GPKG")
        tt = self.timetable
        stops = gpd.GeoDataFrame({"stop_id": tt.stop_ids.astype(str), "name": tt.stop_names.astype(str),
                                  "snap_m": self.stop_walk_m},
                                 geometry=gpd.points_from_xy(tt.stop_lon, tt.stop_lat), crs="EPSG:4326")
        stops.to_file(path, layer="stops", driver="GPKG")
        for kind, frame in self.points.items():
            if len(frame):
                gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]),
                                 crs="EPSG:4326").to_file(path, layer=kind, driver="GPKG")
        return path

    # -- disk cache ----------------------------------------------------------------------------
    def save(self, directory: str | Path) -> Path:
        """Write the network under ``directory`` (parquet + npz, no pickle), atomically."""
        from sources.tempfiles import atomic_write  # the writer's pid: never removed while it runs

        def write(tmp: Path) -> None:
            for name, frame in self.streets.to_frames().items():
                frame.to_parquet(tmp / f"streets_{name}.parquet")
            self.timetable.save_npz(tmp / "timetable.npz")
            np.savez(tmp / "stops.npz", stop_walk_node=self.stop_walk_node, stop_walk_m=self.stop_walk_m)
            for kind, frame in self.points.items():
                frame.to_parquet(tmp / f"points_{kind}.parquet")
            if self.places is not None:
                self.places.frame.to_parquet(tmp / "places.parquet")
            meta = {"version": NETWORK_VERSION, "day": self.day.isoformat(), "digest": self.digest,
                    "notes": self.notes, "points": list(self.points), "components": self.components}
            (tmp / "meta.json").write_text(json.dumps(meta, indent=2))

        return atomic_write(directory, write, folder=True)

    @classmethod
    def load(cls, directory: str | Path, *, params: StreetParams | None = None) -> Network:
        """Read a network written by :meth:`save` (mode graphs are recompiled: it is fast)."""
        directory = Path(directory)
        meta = json.loads((directory / "meta.json").read_text())
        if meta.get("version") != NETWORK_VERSION:
            raise ValueError(f"network cache {directory} has version {meta.get('version')}")
        frames = {name: pd.read_parquet(directory / f"streets_{name}.parquet")
                  for name in ("nodes", "edges", "source")}
        streets = StreetNetwork.from_frames(frames)
        params = params or StreetParams()
        graphs = _mode_graphs(streets, params)
        stops = np.load(directory / "stops.npz", allow_pickle=False)
        points = {kind: pd.read_parquet(directory / f"points_{kind}.parquet") for kind in meta["points"]}
        places = None
        if (directory / "places.parquet").exists():
            places = PlaceIndex.from_frame(pd.read_parquet(directory / "places.parquet"))
        return cls(day=dt.date.fromisoformat(meta["day"]), streets=streets, graphs=graphs,
                   timetable=Timetable.load_npz(directory / "timetable.npz"),
                   stop_walk_node=stops["stop_walk_node"], stop_walk_m=stops["stop_walk_m"],
                   points=points, places=places, params=params, digest=meta["digest"],
                   notes=list(meta.get("notes", [])), components=dict(meta.get("components", {})))


# -- building ------------------------------------------------------------------------------------

def merge_street_networks(layers: list[StreetNetwork], *, join_tolerance_m: float = 12.0) -> StreetNetwork:
    """Merge street layers into one network.

    Node ids of each further layer are offset to stay unique; a node of a further layer lying
    within ``join_tolerance_m`` of a node of the layers before it is replaced by that node, so
    that the layers connect where they meet (e.g. main roads crossing the named streets), but
    never across levels: a node only on a bridge (or only in a tunnel) is not joined to a node
    of another level (edge column ``level``).
    """
    from scipy.spatial import cKDTree

    from sources.geo import metric_crs, project_xy

    layers = [layer for layer in layers if layer is not None and len(layer.nodes)]
    if not layers:
        raise ValueError("no street layer to merge")
    if len(layers) == 1:
        return layers[0]
    nodes = layers[0].nodes.copy()
    edges = [layers[0].edges.copy()]
    levels = _node_levels(layers[0])
    all_lon = np.concatenate([layer.nodes["x"].to_numpy() for layer in layers])
    all_lat = np.concatenate([layer.nodes["y"].to_numpy() for layer in layers])
    crs = metric_crs(all_lon, all_lat)
    sources = [layers[0].source]
    for layer in layers[1:]:
        offset = int(nodes.index.max()) + 1
        x0, y0 = project_xy(nodes["x"].to_numpy(), nodes["y"].to_numpy(), crs)
        tree = cKDTree(np.column_stack([x0, y0]))
        lx, ly = project_xy(layer.nodes["x"].to_numpy(), layer.nodes["y"].to_numpy(), crs)
        dist, at = tree.query(np.column_stack([lx, ly]), distance_upper_bound=join_tolerance_m)
        joined = np.isfinite(dist)
        mine = _node_levels(layer)
        old_ids = layer.nodes.index.to_numpy("int64")
        base_ids = nodes.index.to_numpy("int64")
        theirs = levels.reindex(base_ids[np.where(joined, at, 0)]).fillna(_GROUND).to_numpy("int64")
        joined &= (mine.reindex(old_ids).fillna(_GROUND).to_numpy("int64") & theirs) != 0
        new_ids = old_ids + offset
        new_ids[joined] = base_ids[at[joined]]
        mapping = pd.Series(new_ids, index=old_ids)
        extra = layer.nodes.loc[~joined].copy()
        extra.index = (extra.index.to_numpy("int64") + offset)
        extra.index.name = nodes.index.name
        nodes = pd.concat([nodes, extra])
        e = layer.edges.copy()
        e["u"] = mapping.loc[e["u"].to_numpy("int64")].to_numpy()
        e["v"] = mapping.loc[e["v"].to_numpy("int64")].to_numpy()
        e = e[e["u"] != e["v"]]
        edges.append(e)
        sources.append(layer.source)
        merged_layer = StreetNetwork(nodes=nodes, edges=pd.concat(edges, ignore_index=True), source={})
        levels = _node_levels(merged_layer)
    merged_edges = pd.concat(edges, ignore_index=True)
    return StreetNetwork(nodes=nodes, edges=merged_edges,
                         source={"layers": [s.get("path", "") for s in sources], "crs_metric": crs,
                                 "directed": False})


_GROUND = 1 << 1  # bit of level 0 in a node's level mask (bits: -1 -> 1, 0 -> 2, 1 -> 4)


def _node_levels(layer: StreetNetwork) -> pd.Series:
    """Per node id, a bit mask of the levels (-1, 0, 1; clipped) of the edges meeting there."""
    e = layer.edges
    lv = e["level"].to_numpy("int64") if "level" in e.columns else np.zeros(len(e), "int64")
    bit = np.left_shift(1, np.clip(lv, -1, 1) + 1)
    ids = np.concatenate([e["u"].to_numpy("int64"), e["v"].to_numpy("int64")])
    bits = np.concatenate([bit, bit])
    frame = pd.DataFrame({"id": ids, "bit": bits}).drop_duplicates()
    return frame.groupby("id")["bit"].sum().astype("int64")


def approximate_roads(feed: Any, streets: StreetNetwork, *, coverage_m: float = 200.0, sample_m: float = 100.0,
                      connect_m: float | None = None, max_segment_m: float = 15_000.0,
                      detour_factor: float | None = None) -> tuple[StreetNetwork, int]:
    """Roads approximated from the bus trip patterns where the street data has none.

    Every pair of consecutive stops of a road-going route (bus, coach) becomes a two-way
    segment, straight line x the detour factor long, open to walk, bike and car (``highway``
    ``bus_road``, ``approximate`` true), unless the street data already covers it (each sample
    point along the line within ``coverage_m`` of a street open to cars). Each stop of a kept
    segment is a node, joined to the nearest street node within ``connect_m`` by an approximate
    connector. With a full street extract every segment is covered and nothing is added.

    Returns the network with the segments added and the number of segments added.
    """
    import shapely
    from scipy.spatial import cKDTree

    from sources.geo import project_xy

    detour = detour_factor or linking.LINK.detour_factor
    connect = linking.LINK.snap_m if connect_m is None else connect_m
    st = feed.stop_times[["trip_id", "stop_sequence", "stop_id"]]
    trips = feed.trips[["trip_id", "route_id"]]
    routes = feed.routes[["route_id", "route_type"]]
    road_routes = routes.loc[pd.to_numeric(routes["route_type"], errors="coerce").isin(ROAD_ROUTE_TYPES), "route_id"]
    road_trips = trips.loc[trips["route_id"].isin(road_routes), "trip_id"]
    st = st[st["trip_id"].isin(road_trips)].sort_values(["trip_id", "stop_sequence"], kind="stable")
    a = st["stop_id"].astype(str).to_numpy()
    same = st["trip_id"].to_numpy()[1:] == st["trip_id"].to_numpy()[:-1]
    pairs = pd.DataFrame({"a": a[:-1][same], "b": a[1:][same]})
    pairs = pairs[pairs["a"] != pairs["b"]]
    lo = np.where(pairs["a"] < pairs["b"], pairs["a"], pairs["b"])
    hi = np.where(pairs["a"] < pairs["b"], pairs["b"], pairs["a"])
    pairs = pd.DataFrame({"a": lo, "b": hi}).drop_duplicates().reset_index(drop=True)
    stops = feed.stops.assign(stop_id=feed.stops["stop_id"].astype(str)).set_index("stop_id")
    pairs = pairs[pairs["a"].isin(stops.index) & pairs["b"].isin(stops.index)]
    if not len(pairs) or not len(streets.edges):
        return streets, 0
    alon, alat = stops.loc[pairs["a"], "stop_lon"].to_numpy(float), stops.loc[pairs["a"], "stop_lat"].to_numpy(float)
    blon, blat = stops.loc[pairs["b"], "stop_lon"].to_numpy(float), stops.loc[pairs["b"], "stop_lat"].to_numpy(float)
    dist = haversine_m(alon, alat, blon, blat)
    ok = (dist > 1.0) & (dist <= max_segment_m)
    pairs, alon, alat, blon, blat, dist = (pairs[ok], alon[ok], alat[ok], blon[ok], blat[ok], dist[ok])
    crs = streets.source.get("crs_metric") or "EPSG:2154"
    # sample points along each straight segment, test them against the car streets
    n_samples = np.maximum(np.ceil(dist / sample_m).astype(int), 1) + 1
    seg = np.repeat(np.arange(len(pairs)), n_samples)
    frac = np.concatenate([np.linspace(0.0, 1.0, k) for k in n_samples])
    slon = alon[seg] + (blon[seg] - alon[seg]) * frac
    slat = alat[seg] + (blat[seg] - alat[seg]) * frac
    sx, sy = project_xy(slon, slat, crs)
    car_edges = streets.edges[streets.edges["car"].to_numpy(bool)]
    geoms = shapely.from_wkb(car_edges["geometry"].to_numpy())
    geoms = shapely.transform(geoms, lambda xy: np.column_stack(project_xy(xy[:, 0], xy[:, 1], crs)))
    tree = shapely.STRtree(geoms)
    hit = tree.query(shapely.points(sx, sy), predicate="dwithin", distance=coverage_m)
    covered = np.zeros(len(sx), bool)
    covered[hit[0]] = True
    # kept where the street data misses a real part of the way: half of it, or over 500 m of it
    missing = np.bincount(seg, weights=~covered, minlength=len(pairs)) / n_samples
    uncovered = (missing >= 0.5) | (missing * dist >= 500.0)
    pairs, alon, alat, blon, blat, dist = (pairs[uncovered], alon[uncovered], alat[uncovered], blon[uncovered],
                                           blat[uncovered], dist[uncovered])
    if not len(pairs):
        return streets, 0
    used = pd.Index(np.unique(np.concatenate([pairs["a"].to_numpy(), pairs["b"].to_numpy()])))
    base = int(streets.nodes.index.max()) + 1
    node_id = pd.Series(np.arange(base, base + len(used), dtype="int64"), index=used)
    new_nodes = pd.DataFrame({"x": stops.loc[used, "stop_lon"].to_numpy(float),
                              "y": stops.loc[used, "stop_lat"].to_numpy(float)},
                             index=pd.Index(node_id.to_numpy(), name=streets.nodes.index.name))
    rows_u = [node_id.loc[pairs["a"]].to_numpy()]
    rows_v = [node_id.loc[pairs["b"]].to_numpy()]
    rows_len = [dist * detour]
    rows_geom = [shapely.to_wkb(shapely.linestrings(np.stack([np.column_stack([alon, alat]),
                                                              np.column_stack([blon, blat])], axis=1)))]
    # connectors: each new node to the nearest street node (of the car and of the walk layer)
    ex, ey = project_xy(new_nodes["x"].to_numpy(), new_nodes["y"].to_numpy(), crs)
    edges = streets.edges
    for flag in ("car", "walk"):
        sel = edges[edges[flag].to_numpy(bool)]
        ids = np.unique(np.concatenate([sel["u"].to_numpy("int64"), sel["v"].to_numpy("int64")]))
        if not len(ids):
            continue
        nx_, ny_ = project_xy(streets.nodes.loc[ids, "x"].to_numpy(), streets.nodes.loc[ids, "y"].to_numpy(), crs)
        d, at = cKDTree(np.column_stack([nx_, ny_])).query(np.column_stack([ex, ey]), distance_upper_bound=connect)
        near = np.isfinite(d)
        if not near.any():
            continue
        u = new_nodes.index.to_numpy("int64")[near]
        v = ids[at[near]]
        ulon, ulat = new_nodes["x"].to_numpy()[near], new_nodes["y"].to_numpy()[near]
        vlon, vlat = streets.nodes.loc[v, "x"].to_numpy(), streets.nodes.loc[v, "y"].to_numpy()
        rows_u.append(u)
        rows_v.append(v)
        rows_len.append(np.maximum(haversine_m(ulon, ulat, vlon, vlat) * detour, 0.1))
        rows_geom.append(shapely.to_wkb(shapely.linestrings(np.stack([np.column_stack([ulon, ulat]),
                                                                      np.column_stack([vlon, vlat])], axis=1))))
    u, v = np.concatenate(rows_u), np.concatenate(rows_v)
    n = len(u)
    add = pd.DataFrame({"u": u, "v": v, "length_m": np.concatenate(rows_len), "highway": "bus_road", "name": "",
                        "oneway": False, "oneway_bike": False, "maxspeed_kmh": np.nan, "cycleway": False,
                        "walk": True, "bike": True, "car": True, "traffic_speed_kmh": np.nan, "traffic_status": "",
                        "segment_id": "", "level": 0, "preferred": False, "approximate": True,
                        "geometry": np.concatenate(rows_geom)}, index=range(n))
    add = add[add["u"] != add["v"]]
    out_edges = pd.concat([streets.edges.assign(approximate=streets.edges.get("approximate", False)), add],
                          ignore_index=True)
    out = StreetNetwork(nodes=pd.concat([streets.nodes, new_nodes]), edges=out_edges, source=dict(streets.source))
    return out, int(len(pairs))


def _mode_graphs(streets: StreetNetwork, params: StreetParams) -> dict[str, ModeGraph]:
    preferred = streets.edges["preferred"].to_numpy(bool) if "preferred" in streets.edges else None
    return {mode: build_mode_graph(streets, mode, params=params,
                                   preferred=preferred if mode == "bike" else None)
            for mode in STREET_MODES}


def street_transfers(graph: ModeGraph, lon: np.ndarray, lat: np.ndarray, *,
                     max_transfer_s: float = 600.0, links: linking.Links | None = None) -> pd.DataFrame:
    """Walking transfers between stops (same rules as every walk: :func:`routing.linking.street_times`).

    Returns
    -------
    DataFrame with from_stop, to_stop (stop indices), duration_s (float): pairs of distinct stops
    within ``max_transfer_s``.
    """
    i, j, t = linking.street_times(graph, lon, lat, lon, lat, max_transfer_s, a_links=links, b_links=links)
    keep = i != j
    return pd.DataFrame({"from_stop": i[keep], "to_stop": j[keep], "duration_s": t[keep].astype(float)})


def _snap_points(frame: pd.DataFrame, graphs: dict[str, ModeGraph]) -> pd.DataFrame:
    """Points linked to each layer (:func:`routing.linking.link`): node_<mode> (-1 beyond reach)
    and snap_<mode>_m (distance to that node)."""
    out = frame.copy()
    for mode, g in graphs.items():
        if len(out):
            ln = linking.link(g, out["lon"].to_numpy(), out["lat"].to_numpy())
            out[f"node_{mode}"] = ln.node
            out[f"snap_{mode}_m"] = ln.distance_m
        else:
            out[f"node_{mode}"] = pd.Series(dtype="int64")
            out[f"snap_{mode}_m"] = pd.Series(dtype="float64")
    return out.reset_index(drop=True)


def prepare_points(*, bikeshare: pd.DataFrame | None = None, carpool: pd.DataFrame | None = None,
                   parkings: pd.DataFrame | None = None, chargers: pd.DataFrame | None = None,
                   bbox: tuple[float, float, float, float] | None = None) -> dict[str, pd.DataFrame]:
    """Points of service in one shape: POINT_COLUMNS plus the columns each kind needs.

    * bikeshare: capacity, bikes_available, docks_available (NaN unknown), status_known
    * carpool: places
    * park_ride: capacity (park-and-ride car parks only)
    * charger: power_kw (ASSUMED_CHARGER_KW where unknown), power_known, n_points
    """
    def clip(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.dropna(subset=["lon", "lat"])
        if bbox is None:
            return frame
        return frame[in_bbox(frame["lon"], frame["lat"], bbox)]

    def num(frame: pd.DataFrame, name: str) -> pd.Series:
        """Column ``name`` as float: NaN where it is not a number, all NaN when it is absent."""
        if name not in frame.columns:
            return pd.Series(np.nan, index=frame.index)
        return pd.to_numeric(frame[name], errors="coerce").astype(float)

    def points(frame: pd.DataFrame, id_column: str, **columns: Any) -> pd.DataFrame:
        """POINT_COLUMNS (the id as text, a missing name as "") then ``columns``."""
        return pd.DataFrame({"point_id": frame[id_column].astype(str), "name": frame["name"].fillna("").astype(str),
                             "lon": frame["lon"].astype(float), "lat": frame["lat"].astype(float), **columns})

    out: dict[str, pd.DataFrame] = {}
    if bikeshare is not None:
        f = clip(bikeshare)
        known = f["status_known"] if "status_known" in f.columns else pd.Series(False, index=f.index)
        out["bikeshare"] = points(f, "station_id", capacity=num(f, "capacity"),
                                  bikes_available=num(f, "bikes_available"),
                                  docks_available=num(f, "docks_available"),
                                  status_known=known.fillna(False).astype(bool))
    if carpool is not None:
        f = clip(carpool)
        out["carpool"] = points(f, "place_id", places=num(f, "places"))
    if parkings is not None:
        f = clip(parkings)
        if "is_park_and_ride" in f.columns:
            f = f[f["is_park_and_ride"].fillna(False).astype(bool)]
        out["park_ride"] = points(f, "parking_id", capacity=num(f, "capacity"))
    if chargers is not None:
        f = clip(chargers)
        power = num(f, "power_kw")
        out["charger"] = points(f, "station_id", power_kw=power.fillna(ASSUMED_CHARGER_KW),
                                power_known=power.notna(), n_points=num(f, "n_points"))
    return out


def build_network(*, feed: Any, streets: list[StreetNetwork], day: dt.date,
                  bikeshare: pd.DataFrame | None = None, carpool: pd.DataFrame | None = None,
                  parkings: pd.DataFrame | None = None, chargers: pd.DataFrame | None = None,
                  cycle_lines: Any = None, extra_places: pd.DataFrame | None = None,
                  communes: pd.DataFrame | None = None, iris: pd.DataFrame | None = None,
                  metro_stations: pd.DataFrame | None = None, landmarks: pd.DataFrame | None = None,
                  params: StreetParams | None = None, max_transfer_s: float = 600.0,
                  join_tolerance_m: float = 12.0, digest: str = "", approximate: bool | None = None) -> Network:
    """Assemble the network from loaded frames (see the module docstring).

    Parameters
    ----------
    feed
        A :class:`sources.loaders.gtfs.GtfsFeed`.
    streets
        Street layers, the most detailed first (they are merged).
    day
        Service date of the timetable.
    bikeshare, carpool, parkings, chargers
        Loaded frames of the points of service (lon/lat columns), any may be None.
    cycle_lines
        Iterable of shapely lines (e.g. the REV) marking preferred bike segments.
    extra_places
        More searchable places (name, kind, lon, lat, id; optionally commune, detail, aliases).
    communes, iris, metro_stations, landmarks
        What else the place index holds (see :func:`place_table`); any may be None.
    approximate
        Add roads approximated from the bus lines where the street data has none
        (:func:`approximate_roads`); default: when a street layer is a line layer (offline
        data), not with OpenStreetMap extracts.
    """
    params = params or StreetParams()
    merged = merge_street_networks(streets, join_tolerance_m=join_tolerance_m)
    notes: list[str] = []
    components = {mode: {"before": _stats(g)} for mode, g in _mode_graphs(streets[0], params).items()}
    for mode, g in _mode_graphs(merged, params).items():
        components[mode]["joined"] = _stats(g)
    if approximate is None:
        approximate = any(str(s.source.get("format", "")) == "lines" for s in streets)
    if approximate:
        merged, n_approx = approximate_roads(feed, merged)
        if n_approx:
            notes.append(f"{n_approx} road segments approximated from the bus lines where the street data has none")
    if cycle_lines is not None:
        lines = list(cycle_lines)
        if lines:
            edges = merged.edges.copy()
            edges["preferred"] = edges_along_lines(merged, lines)
            merged = StreetNetwork(nodes=merged.nodes, edges=edges, source=merged.source)
    graphs = _mode_graphs(merged, params)
    for mode, g in graphs.items():
        components[mode]["after"] = _stats(g)
    stops = feed.stops
    walk = graphs["walk"]
    slon, slat = stops["stop_lon"].to_numpy(float), stops["stop_lat"].to_numpy(float)
    stop_links = linking.link(walk, slon, slat)
    transfers = street_transfers(walk, slon, slat, max_transfer_s=max_transfer_s, links=stop_links)
    off = stop_links.approximate
    if off.any():
        notes.append(f"{int(off.sum())} of {len(stops)} stops lie more than {linking.LINK.snap_m:.0f} m from the "
                     "street layer: their walking is approximated (straight line x detour)")
    stop_ids = stops["stop_id"].astype(str).to_numpy()
    table = pd.DataFrame({"from_stop_id": stop_ids[transfers["from_stop"].to_numpy()],
                          "to_stop_id": stop_ids[transfers["to_stop"].to_numpy()],
                          "duration_s": transfers["duration_s"].to_numpy()})
    timetable = build_timetable(feed, day, transfers=table, max_transfer_s=max_transfer_s)
    # build_timetable indexes stops in feed.stops order
    points = {kind: _snap_points(frame, graphs)
              for kind, frame in prepare_points(bikeshare=bikeshare, carpool=carpool, parkings=parkings,
                                                chargers=chargers).items()}
    places = PlaceIndex(place_table(timetable, merged, points, extra_places, communes=communes, iris=iris,
                                    metro_stations=metro_stations, landmarks=landmarks))
    return Network(day=day, streets=merged, graphs=graphs, timetable=timetable,
                   stop_walk_node=stop_links.node, stop_walk_m=stop_links.distance_m, points=points,
                   places=places, params=params, digest=digest, notes=notes, components=components)


def _stats(graph: ModeGraph) -> dict[str, Any]:
    st = component_stats(graph)
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in st.items() if k != "mask"}


#: the short names the STAR stops give communes ("Cesson Gare", "Thorigné Mairie", "St-Jacques Mairie"),
#: searchable as aliases of the commune
COMMUNE_ALIASES = {
    "Cesson-Sévigné": "Cesson", "Saint-Jacques-de-la-Lande": "Saint-Jacques", "Thorigné-Fouillard": "Thorigné",
    "Noyal-Châtillon-sur-Seiche": "Noyal-Châtillon", "Chartres-de-Bretagne": "Chartres", "Vern-sur-Seiche": "Vern",
    "Vezin-le-Coquet": "Vezin", "Saint-Sulpice-la-Forêt": "Saint-Sulpice", "Parthenay-de-Bretagne": "Parthenay",
    "La Chapelle-des-Fougeretz": "La Chapelle", "Miniac-sous-Bécherel": "Miniac",
}
#: words of a stop name that say it serves a town centre
CENTRE_WORDS = frozenset({"mairie", "centre", "eglise", "bourg"})
#: GTFS route type of a metro (stops it serves are "metro" places)
METRO_ROUTE_TYPE = 1
PLACE_COLUMNS = ("name", "kind", "lon", "lat", "id", "commune", "detail", "aliases")


def place_table(timetable: Timetable, streets: StreetNetwork, points: dict[str, pd.DataFrame],
                extra: pd.DataFrame | None = None, *, communes: pd.DataFrame | None = None,
                iris: pd.DataFrame | None = None, metro_stations: pd.DataFrame | None = None,
                landmarks: pd.DataFrame | None = None) -> pd.DataFrame:
    """Searchable places (:class:`routing.places.PlaceIndex` merges same-named rows of a commune).

    * metro stations (stops served by a metro, and the ``metro_stations`` frame), then stops;
    * streets: one per name and commune, at the middle of the segment nearest the street's centre;
    * points of service, their names made readable (:func:`routing.places.readable_name`);
    * ``landmarks`` (name, aliases, detail, commune, lon, lat; ``assets/landmarks.csv``);
    * the communes of Rennes Métropole (``communes`` with ``in_rennes_metropole``) at their town
      centre: the town hall when ``landmarks`` lists it, else the commune's main stop (the busiest
      stop named after the centre, "Bruz Centre", "Vern Eglise", at its platforms' centroid; else
      the stop nearest all the commune's departures of the day), else a point inside the polygon;
    * neighbourhoods: the ``iris`` names (prefixed with the commune where the name is only a
      direction, "Acigné – Ouest"), a point inside each; an IRIS named as its commune is left to it.

    Every place carries the commune its point lies in (polygon of ``communes``; "" without them).

    Returns
    -------
    DataFrame with PLACE_COLUMNS (name, kind, lon, lat, id, commune, detail, aliases).
    """
    frames = []
    stop_kind = np.where(_metro_stops(timetable), "metro", "stop")
    departures = np.bincount(timetable.dep_stop, minlength=timetable.n_stops) if timetable.n_connections \
        else np.zeros(timetable.n_stops, int)
    stops = pd.DataFrame({"name": timetable.stop_names.astype(str), "kind": stop_kind,
                          "lon": timetable.stop_lon, "lat": timetable.stop_lat,
                          "id": timetable.stop_ids.astype(str), "departures": departures})
    frames.append(stops)
    if metro_stations is not None and len(metro_stations):
        frames.append(pd.DataFrame({"name": metro_stations["name"].astype(str), "kind": "metro",
                                    "lon": metro_stations["lon"].astype(float),
                                    "lat": metro_stations["lat"].astype(float),
                                    "id": metro_stations["station_id"].astype(str)}))
    frames.append(_street_places(streets))
    spelled = {}
    if communes is not None and len(communes):
        spelled = {normalise(n): str(n) for n in communes["name"]}
    for kind, frame in points.items():
        label = {"park_ride": "parking"}.get(kind, kind)
        if len(frame):
            names = frame["name"].fillna("").astype(str).map(lambda n: readable_name(n, communes=spelled))
            frames.append(pd.DataFrame({"name": names, "kind": label, "lon": frame["lon"],
                                        "lat": frame["lat"], "id": frame["point_id"]}))
    if landmarks is not None and len(landmarks):
        frames.append(pd.DataFrame({"name": landmarks["name"], "kind": "landmark", "lon": landmarks["lon"],
                                    "lat": landmarks["lat"], "id": "", "commune": landmarks["commune"],
                                    "detail": landmarks["detail"], "aliases": landmarks["aliases"]}))
    if extra is not None and len(extra):
        frames.append(extra[[c for c in PLACE_COLUMNS if c in extra.columns]])
    table = pd.concat(frames, ignore_index=True)
    for column in ("id", "commune", "detail", "aliases"):
        table[column] = table[column].fillna("").astype(str) if column in table else ""
    if communes is not None and len(communes):
        unknown = table["commune"] == ""
        table.loc[unknown, "commune"] = _commune_of(table.loc[unknown, "lon"].to_numpy(float),
                                                    table.loc[unknown, "lat"].to_numpy(float), communes)
        rm = communes[communes["in_rennes_metropole"].fillna(False).astype(bool)] \
            if "in_rennes_metropole" in communes else communes
        town = _town_centres(rm, table, landmarks)
        frames = [table, town]
        if iris is not None and len(iris):
            frames.append(_neighbourhoods(iris))
        table = pd.concat(frames, ignore_index=True)
    return table.drop(columns=["departures"], errors="ignore")[list(PLACE_COLUMNS)]


def extend_places(index: PlaceIndex | None, timetable: Timetable, first_new_stop: int,
                  points: dict[str, pd.DataFrame]) -> PlaceIndex:
    """``index`` with the stops of ``timetable`` from ``first_new_stop`` on and ``points`` added (a
    scenario's new stations and points of service, POINT_COLUMNS), each in the commune of the
    nearest place already indexed."""
    from scipy.spatial import cKDTree

    base = index.frame if index is not None else pd.DataFrame(columns=list(PLACE_COLUMNS))
    new = slice(first_new_stop, timetable.n_stops)
    rows = [pd.DataFrame({"name": timetable.stop_names[new].astype(str),
                          "kind": np.where(_metro_stops(timetable)[new], "metro", "stop"),
                          "lon": timetable.stop_lon[new], "lat": timetable.stop_lat[new],
                          "id": timetable.stop_ids[new].astype(str)})]
    towns = base[base["kind"] == "commune"]["name"] if len(base) else pd.Series(dtype=str)
    spelled = {normalise(n): str(n) for n in towns}
    for kind, frame in points.items():
        if len(frame):
            rows.append(pd.DataFrame({"name": frame["name"].fillna("").astype(str).map(
                lambda n: readable_name(n, communes=spelled)), "kind": {"park_ride": "parking"}.get(kind, kind),
                "lon": frame["lon"].astype(float), "lat": frame["lat"].astype(float),
                "id": frame["point_id"].astype(str)}))
    added = pd.concat(rows, ignore_index=True)
    added["commune"] = ""
    known = base[base["commune"].astype(str) != ""] if len(base) else base
    if len(known) and len(added):
        _, at = cKDTree(np.column_stack([known["lon"], known["lat"]])).query(
            np.column_stack([added["lon"], added["lat"]]))
        added["commune"] = known["commune"].to_numpy()[at]
    return PlaceIndex(pd.concat([base[[c for c in PLACE_COLUMNS if c in base]], added], ignore_index=True))


def _metro_stops(timetable: Timetable) -> np.ndarray:
    """Per stop: served by a metro route that day."""
    out = np.zeros(timetable.n_stops, bool)
    if not timetable.n_connections:
        return out
    metro = np.asarray(timetable.route_types)[np.asarray(timetable.trip_route)[timetable.trip]] == METRO_ROUTE_TYPE
    out[timetable.dep_stop[metro]] = True
    out[timetable.arr_stop[metro]] = True
    return out


def _street_places(streets: StreetNetwork) -> pd.DataFrame:
    """One place per street name: the middle of its segment nearest the length-weighted centre of
    its segments (a point on the street, near its middle, whatever its shape)."""
    edges = streets.edges
    if "name" not in edges.columns or not len(edges):
        return pd.DataFrame(columns=["name", "kind", "lon", "lat", "id"])
    named = edges[edges["name"].fillna("").astype(str).str.strip().str.len() > 0]
    nodes = streets.nodes
    u = named["u"].to_numpy("int64")
    v = named["v"].to_numpy("int64")
    seg = pd.DataFrame({"name": named["name"].astype(str).str.strip().to_numpy(),
                        "lon": (nodes.loc[u, "x"].to_numpy() + nodes.loc[v, "x"].to_numpy()) / 2,
                        "lat": (nodes.loc[u, "y"].to_numpy() + nodes.loc[v, "y"].to_numpy()) / 2,
                        "w": np.maximum(named["length_m"].to_numpy(float), 1.0)})
    seg["wx"], seg["wy"] = seg["lon"] * seg["w"], seg["lat"] * seg["w"]
    sums = seg.groupby("name")[["wx", "wy", "w"]].transform("sum")
    seg["d"] = (seg["lon"] - sums["wx"] / sums["w"]) ** 2 + (seg["lat"] - sums["wy"] / sums["w"]) ** 2
    best = seg.loc[seg.groupby("name")["d"].idxmin()]
    return pd.DataFrame({"name": best["name"].to_numpy(), "kind": "street", "lon": best["lon"].to_numpy(),
                         "lat": best["lat"].to_numpy(), "id": ""})


def _commune_of(lon: np.ndarray, lat: np.ndarray, communes: pd.DataFrame) -> np.ndarray:
    """The name of the commune polygon each point lies in ("" outside them all)."""
    import shapely

    out = np.full(len(lon), "", dtype=object)
    if not len(lon):
        return out
    tree = shapely.STRtree(np.asarray(communes.geometry.values))
    at, poly = tree.query(shapely.points(lon, lat), predicate="within")
    out[at] = communes["name"].astype(str).to_numpy()[poly]
    return out


def _town_centres(communes: pd.DataFrame, table: pd.DataFrame, landmarks: pd.DataFrame | None) -> pd.DataFrame:
    """The communes as places at their town centre (see :func:`place_table`); ``detail`` says which
    rule placed it: "town_hall", "centre_stop", "stop_medoid" or "polygon"."""
    stops = table[table["kind"].isin(["stop", "metro"]) & (table["departures"].fillna(0) > 0)]
    by_name = stops.assign(key=stops["name"].map(normalise)).groupby(["commune", "key"]).agg(
        departures=("departures", "sum"), lon=("lon", "mean"), lat=("lat", "mean"))
    halls = {}
    if landmarks is not None and len(landmarks):
        for row in landmarks[landmarks["detail"] == "town_hall"].itertuples(index=False):
            halls.setdefault(str(row.commune), (float(row.lon), float(row.lat)))
    rows = []
    for c in communes.itertuples(index=False):
        name = str(c.name)
        if name in halls:
            (lon, lat), how = halls[name], "town_hall"
        elif name in by_name.index.get_level_values(0):
            (lon, lat), how = _main_stop(by_name.loc[name])
        else:
            p = c.geometry.representative_point()
            (lon, lat), how = (p.x, p.y), "polygon"
        rows.append({"name": name, "kind": "commune", "lon": lon, "lat": lat, "id": str(getattr(c, "insee", "")),
                     "commune": name, "detail": how, "aliases": COMMUNE_ALIASES.get(name, "")})
    return pd.DataFrame(rows, columns=list(PLACE_COLUMNS))


def _main_stop(stops: pd.DataFrame) -> tuple[tuple[float, float], str]:
    """A commune's main stop (``stops``: per stop name key, departures, lon, lat): the busiest stop
    named after the centre ("Bruz Centre", "Vern Eglise", "Bourg"), else the stop nearest all the
    commune's departures (the departure-weighted medoid)."""
    centre = stops[[bool(CENTRE_WORDS & set(k.split())) for k in stops.index]]
    if len(centre):
        best = centre.sort_values("departures", ascending=False, kind="stable").iloc[0]
        return (float(best["lon"]), float(best["lat"])), "centre_stop"
    lon, lat, w = (stops[c].to_numpy(float) for c in ("lon", "lat", "departures"))
    cost = (haversine_m(lon[:, None], lat[:, None], lon[None, :], lat[None, :]) * w[None, :]).sum(axis=1)
    k = int(np.argmin(cost))
    return (float(lon[k]), float(lat[k])), "stop_medoid"


def _neighbourhoods(iris: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for r in iris.itertuples(index=False):
        name, commune = str(r.name).strip(), str(getattr(r, "commune", "") or "")
        if not name or normalise(name) == normalise(commune):  # the commune's own place covers it
            continue
        if commune and commune != "Rennes" and normalise(commune) not in normalise(name):
            name = f"{commune} – {name}"
        p = r.geometry.representative_point()
        rows.append({"name": name, "kind": "neighbourhood", "lon": p.x, "lat": p.y,
                     "id": str(getattr(r, "iris_code", "")), "commune": commune, "detail": "iris", "aliases": ""})
    return pd.DataFrame(rows, columns=list(PLACE_COLUMNS))
