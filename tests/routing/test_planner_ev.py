"""Electric-car trips with charging stops (routing.planner.ev), on tiny graphs made here."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from routing.planner.ev import EVParams, NoEVRoute, charge_time_s, plan_ev_trip


def _line_graph(n: int, edge_m: float, edge_s: float):
    graph = nx.path_graph(n)

    def drive_from(node: int) -> tuple[np.ndarray, np.ndarray]:
        hops = nx.single_source_shortest_path_length(graph, node)
        t = np.full(n, np.inf)
        d = np.full(n, np.inf)
        for k, v in hops.items():
            t[k], d[k] = v * edge_s, v * edge_m
        return t, d

    return drive_from


def test_ev_trip_without_charging_when_the_battery_suffices() -> None:
    params = EVParams(battery_kwh=20, consumption_kwh_per_100km=20, soc_start=0.8, min_soc=0.1)
    plan = plan_ev_trip(origin_node=0, dest_node=5, charger_nodes=np.array([3]), charger_kw=np.array([50.0]),
                        drive_from=_line_graph(11, 10_000, 600), params=params)
    assert plan.stops == [] and plan.total_s == 3000 and plan.distance_m == 50_000
    assert plan.soc_end == pytest.approx(0.3)


def test_ev_trip_charges_just_enough_at_the_fastest_charger() -> None:
    # 100 km at 20 kWh/100 km = 20 kWh; the battery starts with 16 kWh, keeps 2 in reserve
    params = EVParams(battery_kwh=20, consumption_kwh_per_100km=20, soc_start=0.8, min_soc=0.1)
    plan = plan_ev_trip(origin_node=0, dest_node=10, charger_nodes=np.array([3, 6]),
                        charger_kw=np.array([50.0, 22.0]), drive_from=_line_graph(11, 10_000, 600),
                        params=params)
    assert [s.charger for s in plan.stops] == [0]
    stop = plan.stops[0]
    assert stop.soc_in == pytest.approx(0.5) and stop.soc_out == pytest.approx(0.8)
    assert stop.energy_kwh == pytest.approx(6.0)
    assert stop.charge_s == pytest.approx(charge_time_s(6.0, 50.0, params) + params.stop_overhead_s)
    assert plan.total_s == pytest.approx(6000 + stop.charge_s)
    assert plan.soc_end == pytest.approx(0.1)


def test_ev_trip_with_two_stops_and_no_route_reason() -> None:
    params = EVParams(battery_kwh=10, consumption_kwh_per_100km=20, soc_start=0.9, min_soc=0.1,
                      charge_to_soc=0.9)
    # range 40 km per 0.8 of battery: 0 -> 4 -> 8 -> 10 needs two stops
    plan = plan_ev_trip(origin_node=0, dest_node=10, charger_nodes=np.array([4, 8]),
                        charger_kw=np.array([50.0, 50.0]), drive_from=_line_graph(11, 10_000, 600),
                        params=params)
    assert [s.charger for s in plan.stops] == [0, 1]
    assert plan.soc_end >= params.min_soc - 1e-9
    with pytest.raises(NoEVRoute, match="not enough charge"):
        plan_ev_trip(origin_node=0, dest_node=10, charger_nodes=np.array([8]), charger_kw=np.array([50.0]),
                     drive_from=_line_graph(11, 10_000, 600), params=params)
