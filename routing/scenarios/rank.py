"""Which stops to make accessible first: a greedy ranking by the wheelchair accessibility they add.

The measure is the one of the accessibility engine (:mod:`routing.accessibility.engine`) for the
wheelchair profile (:func:`routing.network.wheelchair.wheelchair_network`): for every populated
200 m cell, the opportunities reached by transit within ``cutoff_min`` (median over the
departure minutes of ``window``), weighted by the cell's people and summed: **people x
opportunities**. Making a stop accessible is a scenario modification, ``make_stop_accessible``
(:mod:`routing.scenarios.scenario`); its **gain** is the sum after minus the sum before.

Candidates (an exhaustive search over 770 stops would take hours): the stops not accessible
today that an accessible route serves (elsewhere nothing could board there), scored by their
departures on accessible routes in the window and cutoff times the people living within the
profile's roll cap (straight line at its speed); the ``candidates`` best go on.

Greedy with lazy re-evaluation (CELF): every candidate's gain is computed once on the
baseline; then, repeatedly, the candidate on top has its gain recomputed given the stops
already chosen, and is chosen when it stays on top. Gains usually shrink as stops are added
(two stops of one street serve the same people), which makes this exact greedy; where two
stops help each other (a new stop pair on one line), a later candidate can be undervalued,
so the ranking is a good order, not a proven optimum. Each evaluation reuses the walks of the
baseline (:func:`routing.accessibility.engine.build_problem` ``reuse=``): only the connection
scans run again on the changed timetable.
"""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from routing.accessibility.engine import (
    AccessibilityEngine,
    Measure,
    Points,
    accessibility,
    build_problem,
    departure_minutes,
    run_batches,
)
from routing.network.wheelchair import WHEELCHAIR
from routing.scenarios.scenario import Scenario
from routing.transit.accessible import accessible_routes, accessible_stops, accessible_timetable
from sources.geo import haversine_m, project_xy

DEFAULT_WINDOW = "08:00-08:05"
DEFAULT_CUTOFF_MIN = 30
DEFAULT_CANDIDATES = 30
RANK_COLUMNS = ("rank", "stop_id", "name", "departures", "people_nearby", "gain", "gain_share",
                "people_gaining", "cumulative_gain")


