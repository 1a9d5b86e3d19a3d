"""The scikit-mobility shim: lazy, patches the removed APIs, refuses pandas 3."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sources.traces import _skmob_compat


def test_project_imports_without_skmob() -> None:
    code = (
        "import sys\n"
        "import sources.traces, sources.traces.load, sources.traces.clean, sources.traces.flows\n"
        "import sources.traces.privacy, sources.traces.pipeline, routing.planner.simulate\n"
        "assert 'skmob' not in sys.modules, 'skmob imported at import time'\n"
        "print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_shims_applied_and_fiona_not_left_behind() -> None:
    import geopandas as gpd
    import shapely.ops
    from shapely.geometry import Point, box

    skmob = _skmob_compat.load_skmob()
    assert skmob.__version__ == "1.3.1"
    assert shapely.ops.cascaded_union is shapely.ops.unary_union
    assert "fiona" not in sys.modules or not getattr(sys.modules["fiona"],
                                                     "__spmd_placeholder__", False)
    pts = gpd.GeoDataFrame(geometry=[Point(0.5, 0.5), Point(5, 5)], crs="EPSG:4326")
    poly = gpd.GeoDataFrame({"tile_ID": ["t"]}, geometry=[box(0, 0, 1, 1)], crs="EPSG:4326")
    joined = gpd.sjoin(pts, poly, how="inner", op="within")  # the pre-1.0 keyword skmob uses
    assert joined["tile_ID"].tolist() == ["t"]


def test_pandas_3_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import pandas as pd

    monkeypatch.setattr(pd, "__version__", "3.0.0")
    with pytest.raises(_skmob_compat.SkmobUnavailableError, match="pandas 3.0.0"):
        _skmob_compat._check_pandas()


def test_skmob_io_gpx_placeholder_raises() -> None:
    skmob = _skmob_compat.load_skmob()
    fiona = skmob.io.file.fiona
    if getattr(fiona, "__spmd_placeholder__", False):
        with pytest.raises(_skmob_compat.SkmobUnavailableError, match="gpxpy"):
            skmob.io.file.load_gpx("x.gpx")
    else:  # a real fiona is installed: nothing was replaced
        assert hasattr(fiona, "open")


def test_flowdataframe_subsets_keep_tessellation() -> None:
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import box

    skmob = _skmob_compat.load_skmob()
    tess = gpd.GeoDataFrame({"tile_ID": ["a", "b"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)],
                            crs="EPSG:4326")
    fdf = skmob.FlowDataFrame(pd.DataFrame({"origin": ["a", "b"], "destination": ["b", "a"],
                                            "flow": [3, 1], "n_users": [3, 1]}), tessellation=tess)
    head = fdf.sort_values("flow").head(1)
    assert type(head).__name__ == "FlowDataFrame"
    assert head["flow"].tolist() == [1] and len(head.tessellation) == 2
    assert type(fdf[["n_users"]]) is pd.DataFrame  # no flow columns left: a plain frame
    assert fdf.get_flow("a", "b") == 3
