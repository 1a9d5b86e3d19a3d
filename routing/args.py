"""Strict parsing of command-line and URL arguments, before any data is loaded.

Pure functions (no data, no network, no Streamlit): each takes the text a person typed and
returns a value, or raises :class:`ArgumentError` (a ``ValueError``) whose message says what
was expected. The routing CLIs use them as argparse ``type=`` functions (a bad argument exits 2
with one line, before the network loads) and the dashboard's share links and place boxes use
them on URL parameters and typed text; an :class:`ArgumentError` also carries a ``key`` naming
the kind of problem (``coords``, ``time``, ``window``, ``too_long``...) and its ``params``, so
that the dashboard picks its own translated message (e.g. ``place.bad_coords``).

What is refused: coordinates out of range or not finite ("91,-1.68" is latitude 91, never
read as a longitude; "NaN,NaN" and "inf" are never coordinates), times such as ``25:99``,
reversed or empty windows, bands that are not finite, positive and increasing, percentiles
outside 0-100, counts out of their range, unknown modes; file arguments are checked before
anything is loaded: an input must be a readable regular file within the size budget (never a
FIFO, a device such as ``/dev/zero`` or a folder), an output a writable file path in a writable
folder (never a folder, a FIFO or a device such as ``/dev/full``), and a path has no control
characters.
Dates with a UTC offset (``2011-11-15T08:00Z``, ``+01:00``) are converted to the local
(Europe/Paris) wall-clock time, naive, as the timetables are.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import re
import stat
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from routing.clock import TIME_OF_DAY_H, ClockError, format_clock, parse_clock
from sources.budgets import BudgetExceeded, budgets

#: the time zone of the timetables: an ISO date-time with an offset is converted to it
LOCAL_TZ = ZoneInfo("Europe/Paris")
#: dates accepted (service days of a bundle, share links)
MIN_YEAR, MAX_YEAR = 1990, 2100
#: a text this long is not parsed at all (before any regular expression runs on it)
MAX_ARG_CHARS = 400
#: bands: at most this many, each at most this many minutes
MAX_BANDS, MAX_BAND_MIN = 24, 24 * 60
MAX_PERCENTILES = 20

_NUM = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:nan|infinity|inf)"
#: two numbers (or NaN/inf words) separated by a comma, a semicolon or spaces: an attempt at coordinates
_COORD_LIKE = re.compile(rf"^\s*({_NUM})\s*(?:[,;]|\s)\s*({_NUM})\s*$", re.IGNORECASE | re.ASCII)


class ArgumentError(argparse.ArgumentTypeError, ValueError):
    """A command-line or URL argument that cannot be used; ``key`` names the problem, ``params`` its values."""

    def __init__(self, message: str, *, key: str = "invalid", **params: Any) -> None:
        super().__init__(message)
        self.key, self.params = key, params


def _short(text: Any, n: int = 60) -> str:
    """``repr`` of a (possibly huge) argument, cut to ``n`` characters for messages."""
    text = str(text)
    return repr(text if len(text) <= n else text[:n] + "…")


def _text(value: Any, what: str, *, limit: int = MAX_ARG_CHARS) -> str:
    if not isinstance(value, str):
        raise ArgumentError(f"{what}: expected text, got {type(value).__name__}", key="invalid", what=what)
    if len(value) > limit:
        raise ArgumentError(f"{what}: {len(value):,} characters, at most {limit:,} expected", key="too_long",
                            what=what, n=len(value), limit=limit)
    return value.strip()


# -- places and coordinates ------------------------------------------------------------------------

def parse_coordinates(text: Any, what: str = "coordinates") -> tuple[float, float] | None:
    """``"48.11,-1.68"`` (latitude first, as people write it) -> ``(lon, lat)``.

    None when the text is not an attempt at coordinates (a place name); :class:`ArgumentError`
    when it is two numbers that are not a latitude in [-90, 90] then a longitude in [-180, 180]
    (``"91,-1.68"``), or a NaN or an infinity. The order is never guessed: ``"-1.68,48.11"`` is
    latitude -1.68, longitude 48.11 (valid, far from Rennes).
    """
    if not isinstance(text, str):
        return None
    value = " ".join(text.split())  # runs of spaces folded: the pattern stays linear
    if len(value) > MAX_ARG_CHARS:
        return None
    m = _COORD_LIKE.match(value)
    if not m:
        return None
    lat, lon = float(m.group(1)), float(m.group(2))
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise ArgumentError(f"{what} {_short(value)}: latitude and longitude must be finite numbers",
                            key="coords", what=what, value=value)
    if not -90 <= lat <= 90:
        raise ArgumentError(f"{what} {_short(value)}: latitude {lat:g} is not in [-90, 90] "
                            "(write latitude first: \"48.11,-1.68\")", key="coords", what=what, value=value)
    if not -180 <= lon <= 180:
        raise ArgumentError(f"{what} {_short(value)}: longitude {lon:g} is not in [-180, 180]",
                            key="coords", what=what, value=value)
    return lon, lat


def parse_place(text: Any, what: str = "place") -> str:
    """A place name or ``"lat,lon"`` text, trimmed: not empty, printable, at most
    ``budgets().max_place_chars`` characters, and valid coordinates when it looks like some."""
    limit = budgets().max_place_chars
    if isinstance(text, str) and len(text) > limit:
        try:
            budgets().check("max_place_chars", len(text), what=what)
        except BudgetExceeded as exc:
            raise ArgumentError(str(exc), key="too_long", what=what, n=len(text), limit=limit) from None
    value = _text(text, what, limit=limit)
    if not value:
        raise ArgumentError(f"{what}: empty place", key="empty", what=what)
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        raise ArgumentError(f"{what} {_short(value)}: control characters are not allowed", key="control",
                            what=what)
    parse_coordinates(value, what)
    return value


def parse_lat_lon(text: Any, what: str = "coordinates") -> tuple[float, float]:
    """``"lat,lon"`` that must be coordinates -> ``(lon, lat)``."""
    value = _text(text, what)
    coords = parse_coordinates(value, what)
    if coords is None:
        raise ArgumentError(f"{what} {_short(value)}: expected \"lat,lon\" such as \"48.11,-1.68\"",
                            key="coords", what=what, value=value)
    return coords


# -- dates and times -----------------------------------------------------------------------------------

def _check_year(when: dt.date, what: str, value: str) -> None:
    if not MIN_YEAR <= when.year <= MAX_YEAR:
        raise ArgumentError(f"{what} {_short(value)}: year {when.year} is not in {MIN_YEAR}-{MAX_YEAR}",
                            key="date", what=what, value=value)


def parse_datetime(text: Any, what: str = "--at") -> dt.datetime:
    """An ISO date-time (``2011-11-15T08:00``, ``2011-11-15 08:00``, ``...Z``, ``...+01:00``) ->
    naive local (Europe/Paris) date-time; an offset is converted to local time."""
    value = _text(text, what, limit=64)
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ArgumentError(f"{what} {_short(value)} is not an ISO date-time such as 2011-11-15T08:00 "
                            "(an offset such as Z or +01:00 is allowed)", key="datetime", what=what,
                            value=value) from None
    if "T" not in value.upper() and " " not in value:
        raise ArgumentError(f"{what} {_short(value)} has no time of day (2011-11-15T08:00)", key="datetime",
                            what=what, value=value)
    if when.tzinfo is not None:
        when = when.astimezone(LOCAL_TZ).replace(tzinfo=None)
    _check_year(when, what, value)
    return when


def parse_date(text: Any, what: str = "--day") -> dt.date:
    """An ISO date ``2011-11-15``."""
    value = _text(text, what, limit=64)
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise ArgumentError(f"{what} {_short(value)} is not an ISO date such as 2011-11-15", key="date",
                            what=what, value=value) from None
    _check_year(day, what, value)
    return day


def parse_time(text: Any, what: str = "--at") -> int:
    """``HH:MM`` or ``HH:MM:SS``, a time of day (00:00 to 23:59:59) -> seconds since midnight
    (the range rule of :mod:`routing.clock`)."""
    value = _text(text, what, limit=64)
    try:
        return parse_clock(value, max_hours=TIME_OF_DAY_H)
    except ClockError:
        raise ArgumentError(f"{what} {_short(value)} is not a time of day from 00:00 to 23:59", key="time",
                            what=what, value=value) from None


def parse_at(text: Any, what: str = "--at") -> dt.datetime | dt.time:
    """``HH:MM[:SS]`` (a time of day, on the service day the command uses) or an ISO date-time
    (naive local, as :func:`parse_datetime`)."""
    value = _text(text, what, limit=64)
    if "T" in value.upper() or "-" in value or " " in value:
        return parse_datetime(value, what)
    secs = parse_time(value, what)
    return dt.time(secs // 3600, secs % 3600 // 60, secs % 60)


def parse_window(text: Any, what: str = "--window") -> str:
    """``HH:MM-HH:MM`` with the start before the end -> the same window, normalised (``08:00-09:00``)."""
    value = _text(text, what, limit=64)
    parts = value.split("-")
    if len(parts) != 2:
        raise ArgumentError(f"{what} {_short(value)} is not a window such as 08:00-09:00", key="window",
                            what=what, value=value)
    start, end = parse_time(parts[0], what), parse_time(parts[1], what)
    if end <= start:
        raise ArgumentError(f"{what} {_short(value)}: the window ends before it starts", key="window_order",
                            what=what, value=value)
    return f"{format_clock(start, seconds=None)}-{format_clock(end, seconds=None)}"


def window_minutes(window: str, what: str = "--window") -> int:
    """Departure minutes of a window (``08:00-09:00``: 60), the factor of a request's cost."""
    start, end = (parse_time(part, what) for part in parse_window(window, what).split("-"))
    return max(1, (end - start + 59) // 60)


# -- numbers -----------------------------------------------------------------------------------------

def _number(part: str, what: str, value: str) -> float:
    try:
        x = float(part)
    except ValueError:
        raise ArgumentError(f"{what} {_short(value)}: {_short(part, 20)} is not a number", key="number",
                            what=what, value=value) from None
    if not math.isfinite(x):
        raise ArgumentError(f"{what} {_short(value)}: {part.strip()} is not a finite number", key="number",
                            what=what, value=value)
    return x


def parse_number(text: Any, what: str, *, lo: float, hi: float, lo_open: bool = False) -> float:
    """A finite number in [lo, hi] (``(lo, hi]`` with ``lo_open``)."""
    value = _text(text, what, limit=64)
    x = _number(value, what, value)
    if x > hi or x < lo or (lo_open and x == lo):
        low = f"({lo:g}" if lo_open else f"[{lo:g}"
        raise ArgumentError(f"{what} {x:g} is not in {low}, {hi:g}]", key="range", what=what, value=value,
                            lo=lo, hi=hi)
    return x


def parse_count(text: Any, what: str, *, lo: int = 0, hi: int) -> int:
    """A whole number in [lo, hi]."""
    value = _text(text, what, limit=64)
    if not re.fullmatch(r"[-+]?\d+", value, re.ASCII):
        raise ArgumentError(f"{what} {_short(value)} is not a whole number", key="count", what=what,
                            value=value)
    n = int(value)
    if not lo <= n <= hi:
        raise ArgumentError(f"{what} {n:,} is not in [{lo:,}, {hi:,}]", key="range", what=what, value=value,
                            lo=lo, hi=hi)
    return n






def parse_budget_count(text: Any, what: str, *, budget: str, lo: int = 1) -> int:
    """A whole number from ``lo`` up to the budget ``budget`` of :mod:`sources.budgets` (the
    message over it names the setting that raises it)."""
    n = parse_count(text, what, lo=lo, hi=2**63 - 1)
    try:
        budgets().check(budget, n, what=what)
    except BudgetExceeded as exc:
        raise ArgumentError(str(exc), key="too_large", what=what, value=str(text)) from None
    return n


def _numbers(text: Any, what: str) -> tuple[str, list[float]]:
    value = _text(text, what)
    parts = [p for p in value.split(",")]
    if not value or any(not p.strip() for p in parts):
        raise ArgumentError(f"{what} {_short(value)} must be comma-separated numbers", key="numbers",
                            what=what, value=value)
    return value, [_number(p, what, value) for p in parts]


def parse_bands(text: Any, what: str = "--bands") -> list[float]:
    """Minutes, comma-separated, finite, positive, increasing: ``10,20,30``."""
    value, out = _numbers(text, what)
    if len(out) > MAX_BANDS:
        raise ArgumentError(f"{what}: {len(out)} bands, at most {MAX_BANDS}", key="bands", what=what,
                            value=value)
    if any(not 0 < b <= MAX_BAND_MIN for b in out):
        raise ArgumentError(f"{what} {_short(value)}: each band must be more than 0 and at most "
                            f"{MAX_BAND_MIN} minutes", key="bands", what=what, value=value)
    if any(b <= a for a, b in zip(out, out[1:], strict=False)):
        raise ArgumentError(f"{what} {_short(value)}: bands must be increasing (10,20,30)", key="bands",
                            what=what, value=value)
    return out


def parse_percentiles(text: Any, what: str = "--percentiles") -> list[float]:
    """Percentiles, comma-separated, each in [0, 100], no repeats: ``25,50,75``."""
    value, out = _numbers(text, what)
    if len(out) > MAX_PERCENTILES:
        raise ArgumentError(f"{what}: {len(out)} percentiles, at most {MAX_PERCENTILES}", key="percentiles",
                            what=what, value=value)
    if any(not 0 <= q <= 100 for q in out):
        raise ArgumentError(f"{what} {_short(value)}: percentiles must be in [0, 100]", key="percentiles",
                            what=what, value=value)
    if len(set(out)) != len(out):
        raise ArgumentError(f"{what} {_short(value)}: a percentile is repeated", key="percentiles",
                            what=what, value=value)
    return out


# -- modes, choices, files ---------------------------------------------------------------------------

def parse_modes(text: Any, what: str = "--modes", *, allowed: Sequence[str]) -> tuple[str, ...]:
    """Comma-separated modes among ``allowed``, duplicates dropped (first order kept); not empty."""
    value = _text(text, what)
    wanted = [m.strip() for m in value.split(",") if m.strip()]
    if not wanted:
        raise ArgumentError(f"{what}: no mode given; choose among {', '.join(allowed)}", key="modes_empty",
                            what=what)
    bad = [m for m in dict.fromkeys(wanted) if m not in allowed]
    if bad:
        shown = ", ".join(_short(m, 20) for m in bad[:5])
        raise ArgumentError(f"{what}: unknown mode(s) {shown}; choose among {', '.join(allowed)}",
                            key="modes", what=what, bad=", ".join(bad[:5]), allowed=", ".join(allowed))
    return tuple(dict.fromkeys(wanted))




def _path_text(text: Any, what: str) -> str:
    value = _text(text, what, limit=4096)
    if not value:
        raise ArgumentError(f"{what}: empty path", key="path", what=what)
    if any(not ch.isprintable() for ch in value):
        raise ArgumentError(f"{what} {_short(value)}: control characters are not allowed in a path", key="path",
                            what=what, value=value)
    return value


def _shown(path: str) -> str:
    """A path in a message: as typed (it has no control character), cut when very long."""
    return path if len(path) <= 200 else _short(path, 200)


def _kind(mode: int) -> str:
    """What a non-regular file is, in a message: a folder, a FIFO, a device, a socket."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _stat(path: Path, what: str, value: str) -> os.stat_result | None:
    """``os.stat`` (following links) or None when nothing is there; the OS's other refusals (a name
    too long, a loop of links...) as ArgumentError."""
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise ArgumentError(f"{what} {_shown(value)}: {exc.strerror or exc}", key="path", what=what,
                            value=value) from None


def parse_output(text: Any, what: str = "--out", *, suffixes: Iterable[str] | None = None) -> Path:
    """An output file whose folder exists and is writable, with one of ``suffixes`` (if given).

    Refused before any work: a path with control characters (a line break), a folder, a FIFO or a
    device (``/dev/full``: a write that could only fail or hang after the work), an existing file
    that is not writable."""
    value = _path_text(text, what)
    path = Path(value)
    if suffixes is not None:
        allowed = tuple(suffixes)
        if path.suffix.lower() not in allowed:
            raise ArgumentError(f"{what} {_shown(value)}: unknown suffix {_short(path.suffix, 20)} "
                                f"(use {', '.join(allowed)})", key="suffix", what=what, value=value)
    st = _stat(path, what, value)
    if st is not None:
        if not stat.S_ISREG(st.st_mode):
            raise ArgumentError(f"{what} {_shown(value)} is {_kind(st.st_mode)}, not a file to write",
                                key="path", what=what, value=value)
        if not os.access(path, os.W_OK):
            raise ArgumentError(f"{what} {_shown(value)}: the file is not writable", key="path", what=what,
                                value=value)
    folder = path.parent
    folder_st = _stat(folder, what, value)
    if folder_st is None or not stat.S_ISDIR(folder_st.st_mode):
        raise ArgumentError(f"{what} {_shown(value)}: the folder {_shown(str(folder))} does not exist",
                            key="folder", what=what, value=value)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ArgumentError(f"{what} {_shown(value)}: the folder {_shown(str(folder))} is not writable",
                            key="folder", what=what, value=value)
    return path


def parse_input_file(text: Any, what: str, *, budget: str = "max_file_bytes") -> Path:
    """An existing, readable regular file within the size budget ``budget`` (``max_file_bytes``).

    Refused before loading: a folder, a FIFO, a device (``/dev/zero`` would be read without end),
    a file over the budget (the message names the setting), a file that cannot be read."""
    value = _path_text(text, what)
    path = Path(value)
    st = _stat(path, what, value)
    if st is None:
        raise ArgumentError(f"{what} {_shown(value)}: no such file", key="file", what=what, value=value)
    if not stat.S_ISREG(st.st_mode):
        raise ArgumentError(f"{what} {_shown(value)} is {_kind(st.st_mode)}, not a file to read", key="file",
                            what=what, value=value)
    try:
        budgets().check(budget, st.st_size, what=f"{what} {_shown(value)}")
    except BudgetExceeded as exc:
        raise ArgumentError(str(exc), key="too_large", what=what, value=value) from None
    if not os.access(path, os.R_OK):
        raise ArgumentError(f"{what} {_shown(value)}: not readable", key="file", what=what, value=value)
    return path


def typed(fn: Callable[..., Any], what: str, **kwargs: Any) -> Callable[[str], Any]:
    """``fn(text, what, **kwargs)`` as an argparse ``type`` (``what`` names the option in messages)."""

    def parse(text: str) -> Any:
        return fn(text, what, **kwargs)

    parse.__name__ = fn.__name__.removeprefix("parse_")
    return parse


#: a value that argparse would take for an option: "-1.68,48.11" (a negative first number)
_NEGATIVE_PAIR = re.compile(r"^-\d[\d.]*\s*[,;]")


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line on stderr (and exit 2), without the usage;
    ``--from -1.68,48.11`` is read as ``--from=-1.68,48.11`` (then checked as lat,lon)."""

    def parse_known_args(self, args: Sequence[str] | None = None, namespace: Any = None) -> Any:
        import sys

        argv = list(sys.argv[1:] if args is None else args)
        joined: list[str] = []
        for token in argv:
            if (joined and _NEGATIVE_PAIR.match(str(token)) and str(joined[-1]).startswith("--")
                    and "=" not in str(joined[-1])):
                joined[-1] = f"{joined[-1]}={token}"
            else:
                joined.append(token)
        return super().parse_known_args(joined, namespace)

    def error(self, message: str) -> Any:
        # "argument --at: --at '25:99' is not..." -> "--at '25:99' is not..."
        message = re.sub(r"^argument ([^:]+): (?=\1\b)", "", message)
        # argparse quotes the arguments as typed: line breaks or terminal escapes stay visible, inert
        message = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in message)
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")
