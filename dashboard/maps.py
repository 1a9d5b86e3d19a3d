"""Map layers for the dashboard, as plain functions of loaded frames (no Streamlit here).

Each layer is a :class:`LayerSpec`: which catalogue datasets it needs, a
``prepare`` function turning the loaded data into a small display table, and a
``build`` function turning that table into pydeck layers. Display tables have
either point columns ``lon, lat, radius_m, color, name, info`` or path columns
``path, color, width_m, name, info`` (``path`` a list of [lon, lat]); ``name``
and ``info`` are HTML-escaped because deck.gl puts tooltips in innerHTML.

The base map is drawn from the street network (no online tiles by default), so
the map is never blank, even offline.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pydeck as pdk

from sources import settings
from sources.geo import haversine_m

RENNES_CENTER = (-1.6778, 48.1173)  # lon, lat (République)
#: a bbox a little larger than Rennes Métropole, to crop national/regional files
VIEW_BBOX = (-2.05, 47.90, -1.35, 48.32)

GREY = [150, 150, 160]
STREET_COLOR = [205, 208, 214]
ROAD_COLOR = [170, 176, 188]
HEX_RE = re.compile(r"^[0-9A-Fa-f]{6}$")

#: leg colours by mode (RGB) when the leg has no route colour
MODE_COLORS: dict[str, list[int]] = {
    "walk": [90, 90, 90], "bike": [0, 150, 80], "bikeshare": [227, 5, 27], "transit": [0, 90, 170],
    "car": [120, 60, 160], "carpool": [230, 130, 0], "ecar": [0, 160, 160], "charge": [0, 160, 160],
    "wait": [160, 160, 160],
}


def hex_to_rgb(value: Any, default: list[int] | None = None) -> list[int]:
    """``"E3051B"`` or ``"#e3051b"`` -> [227, 5, 27]; anything else -> ``default`` (grey)."""
    text = str(value or "").strip().lstrip("#")
    if HEX_RE.match(text):
        return [int(text[i:i + 2], 16) for i in (0, 2, 4)]
    return list(default or GREY)


def esc(value: Any) -> str:
    """Text safe for deck.gl tooltips and HTML snippets (None/NaN -> "")."""
    if value is None:
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return html.escape(str(value))


def pick_column(frame: pd.DataFrame, *candidates: str) -> str | None:
    """The first of ``candidates`` that is a column of ``frame`` (case-insensitive), else None."""
    lower = {str(c).lower(): c for c in frame.columns}
    for cand in candidates:
        if cand in frame.columns:
            return cand
        if cand.lower() in lower:
            return lower[cand.lower()]
    return None


def _num(frame: pd.DataFrame, col: str | None, default: float = np.nan) -> pd.Series:
    """A float64 column (NaN for missing or unparsable values, nullable dtypes included)."""
    if col is None:
        return pd.Series(default, index=frame.index, dtype="float64")
    values = frame[col]
    if values.dtype == bool or str(values.dtype) == "boolean":
        values = values.astype("float64")
    return pd.to_numeric(values, errors="coerce").astype("float64")


def _text(frame: pd.DataFrame, col: str | None) -> pd.Series:
    if col is None:
        return pd.Series("", index=frame.index, dtype="object")
    return frame[col].map(esc)


def in_bbox(frame: pd.DataFrame, bbox: tuple[float, float, float, float] = VIEW_BBOX) -> pd.DataFrame:
    lon, lat = _num(frame, pick_column(frame, "lon", "stop_lon")), _num(frame, pick_column(frame, "lat", "stop_lat"))
    keep = lon.between(bbox[0], bbox[2]) & lat.between(bbox[1], bbox[3])
    return frame.loc[keep.fillna(False).to_numpy()]


# -- geometry helpers -----------------------------------------------------------------------------

def line_paths(geometry: Any) -> list[list[list[float]]]:
    """Paths ([[lon, lat], ...]) of a shapely LineString/MultiLineString or GeoJSON mapping."""
    if geometry is None:
        return []
    if isinstance(geometry, (bytes, bytearray, memoryview, str)):
        import shapely

        try:
            geometry = (shapely.from_wkt(geometry) if isinstance(geometry, str)
                        else shapely.from_wkb(bytes(geometry)))
        except Exception:  # shapely.errors.GEOSException and friends: not a geometry
            return []
    if isinstance(geometry, Mapping):
        gtype, coords = geometry.get("type"), geometry.get("coordinates")
        if gtype == "LineString":
            return [[[float(x), float(y)] for x, y, *_ in coords]] if coords else []
        if gtype == "MultiLineString":
            return [[[float(x), float(y)] for x, y, *_ in part] for part in coords or [] if part]
        return []
    gtype = getattr(geometry, "geom_type", None)
    if gtype == "LineString":
        return [[[float(x), float(y)] for x, y, *_ in geometry.coords]]
    if gtype == "MultiLineString":
        return [[[float(x), float(y)] for x, y, *_ in g.coords] for g in geometry.geoms]
    return []


def line_frame(data: Any) -> pd.DataFrame | None:
    """The table of line features inside loaded data: a GeoDataFrame, or a multi-table object
    (``edges`` attribute or ``to_frames()``) holding one with a ``geometry`` column."""
    if isinstance(data, pd.DataFrame):
        return data if "geometry" in data.columns else None
    to_gdf = getattr(data, "to_geodataframe", None)
    if callable(to_gdf):
        return to_gdf()
    for attr in ("edges", "lines", "segments"):
        frame = getattr(data, attr, None)
        if isinstance(frame, pd.DataFrame) and "geometry" in frame.columns:
            return frame
    to_frames = getattr(data, "to_frames", None)
    if callable(to_frames):
        for name, frame in to_frames().items():
            if isinstance(frame, pd.DataFrame) and "geometry" in frame.columns and name != "nodes":
                return frame
    return None


def paths_table(frame: pd.DataFrame, *, color: Callable[[pd.Series], list[int]] | list[int],
                width_m: float, name_col: str | None = None,
                info: Callable[[pd.Series], str] | None = None) -> pd.DataFrame:
    """Explode line features into one row per path with ``path, color, width_m, name, info``."""
    rows: list[dict[str, Any]] = []
    geoms = frame["geometry"].tolist()
    for (_, rec), geom in zip(frame.iterrows(), geoms, strict=False):
        paths = line_paths(geom)
        if not paths:
            continue
        col = color(rec) if callable(color) else color
        name = esc(rec[name_col]) if name_col else ""
        text = info(rec) if info else ""
        for p in paths:
            if len(p) >= 2:
                rows.append({"path": p, "color": col, "width_m": width_m, "name": name, "info": text})
    return pd.DataFrame(rows, columns=["path", "color", "width_m", "name", "info"])


# -- layer preparation (one function per layer) ------------------------------------------------------

def compact_path(path: list[list[float]], *, tolerance_deg: float = 4e-5) -> list[list[float]]:
    """A path simplified (Douglas-Peucker, ~4 m) and rounded to 5 decimals (~1 m), for the base map."""
    import shapely

    if len(path) > 2:
        line = shapely.simplify(shapely.linestrings(path), tolerance_deg, preserve_topology=False)
        path = [list(c) for c in shapely.get_coordinates(line)]
    out: list[list[float]] = []
    for x, y in path:
        pt = [round(float(x), 5), round(float(y), 5)]
        if not out or pt != out[-1]:
            out.append(pt)
    return out if len(out) >= 2 else out * 2


def simplified_paths(frame: pd.DataFrame, *, tolerance_deg: float = 4e-5) -> list[list[list[float]]]:
    """The line geometries of ``frame`` as paths simplified (Douglas-Peucker, ~4 m) and rounded to
    5 decimals (~1 m), vectorised with shapely (no Python loop over features).

    Geometries that are not shapely lines (points, WKB, mappings) go through :func:`line_paths`.
    """
    import shapely

    geoms = np.asarray(frame["geometry"].to_numpy(), dtype=object)
    is_geom = np.array([isinstance(g, shapely.Geometry) for g in geoms], dtype=bool)
    out: list[list[list[float]]] = []
    if is_geom.any():
        parts = shapely.get_parts(geoms[is_geom])
        parts = parts[shapely.get_type_id(parts) == 1]  # LineStrings (MultiLineStrings exploded)
        if len(parts):
            simp = shapely.simplify(parts, tolerance_deg, preserve_topology=False)
            coords, idx = shapely.get_coordinates(simp, return_index=True)
            coords = np.round(coords, 5)
            for chunk in np.split(coords, np.flatnonzero(np.diff(idx)) + 1):
                if len(chunk) >= 2:
                    out.append(chunk.tolist())
    for geom in geoms[~is_geom]:
        out.extend(compact_path(p, tolerance_deg=tolerance_deg) for p in line_paths(geom) if len(p) >= 2)
    return out


def prepare_streets(data: Mapping[str, Any]) -> pd.DataFrame:
    """Street base map: OSM named streets (thin) + main roads (thicker), simplified.

    Returns columns ``path, color, width_m`` only (the base map is not pickable).
    """
    parts = []
    for ds_id, color, width in (("osm-streets", STREET_COLOR, 4), ("main-roads-traffic", ROAD_COLOR, 9)):
        frame = line_frame(data.get(ds_id))
        if frame is not None and len(frame):
            paths = simplified_paths(frame)
            parts.append(pd.DataFrame({"path": paths, "color": [list(color)] * len(paths),
                                       "width_m": float(width)}))
    if not parts:
        return pd.DataFrame(columns=["path", "color", "width_m"])
    return pd.concat(parts, ignore_index=True)[["path", "color", "width_m"]]


def base_layers(table: pd.DataFrame) -> list[pdk.Layer]:
    """The street base map as PathLayers with constant colour and width (small JSON)."""
    if not len(table):
        return []
    keys = [tuple(int(v) for v in c) + (float(w),) for c, w in zip(table["color"], table["width_m"], strict=True)]
    groups: dict[tuple, list[int]] = {}
    for row, key in enumerate(keys):
        groups.setdefault(key, []).append(row)
    layers = []
    for i, ((r, g, b, width), rows) in enumerate(sorted(groups.items())):
        layers.append(pdk.Layer("PathLayer", id=f"streets-{i}", data=table.iloc[rows][["path"]],
                                get_path="path", get_color=[r, g, b], get_width=width,
                                width_min_pixels=1, pickable=False))
    return layers


def _feed_table(feed: Any, name: str) -> pd.DataFrame | None:
    frame = getattr(feed, name, None)
    if isinstance(frame, pd.DataFrame):
        return frame
    to_frames = getattr(feed, "to_frames", None)
    if callable(to_frames):
        return to_frames().get(name)
    return None


def prepare_stops(data: Mapping[str, Any]) -> pd.DataFrame:
    """Transit stops from the GTFS feed (or the STAR stop topology)."""
    stops = _feed_table(data.get("star-gtfs"), "stops")
    if stops is None or not len(stops):
        stops = data.get("star-stops") if isinstance(data.get("star-stops"), pd.DataFrame) else None
    if stops is None or not len(stops):
        return _empty_points()
    lon = _num(stops, pick_column(stops, "stop_lon", "lon"))
    lat = _num(stops, pick_column(stops, "stop_lat", "lat"))
    loc = pick_column(stops, "location_type")
    keep = lon.notna() & lat.notna()
    if loc is not None:
        keep &= _num(stops, loc, 0).fillna(0) == 0
    s = stops.loc[keep]
    out = pd.DataFrame({"lon": lon[keep], "lat": lat[keep], "radius_m": 18.0,
                        "name": _text(s, pick_column(s, "stop_name", "name", "nom")),
                        "info": _text(s, pick_column(s, "stop_id", "id"))})
    out["color"] = [[0, 90, 170]] * len(out)
    return out.reset_index(drop=True)


def prepare_lines(data: Mapping[str, Any]) -> pd.DataFrame:
    """Bus lines: for each route, its longest trip's stop sequence, drawn in the route colour."""
    feed = data.get("star-gtfs")
    st_, trips, routes, stops = (_feed_table(feed, n) for n in ("stop_times", "trips", "routes", "stops"))
    if any(f is None or not len(f) for f in (st_, trips, routes, stops)):
        return pd.DataFrame(columns=["path", "color", "width_m", "name", "info"])
    sizes = st_.groupby("trip_id", sort=False).size().rename("n").reset_index()
    sizes = sizes.merge(trips[["trip_id", "route_id"]], on="trip_id")
    best = sizes.sort_values(["route_id", "n"], ascending=[True, False]).drop_duplicates("route_id")
    seq = st_[st_["trip_id"].isin(best["trip_id"])].sort_values(["trip_id", "stop_sequence"])
    seq = seq.merge(stops[["stop_id", "stop_lon", "stop_lat"]], on="stop_id")
    seq = seq.merge(best[["trip_id", "route_id"]], on="trip_id")
    routes = routes.set_index("route_id")
    rows = []
    for route_id, grp in seq.groupby("route_id", sort=False):
        r = routes.loc[route_id] if route_id in routes.index else None
        short = esc(r["route_short_name"]) if r is not None and "route_short_name" in r else esc(route_id)
        long_ = esc(r["route_long_name"]) if r is not None and "route_long_name" in r else ""
        color = hex_to_rgb(r["route_color"] if r is not None and "route_color" in r else None, [0, 90, 170])
        for path in split_long_hops(grp[["stop_lon", "stop_lat"]].to_numpy(dtype=float)):
            rows.append({"path": path, "color": color, "width_m": 14.0, "name": f"Ligne {short}",
                         "info": long_})
    return pd.DataFrame(rows, columns=["path", "color", "width_m", "name", "info"])


