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

Dates outside the timetable: :func:`same_kind_of_day` answers a requested date with the same kind of
day among the timetable's dates (Sunday or public holiday -> Sunday, Saturday -> Saturday, a
weekday -> the same weekday), as a :class:`ServiceDay` whose :meth:`~ServiceDay.message` names both.
"""

from __future__ import annotations

import datetime as dt
import numbers
import re
from collections.abc import Iterable
from dataclasses import dataclass
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


# -- service days: a date outside the timetable answered with the same kind of day -----------------

#: kinds of day, as timetables run them
WEEKDAY, SATURDAY, SUNDAY, HOLIDAY = "weekday", "saturday", "sunday", "holiday"


def easter_sunday(year: int) -> dt.date:
    """Easter Sunday of the Gregorian calendar: the anonymous algorithm published by Meeus (Jones,
    Butcher), valid for every Gregorian year."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def french_public_holidays(year: int) -> dict[dt.date, str]:
    """The eleven public holidays of metropolitan France (Code du travail, art. L3133-1; Alsace-Moselle's
    two extra days left out): fixed dates, and Easter Monday, Ascension Thursday and Whit Monday
    from :func:`easter_sunday`."""
    easter = easter_sunday(year)
    return {
        dt.date(year, 1, 1): "new_year", easter + dt.timedelta(days=1): "easter_monday",
        dt.date(year, 5, 1): "labour_day", dt.date(year, 5, 8): "victory_1945",
        easter + dt.timedelta(days=39): "ascension", easter + dt.timedelta(days=50): "whit_monday",
        dt.date(year, 7, 14): "national_day", dt.date(year, 8, 15): "assumption",
        dt.date(year, 11, 1): "all_saints", dt.date(year, 11, 11): "armistice_1918",
        dt.date(year, 12, 25): "christmas",
    }


def kind_of_day(day: dt.date) -> str:
    """:data:`HOLIDAY` (a French public holiday), :data:`SUNDAY`, :data:`SATURDAY` or :data:`WEEKDAY`."""
    if day in french_public_holidays(day.year):
        return HOLIDAY
    return {5: SATURDAY, 6: SUNDAY}.get(day.weekday(), WEEKDAY)


@dataclass(frozen=True)
class ServiceDay:
    """The timetable day used for a requested date: the date itself when the timetable covers it,
    else the same kind of day in the timetable (see :func:`same_kind_of_day`)."""

    requested: dt.date
    used: dt.date
    #: the kind of the requested date (:func:`kind_of_day`)
    kind: str

    @property
    def substituted(self) -> bool:
        return self.used != self.requested

    def message(self) -> Any:
        """The banner (a :class:`routing.messages.Msg`): "horaires du dimanche 20 novembre 2011
        utilisés pour le dimanche 6 décembre 2026"; None when the requested date is used."""
        if not self.substituted:
            return None
        from routing.messages import Fmt, Msg

        key = "itin.clock.holiday" if self.kind == HOLIDAY else "itin.clock.substitute"
        return Msg(key, used=Fmt("day", self.used), requested=Fmt("day", self.requested))


def same_kind_of_day(requested: dt.date, timetable_dates: Iterable[dt.date]) -> ServiceDay:
    """The timetable date that answers for ``requested``.

    A date among ``timetable_dates`` (the dates with service) answers for itself. Otherwise the
    same kind of day: a Sunday or a French public holiday (:func:`french_public_holidays`) -> a
    Sunday of the timetable; a Saturday -> a Saturday; Monday to Friday -> the same weekday, not a
    holiday. Among several, the first; with none of that kind, a weekday of the timetable
    (Saturday, Sunday: the last date; weekdays: the first). Raises ValueError without dates.
    """
    dates = sorted(set(timetable_dates))
    if not dates:
        raise ValueError("the timetable has no date with service")
    kind = kind_of_day(requested)
    if requested in dates:
        return ServiceDay(requested, requested, kind)
    if kind in (HOLIDAY, SUNDAY):
        same = [d for d in dates if d.weekday() == 6]
    elif kind == SATURDAY:
        same = [d for d in dates if d.weekday() == 5 and kind_of_day(d) != HOLIDAY]
    else:
        same = [d for d in dates if d.weekday() == requested.weekday() and kind_of_day(d) == WEEKDAY]
    if not same:
        same = [d for d in dates if kind_of_day(d) == WEEKDAY] or dates
        same = same[-1:] if kind != WEEKDAY else same
    return ServiceDay(requested, same[0], kind)
