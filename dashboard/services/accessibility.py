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
import math
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
#: light yellow -> dark blue, for 6 classes (ColorBrewer YlGnBu): few -> many opportunities
RAMP = ([255, 255, 204], [199, 233, 180], [127, 205, 187], [65, 182, 196], [44, 127, 184], [37, 52, 148])
#: isochrone bands, near -> far: a sequential palette (viridis steps) whose lightness changes
#: at every band, so that 45 and 60 minutes never look alike
BAND_COLORS = {10: [68, 1, 84], 15: [72, 40, 120], 20: [59, 82, 139], 30: [33, 145, 140], 45: [94, 201, 98],
               60: [253, 231, 37]}
#: the profiles of the page: everyone, or a wheelchair user (routing.network.wheelchair)
PROFILES = ("everyone", "wheelchair")
#: the modes of the wheelchair profile (its engine rolls the walk layer; bikes and cars are not its own)
WHEELCHAIR_MODES = ("transit", "walk")
#: a cell truly outside the data (no street layer reaches it): nothing can be said there
OUTSIDE_COLOR = [120, 120, 120]
#: a cell in the data from which nothing is reached within the cutoff
NOTHING_COLOR = [224, 224, 224]
#: the width the map's view is fitted for (a phone column is 360, a desktop's half 700)
FIT_WIDTH_PX = 520


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

    def engine_for(self, *, wheelchair: bool = False) -> Any:
        """The engine of the profile: everyone's, or the wheelchair profile's
        (``AccessibilityEngine(wheelchair=True)`` on the same network, built once)."""
        if not wheelchair:
            return self.engine
        from routing.accessibility import AccessibilityEngine

        with self._lock:
            if ("engine", "wheelchair") not in self._opportunities:
                self._opportunities[("engine", "wheelchair")] = AccessibilityEngine(self.engine.network,
                                                                                    wheelchair=True)
            return self._opportunities[("engine", "wheelchair")]


def build_context(network: Any, *, bundle: Any = None, cache: Any = None) -> AccessContext:
    """The context on the Rennes Métropole grid (cached as parquet by routing.network.zones)."""
    from routing.accessibility import AccessibilityEngine, rennes_metropole_grid
    from sources import load

    grid = rennes_metropole_grid(bundle=bundle, cache=cache)
    communes = load("communes", bundle=bundle, cache=cache).data
    names = pd.Series(communes["name"].astype(str).to_numpy(), index=communes["insee"].astype(str).to_numpy())
    return AccessContext(AccessibilityEngine(network), grid, names, bundle=bundle)


def cell_values(ctx: AccessContext, *, mode: str, opportunity: str, cutoff_min: int, window: str,
                wheelchair: bool = False) -> pd.DataFrame:
    """Cumulative accessibility of every grid cell: opportunities (weights) reached within
    ``cutoff_min``, median over the window's departure minutes (one departure for street modes);
    with ``wheelchair``, for the wheelchair profile (accessible stops and lines, rolling speed).

    Returns
    -------
    DataFrame aligned with the grid: ``cell_id``, ``insee``, ``population``, ``value``.
    """
    from routing.accessibility import Measure, Points, accessibility

    grid = ctx.grid
    origins = Points.from_frame(grid, id_col="cell_id")
    opp = ctx.opportunities(opportunity, window=window)
    res = accessibility(ctx.engine_for(wheelchair=wheelchair), origins, opp, mode=mode, window=window,
                        measure=Measure(kind="cumulative", cutoff_s=cutoff_min * 60.0),
                        destinations_key=(opportunity, window if opportunity == "stops" else ""))
    value = res.set_index("origin_id")["p50"].reindex(grid["cell_id"].astype(str).to_numpy()).to_numpy(float)
    return pd.DataFrame({"cell_id": grid["cell_id"].astype(str).to_numpy(),
                         "insee": grid["insee"].astype(str).to_numpy(),
                         "population": grid["population"].to_numpy(float),
                         "value": np.nan_to_num(value, nan=0.0)})


