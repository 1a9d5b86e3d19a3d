"""Derived data: computed once per owner and parameters, kept by the owner, shared by threads."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from routing.derived import derived, derived_property


@dataclass
class Owner:
    n: int
    _derived: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)
    calls: list[tuple[str, int]] = field(default_factory=list)

    @derived_property
    def squares(self) -> list[int]:
        self.calls.append(("squares", self.n))
        return [i * i for i in range(self.n)]


def _times(owner: Owner, k: int) -> list[int]:
    owner.calls.append(("times", k))
    return [i * k for i in range(owner.n)]


def test_computed_once_per_owner_and_parameters() -> None:
    a, b = Owner(3), Owner(3)
    assert a.squares is a.squares and a.squares == [0, 1, 4]
    assert derived(a, _times, 2) is derived(a, _times, 2) and derived(a, _times, 2) == [0, 2, 4]
    assert derived(a, _times, 3) == [0, 3, 6]
    assert a.calls == [("squares", 3), ("times", 2), ("times", 3)]
    assert b.calls == [] and b._derived == {}  # kept by its owner only
    assert set(a._derived) == {Owner.squares.fget.__wrapped__, (_times, 2), (_times, 3)}


def test_threads_asking_at_once_get_one_value() -> None:
    owner = Owner(1000)
    barrier = threading.Barrier(4)
    got: list[object] = []

    def ask() -> None:
        barrier.wait()
        got.append(derived(owner, _times, 7))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 4 and all(v is got[0] for v in got)
