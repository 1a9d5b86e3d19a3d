"""Clock times: seconds since the service day's midnight, read from and written as ``HH:MM[:SS]``.

Every clock time of ``routing`` is parsed by :func:`parse_clock` (text) or :func:`seconds_of_day`
(text, a ``datetime``/``time``, or seconds) and written by :func:`format_clock`.

The range rule, one for every caller: minutes and seconds are below 60, hours below the bound
the caller states with ``max_hours``:

* :data:`TIME_OF_DAY_H` (24) for a time of day a person types: ``00:00`` to ``23:59:59``;
* :data:`SERVICE_DAY_H` (48) where a timetable allows times past midnight, as GTFS does
  (``24:05`` is 00:05 the next morning on the service day's clock).

So ``25:99`` is always refused, ``24:05`` only where the caller allows the service day's night.
Hours have one or two digits (``8:05``), minutes and seconds two; no spaces inside.
"""

from __future__ import annotations

import datetime as dt
import numbers
import re
from typing import Any

#: hours of a time of day (a person's ``--at 08:00``)
TIME_OF_DAY_H = 24
#: hours of a service day's clock (GTFS times run past midnight, up to 47:59:59)
SERVICE_DAY_H = 48

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$", re.ASCII)


class ClockError(ValueError):
    """A text that is not a clock time within the caller's bound."""


def parse_clock(text: Any, *, max_hours: int = TIME_OF_DAY_H) -> int:
    """``"HH:MM"`` or ``"HH:MM:SS"`` -> seconds since midnight.

    Minutes and seconds below 60, hours below ``max_hours``; anything else (another type,
    ``"25:99"``, ``"08:60"``, ``"8h"``, ``" 08:00"``) raises :class:`ClockError`.
    """
    m = _CLOCK.match(text) if isinstance(text, str) else None
    if m:
        h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
        if h < max_hours and mi < 60 and s < 60:
            return h * 3600 + mi * 60 + s
    last = f"{max_hours - 1:02d}:59:59"
    raise ClockError(f"{text!r} is not a time of day HH:MM[:SS] from 00:00 to {last}")


def seconds_of_day(value: Any, *, max_hours: int = TIME_OF_DAY_H) -> int:
    """Seconds since midnight of a clock text (:func:`parse_clock`), an ISO date-time text, a
    ``datetime`` or ``time`` (its time of day), or a number of seconds (passed through as int)."""
    if isinstance(value, dt.datetime | dt.time):
        return value.hour * 3600 + value.minute * 60 + value.second
    if isinstance(value, numbers.Real) and not isinstance(value, bool):  # numpy scalars too
        return int(value)
    if isinstance(value, str) and "T" in value:
        try:
            return seconds_of_day(dt.datetime.fromisoformat(value.strip()))
        except ValueError:
            raise ClockError(f"{value!r} is not an ISO date-time such as 2011-11-15T08:00") from None
    return parse_clock(value.strip() if isinstance(value, str) else value, max_hours=max_hours)


def format_clock(secs: float, *, seconds: bool | None = False, next_day: bool = False) -> str:
    """``HH:MM`` of seconds since midnight (hours go past 24 after midnight, as in GTFS).

    ``seconds``: False drops them (``08:05``), True always writes them (``08:05:00``), None
    writes them only when they are not zero (``08:05``, ``08:05:30``). ``next_day``: a time
    after midnight is written as a reader's clock shows it, with the days after the service
    day (``24:10`` -> ``00:10 (+1)``).
    """
    s = int(secs)
    days, hours = divmod(s // 3600, 24) if next_day else (0, s // 3600)
    text = f"{hours:02d}:{s % 3600 // 60:02d}"
    if seconds or (seconds is None and s % 60):
        text += f":{s % 60:02d}"
    return f"{text} (+{days})" if days else text
