"""The routing layer: trip planning, the timetable engine and accessibility, on the data of
``sources``.

The public API is the names below (imported on first use, so that ``import routing`` stays
light); the dashboard, the command lines and the benches use only these, or the public names of
the submodules listed in the README's layout section.
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
    "Network": "network", "load_network": "build", "default_service_day": "build",
    "input_files": "build", "load_inputs": "build",
    "Timetable": "timetable", "build_timetable": "timetable", "apply_trip_updates": "realtime",
    # range queries (the profile scan)
    "profile": "csa", "profile_to_any": "csa", "pareto_journeys": "csa",
    # trip planning
    "Planner": "planner", "PlanParams": "planner", "NoRoute": "planner",
    "PlanResult": "itinerary", "Itinerary": "itinerary", "Leg": "itinerary",
    "Place": "places", "PlaceIndex": "places", "PlaceNotFound": "places", "parse_coordinates": "places",
    "coordinates_error": "places",
    "EVParams": "ev", "NoEVRoute": "ev",
    # street graphs
    "build_mode_graph": "streets", "one_to_one": "streets", "one_to_all": "streets",
    "many_to_many": "streets",
    # accessibility (the indicator itself: routing.accessibility.accessibility) and zones
    "AccessibilityEngine": "accessibility", "Points": "accessibility", "Measure": "accessibility",
    "isochrone": "accessibility", "opportunities": "accessibility",
    "equity_table": "accessibility", "travel_time_surface": "accessibility",
    "travel_time_matrix": "accessibility",
    "laea_grid": "zones", "rennes_metropole_grid": "zones", "population_on_cells": "zones",
    # next departures, line explorer, a day of buses (issue 13)
    **{name: "departures" for name in (
        "clock", "day_of_buses", "departure_board", "find_stop", "line_explorer", "line_patterns",
        "lines_table", "next_departures", "pattern_stops", "rgb", "search_stops", "seconds_of",
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
