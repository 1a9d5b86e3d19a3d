"""Territories of Brittany and Rennes Métropole: communes, EPCI, IRIS, business zones, indicators.

Loaders (catalogue ids ``communes``, ``epci``, ``iris``, ``business-zones``, ``indicators``)
return GeoDataFrames in EPSG:4326 (indicators: a long DataFrame). Column contracts:
:data:`COMMUNE_COLUMNS`, :data:`EPCI_COLUMNS`, :data:`IRIS_COLUMNS`,
:data:`BUSINESS_ZONE_COLUMNS`, :data:`INDICATOR_COLUMNS`; :data:`COLUMNS` maps each
table name to its contract.

The commune -> EPCI membership comes from ``territories-bretagne.json`` (a list of
``{territoire, type, nom, departement, epci}``): pass it in ``paths`` or as
``territories=``; when absent, it is looked for beside the polygon file.

Quarantine codes: ``missing_geometry``, ``invalid_geometry``, ``geometry_outside_area``,
``missing_required_field``, ``duplicate_key``, ``foreign_key_violation`` (a commune whose
EPCI is unknown), ``invalid_value`` (an indicator that is not a number).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sources.messages import Msg

from .. import settings
from ..errors import SchemaError, UnusableInputError
from ..validate import WARNING, Loaded, Report
from . import _csv, _geo

COMMUNE_COLUMNS: dict[str, str] = {
    "insee": "object",  # INSEE commune code, 5 characters ("35238")
    "name": "object",
    "department": "object",  # "35"
    "epci_siren": "object",  # SIREN of the EPCI the commune belongs to (None when unknown)
    "in_rennes_metropole": "bool",
    "area_km2": "float64",  # from the (simplified) polygon, computed in EPSG:2154
    "geometry": "geometry",
}
EPCI_COLUMNS: dict[str, str] = {
    "siren": "object",
    "name": "object",  # short name of the polygon layer ("Rennes Métropole")
    "name_long": "object",  # official name of the territories table
    "department": "object",
    "n_communes": "int64",  # communes of the EPCI in the territories table
    "geometry": "geometry",
}
IRIS_COLUMNS: dict[str, str] = {
    "iris_code": "object",  # 9 characters: INSEE code + 4
    "name": "object",
    "insee": "object",
    "commune": "object",
    "iris_type": "object",  # H housing, A activity, D miscellaneous, Z commune not split
    "area_m2": "float64",  # as published (aire_geo)
    "geometry": "geometry",
}
BUSINESS_ZONE_COLUMNS: dict[str, str] = {
    "zone_id": "int64",  # objectid: unique (the idza code is not)
    "za_code": "object",  # idza ("ZA87")
    "name": "object",
    "insee": "object",
    "commune": "object",
    "category": "object",  # territoire: "Proximité", "Structurante", "Pôle tertiaire" or None
    "stage": "object",  # etape: "terminée", "en cours", "potentielle"
    "development": "object",  # etat: "extension", "renouvellement" or None
    "area_ha": "float64",
    "geometry": "geometry",
}
INDICATOR_COLUMNS: dict[str, str] = {
    "territory_code": "object",  # INSEE code (commune), SIREN (epci), department or region code
    "level": "object",  # "commune", "epci", "departement", "region"
    "theme": "object",  # "demographie", "mobilite"
    "indicator": "object",  # e.g. "densite", "offre_tc", "iso_sante", "pct_iso_full_t"
    "detail": "object",  # breakdown ("15-24", "sans_voiture", story key of the 20-min file) or None
    "value": "float64",
    "unit": "object",
    "rank_epci": "float64",  # percentile rank within the EPCI / department / region, 0..1
    "rank_department": "float64",
    "rank_region": "float64",
    "source_id": "object",  # id in indicators-sources.json (None when not listed)
    "source": "object",
    "source_version": "object",
    "licence": "object",
    "date_reference": "datetime64[ns]",
    "date_publication": "datetime64[ns]",
    "file": "object",  # the parquet file of the row
}
COLUMNS: dict[str, dict[str, str]] = {
    "communes": COMMUNE_COLUMNS, "epci": EPCI_COLUMNS, "iris": IRIS_COLUMNS,
    "business_zones": BUSINESS_ZONE_COLUMNS, "indicators": INDICATOR_COLUMNS,
}

_LEVELS = ("commune", "epci", "departement", "region")


# -- territories table ------------------------------------------------------------------------

def _is_territories_table(doc: Any) -> bool:
    return (isinstance(doc, list) and bool(doc) and isinstance(doc[0], dict)
            and "territoire" in doc[0] and "type" in doc[0] and "geo_shape" not in doc[0])


def _split_inputs(paths: Path | str | Sequence[Path | str], territories: Path | str | None
                  ) -> tuple[list[tuple[Path, Any]], tuple[Path, list[dict[str, Any]]] | None]:
    """(polygon files with their parsed JSON, territories table or None)."""
    polys: list[tuple[Path, Any]] = []
    table = None
    for p in _geo.as_paths(paths):
        doc = _geo.read_json(p)
        if _is_territories_table(doc):
            table = (p, doc)
        else:
            polys.append((p, doc))
    if territories is not None:
        t = Path(territories)
        doc = _geo.read_json(t)
        if not _is_territories_table(doc):
            raise UnusableInputError(Msg("error.not_territories"),
                                     file=str(t))
        table = (t, doc)
    if table is None and polys:
        for cand in sorted(polys[0][0].parent.glob("territories-*.json")):
            doc = _geo.read_json(cand)
            if _is_territories_table(doc):
                table = (cand, doc)
                break
    if not polys:
        raise UnusableInputError(Msg("error.no_polygon_file"),
                                 file=", ".join(str(p) for p in _geo.as_paths(paths)))
    return polys, table


def _territories_frame(table: tuple[Path, list[dict[str, Any]]], report: Report) -> pd.DataFrame:
    path, doc = table
    if str(path) not in report.files:
        report.files.append(str(path))
    frame = pd.DataFrame.from_records(doc)
    for col in ("territoire", "type", "nom", "departement", "epci"):
        if col not in frame:
            raise SchemaError(Msg("error.column_required"), file=str(path), field=col)
    frame = frame.assign(territoire=frame["territoire"].map(_geo.text),
                         epci=frame["epci"].map(_geo.text))
    return frame


# -- communes ----------------------------------------------------------------------------------

def load_communes(paths: Path | Sequence[Path], *, strict: bool = False,
                  territories: Path | None = None,
                  metropole_siren: str | None = None) -> Loaded:
    """Commune polygons with their EPCI and the Rennes Métropole flag.

    Parameters
    ----------
    paths
        ``communes-bretagne-2025.geojson`` (IGN Admin Express, properties ``territoire``,
        ``nom``), optionally with ``territories-bretagne.json``.
    territories
        The commune -> EPCI table, when not among ``paths`` (default: looked for beside
        the polygon file; without it ``epci_siren`` is None and a notice says so).
    metropole_siren
        EPCI flagged by ``in_rennes_metropole`` (default
        :data:`sources.settings.RENNES_METROPOLE_SIREN`).

    Returns
    -------
    Loaded
        GeoDataFrame (EPSG:4326) with :data:`COMMUNE_COLUMNS`, sorted by ``insee``; stats
        ``communes``, ``epci``, ``rennes_metropole_communes``, ``rennes_metropole_area_km2``.
        Empty input gives an empty frame with those columns.
    """
    siren = metropole_siren or settings.RENNES_METROPOLE_SIREN
    report = Report("communes")
    polys, table = _split_inputs(paths, territories)
    parts = []
    for path, doc in polys:
        attrs, geoms, _ = _geo.read_features(path, report, area_bbox=settings.BRITTANY_BBOX,
                                             required=("territoire", "nom"), doc=doc)
        attrs = attrs.assign(insee=attrs["territoire"].map(_geo.text), name=attrs["nom"].map(_geo.text),
                             geometry=list(geoms), _file=str(path))
        parts.append(attrs)
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    frame = _drop_missing(frame, report, ("insee",))
    frame = _drop_duplicates(frame, report, "insee")
    frame["department"] = frame["insee"].str[:2]
    if table is not None:
        terr = _territories_frame(table, report)
        communes = terr[terr["type"] == "commune"].set_index("territoire")
        frame["epci_siren"] = frame["insee"].map(communes["epci"])
        listed = frame["insee"].isin(communes.index)
        for _, r in frame.loc[~listed].iterrows():
            report.notice("foreign_key_violation", Msg("finding.not_in", field="insee", other="territoires"),
                          file=r["_file"], row=int(r["_row"]), field="territoire", value=r["insee"])
        for _, r in frame.loc[listed & frame["epci_siren"].isna()].iterrows():
            # islands exempt from intercommunality (Bréhat, Sein, Ouessant)
            report.notice("commune_without_epci", Msg("finding.no_epci"), severity="info",
                          file=r["_file"], row=int(r["_row"]), field="epci", value=r["insee"])
    else:
        frame["epci_siren"] = None
        report.notice("missing_file", Msg("finding.no_territories"),
                      severity=WARNING)
    frame["in_rennes_metropole"] = frame["epci_siren"].eq(siren).fillna(False)
    geoms = np.asarray(frame["geometry"].to_numpy(), dtype=object)
    frame["area_km2"] = _areas_m2(geoms) / 1e6
    frame = frame.sort_values("insee", kind="stable").reset_index(drop=True)
    gdf = _geo.to_geodataframe(frame, frame["geometry"].to_numpy(), COMMUNE_COLUMNS)
    report.rows_kept = len(gdf)
    report.bbox = _geo.bbox_of(gdf.geometry)
    rm = gdf[gdf["in_rennes_metropole"]]
    report.stats = {"communes": int(len(gdf)), "epci": int(gdf["epci_siren"].nunique()),
                    "rennes_metropole_communes": int(len(rm)),
                    "rennes_metropole_area_km2": round(float(rm["area_km2"].sum()), 1)}
    _geo.raise_if_strict(report, strict)
    return Loaded(gdf, report)


def rennes_metropole_polygon(communes: pd.DataFrame, *, siren: str | None = None) -> Any:
    """Union of the communes of Rennes Métropole (or of EPCI ``siren``) as one shapely geometry.

    ``communes`` is the frame of :func:`load_communes`. Raises :class:`ValueError` when
    no commune belongs to the EPCI. The input is not modified.
    """
    import shapely

    if siren is None and "in_rennes_metropole" in communes:
        mask = communes["in_rennes_metropole"].to_numpy(dtype=bool)
    else:
        mask = (communes["epci_siren"] == (siren or settings.RENNES_METROPOLE_SIREN)).to_numpy()
    geoms = np.asarray(communes.geometry.to_numpy()[mask], dtype=object)
    geoms = np.asarray([g for g in geoms if g is not None], dtype=object)
    if not len(geoms):
        raise ValueError(f"no commune of EPCI {siren or settings.RENNES_METROPOLE_SIREN}")
    # a tiny buffer closes the slivers between simplified neighbouring polygons
    return shapely.union_all(shapely.buffer(geoms, 1e-6)).buffer(-1e-6)


# -- EPCI --------------------------------------------------------------------------------------

def load_epci(paths: Path | Sequence[Path], *, strict: bool = False,
              territories: Path | None = None) -> Loaded:
    """EPCI polygons with their official name and number of communes.

    Parameters
    ----------
    paths
        ``epci-bretagne-2025.geojson`` and ``territories-bretagne.json`` (the latter may
        also be given as ``territories=`` or found beside the polygons).

    Returns
    -------
    Loaded
        GeoDataFrame (EPSG:4326) with :data:`EPCI_COLUMNS`, sorted by ``siren``; stats
        ``epci``, ``communes``, ``rennes_metropole_communes``.
    """
    report = Report("epci")
    polys, table = _split_inputs(paths, territories)
    parts = []
    for path, doc in polys:
        attrs, geoms, _ = _geo.read_features(path, report, area_bbox=settings.BRITTANY_BBOX,
                                             required=("territoire", "nom"), doc=doc)
        parts.append(attrs.assign(siren=attrs["territoire"].map(_geo.text),
                                  name=attrs["nom"].map(_geo.text), geometry=list(geoms),
                                  _file=str(path)))
    frame = pd.concat(parts, ignore_index=True)
    frame = _drop_missing(frame, report, ("siren",))
    frame = _drop_duplicates(frame, report, "siren")
    if table is not None:
        terr = _territories_frame(table, report)
        epcis = terr[terr["type"] == "epci"].set_index("territoire")
        counts = terr[terr["type"] == "commune"].groupby("epci").size()
        frame["name_long"] = frame["siren"].map(epcis["nom"])
        frame["department"] = frame["siren"].map(epcis["departement"])
        frame["n_communes"] = frame["siren"].map(counts).fillna(0).astype("int64")
        for _, r in frame[frame["name_long"].isna()].iterrows():
            report.notice("foreign_key_violation", Msg("finding.not_in", field="siren", other="territoires"),
                          file=r["_file"], row=int(r["_row"]), field="territoire", value=r["siren"])
    else:
        frame["name_long"], frame["department"], frame["n_communes"] = None, None, 0
        report.notice("missing_file", Msg("finding.no_territories"),
                      severity=WARNING)
    frame = frame.sort_values("siren", kind="stable").reset_index(drop=True)
    gdf = _geo.to_geodataframe(frame, frame["geometry"].to_numpy(), EPCI_COLUMNS)
    report.rows_kept = len(gdf)
    report.bbox = _geo.bbox_of(gdf.geometry)
    rm = gdf.loc[gdf["siren"] == settings.RENNES_METROPOLE_SIREN, "n_communes"]
    report.stats = {"epci": int(len(gdf)), "communes": int(gdf["n_communes"].sum()),
                    "rennes_metropole_communes": int(rm.iloc[0]) if len(rm) else 0}
    _geo.raise_if_strict(report, strict)
    return Loaded(gdf, report)


# -- IRIS --------------------------------------------------------------------------------------

def load_iris(paths: Path | Sequence[Path], *, strict: bool = False) -> Loaded:
    """IRIS polygons of Rennes Métropole (Opendatasoft JSON export with ``geo_shape``).

    Returns
    -------
    Loaded
        GeoDataFrame (EPSG:4326) with :data:`IRIS_COLUMNS`, sorted by ``iris_code``; stats
        ``iris``, ``communes``, ``by_type``.
    """
    report = Report("iris")
    parts = []
    for path in _geo.as_paths(paths):
        attrs, geoms, _ = _geo.read_features(path, report, area_bbox=_rm_area(),
                                             required=("code_iris", "code_insee"))
        parts.append(attrs.assign(
            iris_code=attrs["code_iris"].map(_geo.text),
            name=attrs["nom_iris"].map(_geo.text) if "nom_iris" in attrs else None,
            insee=attrs["code_insee"].map(_geo.text),
            commune=attrs["nom_com"].map(_geo.text) if "nom_com" in attrs else None,
            iris_type=attrs["type_iris"].map(_geo.text) if "type_iris" in attrs else None,
            area_m2=pd.to_numeric(attrs.get("aire_geo"), errors="coerce"),
            geometry=list(geoms), _file=str(path)))
    frame = pd.concat(parts, ignore_index=True)
    frame = _drop_missing(frame, report, ("iris_code", "insee"))
    frame = _drop_duplicates(frame, report, "iris_code")
    frame = frame.sort_values("iris_code", kind="stable").reset_index(drop=True)
    gdf = _geo.to_geodataframe(frame, frame["geometry"].to_numpy(), IRIS_COLUMNS)
    report.rows_kept = len(gdf)
    report.bbox = _geo.bbox_of(gdf.geometry)
    report.stats = {"iris": int(len(gdf)), "communes": int(gdf["insee"].nunique()),
                    "by_type": {str(k): int(v) for k, v in gdf["iris_type"].value_counts().items()}}
    _geo.raise_if_strict(report, strict)
    return Loaded(gdf, report)


# -- business zones ----------------------------------------------------------------------------

def load_business_zones(paths: Path | Sequence[Path], *, strict: bool = False) -> Loaded:
    """Business zones of Rennes Métropole (a proxy of job locations).

    The ``idza`` code is not unique in the 2020 file (two zones share ``ZA199``, two
    ``ZA34``): rows are keyed by ``objectid`` (``zone_id``) and shared codes only give an
    informational ``duplicate_key`` notice.

    Returns
    -------
    Loaded
        GeoDataFrame (EPSG:4326) with :data:`BUSINESS_ZONE_COLUMNS`, sorted by ``zone_id``;
        stats ``zones``, ``area_ha``, ``communes``, ``by_stage``.
    """
    report = Report("business-zones")
    parts = []
    for path in _geo.as_paths(paths):
        attrs, geoms, _ = _geo.read_features(path, report, area_bbox=_rm_area(),
                                             required=("objectid",))
        get = attrs.get
        parts.append(attrs.assign(
            zone_id=pd.to_numeric(attrs["objectid"], errors="coerce"),
            za_code=get("idza", pd.Series(None, index=attrs.index)).map(_geo.text),
            name=get("nomza", pd.Series(None, index=attrs.index)).map(_geo.text),
            insee=get("code_insee", pd.Series(None, index=attrs.index)).map(_insee),
            commune=get("nom_com", pd.Series(None, index=attrs.index)).map(_geo.text),
            category=get("territoire", pd.Series(None, index=attrs.index)).map(_geo.text),
            stage=get("etape", pd.Series(None, index=attrs.index)).map(_geo.text),
            development=get("etat", pd.Series(None, index=attrs.index)).map(_geo.text),
            area_ha=pd.to_numeric(get("surfha"), errors="coerce"),
            geometry=list(geoms), _file=str(path)))
    frame = pd.concat(parts, ignore_index=True)
    frame = _drop_missing(frame, report, ("zone_id",))
    frame = _drop_duplicates(frame, report, "zone_id")
    shared = frame["za_code"].notna() & frame.duplicated("za_code", keep=False)
    for _, r in frame[shared].iterrows():
        report.notice("duplicate_key", Msg("finding.shared_code", field="idza"),
                      severity="info", file=r["_file"], row=int(r["_row"]), field="idza",
                      value=r["za_code"])
    frame = frame.sort_values("zone_id", kind="stable").reset_index(drop=True)
    gdf = _geo.to_geodataframe(frame, frame["geometry"].to_numpy(), BUSINESS_ZONE_COLUMNS)
    report.rows_kept = len(gdf)
    report.bbox = _geo.bbox_of(gdf.geometry)
    report.stats = {"zones": int(len(gdf)), "area_ha": round(float(gdf["area_ha"].sum()), 1),
                    "communes": int(gdf["insee"].nunique()),
                    "by_stage": {str(k): int(v) for k, v in gdf["stage"].value_counts().items()}}
    _geo.raise_if_strict(report, strict)
    return Loaded(gdf, report)


# -- indicators --------------------------------------------------------------------------------

#: Columns of the long parquet files (indicators-demography / -mobility).
_LONG_REQUIRED = ("territoire", "type", "key", "value")
#: Numeric columns of the wide 20-minute file melted into indicators (detail = story_key).
_WIDE_ID = ("territoire", "type", "theme", "story_key", "classification_saillance",
            "vintage_source", "vintage_version", "vintage_date_reference", "vintage_date_publication")


def load_indicators(paths: Path | Sequence[Path], *, strict: bool = False) -> Loaded:
    """Published commune / EPCI indicators of Brittany as one long frame.

    Parameters
    ----------
    paths
        ``indicators-*.parquet`` (long files: ``territoire, type, theme, key, detail,
        value, unit, rang_*, vintage_*``; the "20 minutes without a car" file is wide:
        its numeric columns become indicators named after the column, with the story key
        as ``detail``) and ``indicators-sources.json`` (source id and licence joined on
        source text + version).

    Returns
    -------
    Loaded
        DataFrame with :data:`INDICATOR_COLUMNS`. Rows whose value is not a number are kept
        as NaN (values are missing for some territories, e.g. small communes); a row with
        no territory code or an unknown level is quarantined (``missing_required_field``,
        ``invalid_value``). Stats: ``rows_by_file``, ``indicators``, ``territories`` by level.
    """
    report = Report("indicators")
    files = _geo.as_paths(paths)
    sources = None
    frames = []
    for path in files:
        if path.suffix.lower() == ".json":
            sources = _read_sources(path, report)
            continue
        raw = _read_parquet(path)
        report.files.append(str(path))
        report.rows_read += len(raw)
        frames.append(_indicator_rows(raw, path, report))
    if not frames:
        raise UnusableInputError(Msg("error.no_indicators_file"),
                                 file=", ".join(map(str, files)))
    frame = pd.concat(frames, ignore_index=True)
    if sources is not None:
        key = sources.set_index(["source", "version"])
        idx = pd.MultiIndex.from_arrays([frame["source"], frame["source_version"]])
        frame["source_id"] = key["id"].reindex(idx).to_numpy()
        frame["licence"] = key["licence"].reindex(idx).to_numpy()
        unknown = frame["source"].notna() & frame["source_id"].isna()
        for src in sorted(frame.loc[unknown, "source"].unique()):
            report.notice("foreign_key_violation", Msg("finding.not_in", field="vintage_source", other="indicators-sources.json"),
                          field="vintage_source", value=src)
    else:
        frame["source_id"], frame["licence"] = None, None
        report.notice("missing_file", Msg("finding.no_indicator_sources"),
                      severity="info")
    out = _geo.typed(frame, INDICATOR_COLUMNS).reset_index(drop=True)
    report.rows_kept = int(frame["_src_row_key"].nunique())
    report.crs = None
    report.stats = {
        "rows_by_file": {Path(f).name: int(n) for f, n in out["file"].value_counts().items()},
        "long_rows": int(len(out)),
        "indicators": int(out["indicator"].nunique()),
        "territories": {lvl: int(out.loc[out["level"] == lvl, "territory_code"].nunique())
                        for lvl in _LEVELS},
    }
    _geo.raise_if_strict(report, strict)
    return Loaded(out, report)


def indicator_table(frame: pd.DataFrame, indicator: str, *, level: str = "commune",
                    detail: str | None = None) -> pd.DataFrame:
    """One indicator as a table: one row per territory, one column per ``detail``.

    Parameters
    ----------
    frame
        The long frame of :func:`load_indicators`.
    indicator
        e.g. ``"densite"``, ``"offre_tc"``, ``"structure_age"``, ``"pct_iso_full_t"``.
    level
        ``"commune"``, ``"epci"``, ``"departement"`` or ``"region"``.
    detail
        Keep only that breakdown (then the single column is named ``indicator``).

    Returns
    -------
    DataFrame
        Indexed by ``territory_code``; columns are the ``detail`` values (``indicator``
        when the indicator has no breakdown). Empty (no columns) when nothing matches.
    """
    sub = frame[(frame["indicator"] == indicator) & (frame["level"] == level)]
    if detail is not None:
        sub = sub[sub["detail"] == detail]
    if sub.empty:
        return pd.DataFrame(index=pd.Index([], name="territory_code"))
    col = sub["detail"].where(sub["detail"].notna(), indicator)
    if detail is not None:
        col = pd.Series(indicator, index=sub.index)
    table = (sub.assign(_col=col)
             .pivot_table(index="territory_code", columns="_col", values="value", aggfunc="first",
                          dropna=False))
    table.columns.name = None
    return table


def _read_sources(path: Path, report: Report) -> pd.DataFrame:
    doc = _geo.read_json(path)
    if not isinstance(doc, list) or not all(isinstance(d, dict) for d in doc):
        raise UnusableInputError(Msg("error.objects_expected"), file=str(path))
    report.files.append(str(path))
    frame = pd.DataFrame.from_records(doc)
    for col in ("id", "source", "version"):
        if col not in frame:
            raise SchemaError(Msg("error.column_required"), file=str(path), field=col)
    if "licence" not in frame:
        frame["licence"] = None
    return frame.drop_duplicates(["source", "version"])


def _indicator_rows(raw: pd.DataFrame, path: Path, report: Report) -> pd.DataFrame:
    file = str(path)
    raw = raw.reset_index(drop=True)
    raw["_row"] = np.arange(1, len(raw) + 1)
    if "key" in raw:
        missing = [c for c in _LONG_REQUIRED if c not in raw]
        if missing:
            raise SchemaError(Msg("error.column_required"), file=file, field=missing[0])
        long = raw.rename(columns={"key": "indicator"})
    elif "story_key" in raw and "territoire" in raw and "type" in raw:
        numeric = [c for c in raw.columns if c not in _WIDE_ID and c != "_row"
                   and pd.api.types.is_numeric_dtype(raw[c])]
        long = raw.melt(id_vars=[c for c in raw.columns if c not in numeric],
                        value_vars=numeric, var_name="indicator", value_name="value")
        long["detail"] = long["story_key"]
        # a story does not use every column: its blank cells are "not applicable", not data
        long = long[long["value"].notna()].sort_values(["_row", "indicator"], kind="stable")
    else:
        raise SchemaError(Msg("error.indicators_layout"),
                          file=file, field="key")
    long = long.assign(territory_code=long["territoire"].map(_geo.text),
                       level=long["type"].map(_geo.text))
    long = report.quarantine_mask(long, long["territory_code"].isna(), code="missing_required_field",
                                  message=Msg("finding.field_empty", field="territoire"), field="territoire",
                                  file=file)
    long = report.quarantine_mask(long, ~long["level"].isin(_LEVELS), code="invalid_value",
                                  message=Msg("finding.unknown_code", field="type", allowed=", ".join(_LEVELS)),
                                  field="type",
                                  file=file)
    value = pd.to_numeric(long["value"], errors="coerce")
    bad = value.isna() & long["value"].notna()
    long = report.quarantine_mask(long.assign(value=value), bad.to_numpy(), code="invalid_value",
                                  message=Msg("finding.not_a_number"), field="value", file=file)

    def col(name: str) -> Any:
        return long[name].astype(object) if name in long else pd.Series(None, index=long.index,
                                                                         dtype=object)

    def num(name: str) -> Any:
        return (pd.to_numeric(long[name], errors="coerce") if name in long
                else pd.Series(np.nan, index=long.index))

    return pd.DataFrame({
        "territory_code": long["territory_code"], "level": long["level"], "theme": col("theme"),
        "indicator": long["indicator"], "detail": col("detail"), "value": long["value"],
        "unit": col("unit"), "rank_epci": num("rang_epci"), "rank_department": num("rang_dep"),
        "rank_region": num("rang_reg"), "source": col("vintage_source"),
        "source_version": col("vintage_version"),
        "date_reference": pd.to_datetime(col("vintage_date_reference"), errors="coerce"),
        "date_publication": pd.to_datetime(col("vintage_date_publication"), errors="coerce"),
        "file": file, "_src_row_key": file + ":" + long["_row"].astype(str),
    })


# -- small helpers -----------------------------------------------------------------------------

def _rm_area() -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = settings.RENNES_METROPOLE_BBOX
    return (x0 - 0.05, y0 - 0.05, x1 + 0.05, y1 + 0.05)


def _insee(value: Any) -> str | None:
    if isinstance(value, float) and value.is_integer():  # pandas turned the ints into floats
        value = int(value)
    s = _geo.text(value)
    if s is None:
        return None
    return s.zfill(5) if s.isdigit() else s


def _areas_m2(geoms: np.ndarray) -> np.ndarray:
    import shapely
    from pyproj import Transformer

    t = Transformer.from_crs(_geo.WGS84, _geo.LAMBERT93, always_xy=True)
    valid = np.array([g is not None for g in geoms], dtype=bool)
    out = np.full(len(geoms), np.nan)
    if valid.any():
        proj = shapely.transform(np.asarray(geoms[valid]),
                                 lambda c: np.column_stack(t.transform(c[:, 0], c[:, 1])))
        out[valid] = shapely.area(proj)
    return out


def _drop_missing(frame: pd.DataFrame, report: Report, cols: Sequence[str]) -> pd.DataFrame:
    for c in cols:
        bad = frame[c].isna().to_numpy()
        if bad.any():
            for _, r in frame[bad].iterrows():
                report.quarantine("missing_required_field", Msg("finding.field_empty", field=c), file=r["_file"],
                                  row=int(r["_row"]), field=c)
            frame = frame.loc[~bad]
    return frame.reset_index(drop=True)


def _drop_duplicates(frame: pd.DataFrame, report: Report, key: str) -> pd.DataFrame:
    dup = frame.duplicated(key, keep="first").to_numpy()
    for _, r in frame[dup].iterrows():
        report.quarantine("duplicate_key", Msg("finding.duplicate_first_kept", keys=key), file=r["_file"],
                          row=int(r["_row"]), field=key, value=r[key])
    return frame.loc[~dup].reset_index(drop=True)


# -- parquet -----------------------------------------------------------------------------------

def _read_parquet(path: Path) -> pd.DataFrame:
    """Read a parquet file with pandas (pyarrow, a dependency), within the file-size budget."""
    raw = _csv.read_bytes(path)  # within the max_file_bytes budget
    if len(raw) < 12 or raw[:4] != b"PAR1" or raw[-4:] != b"PAR1":
        raise UnusableInputError(Msg("error.not_parquet"),
                                 file=str(path))
    import io

    try:
        return pd.read_parquet(io.BytesIO(raw))
    except Exception as exc:  # noqa: BLE001 - any decoding failure of the engine
        raise UnusableInputError(Msg("error.parquet_decode", detail=str(exc)), file=str(path)) from exc
