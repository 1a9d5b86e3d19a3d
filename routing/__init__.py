"""The routing layer: trip planning, the timetable engine and accessibility, on the data of
``sources``.

The public API is the names below (imported on first use, so that ``import routing`` stays
light), and the public face of each room (``routing.streets``, ``routing.transit``,
``routing.linking``, ``routing.network``, ``routing.planner``, ``routing.accessibility``,
``routing.scenarios``, ``routing.cli``), each exporting its names in ``__all__``; the dashboard
and the benches use only these (tests/test_architecture.py).
"""

from __future__ import annotations

import importlib
from typing import Any

#: public name -> the submodule that defines it
_EXPORTS: dict[str, str] = {
    # errors
    "RoutingError": "errors", "TimetableError": "errors",
    # one source of truth
    "TRIP_MODES": "constants", "DEFAULT_MODES": "constants", "STREET_MODES": "constants",
    "ACCESS_MODES": "constants", "WALK_KMH": "constants", "BIKE_KMH": "constants",
    "CAR_OFFNETWORK_KMH": "constants", "DETOUR_FACTOR": "constants", "UNREACHABLE": "constants",
    "UNREACHABLE_I32": "constants",
    # the network and its timetable
    "Network": "network", "load_network": "network", "default_service_day": "network",
    "input_files": "network", "load_inputs": "network",
    "Timetable": "transit", "build_timetable": "transit", "apply_trip_updates": "transit",
    # range queries (the profile scan)
    "profile": "transit", "profile_to_any": "transit", "pareto_journeys": "transit",
    # trip planning
    "Planner": "planner", "PlanParams": "planner", "NoRoute": "planner",
    "PlanResult": "planner", "Itinerary": "planner", "Leg": "planner",
    "Place": "places", "PlaceIndex": "places", "PlaceNotFound": "places", "parse_coordinates": "places",
    "coordinates_error": "places",
    "EVParams": "planner", "NoEVRoute": "planner",
    # street graphs
    "build_mode_graph": "streets", "one_to_one": "streets", "one_to_all": "streets",
    "many_to_many": "streets",
    # accessibility (the indicator itself: routing.accessibility.engine.accessibility) and zones
    "AccessibilityEngine": "accessibility", "Points": "accessibility", "Measure": "accessibility",
    "isochrone": "accessibility", "opportunities": "accessibility",
    "equity_table": "accessibility", "travel_time_surface": "accessibility",
    "travel_time_matrix": "accessibility",
    "laea_grid": "network", "rennes_metropole_grid": "network", "population_on_cells": "network",
    # clock times (seconds since the service day's midnight)
    "format_clock": "clock", "parse_clock": "clock", "seconds_of_day": "clock",
    # next departures, line explorer, a day of buses
    **{name: "transit" for name in (
        "day_of_buses", "departure_board", "find_stop", "line_explorer", "line_patterns",
        "lines_table", "next_departures", "pattern_stops", "search_stops", "seconds_of",
        "stop_timetable", "street_segments")},
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'routing' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"routing.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
