"""One service day of public transport: the timetable compiled to connection arrays
(:mod:`~routing.transit.timetable`), real-time trip updates applied to it
(:mod:`~routing.transit.realtime`), every connection scan (:mod:`~routing.transit.csa`) and the
questions asked of a stop or a line (:mod:`~routing.transit.departures`)."""

from routing.transit import csa
from routing.transit.csa import JourneyLeg, pareto_journeys, profile, profile_to_any
from routing.transit.departures import (
    day_of_buses,
    departure_board,
    find_stop,
    line_explorer,
    line_patterns,
    lines_table,
    next_departures,
    pattern_stops,
    search_stops,
    seconds_of,
    stop_timetable,
    street_segments,
)
from routing.transit.realtime import apply_trip_updates
from routing.transit.timetable import DAY_S, Timetable, build_timetable

__all__ = [
    "DAY_S", "JourneyLeg", "Timetable", "apply_trip_updates", "build_timetable", "csa",
    "day_of_buses", "departure_board", "find_stop", "line_explorer", "line_patterns", "lines_table",
    "next_departures", "pareto_journeys", "pattern_stops", "profile", "profile_to_any",
    "search_stops", "seconds_of", "stop_timetable", "street_segments",
]
