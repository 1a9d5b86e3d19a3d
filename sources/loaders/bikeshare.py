"""LE vélo STAR bike-share stations with capacity and availability.

Reads any of:

* GBFS v2.x JSON: ``station_information.json`` + ``station_status.json`` (given as files),
  or the ``gbfs.json`` discovery file whose feeds are found beside it;
* GBFS v3.x JSON: same feeds, where ``name`` is a list of ``{text, language}``, vehicles are
  counted as ``num_vehicles_available`` / ``vehicle_types_available`` and times are RFC 3339;
* a table export (CSV with ``,`` or ``;``, or an Opendatasoft JSON / GeoJSON export) holding
  stations and, optionally, their availability: the bundle's
  ``le-velo-star-stations-2026-09-27.csv`` (GBFS field names);
* the 2018 pair ``le-velo-star-topology-2018.csv`` (stations) + ``le-velo-star-status-*.csv``
  (availability; French field names, leading spaces in ``longitude``).

Files describing stations (coordinates, no availability) are the station information; files
with availability are the station status, joined on ``station_id``. A table holding both is
used as both when no separate station information is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from os import PathLike
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np
import pandas as pd

from sources.messages import Msg

from .. import settings
from ..errors import UnusableInputError
from ..validate import Loaded, Report, check_coordinates
from . import _tabular as tab

#: Column contract of the returned frame.
COLUMNS: dict[str, str] = {
    "station_id": "string",
    "name": "string",
    "address": "string",
    "lon": "float64",
    "lat": "float64",
    "capacity": "Int64",
    "bikes_available": "Int64",
    "docks_available": "Int64",
    "is_renting": "boolean",
    "is_returning": "boolean",
    "status_time": "datetime64[ns, UTC]",
    "status_known": "bool",
}

#: A station status older than this (relative to ``now``, else to the feed's own time) is stale.
DEFAULT_MAX_STATUS_AGE_S = 3600.0

_ALIASES: dict[str, tuple[str, ...]] = {
    "station_id": ("id", "idstation", "id_station", "identifiant_station", "identifiant", "numero"),
    "name": ("nom", "nom_station", "station_name", "name_fr"),
    "address": ("adresse", "address_fr"),
    "street_number": ("adresse_numero",),
    "street": ("adresse_voie",),
    "lon": ("longitude", "xlongitude", "x", "lng"),
    "lat": ("latitude", "ylatitude", "y"),
    "coordinates": ("coordonnees", "geo_point_2d", "coordinates", "coordonnees_gps"),
    "capacity": ("nb_emplacements", "nb_mplacements", "nombre_emplacements_actuels",
                 "nombre_emplacements", "capacite", "nb_places"),
    "bikes_available": ("num_bikes_available", "num_vehicles_available", "velos_disponibles",
                        "nombre_velos_disponibles", "nombre_velos_en_place", "nb_velos_disponibles"),
    "docks_available": ("num_docks_available", "emplacements_disponibles",
                        "nombre_emplacements_disponibles", "nb_emplacements_disponibles"),
    "is_installed": ("installe",),
    "is_renting": ("location_possible",),
    "is_returning": ("retour_possible",),
    "state": ("etat", "statut", "status"),
    "status_time": ("last_reported", "date", "derniere_mise_a_jour", "mise_a_jour", "last_updated",
                    "date_maj"),
}

_INFO_FIELDS = ("station_id", "name", "address", "lon", "lat", "capacity")
_STATUS_FIELDS = ("station_id", "bikes_available", "docks_available", "is_installed", "is_renting",
                  "is_returning", "status_time")
_WORKING_STATES = ("en fonctionnement", "ouverte", "open", "in service", "en service")


@dataclass
class _Part:
    file: str
    frame: pd.DataFrame  # canonical columns + _row + _file
    has_info: bool
    has_status: bool
    last_updated: pd.Timestamp | None = None


def load_bikeshare(
    paths: str | PathLike | Sequence[str | PathLike],
    *,
    now: datetime | pd.Timestamp | None = None,
    max_status_age_s: float = DEFAULT_MAX_STATUS_AGE_S,
    area_bbox: tuple[float, float, float, float] | None = None,
    strict: bool = False,
) -> Loaded:
    """Load bike-share stations with their capacity and availability.

    Parameters
    ----------
    paths
        One file or several: GBFS ``gbfs.json`` / ``station_information.json`` /
        ``station_status.json`` (v2 or v3), a CSV / JSON table export, or the 2018
        topology + status CSV pair.
    now
        Reference time for staleness. When None, the feed's own time is used (its
        ``last_updated``, else the newest station report), so an old offline snapshot is not
        stale as a whole but stations that stopped reporting are.
    max_status_age_s
        A station status older than this is ``status_stale``: availability set to unknown.
    area_bbox
        Expected area (lon_min, lat_min, lon_max, lat_max); default
        ``settings.RENNES_METROPOLE_BBOX``. Stations outside are quarantined.
    strict
        Raise :class:`~sources.errors.SchemaError` instead of quarantining a bad row.

    Returns
    -------
    Loaded
        ``data``: one row per station with :data:`COLUMNS`: station_id, name, address,
        lon, lat (float64, WGS84), capacity (Int64), bikes_available, docks_available (Int64,
        <NA> when unknown), is_renting, is_returning (boolean, <NA> when unknown), status_time
        (UTC, NaT when unknown), status_known (bool). Empty input gives an empty frame with
        these columns. ``report.stats``: stations, capacity, bikes_available,
        docks_available, stations_status_known, status_time.

    Notices: ``status_missing`` (no status for the dataset or a station), ``status_stale``;
    quarantine codes: ``duplicate_key``, ``foreign_key_violation`` (status of an unknown
    station), ``missing_required_field``, ``missing_coordinates``, ``point_near_origin``,
    ``point_outside_area``.

    Raises
    ------
    UnusableInputError
        A file is unreadable or is neither station information nor station status.
    """
    files = tab.as_paths(paths)
    report = Report(dataset_id="velo-star")
    bbox = area_bbox or settings.RENNES_METROPOLE_BBOX
    parts: list[_Part] = []
    queue = list(files)
    seen: set[Path] = set()
    while queue:
        path = queue.pop(0)
        key = path.resolve()
        if key in seen:
            continue
        seen.add(key)
        discovered, part = _read_file(path, report)
        queue.extend(p for p in discovered if p.resolve() not in seen)
        if part is not None:
            parts.append(part)
            report.files.append(str(path))

    info_parts = [p for p in parts if p.has_info and not p.has_status]
    status_parts = [p for p in parts if p.has_status]
    if not info_parts:  # tables holding both: they are the station information too
        info_parts = [p for p in parts if p.has_info]
    if not info_parts:
        where = parts[0].file if parts else str(files[0])
        raise UnusableInputError(Msg("error.no_station_info"),
                                 file=where, field="lon")

    info = pd.concat([p.frame for p in info_parts], ignore_index=True)
    report.rows_read = len(info)
    info = _check_info(info, report, bbox)

    status = (pd.concat([p.frame for p in status_parts], ignore_index=True)
              if status_parts else pd.DataFrame())
    result = _join_status(info, status, status_parts, report, now=now,
                          max_status_age_s=max_status_age_s)
    data = tab.conform(result, COLUMNS)
    report.rows_kept = len(data)
    report.set_bbox(data["lon"], data["lat"])
    known = data["status_known"]
    report.stats = {
        "stations": int(len(data)),
        "capacity": int(data["capacity"].sum()) if len(data) else 0,
        "bikes_available": int(data.loc[known, "bikes_available"].sum()) if known.any() else None,
        "docks_available": int(data.loc[known, "docks_available"].sum()) if known.any() else None,
        "stations_status_known": int(known.sum()),
        "status_time": (data["status_time"].max().isoformat()
                        if data["status_time"].notna().any() else None),
    }
    tab.raise_if_strict(report, strict=strict)
    return Loaded(data, report)


# -- reading ------------------------------------------------------------------------------

def _head(path: Path, n: int = 64) -> bytes:
    """The first ``n`` bytes of ``path`` (the whole file is never read just to sniff it)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(n)
    except OSError:
        return b""


