"""Car parks of Rennes Métropole, including park-and-ride (parcs relais) and carpool car parks.

Reads the Opendatasoft exports of the dataset: the JSON export (a list of records with a
``geo_point_2d`` ``{lon, lat}``), an API page (``{"results": [...]}``, or v1
``{"records": [{"fields": ...}]}`` where ``geo_point_2d`` is ``[lat, lon]``), or the
GeoJSON export (a FeatureCollection of points / multipoints).
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sources.messages import Msg

from .. import settings
from ..errors import SchemaError, UnusableInputError
from ..validate import Loaded, Report, check_coordinates
from . import _tabular as tab

#: Column contract of the returned frame.
COLUMNS: dict[str, str] = {
    "parking_id": "string",
    "name": "string",
    "street": "string",
    "commune": "string",
    "insee": "string",
    "kind": "string",
    "type_label": "string",
    "ownership": "string",
    "capacity": "Int64",
    "paying": "boolean",
    "disabled_spaces": "boolean",
    "lon": "float64",
    "lat": "float64",
    "is_park_and_ride": "bool",
    "is_carpool": "bool",
}

#: ``type`` label of the source (accents and case ignored) -> ``kind``.
KINDS: dict[str, str] = {
    "parc relais": "park_and_ride",
    "parking relais": "park_and_ride",
    "parking de covoiturage": "carpool",
    "aire de covoiturage": "carpool",
    "parking souterrain": "underground",
    "parking sur dalle": "deck",
    "parking en ouvrage": "multi_storey",
    "parking usuel": "surface",
    "non renseigne": "unknown",
}

#: Margin (degrees) added around ``settings.RENNES_METROPOLE_BBOX`` for the area check.
AREA_MARGIN_DEG = 0.1

_ALIASES: dict[str, tuple[str, ...]] = {
    "parking_id": ("gml_id", "objectid", "id", "identifiant"),
    "name": ("nom", "nom_parking"),
    "street": ("nom_voie", "voie"),
    "commune": ("nom_commune", "commune"),
    "insee": ("code_insee", "insee"),
    "type": ("type_parking", "typologie"),
    "domaine": ("domanialite",),
    "capacity": ("nb_pl", "nb_places", "capacite", "nombre_places"),
    "payant": (),
    "handicape": ("pmr",),
}


def load_parkings(
    paths: str | PathLike | Sequence[str | PathLike],
    *,
    area_bbox: tuple[float, float, float, float] | None = None,
    strict: bool = False,
) -> Loaded:
    """Load car parks (Opendatasoft JSON / GeoJSON export).

    Parameters
    ----------
    paths
        One or more export files.
    area_bbox
        Expected area (lon_min, lat_min, lon_max, lat_max); default
        ``settings.RENNES_METROPOLE_BBOX`` widened by :data:`AREA_MARGIN_DEG` (the box is
        tight: Bécherel, a Rennes Métropole commune, lies north of it).
    strict
        Raise :class:`~sources.errors.SchemaError` instead of quarantining a bad row.

    Returns
    -------
    Loaded
        ``data``: one row per car park with :data:`COLUMNS`: parking_id, name, street,
        commune, insee, kind (park_and_ride, carpool, underground, deck, multi_storey,
        surface, unknown, other), type_label (the source's ``type``), ownership (public,
        private, developer, unknown), capacity (Int64, <NA> when not given), paying,
        disabled_spaces (boolean), lon, lat (float64, WGS84), is_park_and_ride, is_carpool
        (bool). ``report.stats``: car_parks, capacity, park_and_ride, park_and_ride_capacity,
        carpool, carpool_capacity, capacity_unknown.

    Quarantine codes: ``missing_required_field`` (no id), ``duplicate_key``,
    ``missing_coordinates``, ``point_near_origin``, ``point_outside_area``.
    """
    files = tab.as_paths(paths)
    report = Report(dataset_id="parkings")
    if area_bbox is None:
        x0, y0, x1, y1 = settings.RENNES_METROPOLE_BBOX
        m = AREA_MARGIN_DEG
        area_bbox = (x0 - m, y0 - m, x1 + m, y1 + m)
    frames = [_read_one(path, report, area_bbox) for path in files]
    data = pd.concat(frames, ignore_index=True) if frames else tab.empty_frame(COLUMNS)
    dup = data["parking_id"].duplicated(keep="first")
    for file, group in data[dup].groupby(tab.FILE, sort=False):
        report.quarantine_mask(group, np.ones(len(group), bool), code="duplicate_key",
                               message=Msg("finding.already_seen", field="parking_id"), field="parking_id",
                               file=str(file))
    out = tab.conform(data[~dup], COLUMNS)
    report.rows_kept = len(out)
    report.set_bbox(out["lon"], out["lat"])
    pr, cp = out["is_park_and_ride"], out["is_carpool"]
    report.stats = {
        "car_parks": int(len(out)),
        "capacity": int(out["capacity"].sum()),
        "park_and_ride": int(pr.sum()),
        "park_and_ride_capacity": int(out.loc[pr, "capacity"].sum()),
        "carpool": int(cp.sum()),
        "carpool_capacity": int(out.loc[cp, "capacity"].sum()),
        "capacity_unknown": int(out["capacity"].isna().sum()),
    }
    tab.raise_if_strict(report, strict=strict)
    return Loaded(out, report)


def _read_one(path: Path, report: Report, bbox: tuple[float, float, float, float]) -> pd.DataFrame:
    file = str(path)
    obj = tab.read_json(path)
    report.files.append(file)
    records = _records(obj, file)
    report.rows_read += len(records)
    raw = pd.DataFrame([r[0] for r in records], dtype="object")
    raw["lon"] = [r[1] for r in records]
    raw["lat"] = [r[2] for r in records]
    raw[tab.ROW] = np.arange(1, len(raw) + 1, dtype="int64")
    frame = tab.rename_columns(raw, _ALIASES)
    if records:
        tab.require_columns(frame, ("parking_id",), file=file)

    out = pd.DataFrame(index=frame.index)
    out[tab.ROW] = frame[tab.ROW]
    out[tab.FILE] = file
    out["parking_id"] = (tab.clean_str(frame["parking_id"], nulls=tab.NULL_TOKENS)
                         if "parking_id" in frame.columns else pd.Series(dtype="string"))
    for col in ("name", "street", "commune"):
        out[col] = tab.clean_str(frame[col], nulls=tab.NULL_TOKENS) if col in frame.columns else pd.Series(
            pd.NA, index=frame.index, dtype="string")
    insee = tab.clean_str(frame["insee"].map(_int_text, na_action="ignore")) if "insee" in frame.columns \
        else pd.Series(pd.NA, index=frame.index, dtype="string")
    out["insee"] = insee
    label = tab.clean_str(frame["type"]) if "type" in frame.columns else pd.Series(
        pd.NA, index=frame.index, dtype="string")
    out["type_label"] = label
    kind = label.map(lambda v: KINDS.get(tab.normalise_name(v).replace("_", " "), "other"),
                     na_action="ignore").fillna("unknown")
    out["kind"] = kind.astype("string")
    out["is_park_and_ride"] = (kind == "park_and_ride").to_numpy(dtype=bool)
    out["is_carpool"] = (kind == "carpool").to_numpy(dtype=bool)
    out["ownership"] = (frame["domaine"].map(_ownership) if "domaine" in frame.columns
                        else "unknown")
    out["capacity"] = tab.to_int(frame["capacity"]) if "capacity" in frame.columns else pd.Series(
        pd.NA, index=frame.index, dtype="Int64")
    negative = out["capacity"].fillna(0) < 0
    for row, v in zip(out.loc[negative, tab.ROW], out.loc[negative, "capacity"], strict=True):
        report.notice("invalid_capacity", Msg("finding.negative_capacity"), file=file,
                      row=int(row), field="nb_pl", value=v)
    out.loc[negative, "capacity"] = pd.NA
    for col, src in (("paying", "payant"), ("disabled_spaces", "handicape")):
        out[col] = tab.to_bool(frame[src]) if src in frame.columns else pd.Series(
            pd.NA, index=frame.index, dtype="boolean")
    out["lon"] = tab.to_float(frame["lon"])
    out["lat"] = tab.to_float(frame["lat"])

    out = report.quarantine_mask(out, out["parking_id"].isna(), code="missing_required_field",
                                 message=Msg("finding.field_empty", field="parking_id"), field="parking_id", file=file)
    return check_coordinates(out, report, bbox=bbox, file=file)


def _records(obj: Any, file: str) -> list[tuple[dict, Any, Any]]:
    """(properties, lon, lat) for each record of an Opendatasoft export."""
    if isinstance(obj, dict) and obj.get("type") == "FeatureCollection":
        out = []
        for feat in obj.get("features") or []:
            feat = feat if isinstance(feat, dict) else {}
            props = dict(feat.get("properties") or {})
            lon, lat = _geometry_point(feat.get("geometry"))
            if lon is None and "geo_point_2d" in props:
                lon, lat = _geo_point(props["geo_point_2d"])
            out.append((props, lon, lat))
        return out
    if isinstance(obj, dict):
        if isinstance(obj.get("results"), list):
            obj = obj["results"]
        elif isinstance(obj.get("records"), list):  # API v1
            obj = [r.get("fields", r) if isinstance(r, dict) else {} for r in obj["records"]]
        else:
            raise UnusableInputError(Msg("error.not_records"),
                                     file=file)
    if not isinstance(obj, list):
        raise SchemaError(Msg("error.not_records"), file=file)
    out = []
    for rec in obj:
        rec = rec if isinstance(rec, dict) else {}
        lon, lat = _geo_point(rec.get("geo_point_2d"))
        if lon is None:
            shape = rec.get("geo_shape")
            geom = shape.get("geometry", shape) if isinstance(shape, dict) else None
            lon, lat = _geometry_point(geom)
        props = {k: v for k, v in rec.items() if k not in ("geo_point_2d", "geo_shape")}
        out.append((props, lon, lat))
    return out


def _geo_point(value: Any) -> tuple[Any, Any]:
    """Opendatasoft ``geo_point_2d``: ``{lon, lat}`` (API v2) or ``[lat, lon]`` (v1 / CSV)."""
    if isinstance(value, dict):
        return value.get("lon"), value.get("lat")
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return value[1], value[0]
    if isinstance(value, str) and "," in value:
        lat, lon = value.split(",", 1)
        return lon, lat
    return None, None


def _geometry_point(geom: Any) -> tuple[Any, Any]:
    """A Point's coordinates, or the first point of a MultiPoint."""
    if not isinstance(geom, dict):
        return None, None
    coords = geom.get("coordinates")
    if geom.get("type") == "Point" and isinstance(coords, list) and len(coords) >= 2:
        return coords[0], coords[1]
    if (geom.get("type") == "MultiPoint" and isinstance(coords, list) and coords
            and isinstance(coords[0], list) and len(coords[0]) >= 2):
        return coords[0][0], coords[0][1]
    return None, None


def _ownership(value: Any) -> str:
    text = tab.normalise_name(value) if isinstance(value, str) else ""
    if text.startswith("public"):
        return "public"
    if text.startswith("prive"):
        return "private"
    if text.startswith("amenageur"):
        return "developer"
    return "unknown"


def _int_text(value: Any) -> str:
    """35238 or 35238.0 or "35238" -> "35238"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
