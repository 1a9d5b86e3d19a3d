"""``python -m routing simulate-traces``: straight-line commuter traces written as CSV (``simulated=True``)."""

from __future__ import annotations

import argparse
from typing import Any

from routing import args as A
from routing.cli.options import add_data_options


def cmd_simulate(args: argparse.Namespace) -> int:
    import pandas as pd

    from routing.planner.simulate import simulate_straight_commutes

    tdf = simulate_straight_commutes(args.users, seed=args.seed, day=args.day, bundle_dir=args.bundle,
                                     cache=args.cache)
    frame = pd.DataFrame(tdf).rename(columns={"uid": "user_id", "lng": "lon", "datetime": "time"})
    frame.to_csv(args.out, index=False)
    print(f"{len(frame)} simulated points of {frame['user_id'].nunique()} users -> {args.out}")
    return 0


def register(sub: Any) -> None:
    """Add the ``simulate-traces`` command to the routing CLI."""
    p = sub.add_parser("simulate-traces", help="write straight-line commuter traces (CSV, simulated=True)")
    add_data_options(p)
    p.add_argument("--users", type=A.typed(A.parse_budget_count, "--users", budget="max_simulated_users"),
                   default=300, help="users to simulate (at most the budget SPMD_BUDGET_MAX_SIMULATED_USERS)")
    p.add_argument("--seed", type=A.typed(A.parse_count, "--seed", lo=0, hi=2**32 - 1), default=1)
    p.add_argument("--out", required=True, type=A.typed(A.parse_output, "--out", suffixes=(".csv",)),
                   help="CSV file to write")
    p.set_defaults(func=cmd_simulate)