def _read_file(path: Path, report: Report) -> tuple[list[Path], _Part | None]:
    """Read one file: returns (files discovered by a gbfs.json, the part read or None)."""
    head = _head(path).lstrip(b"\xef\xbb\xbf \t\r\n") if path.exists() else b""
    if path.suffix.lower() in (".json", ".geojson") or head[:1] in (b"{", b"["):
        obj = tab.read_json(path)
        return _read_json(path, obj, report)
    frame = tab.read_csv_table(path, report=report)
    return [], _part_from_table(frame, str(path))


def _read_json(path: Path, obj: Any, report: Report) -> tuple[list[Path], _Part | None]:
    file = str(path)
    if isinstance(obj, list):  # Opendatasoft JSON export: a list of records
        return [], _part_from_table(_records_frame(obj, file), file)
    if not isinstance(obj, dict):
        raise UnusableInputError(Msg("error.not_gbfs"), file=file)
    if obj.get("type") == "FeatureCollection":
        return [], _part_from_table(_features_frame(obj, file), file)
    data = obj.get("data")
    if not isinstance(data, dict):
        if isinstance(obj.get("results"), list):  # Opendatasoft API v2.1 page
            return [], _part_from_table(_records_frame(obj["results"], file), file)
        raise UnusableInputError(Msg("error.gbfs_no_data"), file=file, field="data")
    feeds = _discovery_feeds(data)
    if feeds is not None:
        return _discover(path, feeds, report), None
    stations = data.get("stations")
    if not isinstance(stations, list):
        raise UnusableInputError(Msg("error.gbfs_no_stations"), file=file, field="stations")
    last_updated = tab.to_utc(pd.Series([obj.get("last_updated")])).iloc[0]
    last_updated = None if pd.isna(last_updated) else last_updated
    kind = _gbfs_kind(path, stations)
    frame = _gbfs_frame(stations, kind, file)
    return [], _Part(file, frame, has_info=kind == "info", has_status=kind == "status",
                     last_updated=last_updated)


