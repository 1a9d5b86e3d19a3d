"""Shareable trip URLs: plain, validated query parameters (no Streamlit, no pickling).

Parameters: ``from`` and ``to`` (a place name or "lat,lon", at most 120
printable characters), ``at`` (ISO local date-time, e.g. ``2011-11-15T08:00``),
``modes`` (comma-separated subset of the planner modes), ``arrive`` ("1" for
arrive-by), ``kiosk`` ("1"). Anything else is ignored; invalid values are
reported by name so that the page can warn, and never used.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

MAX_PLACE_CHARS = 120
DEFAULT_MODES = ("walk", "bike", "bikeshare", "transit")
ALL_MODES = ("walk", "bike", "bikeshare", "transit", "bike_transit", "park_ride", "carpool", "car", "ecar")
_COORD_RE = re.compile(r"^\s*(-?\d{1,3}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$")


@dataclass
class TripQuery:
    """The validated content of a trip URL; ``invalid`` names the parameters that were ignored."""

    origin: str | None = None
    destination: str | None = None
    at: datetime | None = None
    modes: tuple[str, ...] | None = None
    arrive_by: bool = False
    invalid: list[str] = field(default_factory=list)


def clean_place(value: Any) -> str | None:
    """A place text safe to show and search: printable, trimmed, at most 120 characters; else None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > MAX_PLACE_CHARS:
        return None
    if any(unicodedata.category(ch).startswith("C") for ch in text):
        return None
    return text


def parse_coordinates(text: str) -> tuple[float, float] | None:
    """``"48.11,-1.68"`` (lat,lon) -> (lon, lat) when both are in range; else None."""
    m = _COORD_RE.match(text or "")
    if not m:
        return None
    lat, lon = float(m.group(1)), float(m.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lon, lat


def parse_query(params: Mapping[str, Any], *, modes: Sequence[str] = ALL_MODES) -> TripQuery:
    """Validate query parameters into a :class:`TripQuery`; never raises."""
    q = TripQuery()

    def first(name: str) -> Any:
        value = params.get(name)
        if isinstance(value, (list, tuple)):
            value = value[0] if value else None
        return value

    for name, attr in (("from", "origin"), ("to", "destination")):
        raw = first(name)
        if raw is None:
            continue
        place = clean_place(raw)
        if place is None:
            q.invalid.append(name)
        else:
            setattr(q, attr, place)
    raw = first("at")
    if raw is not None:
        try:
            at = datetime.fromisoformat(str(raw)[:32])
            if at.tzinfo is not None or not 1990 <= at.year <= 2100:
                raise ValueError(raw)
            q.at = at
        except ValueError:
            q.invalid.append("at")
    raw = first("modes")
    if raw is not None:
        wanted = [m.strip() for m in str(raw)[:200].split(",") if m.strip()]
        if wanted and all(m in modes for m in wanted):
            q.modes = tuple(dict.fromkeys(wanted))
        else:
            q.invalid.append("modes")
    raw = first("arrive")
    if raw is not None:
        if str(raw) in {"0", "1"}:
            q.arrive_by = str(raw) == "1"
        else:
            q.invalid.append("arrive")
    return q


def to_query(*, origin: str, destination: str, at: datetime, modes: Sequence[str],
             arrive_by: bool = False) -> dict[str, str]:
    """Query parameters for a trip (the inverse of :func:`parse_query`)."""
    out = {"from": origin, "to": destination, "at": at.strftime("%Y-%m-%dT%H:%M"),
           "modes": ",".join(modes)}
    if arrive_by:
        out["arrive"] = "1"
    return out


def share_url(query: Mapping[str, str], *, base: str = "", lang: str | None = None) -> str:
    """The link of a query; with ``lang``, the language goes in it too (see :func:`with_lang`)."""
    return f"{base}?{urlencode(with_lang(query, lang) if lang else dict(query))}"


# -- page links and the language (issue 13) ---------------------------------------------------------
#: every page can be linked to: ``?stop=`` (next departures), ``?line=`` and ``?stop=`` (line explorer),
#: ``?at=`` (a date-time, as above), and ``?lang=en`` on any page
LANG_PARAM = "lang"
MAX_LINE_CHARS = 20


def parse_lang(params: Mapping[str, Any], languages: Sequence[str]) -> str | None:
    """The ``lang`` parameter when it names a known language, else None."""
    value = params.get(LANG_PARAM)
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    return value if isinstance(value, str) and value in languages else None


def with_lang(query: Mapping[str, str], lang: str, *, default: str = "fr") -> dict[str, str]:
    """The query with ``lang`` added (or removed for the default language)."""
    out = {k: v for k, v in query.items() if k != LANG_PARAM}
    if lang != default:
        out[LANG_PARAM] = lang
    return out


def clean_line(value: Any) -> str | None:
    """A line name or route id from a URL: at most 20 letters, digits, '-', '_' or spaces; else None."""
    text = clean_place(value)
    if text is None or len(text) > MAX_LINE_CHARS or not re.fullmatch(r"[\w\- ]+", text):
        return None
    return text


def parse_at(value: Any) -> datetime | None:
    """An ``at`` value (ISO local date-time) or None when absent or invalid."""
    if value is None:
        return None
    return parse_query({"at": value}).at
