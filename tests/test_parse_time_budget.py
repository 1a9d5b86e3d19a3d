"""The parse-time budget of uploads (sources.budgets.Stopwatch): progress reported, over-time refused."""

from __future__ import annotations

import pytest

from sources.budgets import BudgetExceeded, Stopwatch
from sources.traces.load import load_traces

CSV = b"user_id,lat,lon,time\n" + b"".join(
    f"u{i % 3},48.1{i % 10},-1.6{i % 10},2024-03-05T08:{i % 60:02d}:00\n".encode() for i in range(60))


def test_progress_is_reported_stage_by_stage() -> None:
    seen: list[tuple[float, str]] = []
    loaded = load_traces(CSV, name="t.csv", progress=lambda f, s: seen.append((f, s)))
    assert len(loaded.data) == 60
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert [s for _, s in seen] == ["read", "parsed", "times", "done"]


def test_a_parse_over_its_time_budget_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPMD_BUDGET_PARSE_SECONDS", "0")
    with pytest.raises(BudgetExceeded) as err:
        load_traces(CSV * 50, name="slow.csv")
    assert "SPMD_BUDGET_PARSE_SECONDS" in str(err.value) and "slow.csv" in str(err.value)


def test_stopwatch_clamps_progress_and_checks_at_each_stage() -> None:
    got = []
    watch = Stopwatch(progress=lambda f, s: got.append(f), limit_s=3600)
    watch.stage(-1, "a")
    watch.stage(2, "b")
    assert got == [0.0, 1.0]
    late = Stopwatch(limit_s=-1)
    with pytest.raises(BudgetExceeded):
        late.stage(0.5, "x")
