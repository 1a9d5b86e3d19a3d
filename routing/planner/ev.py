"""Electric car trips with charging stops.

The search runs over a small graph whose nodes are the origin, the reachable
chargers and the destination. Driving from a node to the next is feasible when
the battery, leaving that node, holds enough energy to arrive with at least
``min_soc``. At a charger the car charges just enough for the next drive
(never above ``charge_to_soc``), at ``min(charger power, car max power)`` with
``efficiency``. Dijkstra on (node, arrival state of charge) labels, where a
label dominates another at the same node when it arrives no later with no less
charge, finds the fastest plan with any number of stops.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from routing.errors import RoutingError
from routing.messages import Msg


@dataclass(frozen=True)
class EVParams:
    battery_kwh: float = 50.0
    consumption_kwh_per_100km: float = 17.0
    soc_start: float = 0.8
    min_soc: float = 0.1
    charge_to_soc: float = 0.8
    max_charge_kw: float = 100.0
    efficiency: float = 0.9
    stop_overhead_s: float = 300.0  # find the charger, plug in, pay
    min_charger_kw: float = 3.0

    def energy_kwh(self, distance_m: float) -> float:
        return distance_m / 1000.0 * self.consumption_kwh_per_100km / 100.0


@dataclass
class ChargeStop:
    charger: int  # index into the chargers given
    arrive_s: float  # seconds since departure
    soc_in: float
    soc_out: float
    charge_s: float
    energy_kwh: float


@dataclass
class EVPlan:
    """Stops in order, total time (driving + charging) and state of charge at arrival."""

    stops: list[ChargeStop] = field(default_factory=list)
    total_s: float = 0.0
    drive_s: float = 0.0
    distance_m: float = 0.0
    soc_end: float = 0.0
    route_nodes: list[int] = field(default_factory=list)  # origin, chargers..., destination (graph nodes)


class NoEVRoute(RoutingError):
    """No feasible plan; the message says why."""


def charge_time_s(energy_kwh: float, charger_kw: float, params: EVParams) -> float:
    power = max(1e-6, min(charger_kw, params.max_charge_kw)) * params.efficiency
    return energy_kwh / power * 3600.0


def plan_ev_trip(*, origin_node: int, dest_node: int, charger_nodes: np.ndarray, charger_kw: np.ndarray,
                 drive_from: Callable[[int], tuple[np.ndarray, np.ndarray]], params: EVParams,
                 max_stops: int = 4, remaining_s: np.ndarray | None = None) -> EVPlan:
    """Fastest electric-car plan from ``origin_node`` to ``dest_node`` on a street graph.

    Parameters
    ----------
    drive_from
        ``drive_from(node) -> (time_s, distance_m)``: arrays over every graph node
        (``inf`` where unreachable), a one-to-all shortest path by time.
    charger_nodes, charger_kw
        graph node and power of each usable charger.
    remaining_s
        optional lower bound of the driving time from every node to the destination (e.g. an
        all-to-one search on the reversed graph): labels are then explored in order of
        time + bound (A*), so that chargers off the way are never expanded. Same answer.

    Raises
    ------
    NoEVRoute
        when no plan with at most ``max_stops`` stops reaches the destination.
    """
    cap = params.battery_kwh
    if not (0 <= params.min_soc < params.soc_start <= 1):
        raise NoEVRoute(Msg("ev.inconsistent_soc"))
    usable = charger_kw >= params.min_charger_kw
    charger_nodes = np.asarray(charger_nodes)[usable]
    charger_kw = np.asarray(charger_kw)[usable]
    charger_index = np.flatnonzero(usable)
    cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def drive(node: int) -> tuple[np.ndarray, np.ndarray]:
        if node not in cache:
            cache[node] = drive_from(node)
        return cache[node]

    t0, d0 = drive(origin_node)
    if not np.isfinite(t0[dest_node]):
        raise NoEVRoute(Msg("ev.unreachable"))
    # label: (time, -soc_in, counter, node_kind, idx, parent)
    # node kinds: 0 origin, 1 charger i, 2 destination
    best: dict[tuple[int, int], list[tuple[float, float]]] = {}
    labels: list[tuple[int, int, float, float, int | None, float, float]] = []  # kind, idx, t, soc_in, parent, soc_out, charge_s
    heap: list[tuple[float, int]] = []
    labels.append((0, -1, 0.0, params.soc_start, None, params.soc_start, 0.0))
    heapq.heappush(heap, (0.0, 0))

    def bound(node: int) -> float:
        if remaining_s is None:
            return 0.0
        b = float(remaining_s[node])
        return b if np.isfinite(b) else np.inf
    reach_limit = max(0.0, params.soc_start - params.min_soc) * cap

    def dominated(key: tuple[int, int], t: float, soc: float) -> bool:
        for bt, bs in best.get(key, []):
            if bt <= t and bs >= soc:
                return True
        best.setdefault(key, []).append((t, soc))
        return False

    while heap:
        key, li = heapq.heappop(heap)
        if not np.isfinite(key):
            break
        kind, idx, t, soc_in, parent, _, _ = labels[li]
        if kind == 2:
            return _unwind(labels, li, charger_nodes, charger_index, origin_node, dest_node, drive, params)
        depth = _depth(labels, li)
        node = origin_node if kind == 0 else int(charger_nodes[idx])
        times, dists = drive(node)
        # energy available when leaving: at the origin what the battery holds; at a charger we may charge
        # up to charge_to_soc (the amount is decided by the next hop)
        soc_cap = soc_in if kind == 0 else max(soc_in, params.charge_to_soc)
        # to destination
        e_dest = params.energy_kwh(dists[dest_node])
        need_soc = params.min_soc + e_dest / cap
        if np.isfinite(times[dest_node]) and need_soc <= soc_cap + 1e-9:
            soc_out = max(soc_in, need_soc)
            ch_s = 0.0 if kind == 0 else (
                charge_time_s((soc_out - soc_in) * cap, charger_kw[idx], params)
                + (params.stop_overhead_s if soc_out > soc_in else 0.0))
            arr = t + ch_s + times[dest_node]
            labels.append((2, -1, arr, soc_out - e_dest / cap, li, soc_out, ch_s))
            heapq.heappush(heap, (arr, len(labels) - 1))
        if depth >= max_stops:
            continue
        # to chargers
        energy = params.energy_kwh(dists[charger_nodes]) if len(charger_nodes) else np.zeros(0)
        feasible = np.isfinite(times[charger_nodes]) & (
            params.min_soc + energy / cap <= soc_cap + 1e-9) & (charger_nodes != node)
        if kind == 0:
            feasible &= energy <= reach_limit + 1e-9
        for j in np.flatnonzero(feasible):
            # leave with enough to arrive at min_soc... but arriving fuller is free if we already have it
            soc_out = soc_in if kind == 0 else max(soc_in, min(soc_cap, params.min_soc + energy[j] / cap + 0.05))
            soc_out = max(soc_out, params.min_soc + energy[j] / cap)
            ch_s = 0.0 if kind == 0 else (
                charge_time_s(max(0.0, soc_out - soc_in) * cap, charger_kw[idx], params)
                + (params.stop_overhead_s if soc_out > soc_in else 0.0))
            arr = t + ch_s + times[charger_nodes[j]]
            soc_arr = soc_out - energy[j] / cap
            if dominated((1, int(j)), arr, soc_arr):
                continue
            labels.append((1, int(j), arr, soc_arr, li, soc_out, ch_s))
            heapq.heappush(heap, (arr + bound(int(charger_nodes[j])), len(labels) - 1))
    direct_kwh = params.energy_kwh(d0[dest_node])
    raise NoEVRoute(Msg("ev.not_enough_charge", kwh=f"{direct_kwh:.1f}", stops=max_stops,
                        chargers=len(charger_nodes)))


def _depth(labels: list, li: int) -> int:
    depth = 0
    while labels[li][4] is not None:
        li = labels[li][4]
        depth += 1
    return depth


def _unwind(labels, li, charger_nodes, charger_index, origin_node, dest_node, drive, params) -> EVPlan:
    chain = []
    while li is not None:
        chain.append(labels[li])
        li = labels[li][4]
    chain.reverse()
    plan = EVPlan(route_nodes=[origin_node])
    prev_node = origin_node
    for k, lab in enumerate(chain[1:], start=1):
        kind, idx, t, soc_in, parent, _, _ = lab
        node = dest_node if kind == 2 else int(charger_nodes[idx])
        times, dists = drive(prev_node)
        plan.drive_s += float(times[node])
        plan.distance_m += float(dists[node])
        if kind == 1:
            nxt = chain[k + 1]
            soc_out, ch_s = nxt[5], nxt[6]
            plan.stops.append(ChargeStop(int(charger_index[idx]), float(t), float(soc_in), float(soc_out),
                                         float(ch_s), float(max(0.0, soc_out - soc_in) * params.battery_kwh)))
        plan.route_nodes.append(node)
        prev_node = node
        plan.total_s = float(t)
        plan.soc_end = float(soc_in)
    return plan
