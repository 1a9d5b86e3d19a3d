"""Results are data: itineraries made of legs with a fixed schema.

``Leg.COLUMNS`` is the column contract of :meth:`Itinerary.to_frame`. Times are
timezone-naive local datetimes (Europe/Paris wall clock, as GTFS gives them).
Geometry is a list of (lon, lat) pairs in WGS84.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from routing.errors import RoutingError

#: Leg modes.
WALK, BIKE, BIKESHARE, TRANSIT, CAR, CARPOOL, ECAR, CHARGE, WAIT = (
    "walk", "bike", "bikeshare", "transit", "car", "carpool", "ecar", "charge", "wait")

@dataclass
class Leg:
    mode: str
    from_name: str
    to_name: str
    departure: datetime
    arrival: datetime
    distance_m: float
    geometry: list[tuple[float, float]] = field(default_factory=list)
    route: str | None = None  # route short name
    route_color: str | None = None  # hex without '#'
    trip_id: str | None = None
    co2_g: float = 0.0
    notes: list[str] = field(default_factory=list)
    #: the leg leaves the street data somewhere (straight connector, road approximated from bus lines)
    approximate: bool = False
    #: transit legs: the stops boarded at and alighted at, the direction shown on the vehicle, and the
    #: number of stops ridden (the alighting stop counted, the boarding stop not)
    from_stop_id: str | None = None
    to_stop_id: str | None = None
    headsign: str | None = None
    stops: int | None = None
    #: transit legs: "bus", "metro", "tram" or "rail" (routing.planner.costs.VEHICLE_BY_ROUTE_TYPE)
    vehicle: str | None = None
    #: what to do, in order, as messages (routing.messages.Msg: a key with parameters, rendered in the
    #: reader's language): streets followed on foot, by bike or car; line, direction, stops on transit
    steps: list[str] = field(default_factory=list)

    COLUMNS = ("mode", "from_name", "to_name", "departure", "arrival", "duration_s", "distance_m",
               "route", "route_color", "trip_id", "co2_g", "approximate", "from_stop_id", "to_stop_id",
               "headsign", "stops", "vehicle", "steps", "geometry")

    @property
    def duration_s(self) -> float:
        return (self.arrival - self.departure).total_seconds()

    def row(self) -> dict[str, Any]:
        d = asdict(self)
        d["duration_s"] = self.duration_s
        d["geometry"] = self.geometry
        return {c: d[c] for c in self.COLUMNS}


@dataclass(frozen=True)
class Price:
    """A trip's price in euros and why: ``basis`` is a message naming the fare or rate applied
    (a routing.messages.Msg), ``source`` the table it comes from (a path under ``assets/``)."""

    euros: float
    basis: str
    source: str


@dataclass
class Itinerary:
    """One way of making the trip. ``label`` names the option ("transit", "bikeshare", ...)."""

    label: str
    legs: list[Leg]
    notes: list[str] = field(default_factory=list)
    #: what the trip costs, with its basis (None when no price table covers it)
    price: Price | None = None
    #: the same itinerary (same lines, same stops) leaving later within the window: departure times
    #: after this one, and their typical interval ("toutes les 2 min"), when options were grouped
    next_departures: list[datetime] = field(default_factory=list)
    headway_s: float | None = None

    @property
    def departure(self) -> datetime:
        return self.legs[0].departure

    @property
    def arrival(self) -> datetime:
        return self.legs[-1].arrival

    @property
    def duration_s(self) -> float:
        return (self.arrival - self.departure).total_seconds()

    @property
    def transfers(self) -> int:
        """Vehicles changed: rides minus one (the planner makes a ride that stays on board, on the same
        trip or the same line through the same stop, one leg)."""
        return max(0, sum(1 for leg in self.legs if leg.mode == TRANSIT) - 1)

    @property
    def walk_m(self) -> float:
        return float(sum(leg.distance_m for leg in self.legs if leg.mode == WALK))

    @property
    def distance_m(self) -> float:
        return float(sum(leg.distance_m for leg in self.legs))

    @property
    def co2_g(self) -> float:
        return float(sum(leg.co2_g for leg in self.legs))

    def summary(self) -> dict[str, Any]:
        price = self.price
        return {"label": self.label, "departure": self.departure, "arrival": self.arrival,
                "duration_s": self.duration_s, "transfers": self.transfers,
                "walk_m": round(self.walk_m), "distance_m": round(self.distance_m),
                "co2_g": round(self.co2_g), "notes": list(self.notes),
                "price_eur": None if price is None else price.euros,
                "price_basis": None if price is None else str(price.basis),
                "price_source": None if price is None else price.source,
                "next_departures": list(self.next_departures), "headway_s": self.headway_s}

    def to_frame(self) -> pd.DataFrame:
        """Legs as a table with :attr:`Leg.COLUMNS`; an itinerary always has at least one leg."""
        return pd.DataFrame([leg.row() for leg in self.legs], columns=list(Leg.COLUMNS))

    def to_geojson(self) -> dict[str, Any]:
        """A FeatureCollection with one LineString feature per leg."""
        features = []
        for i, leg in enumerate(self.legs):
            props = {k: v for k, v in leg.row().items() if k != "geometry"}
            props["departure"] = leg.departure.isoformat()
            props["arrival"] = leg.arrival.isoformat()
            props["leg_index"] = i
            props["itinerary"] = self.label
            coords = [list(p) for p in leg.geometry]
            if len(coords) == 1:
                coords = coords * 2
            features.append({"type": "Feature", "properties": props,
                             "geometry": {"type": "LineString", "coordinates": coords} if coords else None})
        return {"type": "FeatureCollection", "features": features}


def option_key(it: Itinerary) -> tuple[Any, ...] | None:
    """What makes two itineraries the same option: the label, the legs' modes and, for each ride,
    its line and the stops boarded at and alighted at. None for an itinerary without a ride (those
    are never grouped)."""
    if not any(leg.mode == TRANSIT for leg in it.legs):
        return None
    return (it.label, tuple((leg.mode, leg.route, leg.from_stop_id, leg.to_stop_id) if leg.mode == TRANSIT
                            else (leg.mode,) for leg in it.legs))


def set_headway(it: Itinerary) -> Itinerary:
    """``it.headway_s``: the median interval between its departure and its ``next_departures``."""
    times = sorted({it.departure, *it.next_departures})
    it.next_departures = [t for t in times if t > it.departure]
    gaps = sorted((b - a).total_seconds() for a, b in zip(times[:-1], times[1:], strict=True))
    it.headway_s = (gaps[len(gaps) // 2] if len(gaps) % 2 else (gaps[len(gaps) // 2 - 1] + gaps[len(gaps) // 2]) / 2) \
        if gaps else None
    return it


def group_options(itineraries: list[Itinerary], window_s: float) -> list[Itinerary]:
    """Itineraries of the same option (:func:`option_key`) leaving within ``window_s`` of the
    earliest become one: the earliest, the others' departures in its ``next_departures`` and their
    typical interval in ``headway_s``. The order of the first of each group is kept."""
    out: list[Itinerary] = []
    kept: dict[tuple[Any, ...], Itinerary] = {}
    for it in sorted(itineraries, key=lambda x: x.departure):
        key = option_key(it)
        first = kept.get(key) if key is not None else None
        if first is not None and (it.departure - first.departure).total_seconds() <= window_s:
            first.next_departures.extend([it.departure, *it.next_departures])
            continue
        if key is not None:
            kept[key] = it
        out.append(it)
    keep = {id(it) for it in out}
    return [set_headway(it) if it.next_departures else it for it in itineraries if id(it) in keep]


class ItineraryError(RoutingError, ValueError):
    """An itinerary that breaks time (a leg or the whole arriving before it leaves): a bug or an
    input (trip updates, a scenario) that slipped past the checks where timetables are built."""


def check_itinerary(it: Itinerary) -> None:
    """Raise :class:`ItineraryError` unless ``it`` has legs, each arriving at or after it leaves,
    one after the other (a leg never leaves before the previous one arrives)."""
    if not it.legs:
        raise ItineraryError(f"itinerary {it.label!r} has no leg")
    for i, leg in enumerate(it.legs):
        if leg.arrival < leg.departure:
            raise ItineraryError(f"itinerary {it.label!r}: leg {i} ({leg.mode}) arrives at {leg.arrival:%H:%M:%S} "
                                 f"before it leaves at {leg.departure:%H:%M:%S}")
        if i and leg.departure < it.legs[i - 1].arrival:
            raise ItineraryError(f"itinerary {it.label!r}: leg {i} ({leg.mode}) leaves at {leg.departure:%H:%M:%S}, "
                                 f"before leg {i - 1} arrives at {it.legs[i - 1].arrival:%H:%M:%S}")


@dataclass
class PlanResult:
    """What the planner answers: itineraries (best first), or none with a reason.

    Every itinerary is checked when the result is made (:func:`check_itinerary`): one that
    arrives before it leaves raises :class:`ItineraryError` instead of being shown."""

    itineraries: list[Itinerary]
    reason: str | None = None
    notes: list[str] = field(default_factory=list)
    #: per mode asked for without an itinerary, why (a routing.messages.Msg)
    reasons: dict[str, str] = field(default_factory=dict)
    #: the places the trip was planned between (routing.places.Place), once resolved
    origin: Any = None
    destination: Any = None

    def __post_init__(self) -> None:
        for it in self.itineraries:
            check_itinerary(it)

    @property
    def ok(self) -> bool:
        return bool(self.itineraries)

    def to_frame(self) -> pd.DataFrame:
        frames = []
        for i, it in enumerate(self.itineraries):
            f = it.to_frame()
            f.insert(0, "itinerary", i)
            f.insert(1, "label", it.label)
            frames.append(f)
        if not frames:
            return pd.DataFrame(columns=["itinerary", "label", *Leg.COLUMNS])
        return pd.concat(frames, ignore_index=True)

    def to_geojson(self) -> dict[str, Any]:
        feats: list[dict[str, Any]] = []
        for i, it in enumerate(self.itineraries):
            for f in it.to_geojson()["features"]:
                f["properties"]["itinerary_index"] = i
                feats.append(f)
        return {"type": "FeatureCollection", "features": feats,
                "properties": {"reason": self.reason, "notes": self.notes}}

    def to_json(self) -> str:
        ends = {side: (place.as_dict() if place is not None else None)
                for side, place in (("from", self.origin), ("to", self.destination))}
        return json.dumps({
            **ends, "reason": self.reason, "notes": self.notes,
            "itineraries": [{**it.summary(), "legs": [
                {**{k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in leg.row().items()}}
                for leg in it.legs]} for it in self.itineraries]},
            default=str, ensure_ascii=False, indent=2)
