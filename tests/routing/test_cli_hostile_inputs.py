"""The command lines against a careless user or an attacker: every argument is checked before any
data is loaded (a device, a FIFO or a folder given as a file, a horizon of ``inf``, a count of -1, a
100,000-character stop), dates out of the feed's reach are refused with the feed's dates, an offset
is honoured; each refusal is one line on stderr and exit 2, quickly (measured in a subprocess where
a hang or memory was the problem).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from devkit.measure import run_measured
from routing.cli.main import main
from tests.planner_fixtures import make_tiny_bundle

#: a bundle that does not exist: a refusal that names the argument happened before any loading
NO_BUNDLE = ["--bundle", "/nonexistent/bundle", "--cache", "/nonexistent/cache"]
AT = ["--at", "2024-03-05T07:58"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    root = tmp_path_factory.mktemp("cli-hostile")
    return ["--bundle", str(make_tiny_bundle(root / "bundle")), "--cache", str(root / "cache")]


def _one_line_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    return err


# -- row 8 and row 12: files ------------------------------------------------------------------------

@pytest.mark.parametrize("command", [["departures", "--stop", "Gares", *AT], ["plan", "--from", "Gares", "--to",
                                                                             "Clemenceau"]])
def test_trip_updates_from_a_device_is_refused_before_loading(command: list[str], tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """Row 8: ``--trip-updates /dev/zero`` read 2.3 GB then a MemoryError traceback."""
    fifo = tmp_path / "updates.pb"
    os.mkfifo(fifo)
    for path, why in (("/dev/zero", "is a device"), (str(fifo), "is a FIFO"), (str(tmp_path), "is a folder")):
        err = _one_line_exit_2([command[0], *NO_BUNDLE, *command[1:], "--trip-updates", path], capsys)
        assert f"--trip-updates {path} {why}" in err


def test_trip_updates_over_the_file_budget_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    big = tmp_path / "big.pb"
    big.write_bytes(b"\0" * 2000)
    monkeypatch.setenv("SPMD_BUDGET_MAX_FILE_BYTES", "1000")
    err = _one_line_exit_2(["departures", *NO_BUNDLE, "--stop", "Gares", *AT, "--trip-updates", str(big)], capsys)
    assert "SPMD_BUDGET_MAX_FILE_BYTES" in err


def test_dev_zero_as_trip_updates_measured(tmp_path: Path) -> None:
    run = run_measured(["-m", "routing", "departures", *NO_BUNDLE, "--stop", "Gares", *AT,
                        "--trip-updates", "/dev/zero"], timeout_s=120)
    assert run.code == 2 and len(run.error_lines) == 1 and "is a device" in run.stderr
    assert run.peak_mb < 1024


def test_simulate_out_to_a_device_a_folder_a_fifo_or_a_line_break_is_refused_up_front(tmp_path: Path) -> None:
    """Row 12: refused only after the work (4-7.6 s), a two-line error, a FIFO hung."""
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    (tmp_path / "folder.csv").mkdir()
    (tmp_path / "full.csv").symlink_to("/dev/full")
    cases = {str(tmp_path / "full.csv"): "is a device", str(tmp_path / "folder.csv"): "is a folder",
             str(fifo): "is a FIFO", str(tmp_path / "a\nb.csv"): "control characters"}
    for path, why in cases.items():
        run = run_measured(["-m", "routing", "simulate-traces", *NO_BUNDLE, "--users", "50", "--out", path],
                           timeout_s=120)
        assert run.code == 2, (path, run.stderr)  # not killed at the timeout: no hang on the FIFO
        assert len(run.error_lines) == 1 and why in run.stderr, run.stderr


# -- row 11: numbers, places, dates ----------------------------------------------------------------

@pytest.mark.parametrize(("args", "message"), [
    (["--horizon-min", "inf"], "--horizon-min 'inf': inf is not a finite number"),
    (["--horizon-min", "nan"], "--horizon-min 'nan': nan is not a finite number"),
    (["--horizon-min", "1e9"], "--horizon-min 1e+09 is not in [1, 1440]"),
    (["--per-line", "-1"], "--per-line -1 is not in [1, 50]"),
    (["--per-line", "1.5"], "--per-line '1.5' is not a whole number"),
    (["--stop", "x" * 100_000], "SPMD_BUDGET_MAX_PLACE_CHARS"),
    (["--stop", "Gares\x1b[2J"], "control characters"),
])
def test_departures_arguments_are_refused_before_loading(args: list[str], message: str,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["departures", *NO_BUNDLE, "--stop", "Gares", *AT, *args]
    assert message in _one_line_exit_2(argv, capsys)


@pytest.mark.parametrize("argv", [
    ["journeys", "--from", "x" * 100_000, "--to", "Gares", *AT],
    ["journeys", "--from", "Gares", "--to", "Jacques Cartier", "--at", "0001-01-01T00:00"],
    ["journeys", "--from", "Gares", "--to", "Jacques Cartier", *AT, "--window-min", "inf"],
    ["plan", "--from", "x" * 100_000, "--to", "Gares"],
    ["plan", "--from", "Gares", "--to", "Clemenceau", "--at", "0001-01-01T00:00"],
    ["simulate-traces", "--users", "-1", "--out", "x.csv"],
    ["simulate-traces", "--users", "10000000000", "--out", "x.csv"],
])
def test_journeys_plan_and_simulate_arguments_are_refused_before_loading(argv: list[str],
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    _one_line_exit_2([argv[0], *NO_BUNDLE, *argv[1:]], capsys)


@pytest.mark.parametrize("command", [
    ["departures", "--stop", "Gares"],
    ["journeys", "--from", "Gares", "--to", "Jacques Cartier"],
])
@pytest.mark.parametrize("when", [["--at", "2030-01-01T08:00"], ["--day", "1999-05-01", "--at", "08:00"]])
def test_a_date_outside_the_feed_is_refused_with_the_feeds_dates(tiny: list[str], command: list[str],
                                                                 when: list[str],
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """Row 11: ``--at`` far from the feed was a silent empty board (or an OverflowError)."""
    err = _one_line_exit_2([command[0], *tiny, *command[1:], *when], capsys)
    assert "outside the dates the GTFS feed serves (4 March 2024 to 8 March 2024)" in err


def test_plan_answers_a_date_outside_the_feed_with_the_same_kind_of_day(tiny: list[str],
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """A Tuesday of 2030 is planned on the feed's Tuesday, and the notes say so."""
    main(["plan", *tiny, "--from", "Gares", "--to", "Clemenceau", "--modes", "walk", "--at", "2030-01-08T08:00",
          "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert doc["service_day"] == {"requested": "2030-01-08", "used": "2024-03-05", "kind": "weekday"}
    assert doc["notes"][0] == "horaires du mardi 5 mars 2024 utilisés pour le mardi 8 janvier 2030"


def test_an_offset_is_honoured_in_local_time(tiny: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """Row 11: ``+14:00`` is converted to Rennes time (20:00+14:00 is 07:00 in Paris in winter)."""
    assert main(["departures", *tiny, "--stop", "Gares", "--at", "2024-03-05T20:00+14:00", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["at"] == "2024-03-05T07:00:00" and doc["day"] == "2024-03-05"
    assert main(["departures", *tiny, "--stop", "Gares", "--at", "2024-03-05T07:00", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["departures"] == doc["departures"]
