"""The scenarios page's side without Streamlit (``pages/scenarios.py``): choices, uploads, display
tables, planning with and without.

The computation is :mod:`routing.scenarios`; this module only
turns their results into map and table data. An uploaded scenario is bytes checked against the
size budget and parsed as TOML text (never unpickled, never executed).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd

from dashboard import maps

#: the pair shown by default and by the kiosk preset "Et si le métro b avait existé en 2011 ?"
PRESET = {"base": "metro-a", "new": "metro-b", "origin": "Cleunay", "destination": "Beaulieu",
          "time": dt.time(8, 0), "origin_lonlat": (-1.70641, 48.10100), "destination_lonlat": (-1.63912, 48.12213)}
OPPORTUNITIES = ("employers", "business_zones", "population", "stops")
WINDOWS = ("07:00-08:00", "08:00-09:00", "12:00-13:00", "17:00-18:00")
CUTOFFS_MIN = (20, 30, 45, 60)
#: change classes (sign x size, see :func:`change_class`) on a diverging palette (ColorBrewer
#: RdBu): losses red, gains blue, the darker the larger; colour-blind safe
DIVERGING = {-3: [178, 24, 43], -2: [239, 138, 98], -1: [253, 219, 199], 1: [209, 229, 240],
             2: [103, 169, 207], 3: [33, 102, 172]}
GAIN_COLOR = DIVERGING[3]
LOSS_COLOR = DIVERGING[-3]
#: the before / after bars of the histograms
BEFORE_COLOR = [160, 160, 160]
AFTER_COLOR = DIVERGING[3]


def choices(lang: str = "fr") -> dict[str, str]:
    """Versioned scenarios: file stem -> scenario name in ``lang`` (unreadable files are left out)."""
    from routing.scenarios import ScenarioError, available_scenarios, load_scenario

    out = {}
    for path in available_scenarios():
        try:
            out[path.stem] = load_scenario(path).name_in(lang)
        except ScenarioError:
            continue
    return out


def read_upload(data: bytes, name: str) -> Any:
    """A :class:`routing.scenarios.scenario.Scenario` from uploaded bytes (ScenarioError when refused).

    ``extends`` may name a versioned scenario (``metro-a.toml``), never another path. Whatever the
    bytes, only a :class:`~routing.scenarios.ScenarioError` comes out: the page shows its text.
    """
    from routing.messages import Msg
    from routing.scenarios import MAX_SCENARIO_BYTES, ScenarioError, parse_scenario

    if len(data) > MAX_SCENARIO_BYTES:
        raise ScenarioError(Msg("scen.error.too_big", size=len(data), limit=MAX_SCENARIO_BYTES), file=name)
    try:
        return parse_scenario(data, file=name)
    except ScenarioError:
        raise
    except Exception as exc:  # noqa: BLE001 - a page never shows a traceback for a visitor's file
        raise ScenarioError(Msg("scen.error.unreadable", detail=type(exc).__name__), file=name) from exc


def line_table(scenario: Any, network: Any) -> pd.DataFrame:
    """Paths of the lines the scenario adds (pydeck PathLayer table: path, color, width_m, name, info)."""
    tt = network.timetable
    index = {s: i for i, s in enumerate(tt.stop_ids.tolist())}
    known: dict[str, tuple[float, float]] = {}
    rows = []
    for mod in scenario.added_lines:
        path = []
        for s in mod["stops"]:
            if s["new"]:
                known[s["id"]] = (s["lon"], s["lat"])
            xy = known.get(s["id"])
            if xy is None and s["id"] in index:
                i = index[s["id"]]
                xy = (float(tt.stop_lon[i]), float(tt.stop_lat[i]))
            if xy is not None:
                path.append([round(xy[0], 6), round(xy[1], 6)])
        rows.append({"path": path, "color": maps.hex_to_rgb(mod["color"], [120, 120, 120]), "width_m": 40.0,
                     "name": maps.esc(mod["name"]), "info": maps.esc(mod.get("long_name", ""))})
    return pd.DataFrame(rows, columns=["path", "color", "width_m", "name", "info"])


def new_stations(scenarios: Any) -> list[tuple[float, float]]:
    """(lon, lat) of the new stops of ``scenarios`` (what a gain map frames)."""
    return [(float(s["lon"]), float(s["lat"])) for sc in scenarios for m in sc.added_lines for s in m["stops"]
            if s["new"]]


def gain_view(scenario: Any | None) -> tuple[float, float, float]:
    """The gain map's view: the new stops of every versioned scenario and of ``scenario`` (an
    upload may add a line elsewhere). The same from one versioned scenario to the next: a map
    whose view moves is drawn once more (a frame of the street base map: 0.1-0.3 s without a GPU),
    and gains and losses lie along the lines."""
    from routing.scenarios import ScenarioError, available_scenarios, load_scenario

    versioned = []
    for path in available_scenarios():
        try:
            versioned.append(load_scenario(path))
        except ScenarioError:
            continue
    return maps.fit_view(new_stations(versioned + ([scenario] if scenario is not None else [])))


def station_table(scenario: Any) -> pd.DataFrame:
    """The new stops of the scenario as a points display table."""
    pts = [(s["lon"], s["lat"], s["name"]) for m in scenario.added_lines for s in m["stops"] if s["new"]]
    return maps.point_table(pts, color=[40, 40, 40])


def _nice(value: float) -> float:
    """The 1-2-5 number nearest ``value`` (> 0) on a log scale."""
    mag = 10.0 ** math.floor(math.log10(value))
    return min((f * mag for f in (1.0, 2.0, 5.0, 10.0)), key=lambda v: abs(math.log(v / value)))


def change_breaks(diff: np.ndarray) -> tuple[float, float]:
    """(small, large) limits of the size of a change: a quarter and half of the 95th percentile of
    the sizes, as 1-2-5 numbers ((1, 2) when nothing changes)."""
    d = np.abs(np.asarray(diff, float))
    d = d[np.isfinite(d) & (d > 0)]
    if not len(d):
        return (1.0, 2.0)
    top = float(np.percentile(d, 95))
    small, large = _nice(top / 4), _nice(top / 2)
    return (small, large if large > small else small * 2)


def change_class(diff: np.ndarray, breaks: tuple[float, float]) -> np.ndarray:
    """Per value: 0 unchanged, else sign x (1 below ``breaks[0]``, 2 below ``breaks[1]``, 3 above)."""
    d = np.asarray(diff, float)
    size = 1 + (np.abs(d) >= breaks[0]).astype(int) + (np.abs(d) >= breaks[1]).astype(int)
    return np.where(np.isfinite(d) & (d != 0), np.sign(d).astype(int) * size, 0)


def change_labels(breaks: tuple[float, float], *, number: Any, span: Any, unit: str) -> dict[int, str]:
    """Legend text of each change class, magnitudes with their unit (``number`` formats a value,
    ``span(lo, hi)`` writes a range in the reader's language)."""
    small, large = (number(v) for v in breaks)
    return {-3: f"≤ −{large} {unit}".strip(), -2: span(f"−{large}", f"−{small}"), -1: span(f"−{small}", "0"),
            1: span("0", f"+{small}"), 2: span(f"+{small}", f"+{large}"), 3: f"≥ +{large} {unit}".strip()}


def difference_display(cells: pd.DataFrame, *, unit: str = "", breaks: tuple[float, float] | None = None,
                       number: Any = None, commune_names: Any = None) -> pd.DataFrame:
    """Cells whose value changed, coloured by change class on :data:`DIVERGING`, each named by its
    commune (``commune_names``: INSEE code -> name; a cell's own id is never shown)."""
    import shapely

    number = number or (lambda v: f"{v:.0f}")
    diff = cells["difference"].to_numpy(float)
    keep = np.isfinite(diff) & (diff != 0)
    sub = cells.loc[keep]
    d = diff[keep]
    breaks = breaks or change_breaks(d)
    colors = [DIVERGING[int(c)] + [200] for c in change_class(d, breaks)]
    coords = [np.round(shapely.get_coordinates(g.exterior)[:-1], 4).tolist() for g in sub.geometry]
    info = [maps.esc(f"{number(b)} → {number(a)} {unit} ({'+' if v > 0 else '−'}{number(abs(v))})")
            for b, a, v in zip(sub["before"], sub["after"], d, strict=True)]
    names = dict(commune_names if commune_names is not None else {})
    communes = sub["insee"].astype(str) if "insee" in sub else pd.Series([""] * len(sub))
    return pd.DataFrame({"polygon": coords, "color": colors, "name": [maps.esc(names.get(c, "")) for c in communes],
                         "info": info})


def value_histogram(cells: pd.DataFrame) -> pd.DataFrame:
    """Inhabitants per class of accessibility before and after, on the same classes: nothing
    reached, then the classes of :func:`dashboard.services.accessibility.nice_breaks` of both
    (halvings of the best value, so that a few well-served cells do not squash the rest).
    Columns ``lo`` (the class's lower limit: 0 for nothing, then 0 and each break), ``before``
    and ``after`` (people)."""
    from dashboard.services.accessibility import nice_breaks

    pop = cells["population"].to_numpy(float)
    before = np.nan_to_num(cells["before"].to_numpy(float))
    after = np.nan_to_num(cells["after"].to_numpy(float))
    breaks = nice_breaks(np.concatenate([before, after]))
    breaks = breaks[breaks > 0]

    def people(v: np.ndarray) -> list[float]:
        cls = np.where(v > 0, 1 + np.searchsorted(breaks, v, side="right"), 0)
        return [float(pop[cls == k].sum()) for k in range(len(breaks) + 2)]

    return pd.DataFrame({"lo": [0.0, 0.0, *breaks.tolist()], "before": people(before), "after": people(after)})


def plan_both(base_planner: Any, new_planner: Any, origin: Any, destination: Any, when: dt.datetime) -> dict[str, Any]:
    """The transit answer of each network: {"before": PlanResult, "after": PlanResult}."""
    return {key: planner.plan(origin, destination, when, modes=["transit"])
            for key, planner in (("before", base_planner), ("after", new_planner))}


# -- which stops to make wheelchair-accessible first ------------------------------------------------------

#: the stops shown, and what their gain counts (routing.scenarios.rank: people x opportunities
#: reached within its cutoff by the wheelchair profile)
RANK_TOP = 20
RANK_OPPORTUNITY = "employers"
RANK_CUTOFF_MIN = 30
#: the ranked stops on the map: one colour, the size by gain
RANK_COLOR = [117, 40, 160]


def rank_stops(ctx: Any, *, top: int = RANK_TOP, opportunity: str = RANK_OPPORTUNITY,
               cutoff_min: int = RANK_CUTOFF_MIN) -> Any:
    """The ``top`` stops to make wheelchair-accessible first on the accessibility context's network
    and grid (:func:`routing.scenarios.rank_stops`, tens of seconds on Rennes)."""
    from routing.scenarios import rank_stops as rank

    opp = ctx.opportunities(opportunity, window=WINDOWS[1])  # the window counts for bus departures only
    return rank(ctx.engine.network, ctx.grid, opp, top=top, opportunity=opportunity, cutoff_min=cutoff_min)


def ranked_stops_points(ranking: Any, network: Any, *, name: Any = None, info: Any = None) -> pd.DataFrame:
    """The ranked stops as a points display table (``lon``, ``lat``, ``radius_m`` from 80 m to 300 m
    by the square root of the gain, ``color``, ``name``, ``info``); ``name(row)`` and ``info(row)``
    write a row's tooltip (escaped here). Stops unknown to ``network`` are left out."""
    tt = network.timetable
    index = {str(s): i for i, s in enumerate(tt.stop_ids.tolist())}
    table = ranking.table
    top = float(table["gain"].max()) if len(table) else 0.0
    rows = []
    for _, row in table.iterrows():
        i = index.get(str(row["stop_id"]))
        if i is None:
            continue
        size = math.sqrt(float(row["gain"]) / top) if top > 0 else 0.0
        rows.append({"lon": float(tt.stop_lon[i]), "lat": float(tt.stop_lat[i]), "radius_m": 80.0 + 220.0 * size,
                     "color": list(RANK_COLOR), "name": maps.esc(name(row) if name else row["name"]),
                     "info": maps.esc(info(row) if info else "")})
    return pd.DataFrame(rows, columns=["lon", "lat", "radius_m", "color", "name", "info"])
