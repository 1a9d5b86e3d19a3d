"""Scenarios: "what if Rennes had this line?", applied to a compiled service day.

A scenario is a TOML file (``assets/scenarios/*.toml``, or any path) with a ``name``, a
``description`` (French; ``name_en`` and ``description_en`` in English, shown on the English page),
the ``sources`` of every figure it uses (``title``, optional ``title_en``, ``url``, ``date``), and a list of
``[[modifications]]``. :func:`load_scenario` reads and validates it (budget, types,
ranges) without any network; :func:`apply_scenario` applies it to a
:class:`~routing.transit.timetable.Timetable` and :func:`with_scenario` to a whole
:class:`~routing.network.assemble.Network`, both returning NEW objects: the baseline is never
altered and nothing is rebuilt from GTFS.

Modifications (``type = ...``)
------------------------------
``add_line``
    ``id``, ``name`` (short name), ``mode`` (metro, tram, bus), ``color``; ``stops``: ordered
    list of existing stop ids (str) or new stops ``{id, name, lon, lat}``; ``both_directions``
    (default true); service as ``periods = [{start, end, headway_min}]`` (runs leave the first
    stop at ``start + k * headway`` while before ``end``) plus an optional ``last_departure``,
    or explicit ``departures = ["05:20", ...]``; running time as ``segment_s`` (one per pair
    of consecutive stops), ``speed_kmh`` (running speed, dwell added) or ``end_to_end_min``
    (first departure to last arrival, split by straight-line distance after the dwells);
    ``dwell_s`` (default 20). Runs of periods keep their headway in
    :attr:`Timetable.trip_headway_s`: their times are estimated from a frequency.
    New stops get walking transfers like any stop: on the walk graph (through
    :mod:`routing.linking`) in :func:`with_scenario`, in straight line x 1.3 in
    :func:`apply_scenario`.
``remove_line``
    ``route`` (route id or short name): every trip of the route is removed.
``remove_trips``
    ``route`` and optional ``start``/``end``: trips of the route whose first departure lies
    in [start, end) are removed.
``change_frequency``
    ``route``, ``start``, ``end``, ``factor`` (headway multiplier: 0.5 runs twice as often):
    per pattern (same stop sequence), the runs leaving within the window are replaced by
    copies of the nearest original run every ``factor`` x the mean headway.
``change_speed``
    ``route``, ``factor`` (running-time multiplier: 0.8 is 20 % faster), optional
    ``start``/``end`` window on the first departure.
    ``wheelchair_accessible`` (default false): the line's route and its new stops are
    step-free (the wheelchair profile boards and alights there; state the source).
``add_park_ride``, ``add_bikeshare_station``
    ``id``, ``name``, ``lon``, ``lat``, ``capacity``: a point of service (network level).
``make_stop_accessible``
    ``stop`` (a stop id): the stop becomes wheelchair accessible (the wheelchair profile may
    board and alight there); ``name`` optional, for the reader.

Times are "HH:MM" or "HH:MM:SS", hours up to 47 (after midnight of the service day:
"24:30"); every run must also arrive before 48:00 (:data:`DAY_BOUND_S`). Numbers are finite
and within stated ranges (:data:`RANGES`): speed 1-150 km/h, a segment 1 s-2 h, end to end
at most 6 h, headway 1 min-6 h, dwell 0-600 s. ``extends = "other.toml"`` applies another
scenario first: a file NAME (no folder part) found in the file's own folder or in
:data:`SCENARIO_DIR`, a regular file within :data:`MAX_SCENARIO_BYTES`; at most
:data:`MAX_EXTENDS_DEPTH` levels, a cycle is refused as a cycle.

Errors
------
Every refusal is a :class:`ScenarioError` whose message names the file, the modification
(number and type) and the field: an unknown stop or route, a headway <= 0, a period that
ends before it starts, two consecutive stops more than :data:`MAX_SEGMENT_M` apart, a file
over :data:`MAX_SCENARIO_BYTES` or nested deeper than Python parses, an unknown modification
type or field, a number out of its range, more connections added than the budget
``max_scenario_connections`` (:mod:`sources.budgets`, counted from the periods before any
array is built; the message names the setting that raises it).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import stat
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from routing.clock import SERVICE_DAY_H, ClockError, format_clock, parse_clock
from routing.constants import UNREACHABLE_I32
from routing.errors import TimetableError
from routing.messages import Fmt, Msg
from routing.transit.timetable import (
    Timetable,
    _csr,
    check_connections,
    order_connections,
    straight_line_footpaths,
)
from sources.budgets import BudgetExceeded, budgets
from sources.geo import FRANCE_BBOX, haversine_m, in_bbox

#: the scenarios versioned with the project
SCENARIO_DIR = Path(__file__).resolve().parents[2] / "assets" / "scenarios"
#: the scenario the planner applies to the 2011 bundle by default ("none": the bare feed)
DEFAULT_SCENARIO = "metro-a"
#: the year of the bundle's only complete timetable (bus only: its metro comes from a scenario)
BUNDLE_TIMETABLE_YEAR = 2011
#: budgets, checked before any work
MAX_SCENARIO_BYTES = 256 * 1024
MAX_MODIFICATIONS = 100
MAX_STOPS_PER_LINE = 200
MAX_RUNS_PER_LINE = 5000
MAX_EXTENDS_DEPTH = 4
#: two consecutive stops of an added line farther apart than this are refused
MAX_SEGMENT_M = 30_000.0
#: every connection of a scenario departs at or after 0 and arrives before this (the service
#: day's clock of routing.clock: 48:00)
DAY_BOUND_S = SERVICE_DAY_H * 3600
#: the allowed range of each number a scenario gives: field -> (lowest, highest, unit)
RANGES: dict[str, tuple[float, float, str]] = {
    "speed_kmh": (1.0, 150.0, "km/h"),
    "segment_s": (1.0, 2 * 3600.0, "s"),
    "end_to_end_min": (0.1, 6 * 60.0, "min"),
    "headway_min": (1.0, 6 * 60.0, "min"),
    "dwell_s": (0.0, 600.0, "s"),
    "change_frequency.factor": (0.01, 100.0, ""),
    "change_speed.factor": (0.1, 10.0, ""),
    "capacity": (1.0, 100_000.0, "places"),
}
#: the shortest headway (s) of an added line or of a route whose frequency is changed
MIN_HEADWAY_S = int(RANGES["headway_min"][0] * 60)
MODES = {"tram": 0, "metro": 1, "bus": 3}
MODIFICATION_TYPES = ("add_line", "remove_line", "remove_trips", "change_frequency", "change_speed",
                      "add_park_ride", "add_bikeshare_station", "make_stop_accessible")
_COLOR = re.compile(r"^#?[0-9A-Fa-f]{6}$")
_FIELDS = {
    "add_line": {"type", "id", "name", "long_name", "mode", "color", "stops", "both_directions",
                 "periods", "last_departure", "departures", "segment_s", "speed_kmh",
                 "end_to_end_min", "dwell_s", "wheelchair_accessible"},
    "remove_line": {"type", "route"},
    "remove_trips": {"type", "route", "start", "end"},
    "change_frequency": {"type", "route", "start", "end", "factor"},
    "change_speed": {"type", "route", "factor", "start", "end"},
    "add_park_ride": {"type", "id", "name", "lon", "lat", "capacity"},
    "add_bikeshare_station": {"type", "id", "name", "lon", "lat", "capacity"},
    "make_stop_accessible": {"type", "stop", "name"},
}
_TOP_FIELDS = {"name", "name_en", "description", "description_en", "sources", "modifications", "extends", "version"}


#: i18n key of the note carried by every leg on a run whose times are estimated from a frequency
NOTE_ESTIMATED = "note.metro_estimated"


def estimated_note(headway_s: int) -> Any:
    """The note of a leg on a run estimated from a frequency of one vehicle every ``headway_s``
    (a :class:`routing.messages.Msg`: English text, translated by its key in the dashboard)."""
    from routing.messages import Msg

    return Msg(NOTE_ESTIMATED, minutes=round(headway_s / 60, 1))  # "1,5" in French when rendered


class ScenarioError(ValueError):
    """A scenario that cannot be applied; names the file, the modification and the field."""

    def __init__(self, message: str, *, file: str | None = None, modification: str | None = None,
                 field: str | None = None) -> None:
        self.file, self.modification, self.field, self.reason = file, modification, field, message
        self.msg = message  # a Msg (scen.error.* key) for the reader's language; its str is English
        where = ", ".join(p for p in (f"file {file}" if file else "",
                                      f"modification {modification}" if modification else "",
                                      f"field {field!r}" if field else "") if p)
        super().__init__(f"{message} ({where})" if where else message)

    def render(self, lang: str = "fr") -> str:
        """The refusal in ``lang``, naming the file, the modification and the field in ``lang`` too."""
        from sources.errors import render_error

        return render_error(self.msg, lang, file=self.file, modification=self.modification, field=self.field)


@dataclass(frozen=True)
class Scenario:
    """A validated scenario (see the module docstring); ``modifications`` are normalised dicts."""

    name: str
    description: str = ""
    sources: tuple[dict[str, str], ...] = ()
    modifications: tuple[dict[str, Any], ...] = ()
    file: str = ""
    digest: str = ""
    #: the English name and description (``name`` and ``description`` are French, the fallback)
    name_en: str = ""
    description_en: str = ""

    def name_in(self, lang: str) -> str:
        """The name in ``lang`` (fr or en), French when the file has no English one."""
        return (self.name_en if lang == "en" else "") or self.name

    def description_in(self, lang: str) -> str:
        return (self.description_en if lang == "en" else "") or self.description

    @property
    def added_lines(self) -> list[dict[str, Any]]:
        return [m for m in self.modifications if m["type"] == "add_line"]

    def summary(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for m in self.modifications:
            counts[m["type"]] = counts.get(m["type"], 0) + 1
        return {"name": self.name, "file": self.file, "modifications": counts, "digest": self.digest}


# ---------------------------------------------------------------------------
# reading and validation
# ---------------------------------------------------------------------------

def scenario_path(name: str | Path) -> Path:
    """``name`` as a path: an existing file, or a scenario of :data:`SCENARIO_DIR` (``metro-b``)."""
    path = Path(name)
    if path.exists():
        return path
    for cand in (SCENARIO_DIR / f"{name}.toml", SCENARIO_DIR / str(name)):
        if cand.exists():
            return cand
    raise ScenarioError(Msg("error.file_not_found"), file=str(name))


def available_scenarios() -> list[Path]:
    """The scenario files versioned with the project."""
    return sorted(SCENARIO_DIR.glob("*.toml"))


def load_scenario(source: str | Path, *, _chain: tuple[Path, ...] = ()) -> Scenario:
    """Read and validate a scenario file (a path, or a name of :data:`SCENARIO_DIR`).

    The file must be a regular file (not a folder, a device or a pipe) within
    :data:`MAX_SCENARIO_BYTES`; its ``extends`` resolves in its own folder or :data:`SCENARIO_DIR`.
    """
    path = scenario_path(source)
    data = _read_file(path)
    return parse_scenario(data, file=path.name, folder=path.resolve().parent,
                          _chain=(*_chain, path.resolve()))


def _read_file(path: Path) -> bytes:
    """The bytes of a scenario file, checked before reading: a regular file, size within budget."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise ScenarioError(Msg("scen.error.not_regular"), file=path.name)
        if info.st_size > MAX_SCENARIO_BYTES:
            raise ScenarioError(Msg("scen.error.too_big", size=info.st_size, limit=MAX_SCENARIO_BYTES),
                                file=path.name)
        with path.open("rb") as fh:
            return fh.read(MAX_SCENARIO_BYTES + 1)  # a file growing meanwhile is refused by parse_scenario
    except OSError as exc:
        raise ScenarioError(Msg("error.cannot_read", detail=exc.strerror or str(exc)), file=path.name) from None


