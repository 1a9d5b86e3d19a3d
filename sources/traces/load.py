"""Load GPS traces (CSV with a column mapping, or GPX) into scikit-mobility TrajDataFrames.

Bad rows are quarantined in a :class:`sources.validate.Report` (file, row, field, code),
never dropped silently; a file that cannot be used at all raises
:class:`sources.errors.UnusableInputError` naming the file (and row / field).

Reason codes: ``missing_required_field`` (empty user id / time / coordinate),
``invalid_time`` (unparseable time), ``invalid_float`` (coordinate not a number),
``number_out_of_range`` (latitude outside [-90, 90] or longitude outside [-180, 180]),
``point_near_origin``, ``point_outside_area`` (outside ``bbox`` when given),
``duplicate_key`` (same user and time twice; the first is kept),
``single_point_user`` (a user with one point cannot make a trip; severity warning).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd

from sources.budgets import BudgetExceeded, Stopwatch, budgets
from sources.errors import SchemaError, UnusableInputError
from sources.geo import in_bbox
from sources.loaders._csv import read_csv_bytes
from sources.messages import Fmt, Msg
from sources.validate import WARNING, Loaded, Report, area_params

#: Columns of the TrajDataFrame the loaders return (``mode`` only when mapped / present).
TRACE_COLUMNS = ("uid", "lat", "lng", "datetime", "mode", "simulated")
LOCAL_TZ = "Europe/Paris"

PathOrBytes = str | os.PathLike | bytes
#: the columns of a GPX track point as its findings name them
GPX_FIELDS = {"uid": "name", "lat": "lat", "lng": "lon", "datetime": "time"}


def _read_bytes(source: PathOrBytes, *, name: str | None,
                max_bytes: int | None) -> tuple[bytes, str]:
    """The bytes of a trace file or upload, refused (BudgetExceeded) before reading when over
    ``max_bytes`` (default: the ``max_upload_bytes`` budget)."""
    limit = budgets().max_upload_bytes if max_bytes is None else max_bytes

    def check(size: int, label: str) -> None:
        if size > limit:
            raise BudgetExceeded("max_upload_bytes", size, limit, what=label)

    if isinstance(source, bytes | bytearray):
        data, label = bytes(source), name or "<upload>"
        check(len(data), label)
    else:
        path = Path(source)
        label = name or str(path)
        if not path.is_file():
            raise UnusableInputError(Msg("error.file_not_found"), file=label)
        check(path.stat().st_size, label)
        data = path.read_bytes()
        check(len(data), label)
    if not data.strip():
        raise UnusableInputError(Msg("error.file_empty"), file=label)
    return data, label


def load_traces_csv(source: PathOrBytes, *, user: str = "user_id", lat: str = "lat",
                    lon: str = "lon", time: str = "time", mode: str | None = None,
                    sep: str | None = None, encoding: str = "utf-8", time_format: str | None = None,
                    tz: str = LOCAL_TZ, bbox: tuple[float, float, float, float] | None = None,
                    name: str | None = None, max_bytes: int | None = None, progress: Any = None) -> Loaded:
    """Load a CSV of GPS points into a TrajDataFrame.

    Parameters
    ----------
    source
        Path of the CSV, or its bytes (an upload; ``name`` labels it in the report).
    user, lat, lon, time, mode
        Names of the columns holding the user id, latitude, longitude, time and
        (optional) transport mode. ``mode=None`` looks for a ``mode`` column.
    sep
        Field separator; ``None`` sniffs it (``,`` ``;`` or tab).
    time_format
        strftime format of ``time``; default ISO 8601, or Unix seconds when every value is
        a number. Times with an offset are converted to ``tz`` wall clock; naive times are
        taken as ``tz`` wall clock already.
    bbox
        (lon_min, lat_min, lon_max, lat_max): points outside are quarantined
        (``point_outside_area``). Default: only the valid WGS84 range is checked.
    progress
        ``progress(fraction, stage)`` called at each stage of the parse, which runs within the
        ``parse_seconds`` budget (:class:`sources.budgets.Stopwatch`).

    Returns
    -------
    Loaded
        ``data``: a ``skmob.TrajDataFrame`` sorted by user and time with columns
        ``uid`` (str), ``lat``, ``lng`` (float), ``datetime`` (naive local), ``mode`` (str,
        when present) and ``simulated`` (False); ``report``: the validation report.

    Raises
    ------
    UnusableInputError
        Unreadable file, larger than ``max_bytes``, or no usable point left.
    SchemaError
        A mapped column is missing (``field`` names it).
    """
    data, label = _read_bytes(source, name=name, max_bytes=max_bytes)
    watch = Stopwatch(what=label, progress=progress)
    watch.stage(0.05, "read")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise UnusableInputError(Msg("error.not_text", encoding=encoding, byte=exc.start),
                                 file=label) from exc
    except LookupError as exc:
        raise UnusableInputError(Msg("error.unknown_encoding", encoding=encoding), file=label) from exc
    del text  # decoded only to check the encoding; the bytes are scanned and parsed below
    if sep is None:
        first = data.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0]
        sep = max([",", ";", "\t"], key=lambda s: first.count(s.encode()))
    report = Report("traces", files=[label])
    frame = read_csv_bytes(data, label=label, report=report, sep=sep,
                           encoding="utf-8-sig" if encoding.lower().replace("_", "-") in
                           {"utf-8", "utf8"} else encoding, skipinitialspace=True)
    watch.stage(0.5, "parsed")
    rows = frame.pop("_row")
    frame.columns = [str(c).strip() for c in frame.columns]
    if mode is None and "mode" in frame.columns:
        mode = "mode"
    for field in (user, lat, lon, time) + ((mode,) if mode else ()):
        if field not in frame.columns:
            raise SchemaError(Msg("error.column_missing", column=field, columns=", ".join(map(str, frame.columns))),
                              file=label, field=field)
    cols = {user: "uid", lat: "lat", lon: "lng", time: "datetime"}
    if mode:
        cols[mode] = "mode"
    out = frame[list(cols)].rename(columns=cols)
    out.insert(0, "_row", rows.to_numpy(dtype="int64"))
    report.rows_read = len(out) + report.n_quarantined
    out["datetime"] = out["datetime"].str.strip()
    times = _parse_times(out["datetime"], time_format=time_format, tz=tz)
    watch.stage(0.8, "times")
    loaded = _finish(out, times, report, label=label, bbox=bbox, fields={v: k for k, v in cols.items()})
    watch.stage(1.0, "done")
    return loaded


def load_traces_gpx(source: PathOrBytes, *, user: str | None = None, tz: str = LOCAL_TZ,
                    bbox: tuple[float, float, float, float] | None = None, name: str | None = None,
                    max_bytes: int | None = None) -> Loaded:
    """Load the track points of a GPX file into a TrajDataFrame.

    Each track is one user (its ``<name>``, else ``"<file stem>-<track index>"``) unless
    ``user`` forces one id for the whole file; a track ``<type>`` becomes ``mode``.
    Row numbers in the report count track points from 1 in file order.
    The XML is checked with defusedxml first (no entities, no external references).

    Returns
    -------
    Loaded
        As :func:`load_traces_csv`.
    """
    import defusedxml.ElementTree as DET
    import gpxpy
    import gpxpy.gpx

    data, label = _read_bytes(source, name=name, max_bytes=max_bytes)
    try:
        DET.fromstring(data)
    except Exception as exc:  # defusedxml raises ParseError or its own DefusedXmlException
        raise UnusableInputError(Msg("error.not_xml", detail=str(exc)), file=label) from exc
    try:
        gpx = gpxpy.parse(data.decode("utf-8", errors="replace"))
    except gpxpy.gpx.GPXException as exc:
        raise UnusableInputError(Msg("error.not_gpx", detail=str(exc)), file=label) from exc
    stem = Path(label).stem
    rows: list[dict[str, Any]] = []
    for t_index, track in enumerate(gpx.tracks):
        uid = user or (track.name or "").strip() or f"{stem}-{t_index + 1}"
        for segment in track.segments:
            for point in segment.points:
                rows.append({"_row": len(rows) + 1, "uid": uid, "lat": point.latitude,
                             "lng": point.longitude,
                             "datetime": point.time.isoformat() if point.time else "",
                             "mode": (track.type or "").strip()})
    if not rows:
        raise UnusableInputError(Msg("error.gpx_empty"), file=label)
    out = pd.DataFrame(rows)
    if not out["mode"].astype(bool).any():
        out = out.drop(columns="mode")
    report = Report("traces", files=[label], rows_read=len(out))
    times = _parse_times(out["datetime"], time_format=None, tz=tz)
    return _finish(out, times, report, label=label, bbox=bbox, fields=GPX_FIELDS)


def load_traces(source: PathOrBytes, *, kind: str | None = None, name: str | None = None,
                **options: Any) -> Loaded:
    """Load a CSV or GPX trace file, choosing by ``kind`` or by the name's extension."""
    label = name or (str(source) if not isinstance(source, bytes | bytearray) else "")
    kind = (kind or Path(label).suffix.lstrip(".")).lower()
    if kind == "gpx":
        return load_traces_gpx(source, name=name, **options)
    if kind in {"csv", "txt", ""}:
        return load_traces_csv(source, name=name, **options)
    raise UnusableInputError(Msg("error.trace_format", kind=kind),
                             file=label or None)


