"""Shareable trip URLs: plain, validated query parameters (no Streamlit, no pickling).

Parameters: ``from`` and ``to`` (a place name or "lat,lon", at most
``get_budgets().max_place_chars`` printable characters; coordinates in range, latitude first),
``at`` (ISO date-time, local or with an offset converted to local time, e.g.
``2011-11-15T08:00`` or ``2011-11-15T07:00Z``), ``modes`` (comma-separated subset of the
planner modes, duplicates dropped), ``arrive`` ("1" for arrive-by), ``wheelchair`` ("1" for the
wheelchair profile), ``kiosk`` ("1"). Anything
else is ignored; invalid values are reported by name so that the page can warn, and never used.
The checks are those of the command lines (:mod:`routing.args`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from routing import args as A
from routing.constants import TRIP_MODES
from routing.places import coordinates_error
from sources import get_budgets

DEFAULT_MODES = ("walk", "bike", "bikeshare", "transit")
ALL_MODES = TRIP_MODES
#: URL parameters longer than this are not even looked at
MAX_PARAM_CHARS = 1000


def max_place_chars() -> int:
    """The longest place text accepted (``get_budgets().max_place_chars``, setting SPMD_BUDGET_MAX_PLACE_CHARS)."""
    return get_budgets().max_place_chars


@dataclass
class TripQuery:
    """The validated content of a trip URL; ``invalid`` names the parameters that were ignored."""

    origin: str | None = None
    destination: str | None = None
    at: datetime | None = None
    modes: tuple[str, ...] | None = None
    arrive_by: bool = False
    wheelchair: bool = False
    invalid: list[str] = field(default_factory=list)


def clean_place(value: Any) -> str | None:
    """A place text safe to show and search: printable, trimmed, at most :func:`max_place_chars`
    characters; else None. Impossible coordinates are kept, to be told apart by
    :func:`routing.places.coordinates_error` (a box says why; a URL parameter is refused)."""
    try:
        return A.parse_place(value, "place")
    except A.ArgumentError as exc:
        return value.strip() if exc.key == "coords" and isinstance(value, str) else None


def parse_query(params: Mapping[str, Any], *, modes: Sequence[str] = ALL_MODES) -> TripQuery:
    """Validate query parameters into a :class:`TripQuery`; never raises."""
    q = TripQuery()

    def first(name: str) -> Any:
        value = params.get(name)
        if isinstance(value, (list, tuple)):
            value = value[0] if value else None
        if value is not None and (not isinstance(value, str) or len(value) > MAX_PARAM_CHARS):
            q.invalid.append(name)
            return None
        return value

    for name, attr in (("from", "origin"), ("to", "destination")):
        raw = first(name)
        if raw is None:
            continue
        place = clean_place(raw)
        if place is None or coordinates_error(place) is not None:
            q.invalid.append(name)
        else:
            setattr(q, attr, place)
    raw = first("at")
    if raw is not None:
        try:
            q.at = A.parse_datetime(raw, "at")
        except A.ArgumentError:
            q.invalid.append("at")
    raw = first("modes")
    if raw is not None:
        try:
            q.modes = A.parse_modes(raw, "modes", allowed=tuple(modes))
        except A.ArgumentError:
            q.invalid.append("modes")
    for name, attr in (("arrive", "arrive_by"), ("wheelchair", "wheelchair")):
        raw = first(name)
        if raw is not None:
            if str(raw) in {"0", "1"}:
                setattr(q, attr, str(raw) == "1")
            else:
                q.invalid.append(name)
    return q


def to_query(*, origin: str, destination: str, at: datetime, modes: Sequence[str],
             arrive_by: bool = False, wheelchair: bool = False) -> dict[str, str]:
    """Query parameters for a trip (the inverse of :func:`parse_query`)."""
    out = {"from": origin, "to": destination, "at": at.strftime("%Y-%m-%dT%H:%M"),
           "modes": ",".join(modes)}
    if arrive_by:
        out["arrive"] = "1"
    if wheelchair:
        out["wheelchair"] = "1"
    return out


def share_url(query: Mapping[str, str], *, base: str = "", lang: str | None = None) -> str:
    """The link of a query; with ``lang``, the language goes in it too (see :func:`with_lang`)."""
    return f"{base}?{urlencode(with_lang(query, lang) if lang else dict(query))}"


# -- page links and the language ---------------------------------------------------------
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
