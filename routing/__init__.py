# next departures, line explorer, a day of buses (issue 13)
from routing.departures import (  # noqa: F401
    day_of_buses,
    departure_board,
    find_stop,
    line_explorer,
    lines_table,
    next_departures,
    search_stops,
    stop_timetable,
)
