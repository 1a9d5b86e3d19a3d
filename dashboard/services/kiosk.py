"""The kiosk's side without Streamlit: where the kiosk stands, the places a visitor may go (rows of
the landmark table ``assets/landmarks.csv``), the modes offered and the time trips leave.

A kiosk visitor does not type: the origin is the kiosk's own place, the destination one of
:data:`DESTINATIONS`, the trip leaves now (Rennes wall clock) on the timetable's service day, the
modes are those a visitor on foot can take. The trip itself is planned by the planner's own
``plan`` (the page calls it once), as the planner page does.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

#: where the kiosk stands: a row of the landmark table (by name)
ORIGIN = "Gare de Rennes"
#: (key, landmark name, Material icon) of the tiles; the tile's words are ``kiosk.place.<key>``
DESTINATIONS: tuple[tuple[str, str, str], ...] = (
    ("town_hall", "Hôtel de Ville de Rennes", "account_balance"),
    ("champs_libres", "Les Champs Libres", "museum"),
    ("pontchaillou", "CHU Pontchaillou", "local_hospital"),
    ("beaulieu", "Campus de Beaulieu", "school"),
    ("roazhon", "Roazhon Park", "stadium"),
    ("gayeulles", "Parc des Gayeulles", "park"),
)
#: what a visitor on foot can take: walking, the bike-share, buses and metro
MODES = ("walk", "bikeshare", "transit")
#: at most this many trips shown (with the map, they fit one screen)
MAX_TRIPS = 3
#: "now" outside these hours is moved to the nearest one: the timetable's night has no bus to show
FIRST_DEPARTURE = time(6, 0)
LAST_DEPARTURE = time(21, 0)
#: departures are rounded down to this many minutes (the same trip for a visitor minute after minute)
ROUND_MIN = 5


def destination(key: str) -> tuple[str, str, str]:
    """The row of :data:`DESTINATIONS` with ``key``; KeyError for another key."""
    for row in DESTINATIONS:
        if row[0] == key:
            return row
    raise KeyError(key)


def landmark_place(table: Any, name: str) -> Any:
    """The :class:`routing.Place` of the landmark ``name`` (a row of ``routing.network``'s landmark
    table: name, commune, detail, lon, lat); KeyError when the table has no such row."""
    from routing import Place

    rows = table[table["name"] == name]
    if not len(rows):
        raise KeyError(f"no landmark named {name!r} in the landmark table")
    row = rows.iloc[0]
    return Place(str(row["name"]), "landmark", float(row["lon"]), float(row["lat"]),
                 commune=str(row["commune"]), detail=str(row["detail"]))


def departure_at(service_day: date, now: datetime) -> datetime:
    """When the kiosk's trips leave: the time of day of ``now`` (rounded down to :data:`ROUND_MIN`
    minutes, kept between :data:`FIRST_DEPARTURE` and :data:`LAST_DEPARTURE`) on ``service_day``."""
    clock = now.time().replace(second=0, microsecond=0)
    clock = min(max(clock, FIRST_DEPARTURE), LAST_DEPARTURE)
    start = datetime.combine(service_day, clock)
    return start - timedelta(minutes=start.minute % ROUND_MIN)


def shown_trips(result: Any) -> list[Any]:
    """The itineraries the kiosk shows: the planner's first :data:`MAX_TRIPS` (none when it found none)."""
    return list(result.itineraries[:MAX_TRIPS]) if getattr(result, "ok", False) else []
