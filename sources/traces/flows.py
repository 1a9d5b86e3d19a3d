"""Tiles, trips and origin-destination flows (scikit-mobility FlowDataFrames).

Tiles (a tessellation: GeoDataFrame with ``tile_ID`` and polygon ``geometry`` in WGS84):

- the INSEE / Eurostat 200 m grid, EPSG:3035 (LAEA) aligned, cell ids like
  ``CRS3035RES200mN2820000E3210000`` (N and E of the lower-left corner, in metres):
  :func:`grid_200m` over a polygon, :func:`grid_cell_ids` for points (arithmetic, no
  spatial join), coarser cells (1 km ...) with the same naming;
- communes and IRIS of the Rennes bundle: :func:`load_tessellation`;
- stop catchments (Voronoi cells of transit stops, clipped to a walking radius):
  :func:`stop_catchments`.

Trips are made from consecutive stays (:func:`trips_from_stays`); flows count trips and
distinct users per origin, destination (and mode, hour when asked): :func:`od_flows`.
Raw flows are *not* exportable: see :mod:`sources.traces.privacy`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sources.geo import LAEA, WGS84, grid_ids, parse_grid_ids, point_grid_ids, transformer

GRID_CRS = LAEA
RENNES_METROPOLE_EPCI = "243500139"

#: Tile kinds understood by :func:`resolve_tiles`.
TILE_KINDS = ("grid200", "grid1000", "iris", "communes")


def grid_cell_ids(lon: np.ndarray, lat: np.ndarray, *, cell_m: int = 200) -> np.ndarray:
    """INSEE-style ids of the ``cell_m`` EPSG:3035 grid cells containing each point (see
    :func:`sources.geo.point_grid_ids`)."""
    return point_grid_ids(lon, lat, cell_m=cell_m)


def grid_cell_centres(ids: Sequence[str] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(lon, lat) WGS84 of the centres of grid cells given by id."""
    size, e, n = parse_grid_ids(ids)
    lon, lat = transformer(GRID_CRS, WGS84).transform(e + size / 2, n + size / 2)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def grid_cells(ids: Sequence[str] | np.ndarray) -> Any:
    """GeoDataFrame (``tile_ID``, ``geometry`` WGS84 polygons) of the given grid cells."""
    import geopandas as gpd
    import shapely

    uniq = pd.unique(np.asarray(ids, dtype=object))
    if len(uniq) == 0:
        return gpd.GeoDataFrame({"tile_ID": pd.Series(dtype=object)}, geometry=[], crs="EPSG:4326")
    size, e, n = parse_grid_ids(uniq)
    boxes = shapely.box(e, n, e + size, n + size)
    return gpd.GeoDataFrame({"tile_ID": uniq}, geometry=boxes, crs=GRID_CRS).to_crs("EPSG:4326")


def grid_200m(polygon: Any, *, crs: str = "EPSG:4326", cell_m: int = 200) -> Any:
    """The ``cell_m`` EPSG:3035 grid cells intersecting ``polygon``.

    Parameters
    ----------
    polygon
        A shapely (Multi)Polygon, or a GeoSeries/GeoDataFrame (its union is used).
    crs
        CRS of a bare shapely polygon.

    Returns
    -------
    GeoDataFrame
        ``tile_ID`` (INSEE-style id), ``geometry`` (WGS84 squares), sorted by N then E.
    """
    import geopandas as gpd
    import shapely

    if isinstance(polygon, gpd.GeoDataFrame | gpd.GeoSeries):
        geom = gpd.GeoSeries([polygon.to_crs(GRID_CRS).union_all()], crs=GRID_CRS)
    else:
        geom = gpd.GeoSeries([polygon], crs=crs).to_crs(GRID_CRS)
    shape = geom.iloc[0]
    if shape.is_empty:
        return grid_cells([])
    x0, y0, x1, y1 = shape.bounds
    es = np.arange(np.floor(x0 / cell_m) * cell_m, x1, cell_m).astype(np.int64)
    ns = np.arange(np.floor(y0 / cell_m) * cell_m, y1, cell_m).astype(np.int64)
    ee, nn = np.meshgrid(es, ns)
    ee, nn = ee.ravel(), nn.ravel()
    boxes = shapely.box(ee, nn, ee + cell_m, nn + cell_m)
    shapely.prepare(shape)
    hit = shapely.intersects(shape, boxes) & ~shapely.touches(shape, boxes)
    ids = grid_ids(ee[hit], nn[hit], cell_m=cell_m)
    return gpd.GeoDataFrame({"tile_ID": ids}, geometry=boxes[hit], crs=GRID_CRS).to_crs("EPSG:4326")


