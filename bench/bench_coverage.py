"""Coverage of the trip planner on the Rennes bundle: which trips get an answer, per mode, and why not.

    uv run python bench/bench_coverage.py [--pairs 1000] [--seed 11] [--bundle DIR]

Origin-destination pairs drawn as a new user would ask: an IRIS drawn uniformly (IRIS hold
about 2,000 inhabitants each), then a point uniform inside it; ``--pairs`` pairs across the 43
communes of Rennes Métropole and as many inside the city of Rennes (INSEE 35238), 08:00 on
the network's service day. Printed per mode: answered, and the reasons of what is left
(message keys); the share of pairs whose two ends lie within 3 km of a road; the share of
pairs with at least one of bus/metro, bike + bus, park-and-ride, overall, among the pairs with
a stop within 900 m in a straight line of both ends (the acceptance figure: >= 99 %, the
planner walking up to 30 min where no stop lies within 15), and among those with a stop within
the 15-min walk of both ends; and the planner's time per request (p50/p95) with the default
modes and with every mode, beside the baseline of one walk-only request on the same pairs
(same process).

Streets where streets exist: ``--stop-pairs`` pairs of stops inside the city of Rennes, planned
by walk, bike and car; per mode the share of trips with an approximate leg and its causes (an
end off the layer, a straight line, a road approximated from the bus lines), with the linking
rule of the planner (street data first) and, measured in the same run, the old rule (nearest
node whatever it is: ``LinkParams(prefer_street_data=False)``).
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from access import StopAccess  # noqa: E402
from timing import clock, each, median_p95, ratio  # noqa: E402

import sources  # noqa: E402
from routing import linking  # noqa: E402
from routing.constants import DEFAULT_MODES, TRIP_MODES  # noqa: E402
from routing.network import load_network  # noqa: E402
from routing.planner import Planner  # noqa: E402
from sources.geo import haversine_m  # noqa: E402

RENNES_INSEE = "35238"
#: a stop within this straight-line distance of both ends: the pairs transit should always serve
NEAR_STOP_M = 900.0
MODES = [m for m in TRIP_MODES if m != "carpool"]  # carpool needs a partner: not a one-person trip


def random_points(polygons, rng: np.random.Generator, n: int) -> np.ndarray:
    """n points: a polygon drawn uniformly, then a point uniform inside it (rejection)."""
    import shapely

    out = np.empty((n, 2))
    picks = rng.integers(0, len(polygons), n)
    for k, i in enumerate(picks):
        poly = polygons[i]
        x0, y0, x1, y1 = poly.bounds
        while True:
            x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
            if shapely.contains_xy(poly, x, y):
                out[k] = (x, y)
                break
    return out


def run(planner: Planner, pts_o: np.ndarray, pts_d: np.ndarray, when: dt.datetime, title: str) -> None:
    answered = collections.Counter()
    reasons: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    any_transit = 0
    near_stop_pairs = any_transit_near = 0
    near_road = 0
    t_all = []
    walk_graph = planner.network.graphs["walk"]
    lo = linking.link(walk_graph, pts_o[:, 0], pts_o[:, 1])
    ld = linking.link(walk_graph, pts_d[:, 0], pts_d[:, 1])
    access = StopAccess(planner.network)
    tt = planner.network.timetable

    def near_stop(pts: np.ndarray) -> np.ndarray:
        return np.array([haversine_m(x, y, tt.stop_lon, tt.stop_lat).min() <= NEAR_STOP_M for x, y in pts])

    near_o, near_d = near_stop(pts_o), near_stop(pts_d)
    near900 = near900_served = 0
    refused: list[tuple[float, float, float, float, str]] = []

    def walk_stops(lon: float, lat: float) -> np.ndarray:
        return access.stops(lon, lat, {"walk": linking.link(walk_graph, lon, lat)}, linking.LINK.max_access_s)[0]

    for k in range(len(pts_o)):
        o, d = tuple(pts_o[k]), tuple(pts_d[k])
        t, res = clock(planner.plan, o, d, when, modes=MODES)
        t_all.append(t)
        labels = {it.label for it in res.itineraries}
        for m in MODES:
            if m in labels:
                answered[m] += 1
            else:
                why = res.reasons.get(m)
                reasons[m][getattr(why, "key", str(why))] += 1
        both_near = bool(lo.linked[k] and ld.linked[k])
        near_road += both_near
        has_t = bool(labels & {"transit", "bike_transit", "park_ride"})
        any_transit += has_t
        if near_o[k] and near_d[k]:
            near900 += 1
            near900_served += has_t
            if not has_t:
                refused.append((o[1], o[0], d[1], d[0], str(res.reasons.get("transit"))))
        o_stop, d_stop = walk_stops(*o), walk_stops(*d)
        if len(o_stop) and len(d_stop):
            near_stop_pairs += 1
            any_transit_near += has_t
    n = len(pts_o)
    print(f"\n{title}: {n} pairs, both ends within 3 km of a road: {near_road} ({near_road / n:.1%})")
    print(f"{'mode':<14}{'answered':>10}   reasons for the rest")
    for m in MODES:
        rest = ", ".join(f"{key} {cnt}" for key, cnt in reasons[m].most_common())
        print(f"{m:<14}{answered[m]:>6} {answered[m] / n:>6.1%}   {rest}")
    print(f"at least one of bus/metro, bike + bus, park-and-ride: {any_transit} ({any_transit / n:.1%}); "
          f"among the {near_stop_pairs} pairs with a stop within the walk cap at both ends: "
          f"{any_transit_near} ({any_transit_near / max(near_stop_pairs, 1):.1%})")
    print(f"among the {near900} pairs with a stop within {NEAR_STOP_M:.0f} m (straight line) of both ends: "
          f"{near900_served} ({near900_served / max(near900, 1):.1%}) have one of them")
    for lat_o, lon_o, lat_d, lon_d, why in refused[:10]:
        print(f"    not served: {lat_o:.5f},{lon_o:.5f} -> {lat_d:.5f},{lon_d:.5f}: {why}")
    p50, p95 = median_p95(t_all)
    print(f"plan with every mode: p50 {p50:.1f} ms, p95 {p95:.1f} ms")


def approximate_legs(network, stop_pairs: int, rng: np.random.Generator, when: dt.datetime,
                     city) -> None:
    """Share of stop-to-stop trips inside the city with an approximate leg, per mode, by cause."""
    import shapely

    tt = network.timetable
    inside = np.flatnonzero(shapely.contains_xy(city, tt.stop_lon, tt.stop_lat))
    a, b = rng.choice(inside, stop_pairs), rng.choice(inside, stop_pairs)
    keep = a != b
    a, b = a[keep], b[keep]
    modes = ("walk", "bike", "car")
    print(f"\nstreets where streets exist: {len(a)} pairs of stops inside Rennes ({len(inside)} stops), 08:00")
    print(f"{'linking rule':<34}" + "".join(f"{m:>22}" for m in modes))
    for label, params in (("nearest node (old rule, baseline)", linking.LinkParams(prefer_street_data=False)),
                          ("street data first (planner)", linking.LINK)):
        planner = Planner(network, link_params=params)
        approx = collections.Counter()
        causes: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        for k in range(len(a)):
            o = (float(tt.stop_lon[a[k]]), float(tt.stop_lat[a[k]]))
            d = (float(tt.stop_lon[b[k]]), float(tt.stop_lat[b[k]]))
            res = planner.plan(o, d, when, modes=modes)
            for it in res.itineraries:
                legs = [leg for leg in it.legs if leg.approximate]
                if legs:
                    approx[it.label] += 1
                    for key in {getattr(n, "key", str(n)) for leg in legs for n in leg.notes}:
                        causes[it.label][key] += 1
        print(f"{label:<34}" + "".join(f"{approx[m]:>8} {approx[m] / len(a):>6.1%}      " for m in modes))
        for m in modes:
            if causes[m]:
                print(f"{'':<6}{m}: " + ", ".join(f"{key} {n}" for key, n in causes[m].most_common()))


def timing(planner: Planner, pts_o: np.ndarray, pts_d: np.ndarray, when: dt.datetime) -> None:
    for label, modes in (("walk only (baseline)", ("walk",)), ("default modes", DEFAULT_MODES),
                         ("every mode", MODES)):
        t, _ = each(lambda k, modes=modes: planner.plan(tuple(pts_o[k]), tuple(pts_d[k]), when, modes=modes),
                    range(len(pts_o)))
        p50, p95 = median_p95(t)
        print(f"{label:<22} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")
        if label.startswith("walk"):
            base = t
        else:
            print(f"{'':<22} x{ratio(t, base):.1f} the walk-only median")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--bundle", default=None)
    ap.add_argument("--stop-pairs", type=int, default=300)
    args = ap.parse_args(argv)
    net = load_network(bundle=args.bundle)
    import shapely

    planner = Planner(net)
    iris = sources.load("iris", bundle=args.bundle).data
    when = dt.datetime.combine(net.day, dt.time(8, 0))
    rng = np.random.default_rng(args.seed)
    geoms = list(iris.geometry)
    city = [g for g, insee in zip(iris.geometry, iris["insee"].astype(str), strict=True) if insee == RENNES_INSEE]
    metro_o, metro_d = random_points(geoms, rng, args.pairs), random_points(geoms, rng, args.pairs)
    city_o, city_d = random_points(city, rng, args.pairs), random_points(city, rng, args.pairs)
    planner.plan(tuple(metro_o[0]), tuple(metro_d[0]), when, modes=MODES)  # warm the numba kernels
    print(f"service day {net.day}, 08:00; {len(iris)} IRIS ({len(city)} in Rennes); seed {args.seed}")
    run(planner, metro_o, metro_d, when, "Rennes Métropole (43 communes)")
    run(planner, city_o, city_d, when, "City of Rennes")
    approximate_legs(net, args.stop_pairs, rng, when, shapely.union_all(city))
    print("\nspeed on the metropolitan pairs")
    timing(planner, metro_o[:300], metro_d[:300], when)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
