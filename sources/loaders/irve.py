"""IRVE: electric-vehicle charging stations and charge points (Infrastructures de recharge
pour véhicules électriques).

Reads:

* schema v1 (2018 national consolidation): ``;``-separated, possibly latin-1 with decimal
  commas; one row per charge point (``id_pdc``) with ``id_station``, ``puiss_max``,
  ``Xlongitude`` / ``Ylatitude``, ``acces_recharge`` (Gratuit / Payant);
* schema v2 (consolidated file of data.gouv.fr), one row per charge point
  (``id_pdc_itinerance``, ``id_station_itinerance``, ``nbre_pdc``, ``puissance_nominale``,
  ``coordonneesXY`` as ``"[lon, lat]"``, ``gratuit``, ``condition_acces``), or grouped by
  station (``id_station_itinerance``, ``nbre_pdc``, ``Xlongitude`` / ``Ylatitude``,
  ``*_grouped`` fields), like the bundle's ``irve-stations-2022-12-05-bretagne.csv``.

Power is normalised to kW: values with a ``W`` unit, or bare values above 1,000 (a charge
point is not a megawatt), are watts and divided by 1,000 (notice ``power_in_watts``).
Coordinates: padded with (non-breaking) spaces, decimal commas, ``"[lat, lon]"`` pairs
(detected by range and swapped back, notice ``swapped_coordinates``) are all read; a point
outside the expected area is quarantined ``point_outside_area``, with a message saying when
the longitude sign looks flipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from sources.messages import Msg

from .. import settings
from ..errors import SchemaError
from ..geo import in_bbox
from ..validate import Loaded, Report, area_params, check_coordinates
from . import _tabular as tab

_COMMON: dict[str, str] = {
    "station_id": "string",
    "name": "string",
    "operator": "string",
    "owner": "string",
    "lon": "float64",
    "lat": "float64",
}
_DESCRIPTIVE: dict[str, str] = {
    "free": "boolean",
    "access": "string",
    "siting": "string",
    "hours": "string",
    "address": "string",
    "insee": "string",
    "department": "string",
    "schema_version": "string",
}

#: Column contract, ``level="station"`` (one row per station).
COLUMNS: dict[str, str] = {
    **_COMMON,
    "n_points": "Int64",
    "n_fast_points": "Int64",  # DC fast connectors (CCS Combo, CHAdeMO); <NA> when the file does not say
    "power_kw": "float64",
    "power_kw_total": "float64",
    "power_kw_points": "string",
    **_DESCRIPTIVE,
}

#: Column contract, ``level="point"`` (one row per charge point).
POINT_COLUMNS: dict[str, str] = {
    "point_id": "string",
    **_COMMON,
    "power_kw": "float64",
    **_DESCRIPTIVE,
}

#: A bare power above this is in watts.
MAX_POWER_KW = 1000.0

_ALIASES: dict[str, tuple[str, ...]] = {
    "point_id": ("id_pdc_itinerance", "id_pdc"),
    "station_id": ("id_station_itinerance", "id_station"),
    "name": ("nom_station", "n_station"),
    "operator": ("nom_operateur", "n_operateur"),
    "owner": ("nom_amenageur", "n_amenageur"),
    "lon": ("consolidated_longitude", "xlongitude", "longitude"),
    "lat": ("consolidated_latitude", "ylatitude", "latitude"),
    "coords": ("coordonneesxy", "coordonnees_xy"),
    "n_points_declared": ("nbre_pdc",),
    "power": ("puissance_nominale", "puiss_max"),
    "n_ccs": ("nb_combo_ccs_grouped", "nb_combo_ccs"),
    "n_chademo": ("nb_chademo_grouped", "nb_chademo"),
    "plug_ccs": ("prise_type_combo_ccs",),
    "plug_chademo": ("prise_type_chademo",),
    "plug_types": ("type_prise",),
    "free": ("gratuit", "gratuit_grouped"),
    "payment": ("acces_recharge",),
    "access": ("condition_acces",),
    "siting": ("implantation_station",),
    "hours": ("horaires", "horaires_grouped", "accessibilite"),
    "address": ("adresse_station", "ad_station"),
    "insee": ("code_insee_commune", "code_insee", "consolidated_code_insee_commune"),
}


def load_irve(
    paths: str | PathLike | Sequence[str | PathLike],
    *,
    level: Literal["station", "point"] = "station",
    area_bbox: tuple[float, float, float, float] | None = None,
    strict: bool = False,
) -> Loaded:
    """Load IRVE charging infrastructure (schema v1 or v2) at station or charge-point level.

    Parameters
    ----------
    paths
        One or more IRVE CSV files.
    level
        ``"station"``: one row per station (points grouped on the station id);
        ``"point"``: one row per charge point (files grouped by station cannot give this).
    area_bbox
        Expected area (lon_min, lat_min, lon_max, lat_max). Default
        ``settings.BRITTANY_BBOX`` (the bundle's files are Brittany extracts); pass
        ``settings.FRANCE_BBOX`` for the national file.
    strict
        Raise :class:`~sources.errors.SchemaError` instead of quarantining a bad row.

    Returns
    -------
    Loaded
        ``data`` with :data:`COLUMNS` (station level): station_id, name, operator, owner,
        lon, lat (float64, WGS84), n_points (Int64: points listed, or ``nbre_pdc`` for
        grouped files), n_fast_points (Int64: DC fast connectors, CCS Combo or CHAdeMO),
        power_kw (float64, max over the points, NaN when unknown),
        power_kw_total (sum), power_kw_points (``"50;22;22"``, per point, highest first),
        free (boolean), access, siting, hours, address, insee, department, schema_version;
        or :data:`POINT_COLUMNS` (point level): point_id, station_id, ..., power_kw, ...
        ``report.stats``: stations, points, stations_ille_et_vilaine, stations_with_power,
        power_kw_max, power_in_watts.

    Quarantine codes: ``duplicate_key``, ``missing_coordinates``, ``point_near_origin``,
    ``point_outside_area`` (incl. a flipped longitude sign), ``swapped_coordinates`` (never:
    swapped pairs are fixed, with a notice). Notices: ``power_in_watts``, ``invalid_power``,
    ``power_missing``, ``missing_station_id``, ``swapped_coordinates``, ``non_utf8_encoding``.

    Raises
    ------
    SchemaError
        Not an IRVE file (no station / point id column), or ``level="point"`` for a file
        grouped by station.
    """
    if level not in ("station", "point"):
        raise ValueError(f"level must be 'station' or 'point', not {level!r}")
    files = tab.as_paths(paths)
    bbox = area_bbox or settings.BRITTANY_BBOX
    report = Report(dataset_id="irve")
    points: list[pd.DataFrame] = []
    grouped: list[pd.DataFrame] = []
    for path in files:
        frame, is_grouped = _read_one(path, report, bbox=bbox)
        if is_grouped and level == "point":
            raise SchemaError(Msg("error.irve_grouped"), file=str(path), field="id_pdc_itinerance")
        (grouped if is_grouped else points).append(frame)

    point_rows = (_dedupe(pd.concat(points, ignore_index=True), "point_id", report) if points
                  else tab.empty_frame(POINT_COLUMNS))
    if level == "point":
        out = tab.conform(point_rows, POINT_COLUMNS)
        n_points = len(out)
        stations = out["station_id"].nunique()
    else:
        parts = ([_stations_from_points(point_rows)] if points else []) + grouped
        data = pd.concat(parts, ignore_index=True) if parts else tab.empty_frame(COLUMNS)
        data = _dedupe(data, "station_id", report)
        out = tab.conform(data, COLUMNS)
        n_points = int(out["n_points"].sum())
        stations = len(out)
    report.rows_kept = report.rows_read - report.n_quarantined
    report.set_bbox(out["lon"], out["lat"])
    if level == "station":
        in_35 = int((out["department"] == "35").sum())
    else:
        in_35 = int(out.loc[out["department"] == "35", "station_id"].nunique())
    report.stats = {
        "stations": int(stations),
        "points": int(n_points),
        "stations_ille_et_vilaine": in_35,
        "stations_with_power": int(out["power_kw"].notna().sum()) if level == "station" else
        int(out.loc[out["power_kw"].notna(), "station_id"].nunique()),
        "power_kw_max": float(out["power_kw"].max()) if out["power_kw"].notna().any() else None,
        "power_in_watts": sum(int(n.value or 0) for n in report.notices if n.code == "power_in_watts"),
    }
    tab.raise_if_strict(report, strict=strict)
    return Loaded(out, report)


# -- one file --------------------------------------------------------------------------------

def _read_one(path: Path, report: Report, *, bbox: tuple[float, float, float, float]
              ) -> tuple[pd.DataFrame, bool]:
    """Read one IRVE file into normalised rows; returns (frame, grouped_by_station)."""
    file = str(path)
    raw = tab.read_csv_table(path, report=report)
    report.files.append(file)
    report.rows_read += len(raw)
    frame = tab.rename_columns(raw, _ALIASES)
    if "station_id" not in frame.columns and "point_id" not in frame.columns:
        raise SchemaError(Msg("error.not_irve"),
                          file=file, field="id_station_itinerance")
    cols = set(frame.columns)
    version = "2" if any(c in {tab.normalise_name(x) for x in raw.columns}
                         for c in ("id_station_itinerance", "id_pdc_itinerance")) else "1"
    is_grouped = "point_id" not in cols

    out = pd.DataFrame(index=frame.index)
    out[tab.ROW] = frame[tab.ROW]
    out[tab.FILE] = file
    out["schema_version"] = version
    for col in ("station_id", "point_id"):
        out[col] = (tab.clean_str(frame[col], nulls=tab.NULL_TOKENS) if col in cols
                    else pd.Series(pd.NA, index=frame.index, dtype="string"))
    for col in ("name", "operator", "owner", "access", "siting", "hours", "address"):
        out[col] = tab.clean_str(frame[col]) if col in cols else pd.Series(
            pd.NA, index=frame.index, dtype="string")
    insee = tab.clean_str(frame["insee"], nulls=tab.NULL_TOKENS) if "insee" in cols else pd.Series(
        pd.NA, index=frame.index, dtype="string")
    out["insee"] = insee
    out["department"] = tab.department_of(insee)
    out["free"] = _free(frame)
    out["power_kw"] = _power_kw(frame, report, file) if "power" in cols else np.nan
    out["n_fast_points"] = _fast_points(frame)
    if "power" not in cols and not is_grouped:
        report.notice("power_missing", Msg("finding.power_missing"),
                      severity="info", file=file, field="puissance_nominale")
    if is_grouped:
        out["n_points"] = (tab.to_int(frame["n_points_declared"]) if "n_points_declared" in cols
                           else pd.Series(pd.NA, index=frame.index, dtype="Int64"))
        if "power" not in cols:
            report.notice("power_missing", Msg("finding.power_missing"), severity="info", file=file,
                          field="puissance_nominale")

    out = _coordinates(out, frame, report, file)
    out = _flipped_longitude(out, report, file, bbox)
    out = check_coordinates(out, report, bbox=bbox, file=file)

    missing = out["station_id"].isna()
    if missing.any():  # group the points of a station without id by name and place
        key = ("noid:" + out["name"].fillna("").astype(str) + "@"
               + out["lon"].round(5).astype(str) + "," + out["lat"].round(5).astype(str))
        out["station_id"] = out["station_id"].mask(missing, key).astype("string")
        for row in out.loc[missing, tab.ROW]:
            report.notice("missing_station_id", Msg("finding.station_keyed_by_name"), file=file, row=int(row),
                          field="id_station")
    return out, is_grouped


def _free(frame: pd.DataFrame) -> pd.Series:
    if "free" in frame.columns:
        return tab.to_bool(frame["free"])
    if "payment" in frame.columns:  # v1 acces_recharge: "Gratuit" / "Payant"
        text = frame["payment"].astype(str).str.strip().str.lower()
        free = pd.Series(pd.NA, index=frame.index, dtype="boolean")
        free[text.str.startswith("gratuit")] = True
        free[text.str.startswith("payant")] = False
        return free
    return pd.Series(pd.NA, index=frame.index, dtype="boolean")


def _fast_points(frame: pd.DataFrame) -> pd.Series:
    """DC fast connectors (CCS Combo, CHAdeMO): the counts of a file grouped by station
    (``nb_combo_ccs_grouped + nb_chademo_grouped``), else 1 for a point with such a plug
    (v2 ``prise_type_combo_ccs`` / ``prise_type_chademo``, v1 ``type_prise`` text), else 0;
    <NA> when the file does not say."""
    cols = frame.columns
    counts = [tab.to_int(frame[c]) for c in ("n_ccs", "n_chademo") if c in cols]
    if counts:
        return pd.concat(counts, axis=1).sum(axis=1, min_count=1).astype("Int64")
    plugs = [tab.to_bool(frame[c]) for c in ("plug_ccs", "plug_chademo") if c in cols]
    if plugs:
        known = pd.concat(plugs, axis=1)
        fast = known.fillna(False).any(axis=1).astype("Int64")
        return fast.mask(known.isna().all(axis=1))
    if "plug_types" in cols:
        text = tab.clean_str(frame["plug_types"]).str.lower()
        return text.str.contains("combo|chademo", regex=True).astype("Int64")
    return pd.Series(pd.NA, index=frame.index, dtype="Int64")


def _power_kw(frame: pd.DataFrame, report: Report, file: str) -> pd.Series:
    raw = frame["power"]
    value = tab.to_float(raw)
    unit = raw.map(tab.unit_of)
    watts = unit.isin(["w", "watt", "watts"]) | ((value > MAX_POWER_KW) & ~unit.str.startswith("k"))
    if watts.any():
        rows = frame.loc[watts, tab.ROW].tolist()
        shown = ", ".join(map(str, rows[:10])) + (", ..." if len(rows) > 10 else "")
        report.notice("power_in_watts", Msg("finding.power_in_watts", n=len(rows), row_list=shown), file=file, row=int(rows[0]), field=str(raw.name),
                      value=len(rows))
    value = value.where(~watts, value / 1000.0)
    invalid = (raw.astype(str).str.strip().str.lower().map(lambda v: v not in tab.NULL_TOKENS)
               & (value.isna() | (value <= 0)))
    for row, v in zip(frame.loc[invalid, tab.ROW], raw[invalid], strict=True):
        report.notice("invalid_power", Msg("finding.power_invalid"), severity="info",
                      file=file, row=int(row), field="puissance_nominale", value=v)
    return value.where(value > 0)


def _coordinates(out: pd.DataFrame, frame: pd.DataFrame, report: Report, file: str) -> pd.DataFrame:
    """lon/lat from Xlongitude/Ylatitude, else from ``coordonneesXY`` ``"[lon, lat]"``; a pair
    written ``"[lat, lon]"`` (first value a French latitude, second a French longitude) is
    swapped back with a notice."""
    out = out.copy()
    if {"lon", "lat"} <= set(frame.columns):
        out["lon"] = tab.to_float(frame["lon"])
        out["lat"] = tab.to_float(frame["lat"])
        if "coords" in frame.columns:  # fill gaps from the pair
            a, b = tab.parse_pair(frame["coords"])
            gap = out["lon"].isna() | out["lat"].isna()
            out.loc[gap, "lon"], out.loc[gap, "lat"] = a[gap], b[gap]
    elif "coords" in frame.columns:
        a, b = tab.parse_pair(frame["coords"])
        lat_first = in_bbox(b, a, settings.FRANCE_BBOX) & ~in_bbox(a, b, settings.FRANCE_BBOX)
        out["lon"] = b.where(lat_first, a)
        out["lat"] = a.where(lat_first, b)
        for row, v in zip(frame.loc[lat_first, tab.ROW], frame.loc[lat_first, "coords"], strict=True):
            report.notice("swapped_coordinates", Msg("finding.lat_lon_order", field="coordonneesXY"), file=file, row=int(row), field="coordonneesXY", value=v)
    else:
        raise SchemaError(Msg("error.irve_no_coordinates"),
                          file=file, field="coordonneesXY")
    return out


def _flipped_longitude(out: pd.DataFrame, report: Report, file: str,
                       bbox: tuple[float, float, float, float]) -> pd.DataFrame:
    """Quarantine points whose longitude is outside the area while its opposite is inside."""
    lon, lat = out["lon"], out["lat"]
    # outside, and inside once the longitude's sign is flipped
    flipped = ~in_bbox(lon, lat, bbox) & in_bbox(-lon, lat, bbox) & (lon != 0)
    return report.quarantine_mask(out, flipped, code="point_outside_area",
                                  message=Msg("finding.longitude_flipped", **area_params(bbox)), field="lon",
                                  file=file)


def _stations_from_points(points: pd.DataFrame) -> pd.DataFrame:
    """Group charge points on station_id (first row's attributes, power max / sum / list)."""
    if points.empty:
        return tab.empty_frame(COLUMNS)
    order = points.sort_values([tab.FILE, tab.ROW], kind="stable")
    by = order.groupby("station_id", sort=False)
    first = by.first()
    first["n_points"] = by.size().astype("Int64")
    first["power_kw"] = by["power_kw"].max()
    first["n_fast_points"] = by["n_fast_points"].sum(min_count=1)
    first["power_kw_total"] = by["power_kw"].sum(min_count=1)
    first["power_kw_points"] = by["power_kw"].agg(
        lambda s: ";".join(f"{v:g}" for v in sorted(s.dropna(), reverse=True)) or None)
    # free: any free point makes the station offer free charging; unknown only if all unknown
    first["free"] = by["free"].agg(lambda s: bool(s.dropna().any()) if s.notna().any() else pd.NA
                                   ).astype("boolean")
    first[tab.ROW] = by[tab.ROW].min()
    return first.reset_index()


def _dedupe(data: pd.DataFrame, key: str, report: Report) -> pd.DataFrame:
    if data.empty:
        return data
    dup = data[key].notna() & data[key].duplicated(keep="first")
    for file, group in data[dup].groupby(tab.FILE, sort=False):
        report.quarantine_mask(group, np.ones(len(group), bool), code="duplicate_key",
                               message=Msg("finding.already_seen", field=key), field=key, file=str(file))
    return data[~dup]