# -- shared -------------------------------------------------------------------------------

def _parse_times(values: pd.Series, *, time_format: str | None, tz: str) -> pd.Series:
    """Parse times to naive local wall clock; NaT where unparseable."""
    s = values.astype(str).str.strip()
    filled = s[s != ""]
    if time_format is None and len(filled) and filled.str.fullmatch(r"-?\d+(\.\d+)?").all():
        secs = pd.to_numeric(s, errors="coerce")
        parsed = pd.to_datetime(secs, unit="s", errors="coerce", utc=True)
        return parsed.dt.tz_convert(tz).dt.tz_localize(None)
    has_offset = s.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    fmt = time_format or "ISO8601"
    if has_offset.any():
        aware = pd.to_datetime(s[has_offset], format=fmt, errors="coerce", utc=True)
        out.loc[has_offset] = aware.dt.tz_convert(tz).dt.tz_localize(None).astype("datetime64[ns]")
    if (~has_offset).any():
        naive = pd.to_datetime(s[~has_offset], format=fmt, errors="coerce")
        out.loc[~has_offset] = naive.astype("datetime64[ns]")
    return out


def _finish(out: pd.DataFrame, times: pd.Series, report: Report, *, label: str,
            bbox: tuple[float, float, float, float] | None, fields: dict[str, str]) -> Loaded:
    """Quarantine the unusable points and build the TrajDataFrame; ``fields`` names each column
    (``uid``, ``lat``, ``lng``, ``datetime``) as the file does, so that findings name the file's field."""
    from sources.traces._skmob_compat import load_skmob

    name = {c: fields.get(c, c) for c in ("uid", "lat", "lng", "datetime")}
    out = out.copy()
    out["uid"] = out["uid"].astype(str).str.strip()
    out = report.quarantine_mask(out, out["uid"] == "", code="missing_required_field",
                                 message=Msg("finding.user_empty"), field=name["uid"], file=label)
    raw_time = out["datetime"].astype(str)
    out["datetime"] = times.loc[out.index]
    empty_time = raw_time.str.strip() == ""
    out = report.quarantine_mask(out, empty_time.to_numpy(), code="missing_required_field",
                                 message=Msg("finding.time_empty"), field=name["datetime"], file=label)
    bad_time = out["datetime"].isna()
    if bad_time.any():
        for row, value in zip(out.loc[bad_time, "_row"], raw_time.loc[out.index[bad_time]], strict=True):
            report.quarantine("invalid_time", Msg("finding.time_unreadable"), file=label, row=int(row),
                              field=name["datetime"], value=value)
        out = out.loc[~bad_time]
    for col, lo, hi in (("lat", -90.0, 90.0), ("lng", -180.0, 180.0)):
        raw = out[col].astype(str).str.strip()
        out = report.quarantine_mask(out, (raw == "").to_numpy(), code="missing_required_field",
                                     message=Msg("finding.coordinate_empty"), field=name[col], file=label)
        num = pd.to_numeric(out[col].astype(str).str.strip().str.replace(",", ".", regex=False),
                            errors="coerce")
        out = report.quarantine_mask(out, num.isna().to_numpy(), code="invalid_float",
                                     message=Msg("finding.not_a_number"), field=name[col], file=label)
        out[col] = num.loc[out.index].astype(float)
        out = report.quarantine_mask(out, (~out[col].between(lo, hi)).to_numpy(),
                                     code="number_out_of_range",
                                     message=Msg("finding.out_of_range", lo=lo, hi=hi), field=name[col],
                                     file=label)
    out = report.quarantine_mask(out, ((out["lat"].abs() < 1) & (out["lng"].abs() < 1)).to_numpy(),
                                 code="point_near_origin", message=Msg("finding.near_origin"),
                                 field=name["lat"], file=label)
    if bbox is not None:
        out = report.quarantine_mask(out, ~in_bbox(out["lng"], out["lat"], bbox), code="point_outside_area",
                                     message=Msg("finding.outside_area", **area_params(bbox)),
                                     field=name["lng"], file=label)
    out = out.sort_values(["uid", "datetime", "_row"], kind="mergesort")
    dup = out.duplicated(["uid", "datetime"], keep="first")
    out = report.quarantine_mask(out, dup.to_numpy(), code="duplicate_key",
                                 message=Msg("finding.same_user_same_time"),
                                 field=name["datetime"], file=label)
    counts = out.groupby("uid")["uid"].transform("size")
    out = report.quarantine_mask(out, (counts == 1).to_numpy(), code="single_point_user",
                                 message=Msg("finding.single_point_user"),
                                 field=name["uid"], file=label, severity=WARNING)
    if out.empty:
        reasons = [Msg("finding.reason_count", reason=Msg(f"reason.{code}"), n=n)
                   for code, n in report.reason_counts().items()]
        raise UnusableInputError(Msg("error.no_trace_point", reasons=reasons,
                                     rows=Fmt("plural", report.n_quarantined, key="unit.rows_set_aside")), file=label)
    out = out.drop(columns="_row").reset_index(drop=True)
    if "mode" in out.columns:
        out["mode"] = out["mode"].astype(str).str.strip().str.lower().replace("", "unknown")
    out["simulated"] = False
    report.rows_kept = len(out)
    report.set_bbox(out["lng"], out["lat"])
    report.stats = {"n_users": int(out["uid"].nunique()), "n_points": len(out),
                    "start": out["datetime"].min(), "end": out["datetime"].max()}
    if "mode" in out.columns:
        report.stats["modes"] = out["mode"].value_counts().to_dict()
    skmob = load_skmob()
    return Loaded(skmob.TrajDataFrame(out), report)
