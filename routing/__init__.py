# next departures, line explorer, a day of buses (issue 13)
from routing.departures import (  # noqa: F401
    clock,
    day_of_buses,
    departure_board,
    find_stop,
    line_explorer,
    line_patterns,
    lines_table,
    next_departures,
    pattern_stops,
    rgb,
    search_stops,
    seconds_of,
    stop_timetable,
    street_segments,
)
