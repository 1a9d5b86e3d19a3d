"""The frame cache (sources.store) and the dataset-level load (sources.datasets)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from sources import catalogue, datasets, store
from sources.catalogue import Dataset
from sources.errors import DatasetNotFound, SchemaError
from sources.validate import Loaded, Report

CALLS: list[str] = []


def _report() -> Report:
    r = Report("tiny", files=["a.csv"], rows_read=4, rows_kept=3, bbox=(-1.7, 48.0, -1.6, 48.2),
               stats={"stations": 3, "capacity_total": 42})
    r.quarantine("point_near_origin", "point near (0, 0)", file="a.csv", row=4, field="lat",
                 value=0.0)
    r.notice("swapped_coordinates", "fixed", file="a.csv", row=2, field="lat")
    return r


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "station_id": pd.Series(["1", "2", "3"], dtype="string"),
        "lon": [-1.678, -1.673, -1.670], "lat": [48.110, 48.105, 48.101],
        "capacity": pd.Series([10, None, 20], dtype="Int64"),
        "kind": pd.Categorical(["a", "b", "a"]),
        "open": [True, False, True],
        "seen_at": pd.to_datetime(["2024-03-04 08:00", "2024-03-04 08:01", "2024-03-04 08:02"],
                                  utc=True),
    })


@dataclass
class TwoTables:
    """A multi-table object as GtfsFeed / StreetNetwork expose it."""

    nodes: pd.DataFrame
    edges: gpd.GeoDataFrame
    tolerance_m: float = 0.0

    def to_frames(self) -> dict[str, pd.DataFrame]:
        return {"nodes": self.nodes, "edges": self.edges}

    def to_meta(self) -> dict[str, Any]:
        return {"tolerance_m": self.tolerance_m}

    @classmethod
    def from_frames(cls, frames: dict[str, pd.DataFrame], **meta: Any) -> TwoTables:
        return cls(frames["nodes"], frames["edges"], **meta)


def load_counting(paths: Any, *, strict: bool = False, scale: float = 1.0) -> Loaded:
    """A test loader: CSV with name, lon, lat; counts its calls."""
    path = Path(paths if isinstance(paths, (str, Path)) else paths[0])
    CALLS.append(path.name)
    frame = pd.read_csv(path)
    if "lat" not in frame.columns:
        raise SchemaError("missing required column", file=path.name, field="lat")
    frame["lon"] = frame["lon"] * scale
    return Loaded(frame, Report("natural-id", files=[path.name], rows_read=len(frame),
                                rows_kept=len(frame), stats={"rows": len(frame)}))


def test_dataframe_round_trip_with_report(tmp_path):
    frame, report = _frame(), _report()
    entry = store.save("k1", Loaded(frame, report), cache=tmp_path)
    assert entry is not None
    assert sorted(p.name for p in entry.iterdir()) == ["data.parquet", "meta.json"]
    back = store.load("k1", cache=tmp_path)
    pd.testing.assert_frame_equal(back.data, frame)
    assert back.report.to_dict(max_rows=None) == report.to_dict(max_rows=None)
    assert back.report.quarantined[0].row == 4 and back.report.bbox == report.bbox
    assert store.load("absent", cache=tmp_path) is None


def test_geodataframe_round_trip_keeps_crs(tmp_path):
    gdf = gpd.GeoDataFrame({"name": ["rue A", "rue B"]},
                           geometry=[LineString([(-1.68, 48.11), (-1.67, 48.10)]),
                                     LineString([(-1.67, 48.10), (-1.66, 48.10)])],
                           crs="EPSG:4326")
    store.save("g", Loaded(gdf, Report("g")), cache=tmp_path)
    back = store.load("g", cache=tmp_path).data
    assert isinstance(back, gpd.GeoDataFrame)
    assert back.crs.to_epsg() == 4326
    assert back.geometry.geom_equals(gdf.geometry).all()
    assert back["name"].tolist() == ["rue A", "rue B"]


def test_multi_table_object_round_trip(tmp_path):
    nodes = pd.DataFrame({"node_id": [0, 1, 2], "lon": [-1.68, -1.67, -1.66],
                          "lat": [48.11, 48.10, 48.10]})
    edges = gpd.GeoDataFrame({"u": [0, 1], "v": [1, 2], "length_m": [1200.5, 740.0]},
                             geometry=[Point(0, 0).buffer(1).exterior, LineString([(0, 0), (1, 1)])],
                             crs="EPSG:4326")
    obj = TwoTables(nodes, edges, tolerance_m=10.0)
    store.save("t", Loaded(obj, Report("t")), cache=tmp_path)
    back = store.load("t", cache=tmp_path).data
    assert isinstance(back, TwoTables) and back.tolerance_m == 10.0
    pd.testing.assert_frame_equal(back.nodes, nodes)
    assert isinstance(back.edges, gpd.GeoDataFrame) and back.edges["length_m"].tolist() == [1200.5, 740.0]


@pytest.mark.parametrize("damage", ["parquet_bytes", "parquet_missing", "meta_json", "meta_version"])
def test_corrupt_entry_is_ignored_and_removed(tmp_path, damage):
    entry = store.save("k", Loaded(_frame(), _report()), cache=tmp_path)
    parquet, meta = entry / "data.parquet", entry / "meta.json"
    if damage == "parquet_bytes":
        data = bytearray(parquet.read_bytes())
        data[len(data) // 2] ^= 0xFF
        parquet.write_bytes(bytes(data))
    elif damage == "parquet_missing":
        parquet.unlink()
    elif damage == "meta_json":
        meta.write_text(meta.read_text()[:50])
    else:
        m = json.loads(meta.read_text())
        m["code_version"] = "0"
        meta.write_text(json.dumps(m))
    assert store.load("k", cache=tmp_path) is None
    assert not entry.exists()
    assert store.save("k", Loaded(_frame(), _report()), cache=tmp_path) == entry  # rebuilt
    assert store.load("k", cache=tmp_path) is not None


def test_unstorable_data_is_not_cached_and_leaves_nothing(tmp_path):
    mixed = pd.DataFrame({"v": [1, "a", 2.5]})  # parquet cannot hold a mixed object column
    assert store.save("m", Loaded(mixed, Report("m")), cache=tmp_path) is None
    assert store.save("o", Loaded({"not": "a frame"}, Report("o")), cache=tmp_path) is None
    assert list(store.frames_dir(tmp_path).iterdir()) == []


def test_cache_key_depends_on_content_loader_and_options(tmp_path):
    a = tmp_path / "a.csv"
    a.write_text("name,lon,lat\nx,-1.6,48.1\n")
    loader = "tests.sources.test_store:load_counting"
    k = store.cache_key([a], loader=loader, options={"scale": 1.0})
    assert k == store.cache_key([a], loader=loader, options={"scale": 1.0})
    assert k != store.cache_key([a], loader=loader, options={"scale": 2.0})
    assert k != store.cache_key([a], loader="tests.sources.test_fetch:load_tiny_csv", options={"scale": 1.0})
    a.write_text("name,lon,lat\ny,-1.6,48.1\n")
    assert k != store.cache_key([a], loader=loader, options={"scale": 1.0})
    assert len(k) == 64


def _register(monkeypatch, bundle_files: tuple[str, ...], ds_id: str = "t-load") -> Dataset:
    ds = Dataset(id=ds_id, title_fr="T", title_en="T", producer="tests",
                 licence_id=catalogue.ODBL, attribution="tests, ODbL", urls=(), format="CSV",
                 update_frequency_days=7, coverage="Rennes Métropole", bundle_files=bundle_files,
                 loader="tests.sources.test_store:load_counting")
    monkeypatch.setitem(catalogue.CATALOGUE, ds_id, ds)
    return ds


def test_load_uses_frame_cache_and_sets_id_and_freshness(tmp_path, cache_dir, monkeypatch):
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "points-2024-03-04.csv").write_text("name,lon,lat\nA,-1.678,48.11\nB,-1.673,48.105\n")
    _register(monkeypatch, ("points-*.csv",))
    CALLS.clear()

    first = datasets.load("t-load", bundle=bundle, cache=cache_dir)
    assert CALLS == ["points-2024-03-04.csv"]
    assert first.report.dataset_id == "t-load"
    fresh = first.report.freshness
    assert fresh["published"].startswith("2024-03-04") and fresh["expected_days"] == 7
    assert fresh["status"] == "stale"  # older than 1.5 x 7 days
    assert fresh["age_days"] == pytest.approx(
        (datetime.now(UTC) - datetime(2024, 3, 4, tzinfo=UTC)).total_seconds() / 86400, abs=0.2)

    second = datasets.load("t-load", bundle=bundle, cache=cache_dir)
    assert CALLS == ["points-2024-03-04.csv"]  # served by the frame cache
    pd.testing.assert_frame_equal(second.data, first.data)
    assert second.report.dataset_id == "t-load" and second.report.stats == {"rows": 2}

    datasets.load("t-load", bundle=bundle, cache=cache_dir, scale=2.0)  # other options
    datasets.load("t-load", bundle=bundle, cache=cache_dir, use_cache=False)
    assert len(CALLS) == 3
    assert len(list(store.frames_dir(cache_dir).iterdir())) == 2


def test_load_many_never_stops_at_a_failure(tmp_path, cache_dir, monkeypatch):
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "good.csv").write_text("name,lon,lat\nA,-1.678,48.11\n")
    (bundle / "bad.csv").write_text("name;x\nA;1\n")
    _register(monkeypatch, ("bad.csv",), "t-bad")
    _register(monkeypatch, ("missing.csv",), "t-missing")
    _register(monkeypatch, ("good.csv",), "t-good")
    out = datasets.load_many(["t-bad", "t-missing", "t-good", "nope"], bundle=bundle,
                             cache=cache_dir)
    assert list(out) == ["t-bad", "t-missing", "t-good", "nope"]
    assert isinstance(out["t-bad"], SchemaError) and "field 'lat'" in str(out["t-bad"])
    assert isinstance(out["t-missing"], DatasetNotFound)
    assert isinstance(out["nope"], DatasetNotFound)
    assert isinstance(out["t-good"], Loaded) and out["t-good"].report.rows_kept == 1


def test_default_ids_follow_bundle_or_urls(tmp_path, monkeypatch):
    monkeypatch.delenv("SPMD_BUNDLE", raising=False)
    online = datasets.default_ids()
    assert "star-gtfs-rt-trip-updates" in online and "indicators" not in online
    offline = datasets.default_ids(bundle=tmp_path)
    assert "star-gtfs-rt-trip-updates" not in offline and "indicators" in offline


def _frames_of(data: Any) -> dict[str, pd.DataFrame]:
    return data.to_frames() if hasattr(data, "to_frames") else {"data": data}


@pytest.mark.slow
@pytest.mark.bundle
@pytest.mark.parametrize("ds_id", ["velo-star", "star-gtfs", "main-roads-traffic",
                                   "rev-cycle-network"])
def test_real_bundle_frame_cache_round_trip(bundle_dir, cache_dir, ds_id):
    cold = datasets.load(ds_id, bundle=bundle_dir, cache=cache_dir)
    [entry] = list(store.frames_dir(cache_dir).iterdir())
    warm = datasets.load(ds_id, bundle=bundle_dir, cache=cache_dir)
    assert type(warm.data) is type(cold.data)
    assert warm.report.to_dict(max_rows=None) == json.loads(
        json.dumps(cold.report.to_dict(max_rows=None)))
    cold_frames, warm_frames = _frames_of(cold.data), _frames_of(warm.data)
    assert list(warm_frames) == list(cold_frames)
    for name, frame in cold_frames.items():
        pd.testing.assert_frame_equal(warm_frames[name], frame, check_like=False, obj=name)
    assert (entry / "meta.json").exists() and warm.report.dataset_id == ds_id
