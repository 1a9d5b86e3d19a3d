"""The budgets of sources.budgets: each small input that could cost unbounded work is refused up
front (BudgetExceeded naming its setting) or fails cleanly, and the parse-time budget of uploads
(Stopwatch) reports progress and refuses a parse over its time."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from sources import catalogue
from sources.budgets import DEFAULTS, BudgetExceeded, Stopwatch, budgets
from sources.errors import SourceError, UnusableInputError
from sources.loaders.gtfs import load_gtfs
from sources.traces.load import load_traces
from tests.factories import CALENDAR, make_gtfs_zip

ROOT = Path(__file__).resolve().parents[2]


def test_budget_errors_name_the_limit_and_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, (default, unit, _) in DEFAULTS.items():
        assert getattr(budgets(), name) == default
        with pytest.raises(BudgetExceeded) as err:
            budgets().check(name, default + 1, what="input")
        text = str(err.value)
        assert f"SPMD_BUDGET_{name.upper()}" in text and unit in text and f"{default:,}" in text
        assert isinstance(err.value, UnusableInputError) and isinstance(err.value, ValueError)
    monkeypatch.setenv("SPMD_BUDGET_MAX_COLUMNS", "5")
    assert budgets().max_columns == 5
    monkeypatch.setenv("SPMD_BUDGET_MAX_COLUMNS", "not a number")  # a bad setting: the default
    assert budgets().max_columns == DEFAULTS["max_columns"][0]


def test_a_calendar_over_centuries_is_refused_before_expanding(tmp_path: Path) -> None:
    calendar = [dict(CALENDAR[0], service_id=f"S{i}", start_date="16780101",
                     end_date="22611231") for i in range(200)]
    feed = make_gtfs_zip(tmp_path / "f.zip", tables={"calendar.txt": [*calendar, CALENDAR[0]]})
    started = time.perf_counter()
    with pytest.raises(BudgetExceeded, match="SPMD_BUDGET_MAX_SERVICE_DAYS") as err:
        load_gtfs(feed)  # was: 66 s and a MemoryError under ulimit -v 4000000
    assert err.value.value > 40_000_000
    assert time.perf_counter() - started < 30  # safety net only


JSON_LOADERS = [ds for ds in catalogue.all_datasets()
                if ds.bundle_files and ds.format in {"JSON", "GeoJSON", "GBFS"}]


@pytest.mark.parametrize("ds", JSON_LOADERS, ids=[d.id for d in JSON_LOADERS])
@pytest.mark.parametrize("text", ["[" * 200_000, '{"a":' * 100_000, "[]" * 10])
def test_deeply_nested_or_odd_json_is_a_clean_error(ds, text: str, tmp_path: Path) -> None:
    path = tmp_path / Path(ds.bundle_files[0]).name.replace("*", "x")
    path.write_text(text)
    try:
        ds.load_function()(path, **ds.options)
    except SourceError as exc:
        assert str(exc)


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
