"""Zones for accessibility: a 200 m grid on the European LAEA grid (EPSG:3035), communes, IRIS.

The grid follows the INSEE / Eurostat convention: cells are squares whose lower-left
corners lie at multiples of ``cell_m`` metres in EPSG:3035, identified as
``CRS3035RES200mN{y}E{x}`` (``y``/``x`` the lower-left corner, in metres). Only loaded
frames come in (see :mod:`sources.loaders.territory`); nothing is read from files here: the grid of
Rennes Métropole from the catalogue is :func:`routing.network.inputs.rennes_metropole_grid`.

Population is spread on the cells from commune figures, because the bundle has no
population grid: a commune's population is its census density (indicator ``densite``,
inhabitants/km²) times its area (``area_km2`` of the commune layer, else the polygon's
area in EPSG:3035), and it is shared among cells in proportion to the area of the cell
lying in the commune (area-weighted dasymetric spread, without ancillary data). A cell
cut by a commune boundary receives a share of each commune.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from sources.geo import LAEA, WGS84, grid_ids, parse_grid_ids

GRID_COLUMNS = ("cell_id", "x_3035", "y_3035", "lon", "lat", "insee", "area_in_m2")


def cell_ids(x_3035: np.ndarray, y_3035: np.ndarray, *, cell_m: int = 200) -> np.ndarray:
    """INSEE-style ids ``CRS3035RES{cell_m}mN{y}E{x}`` of lower-left corners (metres)."""
    return grid_ids(x_3035, y_3035, cell_m=cell_m)


def parse_cell_id(cell_id: str) -> tuple[int, int, int]:
    """(cell_m, x_3035, y_3035) of an id made by :func:`cell_ids`; ValueError when malformed."""
    size, x, y = parse_grid_ids([cell_id])
    return int(size[0]), int(x[0]), int(y[0])


def _to_laea(geom: Any, crs: str) -> Any:
    import shapely
    from pyproj import Transformer

    if crs == LAEA:
        return geom
    tr = Transformer.from_crs(crs, LAEA, always_xy=True)
    return shapely.transform(geom, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


def laea_grid(polygon: Any, *, cell_m: int = 200, crs: str = WGS84, min_share: float = 0.0,
              communes: pd.DataFrame | None = None) -> Any:
    """The grid cells covering ``polygon``, aligned on the LAEA grid (EPSG:3035).

    Parameters
    ----------
    polygon
        A shapely (Multi)Polygon, in ``crs`` (default WGS84 lon/lat).
    cell_m
        Cell side in metres (200 for the INSEE grid).
    min_share
        Keep cells whose area inside the polygon is more than this share of the cell
        (0: every cell that intersects it).
    communes
        Optional commune frame (``insee`` + geometry, WGS84): each cell gets the ``insee`` code
        of the commune holding the largest part of it.

    Returns
    -------
    GeoDataFrame (geometry: the cell squares in WGS84) with columns ``cell_id``, ``x_3035``,
    ``y_3035`` (lower-left corner, int metres), ``lon``, ``lat`` (centroid, WGS84), ``insee``
    (None without ``communes``), ``area_in_m2`` (area inside the polygon); sorted by y then x.
    An empty polygon gives an empty frame with those columns.
    """
    import geopandas as gpd
    import shapely
    from pyproj import Transformer

    if cell_m <= 0:
        raise ValueError("cell_m must be positive")
    poly = _to_laea(polygon, crs)
    if poly is None or shapely.is_empty(poly):
        return gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in GRID_COLUMNS},
                                geometry=gpd.GeoSeries([], crs=WGS84), crs=WGS84)
    x0, y0, x1, y1 = poly.bounds
    xs = np.arange(math.floor(x0 / cell_m) * cell_m, x1, cell_m, dtype=np.int64)
    ys = np.arange(math.floor(y0 / cell_m) * cell_m, y1, cell_m, dtype=np.int64)
    gx, gy = np.meshgrid(xs, ys)
    gx, gy = gx.ravel(), gy.ravel()
    boxes = shapely.box(gx, gy, gx + cell_m, gy + cell_m)
    shapely.prepare(poly)
    hit = shapely.intersects(poly, boxes)
    gx, gy, boxes = gx[hit], gy[hit], boxes[hit]
    inside = shapely.area(shapely.intersection(boxes, poly))
    keep = inside > min_share * cell_m * cell_m
    gx, gy, boxes, inside = gx[keep], gy[keep], boxes[keep], inside[keep]
    to_wgs = Transformer.from_crs(LAEA, WGS84, always_xy=True)
    lon, lat = to_wgs.transform(gx + cell_m / 2.0, gy + cell_m / 2.0)
    # transform the corners of the squares (shared corners transform to identical floats)
    geoms = shapely.transform(boxes, lambda xy: np.column_stack(to_wgs.transform(xy[:, 0], xy[:, 1])))
    insee = np.full(len(gx), None, dtype=object)
    if communes is not None and len(communes) and len(gx):
        insee = _majority_zone(boxes, communes, "insee")
    frame = gpd.GeoDataFrame({"cell_id": cell_ids(gx, gy, cell_m=cell_m), "x_3035": gx, "y_3035": gy,
                              "lon": np.asarray(lon), "lat": np.asarray(lat), "insee": insee,
                              "area_in_m2": inside}, geometry=geoms, crs=WGS84)
    return frame.reset_index(drop=True)


def _zone_polygons_laea(zones: pd.DataFrame) -> np.ndarray:
    import shapely

    geoms = np.asarray(zones.geometry.to_numpy(), dtype=object)
    crs = str(zones.crs) if getattr(zones, "crs", None) is not None else WGS84
    out = np.array([_to_laea(g, crs) if g is not None else shapely.Polygon() for g in geoms], dtype=object)
    return shapely.make_valid(out)


def _overlaps(boxes: np.ndarray, zones: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cell index, zone row, overlap area m²) for every cell/zone pair that overlaps."""
    import shapely

    zpoly = _zone_polygons_laea(zones)
    tree = shapely.STRtree(zpoly)
    cell_i, zone_i = tree.query(boxes, predicate="intersects")
    # cells lying wholly inside a zone (most of them) need no intersection
    shapely.prepare(zpoly)
    inside = shapely.contains_properly(zpoly[zone_i], boxes[cell_i])
    area = shapely.area(boxes[cell_i])
    cut = ~inside
    area[cut] = shapely.area(shapely.intersection(boxes[cell_i[cut]], zpoly[zone_i[cut]]))
    ok = area > 0
    return cell_i[ok], zone_i[ok], area[ok]


