"""Shared helpers of the geographic JSON loaders (territory, survey, STAR exports, REV, ...).

What they handle, once for every loader:

* reading a JSON file (UTF-8, optional BOM) and turning every failure into an
  :class:`~sources.errors.UnusableInputError` that names the file;
* the record shapes met in the Rennes exports: GeoJSON FeatureCollections,
  Opendatasoft "json" exports (a list of flat records with ``geo_shape`` /
  ``geo_point_2d``) and Opendatasoft API v1 answers (``{"records": [{"fields": ...}]}``);
* geometries: parsing, CRS detection (declared ``crs`` member, else coordinate
  magnitudes checked against the expected area) and reprojection to WGS84;
* the report plumbing shared by the loaders (file list, bbox, ``strict=``).

Nothing here reads settings or touches the network; no work at import time.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SchemaError, UnusableInputError
from ..geo import in_bbox
from ..messages import Msg
from ..validate import ERROR, Report, area_params, strict_error
from ._tabular import as_paths as as_paths  # one rule for the ``paths`` argument of every loader

WGS84 = "EPSG:4326"
WEB_MERCATOR = "EPSG:3857"
LAMBERT93 = "EPSG:2154"

#: Candidate projected CRS tried, in order, when a file declares none and its
#: coordinates are not degrees.
CANDIDATE_CRS = (WEB_MERCATOR, LAMBERT93)

#: STAR service area (Rennes Métropole and a margin: a few lines leave it), WGS84.
STAR_AREA_BBOX = (-2.2, 47.8, -1.2, 48.5)

_CRS_RE = re.compile(r"(?:EPSG:+|EPSG/0/|crs:|CRS)(\d+)", re.IGNORECASE)


# -- paths and files ------------------------------------------------------------------------

def read_json(path: Path) -> Any:
    """Parse a JSON file; every failure becomes an :class:`UnusableInputError` naming the file.

    Accepts a UTF-8 BOM. A file that is not valid UTF-8 is decoded as latin-1 (with a
    clear error if that still does not parse).
    """
    from ._csv import read_bytes

    raw = read_bytes(path)  # within the max_file_bytes budget
    if not raw.strip():
        raise UnusableInputError(Msg("error.file_empty"), file=str(path))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    try:
        return json.loads(text)
    except RecursionError as exc:
        raise UnusableInputError(Msg("error.json_deep"), file=str(path)) from exc
    except json.JSONDecodeError as exc:
        raise UnusableInputError(
            Msg("error.not_json", detail=exc.msg, line=exc.lineno, column=exc.colno),
            file=str(path), row=exc.lineno) from exc


def records_of(doc: Any, path: Path) -> list[dict[str, Any]]:
    """The records of a parsed export, as flat dicts with a ``"__geometry__"`` entry.

    Handles GeoJSON FeatureCollections (properties + geometry), Opendatasoft JSON
    exports (a list of flat records) and Opendatasoft API v1 answers
    (``{"records": [{"fields": {...}, "geometry": {...}}]}``, also a bare list of them).
    The input is not modified.
    """
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        items = doc.get("features")
        if not isinstance(items, list):
            raise UnusableInputError(Msg("error.no_features"), file=str(path))
        out = []
        for i, feat in enumerate(items, start=1):
            if not isinstance(feat, dict):
                raise UnusableInputError(Msg("error.not_an_object"), file=str(path), row=i)
            props = feat.get("properties") or {}
            if not isinstance(props, dict):
                raise UnusableInputError(Msg("error.not_an_object"), file=str(path),
                                         row=i, field="properties")
            rec = dict(props)
            rec["__geometry__"] = feat.get("geometry")
            if "id" in feat and "id" not in rec:
                rec["__feature_id__"] = feat["id"]
            out.append(rec)
        return out
    if isinstance(doc, dict) and isinstance(doc.get("records"), list):
        doc = doc["records"]
    if isinstance(doc, list):
        out = []
        for i, item in enumerate(doc, start=1):
            if not isinstance(item, dict):
                raise UnusableInputError(Msg("error.not_an_object"), file=str(path), row=i)
            if isinstance(item.get("fields"), dict):  # Opendatasoft API v1 record
                rec = dict(item["fields"])
                rec["__geometry__"] = item.get("geometry")
                if "record_timestamp" in item:
                    rec.setdefault("record_timestamp", item["record_timestamp"])
            else:
                rec = dict(item)
                rec["__geometry__"] = ods_geometry(item.get("geo_shape"))
            out.append(rec)
        return out
    raise UnusableInputError(
        Msg("error.unexpected_json"),
        file=str(path))


def declared_crs(doc: Any) -> str | None:
    """The CRS a GeoJSON document declares in its (legacy) ``crs`` member, e.g. ``"EPSG:3857"``."""
    if not isinstance(doc, dict):
        return None
    crs = doc.get("crs")
    if not isinstance(crs, dict):
        return None
    name = (crs.get("properties") or {}).get("name")
    if not isinstance(name, str):
        return None
    if name.upper().endswith("CRS84"):
        return WGS84
    m = _CRS_RE.search(name)
    return f"EPSG:{m.group(1)}" if m else None


# -- geometries ------------------------------------------------------------------------------

def ods_geometry(value: Any) -> dict[str, Any] | None:
    """The GeoJSON geometry dict inside an Opendatasoft ``geo_shape`` (Feature or geometry)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (json.JSONDecodeError, RecursionError):
            return None
    if not isinstance(value, dict):
        return None
    if value.get("type") == "Feature":
        geom = value.get("geometry")
        return geom if isinstance(geom, dict) else None
    return value


