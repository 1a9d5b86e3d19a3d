"""Command line of the data service: ``python -m sources {catalogue,fetch,validate,info}``.

Exit codes: 0 all is well; 1 validation found errors (quarantined rows or notices of
severity ``error``); 2 unusable input, unknown id, failed download. Bad data never
prints a traceback: the message names the file, row and field (``SPMD_DEBUG=1`` shows
tracebacks of unexpected errors). ``--bundle`` defaults to ``$SPMD_BUNDLE``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import catalogue, datasets, settings, tempfiles
from .cli_options import add_data_options
from .errors import DatasetNotFound, SourceError
from .fetch import fetch, read_manifest, verify_cached
from .validate import ERROR, Loaded

EXIT_OK, EXIT_ERRORS, EXIT_UNUSABLE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sources",
        description="Catalogue, fetch, load and validate the Rennes mobility datasets.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("catalogue", help="list the datasets (table, JSON or DCAT-AP JSON-LD)")
    p.add_argument("--format", choices=["table", "json", "dcat"], default="table")
    p.set_defaults(func=cmd_catalogue)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("ids", nargs="*", metavar="ID", help="catalogue ids (default: all)")
        add_data_options(p)
        p.add_argument("--offline", action="store_true", default=None,
                       help="never touch the network (serve verified cached copies)")

    p = sub.add_parser("fetch", help="download the official files into the cache (or resolve "
                                     "them in the bundle)")
    common(p)
    p.set_defaults(func=cmd_fetch)

    p = sub.add_parser("validate", help="load and validate datasets; print a table")
    common(p)
    p.add_argument("--json", nargs="?", const="-", default=None, metavar="FILE",
                   help="write the JSON report to FILE (stdout when FILE is omitted or '-')")
    p.add_argument("--no-cache", action="store_true", help="do not use the frame cache")
    p.add_argument("--strict", action="store_true", help="a bad row is an error, not quarantined")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("info", help="show one catalogue record and its local copies")
    p.add_argument("id", metavar="ID")
    add_data_options(p)
    p.set_defaults(func=cmd_info)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s: %(message)s", stream=sys.stderr)
    tempfiles.clean_stale(getattr(args, "cache", None))  # leftovers of killed runs
    try:
        return int(args.func(args))
    except (SourceError, OSError, ValueError) as exc:
        _error(_describe(exc))
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        _error("interrupted")
        return 130


# --- commands ------------------------------------------------------------------------------------

def cmd_catalogue(args: argparse.Namespace) -> int:
    if args.format == "dcat":
        print(json.dumps(catalogue.to_dcat(), ensure_ascii=False, indent=2))
    elif args.format == "json":
        frame = catalogue.to_frame()
        records = json.loads(frame.to_json(orient="records", force_ascii=False))
        print(json.dumps(records, ensure_ascii=False, indent=2))
    else:
        frame = catalogue.to_frame()
        frame["updated"] = frame["update_frequency_days"].map(_days)
        cols = ["id", "format", "updated", "coverage", "licence_id", "published", "title_fr"]
        print(frame[cols].to_string(index=False))
    return EXIT_OK


def cmd_fetch(args: argparse.Namespace) -> int:
    ids = _ids(args)
    status = EXIT_OK
    for dataset_id in ids:
        try:
            paths = fetch(dataset_id, bundle=args.bundle, cache=args.cache, offline=args.offline,
                          progress=sys.stderr.isatty())
        except (SourceError, OSError, ValueError) as exc:
            _error(f"{dataset_id}: {_describe(exc)}")
            status = EXIT_UNUSABLE
            continue
        print(f"{dataset_id}: " + ", ".join(str(p) for p in paths))
    return status


def cmd_validate(args: argparse.Namespace) -> int:
    ids = _ids(args)
    results = datasets.load_many(ids, bundle=args.bundle, cache=args.cache,
                                 use_cache=not args.no_cache, strict=args.strict,
                                 offline=args.offline, progress=True)
    rows, details, status = [], [], EXIT_OK
    for dataset_id, result in results.items():
        if isinstance(result, Loaded):
            rep = result.report
            row = rep.summary()
            row["status"] = "ok" if rep.ok else "errors"
            rows.append(row)
            if not rep.ok:
                status = max(status, EXIT_ERRORS)
                first = rep.errors[0]
                where = ", ".join(x for x in (
                    f"file {first.file}" if first.file else "",
                    f"row {first.row}" if first.row is not None else "",
                    f"field {first.field!r}" if first.field else "") if x)
                details.append(f"{dataset_id}: {len(rep.errors)} error(s), first: {first.code} "
                               f"({first.message}; {where or 'whole file'}"
                               f"{'' if first.value is None else f'; value {first.value!r}'})")
        else:
            status = EXIT_UNUSABLE
            rows.append({"dataset": dataset_id, "rows_read": "", "rows_kept": "",
                         "quarantined": "", "reasons": "", "warnings": "", "errors": "",
                         "freshness": "", "status": "unusable"})
            details.append(f"{dataset_id}: {_describe(result)}")
            if os.environ.get("SPMD_DEBUG"):
                traceback.print_exception(result, file=sys.stderr)
    table = _table(rows)
    to_stdout = args.json == "-"
    print(table, file=sys.stderr if to_stdout else sys.stdout)
    figures = _figures(results)
    if figures:
        print("\nheadline figures", file=sys.stderr if to_stdout else sys.stdout)
        print(figures, file=sys.stderr if to_stdout else sys.stdout)
    for line in details:
        print(f"error: {line}", file=sys.stderr)
    if args.json is not None:
        payload = json.dumps(_json_report(results, args), ensure_ascii=False, indent=2)
        if to_stdout:
            print(payload)
        else:
            Path(args.json).write_text(payload + "\n", encoding="utf-8")
            print(f"JSON report written to {args.json}", file=sys.stderr)
    return status


def cmd_info(args: argparse.Namespace) -> int:
    ds = catalogue.get(args.id)
    lic = ds.licence
    lines = [
        f"id:           {ds.id}",
        f"title (fr):   {ds.title_fr}",
        f"title (en):   {ds.title_en}",
        f"producer:     {ds.producer}",
        f"licence:      {lic.name} ({lic.id}) {lic.url}",
        f"attribution:  {ds.attribution}",
        f"format:       {ds.format}",
        f"updated:      {_days(ds.update_frequency_days)}",
        f"coverage:     {ds.coverage}",
        f"published:    {ds.published or 'unknown'} (bundle snapshot)",
        f"loader:       {ds.loader}",
        f"landing page: {ds.landing_page or '-'}",
    ]
    lines += [f"url:          {u}" for u in ds.urls] or ["url:          (none: bundle only)"]
    if ds.description_fr:
        lines.append(f"description:  {ds.description_fr}")
    bundle = settings.bundle_dir(args.bundle)
    for pattern in ds.bundle_files or ("(none: online only)",):
        found = sorted(bundle.glob(pattern)) if bundle and ds.bundle_files else []
        state = (f"{len(found)} file(s) in {bundle}" if found
                 else ("not found" if bundle else "no bundle set")) if ds.bundle_files else ""
        lines.append(f"bundle file:  {pattern} {state}".rstrip())
    cache = settings.cache_dir(args.cache)
    manifest = read_manifest(cache)
    for key, entry in manifest.items():
        if key.startswith(ds.id + "/"):
            why = verify_cached(cache / key, entry)
            lines.append(f"cached:       {cache / key} fetched {entry.get('fetched_at')} "
                         f"sha256 {str(entry.get('sha256'))[:12]} "
                         f"{'ok' if why is None else why}")
    print("\n".join(lines))
    return EXIT_OK


# --- helpers -------------------------------------------------------------------------------------

def _ids(args: argparse.Namespace) -> list[str]:
    ids = list(args.ids) or datasets.default_ids(bundle=args.bundle)
    unknown = [i for i in ids if i not in catalogue.CATALOGUE]
    if unknown:
        raise DatasetNotFound(f"unknown dataset id(s): {', '.join(unknown)}; "
                              f"see `python -m sources catalogue`")
    return ids


def _days(value: float | None) -> str:
    if value is None or value != value:
        return "irregular"
    if value < 1 / 24 + 1e-9:
        return f"{value * 1440:g} min"
    if value < 1:
        return f"{value * 24:g} h"
    return f"{value:g} d"


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SourceError | OSError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


def _figure(value: Any) -> str | None:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    if isinstance(value, str) and len(value) <= 40:
        return value
    return None


def _figures(results: dict[str, Any]) -> str:
    """One line per dataset with its report's scalar headline figures (``Report.stats``)."""
    lines = []
    for dataset_id, result in results.items():
        if not isinstance(result, Loaded) or not result.report.stats:
            continue
        parts = [f"{k}={v}" for k, v in ((k, _figure(v)) for k, v in result.report.stats.items())
                 if v is not None]
        if parts:
            lines.append(f"  {dataset_id}: " + ", ".join(parts))
    return "\n".join(lines)