def _extends_target(name: Any, folders: tuple[Path, ...], *, file: str) -> Path:
    """The scenario ``extends = name`` names: a file name (``metro-a`` or ``metro-a.toml``) of one of
    ``folders``, resolved inside that folder (a link leading out of it is refused), a regular file."""
    where = Fmt("join", [Msg("scen.where.assets" if f == SCENARIO_DIR else "scen.where.here") for f in folders],
                sep=", ")
    if (not isinstance(name, str) or not name.strip() or name.strip() in (".", "..")
            or any(c in name for c in "/\\\0:")):
        raise ScenarioError(Msg("scen.error.extends_name", text=repr(name), where=where), file=file, field="extends")
    name = name.strip()
    for folder in folders:
        home = folder.resolve()
        for cand in (name, f"{name}.toml"):
            target = (home / cand).resolve()
            if target.parent == home and target.is_file():
                return target
    raise ScenarioError(Msg("scen.error.extends_not_found", name=name, where=where), file=file, field="extends")


def _load_parent(name: Any, *, file: str, folder: Path | None, chain: tuple[Path, ...]) -> Scenario:
    folders = (SCENARIO_DIR,) if folder is None or folder == SCENARIO_DIR.resolve() else (folder, SCENARIO_DIR)
    target = _extends_target(name, folders, file=file)
    if target in chain:
        names = [p.name for p in chain[chain.index(target):]] + [target.name]
        raise ScenarioError(Msg("scen.error.extends_cycle", names=" → ".join(names)), file=file, field="extends")
    if len(chain) > MAX_EXTENDS_DEPTH:
        raise ScenarioError(Msg("scen.error.extends_deep", n=MAX_EXTENDS_DEPTH), file=file, field="extends")
    return load_scenario(target, _chain=chain)


