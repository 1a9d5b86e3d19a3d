"""Small inputs that used to cost unbounded work (issue 12, class 1), beyond the CSV header:
each is refused up front (BudgetExceeded naming its setting) or fails cleanly.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from routing.planner.simulate import simulate_straight_commutes
from sources import catalogue
from sources.budgets import DEFAULTS, BudgetExceeded, budgets
from sources.errors import SourceError, UnusableInputError
from sources.loaders.gtfs import load_gtfs
from tests.factories import CALENDAR, make_gtfs_zip

ROOT = Path(__file__).resolve().parent.parent


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


@pytest.mark.parametrize("users", [100_000_000, 100_001])
def test_too_many_users_to_simulate_is_refused_up_front(users: int) -> None:
    with pytest.raises(BudgetExceeded, match="SPMD_BUDGET_MAX_SIMULATED_USERS"):
        simulate_straight_commutes(users, seed=1)


@pytest.mark.parametrize("users", [0, -5, 2.5, True])
def test_user_count_must_be_a_positive_whole_number(users: object) -> None:
    with pytest.raises(UnusableInputError, match="whole number"):
        simulate_straight_commutes(users, seed=1)  # type: ignore[arg-type]


def test_simulate_cli_refuses_100_million_users(tmp_path: Path) -> None:
    res = subprocess.run([sys.executable, "-m", "routing", "simulate-traces", "--users",
                          "100000000", "--out", str(tmp_path / "t.csv")], capture_output=True,
                         text=True, cwd=ROOT, timeout=120)
    assert res.returncode == 2
    assert "SPMD_BUDGET_MAX_SIMULATED_USERS" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "t.csv").exists()


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
