"""python -m sources: exit codes, messages, DCAT output, JSON report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sources import catalogue, settings
from sources.catalogue import Dataset
from sources.cli import main
from sources.errors import UnusableInputError
from sources.validate import Loaded, Report
from tests.sources.test_fetch import FaultServer, Route


def _path(paths: Any) -> Path:
    return Path(paths if isinstance(paths, (str, Path)) else paths[0])


def load_ok(paths: Any, *, strict: bool = False) -> Loaded:
    p = _path(paths)
    frame = pd.read_csv(p)
    return Loaded(frame, Report("x", files=[p.name], rows_read=len(frame), rows_kept=len(frame)))


def load_with_bad_row(paths: Any, *, strict: bool = False) -> Loaded:
    p = _path(paths)
    frame = pd.read_csv(p)
    report = Report("x", files=[p.name], rows_read=len(frame))
    kept = report.quarantine_mask(frame, (frame["lat"].abs() < 1).to_numpy(),
                                  code="point_near_origin", message="point near (0, 0)",
                                  field="lat", file=p.name)
    report.rows_kept = len(kept)
    return Loaded(kept, report)


def load_unusable(paths: Any, *, strict: bool = False) -> Loaded:
    raise UnusableInputError("not a CSV file", file=_path(paths).name, row=1, field="lon")


def load_buggy(paths: Any, *, strict: bool = False) -> Loaded:
    return {}["missing"]  # a loader bug, not bad data


CSV_OK = "name,lon,lat\nA,-1.678,48.11\nB,-1.673,48.105\n"
CSV_ORIGIN = "name,lon,lat\nA,-1.678,48.11\nB,0.0,0.0\n"


@pytest.fixture()
def bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "bundle"
    root.mkdir()
    (root / "ok.csv").write_text(CSV_OK)
    (root / "origin.csv").write_text(CSV_ORIGIN)
    for ds_id, fname, loader in [("t-ok", "ok.csv", "load_ok"),
                                 ("t-bad-row", "origin.csv", "load_with_bad_row"),
                                 ("t-unusable", "ok.csv", "load_unusable"),
                                 ("t-buggy", "ok.csv", "load_buggy")]:
        monkeypatch.setitem(catalogue.CATALOGUE, ds_id, Dataset(
            id=ds_id, title_fr="T", title_en="T", producer="tests", licence_id=catalogue.ODBL,
            attribution="tests, ODbL", urls=(), format="CSV", update_frequency_days=None,
            coverage="Rennes Métropole", bundle_files=(fname,),
            loader=f"tests.sources.test_cli:{loader}"))
    monkeypatch.setenv("SPMD_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("SPMD_BUNDLE", raising=False)
    return root


def test_validate_all_well_exits_0(bundle, capsys):
    assert main(["validate", "t-ok", "--bundle", str(bundle)]) == 0
    out = capsys.readouterr().out
    assert "t-ok" in out and " ok" in out
    line = next(x for x in out.splitlines() if x.startswith("t-ok"))
    assert line.split()[1:4] == ["2", "2", "0"]


def test_validate_errors_exit_1_naming_file_row_field(bundle, capsys):
    assert main(["validate", "t-ok", "t-bad-row", "--bundle", str(bundle)]) == 1
    captured = capsys.readouterr()
    assert "point_near_origin×1" in captured.out
    assert ("t-bad-row: 1 error(s), first: point_near_origin (point near (0, 0); file origin.csv, "
            "row 2, field 'lat'; value '0.0')") in captured.err
    assert "Traceback" not in captured.err


def test_validate_unusable_input_exits_2_without_traceback(bundle, capsys):
    assert main(["validate", "t-ok", "t-bad-row", "t-unusable", "--bundle", str(bundle)]) == 2
    err = capsys.readouterr().err
    assert "error: t-unusable: not a CSV file (file ok.csv, row 1, field 'lon')" in err
    assert "Traceback" not in err


def test_loader_bug_is_reported_in_one_line(bundle, capsys):
    assert main(["validate", "t-buggy", "--bundle", str(bundle)]) == 2
    err = capsys.readouterr().err
    assert "error: t-buggy: KeyError: 'missing'" in err and "Traceback" not in err


def test_validate_json_to_file_and_stdout(bundle, tmp_path, capsys):
    target = tmp_path / "report.json"
    code = main(["validate", "t-ok", "t-bad-row", "t-unusable", "--bundle", str(bundle),
                 "--json", str(target)])
    assert code == 2
    report = json.loads(target.read_text())
    by_id = {d["dataset"]: d for d in report["datasets"]}
    assert by_id["t-ok"]["status"] == "ok" and by_id["t-ok"]["rows_kept"] == 2
    assert by_id["t-bad-row"]["reasons"] == {"point_near_origin": 1}
    assert by_id["t-bad-row"]["quarantined_rows"][0]["row"] == 2
    assert by_id["t-unusable"] | {"error": ""} == {
        "dataset": "t-unusable", "status": "unusable", "error": "",
        "error_type": "UnusableInputError", "file": "ok.csv", "row": 1, "field": "lon"}
    assert report["ok"] is False
    capsys.readouterr()
    assert main(["validate", "t-ok", "--bundle", str(bundle), "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["datasets"][0]["freshness"]["status"] == "unknown"
    assert "t-ok" in captured.err  # the table went to stderr


def test_unknown_id_exits_2_with_message(bundle, capsys):
    for argv in (["validate", "t-ok", "nope", "--bundle", str(bundle)], ["info", "nope"],
                 ["fetch", "nope", "--bundle", str(bundle)]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "nope" in err and err.startswith("error: ") and "Traceback" not in err


def test_bundle_defaults_to_env(bundle, capsys, monkeypatch):
    monkeypatch.setenv("SPMD_BUNDLE", str(bundle))
    assert main(["fetch", "t-ok"]) == 0
    assert capsys.readouterr().out.strip() == f"t-ok: {bundle.resolve() / 'ok.csv'}"


def test_fetch_from_local_server_and_404(tmp_path, monkeypatch, capsys):
    srv = FaultServer()
    srv.thread.start()
    try:
        srv.routes["/api/explore/v2.1/catalog/datasets/x/exports/csv"] = Route(CSV_OK.encode())
        monkeypatch.setitem(catalogue.CATALOGUE, "t-net", Dataset(
            id="t-net", title_fr="T", title_en="T", producer="tests", licence_id=catalogue.ODBL,
            attribution="tests", format="CSV", update_frequency_days=1, coverage="France",
            urls=("https://data.example.fr/api/explore/v2.1/catalog/datasets/x/exports/csv",),
            bundle_files=(), loader="tests.sources.test_cli:load_ok"))
        monkeypatch.setitem(catalogue.CATALOGUE, "t-404", Dataset(
            id="t-404", title_fr="T", title_en="T", producer="tests", licence_id=catalogue.ODBL,
            attribution="tests", format="CSV", update_frequency_days=1, coverage="France",
            urls=("https://data.example.fr/gone.csv",), bundle_files=(), loader=None))
        monkeypatch.delenv("SPMD_BUNDLE", raising=False)
        monkeypatch.setenv("SPMD_BASE_URL_OVERRIDE", srv.base)
        monkeypatch.setenv("SPMD_RETRIES", "0")
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        cache = tmp_path / "cache"
        assert main(["fetch", "t-net", "--cache", str(cache)]) == 0
        assert (cache / "t-net" / "t-net.csv").read_text() == CSV_OK
        assert main(["fetch", "t-net", "t-404", "--cache", str(cache)]) == 2
        captured = capsys.readouterr()
        assert f"error: t-404: {srv.base}/gone.csv: HTTP 404" in captured.err
        assert main(["info", "t-net", "--cache", str(cache)]) == 0
        assert "t-net.csv fetched" in capsys.readouterr().out
    finally:
        srv.httpd.shutdown()
        srv.httpd.server_close()


def test_catalogue_dcat_is_json_ld_with_every_id(capsys):
    assert main(["catalogue", "--format", "dcat"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["@type"] == "dcat:Catalog"
    context = doc["@context"]
    assert context["dcat"] == "http://www.w3.org/ns/dcat#"
    assert context["dct"] == "http://purl.org/dc/terms/"
    ids = [d["dct:identifier"] for d in doc["dcat:dataset"]]
    assert ids == list(catalogue.CATALOGUE)
    _check_json_ld(doc, context)
    for d in doc["dcat:dataset"]:
        ds = catalogue.get(d["dct:identifier"])
        assert d["@type"] == "dcat:Dataset"
        assert d["dct:license"]["@id"].startswith("http")
        assert d["dct:publisher"]["foaf:name"] == ds.producer
        assert d["dct:accrualPeriodicity"]["@id"].startswith(
            "http://publications.europa.eu/resource/authority/frequency/")
        assert d["dct:spatial"]["skos:prefLabel"] == ds.coverage
        assert d["dct:spatial"]["dcat:bbox"]["@value"].startswith("POLYGON((")
        assert [x["dcat:downloadURL"]["@id"] for x in d["dcat:distribution"]] == list(ds.urls)
        assert {t["@language"] for t in d["dct:title"]} == {"fr", "en"}


def _check_json_ld(node: Any, context: dict[str, str]) -> None:
    """Structural JSON-LD checks: every compact key uses a declared prefix, @id are IRIs."""
    if isinstance(node, list):
        for item in node:
            _check_json_ld(item, context)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key == "@context":
            continue
        if key.startswith("@"):
            assert key in {"@id", "@type", "@value", "@language"}, key
            if key == "@id":
                assert ":" in value and " " not in value, value
            if key == "@type":
                assert value.split(":")[0] in context, value
        else:
            assert key.split(":")[0] in context, key
        _check_json_ld(value, context)


def test_catalogue_table_and_json(capsys):
    assert main(["catalogue"]) == 0
    out = capsys.readouterr().out
    assert all(ds_id in out for ds_id in catalogue.CATALOGUE)
    assert main(["catalogue", "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in records] == list(catalogue.CATALOGUE)
    assert records[0]["attribution"] == "STAR / Rennes Métropole, ODbL"


def test_python_dash_m_entry_point(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "sources", "info", "bnlc"], capture_output=True,
                          text=True, timeout=60, cwd=settings.PROJECT_ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "Base nationale des lieux de covoiturage" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "sources", "validate", "nope"],
                          capture_output=True, text=True, timeout=60, cwd=settings.PROJECT_ROOT)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: unknown dataset id(s): nope")
    assert "Traceback" not in proc.stderr