#: without shapes.txt a line is drawn stop to stop; longer hops (express or interurban runs) are
#: left out rather than drawn as straight lines across the map
MAX_HOP_M = 3000.0


def split_long_hops(coords: np.ndarray, *, max_hop_m: float = MAX_HOP_M) -> list[list[list[float]]]:
    """Paths ([[lon, lat], ...]) of a stop sequence cut where two consecutive stops are farther
    apart than ``max_hop_m`` (great-circle distance); pieces of fewer than 2 stops are dropped."""
    if len(coords) < 2:
        return []
    hop = haversine_m(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])
    cuts = np.flatnonzero(hop > max_hop_m) + 1
    return [piece.tolist() for piece in np.split(coords, cuts) if len(piece) >= 2]


def bikeshare_color(ratio: float, renting: bool = True) -> list[int]:
    """Red when empty or closed, orange with few bikes, green with many."""
    if not renting or not np.isfinite(ratio) or ratio <= 0:
        return [210, 40, 40]
    if ratio < 0.3:
        return [240, 150, 20]
    return [30, 160, 70]


def prepare_bikeshare(data: Mapping[str, Any]) -> pd.DataFrame:
    """LE vélo STAR stations: size by capacity, colour by bikes available / capacity."""
    df = data.get("velo-star")
    if not isinstance(df, pd.DataFrame) or not len(df):
        return _empty_points()
    cap = _num(df, pick_column(df, "capacity", "capacity_docks", "nb_emplacements"))
    bikes = _num(df, pick_column(df, "num_bikes_available", "bikes_available", "nb_velos"))
    renting_col = pick_column(df, "is_renting")
    renting = (_num(df, renting_col, 1).fillna(1) > 0) if renting_col else pd.Series(True, index=df.index)
    ratio = (bikes / cap.where(cap > 0)).fillna(0.0)
    out = pd.DataFrame({"lon": _num(df, "lon"), "lat": _num(df, "lat"),
                        "radius_m": 12.0 + 4.0 * np.sqrt(cap.fillna(10).clip(lower=1)),
                        "name": _text(df, pick_column(df, "name", "station_name")),
                        "info": [f"{'' if np.isnan(b) else int(b)} / {'' if np.isnan(c) else int(c)}"
                                 for b, c in zip(bikes, cap, strict=False)]})
    out["color"] = [bikeshare_color(r, bool(ok)) for r, ok in zip(ratio, renting, strict=False)]
    return out.dropna(subset=["lon", "lat"]).reset_index(drop=True)