def _discovery_feeds(data: dict) -> list[dict] | None:
    """Feeds of a gbfs.json: v3 ``data.feeds``; v2 ``data.<language>.feeds`` (fr preferred)."""
    if isinstance(data.get("feeds"), list):
        return data["feeds"]
    langs = {k: v for k, v in data.items() if isinstance(v, dict) and isinstance(v.get("feeds"), list)}
    if not langs:
        return None
    lang = "fr" if "fr" in langs else sorted(langs)[0]
    return langs[lang]["feeds"]


def _discover(path: Path, feeds: list[dict], report: Report) -> list[Path]:
    """Local files for the station feeds of a gbfs.json: the URL's file name, or ``<name>.json``,
    beside the discovery file."""
    found = []
    for name in ("station_information", "station_status"):
        feed = next((f for f in feeds if isinstance(f, dict) and f.get("name") == name), None)
        candidates = [path.parent / f"{name}.json"]
        if feed and feed.get("url"):
            base = Path(urlparse(str(feed["url"])).path).name
            if base:
                candidates.insert(0, path.parent / (base if base.endswith(".json") else base + ".json"))
        local = next((c for c in candidates if c.exists()), None)
        if local is not None:
            found.append(local)
        elif feed is not None:
            report.notice("feed_not_found",
                          Msg("finding.feed_not_found", feed=name, files=", ".join(c.name for c in candidates)),
                          file=str(path), field=name)
    return found


def _gbfs_kind(path: Path, stations: list) -> str:
    name = path.name.lower()
    if "station_status" in name or "status" in name:
        return "status"
    if "station_information" in name or "information" in name:
        return "info"
    sample = next((s for s in stations if isinstance(s, dict)), {})
    if any(k in sample for k in ("num_bikes_available", "num_vehicles_available",
                                 "num_docks_available", "vehicle_types_available")):
        return "status"
    if "lat" in sample or "lon" in sample:
        return "info"
    raise UnusableInputError(Msg("error.gbfs_kind"),
                             file=str(path), field="stations")