@dataclass
class StopRanking:
    """Result of :func:`rank_stops`: ``table`` (:data:`RANK_COLUMNS`, best first), the baseline
    total, the settings, and timings."""

    table: pd.DataFrame
    baseline: float
    opportunity: str
    window: str
    cutoff_min: int
    candidates: int
    evaluations: int
    stats: dict[str, float] = field(default_factory=dict)

    def modification(self, rank: int = 1) -> dict[str, Any]:
        """The scenario modification of the stop at ``rank`` (1 = first)."""
        row = self.table.iloc[rank - 1]
        return {"type": "make_stop_accessible", "stop": str(row["stop_id"]), "name": str(row["name"])}

    def scenario(self, rank: int = 1) -> Scenario:
        """A scenario making the stops up to ``rank`` accessible (apply it with ``with_scenario``)."""
        mods = tuple({**self.modification(r), "label": f"#{r} (make_stop_accessible)"} for r in range(1, rank + 1))
        return Scenario(name=f"accessible stops 1-{rank}", modifications=mods, file="<rank-stops>")

    def to_json(self) -> dict[str, Any]:
        return {"opportunity": self.opportunity, "window": self.window, "cutoff_min": self.cutoff_min,
                "baseline_people_x_opportunities": self.baseline, "candidates": self.candidates,
                "evaluations": self.evaluations, "seconds": round(self.stats.get("total_s", 0.0), 1),
                "stops": [{k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
                          for row in self.table.to_dict(orient="records")]}


class WheelchairAccess:
    """People x opportunities for the wheelchair profile, for any set of stops made accessible.

    Built once on ``network`` (the walks of every cell and opportunity); :meth:`total` runs the
    engine's scans again on the timetable where ``extra`` stops are accessible too.
    """

    def __init__(self, network: Any, origins: Points, population: np.ndarray, opportunities: Points, *,
                 window: str = DEFAULT_WINDOW, cutoff_min: int = DEFAULT_CUTOFF_MIN) -> None:
        self.network = network
        self.base_tt = network.timetable
        self.engine = AccessibilityEngine(network, wheelchair=True)
        self.origins, self.population, self.opportunities = origins, np.asarray(population, float), opportunities
        self.window, self.cutoff_min = window, int(cutoff_min)
        self.measure = Measure(cutoff_s=self.cutoff_min * 60)
        self.spec = {"kind": "indicator", "measure": self.measure,
                     "weights": opportunities.weight.astype(np.float64), "percentiles": (50.0,)}
        self.problem = build_problem(self.engine, origins, opportunities, window=window,
                                     cutoff_s=self.measure.cutoff_s, destinations_key="rank-stops")

    def values(self, extra: tuple[int, ...] = ()) -> np.ndarray:
        """Opportunities reached per origin (median over the window) with ``extra`` stops accessible."""
        if extra:
            flags = self.base_tt.stop_wheelchair.copy()
            flags[list(extra)] = 1
            tt = accessible_timetable(self.base_tt.replace(stop_wheelchair=flags), footpath_factor=WHEELCHAIR.slowdown)
            engine = self.engine.with_timetable(tt)
            problem = build_problem(engine, self.origins, self.opportunities, window=self.window,
                                    cutoff_s=self.measure.cutoff_s, destinations_key="rank-stops", reuse=self.problem)
        else:
            problem = self.problem
        return run_batches(problem, self.spec)["p50"]

    def total(self, extra: tuple[int, ...] = ()) -> float:
        """Sum over origins of people x opportunities reached."""
        return float((self.values(extra) * self.population).sum())


def candidate_stops(network: Any, origins: Points, population: np.ndarray, *, n: int = DEFAULT_CANDIDATES,
                    window: str = DEFAULT_WINDOW, cutoff_min: int = DEFAULT_CUTOFF_MIN) -> pd.DataFrame:
    """The stops worth evaluating (see the module docstring): ``stop``, ``stop_id``, ``name``,
    ``departures``, ``people_nearby``, ``score``, best first, at most ``n``."""
    tt = network.timetable
    ok_stop, ok_route = accessible_stops(tt), accessible_routes(tt)
    deps = departure_minutes(window)
    on_route = np.zeros(tt.n_connections, dtype=bool)
    known = tt.trip_route[tt.trip] >= 0
    on_route[known] = ok_route[tt.trip_route[tt.trip][known]]
    in_window = (tt.dep_time >= deps.min()) & (tt.dep_time <= deps.max() + cutoff_min * 60)
    departures = np.bincount(tt.dep_stop[on_route & in_window], minlength=tt.n_stops)
    served = np.zeros(tt.n_stops, dtype=bool)
    served[tt.dep_stop[on_route]] = True
    served[tt.arr_stop[on_route]] = True
    cand = np.flatnonzero(served & ~ok_stop)
    reach_m = WHEELCHAIR.max_access_s * WHEELCHAIR.speed_ms
    pop = np.asarray(population, float)
    nearby = np.array([pop[haversine_m(tt.stop_lon[s], tt.stop_lat[s], origins.lon, origins.lat) <= reach_m].sum()
                       for s in cand])
    table = pd.DataFrame({"stop": cand, "stop_id": tt.stop_ids[cand].astype(str), "name": tt.stop_names[cand],
                          "departures": departures[cand], "people_nearby": np.rint(nearby).astype(np.int64)})
    table["score"] = table["departures"] * table["people_nearby"]
    table = table[table["score"] > 0].sort_values(["score", "stop_id"], ascending=[False, True])
    return table.head(n).reset_index(drop=True)


def rank_stops(network: Any, grid: Any, opportunities: Points, *, top: int = 20, candidates: int = DEFAULT_CANDIDATES,
               window: str = DEFAULT_WINDOW, cutoff_min: int = DEFAULT_CUTOFF_MIN,
               opportunity: str = "employers") -> StopRanking:
    """The ``top`` stops to make accessible first (see the module docstring).

    Parameters
    ----------
    network : the network the profile travels (e.g. the planner's: bus 2011 + metro a); not modified.
    grid : cells with ``cell_id``, ``lon``, ``lat``, ``population``; the populated ones are the origins.
    opportunities : weighted points (e.g. :func:`routing.accessibility.engine.opportunities`).

    Returns
    -------
    :class:`StopRanking`; its table has one row per chosen stop: ``rank``, ``stop_id``, ``name``,
    ``departures`` (on accessible routes, window + cutoff), ``people_nearby`` (within the roll cap),
    ``gain`` (people x opportunities added, given the stops ranked before), ``gain_share`` (of the
    baseline), ``people_gaining`` (people of the cells whose value rises) and ``cumulative_gain``.
    Empty when no candidate adds anything.
    """
    t0 = time.perf_counter()
    network = network if getattr(network, "wheelchair_base", None) is None else network.wheelchair_base
    origins, population = served_origins(network, grid)
    access = WheelchairAccess(network, origins, population, opportunities, window=window, cutoff_min=cutoff_min)
    base_values = access.values()
    baseline = float((base_values * population).sum())
    cands = candidate_stops(network, origins, population, n=candidates, window=window, cutoff_min=cutoff_min)
    t1 = time.perf_counter()
    evaluations = 0
    chosen: list[int] = []
    current, current_values = baseline, base_values
    cache: dict[int, np.ndarray] = {}
    heap: list[tuple[float, int, int]] = []  # (-gain, candidate row, round computed)
    for row, stop in enumerate(cands["stop"].to_numpy()):
        values = access.values((int(stop),))
        evaluations += 1
        cache[row] = values
        heapq.heappush(heap, (-(float((values * population).sum()) - baseline), row, 0))
    rows: list[dict[str, Any]] = []
    while heap and len(chosen) < top:
        neg, row, computed = heapq.heappop(heap)
        if computed != len(chosen):  # stale: recompute given the stops chosen since
            values = access.values((*chosen, int(cands["stop"].iloc[row])))
            evaluations += 1
            cache[row] = values
            heapq.heappush(heap, (-(float((values * population).sum()) - current), row, len(chosen)))
            continue
        gain = -neg
        if gain <= 0:
            break
        values = cache[row]
        chosen.append(int(cands["stop"].iloc[row]))
        gaining = float(population[values > current_values + 1e-9].sum())
        current, current_values = current + gain, values
        c = cands.iloc[row]
        rows.append({"rank": len(chosen), "stop_id": c["stop_id"], "name": c["name"],
                     "departures": int(c["departures"]), "people_nearby": int(c["people_nearby"]),
                     "gain": gain, "gain_share": gain / baseline if baseline else float("nan"),
                     "people_gaining": gaining, "cumulative_gain": current - baseline})
    table = pd.DataFrame(rows, columns=list(RANK_COLUMNS))
    stats = {"setup_s": t1 - t0, "greedy_s": time.perf_counter() - t1, "total_s": time.perf_counter() - t0}
    return StopRanking(table, baseline, opportunity, window, int(cutoff_min), len(cands), evaluations, stats)


def served_origins(network: Any, grid: Any) -> tuple[Points, np.ndarray]:
    """The populated cells with a stop within the wheelchair profile's roll cap, and their people:
    the only cells whose transit access a stop made accessible can change (the others reach what
    they reach by rolling alone, whatever the stops)."""
    pop_all = pd.to_numeric(grid["population"], errors="coerce").fillna(0.0).to_numpy(float)
    populated = grid[pop_all > 0]
    origins = Points.from_frame(populated, id_col="cell_id")
    population = pd.to_numeric(populated["population"], errors="coerce").fillna(0.0).to_numpy(float)
    tt = network.timetable
    reach_m = WHEELCHAIR.max_access_s * WHEELCHAIR.speed_ms
    # a straight-line pre-filter (no roll is shorter), then the engine's own links
    sx, sy = project_xy(tt.stop_lon, tt.stop_lat, "EPSG:2154")
    ox, oy = project_xy(origins.lon, origins.lat, "EPSG:2154")
    near = cKDTree(np.column_stack([sx, sy])).query(np.column_stack([ox, oy]), distance_upper_bound=reach_m)[0]
    keep = np.flatnonzero(np.isfinite(near))
    origins, population = origins.take(keep), population[keep]
    ptr, _, _ = AccessibilityEngine(network, wheelchair=True).stop_links(origins)
    linked = np.flatnonzero(np.diff(ptr) > 0)
    return origins.take(linked), population[linked]


def wheelchair_total(network: Any, grid: Any, opportunities: Points, *, window: str = DEFAULT_WINDOW,
                     cutoff_min: int = DEFAULT_CUTOFF_MIN) -> float:
    """People x opportunities for the wheelchair profile on ``network`` over :func:`served_origins`,
    computed from scratch by the engine (no reuse): what a ranked stop's gain is checked against."""
    origins, population = served_origins(network, grid)
    res = accessibility(AccessibilityEngine(network, wheelchair=True), origins, opportunities, window=window,
                        measure=Measure(cutoff_s=int(cutoff_min) * 60))
    return float((res["p50"].to_numpy(float) * population).sum())