REV_COLORS = {"done": [0, 150, 80], "wip": [240, 150, 20], "expected": [240, 150, 20],
              "planned": [150, 150, 160], "postponed": [150, 150, 160]}


def prepare_rev(data: Mapping[str, Any]) -> pd.DataFrame:
    """Réseau Express Vélo lines coloured by works status."""
    df = line_frame(data.get("rev-cycle-network"))
    if df is None or not len(df):
        return pd.DataFrame(columns=["path", "color", "width_m", "name", "info"])
    status = pick_column(df, "status", "statut")
    kind = pick_column(df, "type", "facility_type", "amenagement")
    line = pick_column(df, "line", "ligne")

    def color(rec: pd.Series) -> list[int]:
        return list(REV_COLORS.get(str(rec[status]) if status else "", GREY))

    def info(rec: pd.Series) -> str:
        bits = [f"REV {esc(rec[line])}" if line else "REV", esc(rec[status]) if status else "",
                esc(rec[kind]) if kind else ""]
        return " · ".join(b for b in bits if b)

    return paths_table(df, color=color, width_m=18, name_col=pick_column(df, "name", "nom"), info=info)


def prepare_carpool(data: Mapping[str, Any]) -> pd.DataFrame:
    """Carpool places (BNLC), cropped to the Rennes area."""
    df = data.get("bnlc")
    if not isinstance(df, pd.DataFrame) or not len(df):
        return _empty_points()
    df = in_bbox(df)
    places = _num(df, pick_column(df, "capacity", "nbre_pl", "places"))
    out = pd.DataFrame({"lon": _num(df, "lon"), "lat": _num(df, "lat"),
                        "radius_m": 30.0 + 3.0 * np.sqrt(places.fillna(4).clip(lower=1)),
                        "name": _text(df, pick_column(df, "name", "nom_lieu")),
                        "info": [f"{int(p)} places" if np.isfinite(p) else "" for p in places]})
    out["color"] = [[230, 130, 0]] * len(out)
    return out.reset_index(drop=True)


