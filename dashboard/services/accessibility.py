"""The accessibility page's side without Streamlit (``pages/accessibility.py``): calls into
:mod:`routing.accessibility` and display tables.

An :class:`AccessContext` holds what every request needs (the accessibility engine on the
planner's network, the 200 m grid with ``insee`` and ``population``, commune names); it is
built once per process (see :func:`dashboard.state.access_context`) and read-only after.
Functions here take it and return plain frames: per-cell values, per-commune equity figures,
isochrone bands, and their display tables for pydeck (``polygon``, ``color``, ``name``, ``info``;
text HTML-escaped because deck.gl puts tooltips in innerHTML).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dashboard.maps import esc
from routing import constants

#: modes of the accessibility engine
#: the accessibility modes, transit first (the page's default)
ACCESS_MODES = ("transit",) + tuple(m for m in constants.ACCESS_MODES if m != "transit")
#: opportunity kinds offered in the explorer (see routing.accessibility.engine.opportunities)
OPPORTUNITIES = ("employers", "business_zones", "stops", "bikeshare", "carpool", "charger", "park_ride",
                 "population")
WINDOWS = ("07:00-08:00", "08:00-09:00", "12:00-13:00", "17:00-18:00")
CUTOFFS_MIN = (10, 15, 20, 30, 45, 60)
#: light yellow -> dark blue, for 6 classes (ColorBrewer YlGnBu)
RAMP = ([255, 255, 204], [199, 233, 180], [127, 205, 187], [65, 182, 196], [44, 127, 184], [37, 52, 148])
BAND_COLORS = {10: [26, 152, 80], 15: [102, 189, 99], 20: [166, 217, 106], 30: [254, 224, 139],
               45: [253, 174, 97], 60: [244, 109, 67]}


@dataclass
class AccessContext:
    """Engine, grid and commune names, shared read-only by every session of the process."""

    engine: Any
    grid: Any  # GeoDataFrame: cell_id, lon, lat, insee, population, geometry
    commune_names: pd.Series  # insee -> name
    bundle: Any = None
    _opportunities: dict[tuple[str, str], Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def opportunities(self, kind: str, *, window: str) -> Any:
        """Weighted opportunity points (cached per kind; ``stops`` per window too)."""
        from routing.accessibility import opportunities

        key = (kind, window if kind == "stops" else "")
        with self._lock:
            if key not in self._opportunities:
                self._opportunities[key] = opportunities(kind, self.engine.network, grid=self.grid,
                                                         bundle=self.bundle, window=window)
            return self._opportunities[key]


def build_context(network: Any, *, bundle: Any = None, cache: Any = None) -> AccessContext:
    """The context on the Rennes Métropole grid (cached as parquet by routing.network.zones)."""
    from routing.accessibility import AccessibilityEngine, rennes_metropole_grid
    from sources import load

    grid = rennes_metropole_grid(bundle=bundle, cache=cache)
    communes = load("communes", bundle=bundle, cache=cache).data
    names = pd.Series(communes["name"].astype(str).to_numpy(), index=communes["insee"].astype(str).to_numpy())
    return AccessContext(AccessibilityEngine(network), grid, names, bundle=bundle)


def cell_values(ctx: AccessContext, *, mode: str, opportunity: str, cutoff_min: int, window: str) -> pd.DataFrame:
    """Cumulative accessibility of every grid cell: opportunities (weights) reached within
    ``cutoff_min``, median over the window's departure minutes (one departure for street modes).

    Returns
    -------
    DataFrame aligned with the grid: ``cell_id``, ``insee``, ``population``, ``value``.
    """
    from routing.accessibility import Measure, Points, accessibility

    grid = ctx.grid
    origins = Points.from_frame(grid, id_col="cell_id")
    opp = ctx.opportunities(opportunity, window=window)
    res = accessibility(ctx.engine, origins, opp, mode=mode, window=window,
                        measure=Measure(kind="cumulative", cutoff_s=cutoff_min * 60.0),
                        destinations_key=(opportunity, window if opportunity == "stops" else ""))
    value = res.set_index("origin_id")["p50"].reindex(grid["cell_id"].astype(str).to_numpy()).to_numpy(float)
    return pd.DataFrame({"cell_id": grid["cell_id"].astype(str).to_numpy(),
                         "insee": grid["insee"].astype(str).to_numpy(),
                         "population": grid["population"].to_numpy(float),
                         "value": np.nan_to_num(value, nan=0.0)})


def commune_table(ctx: AccessContext, cells: pd.DataFrame) -> pd.DataFrame:
    """Per commune: population, population-weighted mean, Gini, Palma, and the share of people
    above the metropolitan mean (row ``ALL`` last).

    Returns
    -------
    DataFrame with ``insee``, ``name``, ``population``, ``mean``, ``gini``, ``palma``, ``share_above``.
    """
    from routing.accessibility import equity_table

    pop = cells["population"].to_numpy(float)
    val = cells["value"].to_numpy(float)
    overall = float((val * pop).sum() / pop.sum()) if pop.sum() > 0 else 0.0
    table = equity_table(val, pop, cells["insee"].to_numpy(dtype=object), threshold=overall,
                         names=ctx.commune_names)
    table = table.reset_index().rename(columns={"zone": "insee"})
    table.loc[table["insee"] == "ALL", "name"] = "Rennes Métropole"
    body = table[table["insee"] != "ALL"].sort_values("mean", ascending=False)
    return pd.concat([body, table[table["insee"] == "ALL"]], ignore_index=True)


def class_breaks(values: np.ndarray, *, n: int = len(RAMP)) -> np.ndarray:
    """Quantile class limits of the positive values (at most ``n`` classes, unique limits)."""
    pos = np.asarray(values, float)
    pos = pos[np.isfinite(pos) & (pos > 0)]
    if not len(pos):
        return np.array([0.0])
    return np.unique(np.quantile(pos, np.linspace(0, 1, n + 1)[1:-1]))


def ramp_colors(values: np.ndarray, breaks: np.ndarray) -> list[list[int]]:
    cls = np.searchsorted(breaks, np.asarray(values, float), side="right")
    scale = (len(RAMP) - 1) / max(1, len(breaks))
    return [RAMP[int(round(c * scale))] + [190] for c in cls]


def _rings(geom: Any) -> list[list[list[list[float]]]]:
    """deck.gl polygons (outer ring then holes, [lon, lat] rounded to 5 decimals) of a (Multi)Polygon."""
    import shapely

    polys = [geom] if geom.geom_type == "Polygon" else list(getattr(geom, "geoms", []))
    out = []
    for p in polys:
        if p.is_empty:
            continue
        rings = [p.exterior, *p.interiors]
        out.append([np.round(shapely.get_coordinates(r), 5).tolist() for r in rings])
    return out


def cells_display(ctx: AccessContext, cells: pd.DataFrame, *, unit: str = "") -> tuple[pd.DataFrame, np.ndarray]:
    """(display table of the cells reaching something, class breaks) for a PolygonLayer."""
    import shapely

    keep = cells["value"].to_numpy(float) > 0
    geoms = np.asarray(ctx.grid.geometry.to_numpy(), dtype=object)[keep]
    sub = cells.loc[keep]
    breaks = class_breaks(sub["value"].to_numpy(float))
    coords = [np.round(shapely.get_coordinates(g.exterior)[:-1], 4).tolist() for g in geoms]  # ~10 m
    names = ctx.commune_names.reindex(sub["insee"].to_numpy()).fillna("").to_numpy()
    table = pd.DataFrame({"polygon": coords, "color": ramp_colors(sub["value"].to_numpy(float), breaks),
                          "name": [esc(n) for n in names],
                          "info": [f"{v:,.0f} {esc(unit)}".replace(",", " ").strip() for v in sub["value"]]})
    return table, breaks


def isochrone_frame(ctx: AccessContext, origin: tuple[float, float], *, mode: str, departure: str,
                    bands_min: tuple[int, ...]) -> Any:
    """Isochrone bands around ``origin`` (lon, lat): see :func:`routing.accessibility.engine.isochrone`."""
    from routing.accessibility import isochrone

    return isochrone(ctx.engine, ctx.grid, origin, mode=mode, departure=departure, bands_min=bands_min)


def isochrone_display(iso: Any) -> pd.DataFrame:
    """Band polygons, largest first (drawn underneath), coloured by band."""
    rows = []
    for _, rec in iso.sort_values("band_min", ascending=False).iterrows():
        band = int(rec["band_min"])
        color = BAND_COLORS.get(band, [150, 150, 160]) + [110]
        for rings in _rings(rec.geometry):
            rows.append({"polygon": rings, "color": color, "name": f"{band} min",
                         "info": f"{rec['area_km2']:.1f} km²"})
    return pd.DataFrame(rows, columns=["polygon", "color", "name", "info"])


def cells_geojson(ctx: AccessContext, cells: pd.DataFrame, *, meta: dict[str, Any]) -> str:
    """The cells with their value as a GeoJSON FeatureCollection (WGS84), ``meta`` in each feature."""
    import geopandas as gpd

    frame = gpd.GeoDataFrame(cells.assign(**meta), geometry=list(ctx.grid.geometry), crs="EPSG:4326")
    return json.dumps(json.loads(frame.to_json(drop_id=True)), ensure_ascii=False)


def mode_comparison(ctx: AccessContext, *, opportunity: str, cutoff_min: int, window: str,
                    modes: tuple[str, ...] = ACCESS_MODES,
                    values: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Population-weighted mean accessibility per commune and mode (``values`` reuses cells already computed).

    Returns
    -------
    DataFrame indexed by commune ``name`` (``Rennes Métropole`` last) with one column per mode.
    """
    cols = {}
    for mode in modes:
        cells = (values or {}).get(mode)
        if cells is None:
            cells = cell_values(ctx, mode=mode, opportunity=opportunity, cutoff_min=cutoff_min, window=window)
        table = commune_table(ctx, cells)
        cols[mode] = pd.Series(table["mean"].to_numpy(), index=table["name"].to_numpy())
    return pd.DataFrame(cols)