def _gbfs_name(value: Any) -> Any:
    """GBFS v2 ``name`` is a string; v3 is a list of ``{text, language}`` (French preferred)."""
    if isinstance(value, list):
        texts = [v for v in value if isinstance(v, dict) and v.get("text")]
        fr = [v["text"] for v in texts if str(v.get("language", "")).lower().startswith("fr")]
        return fr[0] if fr else (texts[0]["text"] if texts else None)
    return value


def _gbfs_frame(stations: list, kind: str, file: str) -> pd.DataFrame:
    rows = []
    for s in stations:
        s = s if isinstance(s, dict) else {}
        if kind == "info":
            rows.append({"station_id": s.get("station_id"), "name": _gbfs_name(s.get("name")),
                         "address": _gbfs_name(s.get("address")), "lon": s.get("lon"),
                         "lat": s.get("lat"), "capacity": s.get("capacity")})
        else:
            bikes = s.get("num_bikes_available", s.get("num_vehicles_available"))
            if bikes is None and isinstance(s.get("vehicle_types_available"), list):
                counts = [v.get("count") for v in s["vehicle_types_available"] if isinstance(v, dict)]
                bikes = sum(c for c in counts if isinstance(c, (int, float))) if counts else None
            rows.append({"station_id": s.get("station_id"), "bikes_available": bikes,
                         "docks_available": s.get("num_docks_available"),
                         "is_installed": s.get("is_installed"), "is_renting": s.get("is_renting"),
                         "is_returning": s.get("is_returning"),
                         "status_time": s.get("last_reported")})
    fields = _INFO_FIELDS if kind == "info" else _STATUS_FIELDS
    frame = pd.DataFrame(rows, columns=list(fields), dtype="object")
    frame[tab.ROW] = np.arange(1, len(frame) + 1, dtype="int64")
    frame[tab.FILE] = file
    return frame


def _records_frame(records: list, file: str) -> pd.DataFrame:
    rows = []
    for r in records:
        r = r if isinstance(r, dict) else {}
        r = r.get("fields", r) if isinstance(r.get("fields"), dict) else r  # ODS API v1 records
        rows.append(r)
    frame = pd.DataFrame(rows, dtype="object")
    frame[tab.ROW] = np.arange(1, len(frame) + 1, dtype="int64")
    return frame


def _features_frame(obj: dict, file: str) -> pd.DataFrame:
    rows = []
    for feat in obj.get("features") or []:
        feat = feat if isinstance(feat, dict) else {}
        props = dict(feat.get("properties") or {})
        geom = feat.get("geometry") or {}
        coords = geom.get("coordinates") if isinstance(geom, dict) else None
        if geom.get("type") == "Point" and isinstance(coords, list) and len(coords) >= 2:
            props.setdefault("lon", coords[0])
            props.setdefault("lat", coords[1])
        rows.append(props)
    frame = pd.DataFrame(rows, dtype="object")
    frame[tab.ROW] = np.arange(1, len(frame) + 1, dtype="int64")
    return frame


def _part_from_table(frame: pd.DataFrame, file: str) -> _Part:
    """A table export (CSV or JSON records) -> canonical columns."""
    frame = tab.rename_columns(frame, _ALIASES)
    if "coordinates" in frame.columns and not {"lon", "lat"} <= set(frame.columns):
        frame = _split_coordinates(frame)
    if "station_id" not in frame.columns:
        raise UnusableInputError(Msg("error.no_station_id"), file=file,
                                 field="station_id")
    if "address" not in frame.columns and "street" in frame.columns:
        number = frame.get("street_number", pd.Series("", index=frame.index)).astype(str)
        frame["address"] = (number.where(number.str.strip().ne("") & number.ne("nan"), "") + " "
                            + frame["street"].astype(str)).str.strip()
    has_info = {"lon", "lat"} <= set(frame.columns)
    has_status = "bikes_available" in frame.columns or "docks_available" in frame.columns
    if not has_info and not has_status:
        raise UnusableInputError(Msg("error.no_station_columns"),
                                 file=file, field="lon")
    if "state" in frame.columns:
        working = frame["state"].astype(str).str.strip().str.lower().isin(_WORKING_STATES)
        state_known = frame["state"].astype(str).str.strip().ne("")
        for col in ("is_renting", "is_returning"):
            if col not in frame.columns:
                frame[col] = working.where(state_known, None)
    frame[tab.FILE] = file
    keep = [c for c in dict.fromkeys(_INFO_FIELDS + _STATUS_FIELDS) if c in frame.columns]
    return _Part(file, frame[keep + [tab.ROW, tab.FILE]].copy(), has_info, has_status)