def charger_color(power_kw: float) -> list[int]:
    if not np.isfinite(power_kw):
        return [150, 150, 160]
    if power_kw >= 50:
        return [120, 40, 170]
    if power_kw >= 22:
        return [0, 140, 200]
    return [90, 190, 220]


def prepare_chargers(data: Mapping[str, Any]) -> pd.DataFrame:
    """EV charging stations coloured by their maximum power (kW)."""
    df = data.get("irve")
    if not isinstance(df, pd.DataFrame) or not len(df):
        return _empty_points()
    df = in_bbox(df)
    power = _num(df, pick_column(df, "power_kw", "max_power_kw", "puissance_nominale_kw",
                                 "puissance_nominale"))
    if power.isna().all():
        fast = _num(df, pick_column(df, "nb_combo_ccs_grouped", "nb_combo_ccs")).fillna(0) + \
            _num(df, pick_column(df, "nb_chademo_grouped", "nb_chademo")).fillna(0)
        power = pd.Series(np.where(fast > 0, 50.0, 22.0), index=df.index)
    points = _num(df, pick_column(df, "n_points", "nbre_pdc", "nb_pdc"))
    out = pd.DataFrame({"lon": _num(df, "lon"), "lat": _num(df, "lat"),
                        "radius_m": 25.0 + 6.0 * np.sqrt(points.fillna(1).clip(lower=1)),
                        "name": _text(df, pick_column(df, "name", "nom_station")),
                        "info": [f"{p:.0f} kW" if np.isfinite(p) else "" for p in power]})
    out["color"] = [charger_color(p) for p in power]
    return out.reset_index(drop=True)


