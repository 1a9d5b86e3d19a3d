"""Tiny multimodal networks for the planner, network and routing CLI tests.

A 4 x 4 street grid whose nodes include the four stops of :mod:`tests.factories`
(A République, B Gares, C Jacques Cartier, D Clemenceau lie on its diagonal), built
in the test from plain frames, plus:

* a footway A-B (walk only) and a cycleway B-C (bike only, cycle facility), so that
  walk, bike and car take different paths;
* a primary road along the bottom row (faster by car, costlier by bike);
* a one-way street 20 -> 21 for cars (bikes and pedestrians both ways);
* an isolated two-node street far east (nodes 90, 91): on the street layer, but
  unreachable from the grid.

Node ids are ``10 * row + column`` (row 0 south, column 0 west)::

    30(A) - 31 - 32 - 33
     |   \\    |    |    |
    20 -> 21(B) - 22 - 23
     |    |  \\   |    |
    10 - 11 - 12(C)- 13
     |    |    |    |
     0 -  1 -  2 -  3(D)          90 - 91 (isolated)

Points of service (each on a grid node, so their snap distance is 0):

* bike share: "Sans vélos" at 20 (0 bikes, known), "Vélos dispo" at 10 (3 bikes, 5 docks),
  "Complète" at 3 (0 free docks), "Places libres" at 13 (4 free docks);
* park-and-ride "Parc Relais Test" at 31;
* carpool places "Aire Test" at 11 and "Aire Isolée" at 90 (unreachable);
* chargers "Borne Test" (22 kW) at 21 and "Borne Isolée" at 91 (unreachable).

The GTFS is the factories feed (service 2024-03-04..08, weekdays); :data:`DAY` is a Tuesday.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from sources.loaders.streets import StreetNetwork, haversine_m

from .factories import make_gtfs_dir, make_gtfs_zip

DAY = dt.date(2024, 3, 5)
LONS = (-1.6780, -1.6730, -1.6700, -1.6680)
LATS = (48.0970, 48.1010, 48.1050, 48.1100)
ISOLATED = {90: (-1.6600, 48.1000), 91: (-1.6590, 48.1000)}
#: stop id -> grid node
STOP_NODE = {"A": 30, "B": 21, "C": 12, "D": 3}
#: a point about 560 m north of A: farther than max_snap_m (300 m) from any street
OFF_STREET = (-1.6780, 48.1150)


def node_xy(node: int) -> tuple[float, float]:
    """(lon, lat) of a node of the tiny grid."""
    if node in ISOLATED:
        return ISOLATED[node]
    return LONS[node % 10], LATS[node // 10]


def dist_m(a: int | tuple[float, float], b: int | tuple[float, float]) -> float:
    """Great-circle metres between two nodes (or (lon, lat) points)."""
    (x1, y1) = node_xy(a) if isinstance(a, int) else a
    (x2, y2) = node_xy(b) if isinstance(b, int) else b
    return float(haversine_m(np.array([x1]), np.array([y1]), np.array([x2]), np.array([y2]))[0])


def path_m(nodes: list[int]) -> float:
    """Length of a path through grid nodes (straight segments between them)."""
    return float(sum(dist_m(a, b) for a, b in zip(nodes[:-1], nodes[1:], strict=True)))


def _edge(u: int, v: int, **attrs: Any) -> dict[str, Any]:
    row = {"u": u, "v": v, "highway": "residential", "name": f"Rue {u}-{v}", "oneway": False,
           "oneway_bike": False, "maxspeed_kmh": 30.0, "cycleway": False, "walk": True, "bike": True,
           "car": True, "traffic_speed_kmh": np.nan, "traffic_status": "", "segment_id": ""}
    row.update(attrs)
    return row


def grid_edges() -> list[dict[str, Any]]:
    """Edge rows of the tiny grid (without length and geometry)."""
    rows = []
    for r in range(4):
        for c in range(3):
            u, v = 10 * r + c, 10 * r + c + 1
            if r == 0:
                rows.append(_edge(u, v, highway="primary", maxspeed_kmh=50.0, name="Boulevard Sud"))
            elif (u, v) == (20, 21):
                rows.append(_edge(u, v, oneway=True, name="Rue à sens unique"))
            else:
                rows.append(_edge(u, v))
    for r in range(3):
        for c in range(4):
            rows.append(_edge(10 * r + c, 10 * (r + 1) + c))
    rows.append(_edge(30, 21, highway="footway", name="Passage piéton", bike=False, car=False,
                      maxspeed_kmh=np.nan))
    rows.append(_edge(21, 12, highway="cycleway", name="Piste cyclable", walk=False, car=False,
                      cycleway=True, maxspeed_kmh=np.nan))
    rows.append(_edge(90, 91, name="Rue isolée"))
    return rows


def make_streets() -> StreetNetwork:
    """The tiny street network (frames as :mod:`sources.loaders.streets` produces them)."""
    ids = [10 * r + c for r in range(4) for c in range(4)] + sorted(ISOLATED)
    nodes = pd.DataFrame({"x": [node_xy(i)[0] for i in ids], "y": [node_xy(i)[1] for i in ids]},
                         index=pd.Index(np.array(ids, dtype="int64"), name="node_id"))
    edges = pd.DataFrame(grid_edges())
    edges["length_m"] = [dist_m(int(u), int(v)) for u, v in zip(edges["u"], edges["v"], strict=True)]
    edges["geometry"] = [shapely.to_wkb(shapely.LineString([node_xy(int(u)), node_xy(int(v))]))
                         for u, v in zip(edges["u"], edges["v"], strict=True)]
    return StreetNetwork.from_frames({"nodes": nodes.reset_index(), "edges": edges},
                                     path="tiny-grid", format="test", directed=False)


def random_grid_streets(rows: int, cols: int, *, seed: int) -> StreetNetwork:
    """A jittered ``rows`` x ``cols`` street grid around the tiny grid's area (node ids 0..n-1, row by
    row), strongly connected for every mode: each row's street and the first column's are residential
    (both ways, every mode); the other edges are of random classes (footway, cycleway, trunk,
    primary...) and some are one-way for cars."""
    rng = np.random.default_rng(seed)
    r, c = np.divmod(np.arange(rows * cols), cols)
    lon = -1.70 + c * 0.002 + rng.uniform(-0.0005, 0.0005, rows * cols)
    lat = 48.085 + r * 0.0014 + rng.uniform(-0.0003, 0.0003, rows * cols)
    classes = {"residential": {}, "primary": {"maxspeed_kmh": 50.0}, "trunk": {"maxspeed_kmh": 90.0, "walk": False},
               "footway": {"bike": False, "car": False, "maxspeed_kmh": np.nan},
               "cycleway": {"car": False, "cycleway": True, "maxspeed_kmh": np.nan}}
    rows_out = []
    for u in range(rows * cols):
        for v, backbone in ((u + 1, True), (u + cols, c[u] == 0)):
            if (v == u + 1 and c[u] == cols - 1) or v >= rows * cols:
                continue
            highway = "residential" if backbone else str(rng.choice(list(classes)))
            rows_out.append(_edge(u, v, highway=highway, oneway=bool(not backbone and rng.random() < 0.1),
                                  **classes[highway]))
    edges = pd.DataFrame(rows_out)
    u, v = edges["u"].to_numpy(), edges["v"].to_numpy()
    edges["length_m"] = haversine_m(lon[u], lat[u], lon[v], lat[v])
    edges["geometry"] = shapely.to_wkb(shapely.linestrings(np.stack([np.column_stack([lon[u], lat[u]]),
                                                                     np.column_stack([lon[v], lat[v]])], axis=1)))
    nodes = pd.DataFrame({"node_id": np.arange(rows * cols, dtype="int64"), "x": lon, "y": lat})
    return StreetNetwork.from_frames({"nodes": nodes, "edges": edges}, path=f"random-grid-{rows}x{cols}",
                                     format="test", directed=False)


def make_bikeshare(*, known: bool = True) -> pd.DataFrame:
    """Four stations; with ``known`` false, availability is unknown everywhere."""
    rows = [("S0", "Sans vélos", 20, 0, 8), ("S1", "Vélos dispo", 10, 3, 5),
            ("S2", "Complète", 3, 6, 0), ("S3", "Places libres", 13, 1, 4)]
    frame = pd.DataFrame({
        "station_id": [r[0] for r in rows], "name": [r[1] for r in rows],
        "lon": [node_xy(r[2])[0] for r in rows], "lat": [node_xy(r[2])[1] for r in rows],
        "capacity": [8.0] * 4,
        "bikes_available": [float(r[3]) if known else np.nan for r in rows],
        "docks_available": [float(r[4]) if known else np.nan for r in rows],
        "status_known": [known] * 4})
    return frame


def make_parkings() -> pd.DataFrame:
    """A park-and-ride at 31 and an ordinary car park (not park-and-ride) at 0."""
    return pd.DataFrame({"parking_id": ["PR1", "P2"], "name": ["Parc Relais Test", "Parking Ordinaire"],
                         "lon": [node_xy(31)[0], node_xy(0)[0]], "lat": [node_xy(31)[1], node_xy(0)[1]],
                         "capacity": [300, 50], "is_park_and_ride": [True, False]})


def make_carpool() -> pd.DataFrame:
    return pd.DataFrame({"place_id": ["CP1", "CP2"], "name": ["Aire Test", "Aire Isolée"],
                         "lon": [node_xy(11)[0], node_xy(90)[0]], "lat": [node_xy(11)[1], node_xy(90)[1]],
                         "places": [12, 4]})


def make_chargers() -> pd.DataFrame:
    return pd.DataFrame({"station_id": ["E1", "E2"], "name": ["Borne Test", "Borne Isolée"],
                         "lon": [node_xy(21)[0], node_xy(91)[0]], "lat": [node_xy(21)[1], node_xy(91)[1]],
                         "power_kw": [22.0, 50.0], "n_points": [2, 1]})


def load_tiny_feed(directory: Path) -> Any:
    """The factories' 4-stop GTFS, written under ``directory`` and loaded."""
    from sources.loaders.gtfs import load_gtfs

    return load_gtfs(make_gtfs_dir(directory / "gtfs")).data


