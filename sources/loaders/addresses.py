"""BAN: the national address base (Base Adresse Nationale), one département's CSV export.

The official file is ``adresses-35.csv.gz`` (gzip, ``;``-separated, UTF-8, one row per address
point: ``id;id_fantoir;numero;rep;nom_voie;code_postal;code_insee;nom_commune;...;lon;lat;...``).
A plain (not gzipped) CSV is read too. Budgets come first: the compressed file's size
(``max_file_bytes``), then, while it is decompressed chunk by chunk, the decompressed size
(``max_entry_bytes``) and the compression ratio (``max_archive_ratio``), so a gzip bomb stops
after at most one chunk past the limit; then the CSV's columns and rows (:mod:`._csv`).

Quarantine codes: ``invalid_quoting`` / ``invalid_row_length`` (broken lines, from the CSV
reader), ``missing_required_field`` (no street name or house number), ``invalid_value`` (a
house number that is not a whole number from 0 to 99998: the BAN writes 99999 for a named place
without a number), ``missing_coordinates``, ``point_near_origin``, ``point_outside_area``,
``duplicate_key`` (an ``id`` seen before).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from os import PathLike
from pathlib import Path

import pandas as pd

from sources.messages import Msg

from ..budgets import BudgetExceeded, budgets
from ..errors import UnusableInputError
from ..geo import BRITTANY_BBOX
from ..validate import Loaded, Report, check_coordinates
from . import _tabular as tab
from ._csv import read_bytes, read_csv_bytes

#: Column contract of the returned frame.
COLUMNS: dict[str, str] = {
    "id": "string",  # BAN cle_interop, e.g. "35238_2920_00012"
    "numero": "Int64",  # house number
    "rep": "string",  # repetition index: "bis", "ter", "a"... (<NA> when none)
    "nom_voie": "string",  # street name as written ("Rue de Saint-Malo")
    "code_postal": "string",
    "code_insee": "string",
    "nom_commune": "string",
    "lon": "float64",
    "lat": "float64",
}
REQUIRED = ("numero", "nom_voie", "code_insee", "lon", "lat")
#: the BAN's house number of a named place without a number
NO_NUMBER = 99999
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20


def read_gzip(path: str | PathLike, *, label: str | None = None) -> bytes:
    """The decompressed bytes of a gzip file (a plain file is returned as it is), within the
    budgets named in the module docstring; raises :class:`BudgetExceeded` or
    :class:`UnusableInputError` (truncated or corrupt gzip)."""
    name = label or str(path)
    raw = read_bytes(path, label=name)
    if not raw.startswith(_GZIP_MAGIC):
        return raw
    limits = budgets()
    max_bytes = limits.max_entry_bytes
    max_out = len(raw) * limits.max_archive_ratio
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    parts: list[bytes] = []
    size = 0
    try:
        for start in range(0, len(raw), _CHUNK):
            data = raw[start:start + _CHUNK]
            while data and not inflater.eof:
                part = inflater.decompress(data, _CHUNK)  # at most one chunk out per call
                size += len(part)
                if size > max_bytes:
                    raise BudgetExceeded("max_entry_bytes", size, max_bytes, what=f"{name} (decompressed)")
                if size > max_out:
                    raise BudgetExceeded("max_archive_ratio", round(size / len(raw)),
                                         limits.max_archive_ratio, what=name)
                parts.append(part)
                data = inflater.unconsumed_tail
            if inflater.eof:
                break
    except zlib.error as exc:
        raise UnusableInputError(Msg("error.gzip_corrupt", detail=str(exc)), file=name) from exc
    if not inflater.eof:
        raise UnusableInputError(Msg("error.gzip_truncated"), file=name)
    return b"".join(parts)


def _strings(values: pd.Series) -> pd.Series:
    out = values.astype("string").str.strip()
    return out.mask(out == "")


def _read_one(path: Path, report: Report, *, bbox: tuple[float, float, float, float]) -> pd.DataFrame:
    file = str(path)
    frame = read_csv_bytes(read_gzip(path, label=file), label=file, report=report)
    report.files.append(file)
    report.rows_read += int(frame.attrs.get("rows_read", len(frame)))
    frame = tab.rename_columns(frame, {"id": ("cle_interop",), "lon": ("long", "longitude"),
                                       "lat": ("latitude",)})
    tab.require_columns(frame, REQUIRED, file=file)
    out = pd.DataFrame({tab.ROW: frame[tab.ROW]}, index=frame.index)
    for col in ("id", "rep", "nom_voie", "code_postal", "code_insee", "nom_commune"):
        out[col] = _strings(frame[col]) if col in frame.columns else pd.Series(pd.NA, index=frame.index,
                                                                               dtype="string")
    numero = _strings(frame["numero"])
    out["numero"] = pd.to_numeric(numero, errors="coerce")
    out["lon"], out["lat"] = frame["lon"], frame["lat"]
    out = report.quarantine_mask(out, out["nom_voie"].isna(), code="missing_required_field",
                                 message=Msg("finding.field_empty", field="nom_voie"), field="nom_voie", file=file)
    bad_number = out["numero"].isna() | (out["numero"] < 0) | (out["numero"] >= NO_NUMBER) \
        | (out["numero"] != out["numero"].round())
    missing = numero.loc[out.index].isna()
    out = report.quarantine_mask(out, missing.to_numpy(), code="missing_required_field",
                                 message=Msg("finding.field_empty", field="numero"), field="numero", file=file)
    bad_number = bad_number.loc[out.index]
    out = report.quarantine_mask(out, bad_number.to_numpy(), code="invalid_value",
                                 message=Msg("finding.house_number", max=NO_NUMBER - 1),
                                 field="numero", file=file)
    return check_coordinates(out, report, bbox=bbox, file=file, fix_swapped=False)


def load_addresses(paths: str | PathLike | Sequence[str | PathLike], *,
                   area_bbox: tuple[float, float, float, float] | None = None,
                   strict: bool = False) -> Loaded:
    """Load BAN address points (one or more département files, gzipped or not).

    Parameters
    ----------
    paths
        ``adresses-<dep>.csv.gz`` files (or plain CSV).
    area_bbox
        Expected area (lon_min, lat_min, lon_max, lat_max); default Brittany.
    strict
        Raise :class:`~sources.errors.SchemaError` instead of quarantining a bad row.

    Returns
    -------
    Loaded
        ``data`` with :data:`COLUMNS`; ``report.stats``: addresses, streets (distinct street
        names per commune), communes.

    Raises
    ------
    SchemaError
        A required column (:data:`REQUIRED`) is missing.
    BudgetExceeded, UnusableInputError
        Over a budget; not readable, truncated or corrupt gzip.
    """
    bbox = area_bbox or BRITTANY_BBOX
    report = Report(dataset_id="ban")
    parts = [_read_one(path, report, bbox=bbox) for path in tab.as_paths(paths)]
    data = pd.concat(parts, ignore_index=True) if parts else tab.empty_frame(COLUMNS)
    dup = data["id"].notna() & data["id"].duplicated()
    data = report.quarantine_mask(data, dup.to_numpy(), code="duplicate_key", message=Msg("finding.already_seen", field="id"),
                                  field="id")
    data = data.assign(numero=data["numero"].round().astype("Int64"))
    out = tab.conform(data, COLUMNS)
    report.rows_kept = len(out)
    report.set_bbox(out["lon"], out["lat"])
    report.stats = {
        "addresses": len(out),
        "streets": int(out[["code_insee", "nom_voie"]].drop_duplicates().shape[0]) if len(out) else 0,
        "communes": int(out["code_insee"].nunique()),
    }
    tab.raise_if_strict(report, strict=strict)
    return Loaded(out, report)


__all__ = ["COLUMNS", "NO_NUMBER", "REQUIRED", "load_addresses", "read_gzip"]