# -- other tessellations --------------------------------------------------------------------

def load_tessellation(kind: str, *, bundle_dir: str | Path | None = None,
                      epci: str = RENNES_METROPOLE_EPCI, cache: str | Path | None = None) -> Any:
    """Communes (of one EPCI, default Rennes Métropole) or IRIS polygons, through the catalogue
    (datasets ``communes`` and ``iris``, :func:`sources.datasets.load`).

    Returns
    -------
    GeoDataFrame
        ``tile_ID`` (INSEE commune code or IRIS code), ``name``, ``commune`` (INSEE code),
        ``geometry`` (WGS84).
    """
    import geopandas as gpd

    from sources.datasets import load

    if kind == "communes":
        gdf = load("communes", bundle=bundle_dir, cache=cache).data
        gdf = gdf.loc[gdf["epci_siren"].astype(str) == str(epci)]
        columns = {"tile_ID": gdf["insee"].astype(str).to_numpy(), "name": gdf["name"].to_numpy(),
                   "commune": gdf["insee"].astype(str).to_numpy()}
    elif kind == "iris":
        gdf = load("iris", bundle=bundle_dir, cache=cache).data
        columns = {"tile_ID": gdf["iris_code"].astype(str).to_numpy(),
                   "name": (gdf["commune"].astype(str) + " - " + gdf["name"].astype(str)).to_numpy(),
                   "commune": gdf["insee"].astype(str).to_numpy()}
    else:
        raise ValueError(f"tessellation kind must be 'communes' or 'iris', not {kind!r}")
    out = gpd.GeoDataFrame(columns, geometry=gdf.geometry.to_numpy(), crs=gdf.crs or WGS84)
    return out.to_crs(WGS84).reset_index(drop=True)


def load_business_zones(*, bundle_dir: str | Path | None = None, cache: str | Path | None = None) -> Any:
    """Business zones of Rennes Métropole (catalogue dataset ``business-zones``), WGS84."""
    from sources.datasets import load

    return load("business-zones", bundle=bundle_dir, cache=cache).data.to_crs(WGS84)


def stop_catchments(stops: pd.DataFrame, *, max_distance_m: float = 800.0) -> Any:
    """Catchment of each transit stop: its Voronoi cell clipped to ``max_distance_m``.

    Parameters
    ----------
    stops
        ``stop_id``, ``lon``, ``lat`` (``stop_lon``/``stop_lat`` accepted). Stops at the
        same position keep the first one.

    Returns
    -------
    GeoDataFrame
        ``tile_ID`` (stop id), ``geometry`` (WGS84 polygons).
    """
    import geopandas as gpd
    import shapely

    s = stops.rename(columns={"stop_lon": "lon", "stop_lat": "lat"})
    s = s.dropna(subset=["lon", "lat"]).drop_duplicates(["lon", "lat"])
    if s.empty:
        return grid_cells([])
    pts = gpd.GeoSeries(gpd.points_from_xy(s["lon"], s["lat"]), crs="EPSG:4326").to_crs(GRID_CRS)
    if len(pts) == 1:
        cells = [pts.iloc[0].buffer(max_distance_m)]
    else:
        regions = shapely.voronoi_polygons(shapely.MultiPoint(list(pts)),
                                           extend_to=shapely.box(*pts.total_bounds).buffer(
                                               2 * max_distance_m))
        regions = gpd.GeoSeries(list(regions.geoms), crs=GRID_CRS)
        # match each region to the stop inside it (the order of voronoi output is not guaranteed)
        owner = gpd.sjoin(gpd.GeoDataFrame(geometry=pts.reset_index(drop=True)),
                          gpd.GeoDataFrame(geometry=regions), predicate="within")
        cells = [None] * len(pts)
        for i, r in zip(owner.index, owner["index_right"], strict=True):
            cells[i] = regions.iloc[r].intersection(pts.iloc[i].buffer(max_distance_m))
    return gpd.GeoDataFrame({"tile_ID": s["stop_id"].astype(str).to_numpy()},
                            geometry=cells, crs=GRID_CRS).to_crs("EPSG:4326")


def resolve_tiles(tiles: str | Any, *, bundle_dir: str | Path | None = None) -> str | Any:
    """``"grid200"``/``"grid1000"`` stay names (arithmetic ids); ``"iris"``/``"communes"`` load."""
    if isinstance(tiles, str):
        if tiles in ("grid200", "grid1000"):
            return tiles
        if tiles in ("iris", "communes"):
            return load_tessellation(tiles, bundle_dir=bundle_dir)
        raise ValueError(f"unknown tiles {tiles!r}; expected one of {TILE_KINDS} or a GeoDataFrame")
    return tiles


