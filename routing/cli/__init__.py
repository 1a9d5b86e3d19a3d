"""``python -m routing``: one module per command (build, plan, accessibility, simulate,
departures, scenario, journeys), their common options declared once in
:mod:`~routing.cli.options`, the parser and the dispatch in :mod:`~routing.cli.main`; every
argument is checked by :mod:`routing.args` before any data is loaded."""

from routing.cli.main import main

__all__ = ["main"]
