"""Loading GPS traces from CSV and GPX: mapping, quarantine, clear errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sources.errors import SchemaError, UnusableInputError
from sources.traces.load import load_traces, load_traces_csv, load_traces_gpx

CSV = """\
person;y;x;when;how
a;48.1100;-1.6800;2024-03-01T08:00:00Z;Bike
a;48.1110;-1.6790;2024-03-01T08:01:00Z;bike
a;48.1120;-1.6780;not a time;bike
a;95.0;-1.6770;2024-03-01T08:03:00Z;bike
a;48.1130;abc;2024-03-01T08:04:00Z;bike
;48.1140;-1.6760;2024-03-01T08:05:00Z;bike
a;48.1150;-1.6750;2024-03-01T08:01:00Z;bike
b;48.1200;-1.6500;2024-03-01 09:00:00;
b;48.1210;-1.6510;2024-03-01 09:02:00;walk
c;48.1300;-1.6400;2024-03-01 10:00:00;walk
d;0.0;0.0;2024-03-01 10:00:00;walk
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_mapping_and_quarantine(tmp_path: Path) -> None:
    path = _write(tmp_path, "traces.csv", CSV)
    loaded = load_traces_csv(path, user="person", lat="y", lon="x", time="when", mode="how")
    tdf, report = loaded
    assert type(tdf).__name__ == "TrajDataFrame"
    assert list(tdf.columns) == ["uid", "lat", "lng", "datetime", "mode", "simulated"]
    assert tdf["uid"].tolist() == ["a", "a", "b", "b"]
    # 08:00Z is 09:00 in Paris (winter time); naive times stay as written
    assert tdf["datetime"].tolist() == [pd.Timestamp("2024-03-01 09:00"),
                                        pd.Timestamp("2024-03-01 09:01"),
                                        pd.Timestamp("2024-03-01 09:00"),
                                        pd.Timestamp("2024-03-01 09:02")]
    assert tdf["mode"].tolist() == ["bike", "bike", "unknown", "walk"]
    assert not tdf["simulated"].any()
    q = report.quarantine_frame()
    got = sorted(zip(q["row"], q["field"], q["code"], strict=True))
    assert got == sorted([
        (3, "when", "invalid_time"),  # the field as the file names it
        (4, "y", "number_out_of_range"),
        (5, "x", "invalid_float"),
        (6, "person", "missing_required_field"),
        (7, "when", "duplicate_key"),
        (10, "person", "single_point_user"),
        (11, "y", "point_near_origin"),
    ])
    assert set(q["file"]) == {str(path)}
    assert report.rows_read == 11 and report.rows_kept == 4
    assert report.stats["n_users"] == 2
    single = [n for n in report.quarantined if n.code == "single_point_user"]
    assert single[0].severity == "warning"


def test_csv_bbox_and_unix_seconds(tmp_path: Path) -> None:
    text = "user_id,lat,lon,time\nu,48.11,-1.68,1709280000\nu,48.12,-1.67,1709280060\nu,47.0,-1.6,1709280120\n"
    tdf, report = load_traces_csv(text.encode(), name="up.csv", bbox=(-1.96, 47.95, -1.45, 48.26))
    assert len(tdf) == 2
    assert tdf["datetime"].iloc[0] == pd.Timestamp("2024-03-01 09:00")  # 08:00 UTC
    assert report.reason_counts() == {"point_outside_area": 1}
    assert report.quarantined[0].row == 3 and report.quarantined[0].file == "up.csv"


def test_csv_missing_column_names_field(tmp_path: Path) -> None:
    path = _write(tmp_path, "t.csv", "user_id,lat,lon\nu,48.1,-1.6\n")
    with pytest.raises(SchemaError) as err:
        load_traces_csv(path)
    assert err.value.field == "time" and err.value.file == str(path)


@pytest.mark.parametrize("content", ["", "user_id,lat,lon,time\nu,x,y,z\nu,1,2,nope\n"])
def test_unusable_csv(tmp_path: Path, content: str) -> None:
    path = _write(tmp_path, "bad.csv", content)
    with pytest.raises(UnusableInputError) as err:
        load_traces_csv(path)
    assert str(path) in str(err.value)