def parse_scenario(data: bytes | str, *, file: str = "<scenario>", folder: Path | None = None,
                   _chain: tuple[Path, ...] = ()) -> Scenario:
    """Validate scenario TOML text (bytes from an upload: size-checked, UTF-8, never executed).

    ``extends`` resolves in ``folder`` (the file's own, when read from a file) or
    :data:`SCENARIO_DIR` (the only place for text without a folder, such as an upload).
    """
    if isinstance(data, bytes):
        if len(data) > MAX_SCENARIO_BYTES:
            raise ScenarioError(Msg("scen.error.too_big", size=len(data), limit=MAX_SCENARIO_BYTES), file=file)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ScenarioError(Msg("scen.error.not_utf8", detail=exc.reason), file=file) from exc
    else:
        text = data
    if len(text) > MAX_SCENARIO_BYTES:
        raise ScenarioError(Msg("scen.error.text_too_long", size=len(text), limit=MAX_SCENARIO_BYTES), file=file)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(Msg("scen.error.not_toml", detail=str(exc)), file=file) from exc
    except RecursionError:
        # tomllib parses nested arrays and inline tables recursively: 2,000 "[" are 4 kB
        raise ScenarioError(Msg("scen.error.toml_deep"), file=file) from None
    unknown = set(doc) - _TOP_FIELDS
    if unknown:
        raise ScenarioError(Msg("scen.error.unknown_field"), file=file, field=sorted(unknown)[0])
    name = doc.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ScenarioError(Msg("scen.error.no_name"), file=file, field="name")
    desc = doc.get("description", "")
    if not isinstance(desc, str):
        raise ScenarioError(Msg("scen.error.not_text", field="description"), file=file, field="description")
    for field_en in ("name_en", "description_en"):
        if not isinstance(doc.get(field_en, ""), str):
            raise ScenarioError(Msg("scen.error.not_text", field=field_en), file=file, field=field_en)
    sources = doc.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(s, dict) for s in sources):
        raise ScenarioError(Msg("scen.error.list_of_tables", field="sources"), file=file, field="sources")
    for i, src in enumerate(sources):
        if not isinstance(src.get("title"), str) or not isinstance(src.get("url", ""), str):
            raise ScenarioError(Msg("scen.error.source_title"), file=file, field=f"sources[{i}].title")
    mods = doc.get("modifications", [])
    if not isinstance(mods, list):
        raise ScenarioError(Msg("scen.error.list_of_tables", field="modifications"), file=file, field="modifications")
    if len(mods) > MAX_MODIFICATIONS:
        raise ScenarioError(Msg("scen.error.too_many_modifications", n=MAX_MODIFICATIONS), file=file,
                            field="modifications")
    inherited: tuple[dict[str, Any], ...] = ()
    if "extends" in doc:
        parent = _load_parent(doc["extends"], file=file, folder=folder, chain=_chain)
        inherited = parent.modifications
        sources = [*parent.sources, *sources]
    added = sum(added_connections(m) for m in inherited)
    normalised = []
    for i, m in enumerate(mods):
        mod = _modification(m, i, file)
        # counted from the periods as each modification is read, before any array is built
        added += added_connections(mod)
        check_connection_budget(added, file=file, modification=mod["label"],
                                field=_service_field(m) if mod["type"] == "add_line" else None)
        normalised.append(mod)
    all_mods = (*inherited, *normalised)
    digest = hashlib.sha256(json.dumps([name, all_mods], sort_keys=True, default=str).encode()).hexdigest()[:16]
    return Scenario(name=name.strip(), description=desc, sources=tuple(dict(s) for s in sources),
                    modifications=all_mods, file=file, digest=digest,
                    name_en=doc.get("name_en", "").strip(), description_en=doc.get("description_en", ""))


def added_connections(mod: dict[str, Any]) -> int:
    """Connections a normalised ``add_line`` adds: runs x directions x (stops - 1); 0 for the others
    (a change of frequency is counted when applied: it depends on the timetable)."""
    if mod["type"] != "add_line":
        return 0
    return len(mod["runs"]) * (2 if mod["both_directions"] else 1) * (len(mod["stops"]) - 1)


def _service_field(m: dict[str, Any]) -> str:
    """The field giving an added line's runs."""
    return "departures" if "departures" in m else "periods"


def check_connection_budget(total: int, *, file: str, modification: str | None = None,
                            field: str | None = None) -> None:
    """Refuse a scenario adding more than the budget ``max_scenario_connections`` (a
    :class:`ScenarioError` whose message is the budget's: the limit, the value, the setting)."""
    try:
        budgets().check("max_scenario_connections", int(total))
    except BudgetExceeded as exc:
        raise ScenarioError(exc.msg, file=file, modification=modification, field=field) from exc


def _ranged(value: Any, key: str, ctx: tuple[str, str], *, fld: str | None = None,
            positive: bool = False) -> float:
    """``value`` as a float within ``RANGES[key]`` (finite; > 0 too when ``positive``), else a
    :class:`ScenarioError` naming the field and the allowed range."""
    lo, hi, unit = RANGES[key]
    name = fld or key.rpartition(".")[2]
    ok = (not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)
          and lo <= value <= hi and (value > 0 or not positive))
    if not ok:
        raise ScenarioError(Msg("scen.error.range", field=name, lo=float(lo), hi=float(hi), unit=unit, text=repr(value)),
                            file=ctx[0], modification=ctx[1], field=name)
    return float(value)


def parse_time_s(value: Any, *, file: str, mod: str, fld: str) -> int:
    """Seconds since the service day's midnight of "HH:MM[:SS]", past midnight allowed (hours below 48,
    the range rule of :mod:`routing.clock`)."""
    try:
        return parse_clock(value, max_hours=SERVICE_DAY_H)
    except ClockError:
        raise ScenarioError(Msg("scen.error.not_time", text=repr(value)), file=file, modification=mod,
                            field=fld) from None


def _text(m: dict[str, Any], key: str, ctx: tuple[str, str], *, required: bool = True, default: str = "") -> str:
    value = m.get(key, default)
    if not isinstance(value, str) or (required and not value.strip()):
        raise ScenarioError(Msg("scen.error.not_text", field=key), file=ctx[0], modification=ctx[1], field=key)
    return value.strip()


def _window(m: dict[str, Any], ctx: tuple[str, str], *, required: bool) -> tuple[int, int]:
    if not required and "start" not in m and "end" not in m:
        return 0, 48 * 3600
    start = parse_time_s(m.get("start", "00:00"), file=ctx[0], mod=ctx[1], fld="start")
    end = parse_time_s(m.get("end", "47:59"), file=ctx[0], mod=ctx[1], fld="end")
    if end <= start:
        raise ScenarioError(Msg("scen.error.period_order"), file=ctx[0], modification=ctx[1], field="end")
    return start, end


def _modification(m: Any, i: int, file: str) -> dict[str, Any]:
    if not isinstance(m, dict):
        raise ScenarioError(Msg("scen.error.not_a_table"), file=file, modification=f"#{i + 1}")
    kind = m.get("type")
    if not isinstance(kind, str) or kind not in _FIELDS:
        raise ScenarioError(Msg("scen.error.unknown_type", text=repr(kind), allowed=", ".join(MODIFICATION_TYPES)),
                            file=file, modification=f"#{i + 1}", field="type")
    label = f"#{i + 1} ({kind}{' ' + repr(m['id']) if isinstance(m.get('id'), str) else ''})"
    ctx = (file, label)
    extra = set(m) - _FIELDS[kind]
    if extra:
        raise ScenarioError(Msg("scen.error.unknown_field"), file=file, modification=label, field=sorted(extra)[0])
    out: dict[str, Any] = {"type": kind, "label": label}
    if kind == "add_line":
        out.update(_add_line(m, ctx))
    elif kind in ("remove_line", "remove_trips", "change_frequency", "change_speed"):
        out["route"] = _text(m, "route", ctx)
        if kind != "remove_line":
            out["start_s"], out["end_s"] = _window(m, ctx, required=kind == "change_frequency")
        if kind in ("change_frequency", "change_speed"):
            out["factor"] = _ranged(m.get("factor"), f"{kind}.factor", ctx)
    elif kind == "make_stop_accessible":
        out["stop"] = _text(m, "stop", ctx)
        out["name"] = _text(m, "name", ctx, required=False)
    else:
        out["id"] = _text(m, "id", ctx)
        out["name"] = _text(m, "name", ctx)
        out["lon"], out["lat"] = _lonlat(m, ctx, "")
        out["capacity"] = _ranged(m.get("capacity"), "capacity", ctx)
    return out