def prepare_parkride(data: Mapping[str, Any]) -> pd.DataFrame:
    """Park-and-ride car parks (and carpool car parks) sized by capacity."""
    df = data.get("parkings")
    if not isinstance(df, pd.DataFrame) or not len(df):
        return _empty_points()
    kind = pick_column(df, "type", "kind", "category")
    is_pr_col = pick_column(df, "is_park_and_ride", "is_park_ride", "park_ride")
    if is_pr_col is not None:
        keep = df[is_pr_col].astype("boolean").fillna(False).astype(bool)
    elif kind is not None:
        keep = df[kind].astype(str).str.contains("relais", case=False, na=False)
    else:
        keep = pd.Series(False, index=df.index)
    df = df.loc[keep.to_numpy()]
    cap = _num(df, pick_column(df, "capacity", "nb_pl", "places"))
    out = pd.DataFrame({"lon": _num(df, "lon"), "lat": _num(df, "lat"),
                        "radius_m": 40.0 + 4.0 * np.sqrt(cap.fillna(50).clip(lower=1)),
                        "name": _text(df, pick_column(df, "name", "nom")),
                        "info": [f"{int(c)} places" if np.isfinite(c) else "" for c in cap]})
    out["color"] = [[0, 70, 140]] * len(out)
    return out.dropna(subset=["lon", "lat"]).reset_index(drop=True)


