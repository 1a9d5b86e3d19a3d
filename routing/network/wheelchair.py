"""The network as a wheelchair user travels it: one profile, shared by the planner and the engine.

:func:`wheelchair_network` turns a :class:`~routing.network.assemble.Network` into the network
of :class:`WheelchairProfile`: the same places, stops and points, with

* the **walk layer** rolled at ``speed_ms`` (every arc's time and cost x the ratio of the
  walking speed to it; :mod:`routing.linking` reads the layer's own speed for its connectors),
  and ways tagged ``highway=steps`` closed (infinite time) where the street data says so;
* the **timetable** of :func:`routing.transit.accessible.accessible_timetable`: boarding and
  alighting only at accessible stops, on accessible routes (unknown = not accessible), the
  transfers between stops rolled at the same speed.

Values (sources in the README, "Wheelchair trips"): 0.8 m/s, the mean speed of 52 manual
wheelchair users over 13-20 days of daily life (Tolerico et al. 2007, J. Rehabil. Res. Dev.
44(4): 0.79 +/- 0.19 m/s); access to and from transit capped at 10 min (480 m) instead of 15,
and 15 min for the "long walk" retry instead of 30 (assumptions of this project).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from routing.constants import WALK_KMH
from routing.network.assemble import Network
from routing.streets.graph import ModeGraph
from routing.transit.accessible import accessible_routes, accessible_stops, accessible_timetable

STEPS = "steps"


@dataclass(frozen=True)
class WheelchairProfile:
    """How a wheelchair user moves (see the module docstring for the sources)."""

    #: rolling speed on streets and between stops, m/s
    speed_ms: float = 0.8
    #: cap of the roll to the first stop and from the last stop, s
    max_access_s: float = 600.0
    #: tried, and said, when no accessible stop lies within max_access_s, s
    max_long_access_s: float = 900.0
    #: a roll-only trip longer than this is not offered, s
    max_trip_s: float = 5400.0
    #: close the ways tagged highway=steps
    avoid_steps: bool = True

    @property
    def slowdown(self) -> float:
        """Walking time x this = rolling time."""
        return (WALK_KMH / 3.6) / self.speed_ms

    @property
    def speed_kmh(self) -> float:
        return self.speed_ms * 3.6


WHEELCHAIR = WheelchairProfile()


def step_arcs(graph: ModeGraph, edges: Any) -> np.ndarray:
    """bool (n_arcs): arcs of ``graph`` on ways tagged ``highway=steps`` (``edges``: the street
    network's edge table, its rows named by ``graph.edge_row``)."""
    if edges is None or "highway" not in getattr(edges, "columns", ()) or not graph.n_arcs:
        return np.zeros(graph.n_arcs, dtype=bool)
    steps = edges["highway"].astype(str).to_numpy() == STEPS
    return steps[graph.edge_row]


def wheelchair_graph(graph: ModeGraph, edges: Any, profile: WheelchairProfile = WHEELCHAIR) -> ModeGraph:
    """The walk layer rolled at the profile's speed, steps closed (a new graph)."""
    factor = profile.slowdown
    time_s = graph.travel_time_s * factor
    cost = graph.cost * factor
    if profile.avoid_steps:
        closed = step_arcs(graph, edges)
        time_s = np.where(closed, np.inf, time_s)
        cost = np.where(closed, np.inf, cost)
    return replace(graph, travel_time_s=time_s, cost=cost,
                   params=replace(graph.params, walk_speed_kmh=profile.speed_kmh))


def _wheelchair_timetable(tt: Any, slowdown: float) -> Any:
    return accessible_timetable(tt, footpath_factor=slowdown)


def wheelchair_network(network: Network, profile: WheelchairProfile = WHEELCHAIR) -> Network:
    """``network`` as a wheelchair user travels it (a new object sharing what does not change;
    kept by the network, so asking twice costs nothing)."""
    if getattr(network, "wheelchair_base", None) is not None:
        return network  # already the profile's
    cache = network.__dict__.setdefault("_wheelchair_networks", {})
    if profile not in cache:
        cache[profile] = _build(network, profile)
    return cache[profile]


def _build(network: Network, profile: WheelchairProfile) -> Network:
    graphs = dict(network.graphs)
    graphs["walk"] = wheelchair_graph(network.graphs["walk"], network.streets.edges, profile)
    out = replace(network, graphs=graphs,
                  timetable=_wheelchair_timetable(network.timetable, profile.slowdown),
                  params=replace(network.params, walk_speed_kmh=profile.speed_kmh),
                  digest=f"{network.digest}+wheelchair" if network.digest else "wheelchair",
                  notes=[*network.notes, "profile: wheelchair"])
    out.wheelchair_base = network  # what the profile applies to
    out.scenario_base = getattr(network, "scenario_base", None)
    return out


def wheelchair_stats(network: Network) -> dict[str, int]:
    """Stops and routes a wheelchair user may use on ``network`` (counts, for reports)."""
    tt = network.timetable
    stops, routes = accessible_stops(tt), accessible_routes(tt)
    return {"stops": int(tt.n_stops), "accessible_stops": int(stops.sum()),
            "unknown_stops": int((tt.stop_wheelchair == 0).sum()),
            "routes": int(len(routes)), "accessible_routes": int(routes.sum()),
            "unknown_routes": int((tt.route_wheelchair == 0).sum())}
