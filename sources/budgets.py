"""Input budgets, declared once and enforced everywhere before the work starts.

Each budget has a default and an environment variable that raises (or lowers) it:
``SPMD_BUDGET_<NAME>`` (upper case), e.g. ``SPMD_BUDGET_MAX_COLUMNS=5000``. A request or a file
over budget raises :class:`BudgetExceeded`, whose message names the limit, the value seen and the
setting that raises it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from typing import Any

from sources.errors import UnusableInputError, render_error
from sources.messages import Msg

#: name -> (default, unit, what it bounds)
DEFAULTS: dict[str, tuple[int, str, str]] = {
    "max_file_bytes": (512 * 1024**2, "bytes", "size of one input file"),
    "max_rt_entities": (100_000, "entities", "entities of one GTFS-realtime feed"),
    "max_rt_stop_updates": (500_000, "stop updates", "stop time updates of GTFS-realtime feeds"),
    "max_upload_bytes": (50 * 1024 * 1024, "bytes", "size of one uploaded file"),
    "max_uploads_per_session": (4, "files", "uploaded files one dashboard session holds at once"),
    "max_upload_total_bytes": (256 * 1024**2, "bytes", "uploaded files all dashboard sessions hold at once"),
    "max_archive_bytes": (1024**3, "bytes", "decompressed size of one archive (all entries)"),
    "max_entry_bytes": (512 * 1024**2, "bytes", "decompressed size of one archive entry"),
    "max_archive_ratio": (100, "ratio", "compression ratio of one archive entry"),
    "max_rows": (20_000_000, "rows", "rows of one table"),
    "max_columns": (1_000, "columns", "columns of one table header"),
    "max_service_days": (5_000_000, "service-days", "service x date pairs of one GTFS calendar"),
    "max_place_chars": (200, "characters", "length of a place name or query"),
    "max_simulated_users": (100_000, "users", "users to simulate"),
    "max_skmob_users": (50, "users", "users given to scikit-mobility, whose attacks cost the square of the users"),
    "max_cell_departures": (5_000_000, "cells x departures", "cells x departure times of one request"),
    "parse_seconds": (300, "seconds", "time to parse one upload"),
    "max_scenario_connections": (1_000_000, "connections", "connections a scenario adds"),
    "max_frequency_stop_times": (500_000, "stop times", "stop times frequencies.txt expands into"),
}


class BudgetExceeded(UnusableInputError):
    """An input over one of the declared budgets (refused before the work starts).

    A :class:`~sources.errors.UnusableInputError` (hence a ``ValueError`` and a
    ``SourceError``), so every caller that handles unusable input handles it; the CLIs exit 2.
    """

    def __init__(self, name: str, value: float, limit: float, *, what: str | None = None,
                 file: str | None = None, row: int | None = None, field: str | None = None):
        default, unit, description = DEFAULTS[name]
        self.name, self.value, self.limit, self.unit = name, value, limit, unit
        where = ", ".join(p for p in (what or file or "", f"row {row}" if row is not None else "",
                                      f"field {field!r}" if field else "") if p)
        subject = f"{where}: " if where else ""
        super().__init__(
            f"{subject}{description} is {value:,} {unit}, over the limit of {limit:,} {unit} "
            f"(raise it with the setting SPMD_BUDGET_{name.upper()})")
        self.file, self.row, self.field, self.what = file, row, field, what
        # the same words for a reader: what it bounds and its unit by the keys budget.<name>[.unit]
        self.msg = Msg("error.budget", description=Msg(f"budget.{name}"), value=value, limit=limit,
                       unit=Msg(f"budget.{name}.unit"), setting=f"SPMD_BUDGET_{name.upper()}")

    def render(self, lang: str = "fr") -> str:
        return render_error(self.msg, lang, file=self.what or self.file, row=self.row, field=self.field)


@dataclass(frozen=True)
class Budgets:
    max_file_bytes: int
    max_rt_entities: int
    max_rt_stop_updates: int
    max_upload_bytes: int
    max_uploads_per_session: int
    max_upload_total_bytes: int
    max_archive_bytes: int
    max_entry_bytes: int
    max_archive_ratio: int
    max_rows: int
    max_columns: int
    max_service_days: int
    max_place_chars: int
    max_simulated_users: int
    max_skmob_users: int
    max_cell_departures: int
    parse_seconds: int
    max_scenario_connections: int
    max_frequency_stop_times: int

    def check(self, name: str, value: float, *, what: str | None = None) -> None:
        """Raise :class:`BudgetExceeded` when ``value`` is over the budget ``name``."""
        limit = getattr(self, name)
        if value > limit:
            raise BudgetExceeded(name, value, limit, what=what)


class Stopwatch:
    """The time budget of one parse (``parse_seconds``), checked at each stage, with progress.

    ``progress(fraction, stage)`` is called at each :meth:`stage` (the dashboard draws a bar);
    once the elapsed time is over the budget, the next stage raises :class:`BudgetExceeded`.
    """

    def __init__(self, *, what: str | None = None, progress: Any = None, limit_s: float | None = None) -> None:
        import time

        self._clock = time.perf_counter
        self._start = self._clock()
        self.what, self.progress = what, progress
        self.limit_s = float(budgets().parse_seconds if limit_s is None else limit_s)

    def stage(self, fraction: float, stage: str) -> None:
        elapsed = self._clock() - self._start
        if elapsed > self.limit_s:
            raise BudgetExceeded("parse_seconds", round(elapsed, 1), self.limit_s, what=self.what)
        if self.progress is not None:
            self.progress(min(max(float(fraction), 0.0), 1.0), stage)


def budgets() -> Budgets:
    """The budgets in force, read at call time (environment variables override the defaults)."""
    values = {}
    for f in fields(Budgets):
        default = DEFAULTS[f.name][0]
        raw = os.environ.get(f"SPMD_BUDGET_{f.name.upper()}")
        try:
            values[f.name] = int(float(raw)) if raw else default
        except ValueError:
            values[f.name] = default
    return Budgets(**values)
