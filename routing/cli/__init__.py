"""``python -m routing``: one module per command (build and plan in
:mod:`~routing.cli.main`, accessibility, scenario, departures, journeys), every argument checked
by :mod:`routing.args` before any data is loaded."""

from routing.cli.main import main

__all__ = ["main"]
