"""Rennes Métropole traffic state time series on road sections (``rm-traffic-2021-02.zip``).

The zip holds one CSV (``,``, UTF-8) of the real-time traffic feed archived every few
minutes: ``datetime, traveltimereliability, denomination, trafficstatus,
averagevehiclespeed, traveltime, predefinedlocationreference, ..., Section, Direction``.
It has no geometry: join ``section_id`` with ``predefinedLocationReference`` of the
main-road layer (``streets/rm-main-roads-*``).

Column contract :data:`COLUMNS`. Quarantine codes: ``duplicate_key`` (an exact repeat of
a row: warning, first kept), ``missing_required_field`` (no section id), ``invalid_time``
(timestamp that cannot be read), ``invalid_value`` (negative speed or travel time).
Rows where speed and travel time are both 0 are kept with NaN measures (notice
``missing_measurement``).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sources.messages import Msg

from ..errors import SchemaError, UnusableInputError
from ..validate import WARNING, Loaded, Report
from . import _csv, _geo, _zip

COLUMNS: dict[str, str] = {
    "section_id": "object",  # predefinedlocationreference, "213972_D": section + direction
    "road_section": "object",  # Section, "213972"
    "direction": "category",  # "D", "G" or "GD_OneWay"
    "road_name": "object",  # denomination
    "datetime": "datetime64[ns, UTC]",
    "status": "category",  # trafficstatus: freeFlow, heavy, congested (unknown when blank)
    "speed_kmh": "float64",  # averagevehiclespeed
    "travel_time_s": "float64",  # traveltime
    "reliability_pct": "float64",  # traveltimereliability, 0..100
}

_SOURCE = {
    "predefinedlocationreference": "section_id", "section": "road_section",
    "direction": "direction", "denomination": "road_name", "datetime": "datetime",
    "trafficstatus": "status", "averagevehiclespeed": "speed_kmh", "traveltime": "travel_time_s",
    "traveltimereliability": "reliability_pct",
}
_REQUIRED = ("predefinedlocationreference", "datetime", "averagevehiclespeed")


def load_traffic_history(paths: Path | Sequence[Path], *, strict: bool = False,
                         drop_duplicates: bool = True) -> Loaded:
    """Traffic state time series (zip of CSV, or CSV files).

    Parameters
    ----------
    drop_duplicates
        Quarantine exact repeats of a row (same section, time and values) as
        ``duplicate_key`` warnings (default). The archive repeats some 504 rows.

    Returns
    -------
    Loaded
        DataFrame with :data:`COLUMNS`, sorted by ``datetime``, ``section_id``. Stats:
        ``rows`` (read), ``sections``, ``road_sections``, ``first``, ``last``,
        ``timestamps``, ``by_status`` (share of rows), ``median_speed_kmh``.
    """
    report = Report("traffic-history")
    report.crs = None
    parts = []
    for path in _geo.as_paths(paths):
        for name, data in _csv_members(path):
            parts.append(_read_csv(data, name, report))
    frame = pd.concat(parts, ignore_index=True)
    n = len(frame)
    frame = _quarantine(frame, report, frame["section_id"].isna(), "missing_required_field",
                        Msg("finding.field_empty", field="predefinedlocationreference"), "predefinedlocationreference")
    frame = _quarantine(frame, report, frame["datetime"].isna(), "invalid_time",
                        Msg("finding.bad_timestamp", field="datetime"), "datetime")
    if drop_duplicates:
        dup = frame.duplicated([c for c in COLUMNS], keep="first")
        frame = _quarantine(frame, report, dup, "duplicate_key",
                            Msg("finding.repeat_row"), "datetime",
                            severity=WARNING)
    neg = (frame["speed_kmh"] < 0) | (frame["travel_time_s"] < 0)
    frame = _quarantine(frame, report, neg, "invalid_value", Msg("finding.negative_speed"),
                        "averagevehiclespeed")
    zero = (frame["speed_kmh"] == 0) & (frame["travel_time_s"] == 0)
    if zero.any():
        frame = frame.copy()
        frame.loc[zero, ["speed_kmh", "travel_time_s"]] = np.nan
        report.notice("missing_measurement", Msg("finding.zero_measure", n=int(zero.sum())),
                      severity="info", field="averagevehiclespeed", value=int(zero.sum()))
    frame = frame.sort_values(["datetime", "section_id"], kind="stable")
    out = _geo.typed(frame, COLUMNS).reset_index(drop=True)
    report.rows_kept = len(out)
    status = out["status"].value_counts(normalize=True)
    report.stats = {
        "rows": int(n), "sections": int(out["section_id"].nunique()),
        "road_sections": int(out["road_section"].nunique()),
        "timestamps": int(out["datetime"].nunique()),
        "first": out["datetime"].min().isoformat() if len(out) else None,
        "last": out["datetime"].max().isoformat() if len(out) else None,
        "by_status": {str(k): round(float(v), 4) for k, v in status.items()},
        "median_speed_kmh": float(out["speed_kmh"].median()) if len(out) else None,
    }
    _geo.raise_if_strict(report, strict)
    return Loaded(out, report)


def _csv_members(path: Path) -> list[tuple[str, bytes]]:
    """(name, bytes) of the CSV(s) of a zip, or of a plain CSV file, within the budgets
    (file bytes; archive and entry sizes and ratio, checked before inflating)."""
    file = str(path)
    raw = _csv.read_bytes(path, label=file)
    if raw[:2] != b"PK":
        if path.suffix.lower() == ".zip":
            raise UnusableInputError(Msg("error.not_zip_archive"), file=file)
        return [(file, raw)]
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            infos = [i for i in zf.infolist()
                     if i.filename.lower().endswith(".csv") and not i.filename.startswith("__MACOSX")]
            if not infos:
                raise UnusableInputError(Msg("error.zip_no_csv"), file=file)
            limits = _zip.check_archive(infos, file)
            out, total = [], 0
            for info in infos:
                data = _zip.read_member(zf, info, file, limits=limits, already=total)
                total += len(data)
                out.append((f"{file}!{info.filename}", data))
            return out
    except (zipfile.BadZipFile, EOFError, OSError, zipfile.LargeZipFile) as exc:
        raise UnusableInputError(Msg("error.zip_corrupt", detail=str(exc)), file=file) from exc


def _read_csv(data: bytes, name: str, report: Report) -> pd.DataFrame:
    sep = ";" if data[:2000].count(b";") > data[:2000].count(b",") else ","
    raw = _csv.read_csv_bytes(data, label=name, report=report, sep=sep, encoding="utf-8-sig")
    rows = raw.pop("_row").to_numpy(dtype="int64")
    raw.columns = [c.strip().lower() for c in raw.columns]
    missing = [c for c in _REQUIRED if c not in raw.columns]
    if missing:
        raise SchemaError(Msg("error.columns_missing", columns=", ".join(missing)), file=name,
                          field=missing[0])
    report.files.append(name)
    report.rows_read += raw.attrs.get("rows_read", len(raw))
    out = pd.DataFrame(index=raw.index)
    out["section_id"] = raw["predefinedlocationreference"].str.strip().replace("", None)
    sec = raw["section"] if "section" in raw else out["section_id"].str.split("_").str[0]
    out["road_section"] = sec.str.strip()
    out["direction"] = (raw["direction"] if "direction" in raw
                        else out["section_id"].str.split("_").str[1]).str.strip()
    out["road_name"] = raw["denomination"].str.strip() if "denomination" in raw else None
    out["datetime"] = pd.to_datetime(raw["datetime"], errors="coerce", utc=True, format="ISO8601")
    status = raw["trafficstatus"].str.strip() if "trafficstatus" in raw else ""
    out["status"] = pd.Series(status, index=raw.index).replace("", "unknown")
    for src, dst in (("averagevehiclespeed", "speed_kmh"), ("traveltime", "travel_time_s"),
                     ("traveltimereliability", "reliability_pct")):
        out[dst] = (pd.to_numeric(raw[src], errors="coerce") if src in raw
                    else np.nan).astype("float64")
    out["_file"] = name
    out["_row"] = rows
    return out


def _quarantine(frame: pd.DataFrame, report: Report, mask: pd.Series, code: str, message: Msg,
                field: str, severity: str = "error") -> pd.DataFrame:
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return frame
    for file, row in zip(frame.loc[mask, "_file"], frame.loc[mask, "_row"], strict=True):
        report.quarantine(code, message, file=file, row=int(row), field=field, severity=severity)
    return frame.loc[~mask]
