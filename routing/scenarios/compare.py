"""Before / after: the accessibility of every grid cell on a baseline and on a scenario.

:func:`compare_scenarios` applies two scenarios to one bare network
(:func:`routing.scenarios.scenario.with_scenario`), runs the accessibility engine of
:mod:`routing.accessibility.engine` on each (same grid, same opportunities, same window, same
measure; origin batches on Dask when a scheduler is given) and returns a
:class:`ScenarioComparison`:

* ``cells``: per 200 m cell ``cell_id``, ``insee``, ``population``, ``before``, ``after``,
  ``difference`` (opportunities reached within the cutoff, median over the window's minutes),
  and the cell ``geometry``;
* ``communes``: per commune ``insee``, ``name``, ``population``, population-weighted ``before``,
  ``after``, ``change`` and ``change_pct``;
* ``equity``: Gini and Palma ratio of the cells' values over people, before and after; the
  people who gain access to at least ``threshold`` opportunities (below before, at or above
  after) and those who lose it;
* ``pairs``: for origin-destination pairs, the median travel time before and after (minutes).

The opportunity is named by what it is: ``jobs`` has no job count in the bundle, so it is
answered with the best proxy there is (commuter-survey respondents by employer site) and
the comparison's ``opportunity_label`` / ``notes`` say so.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from routing.accessibility.engine import (
    AccessibilityEngine,
    Measure,
    Points,
    accessibility,
    opportunities,
    palma_ratio,
    travel_time_matrix,
    weighted_gini,
)
from routing.scenarios.scenario import Scenario, bare_network, load_scenario, with_scenario

#: what each opportunity kind really counts (the honest label), and the proxy behind "jobs"
OPPORTUNITY_LABELS = {
    "employers": "commuter-survey respondents by employer site (2020 survey, not a job count)",
    "business_zones": "business zones weighted by area (ha), a proxy of job locations",
    "stops": "transit departures in the window",
    "population": "residents (INSEE 200 m grid estimate)",
    "bikeshare": "bike-share stations",
    "carpool": "carpool places",
    "charger": "charging power (kW)",
    "park_ride": "park-and-ride spaces",
}
OPPORTUNITY_ALIASES = {"jobs": "employers"}


@dataclass
class ScenarioComparison:
    """Result of :func:`compare_scenarios` (see the module docstring for the tables)."""

    base_name: str
    new_name: str
    opportunity: str
    opportunity_label: str
    window: str
    cutoff_min: int
    threshold: float
    cells: pd.DataFrame
    communes: pd.DataFrame
    equity: dict[str, float]
    pairs: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: list[str] = field(default_factory=list)
    stats: dict[str, float] = field(default_factory=dict)

    def to_geojson(self) -> dict[str, Any]:
        """The cells (with geometry) as a GeoJSON FeatureCollection, the figures in ``properties``."""
        import json

        import geopandas as gpd

        cells = self.cells
        gdf = cells if isinstance(cells, gpd.GeoDataFrame) else gpd.GeoDataFrame(cells)
        doc = json.loads(gdf.to_json(drop_id=True))
        doc["properties"] = {"base": self.base_name, "scenario": self.new_name, "opportunity": self.opportunity,
                             "opportunity_label": self.opportunity_label, "window": self.window,
                             "cutoff_min": self.cutoff_min, "threshold": self.threshold,
                             **{k: _json_float(v) for k, v in self.equity.items()}, "notes": self.notes}
        return doc

    def summary(self) -> dict[str, Any]:
        return {"base": self.base_name, "scenario": self.new_name, "opportunity": self.opportunity_label,
                "window": self.window, "cutoff_min": self.cutoff_min, **self.equity}


def _json_float(v: Any) -> Any:
    return None if isinstance(v, float) and not np.isfinite(v) else v


def _resolve(network: Any, scenario: Any) -> tuple[Any, str]:
    if scenario is None or (isinstance(scenario, str) and scenario.lower() == "none"):
        return network, "none"
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    return with_scenario(network, sc), sc.name


def opportunity_points(kind: str, network: Any, *, grid: Any, bundle: Any = None, cache: Any = None,
                       window: str = "08:00-09:00") -> tuple[Points, str, str, list[str]]:
    """(points, kind used, honest label, notes) for an opportunity kind, ``jobs`` included."""
    notes: list[str] = []
    used = OPPORTUNITY_ALIASES.get(kind, kind)
    if used != kind:
        notes.append(f"{kind}: no job count is available offline; proxy used: {OPPORTUNITY_LABELS[used]}")
    pts = opportunities(used, network, grid=grid, bundle=bundle, cache=cache, window=window)
    return pts, used, OPPORTUNITY_LABELS.get(used, used), notes


def compare_scenarios(network: Any, base: Any, new: Any, *, grid: Any, opportunity: str = "jobs",
                      window: str = "08:00-09:00", cutoff_min: int = 30, threshold: float | None = None,
                      commune_names: pd.Series | None = None, pairs: pd.DataFrame | None = None,
                      bundle: Any = None, cache: Any = None, scheduler: Any = None,
                      batch_size: int = 2000) -> ScenarioComparison:
    """Accessibility of every cell on ``base`` and on ``new`` (scenarios applied to ``network``).

    Parameters
    ----------
    network : the bare network (no scenario); it is not modified.
    base, new : scenario names, paths, :class:`~routing.scenarios.scenario.Scenario` objects, or None/"none".
    grid : GeoDataFrame of cells (cell_id, lon, lat, insee, population, geometry).
    threshold : the "access to at least N opportunities" line (default: a quarter of all the
        opportunities of the area, rounded).
    pairs : origin-destination pairs with columns from_lon, from_lat, to_lon, to_lat (and optional
        ``name``); their median travel times before and after are reported.
    scheduler : None (in process) or a Dask scheduler, as :func:`routing.accessibility.engine.accessibility`.
    """
    import time

    t0 = time.perf_counter()
    network = bare_network(network)
    net_a, name_a = _resolve(network, base)
    net_b, name_b = _resolve(network, new)
    eng_a, eng_b = AccessibilityEngine(net_a), AccessibilityEngine(net_b)
    origins = Points.from_frame(grid, id_col="cell_id")
    pts, used, label, notes = opportunity_points(opportunity, network, grid=grid, bundle=bundle, cache=cache,
                                                 window=window)
    if used == "stops":  # departures differ between the two networks: count them on each
        pts_b = opportunities("stops", net_b, grid=grid, window=window)
    else:
        pts_b = pts
    measure = Measure(cutoff_s=cutoff_min * 60)
    t1 = time.perf_counter()
    with contextlib.ExitStack() as stack:  # one cluster for both runs
        client = scheduler
        if scheduler is not None and isinstance(scheduler, str):
            from routing.accessibility.engine import dask_session

            client = stack.enter_context(dask_session(scheduler))
        res_a = accessibility(eng_a, origins, pts, mode="transit", window=window, measure=measure,
                              scheduler=client, batch_size=batch_size)
        res_b = accessibility(eng_b, origins, pts_b, mode="transit", window=window, measure=measure,
                              scheduler=client, batch_size=batch_size)
    t2 = time.perf_counter()
    before = res_a["p50"].to_numpy(float)
    after = res_b["p50"].to_numpy(float)
    # Points.from_frame drops cells without coordinates: align on cell ids
    cells = grid.set_index(grid["cell_id"].astype(str)).loc[origins.ids.astype(str)].reset_index(drop=True)
    keep = [c for c in ("cell_id", "insee", "population", "geometry") if c in cells.columns]
    cells = cells[keep].copy()
    cells["before"], cells["after"] = before, after
    cells["difference"] = after - before
    pop = cells["population"].to_numpy(float) if "population" in cells else np.ones(len(cells))
    pop = np.nan_to_num(pop, nan=0.0)
    if threshold is None:  # a quarter of every opportunity of the area
        threshold = float(np.round(0.25 * float(np.nansum(pts.weight))))
    gained = (before < threshold) & (after >= threshold)
    lost = (before >= threshold) & (after < threshold)
    equity = {
        "gini_before": weighted_gini(before, pop), "gini_after": weighted_gini(after, pop),
        "palma_before": palma_ratio(before, pop), "palma_after": palma_ratio(after, pop),
        "mean_before": float((before * pop).sum() / pop.sum()) if pop.sum() else float("nan"),
        "mean_after": float((after * pop).sum() / pop.sum()) if pop.sum() else float("nan"),
        "people_gaining_threshold": float(pop[gained].sum()), "people_losing_threshold": float(pop[lost].sum()),
        "people_better_off": float(pop[after > before].sum()), "people_worse_off": float(pop[after < before].sum()),
        "cells_changed": float((after != before).sum()),
    }
    communes = _per_commune(cells, pop, commune_names)
    pair_table = _pairs(eng_a, eng_b, pairs, window=window, cutoff_s=2 * 3600) if pairs is not None else pd.DataFrame()
    stats = {"apply_and_engines_s": t1 - t0, "accessibility_s": t2 - t1, "total_s": time.perf_counter() - t0,
             "cells": float(len(cells))}
    return ScenarioComparison(base_name=name_a, new_name=name_b, opportunity=used, opportunity_label=label,
                              window=window, cutoff_min=int(cutoff_min), threshold=float(threshold), cells=cells,
                              communes=communes, equity=equity, pairs=pair_table, notes=notes, stats=stats)


def _per_commune(cells: pd.DataFrame, pop: np.ndarray, names: pd.Series | None) -> pd.DataFrame:
    if "insee" not in cells:
        return pd.DataFrame()
    frame = pd.DataFrame({"insee": cells["insee"].astype(str).to_numpy(), "population": pop,
                          "wb": cells["before"].to_numpy(float) * pop, "wa": cells["after"].to_numpy(float) * pop})
    g = frame.groupby("insee", sort=True).sum()
    out = pd.DataFrame({"insee": g.index, "population": g["population"].to_numpy()})
    with np.errstate(invalid="ignore", divide="ignore"):
        out["before"] = np.where(g["population"] > 0, g["wb"] / g["population"], np.nan)
        out["after"] = np.where(g["population"] > 0, g["wa"] / g["population"], np.nan)
        out["change"] = out["after"] - out["before"]
        out["change_pct"] = np.where(out["before"] > 0, 100.0 * out["change"] / out["before"], np.nan)
    if names is not None:
        out.insert(1, "name", names.reindex(out["insee"]).fillna("").to_numpy())
    return out.sort_values("change", ascending=False).reset_index(drop=True)


def _pairs(eng_a: AccessibilityEngine, eng_b: AccessibilityEngine, pairs: pd.DataFrame, *, window: str,
           cutoff_s: int) -> pd.DataFrame:
    """Median travel time (min) of each pair before and after (NaN beyond ``cutoff_s``)."""
    need = {"from_lon", "from_lat", "to_lon", "to_lat"} - set(pairs.columns)
    if need:
        raise ValueError(f"pairs table lacks columns {sorted(need)}")
    o = Points(np.array([f"o{i}" for i in range(len(pairs))], dtype=object), pairs["from_lon"].to_numpy(float),
               pairs["from_lat"].to_numpy(float), np.ones(len(pairs)))
    d = Points(np.array([f"d{i}" for i in range(len(pairs))], dtype=object), pairs["to_lon"].to_numpy(float),
               pairs["to_lat"].to_numpy(float), np.ones(len(pairs)))
    out = pairs.reset_index(drop=True).copy()
    for label, eng in (("before_min", eng_a), ("after_min", eng_b)):
        m = travel_time_matrix(eng, o, d, mode="transit", window=window, cutoff_s=cutoff_s)
        m = m[m["from_id"].str[1:] == m["to_id"].str[1:]]
        times = pd.Series(m["p50_s"].to_numpy(float) / 60.0, index=m["from_id"].str[1:].astype(int))
        out[label] = times.reindex(range(len(out))).to_numpy()
    out["change_min"] = out["after_min"] - out["before_min"]
    return out