def ods_point(value: Any) -> tuple[float, float]:
    """(lon, lat) of an Opendatasoft point: ``{"lon", "lat"}``, ``[lat, lon]`` or ``"lat, lon"``.

    Returns (nan, nan) when it cannot be read.
    """
    nan = (math.nan, math.nan)
    if isinstance(value, dict):
        return _float(value.get("lon")), _float(value.get("lat"))
    if isinstance(value, str):
        value = [v for v in re.split(r"[,;\s]+", value.strip("[] ")) if v]
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return _float(value[1]), _float(value[0])
    return nan


def _float(value: Any) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return math.nan
    return out if math.isfinite(out) else math.nan


def parse_geometries(geoms: Iterable[Any]) -> tuple[np.ndarray, list[str | None]]:
    """Shapely geometries of GeoJSON geometry dicts, and one problem code per item.

    Returns ``(array of geometry or None, codes)`` where a code is ``None`` (fine),
    ``"missing_geometry"`` or ``"invalid_geometry"`` (unparseable or non-finite coordinates).
    """
    from shapely.geometry import shape

    out: list[Any] = []
    codes: list[str | None] = []
    for g in geoms:
        if not g:
            out.append(None)
            codes.append("missing_geometry")
            continue
        try:
            geom = shape(g)
            if geom.is_empty:
                raise ValueError("empty")
            coords = _coords_array(geom)
            if not np.isfinite(coords).all():
                raise ValueError("non-finite coordinate")
        except Exception:  # noqa: BLE001 - any unparseable geometry is one quarantine code
            out.append(None)
            codes.append("invalid_geometry")
            continue
        out.append(geom)
        codes.append(None)
    arr = np.empty(len(out), dtype=object)
    arr[:] = out
    return arr, codes


def _coords_array(geom: Any) -> np.ndarray:
    import shapely

    return shapely.get_coordinates(geom)


def detect_crs(xs: np.ndarray, ys: np.ndarray, *, declared: str | None = None,
               area_bbox: tuple[float, float, float, float]) -> str:
    """The CRS of coordinates: ``declared`` when it puts at least half of the points inside
    ``area_bbox`` (WGS84), else whichever of WGS84 and :data:`CANDIDATE_CRS` puts the most
    points inside it (a sample of at most 2,000 points is tested).

    Coordinates whose magnitude exceeds degrees cannot be WGS84, whatever is declared.
    Returns ``declared`` (or WGS84) when nothing fits, so that the area check of the
    caller reports the problem row by row.
    """
    xs = np.asarray(xs, dtype=float)
    ys = np.asarray(ys, dtype=float)
    ok = np.isfinite(xs) & np.isfinite(ys)
    if not ok.any():
        return declared or WGS84
    xs, ys = xs[ok], ys[ok]
    if len(xs) > 2000:
        pick = np.linspace(0, len(xs) - 1, 2000).astype(int)
        xs, ys = xs[pick], ys[pick]

    def share_inside(crs: str) -> float:
        with np.errstate(all="ignore"):
            lon, lat = reproject_xy(xs, ys, crs)
        return float(np.mean(in_bbox(lon, lat, area_bbox)))

    if declared and share_inside(declared) >= 0.5:
        return declared
    best, best_share = declared or WGS84, 0.0
    for crs in (WGS84, *CANDIDATE_CRS):
        if crs == declared:
            continue
        share = share_inside(crs)
        if share > best_share:
            best, best_share = crs, share
    return best