def assign_tiles(lon: np.ndarray, lat: np.ndarray, tiles: str | Any) -> np.ndarray:
    """Tile id of each point (None outside every tile).

    ``tiles`` is ``"grid200"``/``"grid1000"`` or a tessellation GeoDataFrame with ``tile_ID``.
    """
    import geopandas as gpd

    if isinstance(tiles, str):
        size = {"grid200": 200, "grid1000": 1000}.get(tiles)
        if size is None:
            raise ValueError(f"unknown grid {tiles!r}")
        return grid_cell_ids(lon, lat, cell_m=size)
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    poly = tiles[["tile_ID", "geometry"]].to_crs("EPSG:4326")
    joined = gpd.sjoin(pts, poly, how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    out = joined["tile_ID"].astype(object).to_numpy()
    return np.where(pd.isna(out), None, out)


def tessellation_for(ids: np.ndarray, tiles: str | Any) -> Any:
    """The tessellation a FlowDataFrame needs: grid cells by id, or the given GeoDataFrame."""
    if isinstance(tiles, str):
        return grid_cells(ids)
    return tiles[["tile_ID", "geometry"]]


# -- trips and flows ------------------------------------------------------------------------

#: Main mode of a multimodal trip: the heaviest mode seen (at least two points), as in
#: household travel surveys; modes not listed rank just above walking.
MAIN_MODE_RANK = {m: i for i, m in enumerate(
    ("car", "ecar", "carpool", "park_ride", "transit", "bike_transit", "bikeshare", "bike",
     "walk"))}

TRIP_COLUMNS = ("uid", "o_lat", "o_lng", "d_lat", "d_lng", "departure", "arrival", "mode",
                "simulated")


def trips_from_stays(stays: pd.DataFrame, points: pd.DataFrame | None = None) -> pd.DataFrame:
    """Trips between consecutive stays of each user.

    Parameters
    ----------
    stays
        ``uid``, ``lat``, ``lng``, ``datetime``, ``leaving_datetime`` (from
        :func:`sources.traces.clean.detect_stays`).
    points
        The cleaned points; when they have a ``mode`` column, a trip's mode is its main
        mode (:data:`MAIN_MODE_RANK`: the heaviest mode with at least two points, e.g.
        ``transit`` for walk + bus + walk), ``"unknown"`` when no point falls inside the trip.

    Returns
    -------
    DataFrame
        :data:`TRIP_COLUMNS`: origin and destination coordinates, ``departure`` (leaving
        the first stay), ``arrival`` (at the next), ``mode`` (or None), ``simulated``.
        Pairs of stays with no time between them (one stay cut at a sample) are no trip.
        Empty with those columns when no user has two stays.
    """
    s = pd.DataFrame(stays).sort_values(["uid", "datetime"], kind="mergesort").reset_index(drop=True)
    nxt = s.shift(-1)
    same = (s["uid"] == nxt["uid"]).to_numpy()
    trips = pd.DataFrame({
        "uid": s["uid"].to_numpy()[same], "o_lat": s["lat"].to_numpy()[same],
        "o_lng": s["lng"].to_numpy()[same], "d_lat": nxt["lat"].to_numpy()[same].astype(float),
        "d_lng": nxt["lng"].to_numpy()[same].astype(float),
        "departure": s["leaving_datetime"].to_numpy()[same],
        "arrival": nxt["datetime"].to_numpy()[same]})
    trips["departure"] = pd.to_datetime(trips["departure"])
    trips["arrival"] = pd.to_datetime(trips["arrival"])
    sim = s["simulated"].to_numpy()[same] if "simulated" in s.columns else np.zeros(same.sum(), bool)
    # a stay cut in two at one sample gives a "trip" leaving and arriving at the same instant
    moved = (trips["arrival"] > trips["departure"]).to_numpy()
    trips, sim = trips.loc[moved].reset_index(drop=True), sim[moved]
    trips["mode"] = None
    trips["simulated"] = sim.astype(bool)
    if points is not None and "mode" in points.columns and len(trips):
        p = pd.DataFrame(points)[["uid", "datetime", "mode"]].sort_values("datetime")
        t = trips[["uid", "departure", "arrival"]].copy()
        t["trip"] = np.arange(len(t))
        m = pd.merge_asof(p, t.sort_values("departure"), left_on="datetime", right_on="departure",
                          by="uid", direction="backward")
        m = m.loc[m["trip"].notna() & (m["datetime"] <= m["arrival"])]
        m = m.loc[~m["mode"].isin(["unknown", "stay"])]
        if len(m):
            top = m.groupby(["trip", "mode"]).size().reset_index(name="n")
            rank = top["mode"].map(MAIN_MODE_RANK).fillna(len(MAIN_MODE_RANK) - 1.5)
            top = (top.assign(_noise=(top["n"] < 2).astype(int), _rank=rank)
                   .sort_values(["trip", "_noise", "_rank", "n", "mode"],
                                ascending=[True, True, True, False, True])
                   .drop_duplicates("trip"))
            modes = pd.Series(top["mode"].to_numpy(), index=top["trip"].astype(int).to_numpy())
            trips["mode"] = modes.reindex(np.arange(len(trips))).to_numpy(object)
        trips["mode"] = trips["mode"].where(trips["mode"].notna(), "unknown")
    return trips[list(TRIP_COLUMNS)]


def tile_trips(trips: pd.DataFrame, tiles: str | Any) -> pd.DataFrame:
    """Trips with ``origin`` and ``destination`` tile ids (trips outside every tile dropped)."""
    out = trips.copy()
    out["origin"] = assign_tiles(out["o_lng"].to_numpy(), out["o_lat"].to_numpy(), tiles)
    out["destination"] = assign_tiles(out["d_lng"].to_numpy(), out["d_lat"].to_numpy(), tiles)
    return out.loc[out["origin"].notna() & out["destination"].notna()].reset_index(drop=True)


def od_flows(trips: pd.DataFrame, tiles: str | Any, *, by: Sequence[str] = (),
             self_loops: bool = False) -> Any:
    """Origin-destination flows between tiles.

    Parameters
    ----------
    trips
        From :func:`trips_from_stays` (or with ``origin``/``destination`` already set).
    tiles
        ``"grid200"``, ``"grid1000"`` or a tessellation GeoDataFrame (``tile_ID``).
    by
        Extra keys among ``"mode"``, ``"hour"`` (departure hour), ``"period"``.
    self_loops
        Keep trips whose origin and destination tiles are the same.

    Returns
    -------
    skmob.FlowDataFrame
        ``origin``, ``destination``, the ``by`` keys, ``flow`` (trips), ``n_users``
        (distinct users), with its ``tessellation``; sorted by flow descending.
        Not exportable as such: see :func:`sources.traces.privacy.anonymise_flows`.
    """
    from sources.traces._skmob_compat import load_skmob, quiet

    t = trips if {"origin", "destination"} <= set(trips.columns) else tile_trips(trips, tiles)
    t = add_time_keys(t)
    if not self_loops:
        t = t.loc[t["origin"] != t["destination"]]
    keys = ["origin", "destination", *by]
    for k in by:
        if k not in t.columns:
            raise ValueError(f"cannot group flows by {k!r}: trips have no such column")
    g = t.groupby(keys, dropna=False)
    flows = g.size().rename("flow").to_frame().join(g["uid"].nunique().rename("n_users"))
    flows = flows.reset_index().sort_values(["flow", *keys], ascending=[False] + [True] * len(keys),
                                            kind="mergesort").reset_index(drop=True)
    ids = np.concatenate([flows["origin"].to_numpy(object), flows["destination"].to_numpy(object)])
    skmob = load_skmob()
    with quiet():
        return skmob.FlowDataFrame(flows, tessellation=tessellation_for(ids, tiles))


#: Hour -> period used for temporal generalisation.
PERIODS = ((0, 6, "night"), (6, 9, "morning_peak"), (9, 16, "day"), (16, 19, "evening_peak"),
           (19, 24, "evening"))


def hour_to_period(hours: np.ndarray | pd.Series) -> np.ndarray:
    """``night`` 0-6 h, ``morning_peak`` 6-9, ``day`` 9-16, ``evening_peak`` 16-19, ``evening`` 19-24."""
    h = np.asarray(hours)
    out = np.empty(h.shape, dtype=object)
    for lo, hi, name in PERIODS:
        out[(h >= lo) & (h < hi)] = name
    return out


def add_time_keys(trips: pd.DataFrame) -> pd.DataFrame:
    """Add ``hour`` (departure hour) and ``period`` columns when ``departure`` is present."""
    if "departure" not in trips.columns or "hour" in trips.columns:
        return trips
    out = trips.copy()
    out["hour"] = pd.to_datetime(out["departure"]).dt.hour.astype("int64")
    out["period"] = hour_to_period(out["hour"].to_numpy())
    return out