TRAFFIC_COLORS = {"freeflow": [40, 170, 70], "heavy": [240, 150, 20], "congested": [210, 40, 40],
                  "impossible": [120, 0, 0], "unknown": [160, 160, 170]}


def prepare_traffic(data: Mapping[str, Any]) -> pd.DataFrame:
    """Main roads coloured by traffic state (snapshot)."""
    df = line_frame(data.get("main-roads-traffic"))
    if df is None or not len(df):
        return pd.DataFrame(columns=["path", "color", "width_m", "name", "info"])
    status = pick_column(df, "traffic_status", "trafficStatus", "status")
    speed = pick_column(df, "speed_kmh", "averageVehicleSpeed", "average_speed_kmh")

    def color(rec: pd.Series) -> list[int]:
        return list(TRAFFIC_COLORS.get(str(rec[status]).lower() if status else "unknown",
                                       TRAFFIC_COLORS["unknown"]))

    def info(rec: pd.Series) -> str:
        bits = [esc(rec[status]) if status else "", f"{esc(rec[speed])} km/h" if speed else ""]
        return " · ".join(b for b in bits if b)

    return paths_table(df, color=color, width_m=16,
                       name_col=pick_column(df, "name", "denomination"), info=info)


def prepare_buses(data: Mapping[str, Any]) -> pd.DataFrame:
    """Bus positions (snapshot): in service coloured by delay, out of service grey."""
    df = data.get("star-bus-positions")
    if not isinstance(df, pd.DataFrame) or not len(df):
        return _empty_points()
    snap = pick_column(df, "snapshot")
    if snap is not None and df[snap].nunique() > 1:  # several snapshots: the latest only
        df = df[df[snap] == df[snap].max()]
    state = pick_column(df, "state", "etat", "status")
    delay = _num(df, pick_column(df, "delay_s", "ecartsecondes", "delay"))
    line = pick_column(df, "line_name", "line", "route_short_name", "nomcourtligne")
    in_service = df[state].astype(str).str.contains("ligne|service", case=False, na=False) & \
        ~df[state].astype(str).str.contains("hors", case=False, na=False) if state else \
        pd.Series(True, index=df.index)
    colors = [([210, 40, 40] if np.isfinite(d) and d > 120 else [30, 160, 70]) if ok else [150, 150, 160]
              for ok, d in zip(in_service, delay, strict=False)]
    out = pd.DataFrame({"lon": _num(df, "lon"), "lat": _num(df, "lat"), "radius_m": 35.0,
                        "name": [f"Bus {esc(v)}".strip() if line else "Bus" for v in (df[line] if line else df.index)],
                        "info": [" · ".join(b for b in (esc(s), f"{d:+.0f} s" if np.isfinite(d) else "") if b)
                                 for s, d in zip(df[state] if state else [""] * len(df), delay, strict=False)]})
    out["color"] = colors
    return out.dropna(subset=["lon", "lat"]).reset_index(drop=True)


def _empty_points() -> pd.DataFrame:
    return pd.DataFrame(columns=["lon", "lat", "radius_m", "color", "name", "info"])


# -- layer specs ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LayerSpec:
    """One toggleable map layer."""

    id: str
    label_key: str
    dataset_ids: tuple[str, ...]
    prepare: Callable[[Mapping[str, Any]], pd.DataFrame]
    kind: str  # "points" | "paths"
    default_on: bool = False
    legend: tuple[tuple[tuple[int, int, int], str], ...] = ()
    attribution_keys: tuple[str, ...] = field(default=("attr.star",))


