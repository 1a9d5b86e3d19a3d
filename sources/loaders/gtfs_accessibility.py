"""Wheelchair accessibility of GTFS stops and routes, from the standard fields or STAR's extensions.

GTFS codes accessibility as ``stops.wheelchair_boarding`` and ``trips.wheelchair_accessible``
(0 or empty: no information, 1: accessible, 2: not accessible). STAR's 2011 feed has neither;
it ships two non-standard files instead:

* ``stops_extensions.txt``: ``stop_id, stop_accessible`` (1 accessible, 0 not; also
  ``stop_bench``, ``stop_lighted``, ``stop_sheltered``, kept out of the contract);
* ``routes_extensions.txt``: ``route_id, route_accessible`` (1 accessible, 0 not).

Both become one typed column in the GTFS contract (:data:`COLUMNS`), in the GTFS coding:

* ``stops.wheelchair_boarding`` (int8): ``stops.txt``'s own field when the feed has it, else
  ``stop_accessible`` of the extension (1 -> 1, 0 -> 2), else 0;
* ``routes.wheelchair_accessible`` (int8): ``route_accessible`` of the extension (1 -> 1,
  0 -> 2), else 0.

Validation: a value other than those (``"yes"``, ``3``) is a notice ``unexpected_enum_value``
naming file, row and field, and counts as unknown; an extension row for an unknown stop or
route is a notice ``foreign_key_violation``. ``report.stats["wheelchair_stops"]`` and
``["wheelchair_routes"]`` count the values (``accessible``, ``not_accessible``, ``unknown``,
and ``source``: the file the flags came from, or ``none`` when the feed has no flag at all);
where a feed has flags, the stops or routes it leaves unknown give one notice
``accessibility_unknown`` (warning) with their number, since the planner's wheelchair profile
treats unknown as not accessible.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sources.messages import Msg
from sources.validate import WARNING, Report

#: the two extension files and the standard field, as read by :mod:`sources.loaders.gtfs`
EXTENSION_FILES = ("stops_extensions.txt", "routes_extensions.txt")
#: contract additions ({table: {column: dtype}}), merged into ``gtfs.COLUMNS``
COLUMNS = {"stops": {"wheelchair_boarding": "int8"}, "routes": {"wheelchair_accessible": "int8"}}
UNKNOWN, ACCESSIBLE, NOT_ACCESSIBLE = 0, 1, 2
_ROW = "_row"


def _codes(frame: pd.DataFrame, column: str, mapping: dict[str, int], *, label: str,
           report: Report) -> pd.Series:
    """The column's values mapped to GTFS codes; empty -> unknown, anything else a notice."""
    raw = frame[column].astype(object).where(frame[column].notna(), "").astype(str).str.strip()
    codes = raw.map(mapping)
    bad = codes.isna() & (raw != "")
    rows = frame[_ROW] if _ROW in frame.columns else pd.Series(np.arange(1, len(frame) + 1), index=frame.index)
    for row, value in zip(rows[bad], raw[bad], strict=True):
        report.notice("unexpected_enum_value",
                      Msg("finding.unknown_code", field=column, allowed=", ".join(sorted(mapping))),
                      file=label, row=int(row), field=column, value=value)
    return codes.fillna(UNKNOWN).astype("int8")


def _from_extension(ids: pd.Series, ext: pd.DataFrame | None, *, key: str, column: str, label: str,
                    report: Report) -> pd.Series | None:
    """Codes per id from an extension table (None when the file or its column is absent)."""
    if ext is None or key not in ext.columns or column not in ext.columns:
        return None
    ext = ext[ext[key].notna()]
    codes = _codes(ext, column, {"1": ACCESSIBLE, "0": NOT_ACCESSIBLE}, label=label, report=report)
    table = pd.Series(codes.to_numpy(), index=ext[key].astype(str).to_numpy())
    orphan = ~table.index.isin(ids.astype(str))
    for row, value in zip(ext.loc[orphan, _ROW] if _ROW in ext.columns else [None] * orphan.sum(),
                          table.index[orphan], strict=True):
        report.notice("foreign_key_violation", Msg("finding.not_in_feed", field=key), file=label,
                      row=None if row is None else int(row), field=key, value=value)
    table = table[~table.index.duplicated()]
    return pd.Series(table.reindex(ids.astype(str).to_numpy()).fillna(UNKNOWN).to_numpy(),
                     index=ids.index).astype("int8")


def _count(codes: pd.Series, source: str) -> dict[str, object]:
    return {"accessible": int((codes == ACCESSIBLE).sum()),
            "not_accessible": int((codes == NOT_ACCESSIBLE).sum()),
            "unknown": int((codes == UNKNOWN).sum()), "source": source}


def add_accessibility(stops: pd.DataFrame, routes: pd.DataFrame, raw: dict[str, pd.DataFrame],
                      report: Report) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``stops`` with ``wheelchair_boarding`` and ``routes`` with ``wheelchair_accessible`` (int8,
    GTFS coding), from ``raw`` (the feed's files read as str, by file name; the extensions may be
    absent). The inputs are not modified; ``attrs["wheelchair_source"]`` names where the flags came from."""
    stops, routes = stops.copy(), routes.copy()
    source = "none"
    if "wheelchair_boarding" in stops.columns:
        codes = _codes(stops, "wheelchair_boarding", {"0": UNKNOWN, "1": ACCESSIBLE, "2": NOT_ACCESSIBLE},
                       label="stops.txt", report=report)
        source = "stops.txt"
    else:
        codes = _from_extension(stops["stop_id"], raw.get("stops_extensions.txt"), key="stop_id",
                                column="stop_accessible", label="stops_extensions.txt", report=report)
        if codes is not None:
            source = "stops_extensions.txt"
    stops["wheelchair_boarding"] = codes if codes is not None else pd.Series(UNKNOWN, index=stops.index,
                                                                            dtype="int8")
    route_codes = _from_extension(routes["route_id"], raw.get("routes_extensions.txt"), key="route_id",
                                  column="route_accessible", label="routes_extensions.txt", report=report)
    routes["wheelchair_accessible"] = (route_codes if route_codes is not None
                                       else pd.Series(UNKNOWN, index=routes.index, dtype="int8"))
    stops.attrs["wheelchair_source"] = source
    routes.attrs["wheelchair_source"] = "routes_extensions.txt" if route_codes is not None else "none"
    return stops, routes


def count_accessibility(stops: pd.DataFrame, routes: pd.DataFrame, report: Report) -> None:
    """Count the kept stops' and routes' codes into ``report.stats`` and say how many are unknown."""
    for what, table, col in (("stops", stops, "wheelchair_boarding"), ("routes", routes, "wheelchair_accessible")):
        source = table.attrs.get("wheelchair_source", "none")
        report.stats[f"wheelchair_{what}"] = _count(table[col], source)
        unknown = int((table[col] == UNKNOWN).sum())
        if unknown and source != "none":  # a feed without any flag says so by its stats' source
            report.notice("accessibility_unknown",
                          Msg(f"finding.accessibility_unknown_{what}", n=unknown, total=len(table)),
                          severity=WARNING, file=None if source == "none" else source, field=col, value=unknown)
