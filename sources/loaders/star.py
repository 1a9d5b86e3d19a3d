"""STAR (Keolis Rennes) Opendatasoft exports: stops, route patterns, metro stations, disruptions.

Each export is a JSON list of flat records (or an Opendatasoft API v1 answer with
``records[].fields``). Column contracts: :data:`STOP_COLUMNS`, :data:`ROUTE_STOP_COLUMNS`,
:data:`METRO_STATION_COLUMNS`, :data:`DISRUPTION_COLUMNS` (:data:`COLUMNS` maps table
names to them). Point tables carry float64 ``lon``/``lat`` in WGS84.

Quarantine codes: ``missing_required_field``, ``duplicate_key``, ``missing_coordinates``,
``point_near_origin``, ``point_outside_area`` (swapped pairs are fixed with a
``swapped_coordinates`` notice), ``foreign_key_violation`` (a route stop whose stop is not
in ``stops=``), ``invalid_time`` (a disruption start that cannot be read).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sources.messages import Msg

from ..validate import Loaded, Report, check_coordinates
from . import _geo

STOP_COLUMNS: dict[str, str] = {
    "stop_id": "object",  # "6-1002" (network prefix 6 = STAR), as in the 2024+ GTFS
    "stop_code": "object",  # "1002"
    "name": "object",
    "insee": "object",
    "commune": "object",
    "wheelchair_accessible": "boolean",  # estaccessiblepmr (<NA> when not given)
    "shelter": "object",  # mobilier: "Abri simple", "Poteau", ...
    "valid_from": "datetime64[ns]",
    "valid_to": "datetime64[ns]",  # NaT: open-ended
    "lon": "float64",
    "lat": "float64",
}
ROUTE_STOP_COLUMNS: dict[str, str] = {
    "pattern_id": "object",  # idparcours, e.g. "0062-A-1090-4112"
    "line_id": "object",  # idligne "0062"
    "line_name": "object",  # nomcourtligne "62"
    "stop_id": "object",  # "6-4109"
    "stop_code": "object",  # idarret "4109"
    "stop_name": "object",
    "stop_sequence": "int64",  # ordre
    "pickup_allowed": "boolean",
    "dropoff_allowed": "boolean",
}
METRO_STATION_COLUMNS: dict[str, str] = {
    "station_id": "object",
    "code": "object",  # "JFK"
    "name": "object",
    "insee": "object",
    "commune": "object",
    "address": "object",
    "wheelchair_accessible": "boolean",
    "line_a": "bool",
    "line_b": "bool",
    "level_a": "Int64",  # platform level below street (negative: underground)
    "level_b": "Int64",
    "lon": "float64",
    "lat": "float64",
}
DISRUPTION_COLUMNS: dict[str, str] = {
    "disruption_id": "object",
    "title": "object",
    "description": "object",
    "severity": "object",  # niveau, joined with "; " when several: "Bloquante", "Majeure", "Mineure"
    "start": "datetime64[ns, UTC]",
    "end": "datetime64[ns, UTC]",  # NaT: open-ended
    "published": "datetime64[ns, UTC]",
    "line_id": "object",
    "line_name": "object",
    "url": "object",
}
COLUMNS: dict[str, dict[str, str]] = {
    "stops": STOP_COLUMNS, "route_stops": ROUTE_STOP_COLUMNS,
    "metro_stations": METRO_STATION_COLUMNS, "disruptions": DISRUPTION_COLUMNS,
}

#: Opendatasoft API page sizes: an export with exactly this many rows was probably cut.
API_PAGE_LIMITS = (100, 1000, 3000, 5000, 10000)


def load_star_stops(paths: Path | Sequence[Path], *, strict: bool = False) -> Loaded:
    """STAR stop topology (``star-stops-2025.json``).

    Returns
    -------
    Loaded
        DataFrame with :data:`STOP_COLUMNS`, sorted by ``stop_id``; stats ``stops``,
        ``communes``, ``wheelchair_accessible``.
    """
    report = Report("star-stops")
    frame = _records(paths, report, required=("nom",))
    frame["stop_code"] = _col(frame, "code", "id").map(_geo.text)
    sid = _col(frame, "stop_id").map(_geo.text)
    frame["stop_id"] = sid.where(sid.notna(), "6-" + frame["stop_code"].fillna(""))
    frame.loc[frame["stop_code"].isna() & sid.isna(), "stop_id"] = None
    frame["name"] = frame["nom"].map(_geo.text)
    frame["insee"] = _col(frame, "codeinseecommune").map(_geo.text)
    frame["commune"] = _col(frame, "nomcommune").map(_geo.text)
    frame["wheelchair_accessible"] = _col(frame, "estaccessiblepmr").map(_geo.boolean)
    frame["shelter"] = _col(frame, "mobilier").map(_geo.text)
    frame["valid_from"] = pd.to_datetime(_col(frame, "datedebutversion"), errors="coerce")
    frame["valid_to"] = pd.to_datetime(_col(frame, "datefinversion"), errors="coerce")
    frame = _points(frame, report, "coordonnees")
    frame = _required(frame, report, "stop_id")
    frame = _unique(frame, report, "stop_id")
    out = _geo.typed(frame.sort_values("stop_id", kind="stable"), STOP_COLUMNS).reset_index(drop=True)
    report.rows_kept = len(out)
    report.stats = {"stops": int(len(out)), "communes": int(out["insee"].nunique()),
                    "wheelchair_accessible": int(out["wheelchair_accessible"].sum())}
    _geo.raise_if_strict(report, strict)
    return Loaded(out, report)


def load_route_stops(paths: Path | Sequence[Path], *, strict: bool = False,
                     stops: pd.DataFrame | None = None) -> Loaded:
    """STAR route patterns: line -> ordered stops (``star-route-stops-2025-partial.json``).

    Parameters
    ----------
    stops
        The frame of :func:`load_star_stops`; when given, a route stop whose ``stop_id``
        is not in it is quarantined (``foreign_key_violation``).

    Returns
    -------
    Loaded
        DataFrame with :data:`ROUTE_STOP_COLUMNS`, sorted by ``pattern_id``,
        ``stop_sequence``. A notice ``incomplete_export`` (warning) is raised when the
        row count equals an API page limit or when patterns have gaps in their sequence
        (the bundle file is cut at 3,000 rows). Stats: ``rows``, ``lines``, ``patterns``,
        ``patterns_complete`` (sequence 1..n without gap).
    """
    report = Report("star-route-stops")
    frame = _records(paths, report, required=("idparcours", "ordre"))
    frame["pattern_id"] = frame["idparcours"].map(_geo.text)
    frame["line_id"] = _col(frame, "idligne").map(_geo.text)
    frame["line_name"] = _col(frame, "nomcourtligne").map(_geo.text)
    frame["stop_code"] = _col(frame, "idarret").map(_geo.text)
    sid = _col(frame, "stop_id").map(_geo.text)
    frame["stop_id"] = sid.where(sid.notna(), ("6-" + frame["stop_code"]).where(
        frame["stop_code"].notna(), None))
    frame["stop_name"] = _col(frame, "nomarret").map(_geo.text)
    frame["stop_sequence"] = pd.to_numeric(frame["ordre"], errors="coerce")
    frame["pickup_allowed"] = _col(frame, "estmonteeautorisee").map(_geo.boolean)
    frame["dropoff_allowed"] = _col(frame, "estdescenteautorisee").map(_geo.boolean)
    for col in ("pattern_id", "stop_id", "stop_sequence"):
        frame = _required(frame, report, col)
    frame = _unique(frame, report, ["pattern_id", "stop_sequence"])
    if stops is not None:
        unknown = ~frame["stop_id"].isin(set(stops["stop_id"]))
        frame = _drop(frame, report, unknown, "foreign_key_violation", Msg("finding.not_in", field="stop_id", other="stops"),
                      "stop_id")
    frame = frame.sort_values(["pattern_id", "stop_sequence"], kind="stable")
    out = _geo.typed(frame, ROUTE_STOP_COLUMNS).reset_index(drop=True)
    seq = out.groupby("pattern_id")["stop_sequence"].agg(["min", "max", "size"])
    complete = int(((seq["min"] == 1) & (seq["max"] == seq["size"])).sum())
    n_read = report.rows_read
    if n_read in API_PAGE_LIMITS or complete < len(seq):
        key = "finding.export_cut_page" if n_read in API_PAGE_LIMITS else "finding.export_cut"
        report.notice("incomplete_export", Msg(key, rows=n_read, gaps=len(seq) - complete, patterns=len(seq)),
                      file=report.files[0] if report.files else None, value=n_read)
    report.rows_kept = len(out)
    report.crs = None
    report.stats = {"rows": int(len(out)), "lines": int(out["line_id"].nunique()),
                    "patterns": int(len(seq)), "patterns_complete": complete}
    _geo.raise_if_strict(report, strict)
    return Loaded(out, report)


def load_metro_stations(paths: Path | Sequence[Path], *, strict: bool = False) -> Loaded:
    """Metro stations of lines a and b (``star-metro-stations-2023.json``).

    Returns
    -------
    Loaded
        DataFrame with :data:`METRO_STATION_COLUMNS`, sorted by ``station_id``; stats
        ``stations``, ``line_a``, ``line_b``, ``interchanges``.
    """
    report = Report("star-metro-stations")
    frame = _records(paths, report, required=("nom",))
    frame["station_id"] = _col(frame, "id").map(_geo.text)
    frame["code"] = _col(frame, "code").map(_geo.text)
    frame["name"] = frame["nom"].map(_geo.text)
    frame["insee"] = _col(frame, "codeinseecommune").map(_geo.text)
    frame["commune"] = _col(frame, "nomcommune").map(_geo.text)
    num = _col(frame, "adressenumero").map(_int_text)
    street = _col(frame, "adressevoie").map(_geo.text)
    frame["address"] = [" ".join(p for p in (n, s) if p) or None for n, s in zip(num, street, strict=True)]
    frame["wheelchair_accessible"] = _col(frame, "accespmr").map(_geo.boolean)
    frame["line_a"] = _col(frame, "codetechniquestationlignea").map(_geo.text).notna()
    frame["line_b"] = _col(frame, "codetechniquestationligneb").map(_geo.text).notna()
    frame["level_a"] = pd.to_numeric(_col(frame, "niveaustationlignea"), errors="coerce")
    frame["level_b"] = pd.to_numeric(_col(frame, "niveaustationligneb"), errors="coerce")
    frame = _points(frame, report, "coordonnees")
    frame = _required(frame, report, "station_id")
    frame = _unique(frame, report, "station_id")
    out = _geo.typed(frame.sort_values("station_id", kind="stable"),
                     METRO_STATION_COLUMNS).reset_index(drop=True)
    report.rows_kept = len(out)
    report.stats = {"stations": int(len(out)), "line_a": int(out["line_a"].sum()),
                    "line_b": int(out["line_b"].sum()),
                    "interchanges": int((out["line_a"] & out["line_b"]).sum())}
    _geo.raise_if_strict(report, strict)
    return Loaded(out, report)


def load_disruptions(paths: Path | Sequence[Path], *, strict: bool = False) -> Loaded:
    """STAR disruption notices (``star-disruptions-2025.json``).

    Returns
    -------
    Loaded
        DataFrame with :data:`DISRUPTION_COLUMNS` (timestamps in UTC), sorted by ``start``;
        a notice ``invalid_time`` (warning) when ``end`` precedes ``start``. Stats
        ``disruptions``, ``lines``, ``by_severity``, ``first_start``, ``last_end``.
    """
    report = Report("star-disruptions")
    frame = _records(paths, report, required=("idperturbation", "debutvalidite"))
    frame["disruption_id"] = frame["idperturbation"].map(_geo.text)
    frame["title"] = _col(frame, "titre").map(_geo.text)
    frame["description"] = _col(frame, "description").map(_geo.text)
    frame["severity"] = _col(frame, "niveau").map(_severity)
    frame["start"] = _utc(frame["debutvalidite"])
    frame["end"] = _utc(_col(frame, "finvalidite"))
    frame["published"] = _utc(_col(frame, "publication"))
    frame["line_id"] = _col(frame, "idligne").map(_geo.text)
    frame["line_name"] = _col(frame, "nomcourtligne").map(_geo.text)
    frame["url"] = _col(frame, "url").map(_geo.text)
    frame = _required(frame, report, "disruption_id")
    frame = _drop(frame, report, frame["start"].isna(), "invalid_time",
                  Msg("finding.bad_timestamp", field="debutvalidite"), "debutvalidite")
    frame = _unique(frame, report, "disruption_id")
    backwards = frame["end"].notna() & (frame["end"] < frame["start"])
    for _, r in frame[backwards].iterrows():
        report.notice("invalid_time", Msg("finding.end_before_start", end="finvalidite", start="debutvalidite"),
                      file=r["_file"],
                      row=int(r["_row"]), field="finvalidite", value=r.get("finvalidite"))
    out = _geo.typed(frame.sort_values(["start", "disruption_id"], kind="stable"),
                     DISRUPTION_COLUMNS).reset_index(drop=True)
    report.rows_kept = len(out)
    report.crs = None
    report.stats = {
        "disruptions": int(len(out)), "lines": int(out["line_id"].nunique()),
        "by_severity": {str(k): int(v) for k, v in out["severity"].value_counts().items()},
        "first_start": out["start"].min().isoformat() if len(out) else None,
        "last_end": out["end"].max().isoformat() if out["end"].notna().any() else None,
    }
    _geo.raise_if_strict(report, strict)
    return Loaded(out, report)


# -- helpers -----------------------------------------------------------------------------------

def _records(paths: Path | Sequence[Path], report: Report, *, required: Sequence[str]
             ) -> pd.DataFrame:
    parts = []
    for path in _geo.as_paths(paths):
        recs = _geo.records_of(_geo.read_json(path), path)
        _geo.require_fields(recs, required, file=str(path))
        report.files.append(str(path))
        report.rows_read += len(recs)
        part = pd.DataFrame.from_records(
            [{k: v for k, v in r.items() if k not in ("geo_shape",)} for r in recs],
            index=pd.RangeIndex(len(recs)))
        part["_row"] = np.arange(1, len(recs) + 1)
        part["_file"] = str(path)
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    for col in required:
        if col not in frame:
            frame[col] = None
    return frame


def _col(frame: pd.DataFrame, *names: str) -> pd.Series:
    for name in names:
        if name in frame:
            return frame[name]
    return pd.Series([None] * len(frame), index=frame.index, dtype=object)


def _points(frame: pd.DataFrame, report: Report, field: str) -> pd.DataFrame:
    """lon/lat from an Opendatasoft point field (or the record geometry), checked per file."""
    pts = [_geo.ods_point(v) for v in _col(frame, field, "geo_point_2d")]
    geoms = frame["__geometry__"] if "__geometry__" in frame else [None] * len(frame)
    lon = np.array([p[0] for p in pts], dtype=float)
    lat = np.array([p[1] for p in pts], dtype=float)
    for i, g in enumerate(geoms):
        if (np.isnan(lon[i]) or np.isnan(lat[i])) and isinstance(g, dict) and g.get("type") == "Point":
            c = g.get("coordinates") or [None, None]
            lon[i], lat[i] = _geo.ods_point([c[1], c[0]]) if len(c) == 2 else (np.nan, np.nan)
    frame = frame.assign(lon=lon, lat=lat)
    kept = []
    for file, part in frame.groupby("_file", sort=False):
        kept.append(check_coordinates(part, report, bbox=_geo.STAR_AREA_BBOX, file=str(file)))
    out = pd.concat(kept) if kept else frame
    report.set_bbox(out["lon"], out["lat"])
    return out


def _drop(frame: pd.DataFrame, report: Report, mask: Any, code: str, message: Msg, field: str
          ) -> pd.DataFrame:
    mask = np.asarray(mask, dtype=bool)
    for _, r in frame[mask].iterrows():
        report.quarantine(code, message, file=r["_file"], row=int(r["_row"]), field=field,
                          value=r.get(field))
    return frame.loc[~mask]


def _required(frame: pd.DataFrame, report: Report, col: str) -> pd.DataFrame:
    return _drop(frame, report, frame[col].isna(), "missing_required_field", Msg("finding.field_empty", field=col), col)


def _unique(frame: pd.DataFrame, report: Report, key: str | list[str]) -> pd.DataFrame:
    field = key if isinstance(key, str) else key[-1]
    return _drop(frame, report, frame.duplicated(key, keep="first"), "duplicate_key",
                 Msg("finding.duplicate_first_kept", keys=key if isinstance(key, str) else ", ".join(key)), field)


def _int_text(value: Any) -> str | None:
    """Text of a number that pandas may have turned into a float (45.0 -> "45")."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _geo.text(value)


def _severity(value: Any) -> str | None:
    if isinstance(value, (list, tuple)):
        parts = [p for p in (_geo.text(v) for v in value) if p]
        return "; ".join(parts) or None
    return _geo.text(value)


def _utc(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.map(_geo.text), errors="coerce", utc=True, format="ISO8601")