def reproject_xy(xs: np.ndarray, ys: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Reproject coordinate arrays from ``crs`` to WGS84 (lon, lat)."""
    if crs == WGS84:
        return np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    from pyproj import Transformer

    t = Transformer.from_crs(crs, WGS84, always_xy=True)
    lon, lat = t.transform(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float))
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def geometries_to_wgs84(geoms: np.ndarray, *, declared: str | None,
                        area_bbox: tuple[float, float, float, float]) -> tuple[np.ndarray, str]:
    """Detect the CRS of shapely geometries (see :func:`detect_crs`) and reproject them to WGS84.

    Returns ``(geometries in WGS84, detected source CRS)``. ``None`` items stay ``None``.
    """
    import shapely

    valid = np.array([g is not None for g in geoms], dtype=bool)
    if not valid.any():
        return geoms, declared or WGS84
    pts = shapely.get_coordinates(np.asarray(geoms[valid]))
    crs = detect_crs(pts[:, 0], pts[:, 1], declared=declared, area_bbox=area_bbox)
    if crs == WGS84:
        return geoms, crs
    from pyproj import Transformer

    t = Transformer.from_crs(crs, WGS84, always_xy=True)
    out = geoms.copy()
    out[valid] = shapely.transform(np.asarray(geoms[valid]),
                                   lambda c: np.column_stack(t.transform(c[:, 0], c[:, 1])))
    return out, crs


def repair_polygons(geoms: np.ndarray, report: Report, *, file: str,
                    rows: Sequence[int]) -> np.ndarray:
    """Make invalid (self-intersecting) polygons valid, with one ``invalid_geometry_repaired`` notice each."""
    import shapely

    out = geoms.copy()
    for i, g in enumerate(geoms):
        if g is not None and g.geom_type in ("Polygon", "MultiPolygon") and not g.is_valid:
            fixed = shapely.make_valid(g)
            if fixed.geom_type == "GeometryCollection":
                polys = [p for p in fixed.geoms if p.geom_type in ("Polygon", "MultiPolygon")]
                fixed = shapely.union_all(polys) if polys else g
            out[i] = fixed
            report.notice("invalid_geometry_repaired", Msg("finding.polygon_repaired"),
                          severity="info", file=file, row=int(rows[i]), field="geometry")
    return out


def outside_area(geoms: np.ndarray, bbox: tuple[float, float, float, float]) -> np.ndarray:
    """True where a geometry's bounding box does not intersect ``bbox`` (WGS84)."""
    import shapely

    x0, y0, x1, y1 = bbox
    out = np.zeros(len(geoms), dtype=bool)
    for i, g in enumerate(geoms):
        if g is None:
            continue
        gx0, gy0, gx1, gy1 = shapely.bounds(g)
        out[i] = gx1 < x0 or gx0 > x1 or gy1 < y0 or gy0 > y1
    return out


def to_geodataframe(frame: pd.DataFrame, geoms: np.ndarray, columns: dict[str, str]) -> Any:
    """A GeoDataFrame in EPSG:4326 with exactly ``columns`` (order kept; ``geometry`` last)."""
    import geopandas as gpd

    data = {c: frame[c].to_numpy() if c in frame else None for c in columns if c != "geometry"}
    out = pd.DataFrame(data, index=pd.RangeIndex(len(frame)))
    out = typed(out, {c: t for c, t in columns.items() if c != "geometry"})
    return gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(list(geoms), crs=WGS84), crs=WGS84)


# -- typing and reports ----------------------------------------------------------------------

