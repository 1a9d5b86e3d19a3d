"""The errors of the routing layer: one base class, :class:`RoutingError`.

``except RoutingError`` catches every refusal of the engines (no route for a mode, no electric
car plan, an unusable timetable input) and nothing else; the data layer's errors
(``sources.errors``) stay in the data layer.
"""

from __future__ import annotations


class RoutingError(RuntimeError):
    """Base class of the routing layer's errors."""


class TimetableError(RoutingError, ValueError):
    """A timetable input (saved arrays, transfers table, trip updates) lacks what it needs;
    ``field`` names the missing column or array."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
