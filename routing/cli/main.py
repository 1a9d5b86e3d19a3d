"""``python -m routing``: the parser of every command and the dispatch to the command's module
(:mod:`~routing.cli.build`, :mod:`~routing.cli.plan`, :mod:`~routing.cli.accessibility`,
:mod:`~routing.cli.simulate`, :mod:`~routing.cli.departures`, :mod:`~routing.cli.scenario`,
:mod:`~routing.cli.journeys`, :mod:`~routing.cli.places`).

Exit codes: 0 ok, 1 no route / nothing found, 2 unusable input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from routing import args as A
from routing.cli import accessibility, build, departures, journeys, places, plan, scenario, simulate

#: the command modules, in the order ``--help`` lists them; each adds its commands with ``register``
COMMANDS = (build, plan, places, accessibility, simulate, departures, scenario, journeys)


def build_parser() -> argparse.ArgumentParser:
    parser = A.Parser(prog="python -m routing", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)  # every argument checked here, before any data is loaded
    except SystemExit as exc:  # a bad argument (one line on stderr) or --help
        return exc.code if isinstance(exc.code, int) else 2
    from routing.errors import RoutingError
    from routing.places import PlaceNotFound
    from sources.errors import SourceError

    try:
        return int(args.func(args))
    except PlaceNotFound as exc:  # an unknown place, with suggestions
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except SourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (OSError, ValueError, RoutingError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
