"""Réseau Express Vélo (REV) of Rennes Métropole: one GeoJSON file per line (``ligne-N.json``).

Features are LineStrings / MultiLineStrings (sections of the planned network, with works
status and facility type) and Points (danger spots reported along a line). Both stay in
ONE GeoDataFrame told apart by ``kind`` ("section" or "danger"), so that a map shows
them together and a filter gives either; ``length_m`` is NaN for danger spots.

Real values of the 2025-10 export (kept as published, in English for the status):

* ``status``: ``done`` (réalisé), ``wip`` (en travaux), ``planned`` (programmé),
  ``expected`` (à l'étude / attendu), ``postponed`` (reporté); None for danger spots.
  :data:`STATUS_FR` gives French labels.
* ``facility`` (property ``type``): ``bidirectionnelle``, ``bandes-cyclables``,
  ``voie-verte``, ``bilaterale``, ``velorue``, ``voie-bus``, ``aucun``, ``inconnu``;
  ``danger`` for Points.

Column contract :data:`COLUMNS`. Quarantine codes: ``missing_geometry``,
``invalid_geometry`` (also a geometry type other than (Multi)LineString / Point),
``geometry_outside_area``. A feature without ``line`` takes the number of its file name
(notice ``line_from_file_name``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sources.messages import Msg

from ..validate import INFO, Loaded, Report
from . import _geo

COLUMNS: dict[str, str] = {
    "feature_id": "object",  # the "id" property when given, else "<file stem>#<n>"
    "line": "Int64",  # REV line number (0..15)
    "kind": "object",  # "section" (lines) or "danger" (points)
    "name": "object",
    "status": "object",  # done, wip, planned, expected, postponed (None for dangers)
    "facility": "object",  # type: bidirectionnelle, bandes-cyclables, voie-verte, ...
    "quality": "object",  # satisfactory / unsatisfactory / None
    "done_at": "datetime64[ns]",  # doneAt (dd/mm/yyyy)
    "danger": "object",  # description of the danger (points)
    "link": "object",
    "length_m": "float64",  # geodesic length of sections; NaN for points
    "geometry": "geometry",
}

STATUS_FR: dict[str, str] = {
    "done": "réalisé", "wip": "en travaux", "planned": "programmé",
    "expected": "à l'étude", "postponed": "reporté",
}

_LINE_RE = re.compile(r"(\d+)")
_REV_AREA = (-2.2, 47.8, -1.2, 48.5)


def load_rev(paths: Path | Sequence[Path], *, strict: bool = False) -> Loaded:
    """REV lines and danger spots from ``cycling/rev/ligne-*.json``.

    Returns
    -------
    Loaded
        GeoDataFrame (EPSG:4326) with :data:`COLUMNS`, sorted by ``line``, ``kind``, file
        order. Stats: ``features``, ``sections``, ``dangers``, ``lines``, ``length_km``
        (all sections), ``length_km_by_status``, ``by_facility``.
    """
    report = Report("rev-cycle-network")
    parts = []
    for path in sorted(_geo.as_paths(paths), key=_file_order):
        file = str(path)
        attrs, geoms, _ = _geo.read_features(path, report, area_bbox=_REV_AREA)
        types = np.array([g.geom_type for g in geoms], dtype=object)
        ok = np.isin(types, ["LineString", "MultiLineString", "Point"])
        for row, t in zip(attrs.loc[~ok, "_row"], types[~ok], strict=True):
            report.quarantine("invalid_geometry", Msg("finding.geometry_type", kind=str(t)), file=file,
                              row=int(row), field="geometry", value=t)
        attrs, geoms, types = attrs.loc[ok].reset_index(drop=True), geoms[ok], types[ok]
        line = pd.to_numeric(attrs.get("line", pd.Series(np.nan, index=attrs.index)),
                             errors="coerce")
        file_line = _line_of(path)
        if line.isna().any() and file_line is not None:
            for row in attrs.loc[line.isna(), "_row"]:
                report.notice("line_from_file_name", Msg("finding.line_from_file_name", line=str(file_line)),
                              severity=INFO, file=file, row=int(row),
                              field="line")
            line = line.fillna(file_line)
        fid = attrs.get("id", pd.Series(None, index=attrs.index)).map(_geo.text)
        fid = fid.where(fid.notna(), path.stem + "#" + attrs["_row"].astype(str))
        kind = np.where(types == "Point", "danger", "section")
        facility = _text(attrs, "type")
        parts.append(pd.DataFrame({
            "feature_id": fid, "line": line, "kind": kind, "name": _text(attrs, "name"),
            "status": _text(attrs, "status"), "facility": facility,
            "quality": _text(attrs, "quality"),
            "done_at": pd.to_datetime(_text(attrs, "doneAt"), errors="coerce", dayfirst=True,
                                      format="%d/%m/%Y"),
            "danger": _text(attrs, "danger"), "link": _text(attrs, "link"),
            "geometry": list(geoms), "_file": file, "_row": attrs["_row"],
            "_done_raw": _text(attrs, "doneAt"),
        }))
    frame = pd.concat(parts, ignore_index=True)
    bad_date = frame["done_at"].isna() & frame["_done_raw"].notna()
    for _, r in frame[bad_date].iterrows():
        report.notice("invalid_date", Msg("finding.date_left_empty", field="doneAt"), file=r["_file"],
                      row=int(r["_row"]), field="doneAt", value=r["_done_raw"])
    geoms = np.asarray(frame["geometry"].to_numpy(), dtype=object)
    frame["length_m"] = _lengths_m(geoms, frame["kind"].to_numpy())
    frame = frame.sort_values(["line", "kind"], kind="stable").reset_index(drop=True)
    gdf = _geo.to_geodataframe(frame, frame["geometry"].to_numpy(), COLUMNS)
    report.rows_kept = len(gdf)
    report.bbox = _geo.bbox_of(gdf.geometry)
    sections = gdf[gdf["kind"] == "section"]
    by_status = sections.groupby(sections["status"].fillna("unknown"))["length_m"].sum() / 1000
    report.stats = {
        "features": int(len(gdf)), "sections": int(len(sections)),
        "dangers": int((gdf["kind"] == "danger").sum()), "lines": int(gdf["line"].nunique()),
        "length_km": round(float(sections["length_m"].sum()) / 1000, 1),
        "length_km_by_status": {str(k): round(float(v), 1) for k, v in by_status.items()},
        "by_facility": {str(k): int(v) for k, v in sections["facility"].value_counts().items()},
    }
    _geo.raise_if_strict(report, strict)
    return Loaded(gdf, report)


def _text(attrs: pd.DataFrame, col: str) -> pd.Series:
    if col not in attrs:
        return pd.Series(None, index=attrs.index, dtype=object)
    return attrs[col].map(_geo.text).astype(object)


def _line_of(path: Path) -> int | None:
    m = _LINE_RE.search(path.stem)
    return int(m.group(1)) if m else None


def _file_order(path: Path) -> tuple[int, str]:
    n = _line_of(path)
    return (n if n is not None else 10**6, path.name)


def _lengths_m(geoms: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    out = np.full(len(geoms), np.nan)
    for i, (g, k) in enumerate(zip(geoms, kinds, strict=True)):
        if k == "section" and g is not None:
            out[i] = abs(geod.geometry_length(g))
    return out
