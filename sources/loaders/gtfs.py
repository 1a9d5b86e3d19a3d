"""GTFS static feeds, read through partridge. (Loader body: see load_gtfs.)

Column contract of :class:`GtfsFeed` (whole feed, every service):

* stops: stop_id (str), stop_name (str), stop_lat, stop_lon (float64, WGS84), location_type (int), parent_station (str)
* routes: route_id, agency_id, route_short_name, route_long_name (str), route_type (int), route_color, route_text_color (hex, no '#')
* trips: trip_id, route_id, service_id (str), direction_id (int, -1 when absent), trip_headsign (str)
* stop_times: trip_id, stop_id (str), stop_sequence (int64), arrival_time_s, departure_time_s (float64 seconds since
  the service day's noon-minus-12h, i.e. "25:00:00" -> 90000.0), sorted by trip_id, stop_sequence
* calendar, calendar_dates: as in GTFS, dates as datetime.date
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

TABLES = ("agency", "stops", "routes", "trips", "stop_times", "calendar", "calendar_dates", "feed_info")


@dataclass
class GtfsFeed:
    agency: pd.DataFrame
    stops: pd.DataFrame
    routes: pd.DataFrame
    trips: pd.DataFrame
    stop_times: pd.DataFrame
    calendar: pd.DataFrame
    calendar_dates: pd.DataFrame
    feed_info: pd.DataFrame
    path: str = ""
    date: dt.date | None = None  # the service date chosen: asked for, or the feed's busiest
    services_by_date: dict[dt.date, frozenset[str]] = field(default_factory=dict)

    def service_ids_on(self, day: dt.date) -> frozenset[str]:
        """Service ids active on ``day`` (calendar + calendar_dates exceptions)."""
        return self.services_by_date.get(day, frozenset())

    def trips_on(self, day: dt.date) -> pd.DataFrame:
        return self.trips[self.trips["service_id"].isin(self.service_ids_on(day))]

    @property
    def first_date(self) -> dt.date | None:
        return min(self.services_by_date) if self.services_by_date else None

    @property
    def last_date(self) -> dt.date | None:
        return max(self.services_by_date) if self.services_by_date else None