def _table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "(no dataset)"
    cols = ["dataset", "rows_read", "rows_kept", "quarantined", "reasons", "warnings", "errors",
            "freshness", "status"]
    cells = [[str(r.get(c, "")) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    widths[cols.index("reasons")] = min(widths[cols.index("reasons")], 60)

    def fmt(values: list[str]) -> str:
        out = []
        for i, v in enumerate(values):
            v = v if len(v) <= widths[i] else v[: widths[i] - 1] + "…"
            out.append(v.rjust(widths[i]) if cols[i] in {"rows_read", "rows_kept", "quarantined",
                                                         "warnings", "errors"} else v.ljust(widths[i]))
        return "  ".join(out).rstrip()

    return "\n".join([fmt(cols), fmt(["-" * w for w in widths])] + [fmt(r) for r in cells])


def _json_report(results: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    out = []
    for dataset_id, result in results.items():
        if isinstance(result, Loaded):
            d = result.report.to_dict()
            d["status"] = "ok" if result.report.ok else "errors"
        else:
            d = {"dataset": dataset_id, "status": "unusable", "error": _describe(result),
                 "error_type": type(result).__name__}
            for attr in ("file", "row", "field"):
                if getattr(result, attr, None) is not None:
                    d[attr] = getattr(result, attr)
        out.append(d)
    bundle = settings.bundle_dir(args.bundle)
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "bundle": str(bundle) if bundle else None,
        "severity_error": ERROR,
        "ok": all(d.get("status") == "ok" for d in out),
        "datasets": out,
    }