def make_network(directory: Path, *, bikeshare_known: bool = True, digest: str = "tiny") -> Any:
    """The whole tiny network assembled with :func:`routing.network.assemble.build_network`."""
    from routing.network.assemble import build_network

    return build_network(feed=load_tiny_feed(directory), streets=[make_streets()], day=DAY,
                         bikeshare=make_bikeshare(known=bikeshare_known), carpool=make_carpool(),
                         parkings=make_parkings(), chargers=make_chargers(), digest=digest)


def at(hh: int, mm: int, ss: int = 0) -> dt.datetime:
    """A time of :data:`DAY`."""
    return dt.datetime.combine(DAY, dt.time(hh, mm, ss))


# -- a tiny offline bundle for the CLI --------------------------------------------------------------

def write_streets_geojson(path: Path) -> Path:
    """The grid as a GeoJSON street LINE layer (topology rebuilt by the loader)."""
    feats = []
    for row in grid_edges():
        props = {"highway": row["highway"], "name": row["name"]}
        if row["oneway"]:
            props["oneway"] = "yes"
        if row["highway"] == "cycleway":
            props["bicycle"] = "designated"
            props["foot"] = "no"
        if np.isfinite(row["maxspeed_kmh"]):
            props["maxspeed"] = str(int(row["maxspeed_kmh"]))
        feats.append({"type": "Feature", "properties": props,
                      "geometry": {"type": "LineString",
                                   "coordinates": [list(node_xy(row["u"])), list(node_xy(row["v"]))]}})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")
    return path


def make_tiny_bundle(root: Path) -> Path:
    """An offline bundle with only the two required datasets (GTFS and the street layer),
    at the catalogue's bundle paths."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "README.md").write_text("tiny test bundle\n", encoding="utf-8")
    (root / "gtfs").mkdir(exist_ok=True)
    make_gtfs_zip(root / "gtfs" / "star-2011-11-14.zip")
    write_streets_geojson(root / "streets" / "osm-rennes-named-streets-2013.geojson")
    return root