def typed(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """``frame`` restricted to ``columns`` (missing ones added empty) and cast to their dtypes.

    ``"object"`` columns hold ``str`` or ``None`` (NaN turned into None).
    """
    out = {}
    n = len(frame)
    for col, dtype in columns.items():
        if dtype == "geometry":
            continue
        s = frame[col] if col in frame else pd.Series([None] * n, index=frame.index, dtype=object)
        if dtype == "object":
            s = s.astype(object).where(s.notna(), None)
        elif dtype == "bool":
            s = s.fillna(False).astype(bool)
        else:
            s = s.astype(dtype)
        out[col] = s
    return pd.DataFrame(out, index=frame.index)


def empty_frame(columns: dict[str, str]) -> pd.DataFrame:
    """An empty frame with the declared columns and dtypes."""
    return typed(pd.DataFrame(index=pd.RangeIndex(0)), columns)


def bbox_of(geoms: Any) -> tuple[float, float, float, float] | None:
    import shapely

    arr = np.asarray([g for g in geoms if g is not None], dtype=object)
    if not len(arr):
        return None
    b = shapely.bounds(arr)
    return (float(np.nanmin(b[:, 0])), float(np.nanmin(b[:, 1])),
            float(np.nanmax(b[:, 2])), float(np.nanmax(b[:, 3])))


def quarantine_codes(report: Report, frame: pd.DataFrame, codes: Sequence[str | None], *,
                     file: str, field: str, messages: dict[str, Msg]) -> np.ndarray:
    """Quarantine the rows whose code is not None; returns the keep mask.

    ``frame`` must carry the 1-based data row in ``_row``.
    """
    keep = np.array([c is None for c in codes], dtype=bool)
    for row, code in zip(frame["_row"].tolist(), codes, strict=True):
        if code is not None:
            report.quarantine(code, messages[code], file=file, row=int(row), field=field)
    return keep


def raise_if_strict(report: Report, strict: bool) -> None:
    """With ``strict=True``, raise :class:`SchemaError` on the first error-level finding."""
    if not strict:
        return
    for n in report.quarantined + report.notices:
        if n.severity == ERROR:
            raise strict_error(n)


def require_fields(records: list[dict[str, Any]], fields: Sequence[str], *, file: str) -> None:
    """Raise :class:`SchemaError` when none of the records carries one of ``fields``."""
    if not records:
        return
    seen: set[str] = set()
    for r in records:
        seen.update(r)
    missing = [f for f in fields if f not in seen]
    if missing:
        raise SchemaError(Msg("error.fields_missing", fields=", ".join(missing)), file=file,
                          field=missing[0])


def text(value: Any) -> str | None:
    """A stripped string, or None for null / empty / ``"NA"``-like values."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    s = str(value).strip()
    return None if s == "" or s.upper() in {"NA", "N/A", "NULL", "NAN", "NONE"} else s


def boolean(value: Any) -> bool | None:
    """True/False of the usual French/English spellings; None when unknown."""
    if isinstance(value, bool):
        return value
    s = text(value)
    if s is None:
        return None
    s = s.lower()
    if s in {"true", "1", "oui", "yes", "o", "y", "vrai"}:
        return True
    if s in {"false", "0", "non", "no", "n", "faux"}:
        return False
    return None


# -- one call for a whole feature file -----------------------------------------------------------

_GEOM_MESSAGES = {
    "missing_geometry": Msg("finding.no_geometry"),
    "invalid_geometry": Msg("finding.geometry_unreadable"),
}


def read_features(path: Path, report: Report, *, area_bbox: tuple[float, float, float, float],
                  required: Sequence[str] = (), doc: Any = None,
                  drop: Sequence[str] = ("geo_shape",)) -> tuple[pd.DataFrame, np.ndarray, str]:
    """Read one feature file into (attributes, WGS84 geometries, source CRS), quarantining bad rows.

    The attributes frame has one column per property plus ``_row`` (1-based feature
    number in the file). Quarantine codes: ``missing_geometry``, ``invalid_geometry``,
    ``geometry_outside_area`` (bounding box does not touch ``area_bbox``). Notices:
    ``crs_reprojected`` (info) and ``crs_mismatch`` (the declared CRS does not fit the
    coordinates). ``report.rows_read`` is increased; ``rows_kept`` is left to the caller.
    """
    file = str(path)
    if file not in report.files:
        report.files.append(file)
    if doc is None:
        doc = read_json(path)
    recs = records_of(doc, path)
    require_fields(recs, required, file=file)
    report.rows_read += len(recs)
    attrs = pd.DataFrame.from_records(
        [{k: v for k, v in r.items() if k != "__geometry__" and k not in drop} for r in recs],
        index=pd.RangeIndex(len(recs)))
    attrs["_row"] = np.arange(1, len(recs) + 1)
    geoms, codes = parse_geometries(r["__geometry__"] for r in recs)
    keep = quarantine_codes(report, attrs, codes, file=file, field="geometry",
                            messages=_GEOM_MESSAGES)
    attrs, geoms = attrs.loc[keep].reset_index(drop=True), geoms[keep]
    declared = declared_crs(doc)
    geoms, crs = geometries_to_wgs84(geoms, declared=declared, area_bbox=area_bbox)
    if declared and crs != declared:
        report.notice("crs_mismatch", Msg("finding.crs_mismatch", declared=declared, crs=crs),
                      file=file, field="geometry", value=declared)
    if crs != WGS84:
        report.notice("crs_reprojected", Msg("finding.crs_reprojected", crs=crs),
                      severity="info", file=file, field="geometry", value=crs)
    geoms = repair_polygons(geoms, report, file=file, rows=attrs["_row"].tolist())
    far = outside_area(geoms, area_bbox)
    if far.any():
        for row in attrs.loc[far, "_row"]:
            report.quarantine("geometry_outside_area", Msg("finding.geometry_outside_area", **area_params(area_bbox)),
                              file=file, row=int(row), field="geometry")
        attrs, geoms = attrs.loc[~far].reset_index(drop=True), geoms[~far]
    return attrs, geoms, crs
