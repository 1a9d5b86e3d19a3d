"""Shared helpers for the CSV / JSON point loaders (bike share, carpool, IRVE, car parks).

Open-data exports arrive in many shapes: UTF-8 with or without BOM or latin-1,
``,`` or ``;`` separated, decimal commas, numbers padded with (non-breaking)
spaces, booleans as ``true``/``Oui``/``1``. These helpers read such files into
frames of strings with a ``_row`` column (the 1-based data row, header excluded,
used for quarantine) and convert columns to typed values without ever raising on
a bad cell (a bad cell becomes missing; the loader decides what that means).
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SchemaError, UnusableInputError
from ..messages import Msg
from ..validate import Report, strict_error
from ._csv import read_bytes, read_csv_bytes

ROW = "_row"
FILE = "_file"

#: Encodings tried in order. latin-1 decodes any byte string, so it is the last resort.
ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")

#: Cell values meaning "no value" in French open data (compared case-insensitively, stripped).
NULL_TOKENS = frozenset({"", "-", "--", "n/a", "na", "nan", "null", "none", "sans objet", "nc",
                         "non renseigné", "non renseigne", "inconnu"})

_TRUE = frozenset({"true", "t", "1", "1.0", "yes", "y", "oui", "o", "vrai"})
_FALSE = frozenset({"false", "f", "0", "0.0", "no", "n", "non", "faux"})
_SPACES = re.compile(r"[\s\u00a0\u202f\u2007\ufeff]+")
_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")


# -- paths and raw text ---------------------------------------------------------------

def as_paths(paths: str | PathLike | Sequence[str | PathLike]) -> list[Path]:
    """One path or a sequence of paths, as a list of :class:`Path`."""
    if isinstance(paths, (str, PathLike)):
        return [Path(paths)]
    out = [Path(p) for p in paths]
    if not out:
        raise UnusableInputError(Msg("error.no_input"))
    return out


def read_text(path: Path) -> tuple[str, str]:
    """Decode ``path`` and return ``(text, encoding)``.

    UTF-8 (a BOM is removed) is tried first, then cp1252 and latin-1. Raises
    :class:`UnusableInputError` when the file is missing or looks binary, and
    :class:`~sources.budgets.BudgetExceeded` when it is over the file size budget.
    """
    raw = read_bytes(path)
    encoding = _encoding_of(raw, path)
    return raw.decode(encoding), encoding


def _encoding_of(raw: bytes, path: Path) -> str:
    if b"\x00" in raw[:4096]:
        raise UnusableInputError(Msg("error.binary"), file=str(path))
    for encoding in ENCODINGS:
        try:
            raw.decode(encoding)
            return encoding
        except UnicodeDecodeError:
            continue
    raise UnusableInputError(Msg("error.undecodable"), file=str(path))  # pragma: no cover


def normalise_name(name: str) -> str:
    """A column name without accents, case, BOM or punctuation: ``"Nb Emplacements "`` ->
    ``"nb_emplacements"``."""
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    text = re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower()
    return text


def read_csv_table(path: Path, *, report: Report | None = None) -> pd.DataFrame:
    """Read a CSV export into a frame of stripped strings plus ``_row`` (1-based data row).

    Encoding (utf-8 / utf-8-sig / cp1252 / latin-1) and separator (``,`` ``;`` tab ``|``) are
    detected; CRLF and quoted fields are handled. Empty cells are ``""``. A notice
    ``non_utf8_encoding`` (info) is added to ``report`` when the file is not UTF-8. Budgets
    (bytes, columns, rows) are checked before parsing; a line with a stray quote or more
    fields than the header is quarantined with its line number (``invalid_quoting``,
    ``invalid_row_length``) and the rest of the file is kept (:mod:`sources.loaders._csv`).

    Raises
    ------
    UnusableInputError
        empty or binary file, or a header whose quote is never closed.
    BudgetExceeded
        file, columns or rows over the budgets.
    """
    raw = read_bytes(path)
    encoding = _encoding_of(raw, path)
    if not raw.strip():
        raise UnusableInputError(Msg("error.file_empty"), file=str(path))
    if report is not None and encoding not in ("utf-8-sig",):
        report.notice("non_utf8_encoding", Msg("finding.decoded_as", encoding=encoding), severity="info",
                      file=str(path))
    frame = read_csv_bytes(raw, label=str(path), report=report, encoding=encoding,
                           na_filter=False, quoting=csv.QUOTE_MINIMAL)
    rows = frame.pop(ROW)
    rows_read = frame.attrs.get("rows_read", len(frame))
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    frame = frame.apply(lambda s: s.map(_strip))
    frame[ROW] = rows.to_numpy(dtype="int64")
    frame.attrs["rows_read"] = rows_read
    return frame


def read_json(path: Path) -> Any:
    """Parse a JSON file (any of the encodings of :func:`read_text`).

    Raises :class:`UnusableInputError` naming the file and line when it is not JSON.
    """
    text, _ = read_text(path)
    try:
        return json.loads(text)
    except RecursionError as exc:
        raise UnusableInputError(Msg("error.json_deep"), file=str(path)) from exc
    except json.JSONDecodeError as exc:
        raise UnusableInputError(Msg("error.not_json", detail=exc.msg, line=exc.lineno, column=exc.colno),
                                 file=str(path), row=exc.lineno) from exc


def rename_columns(frame: pd.DataFrame, aliases: Mapping[str, Iterable[str]]) -> pd.DataFrame:
    """Rename columns to canonical names. ``aliases`` maps canonical -> accepted spellings,
    compared after :func:`normalise_name`. The first matching column wins; the frame is copied."""
    normalised = {}
    for col in frame.columns:
        normalised.setdefault(normalise_name(col), col)
    mapping: dict[str, str] = {}
    for canonical, names in aliases.items():
        for name in (canonical, *names):
            col = normalised.get(normalise_name(name))
            if col is not None and col not in mapping and col not in (ROW, FILE):
                mapping[col] = canonical
                break
    return frame.rename(columns=mapping)


def require_columns(frame: pd.DataFrame, required: Iterable[str], *, file: str) -> None:
    """Raise :class:`SchemaError` naming the first missing column."""
    for col in required:
        if col not in frame.columns:
            found = [str(c) for c in frame.columns if c not in (ROW, FILE)][:25]
            raise SchemaError(Msg("error.required_column", columns=", ".join(found)),
                              file=file, field=col)


# -- typed conversions (never raise on a bad cell) --------------------------------------

def _strip(value: Any) -> Any:
    if isinstance(value, str):
        return _SPACES.sub(" ", value).strip()
    return value


def clean_str(values: pd.Series, *, nulls: frozenset[str] = frozenset({""})) -> pd.Series:
    """Strings stripped of (non-breaking) spaces; values in ``nulls`` (case-insensitive) -> <NA>.
    Returns a pandas ``string`` series."""
    out = values.map(lambda v: _strip(str(v)) if v is not None and not _isna(v) else None)
    out = out.map(lambda v: None if v is None or v.lower() in nulls else v)
    return out.astype("string")


def to_float(values: pd.Series) -> pd.Series:
    """Numbers written as text -> float64 (NaN when unreadable).

    Handles spaces and non-breaking spaces (``" -1.67 "``), decimal commas (``"-1,67"``),
    thousands separators (``"1 234,5"``, ``"1.234,5"``) and trailing units (``"50kW"``).
    """
    return values.map(_parse_float).astype("float64")


def _parse_float(value: Any) -> float:
    if value is None or _isna(value):
        return np.nan
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return float(value)
    text = _SPACES.sub("", str(value))
    if not text or text.lower() in NULL_TOKENS:
        return np.nan
    if "," in text and "." in text:  # 1.234,5 (French) or 1,234.5 (English)
        text = text.replace(".", "").replace(",", ".") if text.rfind(",") > text.rfind(".") else text.replace(",", "")
    elif text.count(",") == 1:
        text = text.replace(",", ".")
    match = _NUMBER.match(text)
    if not match:
        return np.nan
    try:
        return float(match.group(0))
    except ValueError:  # pragma: no cover - the regex only matches floats
        return np.nan


def unit_of(value: Any) -> str:
    """The unit letters following a number (``"7400 W"`` -> ``"w"``, ``"22kW"`` -> ``"kw"``)."""
    if value is None or _isna(value):
        return ""
    text = _SPACES.sub("", str(value))
    match = _NUMBER.match(text.replace(",", "."))
    return text[match.end():].lower() if match else ""


def to_int(values: pd.Series) -> pd.Series:
    """Integers written as text (``"22"``, ``"22.000"``, ``"22,0"``) -> ``Int64`` (<NA> when
    unreadable or not a whole number)."""
    floats = to_float(values)
    whole = floats.notna() & np.isfinite(floats) & (floats == np.round(floats))
    out = pd.Series(pd.NA, index=values.index, dtype="Int64")
    out[whole] = floats[whole].astype("int64")
    return out


def to_bool(values: pd.Series) -> pd.Series:
    """Booleans written as text (true/false, 1/0, oui/non, vrai/faux) -> pandas ``boolean``."""
    def parse(v: Any) -> Any:
        if v is None or _isna(v):
            return pd.NA
        if isinstance(v, (bool, np.bool_)):
            return bool(v)
        text = _SPACES.sub(" ", str(v)).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        return pd.NA
    return values.map(parse).astype("boolean")


def to_utc(values: pd.Series) -> pd.Series:
    """Timestamps as POSIX seconds or ISO 8601 text -> ``datetime64[ns, UTC]`` (NaT when unreadable).

    Naive ISO values are taken as UTC."""
    def parse(v: Any) -> Any:
        if v is None or _isna(v) or (isinstance(v, str) and not v.strip()):
            return pd.NaT
        if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
            return pd.Timestamp(float(v), unit="s", tz="UTC")
        text = str(v).strip()
        if re.fullmatch(r"\d{9,11}(\.\d+)?", text):
            return pd.Timestamp(float(text), unit="s", tz="UTC")
        try:
            ts = pd.Timestamp(text)
        except (ValueError, TypeError):
            return pd.NaT
        if ts is pd.NaT:
            return pd.NaT
        return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    out = pd.Series([parse(v) for v in values], index=values.index, dtype="object")
    return pd.to_datetime(out, utc=True)


def parse_pair(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Split ``"[a, b]"`` / ``"a,b"`` / ``"a b"`` coordinate pairs into two float64 series
    (NaN when not exactly two numbers)."""
    def split(v: Any) -> tuple[float, float]:
        if v is None or _isna(v):
            return (np.nan, np.nan)
        if isinstance(v, (list, tuple)):
            parts = [str(p) for p in v]
        else:
            text = _SPACES.sub(" ", str(v)).strip().strip("[]()").strip()
            parts = [p for p in re.split(r"\s*[,;]\s*|\s+", text) if p]
        if len(parts) != 2:
            return (np.nan, np.nan)
        return (_parse_float(parts[0]), _parse_float(parts[1]))
    pairs = [split(v) for v in values]
    first = pd.Series([p[0] for p in pairs], index=values.index, dtype="float64")
    second = pd.Series([p[1] for p in pairs], index=values.index, dtype="float64")
    return first, second


