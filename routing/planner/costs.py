"""What a trip costs and emits, from two versioned tables citing their sources.

* ``assets/costs/prices.csv``: STAR tickets (single 1-hour ticket, 10-trip book) by period of
  validity, park-and-ride, LE vélo STAR's occasional use, the car's cost per kilometre (the French
  tax administration's barème kilométrique, 5 CV: the full cost of using one's car), the electric
  car's (+20 %), the price of a kWh; each row with its source, URL, date and how it was checked.
* ``assets/costs/co2.csv``: grams of CO2e per passenger-kilometre for every mode and vehicle, one
  method for all (ADEME Impact CO2 / Base Empreinte: vehicle manufacturing and energy production
  included, infrastructure excluded).

Both are read once (:func:`tables`). :func:`co2_g_per_km` is the one factor the planner multiplies
leg distances by; :func:`price` gives an itinerary's :class:`~routing.planner.itinerary.Price` on a
date (default: today), with its basis as a message (:class:`routing.messages.Msg`).

Rules:

* transit: one STAR ticket is valid 1 h from its first validation, transfers included; a boarding
  more than 1 h after the ticket's first boarding needs another ticket;
* park and ride: the car's kilometres at the barème, parking free with the ticket, the tickets;
* bike share: the row valid on the date (per started hour since 2018; before, a 24-hour pass);
* car: kilometres x the barème; carpool: the car's cost shared by its 2 occupants; electric car:
  kilometres x the electric barème (charging included; the kWh of charging stops shown at the
  tariff's price per kWh, not added);
* walk, own bike: free.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from routing.messages import Fmt, Msg

ASSETS = Path(__file__).resolve().parents[2] / "assets" / "costs"
PRICES_CSV = ASSETS / "prices.csv"
CO2_CSV = ASSETS / "co2.csv"
#: the path a price's ``source`` names
PRICES_SOURCE = "assets/costs/prices.csv"
#: GTFS route_type -> the vehicle of the CO2 table (and of the steps: "Prendre le métro ...")
VEHICLE_BY_ROUTE_TYPE = {0: "tram", 1: "metro", 2: "rail", 3: "bus"}
#: a STAR ticket's validity, transfers included
TICKET_VALIDITY_S = 3600.0
#: legs that move nobody (a charging stop, a wait): no emissions
_STILL = ("charge", "wait")


class CostTableError(ValueError):
    """A cost table that cannot be used (names the file, row and field)."""


@dataclass(frozen=True)
class PriceRow:
    item: str
    euros: float
    unit: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    source: str
    url: str

    def valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class CostTables:
    prices: tuple[PriceRow, ...]
    co2_g_per_km: dict[str, float]

    def price_row(self, item: str, day: dt.date) -> PriceRow | None:
        rows = [r for r in self.prices if r.item == item and r.valid_on(day)]
        return rows[-1] if rows else None


def _rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        lines = [(i, line) for i, line in enumerate(f, start=1) if not line.startswith("#")]
    reader = csv.DictReader([line for _, line in lines])
    return [(lines[k + 1][0], row) for k, row in enumerate(reader)]


def _number(path: Path, line: int, row: dict[str, str], name: str) -> float:
    try:
        value = float(row[name])
    except (KeyError, TypeError, ValueError):
        raise CostTableError(f"{path.name}, line {line}: field {name!r} is not a number ({row.get(name)!r})") from None
    if not math.isfinite(value) or value < 0:
        raise CostTableError(f"{path.name}, line {line}: field {name!r} must be a number >= 0 ({value})")
    return value


def _date(path: Path, line: int, row: dict[str, str], name: str) -> dt.date | None:
    text = (row.get(name) or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CostTableError(f"{path.name}, line {line}: field {name!r} is not a date YYYY-MM-DD ({text!r})") from None


def read_tables(prices: Path = PRICES_CSV, co2: Path = CO2_CSV) -> CostTables:
    """Both tables, checked (a bad row raises :class:`CostTableError` naming file, line and field)."""
    price_rows = []
    for line, row in _rows(prices):
        price_rows.append(PriceRow(row["item"].strip(), _number(prices, line, row, "euros"), row["unit"].strip(),
                                   _date(prices, line, row, "valid_from"), _date(prices, line, row, "valid_to"),
                                   row["source"].strip(), row["url"].strip()))
    factors = {row["mode"].strip(): _number(co2, line, row, "g_per_km") for line, row in _rows(co2)}
    return CostTables(tuple(price_rows), factors)


@functools.cache
def tables() -> CostTables:
    """The tables of ``assets/costs``, read once."""
    return read_tables()


def vehicle_of(route_type: int) -> str:
    """The vehicle of a GTFS route type ("bus" for any other)."""
    return VEHICLE_BY_ROUTE_TYPE.get(int(route_type), "bus")


def co2_g_per_km(mode: str) -> float:
    """Grams of CO2e per passenger-km of a leg mode or a transit vehicle (``assets/costs/co2.csv``)."""
    if mode in _STILL:
        return 0.0
    factors = tables().co2_g_per_km
    if mode not in factors:
        raise KeyError(f"no CO2 factor for {mode!r} in {CO2_CSV.name}")
    return factors[mode]


# -- prices ---------------------------------------------------------------------------------------

def _money(euros: float) -> dict[str, Fmt]:
    return {"euros": Fmt("money", euros)}


def _km(metres: float) -> dict[str, Fmt]:
    return {"km": Fmt("distance", metres)}


def _since(day: dt.date | None) -> dict[str, Any]:
    return {"since": "?" if day is None else Fmt("date", day)}


def tickets_needed(boardings: list[dt.datetime]) -> int:
    """STAR tickets for boardings at these times: each valid 1 h from its first validation."""
    n, start = 0, None
    for t in sorted(boardings):
        if start is None or (t - start).total_seconds() > TICKET_VALIDITY_S:
            n, start = n + 1, t
    return n


def price(it: Any, *, on: dt.date | None = None) -> Any:
    """The :class:`~routing.planner.itinerary.Price` of itinerary ``it`` with the tariffs valid on
    ``on`` (default: today), or None when no row of the table covers it."""
    from routing.planner.itinerary import Price

    day = on or dt.date.today()
    t = tables()
    modes = {leg.mode for leg in it.legs}
    euros, parts = 0.0, []
    car_m = sum(leg.distance_m for leg in it.legs if leg.mode in ("car", "carpool"))
    if "transit" in modes:
        row = t.price_row("star_ticket_1h", day)
        if row is None:
            return None
        n = tickets_needed([leg.departure for leg in it.legs if leg.mode == "transit"])
        euros += n * row.euros
        parts.append(Msg("itin.price.tickets.one" if n == 1 else "itin.price.tickets.other", n=n,
                         **_money(row.euros), **_since(row.valid_from)))
        if it.label == "park_ride" and car_m > 0:
            car = t.price_row("car_per_km", day)
            park = t.price_row("star_park_ride", day)
            if car is None or park is None:
                return None
            euros += car_m / 1000 * car.euros + park.euros
            parts.append(Msg("itin.price.car", **_km(car_m), rate=Fmt("decimal", car.euros, 3)))
            parts.append(Msg("itin.price.park_ride"))
    elif "bikeshare" in modes:
        row = t.price_row("bikeshare_occasional", day)
        if row is None:
            return None
        ride_s = sum(leg.duration_s for leg in it.legs if leg.mode == "bikeshare")
        n = max(1, math.ceil(ride_s / 3600.0)) if row.unit == "hour" else 1
        euros += n * row.euros
        parts.append(Msg("itin.price.bikeshare_hour" if row.unit == "hour" else "itin.price.bikeshare_pass",
                         n=n, **_money(row.euros)))
    elif modes & {"car", "carpool"}:
        row = t.price_row("car_per_km", day)
        if row is None:
            return None
        share = 2 if "carpool" in modes else 1
        euros += car_m / 1000 * row.euros / share
        parts.append(Msg("itin.price.carpool" if share == 2 else "itin.price.car", **_km(car_m),
                         rate=Fmt("decimal", row.euros, 3)))
    elif "ecar" in modes:
        row = t.price_row("ecar_per_km", day)
        if row is None:
            return None
        ecar_m = sum(leg.distance_m for leg in it.legs if leg.mode == "ecar")
        euros += ecar_m / 1000 * row.euros
        parts.append(Msg("itin.price.ecar", **_km(ecar_m), rate=Fmt("decimal", row.euros, 4)))
    else:  # on foot, by one's own bike
        parts.append(Msg("itin.price.free"))
    if len(parts) == 1 and parts[0].key == "itin.price.tickets.one":  # the total is the ticket's price,
        parts = [Msg("itin.price.ticket_alone", since=parts[0].params["since"])]  # said once, in the total
    basis = parts[0] if len(parts) == 1 else Msg("itin.price.sum", parts=Fmt("join", tuple(parts)))
    return Price(round(euros, 2), basis, PRICES_SOURCE)