def commune_table(ctx: AccessContext, cells: pd.DataFrame, *, outside: np.ndarray | None = None) -> pd.DataFrame:
    """Per commune: population, population-weighted mean, Gini, Palma, and the share of people
    above the metropolitan mean (row ``ALL`` last), communes sorted by mean, best first.

    A commune whose cells are all outside the data (``outside``, per cell) has NaN figures
    ("no data", not zero) and comes last.

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
    if outside is not None:
        out = pd.Series(np.asarray(outside, bool)).groupby(cells["insee"].astype(str).to_numpy()).all()
        dark = table["insee"].isin(out.index[out.to_numpy()])
        table.loc[dark, ["mean", "gini", "palma", "share_above"]] = np.nan
    body = table[table["insee"] != "ALL"].sort_values("mean", ascending=False, na_position="last")
    return pd.concat([body, table[table["insee"] == "ALL"]], ignore_index=True)


def nice_breaks(values: np.ndarray, *, n: int = len(RAMP)) -> np.ndarray:
    """Class limits of the positive values: halvings of the largest (max/2, max/4, ... up to
    ``n - 1`` limits) rounded to 1-2-5 numbers, so the top class holds the best-served cells
    only and each class means about twice the one below (a quantile top class flooded the city).
    ``[0.0]`` when nothing is positive."""
    pos = np.asarray(values, float)
    pos = pos[np.isfinite(pos) & (pos > 0)]
    if not len(pos):
        return np.array([0.0])
    top = float(pos.max())
    out = []
    for k in range(n - 1, 0, -1):
        raw = top / 2.0 ** k
        mag = 10.0 ** math.floor(math.log10(raw))
        nice = min((f * mag for f in (1.0, 2.0, 5.0, 10.0)), key=lambda v: abs(math.log(v / raw)))
        out.append(nice)
    return np.unique(np.array(out))


def ramp_class(values: np.ndarray, breaks: np.ndarray) -> np.ndarray:
    """Index into :data:`RAMP` of each value (classes spread over the ramp when there are fewer)."""
    cls = np.searchsorted(breaks, np.asarray(values, float), side="right")
    scale = (len(RAMP) - 1) / max(1, len(breaks))
    return np.rint(cls * scale).astype(int)


def class_indices(breaks: np.ndarray) -> list[int]:
    """The :data:`RAMP` index of each class of ``breaks``, lowest first (as :func:`ramp_class`)."""
    scale = (len(RAMP) - 1) / max(1, len(breaks))
    return [int(round(k * scale)) for k in range(len(breaks) + 1)]


def class_labels(breaks: np.ndarray, *, number: Any, unit: str) -> list[str]:
    """One label per class of :func:`nice_breaks`: ``"< 50 stations"``, ``"50 – 100 stations"``,
    ``"≥ 800 stations"`` (``number`` formats in the reader's language)."""
    b = [float(x) for x in breaks if x > 0]
    if not b:
        return [f"> 0 {unit}".strip()]
    labels = [f"< {number(b[0])} {unit}".strip()]
    labels += [f"{number(lo)} – {number(hi)} {unit}".strip() for lo, hi in zip(b, b[1:], strict=False)]
    labels.append(f"≥ {number(b[-1])} {unit}".strip())
    return labels


def median_per_person(values: np.ndarray, population: np.ndarray) -> float:
    """The value half of the people reach at least (population-weighted median; 0 when empty)."""
    v = np.nan_to_num(np.asarray(values, float))
    p = np.asarray(population, float)
    if not len(v) or p.sum() <= 0:
        return 0.0
    order = np.argsort(v, kind="stable")
    cum = np.cumsum(p[order])
    return float(v[order][np.searchsorted(cum, cum[-1] / 2)])


def number_axis_spec(lang: str) -> dict[str, str]:
    """A Vega-Lite axis whose numbers follow ``lang`` (thousands "40 000" in French, "40,000" in
    English: Vega formats in English, the French separators are put back by its label expression)."""
    if lang == "fr":
        thousands = "replace(datum.label, regexp(',', 'g'), '\u202f')"
        return {"format": ",~f", "labelExpr": f"replace({thousands}, '.', ',')"}
    return {"format": ",~f"}


def number_axis(lang: str) -> Any:
    """:func:`number_axis_spec` as an Altair axis."""
    import altair as alt

    return alt.Axis(**number_axis_spec(lang))


def outside_cells(ctx: AccessContext, mode: str) -> np.ndarray:
    """Per grid cell: outside the data for ``mode`` (no street layer within reach; see
    :meth:`routing.accessibility.AccessibilityEngine.outside_data`), cached per mode."""
    from routing.accessibility import Points

    key = ("outside", mode)
    with ctx._lock:
        if key not in ctx._opportunities:
            pts = Points.from_frame(ctx.grid, id_col="cell_id")
            ctx._opportunities[key] = np.asarray(ctx.engine.outside_data(pts, mode), bool)
        return ctx._opportunities[key]


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


def cell_classes(values: np.ndarray, breaks: np.ndarray, *, outside: np.ndarray | None = None) -> np.ndarray:
    """Per cell: -2 outside the data (``outside``), -1 nothing reached (value 0), else the
    :data:`RAMP` index of its class (:func:`ramp_class`)."""
    value = np.asarray(values, float)
    out = np.zeros(len(value), bool) if outside is None else np.asarray(outside, bool)
    return np.where(out, -2, np.where(value > 0, ramp_class(value, breaks), -1))


def class_areas(ctx: AccessContext, cls: np.ndarray, *, colors: dict[int, list[int]],
                labels: dict[int, str]) -> pd.DataFrame:
    """The grid drawn by class: one row per class and commune, the squares of its cells merged
    (coverage union: they share exact corners) into deck.gl polygons (``polygon``: outer ring then
    holes), ``color`` (RGBA) and ``info`` of the class (``labels``), ``name`` the commune.

    The same look as one polygon per cell at a fraction of the cost in the browser: a few hundred
    polygons instead of 18,486 to build and to draw at every frame (software WebGL)."""
    import shapely

    geoms = np.asarray(ctx.grid.geometry.to_numpy(), dtype=object)
    insee = ctx.grid["insee"].astype(str).to_numpy()
    groups = pd.DataFrame({"cls": np.asarray(cls, int), "insee": insee}).groupby(["cls", "insee"], sort=True)
    rows = []
    for (c, code), idx in groups.indices.items():
        name = esc(ctx.commune_names.get(code, ""))
        info = esc(labels.get(int(c), ""))
        for rings in _rings(shapely.coverage_union_all(geoms[idx])):
            rows.append({"polygon": rings, "color": list(colors[int(c)]), "name": name, "info": info})
    return pd.DataFrame(rows, columns=["polygon", "color", "name", "info"])


def cells_display(ctx: AccessContext, cells: pd.DataFrame, *, unit: str = "", outside: np.ndarray | None = None,
                  labels: dict[str, str] | None = None, fmt: Any = None,
                  nobody: np.ndarray | None = None) -> tuple[pd.DataFrame, np.ndarray]:
    """(display table of the grid by class for a PolygonLayer (:func:`class_areas`), class limits of
    :func:`nice_breaks`).

    Every cell is drawn: reaching something (coloured by class, its label of
    :func:`class_labels` with ``fmt`` and ``unit`` in the tooltip), reaching nothing within the
    cutoff (:data:`NOTHING_COLOR`, ``labels["nothing"]``; ``labels["nobody"]`` for the cells of
    ``nobody``) or outside the data (``outside``, :data:`OUTSIDE_COLOR`, ``labels["outside"]``)."""
    value = cells["value"].to_numpy(float)
    out = np.zeros(len(cells), bool) if outside is None else np.asarray(outside, bool)
    labels = labels or {}
    breaks = nice_breaks(value[(value > 0) & ~out])
    cls = cell_classes(value, breaks, outside=out)
    if nobody is not None:
        cls = np.where(np.asarray(nobody, bool) & (cls == -1), -3, cls)
    names = {-3: labels.get("nobody", ""), -2: labels.get("outside", ""), -1: labels.get("nothing", "")}
    colours = {-3: NOTHING_COLOR + [150], -2: OUTSIDE_COLOR + [150], -1: NOTHING_COLOR + [150]}
    fmt = fmt or (lambda v: f"{v:.0f}")
    for c, name in zip(class_indices(breaks), class_labels(breaks, number=fmt, unit=unit), strict=False):
        names[c], colours[c] = name, RAMP[c] + [200]
    return class_areas(ctx, cls, colors=colours, labels=names), breaks


def people_per_class(cells: pd.DataFrame, breaks: np.ndarray, *, outside: np.ndarray | None = None) -> pd.DataFrame:
    """Inhabitants living in the cells of each class (``cls``: -2 outside the data, -1 nothing
    reached, else the :data:`RAMP` index), with ``population`` and ``share`` of the whole grid."""
    pop = cells["population"].to_numpy(float)
    cls = cell_classes(cells["value"].to_numpy(float), breaks, outside=outside)
    total = pop.sum()
    rows = [(int(c), float(pop[cls == c].sum())) for c in np.unique(cls)]
    frame = pd.DataFrame(rows, columns=["cls", "population"])
    frame["share"] = frame["population"] / total if total > 0 else 0.0
    return frame


def view_of_bounds(bounds: tuple[float, float, float, float], *, height_px: int,
                   width_px: int = FIT_WIDTH_PX) -> tuple[float, float, float]:
    """(lon, lat, zoom) showing ``bounds`` (lon0, lat0, lon1, lat1) whole in a map of that size
    (Web Mercator, 256 px tiles, 5 % margin)."""
    lon0, lat0, lon1, lat1 = bounds

    def merc(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    dx = max((lon1 - lon0) / 360.0, 1e-9)
    dy = max((merc(lat1) - merc(lat0)) / (2 * math.pi), 1e-9)
    zoom = math.log2(min(width_px / (256 * dx), height_px / (256 * dy)) / 1.05)
    lat_c = math.degrees(2 * math.atan(math.exp((merc(lat0) + merc(lat1)) / 2)) - math.pi / 2)
    return ((lon0 + lon1) / 2, lat_c, round(zoom, 2))


def metropole_view(ctx: AccessContext, *, height_px: int) -> tuple[float, float, float]:
    """The view fitting the whole grid of the metropole."""
    g = ctx.grid
    bounds = tuple(float(v) for v in g.total_bounds) if hasattr(g, "total_bounds") else \
        (float(g["lon"].min()), float(g["lat"].min()), float(g["lon"].max()), float(g["lat"].max()))
    return view_of_bounds(bounds, height_px=height_px)


@dataclass(frozen=True)
class Isochrone:
    """Isochrone bands (GeoDataFrame of :func:`routing.accessibility.isochrone`) and the travel
    time of every grid cell (int32 s, ``UNREACHABLE_I32`` beyond the last band)."""

    bands: Any
    times_s: np.ndarray


def isochrone_frame(ctx: AccessContext, origin: tuple[float, float], *, mode: str, departure: str,
                    bands_min: tuple[int, ...], wheelchair: bool = False) -> Isochrone:
    """Isochrone bands around ``origin`` (lon, lat) and the travel times they are drawn from
    (with ``wheelchair``, for the wheelchair profile)."""
    from routing.accessibility import Points, isochrone_polygons, travel_time_surface

    targets = Points.from_frame(ctx.grid, id_col="cell_id")
    times = travel_time_surface(ctx.engine_for(wheelchair=wheelchair), origin, targets, mode=mode, departure=departure,
                                cutoff_s=int(max(bands_min) * 60), targets_key=("grid", len(ctx.grid)))
    return Isochrone(isochrone_polygons(ctx.grid, times, bands_min), times)


def band_people(ctx: AccessContext, iso: Isochrone, bands_min: tuple[int, ...]) -> pd.DataFrame:
    """Per band: ``band_min``, ``cells``, ``area_km2``, ``population`` reached within it (cumulative)
    and its ``share`` of the metropole's inhabitants."""
    pop = ctx.grid["population"].to_numpy(float)
    t = np.asarray(iso.times_s, np.int64)
    rows = []
    for _, rec in iso.bands.iterrows():
        inside = t <= float(rec["band_min"]) * 60
        rows.append((int(rec["band_min"]), int(rec["cells"]), float(rec["area_km2"]), float(pop[inside].sum())))
    frame = pd.DataFrame(rows, columns=["band_min", "cells", "area_km2", "population"])
    frame["share"] = frame["population"] / pop.sum() if pop.sum() > 0 else 0.0
    return frame


def time_histogram(ctx: AccessContext, iso: Isochrone, bands_min: tuple[int, ...], *,
                   step_min: int = 5) -> pd.DataFrame:
    """Inhabitants by travel time, ``step_min`` bins up to the last band: ``from_min``, ``to_min``,
    ``population``, ``cells`` and the ``band_min`` each bin falls in (its colour)."""
    pop = ctx.grid["population"].to_numpy(float)
    t = np.asarray(iso.times_s, np.int64)
    last = int(max(bands_min))
    rows = []
    for lo in range(0, last, step_min):
        hi = lo + step_min
        inside = (t > lo * 60 if lo else t >= 0) & (t <= hi * 60)
        band = min((b for b in sorted(bands_min) if b >= hi), default=last)
        rows.append((lo, hi, float(pop[inside].sum()), int(inside.sum()), int(band)))
    return pd.DataFrame(rows, columns=["from_min", "to_min", "population", "cells", "band_min"])


def isochrone_display(iso: Any, *, outside: Any = None, outside_label: str = "") -> pd.DataFrame:
    """Band polygons, largest first (drawn underneath), coloured by band; the cells outside the
    data (a (Multi)Polygon, ``outside``) in grey underneath everything."""
    bands = iso.bands if isinstance(iso, Isochrone) else iso
    rows = []
    if outside is not None and not outside.is_empty:
        for rings in _rings(outside):
            rows.append({"polygon": rings, "color": OUTSIDE_COLOR + [140], "name": esc(outside_label), "info": ""})
    for _, rec in bands.sort_values("band_min", ascending=False).iterrows():
        band = int(rec["band_min"])
        color = BAND_COLORS.get(band, [150, 150, 160]) + [150]
        for rings in _rings(rec.geometry):
            rows.append({"polygon": rings, "color": color, "name": f"≤ {band} min",
                         "info": f"{rec['area_km2']:.1f} km²"})
    return pd.DataFrame(rows, columns=["polygon", "color", "name", "info"])


def outside_polygon(ctx: AccessContext, mode: str) -> Any:
    """The union of the grid cells outside the data for ``mode`` (an empty polygon when none),
    cached per mode (drawn under every isochrone)."""
    import shapely

    out = outside_cells(ctx, mode)
    key = ("outside_polygon", mode)
    with ctx._lock:
        if key not in ctx._opportunities:
            ctx._opportunities[key] = (shapely.coverage_union_all(np.asarray(ctx.grid.geometry.to_numpy(),
                                                                              dtype=object)[out])
                                       if out.any() else shapely.Polygon())
        return ctx._opportunities[key]


def cells_geojson(ctx: AccessContext, cells: pd.DataFrame, *, meta: dict[str, Any]) -> str:
    """The cells with their value as a GeoJSON FeatureCollection (WGS84), ``meta`` in each feature."""
    import geopandas as gpd

    frame = gpd.GeoDataFrame(cells.assign(**meta), geometry=list(ctx.grid.geometry), crs="EPSG:4326")
    return json.dumps(json.loads(frame.to_json(drop_id=True)), ensure_ascii=False)


def mode_comparison(ctx: AccessContext, *, opportunity: str, cutoff_min: int, window: str,
                    modes: tuple[str, ...] = ACCESS_MODES,
                    values: dict[str, pd.DataFrame] | None = None, wheelchair: bool = False) -> pd.DataFrame:
    """Population-weighted mean accessibility per commune and mode (``values`` reuses cells already
    computed; ``wheelchair``: the profile's).

    Returns
    -------
    DataFrame indexed by commune ``name`` (``Rennes Métropole`` last) with one column per mode
    (NaN for a commune outside the data of that mode).
    """
    cols = {}
    for mode in modes:
        cells = (values or {}).get(mode)
        if cells is None:
            cells = cell_values(ctx, mode=mode, opportunity=opportunity, cutoff_min=cutoff_min, window=window,
                                wheelchair=wheelchair)
        table = commune_table(ctx, cells, outside=outside_cells(ctx, mode))
        cols[mode] = pd.Series(table["mean"].to_numpy(), index=table["name"].to_numpy())
    return pd.DataFrame(cols)


# -- the wheelchair gap -----------------------------------------------------------------------------------

#: a cell whose people lose at least this many minutes counts as affected
GAP_AFFECTED_MIN = 5.0
#: an opportunity not reached within this many minutes counts as this many (the gap's cap)
GAP_CUTOFF_MIN = 60


def wheelchair_gap(ctx: AccessContext, *, opportunity: str = "employers", window: str = "08:00-08:10",
                   cutoff_min: int = GAP_CUTOFF_MIN,
                   outside: np.ndarray | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Minutes a wheelchair user loses on the way to the nearest opportunity, per cell and per commune.

    The time to the nearest opportunity by transit (median over the window, walking or rolling
    only when faster) for everyone and for the wheelchair profile
    (``AccessibilityEngine(wheelchair=True)``); an opportunity not reached within ``cutoff_min``
    counts as ``cutoff_min``. ``lost_min`` = wheelchair - everyone (never below 0). A cell
    ``outside`` the data (per cell, see :func:`outside_cells`) has NaN minutes and counts in no
    commune figure.

    Returns
    -------
    (cells, communes): cells aligned with the grid (``cell_id``, ``insee``, ``population``,
    ``everyone_min``, ``wheelchair_min``, ``lost_min``); communes (``insee``, ``name``,
    ``population`` in the data, ``lost_min`` population-weighted, ``people_affected``: people of
    cells losing at least :data:`GAP_AFFECTED_MIN` minutes, ``share_affected``), most people
    affected first; a commune wholly outside the data has NaN figures and comes last.
    """
    from routing.accessibility import Measure, Points, accessibility

    grid = ctx.grid
    origins = Points.from_frame(grid, id_col="cell_id")
    opp = ctx.opportunities(opportunity, window=window)
    measure = Measure(kind="nearest", cutoff_s=cutoff_min * 60.0, k=1.0)
    ids = grid["cell_id"].astype(str).to_numpy()
    out = np.zeros(len(grid), bool) if outside is None else np.asarray(outside, bool)
    minutes = {}
    for label, wheelchair in (("everyone_min", False), ("wheelchair_min", True)):
        res = accessibility(ctx.engine_for(wheelchair=wheelchair), origins, opp, mode="transit", window=window,
                            measure=measure)
        secs = res.set_index("origin_id")["p50"].reindex(ids).to_numpy(float)
        minutes[label] = np.where(out, np.nan, np.where(np.isfinite(secs), secs / 60.0, float(cutoff_min)))
    cells = pd.DataFrame({"cell_id": ids, "insee": grid["insee"].astype(str).to_numpy(),
                          "population": grid["population"].to_numpy(float), **minutes})
    cells["lost_min"] = np.maximum(cells["wheelchair_min"] - cells["everyone_min"], 0.0)
    pop = np.where(out, 0.0, cells["population"].to_numpy(float))
    lost = np.nan_to_num(cells["lost_min"].to_numpy(float))
    frame = pd.DataFrame({"insee": cells["insee"], "population": pop, "w": lost * pop,
                          "affected": np.where(lost >= GAP_AFFECTED_MIN, pop, 0.0), "inside": ~out})
    g = frame.groupby("insee", sort=True).sum()
    known = g["inside"].to_numpy() > 0
    people = g["population"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(people > 0, g["w"].to_numpy(float) / people, 0.0)
        share = np.where(people > 0, g["affected"].to_numpy(float) / people, 0.0)
    communes = pd.DataFrame({"insee": g.index, "name": ctx.commune_names.reindex(g.index).fillna("").to_numpy(),
                             "population": people, "lost_min": np.where(known, mean, np.nan),
                             "people_affected": np.where(known, g["affected"].to_numpy(float), np.nan),
                             "share_affected": np.where(known, share, np.nan)})
    communes = communes.sort_values(["people_affected", "lost_min"], ascending=False, na_position="last")
    return cells, communes.reset_index(drop=True)


def gap_summary(cells: pd.DataFrame) -> dict[str, float]:
    """The whole grid's figures of :func:`wheelchair_gap`'s cells (cells outside the data left out):
    ``people`` in the data, ``affected`` (losing at least :data:`GAP_AFFECTED_MIN` min) and its
    ``share``, ``mean_lost_min`` per inhabitant, ``nobody`` (people of cells from which nobody
    reaches an opportunity within the cap: no loss can be measured there)."""
    inside = np.isfinite(cells["lost_min"].to_numpy(float))
    pop = cells["population"].to_numpy(float)[inside]
    lost = cells["lost_min"].to_numpy(float)[inside]
    everyone = cells["everyone_min"].to_numpy(float)[inside]
    total = float(pop.sum())
    affected = float(pop[lost >= GAP_AFFECTED_MIN].sum())
    return {"people": total, "affected": affected, "share": affected / total if total > 0 else 0.0,
            "mean_lost_min": float((lost * pop).sum() / total) if total > 0 else 0.0,
            "nobody": float(pop[everyone >= GAP_CUTOFF_MIN].sum())}


def gap_display(ctx: AccessContext, cells: pd.DataFrame, *, labels: dict[str, str], unit: str = "min",
                fmt: Any = None) -> tuple[pd.DataFrame, np.ndarray]:
    """The gap's grid by class for a PolygonLayer on the page's classes and palette
    (:func:`cells_display` with ``lost_min`` as the value, in minutes): no minute lost is
    ``labels["nothing"]``, a cell from which nobody reaches anything within the cap
    ``labels["nobody"]``, a cell outside the data ``labels["outside"]``."""
    lost = cells["lost_min"].to_numpy(float)
    nobody = np.nan_to_num(cells["everyone_min"].to_numpy(float)) >= GAP_CUTOFF_MIN
    return cells_display(ctx, cells.assign(value=np.nan_to_num(lost)), unit=unit, outside=~np.isfinite(lost),
                         labels=labels, fmt=fmt, nobody=nobody)