def department_of(insee: pd.Series) -> pd.Series:
    """French département code of an INSEE commune code (``"35238"`` -> ``"35"``,
    ``"97411"`` -> ``"974"``, ``"2A004"`` -> ``"2A"``); <NA> when not a commune code."""
    def dep(v: Any) -> Any:
        if v is None or _isna(v):
            return None
        text = str(v).strip()
        if re.fullmatch(r"\d{4}", text):  # leading zero lost by a spreadsheet
            text = "0" + text
        if not re.fullmatch(r"(\d{2}|2[AB])\d{3}", text):
            return None
        return text[:3] if text.startswith("97") else text[:2]
    return insee.map(dep).astype("string")


def empty_frame(columns: Mapping[str, str]) -> pd.DataFrame:
    """An empty frame with the declared columns and dtypes."""
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in columns.items()})


def conform(frame: pd.DataFrame, columns: Mapping[str, str]) -> pd.DataFrame:
    """Select and order the declared columns, cast to their dtypes, reset the index.
    Missing declared columns are added empty."""
    out = {}
    for col, dtype in columns.items():
        if col in frame.columns:
            out[col] = frame[col].astype(dtype)
        else:
            out[col] = pd.Series(_missing_value(dtype), index=frame.index, dtype=dtype)
    return pd.DataFrame(out, index=frame.index).reset_index(drop=True)


def _missing_value(dtype: str) -> Any:
    if dtype == "bool":
        return False
    if dtype.startswith("float"):
        return np.nan
    if dtype.startswith("datetime"):
        return pd.NaT
    return pd.NA


def raise_if_strict(report: Report, *, strict: bool) -> None:
    """With ``strict=True``, raise :class:`SchemaError` for the first quarantined row."""
    if strict and report.quarantined:
        raise strict_error(report.quarantined[0], rows=report.n_quarantined)


def _isna(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
