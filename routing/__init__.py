# next departures, line explorer, a day of buses (issue 13)
from routing.departures import (  # noqa: E402,F401
    DayOfBuses, LineView, StopGroup, day_of_buses, departure_board, find_stop, line_explorer, line_patterns,
    line_stop_departures, line_summary, lines_table, next_departures, search_stops, stop_timetable,
    trips_per_hour, vehicles_at, vehicles_per_hour,
)