def _majority_zone(boxes: np.ndarray, zones: pd.DataFrame, column: str) -> np.ndarray:
    cell_i, zone_i, area = _overlaps(boxes, zones)
    out = np.full(len(boxes), None, dtype=object)
    if len(cell_i):
        order = np.lexsort((-area, cell_i))
        first = np.ones(len(order), bool)
        first[1:] = cell_i[order][1:] != cell_i[order][:-1]
        best = order[first]
        out[cell_i[best]] = zones[column].astype(str).to_numpy()[zone_i[best]]
    return out


def cell_boxes_laea(grid: pd.DataFrame, *, cell_m: int = 200) -> np.ndarray:
    """The squares of a grid frame (from :func:`laea_grid`) in EPSG:3035."""
    import shapely

    x = grid["x_3035"].to_numpy(np.int64)
    y = grid["y_3035"].to_numpy(np.int64)
    return shapely.box(x, y, x + cell_m, y + cell_m)


def commune_population(communes: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """Population per commune from the census density and the commune area.

    Returns
    -------
    DataFrame with columns ``insee``, ``name``, ``density_per_km2``, ``area_km2``,
    ``population`` (density x area, rounded); communes without a density get 0 people.
    """
    from sources.loaders.territory import indicator_table

    dens = indicator_table(indicators, "densite", level="commune")
    density = dens["densite"] if "densite" in dens.columns else pd.Series(dtype=float)
    if "area_km2" in communes.columns:
        area = communes["area_km2"].astype(float).to_numpy()
    else:
        import shapely

        area = shapely.area(_zone_polygons_laea(communes)) / 1e6
    insee = communes["insee"].astype(str).to_numpy()
    d = density.reindex(insee).to_numpy(dtype=float)
    pop = np.where(np.isfinite(d), np.round(d * area), 0.0)
    return pd.DataFrame({"insee": insee, "name": communes["name"].astype(str).to_numpy()
                         if "name" in communes.columns else insee,
                         "density_per_km2": d, "area_km2": area, "population": pop})


def population_on_cells(grid: pd.DataFrame, communes: pd.DataFrame, indicators: pd.DataFrame | None = None,
                        *, population: pd.Series | None = None, cell_m: int = 200) -> np.ndarray:
    """People per cell: each commune's population spread in proportion to overlapping area.

    Parameters
    ----------
    grid
        Cells from :func:`laea_grid`.
    communes
        Commune polygons (``insee`` + geometry); the whole commune area is used, so a commune
        partly outside the grid only places its share of people on the grid's cells.
    indicators
        The long indicator frame (for ``densite``), used when ``population`` is None.
    population
        Population per ``insee`` (overrides the indicators).

    Returns
    -------
    float64 array aligned with ``grid`` rows (people; zeros where no commune overlaps).
    """
    import shapely

    if population is None:
        if indicators is None:
            raise ValueError("give indicators (for the density) or population per commune")
        table = commune_population(communes, indicators)
        population = pd.Series(table["population"].to_numpy(), index=table["insee"].to_numpy())
    out = np.zeros(len(grid))
    if not len(grid) or not len(communes):
        return out
    boxes = cell_boxes_laea(grid, cell_m=cell_m)
    cell_i, zone_i, area = _overlaps(boxes, communes)
    zarea = shapely.area(_zone_polygons_laea(communes))
    insee = communes["insee"].astype(str).to_numpy()
    pop = population.reindex(insee).fillna(0.0).to_numpy(dtype=float)
    share = np.divide(area, zarea[zone_i], out=np.zeros(len(area)), where=zarea[zone_i] > 0)
    np.add.at(out, cell_i, pop[zone_i] * share)
    return out


def commune_zones(communes: pd.DataFrame, *, rennes_metropole_only: bool = True) -> Any:
    """Communes as zones: ``zone_id`` (INSEE code), ``name``, ``lon``, ``lat`` (a point inside), geometry."""
    return _zones(communes[communes["in_rennes_metropole"].astype(bool)]
                  if rennes_metropole_only and "in_rennes_metropole" in communes.columns else communes,
                  "insee", "name")


def iris_zones(iris: pd.DataFrame) -> Any:
    """IRIS as zones: ``zone_id`` (IRIS code), ``name``, ``insee``, ``lon``, ``lat``, geometry."""
    out = _zones(iris, "iris_code", "name")
    if "insee" in iris.columns:
        out["insee"] = iris["insee"].astype(str).to_numpy()
    return out


def _zones(frame: pd.DataFrame, id_col: str, name_col: str) -> Any:
    import geopandas as gpd
    import shapely

    geoms = np.asarray(frame.geometry.to_numpy(), dtype=object)
    pts = shapely.point_on_surface(geoms)
    return gpd.GeoDataFrame({"zone_id": frame[id_col].astype(str).to_numpy(),
                             "name": frame[name_col].astype(str).to_numpy(),
                             "lon": shapely.get_x(pts), "lat": shapely.get_y(pts)},
                            geometry=list(geoms), crs=getattr(frame, "crs", None) or WGS84)
