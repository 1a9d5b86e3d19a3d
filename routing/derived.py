"""Data derived from one object (a timetable, a street graph), computed on first use and kept by it.

One rule for every index, sorted copy, tree or work array that a module builds from a
:class:`~routing.transit.timetable.Timetable` or a :class:`~routing.streets.graph.ModeGraph`:
the object keeps it in its own ``_derived`` dict (a dataclass field, never serialised, not
carried over by ``replace``), so it dies with the object and nothing module-level is keyed by
objects. The key is the function that computes it (plus its parameters), so two modules never
collide and a reader finds the computation from the key.

Thread-safe as far as the callers need: two threads asking at once may both compute, but both
get the one value stored first (``dict.setdefault``), so a shared work pool and its lock are
never doubled.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
Owner = TypeVar("Owner", bound="HasDerived")


class HasDerived(Protocol):
    """An object that keeps its derived data: a ``_derived`` dict it owns."""

    _derived: dict[Hashable, Any]


_MISSING = object()


def derived(owner: Owner, compute: Callable[..., T], *params: Hashable) -> T:
    """``compute(owner, *params)``, computed once per ``owner`` and parameters, kept by ``owner``."""
    key = (compute, *params) if params else compute
    value = owner._derived.get(key, _MISSING)
    if value is _MISSING:
        value = owner._derived.setdefault(key, compute(owner, *params))
    return value


def derived_property(compute: Callable[[Owner], T]) -> property:
    """A read-only property computed on first use and kept by the object (see :func:`derived`)."""

    @functools.wraps(compute)
    def get(self: Owner) -> T:
        return derived(self, compute)

    return property(get)