def _lonlat(m: dict[str, Any], ctx: tuple[str, str], prefix: str) -> tuple[float, float]:
    lon, lat = m.get("lon"), m.get("lat")
    for key, v in (("lon", lon), ("lat", lat)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ScenarioError(Msg("scen.error.degrees", field=key), file=ctx[0], modification=ctx[1],
                                field=prefix + key)
    if not in_bbox(lon, lat, FRANCE_BBOX):
        raise ScenarioError(Msg("scen.error.outside_france", lon=float(lon), lat=float(lat)), file=ctx[0],
                            modification=ctx[1],
                            field=prefix + "lon")
    return float(lon), float(lat)


def _add_line(m: dict[str, Any], ctx: tuple[str, str]) -> dict[str, Any]:
    file, label = ctx
    out: dict[str, Any] = {"id": _text(m, "id", ctx)}
    out["name"] = _text(m, "name", ctx, required=False, default=out["id"])
    out["long_name"] = _text(m, "long_name", ctx, required=False)
    mode = m.get("mode", "bus")
    if not isinstance(mode, str) or mode not in MODES:
        raise ScenarioError(Msg("finding.unknown_code", field="mode", allowed=", ".join(MODES)), file=file,
                            modification=label, field="mode")
    out["mode"], out["route_type"] = mode, MODES[mode]
    color = m.get("color", "777777")
    if not isinstance(color, str) or not _COLOR.match(color):
        raise ScenarioError(Msg("scen.error.colour"), file=file, modification=label, field="color")
    out["color"] = color.lstrip("#").upper()
    wheelchair = m.get("wheelchair_accessible", False)
    if not isinstance(wheelchair, bool):
        raise ScenarioError(Msg("scen.error.boolean", field="wheelchair_accessible"), file=file, modification=label,
                            field="wheelchair_accessible")
    out["wheelchair"] = wheelchair
    stops = m.get("stops")
    if not isinstance(stops, list) or len(stops) < 2:
        raise ScenarioError(Msg("scen.error.two_stops"), file=file, modification=label, field="stops")
    if len(stops) > MAX_STOPS_PER_LINE:
        raise ScenarioError(Msg("scen.error.too_many_stops", n=MAX_STOPS_PER_LINE), file=file, modification=label,
                                field="stops")
    norm = []
    for k, s in enumerate(stops):
        if isinstance(s, str) and s.strip():
            norm.append({"id": s.strip(), "new": False})
        elif isinstance(s, dict):
            extra = set(s) - {"id", "name", "lon", "lat"}
            if extra:
                raise ScenarioError(Msg("scen.error.unknown_field"), file=file, modification=label,
                                    field=f"stops[{k}].{sorted(extra)[0]}")
            lon, lat = _lonlat(s, ctx, f"stops[{k}].")
            name = s.get("name")
            if not isinstance(name, str) or not name.strip():
                raise ScenarioError(Msg("scen.error.stop_name"), file=file, modification=label,
                                    field=f"stops[{k}].name")
            sid = s.get("id", f"{out['id']}:{k + 1}")
            if not isinstance(sid, str) or not sid.strip():
                raise ScenarioError(Msg("scen.error.not_text", field="id"), file=file, modification=label,
                                    field=f"stops[{k}].id")
            norm.append({"id": sid.strip(), "new": True, "name": name.strip(), "lon": lon, "lat": lat})
        else:
            raise ScenarioError(Msg("scen.error.stop_shape"), file=file,
                                modification=label, field=f"stops[{k}]")
    out["stops"] = norm
    # consecutive new stops can be checked now; existing ones when applied
    for k in range(len(norm) - 1):
        a, b = norm[k], norm[k + 1]
        if a["new"] and b["new"]:
            _check_gap(a, b, k, ctx)
    out["both_directions"] = bool(m.get("both_directions", True))
    out["dwell_s"] = _ranged(m.get("dwell_s", 20.0), "dwell_s", ctx)
    # service
    runs: list[tuple[int, int]] = []
    if "departures" in m and "periods" in m:
        raise ScenarioError(Msg("scen.error.periods_or_departures"), file=file, modification=label,
                            field="departures")
    if "departures" in m:
        deps = m["departures"]
        if not isinstance(deps, list) or not deps:
            raise ScenarioError(Msg("scen.error.departures_list"), file=file, modification=label,
                                field="departures")
        runs = [(parse_time_s(d, file=file, mod=label, fld=f"departures[{k}]"), 0) for k, d in enumerate(deps)]
    elif "periods" in m:
        periods = m["periods"]
        if not isinstance(periods, list) or not periods:
            raise ScenarioError(Msg("scen.error.list_of_tables", field="periods"), file=file, modification=label,
                                field="periods")
        for k, p in enumerate(periods):
            fld = f"periods[{k}]"
            if not isinstance(p, dict) or set(p) - {"start", "end", "headway_min"}:
                raise ScenarioError(Msg("scen.error.period_shape"), file=file, modification=label, field=fld)
            start = parse_time_s(p.get("start"), file=file, mod=label, fld=f"{fld}.start")
            end = parse_time_s(p.get("end"), file=file, mod=label, fld=f"{fld}.end")
            if end <= start:
                raise ScenarioError(Msg("scen.error.period_order"), file=file, modification=label,
                                    field=f"{fld}.end")
            h = _ranged(p.get("headway_min"), "headway_min", ctx, fld=f"{fld}.headway_min")
            h_s = int(round(h * 60))
            # counted before the list is built
            if len(runs) + math.ceil((end - start) / h_s) > MAX_RUNS_PER_LINE:
                raise ScenarioError(Msg("scen.error.too_many_runs", n=MAX_RUNS_PER_LINE), file=file, modification=label,
                                    field=fld)
            runs += [(int(t), h_s) for t in range(start, end, h_s)]
        if "last_departure" in m:
            last = parse_time_s(m["last_departure"], file=file, mod=label, fld="last_departure")
            if last > max(t for t, _ in runs):
                runs.append((last, runs[-1][1]))
    else:
        raise ScenarioError(Msg("scen.error.no_service"), file=file, modification=label,
                            field="periods")
    if len(runs) > MAX_RUNS_PER_LINE:
        raise ScenarioError(Msg("scen.error.too_many_runs", n=MAX_RUNS_PER_LINE), file=file, modification=label,
                            field=_service_field(m))
    out["runs"] = sorted(set(runs))
    # running times
    given = [k for k in ("segment_s", "speed_kmh", "end_to_end_min") if k in m]
    if len(given) != 1:
        raise ScenarioError(Msg("scen.error.one_timing"), file=file,
                            modification=label, field="segment_s")
    out["timing"] = given[0]
    if given[0] == "segment_s":
        seg = m["segment_s"]
        if not isinstance(seg, list) or len(seg) != len(norm) - 1:
            raise ScenarioError(Msg("scen.error.segments", n=len(norm) - 1),
                                file=file, modification=label, field="segment_s")
        out["segment_s"] = [_ranged(x, "segment_s", ctx, fld=f"segment_s[{k}]") for k, x in enumerate(seg)]
    else:
        out[given[0]] = _ranged(m[given[0]], given[0], ctx, positive=True)
    return out


def _check_gap(a: dict[str, Any], b: dict[str, Any], k: int, ctx: tuple[str, str]) -> float:
    d = float(haversine_m(np.array([a["lon"]]), np.array([a["lat"]]), np.array([b["lon"]]), np.array([b["lat"]]))[0])
    if d > MAX_SEGMENT_M:
        raise ScenarioError(Msg("scen.error.stops_apart", a=k + 1, b=k + 2, km=Fmt("decimal", d / 1000, 1),
                                max_km=round(MAX_SEGMENT_M / 1000)), file=ctx[0], modification=ctx[1],
                            field=f"stops[{k + 1}]")
    return d


# ---------------------------------------------------------------------------
# applying to a timetable
# ---------------------------------------------------------------------------

@dataclass
class Applied:
    """What :func:`apply_scenario` did: the new timetable, the new stops and points, counts."""

    timetable: Timetable
    new_stops: np.ndarray  # indices of the stops added
    points: dict[str, pd.DataFrame] = field(default_factory=dict)
    stats: dict[str, int] = field(default_factory=dict)


def apply_scenario(tt: Timetable, scenario: Scenario, *, new_stop_footpaths: Any = None,
                   max_transfer_s: float = 600.0) -> Timetable:
    """A new timetable: ``tt`` with the scenario's modifications (``tt`` is not modified).

    ``new_stop_footpaths(lon, lat, new_idx) -> DataFrame(from_stop, to_stop, duration_s)`` computes
    the walking transfers of the added stops (default: straight line x 1.3, as
    :func:`~routing.transit.timetable.straight_line_footpaths`). Raises :class:`ScenarioError`.
    """
    return apply_scenario_full(tt, scenario, new_stop_footpaths=new_stop_footpaths,
                               max_transfer_s=max_transfer_s).timetable


def apply_scenario_full(tt: Timetable, scenario: Scenario, *, new_stop_footpaths: Any = None,
                        max_transfer_s: float = 600.0) -> Applied:
    """As :func:`apply_scenario`, also returning the added stops, points and counts."""
    b = _Builder(tt, scenario.file)
    for mod in scenario.modifications:
        getattr(b, mod["type"])(mod)
    return b.finish(new_stop_footpaths, max_transfer_s)


class _Builder:
    """Copies of the timetable's arrays, changed modification by modification."""

    def __init__(self, tt: Timetable, file: str) -> None:
        self.tt, self.file = tt, file
        self.stop_ids = list(tt.stop_ids.tolist())
        self.stop_index = {s: i for i, s in enumerate(self.stop_ids)}
        self.new_stops: list[dict[str, Any]] = []
        self.trip_ids = list(tt.trip_ids.tolist())
        self.trip_route = list(tt.trip_route.tolist())
        self.trip_headway = list(tt.trip_headway_s.tolist())
        self.trip_headsign = list(tt.trip_headsigns.tolist())
        self.trip_offset = list(tt.trip_day_offset.tolist())
        self.routes = {"id": list(tt.route_ids.tolist()), "short": list(tt.route_short_names.tolist()),
                       "color": list(tt.route_colors.tolist()), "type": list(tt.route_types.tolist())}
        self.keep = np.ones(tt.n_connections, dtype=bool)
        self.conn_changed: dict[str, np.ndarray] | None = None  # dep_time/arr_time after change_speed
        self.added: list[dict[str, np.ndarray]] = []
        self.points: dict[str, list[dict[str, Any]]] = {}
        self.stats: dict[str, int] = {}
        #: wheelchair accessibility set by add_line / make_stop_accessible: index -> GTFS code
        self.stop_flags: dict[int, int] = {}
        self.route_flags: dict[int, int] = {}
        self.n_added = 0  # connections added so far (the budget max_scenario_connections)

    def _count(self, key: str, n: int) -> None:
        self.stats[key] = self.stats.get(key, 0) + int(n)

    def _will_add(self, n: int, mod: dict[str, Any], fld: str) -> None:
        """Count ``n`` connections about to be added; refused over the budget, before they are built."""
        self.n_added += int(n)
        check_connection_budget(self.n_added, file=self.file, modification=mod["label"], field=fld)

    def _within_day(self, arrivals: np.ndarray, departures: np.ndarray, mod: dict[str, Any], fld: str) -> None:
        """Refuse a modification whose runs would arrive at or after 48:00 (the service day's clock)."""
        late = np.flatnonzero(np.asarray(arrivals) >= DAY_BOUND_S)
        if len(late):
            k = int(late[np.argmax(np.asarray(arrivals)[late])])
            raise ScenarioError(Msg("scen.error.after_day", dep=format_clock(int(departures[k])),
                                    arr=format_clock(int(arrivals[k])), hours=SERVICE_DAY_H),
                                file=self.file, modification=mod["label"], field=fld)

    def _coords(self, i: int) -> tuple[float, float]:
        n = self.tt.n_stops
        if i < n:
            return float(self.tt.stop_lon[i]), float(self.tt.stop_lat[i])
        s = self.new_stops[i - n]
        return s["lon"], s["lat"]

    # -- routes ------------------------------------------------------------------------------
    def _route_trips(self, mod: dict[str, Any]) -> np.ndarray:
        key = mod["route"]
        ids = [i for i, (r, s) in enumerate(zip(self.routes["id"], self.routes["short"], strict=True))
               if key in (r, s)]
        if not ids:
            raise ScenarioError(Msg("scen.error.unknown_route", text=repr(key)), file=self.file,
                                modification=mod["label"], field="route")
        return np.flatnonzero(np.isin(np.asarray(self.trip_route), ids))

    def _times(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """dep_time, arr_time, trip, keep over baseline and added connections (int64)."""
        tt = self.tt
        dep = self.conn_changed["dep_time"] if self.conn_changed else tt.dep_time.astype(np.int64)
        arr = self.conn_changed["arr_time"] if self.conn_changed else tt.arr_time.astype(np.int64)
        return dep, arr, tt.trip, self.keep

    def _first_departure(self) -> np.ndarray:
        """First departure (s) of every trip (baseline connections still kept), INF when none."""
        dep, _, trip, keep = self._times()
        first = np.full(len(self.trip_ids), np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(first, trip[keep], dep[keep])
        for part in self.added:
            np.minimum.at(first, part["trip"], part["dep_time"])
        return first

    def _drop_trips(self, trips: np.ndarray) -> int:
        mask = np.isin(self.tt.trip, trips)
        n = int((mask & self.keep).sum())
        self.keep &= ~mask
        for part in self.added:
            part["_keep"] = part.get("_keep", np.ones(len(part["trip"]), bool)) & ~np.isin(part["trip"], trips)
        return n

    def remove_line(self, mod: dict[str, Any]) -> None:
        trips = self._route_trips(mod)
        self._count("connections_removed", self._drop_trips(trips))
        self._count("trips_removed", len(trips))

    def remove_trips(self, mod: dict[str, Any]) -> None:
        trips = self._route_trips(mod)
        first = self._first_departure()[trips]
        sel = trips[(first >= mod["start_s"]) & (first < mod["end_s"])]
        self._count("connections_removed", self._drop_trips(sel))
        self._count("trips_removed", len(sel))

    def change_speed(self, mod: dict[str, Any]) -> None:
        trips = self._route_trips(mod)
        first = self._first_departure()
        sel = trips[(first[trips] >= mod["start_s"]) & (first[trips] < mod["end_s"])]
        dep, arr, trip, _ = self._times()
        dep, arr = dep.copy(), arr.copy()
        mask = np.isin(trip, sel)
        t0 = first[trip[mask]]
        f = mod["factor"]
        dep[mask] = t0 + np.rint((dep[mask] - t0) * f).astype(np.int64)
        arr[mask] = np.maximum(t0 + np.rint((arr[mask] - t0) * f).astype(np.int64), dep[mask])
        self._within_day(arr[mask], t0, mod, "factor")
        retimed = []
        for part in self.added:
            pm = np.isin(part["trip"], sel)
            if pm.any():
                p0 = first[part["trip"][pm]]
                p_dep = p0 + np.rint((part["dep_time"][pm] - p0) * f).astype(np.int64)
                p_arr = np.maximum(p0 + np.rint((part["arr_time"][pm] - p0) * f).astype(np.int64), p_dep)
                self._within_day(p_arr, p0, mod, "factor")
                retimed.append((part, pm, p_dep, p_arr))
        # nothing is changed until every run is known to stay within the day
        self.conn_changed = {"dep_time": dep, "arr_time": arr}
        for part, pm, p_dep, p_arr in retimed:
            part["dep_time"][pm], part["arr_time"][pm] = p_dep, p_arr
        self._count("trips_retimed", len(sel))

    def change_frequency(self, mod: dict[str, Any]) -> None:
        trips = self._route_trips(mod)
        first = self._first_departure()
        in_win = trips[(first[trips] >= mod["start_s"]) & (first[trips] < mod["end_s"])]
        if not len(in_win):
            return
        dep, arr, trip, keep = self._times()
        rows = np.flatnonzero(np.isin(trip, in_win) & keep)
        frame = pd.DataFrame({"trip": trip[rows], "dep_stop": self.tt.dep_stop[rows],
                              "arr_stop": self.tt.arr_stop[rows], "dep": dep[rows], "arr": arr[rows],
                              "seq": self.tt.seq[rows], "arr_seq": self.tt.arr_seq[rows]})
        frame = frame.sort_values(["trip", "seq"])
        pattern = frame.groupby("trip")["dep_stop"].agg(tuple) + frame.groupby("trip")["arr_stop"].agg(
            lambda s: (s.iloc[-1],))
        plans = []
        for _, group in pattern.groupby(pattern):
            tids = group.index.to_numpy()
            t_first = np.sort(first[tids])
            if len(t_first) < 2:
                continue  # a single run has no headway to scale
            h_new = max(float(MIN_HEADWAY_S), float(np.mean(np.diff(t_first))) * mod["factor"])
            starts = np.arange(float(t_first[0]), float(mod["end_s"]), h_new)
            plans.append((tids, starts, h_new, len(group.iloc[0]) - 1))
        # counted from the new headways before any run is built
        self._will_add(sum(len(starts) * n_conn for _, starts, _, n_conn in plans), mod, "factor")
        by_trip = dict(tuple(frame.groupby("trip")))
        added = 0
        for tids, starts, h_new, _ in plans:
            self._drop_trips(tids)
            for k, t in enumerate(starts):
                tmpl = int(tids[np.argmin(np.abs(first[tids] - t))])
                rows_t = by_trip[tmpl]
                shift = int(round(t)) - int(first[tmpl])
                self._within_day(rows_t["arr"].to_numpy(np.int64) + shift, np.full(len(rows_t), int(round(t))),
                                 mod, "end")
                new_trip = len(self.trip_ids)
                self.trip_ids.append(f"{self.trip_ids[tmpl]}~f{k}")
                self.trip_route.append(self.trip_route[tmpl])
                self.trip_headway.append(int(round(h_new)))
                self.trip_headsign.append(self.trip_headsign[tmpl])
                self.trip_offset.append(0)
                self.added.append({
                    "dep_stop": rows_t["dep_stop"].to_numpy(np.int64), "arr_stop": rows_t["arr_stop"].to_numpy(np.int64),
                    "dep_time": rows_t["dep"].to_numpy(np.int64) + shift,
                    "arr_time": rows_t["arr"].to_numpy(np.int64) + shift,
                    "trip": np.full(len(rows_t), new_trip, dtype=np.int64),
                    "seq": rows_t["seq"].to_numpy(np.int64), "arr_seq": rows_t["arr_seq"].to_numpy(np.int64)})
                added += 1
        self._count("trips_added", added)

    def add_line(self, mod: dict[str, Any]) -> None:
        label = mod["label"]
        idx: list[int] = []
        for k, s in enumerate(mod["stops"]):
            if s["new"]:
                if s["id"] in self.stop_index:
                    raise ScenarioError(Msg("scen.error.stop_exists", text=repr(s["id"])), file=self.file,
                                        modification=label,
                                        field=f"stops[{k}].id")
                self.stop_index[s["id"]] = len(self.stop_ids)
                self.stop_ids.append(s["id"])
                self.new_stops.append(s)
            elif s["id"] not in self.stop_index:
                raise ScenarioError(Msg("scen.error.unknown_stop", text=repr(s["id"])), file=self.file, modification=label,
                                    field=f"stops[{k}]")
            idx.append(self.stop_index[s["id"]])
        lon = np.array([self._coords(i)[0] for i in idx])
        lat = np.array([self._coords(i)[1] for i in idx])
        if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
            bad = int(np.flatnonzero(~(np.isfinite(lon) & np.isfinite(lat)))[0])
            raise ScenarioError(Msg("scen.error.stop_no_coordinates"), file=self.file, modification=label,
                                field=f"stops[{bad}]")
        dist = haversine_m(lon[:-1], lat[:-1], lon[1:], lat[1:])
        for k in np.flatnonzero(dist > MAX_SEGMENT_M):
            raise ScenarioError(Msg("scen.error.stops_apart", a=int(k) + 1, b=int(k) + 2, km=Fmt("decimal", dist[k] / 1000, 1),
                                    max_km=round(MAX_SEGMENT_M / 1000)), file=self.file, modification=label,
                                field=f"stops[{k + 1}]")
        dwell = float(mod["dwell_s"])
        n_int = len(idx) - 2  # intermediate stops
        if mod["timing"] == "segment_s":
            run = np.asarray(mod["segment_s"], dtype=float)
        elif mod["timing"] == "speed_kmh":
            run = dist / (mod["speed_kmh"] / 3.6)
        else:
            total = mod["end_to_end_min"] * 60.0 - dwell * n_int
            if total <= 0:
                raise ScenarioError(Msg("scen.error.end_to_end_short"), file=self.file,
                                    modification=label, field="end_to_end_min")
            run = dist / max(dist.sum(), 1e-9) * total
        # offsets from the first departure: arrival at stop k+1, departure from stop k
        arr_off = np.cumsum(run) + dwell * np.arange(len(run))
        dep_off = np.concatenate([[0.0], arr_off[:-1] + dwell])
        route = len(self.routes["id"])
        if mod["id"] in self.routes["id"]:
            raise ScenarioError(Msg("scen.error.route_exists", text=repr(mod["id"])), file=self.file, modification=label,
                                field="id")
        self.routes["id"].append(mod["id"])
        self.routes["short"].append(mod["name"])
        self.routes["color"].append(mod["color"])
        self.routes["type"].append(mod["route_type"])
        if mod.get("wheelchair"):
            self.route_flags[route] = 1
            self.stop_flags.update({self.stop_index[s["id"]]: 1 for s in mod["stops"] if s["new"]})
        directions = [(np.asarray(idx), dep_off, arr_off)]
        if mod["both_directions"]:
            # the way back: the same running times in reverse order
            rrun = run[::-1]
            r_arr = np.cumsum(rrun) + dwell * np.arange(len(rrun))
            r_dep = np.concatenate([[0.0], r_arr[:-1] + dwell])
            directions.append((np.asarray(idx[::-1]), r_dep, r_arr))
        n_seg = len(idx) - 1
        t0 = np.array([t for t, _ in mod["runs"]], dtype=np.int64)
        headways = [h for _, h in mod["runs"]]
        service = "periods" if any(headways) else "departures"
        self._will_add(len(t0) * len(directions) * n_seg, mod, service)
        for _, _, a_off in directions:
            self._within_day(t0 + int(np.rint(a_off[-1])), t0, mod, service)
        for d, (stops, d_off, a_off) in enumerate(directions):
            # every run of the direction at once: run r, segment k is row r * n_seg + k
            n_runs, first_trip = len(t0), len(self.trip_ids)
            self.trip_ids += [f"{mod['id']}:{d}@{format_clock(t, seconds=True)}" for t in t0]
            self.trip_route += [route] * n_runs
            self.trip_headway += headways
            self.trip_headsign += [""] * n_runs  # Timetable.headsign: the last stop's name
            self.trip_offset += [0] * n_runs
            self.added.append({
                "dep_stop": np.tile(stops[:-1].astype(np.int64), n_runs),
                "arr_stop": np.tile(stops[1:].astype(np.int64), n_runs),
                "dep_time": (t0[:, None] + np.rint(d_off).astype(np.int64)[None, :]).ravel(),
                "arr_time": (t0[:, None] + np.rint(a_off).astype(np.int64)[None, :]).ravel(),
                "trip": np.repeat(np.arange(first_trip, first_trip + n_runs, dtype=np.int64), n_seg),
                "seq": np.tile(np.arange(1, n_seg + 1, dtype=np.int64), n_runs),
                "arr_seq": np.tile(np.arange(2, n_seg + 2, dtype=np.int64), n_runs)})
        self._count("trips_added", len(mod["runs"]) * len(directions))
        self._count("stops_added", sum(1 for s in mod["stops"] if s["new"]))

    def _point(self, kind: str, mod: dict[str, Any]) -> None:
        self.points.setdefault(kind, []).append(
            {"point_id": mod["id"], "name": mod["name"], "lon": mod["lon"], "lat": mod["lat"],
             "capacity": mod["capacity"]})
        self._count(f"{kind}_added", 1)

    def add_park_ride(self, mod: dict[str, Any]) -> None:
        self._point("park_ride", mod)

    def add_bikeshare_station(self, mod: dict[str, Any]) -> None:
        self._point("bikeshare", mod)

    def make_stop_accessible(self, mod: dict[str, Any]) -> None:
        if mod["stop"] not in self.stop_index:
            raise ScenarioError(Msg("scen.error.unknown_stop", text=repr(mod["stop"])), file=self.file,
                                modification=mod["label"],
                                field="stop")
        self.stop_flags[self.stop_index[mod["stop"]]] = 1
        self._count("stops_made_accessible", 1)

    # -- assembling --------------------------------------------------------------------------
    def finish(self, new_stop_footpaths: Any, max_transfer_s: float) -> Applied:
        tt = self.tt
        dep, arr, _, keep = self._times()
        parts = [{"dep_stop": tt.dep_stop[keep].astype(np.int64), "arr_stop": tt.arr_stop[keep].astype(np.int64),
                  "dep_time": dep[keep], "arr_time": arr[keep], "trip": tt.trip[keep].astype(np.int64),
                  "seq": tt.seq[keep].astype(np.int64), "arr_seq": tt.arr_seq[keep].astype(np.int64)}]
        for part in self.added:
            k = part.pop("_keep", None)
            parts.append({c: (v if k is None else v[k]) for c, v in part.items()})
        conn = {c: np.concatenate([p[c] for p in parts]) for c in parts[0]}
        # no connection arrives before it departs, none leaves the service day's clock (or the later
        # bound of the baseline's own times: a frequency run may end after 48:00)
        bound = max(DAY_BOUND_S, int(tt.arr_time.max()) + 1 if tt.n_connections else 0)
        try:
            check_connections(conn["dep_time"], conn["arr_time"], bound_s=bound)
        except TimetableError as exc:
            raise ScenarioError(str(exc), file=self.file) from exc
        if self.conn_changed is None and not self.added:
            order = None  # only removals: the baseline order stays valid
        else:
            order = order_connections(conn["dep_time"], conn["arr_time"], conn["trip"], conn["seq"],
                                      conn["dep_stop"], conn["arr_stop"])
            conn = {c: v[order] for c, v in conn.items()}
        n_old, n_new = tt.n_stops, len(self.stop_ids)
        stop_lon = np.concatenate([tt.stop_lon, [s["lon"] for s in self.new_stops]]).astype(float)
        stop_lat = np.concatenate([tt.stop_lat, [s["lat"] for s in self.new_stops]]).astype(float)
        fp_offsets, fp_to, fp_dur = tt.fp_offsets, tt.fp_to, tt.fp_dur_s
        new_idx = np.arange(n_old, n_new)
        if len(new_idx):
            if new_stop_footpaths is None:
                extra = _straight_new_footpaths(stop_lon, stop_lat, new_idx, max_transfer_s)
            else:
                extra = new_stop_footpaths(stop_lon, stop_lat, new_idx)
            extra = extra[extra["from_stop"] != extra["to_stop"]]
            extra = extra.groupby(["from_stop", "to_stop"], as_index=False)["duration_s"].min()  # shortest kept
            src = np.repeat(np.arange(n_old, dtype=np.int64), np.diff(tt.fp_offsets))
            fsrc = np.concatenate([src, extra["from_stop"].to_numpy(np.int64)])
            fdst = np.concatenate([tt.fp_to.astype(np.int64), extra["to_stop"].to_numpy(np.int64)])
            fd = np.concatenate([tt.fp_dur_s.astype(np.int64),
                                 np.maximum(np.ceil(extra["duration_s"].to_numpy(float)), 1).astype(np.int64)])
            fp_offsets, fp_to, fp_dur = _csr(fsrc, fdst, fd, n_new)
        out = tt.replace(
            stop_ids=np.array(self.stop_ids, dtype=object),
            stop_names=np.concatenate([tt.stop_names, np.array([s["name"] for s in self.new_stops], dtype=object)]),
            stop_lon=stop_lon, stop_lat=stop_lat,
            trip_ids=np.array(self.trip_ids, dtype=object),
            trip_route=np.asarray(self.trip_route, dtype=np.int32),
            trip_day_offset=np.asarray(self.trip_offset, dtype=np.int8),
            trip_headway_s=np.asarray(self.trip_headway, dtype=np.int32),
            trip_headsigns=np.array(self.trip_headsign, dtype=object),
            route_ids=np.array(self.routes["id"], dtype=object),
            route_short_names=np.array(self.routes["short"], dtype=object),
            route_colors=np.array(self.routes["color"], dtype=object),
            route_types=np.asarray(self.routes["type"], dtype=np.int16),
            dep_stop=conn["dep_stop"].astype(np.int32), arr_stop=conn["arr_stop"].astype(np.int32),
            dep_time=np.minimum(conn["dep_time"], UNREACHABLE_I32 - 1).astype(np.int32),
            arr_time=np.minimum(conn["arr_time"], UNREACHABLE_I32 - 1).astype(np.int32),
            trip=conn["trip"].astype(np.int32), seq=conn["seq"].astype(np.int32),
            arr_seq=conn["arr_seq"].astype(np.int32),
            fp_offsets=fp_offsets, fp_to=fp_to, fp_dur_s=fp_dur,
            stop_wheelchair=_with_flags(tt.stop_wheelchair, n_new, self.stop_flags),
            route_wheelchair=_with_flags(tt.route_wheelchair, len(self.routes["id"]), self.route_flags))
        points = {k: pd.DataFrame(v) for k, v in self.points.items()}
        return Applied(out, new_idx, points, dict(self.stats))


def _with_flags(flags: np.ndarray, n: int, changes: dict[int, int]) -> np.ndarray:
    """``flags`` padded to ``n`` with 0 (unknown), then the changes set."""
    out = np.zeros(n, dtype=np.int8)
    out[:len(flags)] = flags[:n]
    for i, code in changes.items():
        out[i] = code
    return out


def _straight_new_footpaths(lon: np.ndarray, lat: np.ndarray, new_idx: np.ndarray,
                            max_transfer_s: float) -> pd.DataFrame:
    """Straight-line footpaths touching the new stops (the timetable-only fallback)."""
    fp = straight_line_footpaths(lon, lat, max_transfer_s=max_transfer_s)
    new = np.zeros(len(lon), dtype=bool)
    new[new_idx] = True
    touch = new[fp["from_stop"].to_numpy()] | new[fp["to_stop"].to_numpy()]
    return fp.loc[touch, ["from_stop", "to_stop", "duration_s"]].reset_index(drop=True)


# ---------------------------------------------------------------------------
# applying to a network
# ---------------------------------------------------------------------------

def with_scenario(network: Any, scenario: Scenario | str | Path | None) -> Any:
    """A new :class:`~routing.network.assemble.Network` carrying the scenario (``network`` is not modified).

    New stops join the walk layer and get their walking transfers by the project's one linking
    rule (:func:`routing.linking.link`, :func:`routing.linking.street_times`), like the stops of
    the feed. Added park-and-ride and bike-share points are linked like the network's points. The digest gains the scenario's digest (caches
    keyed by it never mix baseline and scenario).
    """
    if scenario is None:
        return network
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if not scenario.modifications:
        out = replace(network, notes=[*network.notes, f"scenario: {scenario.name}"])
        out.scenario_base = bare_network(network)
        return out
    from routing import linking
    from routing.network.assemble import _snap_points, extend_places

    walk = network.graphs["walk"]
    max_transfer_s = 600.0
    snapped: dict[str, np.ndarray] = {}

    def footpaths(lon: np.ndarray, lat: np.ndarray, new_idx: np.ndarray) -> pd.DataFrame:
        # the new stops join the walk layer by the project's one linking rule, as the feed's stops
        links = linking.link(walk, lon[new_idx], lat[new_idx])
        snapped["node"] = np.concatenate([network.stop_walk_node, links.node])
        snapped["dist"] = np.concatenate([network.stop_walk_m, links.distance_m])
        i, j, t = linking.street_times(walk, lon[new_idx], lat[new_idx], lon, lat, max_transfer_s, a_links=links)
        fwd = pd.DataFrame({"from_stop": new_idx[i], "to_stop": j, "duration_s": t.astype(float)})
        fwd = fwd[fwd["from_stop"] != fwd["to_stop"]]
        # walking is the same both ways: the transfers into the new stops mirror those leaving them
        return pd.concat([fwd, fwd.rename(columns={"from_stop": "to_stop", "to_stop": "from_stop"})],
                         ignore_index=True)

    applied = apply_scenario_full(network.timetable, scenario, new_stop_footpaths=footpaths,
                                  max_transfer_s=max_transfer_s)
    tt = applied.timetable
    if "node" in snapped:
        stop_node, stop_m = snapped["node"], snapped["dist"]
    else:
        stop_node, stop_m = network.stop_walk_node, network.stop_walk_m
    points = dict(network.points)
    for kind, frame in applied.points.items():
        extra = _snap_points(frame, network.graphs)
        base = points.get(kind)
        points[kind] = extra if base is None or not len(base) else pd.concat([base, extra], ignore_index=True)
    places = network.places
    if len(applied.new_stops) or applied.points:
        places = extend_places(network.places, tt, network.timetable.n_stops, applied.points)
    note = f"scenario: {scenario.name}"
    out = replace(network, timetable=tt, stop_walk_node=np.asarray(stop_node, dtype=network.stop_walk_node.dtype),
                   stop_walk_m=np.asarray(stop_m, dtype=float), points=points, places=places,
                   digest=f"{network.digest}+{scenario.digest}" if network.digest else scenario.digest,
                   notes=[*network.notes, note])
    out.scenario_base = bare_network(network)  # what scenarios apply to (never a scenario network)
    return out


def bare_network(network: Any) -> Any:
    """The network without any scenario (``network`` itself when it carries none)."""
    return getattr(network, "scenario_base", None) or network


def network_with_scenario(network: Any, scenario: Any = "default") -> Any:
    """The network a planner uses: ``network`` with a scenario applied (a new object).

    ``scenario``: "default" applies :data:`DEFAULT_SCENARIO` (metro a, estimated
    from its published frequencies) when the timetable has no metro route, as the 2011 STAR
    bundle (bus only); None or "none" keeps the bare feed; otherwise a scenario name of
    ``assets/scenarios``, a path, or a :class:`Scenario`.
    """
    if scenario is None or (isinstance(scenario, str) and scenario.lower() == "none"):
        return network
    if isinstance(scenario, str) and scenario == "default":
        # only the 2011 STAR bundle lacks its metro: a feed with a metro, or of another year, stays bare
        if (network.timetable.route_types == 1).any() or network.day.year != BUNDLE_TIMETABLE_YEAR:
            return network
        scenario = DEFAULT_SCENARIO
    return with_scenario(network, scenario)
