"""Bounded, recovering CSV reading shared by every CSV-based loader (GTFS, traces, IRVE, BNLC...).

:func:`scan_csv` looks at the raw bytes of a CSV once, before pandas parses it:

* budgets first (:mod:`sources.budgets`): file bytes, columns of the header (checked on the
  header line alone, so a 200,000-column header is refused in milliseconds), rows;
* every physical line is classified in a vectorised pass: blank, without quotes (its field
  count is its separator count + 1), or with quotes (parsed alone with :mod:`csv`);
* a line whose quoted field is never closed is joined with the next lines (at most
  :data:`MAX_RECORD_LINES`) only when that makes ONE record with the header's field count and
  none of the joined lines is a complete record by itself (a legitimate multi-line field);
  otherwise it is quarantined alone (``invalid_quoting``) and the next line is read as a
  record again, so one stray quote costs one line, not the file;
* a line with more fields than the header is quarantined (``invalid_row_length``).

Quarantined lines are cut out of the bytes handed to pandas, and each kept record keeps its
TRUE line number. :func:`read_csv_bytes` returns the frame with ``_row`` = line number of the
record minus the header's line number (for a file whose records are one line each, after a
header on line 1, that is the usual 1-based data row); messages name the line itself.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sources.budgets import budgets
from sources.errors import UnusableInputError
from sources.messages import Msg
from sources.validate import Report

#: A quoted field may span at most this many physical lines before the quote counts as stray.
MAX_RECORD_LINES = 20
#: Lines are classified in blocks of about this many bytes (bounds the scan's memory).
BLOCK_BYTES = 32 * 1024 * 1024
_QUOTE = ord('"')
_LONE_CR = re.compile(rb"\r(?!\n)")
_WHITE_LINE = re.compile(rb"\n[ \t]+\r?(?:\n|\Z)")
_SKIPPED = re.compile(r"Skipping line (\d+): expected \d+ fields, saw (\d+)")
_SEPARATORS = (";", ",", "\t", "|")


@dataclass
class CsvScan:
    """What :func:`scan_csv` found: the bytes to parse and the line number of each record."""

    data: bytes
    sep: str
    columns: int
    header_line: int
    record_lines: np.ndarray
    quarantined: int

    @property
    def rows_read(self) -> int:
        return len(self.record_lines) + self.quarantined

    @property
    def rows(self) -> np.ndarray:
        """``_row`` of each record: its line number minus the header's line number."""
        return (self.record_lines - self.header_line).astype("int64")


def read_bytes(path: str | Path, *, label: str | None = None, budget: str = "max_file_bytes") -> bytes:
    """The bytes of ``path``, after checking its size against the budget ``budget``.

    Raises :class:`UnusableInputError` (missing / unreadable) or
    :class:`~sources.budgets.BudgetExceeded` (too large; nothing is read).
    """
    p = Path(path)
    name = label or str(p)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise UnusableInputError(Msg("error.cannot_read", detail=exc.strerror or str(exc)), file=name) from exc
    budgets().check(budget, size, what=name)
    try:
        return p.read_bytes()
    except OSError as exc:
        raise UnusableInputError(Msg("error.cannot_read", detail=exc.strerror or str(exc)), file=name) from exc