def _split_coordinates(frame: pd.DataFrame) -> pd.DataFrame:
    """Opendatasoft ``geo_point_2d`` / ``coordonnees``: ``"lat, lon"`` text, a ``{lon, lat}``
    object or a ``[lat, lon]`` list. The order of a pair is told by range (|lat| > |lon| in France)."""
    out = frame.copy()
    col = out["coordinates"]
    as_dict = col.map(lambda v: isinstance(v, dict))
    lon = pd.Series(np.nan, index=out.index)
    lat = pd.Series(np.nan, index=out.index)
    if as_dict.any():
        lon[as_dict] = tab.to_float(col[as_dict].map(lambda d: d.get("lon")))
        lat[as_dict] = tab.to_float(col[as_dict].map(lambda d: d.get("lat")))
    if (~as_dict).any():
        a, b = tab.parse_pair(col[~as_dict])
        lat_first = a.abs() >= b.abs()
        lat[~as_dict] = a.where(lat_first, b)
        lon[~as_dict] = b.where(lat_first, a)
    out["lon"], out["lat"] = lon, lat
    return out


# -- checking and joining ----------------------------------------------------------------------

def _check_info(info: pd.DataFrame, report: Report, bbox: tuple[float, float, float, float]) -> pd.DataFrame:
    out = info.copy()
    out["station_id"] = tab.clean_str(out["station_id"], nulls=tab.NULL_TOKENS)
    for col in ("name", "address"):
        out[col] = tab.clean_str(out[col]) if col in out.columns else pd.Series(pd.NA, index=out.index, dtype="string")
    out["lon"] = tab.to_float(out["lon"])
    out["lat"] = tab.to_float(out["lat"])
    out["capacity"] = (tab.to_int(out["capacity"]) if "capacity" in out.columns
                       else pd.Series(pd.NA, index=out.index, dtype="Int64"))
    kept = []
    for file, group in out.groupby(tab.FILE, sort=False):
        group = report.quarantine_mask(group, group["station_id"].isna(), code="missing_required_field",
                                       message=Msg("finding.field_empty", field="station_id"), field="station_id",
                                       file=file)
        group = check_coordinates(group, report, bbox=bbox, file=file)
        kept.append(group)
    out = pd.concat(kept) if kept else out.iloc[:0]
    for file, group in out[out["station_id"].duplicated(keep="first")].groupby(tab.FILE, sort=False):
        report.quarantine_mask(group, np.ones(len(group), bool), code="duplicate_key",
                               message=Msg("finding.already_seen", field="station_id"), field="station_id", file=file)
    out = out[~out["station_id"].duplicated(keep="first")]
    negative = out["capacity"].fillna(0) < 0
    for _, r in out[negative].iterrows():
        report.notice("invalid_capacity", Msg("finding.negative_capacity"), file=r[tab.FILE],
                      row=int(r[tab.ROW]), field="capacity", value=r["capacity"])
    out.loc[negative, "capacity"] = pd.NA
    return out


