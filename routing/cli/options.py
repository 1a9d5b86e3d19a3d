"""The options every ``python -m routing`` command shares, declared once: where the data is
(``--bundle``, ``--cache``, ``--day``) and when (``--at``), with the rule that turns them into a
service day and a time on it."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from routing import args as A
from sources.cli_options import add_data_options as sources_data_options


def add_data_options(p: argparse.ArgumentParser) -> None:
    """``--bundle`` and ``--cache`` (:func:`sources.cli_options.add_data_options`, the same as
    ``python -m sources``) and ``--day``, the service day."""
    sources_data_options(p)
    p.add_argument("--day", type=A.typed(A.parse_date, "--day"),
                   help="service day (default: the feed's representative weekday)")


def add_scenario_option(p: argparse.ArgumentParser) -> None:
    """``--scenario``: what the timetable carries, as for the planner (the network every command
    and page answers on: a trip and an isochrone must not disagree)."""
    p.add_argument("--scenario", default="default",
                   help='scenario applied to the timetable: a name of assets/scenarios, a .toml path, or "none" '
                        "(default: metro a, estimated, on the 2011 bus-only feed)")


def add_place_option(p: argparse.ArgumentParser, flag: str, dest: str, *, help: str) -> None:
    """A required place (``--from``, ``--to``): a name or ``"lat,lon"``, checked by :func:`routing.args.parse_place`."""
    p.add_argument(flag, dest=dest, required=True, type=A.typed(A.parse_place, flag), help=help)


def add_at_option(p: argparse.ArgumentParser, *, help: str, **kwargs: Any) -> None:
    """``--at``: ``HH:MM[:SS]`` on the service day, or an ISO date-time (local, or with an offset)."""
    p.add_argument("--at", type=A.typed(A.parse_at, "--at"), help=help, **kwargs)


def service_day(args: argparse.Namespace) -> dt.date | None:
    """The service day a command asks for: ``--day``, else the date of an ISO ``--at``, else None
    (the feed's representative weekday)."""
    if getattr(args, "day", None) is not None:
        return args.day
    at = getattr(args, "at", None)
    return at.date() if isinstance(at, dt.datetime) else None


def at_on(day: dt.date, at: dt.datetime | dt.time | None, *, default: dt.time = dt.time(8, 0)) -> dt.datetime:
    """``--at`` as a date-time: a time of day (or none: ``default``) falls on ``day``."""
    if isinstance(at, dt.datetime):
        return at
    return dt.datetime.combine(day, at if at is not None else default)


def timetable_day(args: argparse.Namespace) -> dt.date:
    """:func:`service_day`, or the feed's representative weekday when the command names none."""
    day = service_day(args)
    if day is None:
        from routing.network.inputs import default_service_day

        day = default_service_day(bundle=args.bundle, cache=args.cache)
        if day is None:
            raise ValueError("the GTFS feed has no service day: give --day or a date with --at")
    return day