LAYERS: dict[str, LayerSpec] = {s.id: s for s in (
    LayerSpec("lines", "layer.lines", ("star-gtfs",), prepare_lines, "paths", True,
              (((0, 90, 170), "layer.lines"),)),
    LayerSpec("stops", "layer.stops", ("star-gtfs",), prepare_stops, "points", True,
              (((0, 90, 170), "layer.stops"),)),
    LayerSpec("bikeshare", "layer.bikeshare", ("velo-star",), prepare_bikeshare, "points", True,
              (((30, 160, 70), "legend.many"), ((240, 150, 20), "legend.some"),
               ((210, 40, 40), "legend.empty"))),
    LayerSpec("rev", "layer.rev", ("rev-cycle-network",), prepare_rev, "paths", False,
              (((0, 150, 80), "legend.done"), ((240, 150, 20), "legend.works"),
               ((150, 150, 160), "legend.planned"))),
    LayerSpec("carpool", "layer.carpool", ("bnlc",), prepare_carpool, "points", False,
              (((230, 130, 0), "layer.carpool"),), ("attr.etalab",)),
    LayerSpec("chargers", "layer.chargers", ("irve",), prepare_chargers, "points", False,
              (((90, 190, 220), "legend.kw_slow"), ((0, 140, 200), "legend.kw_mid"),
               ((120, 40, 170), "legend.kw_fast")), ("attr.etalab",)),
    LayerSpec("parkride", "layer.parkride", ("parkings",), prepare_parkride, "points", False,
              (((0, 70, 140), "legend.capacity"),)),
    LayerSpec("traffic", "layer.traffic", ("main-roads-traffic",), prepare_traffic, "paths", False,
              (((40, 170, 70), "legend.free"), ((240, 150, 20), "legend.heavy"),
               ((210, 40, 40), "legend.congested"), ((160, 160, 170), "legend.unknown"))),
    LayerSpec("buses", "layer.buses", ("star-bus-positions",), prepare_buses, "points", False,
              (((30, 160, 70), "legend.on_time"), ((210, 40, 40), "legend.late"))),
)}

STREETS = LayerSpec("streets", "layer.streets", ("osm-streets", "main-roads-traffic"), prepare_streets,
                    "paths", True, (), ("attr.osm",))


def deck_layer(spec_id: str, table: pd.DataFrame, *, kind: str, pickable: bool = True,
               min_width_px: float = 1.5) -> pdk.Layer:
    """A pydeck layer for a display table (see the module docstring for its columns)."""
    if kind == "paths":
        return pdk.Layer("PathLayer", id=spec_id, data=table, get_path="path", get_color="color",
                         get_width="width_m", width_min_pixels=min_width_px,
                         cap_rounded=True, joint_rounded=True, pickable=pickable, auto_highlight=pickable)
    return pdk.Layer("ScatterplotLayer", id=spec_id, data=table, get_position=["lon", "lat"],
                     get_radius="radius_m", radius_min_pixels=2.5,
                     radius_max_pixels=40, get_fill_color="color", get_line_color=[255, 255, 255],
                     line_width_min_pixels=1, stroked=True, pickable=pickable, auto_highlight=pickable)


def polygon_layer(layer_id: str, table: pd.DataFrame, *, pickable: bool = True) -> pdk.Layer:
    """Filled polygons (``polygon``: a ring or [outer, holes...] of [lon, lat]; ``color`` RGBA)."""
    return pdk.Layer("PolygonLayer", id=layer_id, data=table, get_polygon="polygon", get_fill_color="color",
                     get_line_color=[255, 255, 255, 60], line_width_min_pixels=0, stroked=False, filled=True,
                     pickable=pickable, auto_highlight=pickable)


def point_table(points: Iterable[tuple[float, float, str]], *, color: list[int] | None = None) -> pd.DataFrame:
    """A points display table from (lon, lat, name) triples."""
    rows = [{"lon": float(x), "lat": float(y), "radius_m": 60.0, "color": list(color or [227, 5, 27]),
             "name": esc(n), "info": ""} for x, y, n in points]
    return pd.DataFrame(rows, columns=["lon", "lat", "radius_m", "color", "name", "info"])


NO_BASEMAP = "__MAP_STYLE__"


class CompactDeck(pdk.Deck):
    """A pydeck Deck serialised without indentation (half the bytes sent to the browser)."""

    def to_json(self) -> str:
        from pydeck.bindings.json_tools import default_serialize

        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"))