def _join_status(info: pd.DataFrame, status: pd.DataFrame, status_parts: list[_Part],
                 report: Report, *, now: datetime | pd.Timestamp | None,
                 max_status_age_s: float) -> pd.DataFrame:
    out = info.drop(columns=[c for c in _STATUS_FIELDS if c != "station_id" and c in info.columns])
    n = len(out)
    out["bikes_available"] = pd.Series(pd.NA, index=out.index, dtype="Int64")
    out["docks_available"] = pd.Series(pd.NA, index=out.index, dtype="Int64")
    out["is_renting"] = pd.Series(pd.NA, index=out.index, dtype="boolean")
    out["is_returning"] = pd.Series(pd.NA, index=out.index, dtype="boolean")
    out["status_time"] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns, UTC]")
    out["status_known"] = False
    if status.empty:
        files = ", ".join(sorted(set(out[tab.FILE]))) if n else None
        report.notice("status_missing", Msg("finding.status_missing_all", n=n), file=files, field="station_status")
        return out

    st = status.copy()
    st["station_id"] = tab.clean_str(st["station_id"], nulls=tab.NULL_TOKENS)
    for col in ("bikes_available", "docks_available"):
        st[col] = tab.to_int(st[col]) if col in st.columns else pd.Series(pd.NA, index=st.index, dtype="Int64")
    for col in ("is_installed", "is_renting", "is_returning"):
        st[col] = tab.to_bool(st[col]) if col in st.columns else pd.Series(pd.NA, index=st.index, dtype="boolean")
    times = tab.to_utc(st["status_time"]) if "status_time" in st.columns else pd.Series(
        pd.NaT, index=st.index, dtype="datetime64[ns, UTC]")
    file_time = {p.file: p.last_updated for p in status_parts if p.last_updated is not None}
    if file_time:
        fallback = st[tab.FILE].map(file_time)
        times = times.fillna(pd.to_datetime(fallback, utc=True))
    st["status_time"] = times

    st = st[st["station_id"].notna()]
    dup = st["station_id"].duplicated(keep="first")
    for file, group in st[dup].groupby(tab.FILE, sort=False):
        report.quarantine_mask(group, np.ones(len(group), bool), code="duplicate_key",
                               message=Msg("finding.status_twice"), field="station_id", file=file)
    st = st[~dup]
    # status rows of stations that are not in the station information
    separate = st[tab.FILE].isin(set(st[tab.FILE]) - set(out[tab.FILE]))
    unknown = separate & ~st["station_id"].isin(set(out["station_id"]))
    for file, group in st[unknown].groupby(tab.FILE, sort=False):
        report.quarantine_mask(group, np.ones(len(group), bool), code="foreign_key_violation",
                               message=Msg("finding.not_in", field="station_id", other="station_information"),
                               field="station_id", file=file)
    st = st[~unknown].set_index("station_id")

    has = out["station_id"].isin(st.index)
    ids = out.loc[has, "station_id"]
    for col in ("bikes_available", "docks_available", "is_renting", "is_returning", "status_time"):
        out.loc[has, col] = st.loc[ids, col].to_numpy()
    installed = st.loc[ids, "is_installed"].to_numpy()
    not_installed = pd.array(installed, dtype="boolean") == False  # noqa: E712  (NA-aware)
    for col in ("is_renting", "is_returning"):
        vals = out.loc[has, col].copy()
        vals[np.asarray(not_installed.fillna(False))] = False
        out.loc[has, col] = vals
    out["status_known"] = has.to_numpy()

    for _, r in out[~has].iterrows():
        report.notice("status_missing", Msg("finding.status_missing"),
                      file=r[tab.FILE], row=int(r[tab.ROW]), field="station_id", value=r["station_id"])

    reference = _reference_time(now, status_parts, out["status_time"])
    if reference is not None:
        limit = reference - pd.Timedelta(seconds=float(max_status_age_s))
        stale = has & out["status_time"].notna() & (out["status_time"] < limit)
        for _, r in out[stale].iterrows():
            age = (reference - r["status_time"]).total_seconds()
            report.notice("status_stale", Msg("finding.status_stale", s=round(age), max_s=round(max_status_age_s)),
                          file=r[tab.FILE], row=int(r[tab.ROW]),
                          field="status_time", value=r["status_time"].isoformat())
        out.loc[stale, ["bikes_available", "docks_available"]] = pd.NA
        out.loc[stale, ["is_renting", "is_returning"]] = pd.NA
        out.loc[stale, "status_known"] = False
    return out


def _reference_time(now: datetime | pd.Timestamp | None, status_parts: list[_Part],
                    times: pd.Series) -> pd.Timestamp | None:
    if now is not None:
        ts = pd.Timestamp(now)
        return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    feed_times = [p.last_updated for p in status_parts if p.last_updated is not None]
    if feed_times:
        return max(feed_times)
    return times.max() if times.notna().any() else None