def sniff_delimiter(header_line: str) -> str:
    """The field separator of a CSV header line: the most frequent of ``;``, ``,``, tab, ``|``
    outside double quotes (``,`` when none)."""
    unquoted = re.sub(r'"[^"]*"', "", header_line)
    counts = {d: unquoted.count(d) for d in _SEPARATORS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _fields(line: str, sep: str, skipinitialspace: bool) -> tuple[int, bool]:
    """(field count, unterminated) of one line parsed alone."""
    try:
        row = next(csv.reader([line], delimiter=sep, skipinitialspace=skipinitialspace,
                              strict=True), [])
        return len(row), False
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            return 0, True
        try:
            row = next(csv.reader([line], delimiter=sep, skipinitialspace=skipinitialspace), [])
        except csv.Error:
            return line.count(sep) + 1, False
        return len(row), False


def scan_csv(data: bytes, *, label: str, report: Report | None = None, sep: str | None = None,
             skipinitialspace: bool = False) -> CsvScan:
    """Check the budgets of a CSV and find its records, quarantining broken lines.

    Parameters
    ----------
    data
        The raw bytes (any ASCII-compatible encoding: UTF-8, cp1252, latin-1).
    label
        The file name used in messages and quarantine notices.
    report
        Receives ``invalid_quoting`` / ``invalid_row_length`` quarantine notices (row = line
        number minus the header's line number; the message names the line).
    sep
        Field separator; ``None`` sniffs it on the header line.

    Raises
    ------
    BudgetExceeded
        More columns in the header or rows than the budgets allow.
    UnusableInputError
        Empty file, or a header whose quote is never closed.
    """
    limits = budgets()
    data, header_line, sep, ncols = check_header(data, label=label, sep=sep,
                                                 skipinitialspace=skipinitialspace)
    header_idx = header_line - 1  # 0-based index of the header line
    starts, nfields, quoted, blank = _classify(data, sep)
    nlines = len(starts)
    limits.check("max_rows", max(nlines - header_line, 0), what=label)
    ends = np.empty(nlines, dtype=np.int64)
    ends[:-1] = starts[1:]
    ends[-1] = len(data)
    status = np.zeros(nlines, dtype=np.int8)  # 0 record, 1 continuation/blank/header, 2 bad
    status[: header_idx + 1] = 1
    status[blank] = 1
    bad_quote: list[int] = []
    bad_length: list[tuple[int, int]] = []
    skip_to = header_idx + 1
    q = np.flatnonzero(quoted)
    quoted_lines: list[int] = q[q > header_idx].tolist()

    physical = data.decode("latin-1").split("\n") if quoted_lines else []

    def text(j: int) -> str:
        return physical[j] + "\n"

    pos = 0
    while pos < len(quoted_lines):
        # one csv reader over the quoted lines, as long as each record is one line (fast path)
        reader = csv.reader(map(physical.__getitem__, quoted_lines[pos:]), delimiter=sep,
                            skipinitialspace=skipinitialspace, strict=True)
        counts: list[int] = []
        try:
            for row in reader:
                if reader.line_num - len(counts) != 1:
                    break  # the record ran over the next quoted line: its first line is open
                counts.append(len(row))
        except csv.Error:
            pass
        done = len(counts)
        nfields[quoted_lines[pos:pos + done]] = counts
        pos += done
        if pos >= len(quoted_lines):
            break
        i = quoted_lines[pos]  # a line that does not parse alone: look at it in its context
        n, unterminated = _fields(text(i), sep, skipinitialspace)
        if not unterminated:
            nfields[i] = n
        else:
            last = min(i + MAX_RECORD_LINES, nlines)
            chunk = [text(j) for j in range(i, last)]
            joined = csv.reader(chunk, delimiter=sep, skipinitialspace=skipinitialspace,
                                strict=True)
            try:
                row, span = next(joined, None), joined.line_num
            except csv.Error:
                row, span = None, 0
            if (row is not None and len(row) == ncols and span > 1
                    and not _complete_lines(chunk[1:span], ncols, sep, skipinitialspace)):
                nfields[i] = ncols
                status[i + 1:i + span] = 1
                skip_to = i + span
            else:
                status[i] = 2
                bad_quote.append(i)
        pos += 1
        while pos < len(quoted_lines) and quoted_lines[pos] < skip_to:
            pos += 1
    too_long = np.flatnonzero((status == 0) & (nfields > ncols))
    for i in too_long:
        bad_length.append((int(i), int(nfields[i])))
    status[too_long] = 2
    if report is not None:
        for i in bad_quote:
            report.quarantine("invalid_quoting", Msg("finding.stray_quote", line=i + 1),
                              file=label, row=i + 1 - header_line,
                              value=_preview(data[starts[i]:ends[i]]))
        for i, n in bad_length:
            report.quarantine("invalid_row_length",
                              Msg("finding.row_length", line=i + 1, n=n, ncols=ncols),
                              file=label, row=i + 1 - header_line,
                              value=_preview(data[starts[i]:ends[i]]))
    bad = np.flatnonzero(status == 2)
    if len(bad):
        pieces, prev = [], 0
        for i in bad:
            pieces.append(data[prev:starts[i]])
            prev = int(ends[i])
        pieces.append(data[prev:])
        data = b"".join(pieces)
    record_lines = (np.flatnonzero(status == 0) + 1).astype(np.int64)
    return CsvScan(data=data, sep=sep, columns=ncols, header_line=header_line,
                   record_lines=record_lines, quarantined=len(bad))


def check_header(data: bytes, *, label: str, sep: str | None = None,
                 skipinitialspace: bool = False) -> tuple[bytes, int, str, int]:
    """Check the file bytes and the header's columns against the budgets, looking at the
    header line only. Returns ``(data without BOM / with LF line ends, header line number,
    separator, number of columns)``.

    Raises BudgetExceeded (bytes, columns) or UnusableInputError (empty file, header whose
    quote is never closed)."""
    limits = budgets()
    limits.check("max_file_bytes", len(data), what=label)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\r" in data:  # a CR alone ends a line for pandas too (classic Mac line ends)
        data = _LONE_CR.sub(b"\n", data)
    pos, header_line = 0, 1
    while pos < len(data):
        end = data.find(b"\n", pos)
        end = len(data) if end < 0 else end
        if data[pos:end].strip(b" \t\r"):
            break
        pos, header_line = end + 1, header_line + 1
    else:
        raise UnusableInputError(Msg("error.no_header"), file=label)
    header = data[pos:end].decode("latin-1")
    if sep is None:
        sep = sniff_delimiter(header)
    ncols, unterminated = _fields(header, sep, skipinitialspace)
    limits.check("max_columns", ncols, what=label)
    if unterminated:
        raise UnusableInputError(Msg("error.header_quote"),
                                 file=label, row=0)
    return data, header_line, sep, ncols


def _complete_lines(lines: list[str], ncols: int, sep: str, skipinitialspace: bool) -> bool:
    """True when one of ``lines`` read alone is a complete record of ``ncols`` fields: the
    quote that joined them is then a stray one swallowing records, not a multi-line field."""
    for line in lines:
        n, unterminated = _fields(line, sep, skipinitialspace)
        if not unterminated and n == ncols:
            return True
    return False


def _classify(data: bytes, sep: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per physical line: start offset, field count (when unquoted), has a quote, is blank."""
    arr = np.frombuffer(data, dtype=np.uint8)
    sep_code = ord(sep)
    starts_l, fields_l, quoted_l, blank_l = [], [], [], []
    offset = 0
    n = len(arr)
    while offset < n or not starts_l:
        stop = min(offset + BLOCK_BYTES, n)
        if stop < n:
            nl = data.rfind(b"\n", offset, stop)
            stop = n if nl < 0 else nl + 1
        block = arr[offset:stop]
        newlines = np.flatnonzero(block == 10)
        starts = np.concatenate(([0], newlines + 1))
        if len(starts) > 1 and starts[-1] == len(block):
            starts = starts[:-1]
        ends = np.append(starts[1:], len(block))
        if len(block):  # every segment is non-empty (a line holds at least its end)
            nsep = np.add.reduceat(block == sep_code, starts, dtype=np.int64)
            nquote = np.logical_or.reduceat(block == _QUOTE, starts)
        else:
            nsep = nquote = np.zeros(len(starts), dtype=np.int64)
        length = ends - starts
        blank = np.zeros(len(starts), dtype=bool)
        for j in np.flatnonzero(length <= 16):
            if not bytes(block[starts[j]:ends[j]]).strip(b" \t\r\n" if sep != "\t" else b" \r\n"):
                blank[j] = True
        starts_l.append(starts + offset)
        fields_l.append((nsep + 1).astype(np.int64))
        quoted_l.append(nquote > 0)
        blank_l.append(blank)
        offset = stop
        if n == 0:
            break
    return (np.concatenate(starts_l), np.concatenate(fields_l), np.concatenate(quoted_l),
            np.concatenate(blank_l))


def _preview(raw: bytes, limit: int = 80) -> str:
    text = raw.decode("utf-8", errors="replace").rstrip("\r\n")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def read_csv_bytes(data: bytes, *, label: str, report: Report | None = None,
                   sep: str | None = None, encoding: str = "utf-8-sig",
                   skipinitialspace: bool = False, **kwargs: Any) -> pd.DataFrame:
    """Check the budgets, then parse a CSV into a frame of strings plus ``_row`` (see the
    module docstring).

    Fast path: a file without blank lines is parsed by pandas at once; when every line gave a
    record or was skipped for its length, records and lines match one to one and nothing else
    is needed. Otherwise (a quote across lines, a stray quote, blank lines, a parser error) the
    lines are scanned by :func:`scan_csv`, broken ones cut out, and the rest parsed.

    ``kwargs`` go to :func:`pandas.read_csv` (default ``dtype=str``, ``keep_default_na=False``).
    ``frame.attrs["rows_read"]`` counts the records plus the quarantined lines.

    Raises :class:`UnusableInputError` when pandas still cannot parse the kept lines (the
    message names the file) and the budget errors of :func:`scan_csv`.
    """
    data, header_line, sep, ncols = check_header(data, label=label, sep=sep,
                                                 skipinitialspace=skipinitialspace)
    nlines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    budgets().check("max_rows", max(nlines - header_line, 0), what=label)
    options: dict[str, Any] = dict(dtype=str, keep_default_na=False, index_col=False,
                                   skip_blank_lines=True)
    options.update(kwargs)
    if header_line == 1 and not _has_blank_line(data):
        try:
            frame, skipped = _parse(data, sep=sep, encoding=encoding, label=label, report=None,
                                    skipinitialspace=skipinitialspace, bad_lines="warn",
                                    options=options)
        except UnusableInputError:
            frame, skipped = None, []
        if frame is not None and len(frame) + len(skipped) == nlines - 1:
            lines = np.arange(2, nlines + 1, dtype=np.int64)
            if skipped:
                gone = np.array([line for line, _ in skipped], dtype=np.int64)
                lines = np.setdiff1d(lines, gone)
                if report is not None:
                    starts = _line_starts(data, gone)
                    for (line, n), start in zip(skipped, starts, strict=True):
                        end = data.find(b"\n", start)
                        report.quarantine("invalid_row_length",
                                          Msg("finding.row_length", line=line, n=n, ncols=ncols),
                                          file=label, row=line - 1,
                                          value=_preview(data[start:end if end >= 0 else None]))
            if report is not None and encoding != frame.attrs.get("encoding", encoding):
                report.notice("invalid_encoding", Msg("finding.read_as_cp1252", encoding=encoding),
                              file=label)
            frame["_row"] = lines - 1
            frame.attrs["rows_read"] = len(frame) + len(skipped)
            return frame
    scan = scan_csv(data, label=label, report=report, sep=sep, skipinitialspace=skipinitialspace)
    frame, _ = _parse(scan.data, sep=scan.sep, encoding=encoding, label=label, report=report,
                      skipinitialspace=skipinitialspace, bad_lines="skip", options=options)
    rows = scan.rows
    if len(frame) != len(rows):  # pandas read the lines differently: fall back to positions
        if report is not None:
            report.notice("row_numbers_approximate",
                          Msg("finding.rows_approximate", records=len(frame), lines=len(rows)),
                          severity="info", file=label)
        rows = np.arange(1, len(frame) + 1, dtype="int64")
    frame["_row"] = rows
    frame.attrs["rows_read"] = len(frame) + scan.quarantined
    return frame


def _has_blank_line(data: bytes) -> bool:
    """True when a line after the first is empty or only blanks (pandas skips those)."""
    return b"\n\n" in data or b"\n\r\n" in data or bool(_WHITE_LINE.search(data))


def _line_starts(data: bytes, lines: np.ndarray) -> list[int]:
    """Byte offsets of the (1-based) ``lines`` of ``data`` (few lines: a linear search)."""
    out, pos, current = [], 0, 1
    for line in sorted(int(x) for x in lines):
        while current < line:
            pos = data.index(b"\n", pos) + 1
            current += 1
        out.append(pos)
    return out


def _parse(data: bytes, *, sep: str, encoding: str, label: str, report: Report | None,
           skipinitialspace: bool, bad_lines: str, options: dict[str, Any]
           ) -> tuple[pd.DataFrame, list[tuple[int, int]]]:
    """pandas' C parser on ``data``; returns the frame and the (line, fields) it skipped."""
    skipped: list[tuple[int, int]] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", pd.errors.ParserWarning)
        try:
            try:
                frame = pd.read_csv(io.BytesIO(data), sep=sep, encoding=encoding,
                                    skipinitialspace=skipinitialspace, engine="c",
                                    on_bad_lines=bad_lines, **options)
            except UnicodeDecodeError:
                if report is not None:
                    report.notice("invalid_encoding", Msg("finding.read_as_cp1252", encoding=encoding),
                                  file=label)
                frame = pd.read_csv(io.BytesIO(data), sep=sep, encoding="cp1252",
                                    skipinitialspace=skipinitialspace, engine="c",
                                    on_bad_lines=bad_lines, **options)
                frame.attrs["encoding"] = "cp1252"
        except pd.errors.EmptyDataError:
            frame = pd.DataFrame()
        except (pd.errors.ParserError, UnicodeDecodeError, ValueError, csv.Error) as exc:
            raise UnusableInputError(Msg("error.not_csv", detail=str(exc).strip()[:300]),
                                     file=label) from exc
    for w in caught:
        if issubclass(w.category, pd.errors.ParserWarning):
            skipped += [(int(a), int(b)) for a, b in _SKIPPED.findall(str(w.message))]
    return frame, skipped
