"""The scenarios page's side without Streamlit (``pages/scenarios.py``): choices, uploads, display
tables, planning with and without.

The computation is :mod:`routing.scenarios`; this module only
turns their results into map and table data. An uploaded scenario is bytes checked against the
size budget and parsed as TOML text (never unpickled, never executed).
"""

from __future__ import annotations

import datetime as dt
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
GAIN_COLOR = [26, 152, 80]
LOSS_COLOR = [215, 48, 39]


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
    from routing.scenarios import MAX_SCENARIO_BYTES, ScenarioError, parse_scenario

    if len(data) > MAX_SCENARIO_BYTES:
        raise ScenarioError(f"file of {len(data)} bytes over the {MAX_SCENARIO_BYTES} bytes budget", file=name)
    try:
        return parse_scenario(data, file=name)
    except ScenarioError:
        raise
    except Exception as exc:  # noqa: BLE001 - a page never shows a traceback for a visitor's file
        raise ScenarioError(f"unreadable scenario ({type(exc).__name__})", file=name) from exc


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


def station_table(scenario: Any) -> pd.DataFrame:
    """The new stops of the scenario as a points display table."""
    pts = [(s["lon"], s["lat"], s["name"]) for m in scenario.added_lines for s in m["stops"] if s["new"]]
    return maps.point_table(pts, color=[40, 40, 40])


def difference_display(cells: pd.DataFrame, *, unit: str = "") -> pd.DataFrame:
    """Cells whose value changed, gains in green and losses in red (opacity by size of change)."""
    import shapely

    diff = cells["difference"].to_numpy(float)
    keep = np.isfinite(diff) & (diff != 0)
    sub = cells.loc[keep]
    d = diff[keep]
    scale = float(np.nanpercentile(np.abs(d), 95)) if len(d) else 1.0
    alpha = (60 + 180 * np.clip(np.abs(d) / max(scale, 1e-9), 0, 1)).astype(int)
    colors = [(GAIN_COLOR if v > 0 else LOSS_COLOR) + [int(a)] for v, a in zip(d, alpha, strict=True)]
    coords = [np.round(shapely.get_coordinates(g.exterior)[:-1], 4).tolist() for g in sub.geometry]
    info = [f"{b:,.0f} → {a:,.0f} {maps.esc(unit)} ({v:+,.0f})".replace(",", " ")
            for b, a, v in zip(sub["before"], sub["after"], d, strict=True)]
    return pd.DataFrame({"polygon": coords, "color": colors, "name": [maps.esc(str(c)) for c in sub["cell_id"]],
                         "info": info})


def plan_both(base_planner: Any, new_planner: Any, origin: Any, destination: Any, when: dt.datetime) -> dict[str, Any]:
    """The transit answer of each network: {"before": PlanResult, "after": PlanResult}."""
    return {key: planner.plan(origin, destination, when, modes=["transit"])
            for key, planner in (("before", base_planner), ("after", new_planner))}
