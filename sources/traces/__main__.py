"""Command line: ``python -m sources.traces analyse``.

(Simulated traces: ``python -m routing simulate-traces``, the simulator drives the planner.)

- ``analyse FILE --k 5 --tiles communes --temporal period [--out flows.csv|.geojson]``:
  load (CSV/GPX), clean, anonymise, print the risk before / after and what was removed,
  write the anonymised flows (the only export).

Exit codes: 0 ok; 2 unusable input (the message names the file, row and field).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

EXIT_OK, EXIT_UNUSABLE = 0, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sources.traces",
                                     description="GPS traces to anonymised flows.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("analyse", help="anonymise the flows of a trace file")
    p.add_argument("file")
    p.add_argument("--k", type=int, default=5)
    p.add_argument("--tiles", default="communes",
                   help="grid1000, grid200, iris or communes (iris/communes need the bundle)")
    p.add_argument("--temporal", choices=["period", "hour", "none"], default="period")
    p.add_argument("--no-mode", action="store_true", help="do not keep modes apart")
    p.add_argument("--user", default="user_id")
    p.add_argument("--lat", default="lat")
    p.add_argument("--lon", default="lon")
    p.add_argument("--time", default="time")
    p.add_argument("--out", default=None, help="write the anonymised flows (.csv or .geojson)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from sources.errors import SourceError

    args = build_parser().parse_args(argv)
    try:
        return _analyse(args)
    except (SourceError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE


def _analyse(args: argparse.Namespace) -> int:
    from sources.traces import privacy
    from sources.traces.load import load_traces
    from sources.traces.pipeline import analyse_traces

    path = Path(args.file)
    options = {} if path.suffix.lower() == ".gpx" else {
        "user": args.user, "lat": args.lat, "lon": args.lon, "time": args.time}
    tdf, report = load_traces(path, **options)
    if report.n_quarantined:
        print(f"{report.n_quarantined} rows quarantined: {report.reason_counts()}")
    result = analyse_traces(tdf, k=args.k, coarse_tiles=args.tiles,
                            temporal=None if args.temporal == "none" else args.temporal,
                            by_mode=not args.no_mode)
    print(json.dumps(result.steps))
    print(result.risk_table().round(4).to_string(index=False))
    print(json.dumps(result.anonymised.removed, default=str))
    if args.out:
        out = privacy.export_flows(result.anonymised, args.out)
        print(f"{len(result.anonymised.flows)} anonymised flows -> {out}")
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
