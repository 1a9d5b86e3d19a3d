"""STAR real-time bus position snapshots (Opendatasoft ``tco-bus-vehicules-position-tr``).

Each file is one snapshot: a JSON list of API v1 records (``fields`` + ``geometry`` +
``record_timestamp``) or an API answer ``{"nhits", "parameters", "records"}``. Several
files are concatenated; ``snapshot`` tells them apart.

Column contract :data:`COLUMNS`. Quarantine codes: ``missing_required_field`` (no vehicle
id), ``duplicate_key`` (a vehicle twice in one snapshot), ``missing_coordinates``,
``point_near_origin``, ``point_outside_area`` (outside the STAR service area; swapped
pairs are fixed with a ``swapped_coordinates`` notice), ``invalid_time`` (no timestamp).
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

COLUMNS: dict[str, str] = {
    "vehicle_id": "object",  # idbus
    "vehicle_number": "object",  # numerobus (fleet number as published)
    "line_id": "object",  # idligne "0054" (None when out of service)
    "line_name": "object",  # nomcourtligne "54"
    "direction": "Int64",  # sens 0/1
    "destination": "object",
    "state": "object",  # etat: "En ligne", "Hors-service", "Haut-le-pied", "Inconnu"
    "in_service": "bool",  # state "En ligne" (running a trip); out of service, deadheading, unknown: False
    "delay_s": "Float64",  # ecartsecondes: positive = late (<NA> when not given)
    "lon": "float64",
    "lat": "float64",
    "timestamp": "datetime64[ns, UTC]",  # record_timestamp of the snapshot
    "snapshot": "object",  # file name of the snapshot
}

#: the ``etat`` of a bus running a trip (the others: "Hors-service", "Haut-le-pied", "Inconnu")
IN_SERVICE_STATE = "En ligne"


def load_bus_positions(paths: Path | Sequence[Path], *, strict: bool = False) -> Loaded:
    """Bus positions of one or more snapshot files.

    Returns
    -------
    Loaded
        DataFrame with :data:`COLUMNS`, sorted by ``timestamp``, ``vehicle_id``. Stats:
        ``buses`` (kept rows), ``by_snapshot`` ({file name: buses}), ``in_service``
        (state "En ligne"), ``median_delay_s`` (of buses in service).
    """
    report = Report("star-bus-positions")
    parts = []
    for path in _geo.as_paths(paths):
        file = str(path)
        recs = _geo.records_of(_geo.read_json(path), path)
        _geo.require_fields(recs, ("idbus",), file=file)
        report.files.append(file)
        report.rows_read += len(recs)
        parts.append(_frame(recs, file, path.name))
    frame = pd.concat(parts, ignore_index=True)
    frame = _drop(frame, report, frame["vehicle_id"].isna(), "missing_required_field",
                  Msg("finding.field_empty", field="idbus"), "idbus")
    frame = _drop(frame, report, frame["timestamp"].isna(), "invalid_time",
                  Msg("finding.bad_timestamp", field="record_timestamp"), "record_timestamp")
    frame = _drop(frame, report, frame.duplicated(["snapshot", "vehicle_id"], keep="first"),
                  "duplicate_key", Msg("finding.vehicle_twice"), "idbus")
    kept = [check_coordinates(part, report, bbox=_geo.STAR_AREA_BBOX, file=str(file))
            for file, part in frame.groupby("_file", sort=False)]
    frame = pd.concat(kept) if kept else frame
    report.set_bbox(frame["lon"], frame["lat"])
    frame = frame.sort_values(["timestamp", "vehicle_id"], kind="stable")
    frame["in_service"] = frame["state"] == IN_SERVICE_STATE
    out = _geo.typed(frame, COLUMNS).reset_index(drop=True)
    report.rows_kept = len(out)
    in_service = out["in_service"]
    delay = out.loc[in_service, "delay_s"].dropna()
    report.stats = {
        "buses": int(len(out)),
        "by_snapshot": {str(k): int(v) for k, v in out["snapshot"].value_counts(sort=False).items()},
        "in_service": int(in_service.sum()),
        "median_delay_s": float(delay.median()) if len(delay) else None,
    }
    _geo.raise_if_strict(report, strict)
    return Loaded(out, report)


def _frame(recs: list[dict[str, Any]], file: str, name: str) -> pd.DataFrame:
    lon = np.full(len(recs), np.nan)
    lat = np.full(len(recs), np.nan)
    for i, r in enumerate(recs):
        lon[i], lat[i] = _geo.ods_point(r.get("coordonnees"))
        g = r.get("__geometry__")
        if (np.isnan(lon[i]) or np.isnan(lat[i])) and isinstance(g, dict):
            c = g.get("coordinates")
            if isinstance(c, (list, tuple)) and len(c) == 2:
                lon[i], lat[i] = _geo.ods_point([c[1], c[0]])

    def get(key: str) -> list[Any]:
        return [r.get(key) for r in recs]

    return pd.DataFrame({
        "vehicle_id": [_geo.text(v) for v in get("idbus")],
        "vehicle_number": [_geo.text(v) for v in get("numerobus")],
        "line_id": [_geo.text(v) for v in get("idligne")],
        "line_name": [_geo.text(v) for v in get("nomcourtligne")],
        "direction": pd.to_numeric(pd.Series(get("sens"), dtype=object), errors="coerce"),
        "destination": [_geo.text(v) for v in get("destination")],
        "state": [_geo.text(v) for v in get("etat")],
        "delay_s": pd.to_numeric(pd.Series(get("ecartsecondes"), dtype=object), errors="coerce"),
        "lon": lon, "lat": lat,
        "timestamp": pd.to_datetime(pd.Series([_geo.text(v) for v in get("record_timestamp")],
                                              dtype=object),
                                    errors="coerce", utc=True, format="ISO8601"),
        "snapshot": name, "_file": file, "_row": np.arange(1, len(recs) + 1),
    })


def _drop(frame: pd.DataFrame, report: Report, mask: Any, code: str, message: Msg, field: str
          ) -> pd.DataFrame:
    mask = np.asarray(mask, dtype=bool)
    for file, row in zip(frame.loc[mask, "_file"], frame.loc[mask, "_row"], strict=True):
        report.quarantine(code, message, file=file, row=int(row), field=field)
    return frame.loc[~mask]
