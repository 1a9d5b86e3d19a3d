"""Street networks: OpenStreetMap (.osm through osmnx, .osm.pbf through pyrosm) and street
LINE layers (GeoJSON, or CSV with a GeoJSON geometry column) whose topology is rebuilt from
shared coordinates with a snapping tolerance.

Everything comes out as a :class:`StreetNetwork`: two tables plus metadata.

* ``nodes`` (index ``node_id`` int64): ``x``, ``y`` (float64, lon / lat WGS84).
* ``edges``: one row per physical street segment, drawn from ``u`` to ``v``
  (see :data:`COLUMNS`). ``oneway`` means cars may only go ``u -> v``;
  ``oneway_bike`` the same for bicycles (false on contraflow cycle lanes).
  ``walk`` / ``bike`` / ``car`` say which modes may use the segment.
  ``geometry`` holds the segment's LineString as WKB bytes (it round-trips
  through parquet); :meth:`StreetNetwork.geometries` decodes it.

Lengths are great-circle lengths along the geometry, in metres. Graph algorithms
live in :mod:`routing.streets.graph`; this module only loads and describes.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sources.messages import Msg

from ..errors import SchemaError, UnusableInputError
from ..geo import EARTH_RADIUS_M, haversine_m, line_length_m, metric_crs, project_xy  # noqa: F401 (re-exported)
from ..validate import INFO, Loaded, Report, area_params
from . import _csv

DEFAULT_TOLERANCE_M = 10.0

COLUMNS: dict[str, dict[str, str]] = {
    "nodes": {"node_id": "int64", "x": "float64", "y": "float64"},
    "edges": {
        "u": "int64",
        "v": "int64",
        "length_m": "float64",
        "highway": "object",
        "name": "object",
        "oneway": "bool",
        "oneway_bike": "bool",
        "maxspeed_kmh": "float64",
        "cycleway": "bool",
        "walk": "bool",
        "bike": "bool",
        "car": "bool",
        "traffic_speed_kmh": "float64",
        "traffic_status": "object",
        "segment_id": "object",
        "level": "int64",  # 1 on a bridge, -1 in a tunnel, else the OSM layer (0)
        "preferred": "bool",  # preferred bike line (e.g. the REV), set by the network build
        "approximate": "bool",  # derived where the street data has none (e.g. from bus lines)
        "geometry": "object",  # WKB bytes
    },
}

# -- OSM tag semantics ---------------------------------------------------------------------------

_WALK_ONLY = {"footway", "pedestrian", "steps", "corridor", "bridleway", "platform", "elevator"}
_WALK_BIKE = {"path", "track"}
_CAR_ONLY = {"motorway", "motorway_link"}
#: bikes may use every road the data does not forbid to them (not motorways); pedestrians not these
_NO_WALK = {"trunk", "trunk_link"}
_ALL_MODES = {
    "primary", "primary_link", "secondary", "secondary_link", "tertiary", "tertiary_link",
    "unclassified", "residential", "living_street", "service", "road", "busway",
}
_NO_MODE = {"construction", "proposed", "abandoned", "planned", "raceway", "bus_guideway",
            "disused", "razed", "no", "emergency_bay", "rest_area", "services"}
_YES = {"yes", "designated", "permissive", "official", "destination", "true", "1"}
_NO = {"no", "private", "dismount", "use_sidepath", "false", "0"}
_FACILITY = {"lane", "track", "opposite_lane", "opposite_track", "share_busway",
             "shared_busway", "opposite_share_busway", "separate", "designated"}
_CONTRAFLOW = {"opposite", "opposite_lane", "opposite_track", "opposite_share_busway"}
_ONEWAY_TRUE = {"yes", "true", "1"}
_ONEWAY_REVERSE = {"-1", "reverse"}

#: implicit speed limits ("FR:urban" and friends), km/h
_ZONE_SPEED_KMH = {
    "urban": 50.0, "rural": 80.0, "motorway": 130.0, "trunk": 110.0, "living_street": 20.0,
    "walk": 6.0, "zone30": 30.0, "zone:30": 30.0, "zone20": 20.0, "zone:20": 20.0,
    "bicycle_road": 30.0, "school": 30.0,
}
_MPH = 1.609344

#: hierarchy of Rennes Métropole's road layer -> the nearest OSM highway class
_HIERARCHY_HIGHWAY = {
    "réseau national": "trunk",
    "réseau d'armature": "primary",
    "réseau d'appui": "secondary",
    "réseau de distribution principale": "tertiary",
    "réseau de distribution secondaire": "unclassified",
}

# tags kept from OSM ways (osmnx useful_tags_way is extended with these while loading)
_OSM_WAY_TAGS = [
    "highway", "name", "oneway", "maxspeed", "junction", "access", "area", "foot", "bicycle",
    "motor_vehicle", "motorcar", "vehicle", "cycleway", "cycleway:left", "cycleway:right",
    "cycleway:both", "oneway:bicycle", "ref", "bridge", "tunnel", "layer",
]


def parse_maxspeed_kmh(value: Any) -> float:
    """Parse an OSM ``maxspeed`` value to km/h (NaN when unknown).

    ``"50"`` -> 50, ``"30 mph"`` -> 48.28, ``"FR:urban"`` -> 50, ``"FR:zone30"`` -> 30,
    ``"50;30"`` -> 50 (the first value), ``"none"``/``"signals"`` -> NaN.
    """
    if value is None:
        return math.nan
    if isinstance(value, (list, tuple)):
        speeds = [parse_maxspeed_kmh(v) for v in value]
        speeds = [s for s in speeds if not math.isnan(s)]
        return min(speeds) if speeds else math.nan
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value) if np.isfinite(value) and value > 0 else math.nan
    text = str(value).strip().lower()
    if not text:
        return math.nan
    text = re.split(r"[;|]", text)[0].strip()
    match = re.match(r"^(\d+(?:[.,]\d+)?)\s*(mph|km/h|kmh|kph)?$", text)
    if match:
        speed = float(match.group(1).replace(",", "."))
        if match.group(2) == "mph":
            speed *= _MPH
        return speed if speed > 0 else math.nan
    if ":" in text:
        zone = text.split(":", 1)[1]
        return _ZONE_SPEED_KMH.get(zone, math.nan)
    return math.nan


def _tag(tags: dict[str, Any], key: str) -> str:
    value = tags.get(key)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (list, tuple)):
        value = value[0] if value else ""
    return str(value).strip().lower()


def access_flags(tags: dict[str, Any]) -> tuple[bool, bool, bool]:
    """(walk, bike, car) allowed on a way with these OSM tags."""
    highway = _tag(tags, "highway")
    if highway in _WALK_ONLY:
        walk, bike, car = True, False, False
    elif highway in _WALK_BIKE:
        walk, bike, car = True, True, False
    elif highway == "cycleway":
        walk, bike, car = True, True, False
    elif highway in _CAR_ONLY:
        walk, bike, car = False, False, True
    elif highway in _NO_WALK:
        walk, bike, car = False, True, True
    elif highway in _ALL_MODES or (highway and highway not in _NO_MODE):
        walk, bike, car = True, True, True
    else:
        return False, False, False
    access = _tag(tags, "access")
    if access in _NO:
        walk, bike, car = False, False, False
    for key in ("vehicle",):
        if _tag(tags, key) in _NO:
            bike, car = False, False
    for key in ("motor_vehicle", "motorcar"):
        value = _tag(tags, key)
        if value in _NO:
            car = False
        elif value in _YES and highway not in _WALK_ONLY | _WALK_BIKE | {"cycleway"}:
            car = True
    foot, bicycle = _tag(tags, "foot"), _tag(tags, "bicycle")
    if foot in _NO:
        walk = False
    elif foot in _YES:
        walk = True
    if bicycle in _NO:
        bike = False
    elif bicycle in _YES:
        bike = True
    if _tag(tags, "area") == "yes" and highway not in _WALK_ONLY:
        car = False
    return walk, bike, car


def level_of(tags: dict[str, Any]) -> int:
    """Vertical level of a way: 1 on a bridge, -1 in a tunnel, else its ``layer`` tag (0)."""
    if _tag(tags, "bridge") not in {"", "no", "false", "0"}:
        return 1
    if _tag(tags, "tunnel") not in {"", "no", "false", "0"} or _tag(tags, "covered") == "yes":
        return -1
    try:
        return int(float(_tag(tags, "layer") or 0))
    except ValueError:
        return 0


def cycle_facility(tags: dict[str, Any]) -> bool:
    """True on a cycleway or a street with a cycle lane / track (either side)."""
    if _tag(tags, "highway") == "cycleway":
        return True
    if _tag(tags, "bicycle") == "designated" and _tag(tags, "highway") in {"path", "footway"}:
        return True
    return any(_tag(tags, key) in _FACILITY
               for key in ("cycleway", "cycleway:left", "cycleway:right", "cycleway:both"))


def oneway_flags(tags: dict[str, Any]) -> tuple[bool, bool, bool]:
    """(oneway for cars, oneway for bikes, geometry must be reversed) from OSM tags."""
    value = _tag(tags, "oneway")
    highway = _tag(tags, "highway")
    reverse = value in _ONEWAY_REVERSE
    if value in _ONEWAY_TRUE or reverse:
        oneway = True
    elif value in ("no", "false", "0"):
        oneway = False
    else:
        oneway = (_tag(tags, "junction") in {"roundabout", "circular"}
                  or highway in {"motorway", "motorway_link"})
    oneway_bike = oneway
    if oneway and (_tag(tags, "oneway:bicycle") == "no"
                   or any(_tag(tags, k) in _CONTRAFLOW
                          for k in ("cycleway", "cycleway:left", "cycleway:right", "cycleway:both"))):
        oneway_bike = False
    return oneway, oneway_bike, reverse


# -- geometry helpers ----------------------------------------------------------------------------

def _wkb_lines(coords_list: Sequence[np.ndarray]) -> np.ndarray:
    import shapely

    if not coords_list:
        return np.empty(0, dtype=object)
    lines = shapely.linestrings(np.concatenate(coords_list),
                                indices=np.repeat(np.arange(len(coords_list)),
                                                  [len(c) for c in coords_list]))
    return np.asarray(shapely.to_wkb(lines), dtype=object)


# -- the network ---------------------------------------------------------------------------------

@dataclass
class StreetNetwork:
    """A street network: ``nodes`` and ``edges`` tables (see the module docstring)."""

    nodes: pd.DataFrame
    edges: pd.DataFrame
    source: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.nodes)

    @property
    def directed(self) -> bool:
        """True when each line of the source is one direction of travel (a directed layer)."""
        return bool(self.source.get("directed", False))

    def geometries(self) -> np.ndarray:
        """Edge geometries as a numpy array of shapely LineStrings (aligned with ``edges``)."""
        import shapely

        return shapely.from_wkb(self.edges["geometry"].to_numpy())

    def to_geodataframe(self) -> Any:
        """Edges as a GeoDataFrame in EPSG:4326 (for maps and GeoPackage export)."""
        import geopandas as gpd

        frame = self.edges.drop(columns=["geometry"])
        return gpd.GeoDataFrame(frame, geometry=self.geometries(), crs="EPSG:4326")

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """Plain tables for the parquet frame cache: ``nodes``, ``edges``, ``source``."""
        meta = pd.DataFrame({"key": list(self.source),
                             "value": [json.dumps(v, default=str) for v in self.source.values()]})
        return {"nodes": self.nodes.reset_index(), "edges": self.edges.reset_index(drop=True),
                "source": meta}

    @classmethod
    def from_frames(cls, frames: dict[str, pd.DataFrame], **meta: Any) -> StreetNetwork:
        """Inverse of :meth:`to_frames`; ``meta`` updates the stored source metadata."""
        nodes = frames["nodes"]
        if "node_id" in nodes.columns:
            nodes = nodes.set_index("node_id")
        nodes = nodes.astype({"x": "float64", "y": "float64"})
        nodes.index = nodes.index.astype("int64")
        nodes.index.name = "node_id"
        edges = _typed_edges(frames["edges"])
        source: dict[str, Any] = {}
        if "source" in frames and len(frames["source"]):
            source = {str(k): json.loads(v) for k, v in zip(frames["source"]["key"],
                                                              frames["source"]["value"], strict=True)}
        source.update(meta)
        return cls(nodes=nodes, edges=edges, source=source)

    def to_networkx(self) -> Any:
        """An osmnx-style ``MultiDiGraph`` (x/y node attributes, ``crs`` EPSG:4326).

        Two-way segments appear in both directions (``reversed`` true on the copy); the
        edge attributes are the ``edges`` columns with ``geometry`` as a shapely LineString.
        """
        import networkx as nx
        import shapely

        graph = nx.MultiDiGraph(crs="EPSG:4326", source=self.source.get("path", ""))
        for node_id, x, y in zip(self.nodes.index, self.nodes["x"], self.nodes["y"], strict=True):
            graph.add_node(int(node_id), x=float(x), y=float(y))
        geoms = self.geometries()
        columns = [c for c in self.edges.columns if c not in ("u", "v", "geometry")]
        records = self.edges[columns].to_dict("records")
        for u, v, attrs, geom, oneway in zip(self.edges["u"], self.edges["v"], records, geoms,
                                             self.edges["oneway"], strict=True):
            graph.add_edge(int(u), int(v), **attrs, geometry=geom, reversed=False)
            if not oneway:
                graph.add_edge(int(v), int(u), **attrs, geometry=shapely.reverse(geom),
                               reversed=True)
        return graph

    def component_stats(self) -> dict[str, Any]:
        """Headline connectivity figures (see :func:`network_stats`)."""
        return network_stats(self)


def _typed_edges(edges: pd.DataFrame) -> pd.DataFrame:
    out = edges.copy()
    for column, dtype in COLUMNS["edges"].items():
        if column not in out.columns:
            out[column] = (False if dtype == "bool" else np.nan if dtype == "float64" else 0 if dtype == "int64"
                           else "" if column != "geometry" else None)
        if dtype == "bool":
            out[column] = out[column].fillna(False).astype(bool)
        elif dtype in ("int64", "float64"):
            out[column] = out[column].astype(dtype)
        elif column != "geometry":
            out[column] = out[column].fillna("").astype(str)
    return out[list(COLUMNS["edges"])].reset_index(drop=True)


def network_stats(network: StreetNetwork) -> dict[str, Any]:
    """Nodes, edges, length and connectivity of a network.

    Returns a dict with ``nodes``, ``edges``, ``length_km``, ``components`` (weakly connected,
    all edges), ``largest_component_share``, and per mode ``walk``/``bike``/``car``:
    ``{mode}_edges``, ``{mode}_largest_wcc_share`` and ``{mode}_largest_scc_share`` (shares of
    the nodes that the mode's edges touch). Directed arcs follow ``oneway`` (car) and
    ``oneway_bike`` (bike); walking is two-way everywhere.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    nodes, edges = network.nodes, network.edges
    n = len(nodes)
    stats: dict[str, Any] = {"nodes": int(n), "edges": int(len(edges)),
                             "length_km": round(float(edges["length_m"].sum()) / 1000, 3)}
    if n == 0:
        stats.update(components=0, largest_component_share=0.0)
        return stats
    position = pd.Series(np.arange(n), index=nodes.index)
    u = position.reindex(edges["u"]).to_numpy()
    v = position.reindex(edges["v"]).to_numpy()

    def components(mask: np.ndarray, oneway: np.ndarray | None, strong: bool) -> tuple[int, float]:
        uu, vv = u[mask], v[mask]
        if oneway is not None:
            back = ~oneway[mask]
            uu, vv = np.concatenate([uu, vv[back]]), np.concatenate([vv, uu[back]])
        touched = np.zeros(n, dtype=bool)
        touched[uu] = True
        touched[vv] = True
        if not touched.any():
            return 0, 0.0
        matrix = coo_matrix((np.ones(len(uu)), (uu, vv)), shape=(n, n)).tocsr()
        _, labels = connected_components(matrix, directed=True,
                                         connection="strong" if strong else "weak")
        labels = labels[touched]
        counts = np.bincount(labels)
        counts = counts[counts > 0]
        return int(len(counts)), round(float(counts.max()) / int(touched.sum()), 4)

    everything = np.ones(len(edges), dtype=bool)
    count, share = components(everything, None, False)
    stats["components"] = count
    stats["largest_component_share"] = share
    oneway = edges["oneway"].to_numpy(bool)
    oneway_bike = edges["oneway_bike"].to_numpy(bool)
    for mode, arcs in (("walk", None), ("bike", oneway_bike), ("car", oneway)):
        mask = edges[mode].to_numpy(bool)
        stats[f"{mode}_edges"] = int(mask.sum())
        wcc_n, wcc = components(mask, None, False)
        stats[f"{mode}_components"] = wcc_n
        stats[f"{mode}_largest_wcc_share"] = wcc
        if arcs is not None:
            stats[f"{mode}_largest_scc_share"] = components(mask, arcs, True)[1]
    return stats


# -- OSM XML / PBF -------------------------------------------------------------------------------

def _check_xml(path: Path) -> None:
    """Safety pass: no DTD / entities (XML bombs), well-formed, root element ``osm``."""
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import iterparse

    root_seen = False
    try:
        for event, element in iterparse(str(path), events=("start", "end"), forbid_dtd=True):
            if not root_seen:
                root_seen = True
                if element.tag != "osm":
                    raise UnusableInputError(Msg("error.not_osm", tag=str(element.tag)),
                                             file=str(path), row=1)
            if event == "end" and element.tag in ("node", "way", "relation"):
                element.clear()
    except DefusedXmlException as exc:
        raise UnusableInputError(Msg("error.unsafe_xml", kind=type(exc).__name__), file=str(path)) from exc
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        raise UnusableInputError(Msg("error.malformed_xml", detail=str(exc)), file=str(path), row=line) from exc
    if not root_seen:
        raise UnusableInputError(Msg("error.xml_empty"), file=str(path))


def _edge_rows_from_tags(tags_list: list[dict[str, Any]]) -> pd.DataFrame:
    """Per way/edge tags -> access, oneway, speed and facility columns."""
    rows = []
    for tags in tags_list:
        walk, bike, car = access_flags(tags)
        oneway, oneway_bike, reverse = oneway_flags(tags)
        rows.append({
            "highway": _tag(tags, "highway"),
            "name": "" if tags.get("name") is None else str(
                tags["name"][0] if isinstance(tags["name"], list) else tags["name"]),
            "oneway": oneway, "oneway_bike": oneway_bike, "_reverse": reverse,
            "maxspeed_kmh": parse_maxspeed_kmh(tags.get("maxspeed")),
            "cycleway": cycle_facility(tags), "walk": walk, "bike": bike, "car": car,
            "level": level_of(tags),
        })
    columns = ["highway", "name", "oneway", "oneway_bike", "_reverse", "maxspeed_kmh",
               "cycleway", "walk", "bike", "car", "level"]
    return pd.DataFrame(rows, columns=columns)


def _finish_network(nodes: pd.DataFrame, edges: pd.DataFrame, source: dict[str, Any],
                    report: Report) -> StreetNetwork:
    """Drop edges no mode may use and nodes without edges; type the tables; fill the report."""
    usable = edges["walk"] | edges["bike"] | edges["car"]
    if (~usable).any():
        report.notice("no_access", Msg("finding.no_access", n=int((~usable).sum())), severity=INFO)
    edges = edges.loc[usable]
    used = pd.Index(np.unique(np.concatenate([edges["u"].to_numpy("int64"),
                                              edges["v"].to_numpy("int64")])))
    nodes = nodes.loc[nodes.index.isin(used)].sort_index()
    edges = _typed_edges(edges)
    source = {**source, "crs_metric": metric_crs(nodes["x"].to_numpy(), nodes["y"].to_numpy())}
    network = StreetNetwork(nodes=nodes, edges=edges, source=source)
    report.set_bbox(nodes["x"], nodes["y"])
    report.stats.update(network_stats(network))
    return network


def load_osm(path: Path | str, *, strict: bool = False) -> Loaded:
    """Load an OpenStreetMap file (.osm XML through osmnx, .osm.pbf through pyrosm).

    The XML is first checked with defusedxml: a DTD or entity declaration (XML bomb) or
    malformed XML raises :class:`UnusableInputError` naming the file (and line).
    OSM XML graphs are simplified by osmnx (``simplify=True, retain_all=True``); .pbf graphs
    are split at every OSM node by pyrosm and kept as such. OSM XML is read by
    ``ox.graph_from_xml(simplify=False, retain_all=True)``, non-street ways are removed, then
    ``ox.simplify_graph`` runs with ``edge_attrs_differ`` set to the routing tags so that a
    footway and a street are never merged into one edge.

    Returns
    -------
    Loaded
        ``data``: :class:`StreetNetwork` (node ids are OSM node ids, ``segment_id`` the OSM way
        id(s)); ``report.stats``: see :func:`network_stats`.
    """
    path = Path(path)
    if not path.exists():
        raise UnusableInputError(Msg("error.file_not_found"), file=str(path))
    name = path.name.lower()
    if name.endswith(".pbf"):
        return _load_pbf(path, strict=strict)
    return _load_osm_xml(path, strict=strict)


def _load_osm_xml(path: Path, *, strict: bool) -> Loaded:
    import osmnx as ox
    import shapely

    _check_xml(path)
    report = Report(dataset_id="osm-streets", files=[str(path)])
    saved = list(ox.settings.useful_tags_way)
    ox.settings.useful_tags_way = sorted(set(saved) | set(_OSM_WAY_TAGS))
    try:
        graph = ox.graph_from_xml(path, simplify=False, retain_all=True)
        # buildings, landuse, ... are ways too: keep streets only, then simplify, breaking
        # chains wherever a tag that matters for routing changes
        graph.remove_edges_from([(u, v, k) for u, v, k, d in graph.edges(keys=True, data=True)
                                 if "highway" not in d])
        graph.remove_nodes_from([n for n in list(graph.nodes) if graph.degree(n) == 0])
        if graph.number_of_edges() == 0:
            raise UnusableInputError(Msg("error.no_highway"), file=str(path))
        graph = ox.simplify_graph(graph, edge_attrs_differ=_OSM_WAY_TAGS)
    except UnusableInputError:
        raise
    except Exception as exc:  # osmnx raises various errors on unusable content
        raise UnusableInputError(Msg("error.osmnx", detail=str(exc)), file=str(path)) from exc
    finally:
        ox.settings.useful_tags_way = saved

    node_ids = np.fromiter(graph.nodes, dtype="int64", count=graph.number_of_nodes())
    nodes = pd.DataFrame({"x": [float(graph.nodes[i]["x"]) for i in node_ids],
                          "y": [float(graph.nodes[i]["y"]) for i in node_ids]},
                         index=pd.Index(node_ids, name="node_id"))
    seen: set[tuple] = set()
    us, vs, coords, tags_list, ways = [], [], [], [], []
    for u, v, data in graph.edges(data=True):
        geom = data.get("geometry")
        if geom is not None:
            xy = np.asarray(shapely.get_coordinates(geom), dtype="float64")
        else:
            xy = np.array([[graph.nodes[u]["x"], graph.nodes[u]["y"]],
                           [graph.nodes[v]["x"], graph.nodes[v]["y"]]], dtype="float64")
        osmid = data.get("osmid")
        osmids = tuple(sorted(osmid)) if isinstance(osmid, list) else (osmid,)
        if not _truthy(data.get("oneway")):
            key = (min(u, v), max(u, v), round(line_length_m(xy), 2), osmids)
            if key in seen:
                continue  # the reverse copy of a two-way segment
            seen.add(key)
        us.append(u)
        vs.append(v)
        coords.append(xy)
        tags_list.append(data)
        ways.append(";".join(str(i) for i in osmids))
    attrs = _edge_rows_from_tags(tags_list)
    # osmnx already reversed "oneway=-1" ways and turned "oneway" into a bool
    edges = attrs.drop(columns=["_reverse"])
    edges.insert(0, "u", np.asarray(us, dtype="int64"))
    edges.insert(1, "v", np.asarray(vs, dtype="int64"))
    edges["length_m"] = [line_length_m(c) for c in coords]
    edges["traffic_speed_kmh"] = np.nan
    edges["traffic_status"] = ""
    edges["segment_id"] = ways
    edges["geometry"] = _wkb_lines(coords)
    report.rows_read = len(edges)
    report.rows_kept = len(edges)
    network = _finish_network(nodes, edges, {"path": str(path), "format": "osm", "directed": False},
                              report)
    return Loaded(network, report)


def _truthy(value: Any) -> bool:
    if isinstance(value, list):
        return any(_truthy(v) for v in value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    return str(value).strip().lower() in _ONEWAY_TRUE


def _load_pbf(path: Path, *, strict: bool) -> Loaded:
    import shapely
    from pyrosm import OSM

    report = Report(dataset_id="osm-streets", files=[str(path)])
    try:
        osm = OSM(str(path))
        result = osm.get_network(network_type="all", nodes=True)
    except Exception as exc:  # pyrosm raises plain errors on corrupt files
        raise UnusableInputError(Msg("error.pyrosm", detail=str(exc)), file=str(path)) from exc
    if result is None or result[1] is None or len(result[1]) == 0:
        raise UnusableInputError(Msg("error.no_street_network"), file=str(path))
    pnodes, pedges = result
    nodes = pd.DataFrame({"x": pnodes["lon"].astype("float64").to_numpy(),
                          "y": pnodes["lat"].astype("float64").to_numpy()},
                         index=pd.Index(pnodes["id"].astype("int64").to_numpy(), name="node_id"))
    nodes = nodes[~nodes.index.duplicated()]
    plain = [c for c in _OSM_WAY_TAGS if c in pedges.columns]
    tags_list = []
    for record, extra in zip(pedges[plain].to_dict("records"),
                             pedges["tags"] if "tags" in pedges.columns else [None] * len(pedges), strict=True):
        tags = {k: v for k, v in record.items() if v is not None and not (
            isinstance(v, float) and math.isnan(v))}
        if isinstance(extra, str) and extra:
            try:
                more = json.loads(extra)
            except (ValueError, RecursionError):
                more = {}
            if isinstance(more, dict):
                for key in _OSM_WAY_TAGS:
                    if key in more and key not in tags:
                        tags[key] = more[key]
        tags_list.append(tags)
    attrs = _edge_rows_from_tags(tags_list)
    geoms = pedges.geometry.to_numpy()
    coords = [np.asarray(shapely.get_coordinates(g), dtype="float64") for g in geoms]
    u = pedges["u"].astype("int64").to_numpy().copy()
    v = pedges["v"].astype("int64").to_numpy().copy()
    reverse = attrs["_reverse"].to_numpy(bool)
    u[reverse], v[reverse] = v[reverse], u[reverse].copy()
    coords = [c[::-1] if r else c for c, r in zip(coords, reverse, strict=True)]
    edges = attrs.drop(columns=["_reverse"])
    edges.insert(0, "u", u)
    edges.insert(1, "v", v)
    edges["length_m"] = [line_length_m(c) for c in coords]
    edges["traffic_speed_kmh"] = np.nan
    edges["traffic_status"] = ""
    edges["segment_id"] = pedges["id"].astype(str).to_numpy()
    edges["geometry"] = _wkb_lines(coords)
    missing = ~(edges["u"].isin(nodes.index) & edges["v"].isin(nodes.index))
    report.rows_read = len(edges)
    edges = report.quarantine_mask(edges, missing.to_numpy(), code="foreign_key_violation",
                                   message=Msg("finding.edge_node_missing"), field="u",
                                   file=str(path), row_column="_none")
    if strict and report.quarantined:
        first = report.quarantined[0]
        raise SchemaError(first.message, file=first.file, row=first.row, field=first.field)
    report.rows_kept = len(edges)
    network = _finish_network(nodes, edges, {"path": str(path), "format": "pbf", "directed": False},
                              report)
    return Loaded(network, report)


# -- street line layers ----------------------------------------------------------------------------

_NAME_COLUMNS = ("name", "denomination", "nom", "nom_voie", "libelle")
_MAXSPEED_COLUMNS = ("maxspeed", "vitesse_maxi", "vitesse_max", "max_speed")
_TRAFFIC_SPEED_COLUMNS = ("averagevehiclespeed", "traffic_speed_kmh", "vitesse_moyenne")
_TRAFFIC_STATUS_COLUMNS = ("trafficstatus", "traffic_status", "etat_trafic")
_ID_COLUMNS = ("predefinedlocationreference", "segment_id", "@id", "osm_id", "id", "gml_id")
_HIERARCHY_COLUMNS = ("hierarchie", "hierarchy")
_GEOMETRY_COLUMNS = ("geo shape", "geo_shape", "geometry", "geom", "shape", "geojson")


def _read_geojson_features(path: Path) -> list[tuple[int, dict[str, Any], Any]]:
    try:
        document = json.loads(_csv.read_bytes(path).decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise UnusableInputError(Msg("error.not_utf8", detail=str(exc)), file=str(path)) from exc
    except RecursionError as exc:
        raise UnusableInputError(Msg("error.json_deep"), file=str(path)) from exc
    except json.JSONDecodeError as exc:
        raise UnusableInputError(Msg("error.malformed_json", detail=exc.msg), file=str(path), row=exc.lineno) from exc
    if isinstance(document, list):  # Opendatasoft JSON export: records with a geo_shape
        features = []
        for record in document:
            if not isinstance(record, dict):
                continue
            props = record.get("fields", record)
            geom = next((props.get(k) for k in props if k.lower() in _GEOMETRY_COLUMNS), None)
            features.append({"type": "Feature", "properties": props, "geometry": geom})
    elif isinstance(document, dict) and document.get("type") == "FeatureCollection":
        features = document.get("features") or []
    elif isinstance(document, dict) and document.get("type") == "Feature":
        features = [document]
    else:
        raise UnusableInputError(Msg("error.not_feature_collection"), file=str(path), row=1)
    out = []
    for i, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            out.append((i, {}, None))
            continue
        props = feature.get("properties") or {}
        out.append((i, props if isinstance(props, dict) else {}, feature.get("geometry")))
    return out


def _read_csv_features(path: Path, report: Report | None = None
                       ) -> list[tuple[int, dict[str, Any], Any]]:
    """(row, properties, geometry) of a CSV export with a GeoJSON column. Budgets first; a
    broken line is quarantined with its line number (:mod:`sources.loaders._csv`)."""
    raw = _csv.read_bytes(path)
    encoding = "utf-8-sig"
    try:
        raw.decode(encoding)
    except UnicodeDecodeError:
        encoding = "latin-1"
    header = raw.split(b"\n", 1)[0]
    sep = ";" if header.count(b";") >= header.count(b",") else ","
    frame = _csv.read_csv_bytes(raw, label=str(path), report=report, sep=sep, encoding=encoding)
    rows = frame.pop("_row").tolist()
    lower = {c.lower().strip(): c for c in frame.columns}
    geometry_column = next((lower[c] for c in _GEOMETRY_COLUMNS if c in lower), None)
    if geometry_column is None:
        raise SchemaError(Msg("error.no_geometry_column", columns=", ".join(_GEOMETRY_COLUMNS)), file=str(path), field="Geo Shape")
    records = frame.to_dict("records")
    out = []
    for i, record in zip(rows, records, strict=True):
        text_geom = record.pop(geometry_column, "")
        try:
            geom = json.loads(text_geom) if text_geom else None
        except (json.JSONDecodeError, RecursionError):
            geom = {"_invalid": text_geom}
        out.append((i, record, geom))
    return out


def _line_parts(geom: Any) -> list[np.ndarray] | None:
    """GeoJSON geometry -> list of (n, 2) coordinate arrays; [] for points; None if invalid."""
    if not isinstance(geom, dict) or "_invalid" in geom:
        return None
    kind = geom.get("type")
    try:
        if kind == "LineString":
            parts = [geom["coordinates"]]
        elif kind == "MultiLineString":
            parts = list(geom["coordinates"])
        elif kind in ("Point", "MultiPoint", "Polygon", "MultiPolygon"):
            return []
        else:
            return None
        arrays = [np.asarray([c[:2] for c in part], dtype="float64").reshape(-1, 2) for part in parts]
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    return arrays


def _pick(props: dict[str, Any], names: Sequence[str]) -> Any:
    lower = {str(k).lower().strip(): v for k, v in props.items()}
    for name in names:
        value = lower.get(name)
        if value is not None and value != "":
            return value
    return None


def load_street_lines(path: Path | str, *, tolerance_m: float = DEFAULT_TOLERANCE_M,
                      directed: bool | None = None,
                      bbox: tuple[float, float, float, float] | None = None,
                      strict: bool = False) -> Loaded:
    """Load a street LINE layer and rebuild its topology.

    Lines are split at shared interior vertices; line ends within ``tolerance_m`` of another
    line's vertex are snapped together (Lambert-93 / UTM, cKDTree, union-find), the merged
    node lying at the mean of the snapped vertices. Points in the layer are ignored.

    Parameters
    ----------
    path
        GeoJSON (FeatureCollection of LineStrings with OSM-like ``highway``/``name``/...
        properties) or CSV with a GeoJSON geometry column (``Geo Shape``; ``;`` or ``,``).
    tolerance_m
        Snapping distance for line ends, metres.
    directed
        Each line is one direction of travel (``oneway`` true everywhere). Default: true when
        the layer carries traffic-state columns (Rennes Métropole main roads).
    bbox
        Optional (lon_min, lat_min, lon_max, lat_max); lines leaving it are quarantined.

    Returns
    -------
    Loaded
        ``data``: :class:`StreetNetwork` (node ids 0..n-1); quarantine codes
        ``invalid_geometry``, ``degenerate_geometry``, ``point_outside_area``.
    """
    path = Path(path)
    if not path.exists():
        raise UnusableInputError(Msg("error.file_not_found"), file=str(path))
    suffix = path.suffix.lower()
    report = Report(dataset_id="streets", files=[str(path)])
    features = (_read_csv_features(path, report) if suffix == ".csv"
                else _read_geojson_features(path))
    report.rows_read += report.n_quarantined  # broken CSV lines, quarantined while reading
    columns_lower = {str(k).lower().strip() for _, p, _ in features[:50] for k in p}
    has_traffic = bool(columns_lower & set(_TRAFFIC_STATUS_COLUMNS))
    if directed is None:
        directed = has_traffic
    lines: list[np.ndarray] = []
    props_list: list[dict[str, Any]] = []
    n_points = 0
    geometry_field = "Geo Shape" if suffix == ".csv" else "geometry"
    for row, props, geom in features:
        parts = _line_parts(geom)
        if parts is None:
            report.rows_read += 1
            report.quarantine("invalid_geometry", Msg("finding.line_unreadable"),
                              file=str(path), row=row, field=geometry_field,
                              value=json.dumps(geom)[:80] if geom is not None else None)
            continue
        if not parts:
            n_points += 1
            continue
        report.rows_read += 1
        good_parts = []
        for coords in parts:
            if len(coords):
                keep = np.ones(len(coords), dtype=bool)
                keep[1:] = np.any(coords[1:] != coords[:-1], axis=1)
                coords = coords[keep]
            if len(coords) < 2 or not np.isfinite(coords).all():
                continue
            good_parts.append(coords)
        if not good_parts:
            report.quarantine("degenerate_geometry", Msg("finding.line_degenerate"),
                              file=str(path), row=row, field=geometry_field)
            continue
        allc = np.concatenate(good_parts)
        box = bbox or (-180.0, -90.0, 180.0, 90.0)
        if not ((allc[:, 0] >= box[0]) & (allc[:, 0] <= box[2])
                & (allc[:, 1] >= box[1]) & (allc[:, 1] <= box[3])).all():
            report.quarantine("point_outside_area", Msg("finding.line_outside_area", **area_params(box)),
                              file=str(path), row=row, field=geometry_field,
                              value=f"{allc[0, 0]},{allc[0, 1]}")
            continue
        report.rows_kept += 1
        for coords in good_parts:
            lines.append(coords)
            props_list.append({**props, "_row": row})
    if strict and report.quarantined:
        first = report.quarantined[0]
        raise SchemaError(first.message, file=first.file, row=first.row, field=first.field)
    if n_points:
        report.notice("non_line_features_ignored", Msg("finding.points_ignored", n=n_points),
                      severity=INFO, file=str(path))
    if not lines:
        raise UnusableInputError(Msg("error.no_line_geometry"), file=str(path))

    attrs = _line_attributes(props_list, directed=directed)
    nodes, edges = _rebuild_topology(lines, attrs, tolerance_m=tolerance_m, report=report,
                                     file=str(path))
    source = {"path": str(path), "format": "lines", "directed": bool(directed),
              "tolerance_m": float(tolerance_m)}
    network = _finish_network(nodes, edges, source, report)
    report.stats["lines"] = len(lines)
    report.stats["tolerance_m"] = float(tolerance_m)
    return Loaded(network, report)


def _line_attributes(props_list: list[dict[str, Any]], *, directed: bool) -> pd.DataFrame:
    rows = []
    for props in props_list:
        tags = {str(k).lower(): v for k, v in props.items()}
        hierarchy = _pick(props, _HIERARCHY_COLUMNS)
        if not tags.get("highway") and hierarchy:
            tags["highway"] = _HIERARCHY_HIGHWAY.get(str(hierarchy).strip().lower(), "unclassified")
        if not tags.get("highway"):
            tags["highway"] = "road"
        name = _pick(props, _NAME_COLUMNS)
        tags["name"] = "" if name is None else str(name)
        walk, bike, car = access_flags(tags)
        if directed:
            oneway, oneway_bike, reverse = True, True, False
        else:
            oneway, oneway_bike, reverse = oneway_flags(tags)
        speed = _pick(props, _TRAFFIC_SPEED_COLUMNS)
        status = _pick(props, _TRAFFIC_STATUS_COLUMNS)
        seg = _pick(props, _ID_COLUMNS)
        rows.append({
            "highway": tags["highway"], "name": tags["name"], "oneway": oneway,
            "oneway_bike": oneway_bike, "_reverse": reverse,
            "maxspeed_kmh": parse_maxspeed_kmh(_pick(props, _MAXSPEED_COLUMNS)),
            "cycleway": cycle_facility(tags), "walk": walk, "bike": bike, "car": car,
            "level": level_of(tags),
            "traffic_speed_kmh": parse_maxspeed_kmh(speed) if speed is not None else np.nan,
            "traffic_status": "" if status is None else str(status),
            "segment_id": "" if seg is None else str(seg), "_row": props["_row"],
        })
    return pd.DataFrame(rows)


def _rebuild_topology(lines: list[np.ndarray], attrs: pd.DataFrame, *, tolerance_m: float,
                      report: Report, file: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nodes and edges from polylines: split at shared vertices, snap ends within tolerance."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    reverse = attrs["_reverse"].to_numpy(bool)
    lines = [c[::-1] if r else c for c, r in zip(lines, reverse, strict=True)]
    sizes = np.array([len(c) for c in lines])
    coords = np.concatenate(lines)
    n_vertices = len(coords)
    line_of = np.repeat(np.arange(len(lines)), sizes)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    is_end = np.zeros(n_vertices, dtype=bool)
    is_end[starts] = True
    is_end[starts + sizes - 1] = True

    crs = metric_crs(coords[:, 0], coords[:, 1])
    x, y = project_xy(coords[:, 0], coords[:, 1], crs)
    xy = np.column_stack([x, y])

    # 1. identical coordinates (shared OSM nodes): group by rounded lon/lat (~1 cm)
    key = np.round(coords * 1e7).astype("int64")
    _, group, group_size = np.unique(key, axis=0, return_inverse=True, return_counts=True)
    group = group.ravel()
    shared = group_size[group] > 1
    pair_i = [np.arange(n_vertices)]
    pair_j = [n_vertices + group]  # link every vertex to a virtual node of its group
    # 2. line ends snapped to any vertex of ANOTHER line within the tolerance
    ends = np.flatnonzero(is_end)
    snapped = np.zeros(n_vertices, dtype=bool)
    if tolerance_m > 0 and len(ends):
        tree_all = cKDTree(xy)
        tree_end = cKDTree(xy[ends])
        near = tree_end.sparse_distance_matrix(tree_all, tolerance_m, output_type="coo_matrix")
        a = ends[near.row]
        b = near.col
        keep = line_of[a] != line_of[b]
        a, b, d = a[keep], b[keep], near.data[keep]
        # one vertex per (end, other line): the nearest, which limits chaining
        order = np.lexsort((d, line_of[b], a))
        a, b = a[order], b[order]
        first = np.ones(len(a), dtype=bool)
        first[1:] = (a[1:] != a[:-1]) | (line_of[b][1:] != line_of[b][:-1])
        a, b = a[first], b[first]
        snapped[a] = True
        snapped[b] = True
        pair_i.append(a)
        pair_j.append(b)
    i = np.concatenate(pair_i)
    j = np.concatenate(pair_j)
    size = n_vertices + int(group.max()) + 1
    graph = coo_matrix((np.ones(len(i), dtype=np.int8), (i, j)), shape=(size, size))
    _, label = connected_components(graph, directed=False)
    label = label[:n_vertices]
    node_vertex = is_end | shared | snapped
    # a cluster holding one node-worthy vertex makes all its vertices nodes
    cluster_is_node = np.zeros(label.max() + 1, dtype=bool)
    cluster_is_node[label[node_vertex]] = True
    node_vertex = cluster_is_node[label]
    clusters, node_of_vertex = np.unique(label[node_vertex], return_inverse=True)
    node_lon = np.bincount(node_of_vertex, weights=coords[node_vertex, 0]) / np.bincount(node_of_vertex)
    node_lat = np.bincount(node_of_vertex, weights=coords[node_vertex, 1]) / np.bincount(node_of_vertex)
    vertex_node = np.full(n_vertices, -1, dtype="int64")
    vertex_node[node_vertex] = node_of_vertex
    spread = np.zeros(len(clusters))
    np.maximum.at(spread, node_of_vertex,
                  haversine_m(coords[node_vertex, 0], coords[node_vertex, 1],
                              node_lon[node_of_vertex], node_lat[node_of_vertex]))
    report.stats["max_snap_m"] = round(float(spread.max()) if len(spread) else 0.0, 2)

    # split every line at its node vertices
    nv = np.flatnonzero(node_vertex)
    a, b = nv[:-1], nv[1:]
    same = line_of[a] == line_of[b]
    a, b = a[same], b[same]
    u = vertex_node[a]
    v = vertex_node[b]
    pieces = []
    for start, stop, uu, vv in zip(a, b, u, v, strict=True):
        piece = coords[start:stop + 1].copy()
        piece[0] = (node_lon[uu], node_lat[uu])
        piece[-1] = (node_lon[vv], node_lat[vv])
        pieces.append(piece)
    lengths = np.array([line_length_m(p) for p in pieces])
    line_idx = line_of[a]
    degenerate = (u == v) & (lengths < 2 * tolerance_m)
    if degenerate.any():
        report.notice("degenerate_segment", Msg("finding.segments_collapsed", n=int(degenerate.sum()),
                                                m=float(2 * tolerance_m)), severity=INFO, file=file)
    keep = ~degenerate
    edges = attrs.iloc[line_idx[keep]].drop(columns=["_reverse", "_row"]).reset_index(drop=True)
    edges.insert(0, "u", u[keep].astype("int64"))
    edges.insert(1, "v", v[keep].astype("int64"))
    edges["length_m"] = lengths[keep]
    edges["geometry"] = _wkb_lines([p for p, k in zip(pieces, keep, strict=True) if k])
    nodes = pd.DataFrame({"x": node_lon, "y": node_lat},
                         index=pd.Index(np.arange(len(node_lon), dtype="int64"), name="node_id"))
    report.stats["crs_metric"] = crs
    return nodes, edges


# -- the catalogue loader ----------------------------------------------------------------------------

def load_streets(paths: Path | str | Sequence[Path | str], *, strict: bool = False,
                 tolerance_m: float = DEFAULT_TOLERANCE_M, directed: bool | None = None,
                 bbox: tuple[float, float, float, float] | None = None,
                 **options: Any) -> Loaded:
    """Catalogue loader for street networks (``osm-streets``, ``main-roads-traffic``).

    Dispatches on the suffix: ``.osm``/``.xml``/``.pbf`` -> :func:`load_osm`;
    ``.geojson``/``.json``/``.csv`` -> :func:`load_street_lines` (``tolerance_m``,
    ``directed``, ``bbox`` apply there). One file per call.

    Returns
    -------
    Loaded
        ``data``: :class:`StreetNetwork`; ``report.stats``: ``nodes``, ``edges``,
        ``length_km``, ``components``, ``car_largest_scc_share``, ``walk_largest_wcc_share``, ...
        (see :func:`network_stats`).
    """
    if options:
        raise TypeError(f"unexpected options for load_streets: {', '.join(sorted(options))}")
    if isinstance(paths, (str, Path)):
        paths = [paths]
    paths = [Path(p) for p in paths]
    if len(paths) != 1:
        raise UnusableInputError(Msg("error.one_path", n=len(paths)),
                                 file=", ".join(str(p) for p in paths))
    path = paths[0]
    name = path.name.lower()
    if name.endswith((".osm", ".osm.xml", ".pbf", ".osm.pbf")):
        loaded = load_osm(path, strict=strict)
    elif name.endswith((".geojson", ".json", ".csv")):
        loaded = load_street_lines(path, tolerance_m=tolerance_m, directed=directed, bbox=bbox,
                                   strict=strict)
    else:
        raise UnusableInputError(Msg("error.street_file_type"), file=str(path))
    return loaded
