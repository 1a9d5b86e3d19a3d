"""BNLC: the national base of carpool places (Base nationale des lieux de covoiturage).

Schema (etalab/schema-lieux-covoiturage) v0.2, keyed by ``id_lieu`` (``INSEE-C-NNN``,
issued by transport.data.gouv.fr; the consolidated national file also carries the producer's
``id_local``), and v0.3, keyed by the producer's ``id_local`` (no ``id_lieu``). Both map to
the same columns. Coordinates given in Lambert-93 metres (EPSG:2154), as some producers do, are
detected (values in the hundreds of thousands / millions) and reprojected to WGS84.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from os import PathLike

import numpy as np
import pandas as pd

from sources.messages import Msg

from .. import settings
from ..errors import SchemaError
from ..geo import equirectangular_xy, in_bbox
from ..validate import Loaded, Report, check_coordinates
from . import _tabular as tab

#: Column contract of the returned frame.
COLUMNS: dict[str, str] = {
    "place_id": "string",
    "local_id": "string",
    "name": "string",
    "address": "string",
    "commune": "string",
    "insee": "string",
    "department": "string",
    "type": "string",
    "places": "Int64",
    "places_pmr": "Int64",
    "open": "boolean",
    "lit": "boolean",
    "owner": "string",
    "source": "string",
    "updated": "datetime64[ns]",
    "lon": "float64",
    "lat": "float64",
    "in_rennes_metropole": "bool",
    "schema_version": "string",
}

#: INSEE codes of the 43 communes of Rennes Métropole (EPCI 243500139), from IGN Admin Express
#: 2025 (the bundle's territory/territories-bretagne.json). Reference data, not a result.
RENNES_METROPOLE_INSEE: frozenset[str] = frozenset({
    "35001", "35022", "35024", "35032", "35039", "35047", "35051", "35055", "35058", "35059",
    "35065", "35066", "35076", "35079", "35080", "35081", "35088", "35120", "35131", "35139",
    "35144", "35180", "35189", "35196", "35204", "35206", "35208", "35210", "35216", "35238",
    "35240", "35245", "35250", "35266", "35275", "35278", "35281", "35315", "35334", "35351",
    "35352", "35353", "35363",
})

#: Places closer than this are counted as one location in ``locations_rennes_metropole``.
DUPLICATE_LOCATION_RADIUS_M = 100.0

#: Lambert-93 (EPSG:2154) validity range, metres: x 100 km..1 300 km, y 6 000 km..7 200 km.
_L93_X = (1.0e5, 1.3e6)
_L93_Y = (6.0e6, 7.2e6)

#: Expected areas by département prefix (overseas); everything else: metropolitan France.
_OVERSEAS_BBOX = {
    "971": (-61.9, 15.8, -60.9, 16.6),    # Guadeloupe
    "972": (-61.3, 14.3, -60.7, 14.95),   # Martinique
    "973": (-54.7, 2.0, -51.5, 5.9),      # Guyane
    "974": (55.15, -21.45, 55.9, -20.8),  # La Réunion
    "975": (-56.6, 46.7, -56.1, 47.2),    # Saint-Pierre-et-Miquelon
    "976": (44.9, -13.1, 45.4, -12.5),    # Mayotte
}

_ALIASES: dict[str, tuple[str, ...]] = {
    "id_lieu": (),
    "id_local": (),
    "nom_lieu": ("nom",),
    "ad_lieu": ("adresse",),
    "com_lieu": ("commune",),
    "insee": ("code_insee", "insee_com"),
    "type": ("type_lieu",),
    "date_maj": (),
    "ouvert": (),
    "source": (),
    "Xlong": ("x", "longitude", "lon", "xlongitude"),
    "Ylat": ("y", "latitude", "lat", "ylatitude"),
    "nbre_pl": ("nb_places", "places"),
    "nbre_pmr": ("nb_pmr",),
    "proprio": (),
    "lumiere": (),
}


def load_bnlc(
    paths: str | PathLike | Sequence[str | PathLike],
    *,
    area_bbox: tuple[float, float, float, float] | None = None,
    area_insee: Collection[str] | None = None,
    strict: bool = False,
) -> Loaded:
    """Load carpool places from BNLC CSV files (schema v0.2 or v0.3).

    Parameters
    ----------
    paths
        One or more BNLC CSV files (``,`` or ``;``, UTF-8 or latin-1).
    area_bbox, area_insee
        What ``in_rennes_metropole`` means. ``area_insee`` (commune INSEE codes) wins; else
        ``area_bbox`` (WGS84 lon_min, lat_min, lon_max, lat_max); when both are None, the INSEE
        codes of the 43 communes of Rennes Métropole (:data:`RENNES_METROPOLE_INSEE`). The
        bounding box ``settings.RENNES_METROPOLE_BBOX`` is a rectangle and also holds many
        neighbouring communes, so the commune codes are the default.
    strict
        Raise :class:`~sources.errors.SchemaError` instead of quarantining a bad row.

    Returns
    -------
    Loaded
        ``data``: one row per place with :data:`COLUMNS`: place_id (``id_lieu``, else
        ``id_local``), local_id, name, address, commune, insee, department, type, places,
        places_pmr (Int64, <NA> when not given), open, lit (boolean), owner, source,
        updated (date), lon, lat (float64, WGS84), in_rennes_metropole (bool),
        schema_version ("0.2" or "0.3"). ``report.stats``: places, places_ille_et_vilaine,
        places_rennes_metropole, spaces_rennes_metropole (sum of known ``nbre_pl``),
        places_rennes_metropole_unknown_spaces, locations_rennes_metropole (places closer than
        :data:`DUPLICATE_LOCATION_RADIUS_M` counted once: producers often report the same
        place), reprojected_from_lambert93.

    Quarantine codes: ``missing_required_field`` (no id), ``duplicate_key``,
    ``missing_coordinates``, ``point_near_origin``, ``point_outside_area`` (outside metropolitan
    France, or the overseas département of its INSEE code). Notices:
    ``projected_coordinates`` (Lambert-93 reprojected), ``duplicate_location`` (info).

    Raises
    ------
    SchemaError
        Neither ``id_lieu`` nor ``id_local``, or no coordinate columns.
    """
    files = tab.as_paths(paths)
    report = Report(dataset_id="bnlc")
    frames = [_read_one(path, report) for path in files]
    data = pd.concat(frames, ignore_index=True) if frames else tab.empty_frame(COLUMNS)

    dup = data["place_id"].duplicated(keep="first")
    for file, group in data[dup].groupby(tab.FILE, sort=False):
        report.quarantine_mask(group, np.ones(len(group), bool), code="duplicate_key",
                               message=Msg("finding.already_seen", field="place_id"), field="place_id",
                               file=str(file))
    data = data[~dup]

    if area_insee is not None:
        inside = data["insee"].isin(set(map(str, area_insee))).fillna(False)
    elif area_bbox is not None:
        inside = pd.Series(in_bbox(data["lon"], data["lat"], area_bbox), index=data.index)
    else:
        inside = data["insee"].isin(RENNES_METROPOLE_INSEE).fillna(False)
    data["in_rennes_metropole"] = inside.astype(bool)

    out = tab.conform(data, COLUMNS)
    report.rows_kept = len(out)
    report.set_bbox(out["lon"], out["lat"])
    rm = out[out["in_rennes_metropole"]]
    groups = location_groups(out["lon"].to_numpy(), out["lat"].to_numpy(),
                             radius_m=DUPLICATE_LOCATION_RADIUS_M)
    n_near = int(len(groups) - len(np.unique(groups)))
    if n_near:
        report.notice("duplicate_location", Msg("finding.places_near", n=n_near, m=round(DUPLICATE_LOCATION_RADIUS_M)),
                      severity="info", file=", ".join(report.files))
    report.stats = {
        "places": int(len(out)),
        "places_ille_et_vilaine": int((out["department"] == "35").sum()),
        "places_rennes_metropole": int(len(rm)),
        "spaces_rennes_metropole": int(rm["places"].sum()),
        "places_rennes_metropole_unknown_spaces": int(rm["places"].isna().sum()),
        "locations_rennes_metropole": int(len(np.unique(groups[out["in_rennes_metropole"].to_numpy()]))),
        "reprojected_from_lambert93": sum(1 for n in report.notices if n.code == "projected_coordinates"),
    }
    tab.raise_if_strict(report, strict=strict)
    return Loaded(out, report)


def location_groups(lon: np.ndarray, lat: np.ndarray, *, radius_m: float) -> np.ndarray:
    """Label points so that points closer than ``radius_m`` (transitively) share a label.

    Returns an int64 array of group labels, one per point (equirectangular distance, good to a
    fraction of a percent at these radii).
    """
    n = len(lon)
    if n == 0:
        return np.zeros(0, dtype="int64")
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    xy = equirectangular_xy(lon, lat)
    pairs = cKDTree(xy).query_pairs(radius_m, output_type="ndarray")
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return labels.astype("int64")


def _read_one(path, report: Report) -> pd.DataFrame:
    file = str(path)
    raw = tab.read_csv_table(path, report=report)
    report.files.append(file)
    report.rows_read += len(raw)
    frame = tab.rename_columns(raw, _ALIASES)
    if "id_lieu" in frame.columns:
        version = "0.2"
    elif "id_local" in frame.columns:
        version = "0.3"
    else:
        raise SchemaError(Msg("error.not_bnlc"),
                          file=file, field="id_lieu")
    tab.require_columns(frame, ("Xlong", "Ylat"), file=file)

    out = pd.DataFrame(index=frame.index)
    out[tab.ROW] = frame[tab.ROW]
    out[tab.FILE] = file
    local = (tab.clean_str(frame["id_local"], nulls=tab.NULL_TOKENS) if "id_local" in frame.columns
             else pd.Series(pd.NA, index=frame.index, dtype="string"))
    key = tab.clean_str(frame["id_lieu"], nulls=tab.NULL_TOKENS) if version == "0.2" else local
    out["place_id"] = key
    out["local_id"] = local
    for col, src in (("name", "nom_lieu"), ("address", "ad_lieu"), ("commune", "com_lieu"),
                     ("type", "type"), ("owner", "proprio"), ("source", "source")):
        out[col] = tab.clean_str(frame[src]) if src in frame.columns else pd.Series(
            pd.NA, index=frame.index, dtype="string")
    insee = tab.clean_str(frame["insee"]) if "insee" in frame.columns else pd.Series(
        pd.NA, index=frame.index, dtype="string")
    insee = insee.map(lambda v: "0" + v if isinstance(v, str) and len(v) == 4 and v.isdigit() else v,
                      na_action="ignore").astype("string")
    out["insee"] = insee
    out["department"] = tab.department_of(insee)
    for col, src in (("places", "nbre_pl"), ("places_pmr", "nbre_pmr")):
        out[col] = tab.to_int(frame[src]) if src in frame.columns else pd.Series(
            pd.NA, index=frame.index, dtype="Int64")
    for col, src in (("open", "ouvert"), ("lit", "lumiere")):
        out[col] = tab.to_bool(frame[src]) if src in frame.columns else pd.Series(
            pd.NA, index=frame.index, dtype="boolean")
    out["updated"] = (pd.to_datetime(frame["date_maj"], errors="coerce", format="ISO8601")
                      if "date_maj" in frame.columns else pd.NaT)
    out["schema_version"] = version
    out["lon"] = tab.to_float(frame["Xlong"])
    out["lat"] = tab.to_float(frame["Ylat"])

    out = report.quarantine_mask(out, out["place_id"].isna(), code="missing_required_field",
                                 message=Msg("finding.field_empty", field="id_lieu" if version == "0.2" else "id_local"),
                                 field="place_id", file=file)
    out = _reproject_lambert93(out, report, file)
    kept = []
    for dep, group in out.groupby(out["department"].fillna(""), sort=False):
        bbox = _OVERSEAS_BBOX.get(str(dep), settings.FRANCE_BBOX)
        kept.append(check_coordinates(group, report, bbox=bbox, file=file))
    return pd.concat(kept).sort_values(tab.ROW) if kept else out


def _reproject_lambert93(frame: pd.DataFrame, report: Report, file: str) -> pd.DataFrame:
    """Rows whose coordinates are Lambert-93 metres are reprojected to WGS84 (one notice each)."""
    x, y = frame["lon"], frame["lat"]
    l93 = x.between(*_L93_X) & y.between(*_L93_Y)
    if not l93.any():
        return frame
    from pyproj import Transformer  # imported at call time: no work at import

    transformer = Transformer.from_crs("EPSG:2154", "EPSG:4326", always_xy=True)
    lon, lat = transformer.transform(x[l93].to_numpy(), y[l93].to_numpy())
    out = frame.copy()
    out.loc[l93, "lon"] = np.asarray(lon, dtype="float64")
    out.loc[l93, "lat"] = np.asarray(lat, dtype="float64")
    for row, xv, yv in zip(out.loc[l93, tab.ROW], x[l93], y[l93], strict=True):
        report.notice("projected_coordinates", Msg("finding.crs_reprojected", crs="EPSG:2154"), severity="info", file=file, row=int(row),
                      field="Xlong", value=f"{xv}, {yv}")
    return out
