"""Render the README picture of a scenario comparison (``uv run python docs/render_scenario_map.py``).

Compares metro-a (the default 2011 network) with metro-b on the bundle (commuter-survey respondents
by employer site reached by transit within 30 min, median over 08:00-09:00), draws the change of
every 200 m cell (gains green, losses red) under the commune boundaries and both metro lines, and
writes ``docs/scenario-metro-b.png``. Prints the figures quoted in the README.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("SPMD_BUNDLE", "/work/shared/data/rennes")
OUT = Path(__file__).resolve().parent / "scenario-metro-b.png"


def main(out: Path = OUT) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.colors import TwoSlopeNorm

    from routing.network import load_network, rennes_metropole_grid
    from routing.scenarios import compare_scenarios, load_scenario
    from sources.datasets import load

    net = load_network()
    grid = rennes_metropole_grid()
    communes = load("communes").data
    names = communes.set_index(communes["insee"].astype(str))["name"].astype(str)
    cmp = compare_scenarios(net, "metro-a", "metro-b", grid=grid, opportunity="jobs", window="08:00-09:00",
                            cutoff_min=30, commune_names=names)
    cells = cmp.cells
    fig, ax = plt.subplots(figsize=(9, 9), dpi=110)
    changed = cells[cells["difference"] != 0]
    span = float(np.nanpercentile(np.abs(changed["difference"]), 98)) if len(changed) else 1.0
    changed.plot(ax=ax, column="difference", cmap="RdYlGn", norm=TwoSlopeNorm(0, -span, span), linewidth=0,
                 legend=True, legend_kwds={"label": "change in respondents reached (30 min, 08:00-09:00)",
                                           "shrink": 0.6})
    rm = communes[communes["insee"].astype(str).isin(set(cells["insee"].astype(str)))]
    rm.boundary.plot(ax=ax, color="#888888", linewidth=0.4)
    xy: dict[str, tuple[float, float]] = {}
    for mod in load_scenario("metro-b").added_lines:
        path = []
        for s in mod["stops"]:
            if s["new"]:
                xy[s["id"]] = (s["lon"], s["lat"])
            path.append(xy[s["id"]])
        xs, ys = zip(*path, strict=True)
        ax.plot(xs, ys, color=f"#{mod['color']}", linewidth=2.5, label=f"metro {mod['name']}")
        ax.scatter(xs, ys, s=8, color="black", zorder=3)
    ax.set_xlim(-1.78, -1.58)
    ax.set_ylim(48.06, 48.17)
    ax.set_aspect(1 / np.cos(np.radians(48.11)))
    ax.set_axis_off()
    ax.legend(loc="lower left")
    ax.set_title("Et si le métro b avait existé en 2011 ?\n"
                 "Change of commuter-survey respondents (by employer site) reachable by transit in 30 min")
    fig.text(0.01, 0.01, "Data: STAR GTFS 2011, STAR metro stations 2023, Rennes Métropole commuter survey 2020, "
             "IGN Admin Express, © OpenStreetMap contributors. Metro timetables estimated.", fontsize=6)
    fig.savefig(out, bbox_inches="tight")
    eq = cmp.equity
    print(f"written {out}")
    for k, v in eq.items():
        print(f"{k}: {v:,.3f}")
    print(f"threshold: {cmp.threshold:,.0f}")
    print(cmp.communes.head(8).round(1).to_string(index=False))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