def test_size_limit_and_encoding(tmp_path: Path) -> None:
    with pytest.raises(UnusableInputError, match="over the limit of 50 bytes.*SPMD_BUDGET_MAX_UPLOAD_BYTES"):
        load_traces_csv(b"user_id,lat,lon,time\n" + b"u,48.1,-1.6,2024-01-01\n" * 10, max_bytes=50)
    with pytest.raises(UnusableInputError, match="not utf-8"):
        load_traces_csv(b"user_id,lat,lon,time\n\xe9,48.1,-1.6,2024-01-01\n", name="latin.csv")
    with pytest.raises(UnusableInputError, match="unsupported trace format"):
        load_traces(b"abc", name="x.pickle")


GPX = """<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">
  <trk><name>alice</name><type>bike</type><trkseg>
    <trkpt lat="48.1100" lon="-1.6800"><time>2024-06-01T07:00:00Z</time></trkpt>
    <trkpt lat="48.1105" lon="-1.6795"><time>2024-06-01T07:00:30Z</time></trkpt>
    <trkpt lat="48.1110" lon="-1.6790"></trkpt>
  </trkseg></trk>
  <trk><trkseg>
    <trkpt lat="48.2000" lon="-1.7000"><time>2024-06-01T08:00:00Z</time></trkpt>
    <trkpt lat="48.2001" lon="-1.7001"><time>2024-06-01T08:00:10Z</time></trkpt>
  </trkseg></trk>
</gpx>
"""


def test_gpx_tracks_users_modes(tmp_path: Path) -> None:
    path = _write(tmp_path, "ride.gpx", GPX)
    tdf, report = load_traces(path)
    assert tdf["uid"].tolist() == ["alice", "alice", "ride-2", "ride-2"]
    assert tdf["mode"].tolist() == ["bike", "bike", "unknown", "unknown"]
    assert tdf["datetime"].iloc[0] == pd.Timestamp("2024-06-01 09:00")  # CEST
    assert [(n.row, n.field, n.code) for n in report.quarantined] == [(3, "time",
                                                                       "missing_required_field")]
    forced, _ = load_traces_gpx(path, user="someone")
    assert set(forced["uid"]) == {"someone"}


def test_gpx_refuses_entities_and_garbage(tmp_path: Path) -> None:
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            '<!ENTITY lol2 "&lol;&lol;&lol;">]><gpx>&lol2;</gpx>')
    with pytest.raises(UnusableInputError, match="safe"):
        load_traces_gpx(bomb.encode(), name="bomb.gpx")
    with pytest.raises(UnusableInputError):
        load_traces_gpx(b"<gpx version='1.1'></gpx>", name="empty.gpx")
    with pytest.raises(UnusableInputError):
        load_traces_gpx(b"not xml at all", name="junk.gpx")


def test_cli_analyse_and_unusable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sources.traces.__main__ import main

    rows = ["user_id,lat,lon,time"]
    for u in range(4):  # four users: 30 min at A, ride, 30 min at B
        for m in range(0, 31, 5):
            rows.append(f"u{u},48.1000,-1.7000,2024-03-04 07:{m:02d}:00")
        for m in range(31, 40):
            f = (m - 30) / 10
            rows.append(f"u{u},{48.1 + 0.02 * f:.5f},{-1.7 + 0.05 * f:.5f},2024-03-04 07:{m:02d}:00")
        for m in range(40, 60, 5):
            rows.append(f"u{u},48.1200,-1.6500,2024-03-04 07:{m:02d}:00")
        rows.append(f"u{u},48.1200,-1.6500,2024-03-04 08:10:00")
    path = _write(tmp_path, "t.csv", "\n".join(rows) + "\n")
    out = tmp_path / "flows.csv"
    code = main(["analyse", str(path), "--k", "3", "--tiles", "grid1000", "--temporal", "none",
                 "--out", str(out)])
    assert code == 0
    flows = pd.read_csv(out)
    assert flows[["flow", "n_users"]].values.tolist() == [[4, 4]]
    assert "home_work" in capsys.readouterr().out
    bad = _write(tmp_path, "bad.csv", "who,lat\n")
    assert main(["analyse", str(bad)]) == 2
    assert "bad.csv" in capsys.readouterr().err
