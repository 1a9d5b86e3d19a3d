"""``python -m routing places "TEXT" [--limit N] [--kinds K,...] [--json]``: the places a text names, best first.

Each match with its name, kind, commune, latitude, longitude and score (0-100), from the place
index of the network (built or taken from the cache); a text with no good match exits 1 with
the near misses ("did you mean").
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from routing import args as A
from routing.cli.options import add_data_options

#: the kinds ``--kinds`` accepts (those of the index, see routing.places.PlaceIndex.KIND_ORDER)
KINDS = ("metro", "landmark", "commune", "stop", "neighbourhood", "street", "parking", "bikeshare", "carpool",
         "charger")


def cmd_places(args: argparse.Namespace) -> int:
    from routing.network.inputs import load_network
    from routing.places import PlaceNotFound

    index = load_network(bundle=args.bundle, day=args.day, cache=args.cache).places
    kinds = tuple(args.kinds) if args.kinds else None
    hits = index.search(args.text, limit=args.limit, kinds=kinds)
    if args.json:
        print(json.dumps({"query": args.text, "places": [p.as_dict() for p in hits]}, ensure_ascii=False,
                         indent=2))
    if not hits:
        if not args.json:
            print(f"error: {PlaceNotFound(args.text, index.suggest(args.text, kinds=kinds))}", file=sys.stderr)
        return 1
    if not args.json:
        width = max(len(p.name) for p in hits)
        for p in hits:
            print(f"{p.score:5.1f}  {p.name:<{width}}  {p.kind:<13} {p.commune:<26} {p.lat:.5f}, {p.lon:.5f}")
            if p.note:
                print(f"       note: {p.note}")
    return 0


def register(sub: Any) -> None:
    """Add the ``places`` command to the routing CLI."""
    p = sub.add_parser("places", help="search places (stations, communes, landmarks, streets...)")
    p.add_argument("text", type=A.typed(A.parse_place, "TEXT"), help="what a person would type")
    p.add_argument("--limit", type=A.typed(A.parse_count, "--limit", lo=1, hi=100), default=8)
    p.add_argument("--kinds", type=A.typed(A.parse_modes, "--kinds", allowed=KINDS),
                   help=f"comma-separated, among {', '.join(KINDS)}")
    p.add_argument("--json", action="store_true")
    add_data_options(p)
    p.set_defaults(func=cmd_places)
