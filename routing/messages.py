"""The planner's notes and "no route" reasons as keys with parameters: :class:`Msg`, :class:`Fmt`
and :func:`render` (one message type for the whole project, defined in :mod:`sources.messages`,
where the loaders' findings use it too)."""

from __future__ import annotations

from sources.messages import CODE_PARAMS, VERBATIM_PARAMS, Fmt, Msg, render

__all__ = ["CODE_PARAMS", "VERBATIM_PARAMS", "Fmt", "Msg", "render"]
