"""Rennes Métropole commuter survey 2020: answers (CSV, latin-1) and employer locations (GeoJSON).

Column contract :data:`COLUMNS` (both loaders; the employers frame adds nothing but its
coordinates come from the geometry). Question codes of the source: ``a1`` main mode,
``a3`` business zone, ``etbst`` employer, ``b8`` schedule type, ``b9_1``..``b9_5`` start
time Monday..Friday, ``b9b`` start time when the same every day, ``x``/``y`` WGS84.

Defects handled:

* the CSV is latin-1 (decoded as such when it is not valid UTF-8);
* the answer "Heures fixes, variant selon le jour de semaine" was written unquoted:
  its comma shifts the row one field to the right and the latitude is lost. Such rows
  are re-aligned (notice ``field_shift_repaired``) and the latitude is recovered from
  the other answers at the same employer longitude when that is unambiguous (notice
  ``coordinates_recovered``), else left missing (notice ``missing_coordinates``);
* the employers GeoJSON geometry is EPSG:3857 while its ``x``/``y`` properties are WGS84:
  the CRS is detected (declared member, else magnitudes) and reprojected; a point whose
  geometry and properties disagree by more than ``tolerance_m`` is quarantined
  (``geometry_property_mismatch``).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sources.messages import Msg

from ..errors import SchemaError, UnusableInputError
from ..geo import haversine_m, in_bbox
from ..validate import INFO, Loaded, Report, area_params
from . import _csv, _geo

DAYS = ("mon", "tue", "wed", "thu", "fri")

COLUMNS: dict[str, str] = {
    "answer_id": "int64",
    "mode": "object",  # as answered (a1), e.g. "Voiture (seul(e))"
    "mode_group": "object",  # car_solo, carpool, bike, transit, walk, motorbike, train, coach, other
    "business_zone": "object",  # a3, e.g. "Champs Blancs"
    "employer": "object",  # etbst (None when not given)
    "schedule": "object",  # b8
    **{f"start_{d}_s": "float64" for d in DAYS},  # b9_1..b9_5, seconds after midnight
    "start_same_s": "float64",  # b9b: start time when the same every day
    "lon": "float64",
    "lat": "float64",
}

#: Answer of ``a1`` -> mode group (lower-cased, accents kept).
MODE_GROUPS: dict[str, str] = {
    "voiture (seul(e))": "car_solo",
    "voiture (à plusieurs / covoiturage)": "carpool",
    "vélo / vae / vélostar": "bike",
    "métro / bus": "transit",
    "marche à pied": "walk",
    "moto / scooter": "motorbike",
    "train": "train",
    "car": "coach",
    "autre": "other",
}

_SOURCE_COLS = ("id", "a1", "a3", "etbst", "b8", "b9_1", "b9_2", "b9_3", "b9_4", "b9_5", "b9b",
                "x", "y")
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
#: Where employers of the survey may lie (Rennes Métropole and a margin), WGS84.
_SURVEY_AREA = _geo.STAR_AREA_BBOX


def load_survey(paths: Path | Sequence[Path], *, strict: bool = False) -> Loaded:
    """Answers of the 2020 commuter survey.

    Parameters
    ----------
    paths
        ``commuter-survey-2020.csv`` (``,``-separated, latin-1 or UTF-8).

    Returns
    -------
    Loaded
        DataFrame with :data:`COLUMNS`, one row per answer. Answers are kept even when
        their coordinates are unknown (``lon``/``lat`` NaN, notice ``missing_coordinates``):
        the survey is about modes and times. Quarantined: ``missing_required_field`` (no
        id), ``duplicate_key``, ``invalid_time`` (a start time that is not HH:MM[:SS],
        the value is set to NaN and the row kept as a notice) and ``point_outside_area``.
        Stats: ``answers``, ``by_mode_group``, ``employers``, ``business_zones``.
    """
    report = Report("commuter-survey")
    frames = [_read_survey_csv(p, report) for p in _geo.as_paths(paths)]
    frame = pd.concat(frames, ignore_index=True)
    out = _finish(frame, report)
    report.rows_kept = len(out)
    report.stats = _stats(out)
    for code in ("field_shift_repaired", "coordinates_recovered", "missing_coordinates"):
        report.stats[code] = sum(1 for n in report.notices if n.code == code)
    _geo.raise_if_strict(report, strict)
    return Loaded(out, report)


def load_survey_employers(paths: Path | Sequence[Path], *, strict: bool = False,
                          tolerance_m: float = 50.0) -> Loaded:
    """Survey answers located at their employer (GeoJSON, geometry possibly EPSG:3857).

    Parameters
    ----------
    paths
        ``commuter-survey-employers.geojson``.
    tolerance_m
        Largest distance allowed between the (reprojected) geometry and the ``x``/``y``
        properties before the row is quarantined (``geometry_property_mismatch``).

    Returns
    -------
    Loaded
        DataFrame with :data:`COLUMNS`; ``lon``/``lat`` come from the geometry (WGS84).
        Stats: ``answers``, ``source_crs``, ``max_property_gap_m``, ``by_mode_group``.
    """
    report = Report("survey-employers")
    parts = []
    crs_seen = []
    for path in _geo.as_paths(paths):
        attrs, geoms, crs = _geo.read_features(path, report, area_bbox=_SURVEY_AREA,
                                               required=("id", "a1"))
        crs_seen.append(crs)
        file = str(path)
        is_point = np.array([g is not None and g.geom_type == "Point" for g in geoms], dtype=bool)
        for row in attrs.loc[~is_point, "_row"]:
            report.quarantine("invalid_geometry", Msg("finding.not_a_point"), file=file,
                              row=int(row), field="geometry")
        attrs, geoms = attrs.loc[is_point].reset_index(drop=True), geoms[is_point]
        attrs["lon"] = np.array([g.x for g in geoms], dtype=float)
        attrs["lat"] = np.array([g.y for g in geoms], dtype=float)
        px = pd.to_numeric(attrs.get("x"), errors="coerce")
        py = pd.to_numeric(attrs.get("y"), errors="coerce")
        gap = haversine_m(attrs["lon"].to_numpy(), attrs["lat"].to_numpy(),
                          np.asarray(px, dtype=float), np.asarray(py, dtype=float))
        attrs["_gap_m"] = gap
        bad = np.isfinite(gap) & (gap > tolerance_m)
        for row, g in zip(attrs.loc[bad, "_row"], gap[bad], strict=True):
            report.quarantine("geometry_property_mismatch",
                              Msg("finding.xy_apart", m=round(float(g)), tolerance=float(tolerance_m)),
                              file=file, row=int(row), field="geometry", value=round(float(g), 1))
        attrs = attrs.loc[~bad]
        attrs["_file"] = file
        parts.append(attrs)
    frame = pd.concat(parts, ignore_index=True)
    gaps = frame["_gap_m"].to_numpy(dtype=float)
    frame = frame.drop(columns=["x", "y"], errors="ignore").rename(columns={"lon": "x", "lat": "y"})
    out = _finish(frame, report, coords_from_geometry=True)
    report.rows_kept = len(out)
    report.stats = _stats(out)
    report.stats["source_crs"] = sorted(set(crs_seen))
    finite = gaps[np.isfinite(gaps)]
    report.stats["max_property_gap_m"] = round(float(finite.max()), 3) if len(finite) else None
    _geo.raise_if_strict(report, strict)
    return Loaded(out, report)


# -- CSV reading -------------------------------------------------------------------------------

def _read_survey_csv(path: Path, report: Report) -> pd.DataFrame:
    file = str(path)
    raw = _csv.read_bytes(path)
    _csv.check_header(raw, label=file, sep=",")  # budgets (bytes, columns) before parsing
    try:
        text = raw.decode("utf-8-sig")
        encoding = "utf-8"
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
        encoding = "latin-1"
    report.files.append(file)
    if encoding != "utf-8":
        report.notice("non_utf8_encoding", Msg("finding.decoded_as", encoding="latin-1"), severity=INFO, file=file)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=",",
                            skipinitialspace=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise UnusableInputError(Msg("error.csv_unreadable", detail=str(exc)), file=file) from exc
    missing = [c for c in _SOURCE_COLS if c not in frame.columns]
    if missing:
        raise SchemaError(Msg("error.columns_missing", columns=", ".join(missing)), file=file,
                          field=missing[0])
    frame = frame.reset_index(drop=True)
    frame["_row"] = np.arange(1, len(frame) + 1)
    frame["_file"] = file
    report.rows_read += len(frame)
    return _repair_shifted(frame, report, file)


def _repair_shifted(frame: pd.DataFrame, report: Report, file: str) -> pd.DataFrame:
    """Re-align rows where an unquoted comma in ``b8`` pushed every later field right."""
    shifted = frame["b9_1"].str.strip().str.startswith("variant selon").to_numpy()
    if not shifted.any():
        return frame
    out = frame.copy()
    cols = ["b9_1", "b9_2", "b9_3", "b9_4", "b9_5", "b9b", "x", "y"]
    src = out.loc[shifted, cols].to_numpy()
    out.loc[shifted, "b8"] = out.loc[shifted, "b8"] + "," + src[:, 0]
    out.loc[shifted, cols[:-1]] = src[:, 1:]
    out.loc[shifted, "y"] = "NA"
    out["_lat_lost"] = shifted
    for row in out.loc[shifted, "_row"]:
        report.notice("field_shift_repaired", Msg("finding.field_shift", field="b8"),
                      severity=INFO, file=file, row=int(row), field="b8")
    return out


# -- shared typing -----------------------------------------------------------------------------

def _finish(frame: pd.DataFrame, report: Report, *, coords_from_geometry: bool = False
            ) -> pd.DataFrame:
    frame = frame.copy()
    frame["answer_id"] = pd.to_numeric(frame["id"], errors="coerce")
    frame = _quarantine(frame, report, frame["answer_id"].isna(), "missing_required_field",
                        Msg("finding.not_integer", field="id"), "id")
    frame = _quarantine(frame, report, frame.duplicated("answer_id", keep="first"), "duplicate_key",
                        Msg("finding.duplicate_first_kept", keys="id"), "id")
    frame["mode"] = frame["a1"].map(_geo.text)
    frame["mode_group"] = frame["mode"].map(lambda m: MODE_GROUPS.get(m.lower(), "other")
                                            if m else None)
    unknown = frame["mode"].notna() & ~frame["mode"].str.lower().isin(MODE_GROUPS)
    for mode in sorted(frame.loc[unknown, "mode"].unique()):
        report.notice("unknown_value", Msg("finding.mode_other"), field="a1",
                      value=mode)
    frame["business_zone"] = frame["a3"].map(_geo.text)
    frame["employer"] = frame["etbst"].map(_geo.text)
    frame["schedule"] = frame["b8"].map(_geo.text)
    for src, dst in [*zip(("b9_1", "b9_2", "b9_3", "b9_4", "b9_5"), [f"start_{d}_s" for d in DAYS], strict=True),
                     ("b9b", "start_same_s")]:
        frame[dst] = _times_s(frame, src, report)
    frame["lon"] = pd.to_numeric(frame["x"].astype(str).str.strip(), errors="coerce")
    frame["lat"] = pd.to_numeric(frame["y"].astype(str).str.strip(), errors="coerce")
    if not coords_from_geometry:
        frame = _recover_lat(frame, report)
    no_xy = frame["lon"].isna() | frame["lat"].isna()
    for _, r in frame[no_xy].iterrows():
        report.notice("missing_coordinates", Msg("finding.coordinates_unknown_kept"),
                      file=r["_file"], row=int(r["_row"]), field="y")
    far = ~no_xy & ~in_bbox(frame["lon"], frame["lat"], _SURVEY_AREA)
    frame = _quarantine(frame, report, far, "point_outside_area",
                        Msg("finding.outside_area", **area_params(_SURVEY_AREA)), "x")
    frame = frame.sort_values("answer_id", kind="stable").reset_index(drop=True)
    out = _geo.typed(frame, COLUMNS)
    xy = out.dropna(subset=["lon", "lat"])
    report.set_bbox(xy["lon"], xy["lat"])
    return out


def _recover_lat(frame: pd.DataFrame, report: Report) -> pd.DataFrame:
    """Fill latitudes lost by the shift from answers at the same employer longitude."""
    if "_lat_lost" not in frame:
        return frame
    known = frame[frame["lat"].notna() & frame["lon"].notna()]
    per_lon = known.groupby("lon")["lat"].agg(["nunique", "first"])
    unique = per_lon.loc[per_lon["nunique"] == 1, "first"]
    lost = frame["_lat_lost"].fillna(False).astype(bool) & frame["lat"].isna()
    fill = frame.loc[lost, "lon"].map(unique)
    frame.loc[fill.index, "lat"] = fill
    for _, r in frame.loc[fill.dropna().index].iterrows():
        report.notice("coordinates_recovered", Msg("finding.latitude_recovered"),
                      severity=INFO, file=r["_file"], row=int(r["_row"]), field="y",
                      value=r["lat"])
    return frame


def _times_s(frame: pd.DataFrame, col: str, report: Report) -> pd.Series:
    values = frame[col].map(_geo.text)
    out = np.full(len(frame), np.nan)
    for i, v in enumerate(values):
        if v is None:
            continue
        m = _TIME_RE.match(v)
        if m and int(m.group(1)) < 24 and int(m.group(2)) < 60 and int(m.group(3) or 0) < 60:
            out[i] = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3) or 0)
        else:
            r = frame.iloc[i]
            report.notice("invalid_time", Msg("finding.time_left_empty"), file=r["_file"],
                          row=int(r["_row"]), field=col, value=v)
    return pd.Series(out, index=frame.index)


def _quarantine(frame: pd.DataFrame, report: Report, mask: Any, code: str, message: Msg,
                field: str) -> pd.DataFrame:
    mask = np.asarray(mask, dtype=bool)
    for _, r in frame[mask].iterrows():
        report.quarantine(code, message, file=r["_file"], row=int(r["_row"]), field=field,
                          value=r.get(field))
    return frame.loc[~mask]


def _stats(out: pd.DataFrame) -> dict[str, Any]:
    return {
        "answers": int(len(out)),
        "with_coordinates": int((out["lon"].notna() & out["lat"].notna()).sum()),
        "employers": int(out["employer"].nunique()),
        "business_zones": int(out["business_zone"].nunique()),
        "by_mode_group": {str(k): int(v) for k, v in out["mode_group"].value_counts().items()},
    }