TOOLTIP = {"html": "<b>{name}</b><br/>{info}",
           "style": {"backgroundColor": "#1f2937", "color": "white", "fontSize": "13px"}}


def make_deck(layers: Iterable[pdk.Layer], *, view: tuple[float, float, float] | None = None,
              online_tiles: bool = False, height_px: int = 560) -> pdk.Deck:
    """A deck with no base map tiles (``online_tiles=False``): the street layer is the base map."""
    lon, lat, zoom = view or (RENNES_CENTER[0], RENNES_CENTER[1], 12.2)
    # Streamlit's deck.gl element adds a CARTO base map when mapStyle is empty; its sentinel
    # "__MAP_STYLE__" means "no base map at all" (nothing is requested from the network).
    kwargs: dict[str, Any] = {"map_provider": None, "map_style": NO_BASEMAP}
    if online_tiles:
        kwargs = {"map_provider": "carto", "map_style": "light"}
    return CompactDeck(layers=list(layers), initial_view_state=pdk.ViewState(
        longitude=lon, latitude=lat, zoom=zoom, pitch=0), tooltip=TOOLTIP, height=height_px, **kwargs)


def fit_view(points: Iterable[tuple[float, float]], *, min_zoom: float = 10.0,
             max_zoom: float = 15.5) -> tuple[float, float, float]:
    """(lon, lat, zoom) framing ``points`` (lon, lat); Rennes centre when empty."""
    pts = np.asarray([p for p in points if p is not None and all(map(math.isfinite, p))], dtype=float)
    if pts.size == 0:
        return (RENNES_CENTER[0], RENNES_CENTER[1], 12.2)
    lon0, lat0 = pts.min(axis=0)
    lon1, lat1 = pts.max(axis=0)
    span = max(lon1 - lon0, (lat1 - lat0) * 1.5, 1e-4)
    zoom = float(np.clip(math.log2(360.0 / span) - 1.3, min_zoom, max_zoom))
    return (float((lon0 + lon1) / 2), float((lat0 + lat1) / 2), zoom)


def in_area(lon: float, lat: float) -> bool:
    bbox = settings.RENNES_METROPOLE_BBOX
    return bbox[0] <= lon <= bbox[2] and bbox[1] <= lat <= bbox[3]


# -- itineraries ------------------------------------------------------------------------------------

def leg_color(leg: Any) -> list[int]:
    """Route colour for transit legs, else the mode colour."""
    if getattr(leg, "mode", "") == "transit" and getattr(leg, "route_color", None):
        return hex_to_rgb(leg.route_color, MODE_COLORS["transit"])
    return list(MODE_COLORS.get(getattr(leg, "mode", ""), GREY))


def itinerary_tables(itinerary: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(paths, points) display tables for one itinerary: legs in route colours, start/end markers."""
    rows = []
    for leg in itinerary.legs:
        path = [[float(x), float(y)] for x, y in (leg.geometry or [])]
        if len(path) == 1:
            path = path * 2
        if len(path) < 2:
            continue
        label = f"{esc(leg.mode)} {esc(leg.route) if leg.route else ''}".strip()
        rows.append({"path": path, "color": leg_color(leg),
                     "width_m": 22.0 if leg.mode in ("walk", "wait") else 34.0,
                     "name": label, "info": f"{esc(leg.from_name)} → {esc(leg.to_name)}"})
    paths = pd.DataFrame(rows, columns=["path", "color", "width_m", "name", "info"])
    pts = []
    legs = itinerary.legs
    if legs and legs[0].geometry:
        x, y = legs[0].geometry[0]
        pts.append({"lon": x, "lat": y, "radius_m": 45.0, "color": [30, 160, 70],
                    "name": esc(legs[0].from_name), "info": ""})
    if legs and legs[-1].geometry:
        x, y = legs[-1].geometry[-1]
        pts.append({"lon": x, "lat": y, "radius_m": 45.0, "color": [227, 5, 27],
                    "name": esc(legs[-1].to_name), "info": ""})
    return paths, pd.DataFrame(pts, columns=["lon", "lat", "radius_m", "color", "name", "info"])
