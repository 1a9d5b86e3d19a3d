"""Validation reports: what was read, kept and quarantined, and why.

Every loader returns a :class:`Loaded` (the typed frame plus its
:class:`Report`). Rows that cannot be used are *quarantined*, not dropped
silently: each keeps its file, row number (1-based data row, header excluded),
field, reason code and value. Reason codes reuse the MobilityData GTFS
validator notice codes where one fits (``foreign_key_violation``,
``invalid_time``, ``duplicate_key``, ``point_near_origin``, ...).

A finding's ``message`` is a :class:`~sources.messages.Msg` (a ``finding.*`` key with its
parameters; its ``str`` is the English text the command line prints and the JSON keeps), so a
page renders it in the reader's language; a reason code is named by the key ``reason.<code>``
(:func:`reason_name`). The JSON report carries each message's ``key`` and ``params`` too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from .errors import SchemaError
from .geo import in_bbox
from .i18n import known, translate
from .messages import Fmt, Msg

ERROR, WARNING, INFO = "error", "warning", "info"

QUARANTINE_COLUMNS = ["file", "row", "field", "code", "severity", "message", "value"]


@dataclass
class Notice:
    """One finding. ``row`` is the 1-based data row in ``file`` (None for file-level notices)."""

    code: str
    message: str
    severity: str = ERROR
    file: str | None = None
    row: int | None = None
    field: str | None = None
    value: str | None = None


@dataclass
class Report:
    """Validation summary of one dataset (possibly several files)."""

    dataset_id: str
    files: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_kept: int = 0
    quarantined: list[Notice] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    crs: str | None = "EPSG:4326"
    bbox: tuple[float, float, float, float] | None = None
    stats: dict[str, Any] = field(default_factory=dict)
    freshness: dict[str, Any] = field(default_factory=dict)

    # -- recording ---------------------------------------------------------
    def set_bbox(self, lon: pd.Series, lat: pd.Series) -> None:
        """``bbox`` around points (missing coordinates skipped); left as it is when there are none."""
        if len(lon):
            self.bbox = (float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))

    def quarantine(self, code: str, message: str, *, file: str | None = None, row: int | None = None,
                   field: str | None = None, value: Any = None, severity: str = ERROR) -> None:
        self.quarantined.append(Notice(code, message, severity, file, row, field, _str(value)))

    def notice(self, code: str, message: str, *, severity: str = WARNING, file: str | None = None,
               row: int | None = None, field: str | None = None, value: Any = None) -> None:
        self.notices.append(Notice(code, message, severity, file, row, field, _str(value)))

    def quarantine_mask(self, frame: pd.DataFrame, mask: pd.Series | np.ndarray, *, code: str,
                        message: str, field: str | None = None, file: str | None = None,
                        row_column: str = "_row", severity: str = ERROR) -> pd.DataFrame:
        """Quarantine the rows of ``frame`` where ``mask`` is true and return the others.

        Row numbers come from ``frame[row_column]`` when present, else from the index + 1.
        The input frame is not modified.
        """
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return frame
        bad = frame.loc[mask]
        rows = bad[row_column].tolist() if row_column in bad.columns else [int(i) + 1 for i in bad.index]
        values = bad[field].tolist() if field and field in bad.columns else [None] * len(bad)
        for row, value in zip(rows, values):
            self.quarantine(code, message, file=file, row=int(row) if row is not None else None,
                            field=field, value=value, severity=severity)
        return frame.loc[~mask]

    # -- reading -------------------------------------------------------------
    @property
    def n_quarantined(self) -> int:
        return len(self.quarantined)

    @property
    def errors(self) -> list[Notice]:
        return [n for n in self.quarantined + self.notices if n.severity == ERROR]

    @property
    def ok(self) -> bool:
        """True when nothing of severity ``error`` was found."""
        return not self.errors

    def reason_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for n in self.quarantined:
            counts[n.code] = counts.get(n.code, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def quarantine_frame(self) -> pd.DataFrame:
        """Quarantined rows as a table with :data:`QUARANTINE_COLUMNS` (``message`` holds the
        :class:`~sources.messages.Msg` objects, rendered by the reader's page)."""
        if not self.quarantined:
            return pd.DataFrame({c: pd.Series(dtype="object") for c in QUARANTINE_COLUMNS})
        rows = [{c: getattr(n, c) for c in QUARANTINE_COLUMNS} for n in self.quarantined]
        return pd.DataFrame(rows, columns=QUARANTINE_COLUMNS)

    def summary(self) -> dict[str, Any]:
        """One flat row for the validation table."""
        return {
            "dataset": self.dataset_id,
            "rows_read": self.rows_read,
            "rows_kept": self.rows_kept,
            "quarantined": self.n_quarantined,
            "reasons": ", ".join(f"{k}×{v}" for k, v in self.reason_counts().items()),
            "warnings": sum(1 for n in self.notices if n.severity == WARNING),
            "errors": len(self.errors),
            "freshness": self.freshness.get("status", ""),
        }

    def to_dict(self, *, max_rows: int | None = 1000) -> dict[str, Any]:
        d = {
            "dataset": self.dataset_id,
            "files": self.files,
            "rows_read": self.rows_read,
            "rows_kept": self.rows_kept,
            "quarantined": self.n_quarantined,
            "reasons": self.reason_counts(),
            "crs": self.crs,
            "bbox": list(self.bbox) if self.bbox else None,
            "stats": _jsonable(self.stats),
            "freshness": _jsonable(self.freshness),
            "ok": self.ok,
            "notices": [_notice_dict(n) for n in self.notices[:max_rows]],
            "quarantined_rows": [_notice_dict(n) for n in self.quarantined[:max_rows]],
        }
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Report:
        """The inverse of :meth:`to_dict` (rows beyond its ``max_rows`` are not restored)."""

        def notices(items: Any) -> list[Notice]:
            names = Notice.__dataclass_fields__
            out = []
            for n in items or []:
                notice = Notice(**{k: v for k, v in n.items() if k in names})
                if known(str(n.get("key") or "")):
                    notice.message = Msg(n["key"], **dict(n.get("params") or {}))
                out.append(notice)
            return out

        bbox = d.get("bbox")
        return cls(
            dataset_id=str(d.get("dataset", "")),
            files=list(d.get("files") or []),
            rows_read=int(d.get("rows_read") or 0),
            rows_kept=int(d.get("rows_kept") or 0),
            quarantined=notices(d.get("quarantined_rows")),
            notices=notices(d.get("notices")),
            crs=d.get("crs"),
            bbox=tuple(float(v) for v in bbox) if bbox else None,
            stats=dict(d.get("stats") or {}),
            freshness=dict(d.get("freshness") or {}),
        )

    def to_json(self, **kw: Any) -> str:
        return json.dumps(self.to_dict(**kw), ensure_ascii=False, indent=2)

    def merge(self, other: Report) -> Report:
        """Add ``other``'s counts and findings into this report (for multi-file datasets)."""
        self.files += [f for f in other.files if f not in self.files]
        self.rows_read += other.rows_read
        self.rows_kept += other.rows_kept
        self.quarantined += other.quarantined
        self.notices += other.notices
        for k, v in other.stats.items():
            self.stats.setdefault(k, v)
        return self


class Loaded(NamedTuple):
    """What a loader returns: the typed data and its validation report."""

    data: Any
    report: Report


# -- shared checks ---------------------------------------------------------------

def check_coordinates(frame: pd.DataFrame, report: Report, *, lon: str = "lon", lat: str = "lat",
                      bbox: tuple[float, float, float, float], file: str | None = None,
                      fix_swapped: bool = True, row_column: str = "_row") -> pd.DataFrame:
    """Quarantine unusable coordinates; return the kept rows (swapped pairs fixed when asked).

    Codes: ``missing_coordinates``, ``point_near_origin`` (|lat|,|lon| < 1),
    ``swapped_coordinates`` (a notice when fixed), ``point_outside_area``
    (outside ``bbox``, which catches sign-flipped longitudes).
    """
    out = frame.copy()
    out[lon] = pd.to_numeric(out[lon], errors="coerce")
    out[lat] = pd.to_numeric(out[lat], errors="coerce")
    out = report.quarantine_mask(out, out[lon].isna() | out[lat].isna(), code="missing_coordinates",
                                 message=Msg("finding.coordinates_missing"),
                                 field=lat, file=file, row_column=row_column)
    out = report.quarantine_mask(out, (out[lon].abs() < 1) & (out[lat].abs() < 1),
                                 code="point_near_origin", message=Msg("finding.near_origin"),
                                 field=lat, file=file, row_column=row_column)
    inside = pd.Series(in_bbox(out[lon], out[lat], bbox), index=out.index)
    swapped = ~inside & in_bbox(out[lat], out[lon], bbox)
    if fix_swapped and swapped.any():
        for row in (out.loc[swapped, row_column] if row_column in out else out.index[swapped] + 1):
            report.notice("swapped_coordinates", Msg("finding.swapped_fixed"),
                          file=file, row=int(row), field=lat)
        lo = out.loc[swapped, lon].copy()
        out.loc[swapped, lon] = out.loc[swapped, lat]
        out.loc[swapped, lat] = lo
        inside = inside | swapped
    elif swapped.any():
        out = report.quarantine_mask(out, swapped, code="swapped_coordinates",
                                     message=Msg("finding.swapped"), field=lat,
                                     file=file, row_column=row_column)
        inside = inside.loc[out.index]
    out = report.quarantine_mask(out, ~inside.loc[out.index], code="point_outside_area",
                                 message=Msg("finding.outside_area", **area_params(bbox)), field=lon,
                                 file=file, row_column=row_column)
    report.set_bbox(out[lon], out[lat])
    return out


def freshness(published: datetime | None, update_frequency_days: float | None, *,
              now: datetime | None = None) -> dict[str, Any]:
    """Freshness of a dataset against its update frequency.

    Returns ``{"published": iso, "age_days": float, "expected_days": float, "status": "fresh"|"stale"|"unknown"}``.
    """
    if published is None:
        return {"published": None, "age_days": None, "expected_days": update_frequency_days,
                "status": "unknown"}
    now = now or datetime.now(UTC)
    if published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    age = (now - published).total_seconds() / 86400
    status = "unknown" if update_frequency_days is None else (
        "fresh" if age <= update_frequency_days * 1.5 else "stale")
    return {"published": published.isoformat(), "age_days": round(age, 1),
            "expected_days": update_frequency_days, "status": status}


def reason_name(code: str, lang: str) -> str:
    """A reason code by its words in ``lang`` (key ``reason.<code>``); an unknown code as it is."""
    return translate(f"reason.{code}", lang) if known(f"reason.{code}") else code


def strict_error(notice: Notice, *, rows: int | None = None) -> SchemaError:
    """The error a strict load raises for its first error-level finding ``notice``: its reason in
    words, its message and value, and with ``rows`` how many rows would be set aside in all."""
    reason = Msg(f"reason.{notice.code}") if known(f"reason.{notice.code}") else notice.code
    where = {"file": notice.file, "row": notice.row, "field": notice.field}
    if notice.value is None or notice.value == "":
        return SchemaError(Msg("error.strict", reason=reason, message=notice.message), **where)
    if rows is None:
        return SchemaError(Msg("error.strict_value", reason=reason, message=notice.message,
                               detail=str(notice.value)), **where)
    return SchemaError(Msg("error.strict_rows", reason=reason, message=notice.message, detail=str(notice.value),
                           rows=Fmt("plural", rows, key="unit.rows_set_aside")), **where)


def area_params(bbox: tuple[float, float, float, float]) -> dict[str, float]:
    """The parameters of a finding naming an expected area (``finding.outside_area``)."""
    west, south, east, north = (round(float(v), 2) for v in bbox)
    return {"west": west, "south": south, "east": east, "north": north}


def _notice_dict(n: Notice) -> dict[str, Any]:
    """A finding for the JSON report: its fields, its English text, and its key and parameters."""
    d = {k: getattr(n, k) for k in Notice.__dataclass_fields__}
    d["message"] = str(n.message)
    if isinstance(n.message, Msg):
        d["key"], d["params"] = n.message.key, _jsonable(n.message.params)
    return d


def _str(value: Any) -> str | None:
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    s = str(value)
    return s if len(s) <= 200 else s[:197] + "..."


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return float(obj)
    if isinstance(obj, (datetime, pd.Timestamp)):
        return obj.isoformat()
    return obj