# -- the wheelchair gap -----------------------------------------------------------------------------------

#: a cell whose people lose at least this many minutes counts as affected
GAP_AFFECTED_MIN = 5.0


def wheelchair_gap(ctx: AccessContext, *, opportunity: str = "employers", window: str = "08:00-08:10",
                   cutoff_min: int = 60) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Minutes a wheelchair user loses on the way to the nearest opportunity, per cell and per commune.

    The time to the nearest opportunity by transit (median over the window, walking or rolling
    only when faster) for everyone and for the wheelchair profile
    (``AccessibilityEngine(wheelchair=True)``); an opportunity not reached within ``cutoff_min``
    counts as ``cutoff_min``. ``lost_min`` = wheelchair - everyone.

    Returns
    -------
    (cells, communes): cells aligned with the grid (``cell_id``, ``insee``, ``population``,
    ``everyone_min``, ``wheelchair_min``, ``lost_min``); communes (``insee``, ``name``,
    ``population``, ``lost_min`` population-weighted, ``people_affected``: people of cells losing
    at least :data:`GAP_AFFECTED_MIN` minutes), most people affected first.
    """
    from routing.accessibility import AccessibilityEngine, Measure, Points, accessibility

    grid = ctx.grid
    origins = Points.from_frame(grid, id_col="cell_id")
    opp = ctx.opportunities(opportunity, window=window)
    measure = Measure(kind="nearest", cutoff_s=cutoff_min * 60.0, k=1.0)
    with ctx._lock:
        wheel = ctx.__dict__.get("_wheelchair_engine")
        if wheel is None:
            wheel = ctx.__dict__["_wheelchair_engine"] = AccessibilityEngine(ctx.engine.network, wheelchair=True)
    ids = grid["cell_id"].astype(str).to_numpy()
    minutes = {}
    for label, engine in (("everyone_min", ctx.engine), ("wheelchair_min", wheel)):
        res = accessibility(engine, origins, opp, mode="transit", window=window, measure=measure)
        secs = res.set_index("origin_id")["p50"].reindex(ids).to_numpy(float)
        minutes[label] = np.where(np.isfinite(secs), secs / 60.0, float(cutoff_min))
    cells = pd.DataFrame({"cell_id": ids, "insee": grid["insee"].astype(str).to_numpy(),
                          "population": grid["population"].to_numpy(float), **minutes})
    cells["lost_min"] = np.maximum(cells["wheelchair_min"] - cells["everyone_min"], 0.0)
    pop = cells["population"].to_numpy(float)
    frame = pd.DataFrame({"insee": cells["insee"], "population": pop, "w": cells["lost_min"] * pop,
                          "affected": np.where(cells["lost_min"] >= GAP_AFFECTED_MIN, pop, 0.0)})
    g = frame.groupby("insee", sort=True).sum()
    communes = pd.DataFrame({"insee": g.index, "name": ctx.commune_names.reindex(g.index).fillna("").to_numpy(),
                             "population": g["population"].to_numpy(),
                             "lost_min": np.where(g["population"] > 0, g["w"] / g["population"].where(
                                 g["population"] > 0, 1.0), 0.0),
                             "people_affected": g["affected"].to_numpy()})
    communes = communes.sort_values(["people_affected", "lost_min"], ascending=False).reset_index(drop=True)
    return cells, communes
