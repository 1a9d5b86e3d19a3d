"""The BAN address loader on tiny csv.gz files made here, and its download through fetch() from a
local HTTP server on 127.0.0.1 (the server of test_fetch.py)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from sources import fetch, load
from sources.budgets import BudgetExceeded
from sources.errors import FetchError, SchemaError, UnusableInputError
from sources.loaders.addresses import COLUMNS, load_addresses, read_gzip
from tests.sources.test_fetch import FAST, Route, server, session  # noqa: F401 (fixtures)

HEADER = ("id;id_fantoir;numero;rep;nom_voie;code_postal;code_insee;nom_commune;code_insee_ancienne_commune;"
          "nom_ancienne_commune;x;y;lon;lat;type_position;alias;nom_ld;libelle_acheminement;nom_afnor;"
          "source_position;source_nom_voie;certification_commune;cad_parcelles")


def _row(ident: str, numero: str, rep: str, voie: str, lon: str, lat: str, *, insee: str = "35238",
         commune: str = "Rennes") -> str:
    return (f"{ident};35238_2920;{numero};{rep};{voie};35000;{insee};{commune};;;351000;6789000;{lon};{lat};"
            f"entrée;;;RENNES;{voie.upper()};commune;commune;1;")


ROWS = [
    _row("35238_2920_00012", "12", "", "Rue de Saint-Malo", "-1.68104", "48.11532"),
    _row("35238_2920_00012_bis", "12", "bis", "Rue de Saint-Malo", "-1.68101", "48.11540"),
    _row("35238_2920_00014", "14", "", "Rue de Saint-Malo", "-1.68099", "48.11549"),
    _row("35051_0100_00003", "3", "", "Rue de Rennes", "-1.62000", "48.12000", insee="35051",
         commune="Cesson-Sévigné"),
    _row("35238_9999_99999", "99999", "", "La Prévalaye", "-1.72", "48.10"),  # a named place: no number
    _row("35238_0000_00001", "1", "", "", "-1.68", "48.11"),  # no street name
    _row("35238_2920_00016", "16", "", "Rue de Saint-Malo", "0", "0"),  # null island
    _row("35238_2920_00014", "14", "", "Rue de Saint-Malo", "-1.68099", "48.11549"),  # seen before
    _row("35238_2920_00018", "dix-huit", "", "Rue de Saint-Malo", "-1.68", "48.11"),  # not a number
]


def _gz(tmp_path: Path, lines: list[str], name: str = "adresses-35.csv.gz") -> Path:
    path = tmp_path / name
    path.write_bytes(gzip.compress(("\n".join([HEADER, *lines]) + "\n").encode("utf-8")))
    return path


def test_typed_columns_and_quarantine(tmp_path: Path) -> None:
    broken = ROWS[0] + ";extra;fields"  # more fields than the header
    loaded = load_addresses(_gz(tmp_path, [*ROWS, broken]))
    frame, report = loaded.data, loaded.report
    assert list(frame.columns) == list(COLUMNS)
    assert {c: str(frame[c].dtype) for c in frame.columns} == COLUMNS
    assert frame["numero"].tolist() == [12, 12, 14, 3]
    assert frame["rep"].isna().iloc[0] and frame.loc[1, "rep"] == "bis"
    assert frame["nom_commune"].tolist()[-1] == "Cesson-Sévigné"
    assert report.rows_read == len(ROWS) + 1 and report.rows_kept == 4
    codes = report.reason_counts()
    assert codes == {"invalid_row_length": 1, "invalid_value": 2, "missing_required_field": 1,
                     "point_near_origin": 1, "duplicate_key": 1}
    assert report.stats == {"addresses": 4, "streets": 2, "communes": 2}
    with pytest.raises(SchemaError):
        load_addresses(_gz(tmp_path, ROWS), strict=True)


def test_plain_csv_and_missing_column(tmp_path: Path) -> None:
    plain = tmp_path / "adresses.csv"
    plain.write_text("\n".join([HEADER, ROWS[0]]) + "\n", encoding="utf-8")
    assert len(load_addresses(plain).data) == 1
    bad = tmp_path / "bad.csv.gz"
    bad.write_bytes(gzip.compress(b"id;numero;nom_voie\n1;2;Rue\n"))
    with pytest.raises(SchemaError, match="required column missing") as err:
        load_addresses(bad)
    assert err.value.field == "code_insee"


def test_gzip_budgets_truncation_and_corruption(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _gz(tmp_path, ROWS)
    monkeypatch.setenv("SPMD_BUDGET_MAX_ENTRY_BYTES", "1000")
    with pytest.raises(BudgetExceeded, match="SPMD_BUDGET_MAX_ENTRY_BYTES"):
        read_gzip(path)
    monkeypatch.delenv("SPMD_BUDGET_MAX_ENTRY_BYTES")
    bomb = tmp_path / "bomb.csv.gz"
    bomb.write_bytes(gzip.compress(HEADER.encode() + b"\n" + b"0" * 5_000_000))  # ratio ~ 1000
    with pytest.raises(BudgetExceeded, match="SPMD_BUDGET_MAX_ARCHIVE_RATIO"):
        read_gzip(bomb)
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(UnusableInputError, match="truncated gzip"):
        load_addresses(cut)
    corrupt = tmp_path / "corrupt.csv.gz"
    corrupt.write_bytes(path.read_bytes()[:10] + b"\x00" * 50)
    with pytest.raises(UnusableInputError, match="corrupt gzip"):
        load_addresses(corrupt)


def test_downloaded_from_its_official_path_then_read_offline(server, session, cache_dir, tmp_path,  # noqa: F811
                                                             monkeypatch):
    """The catalogue record's own URL, served by a local server: downloaded, checked as gzip,
    validated with the loader, then read back offline (with a bundle set: BAN has no bundle file)."""
    body = _gz(tmp_path, ROWS[:4]).read_bytes()
    route = "/data/ban/adresses/latest/csv/adresses-35.csv.gz"
    server.routes[route] = Route(body, content_type="application/gzip")
    monkeypatch.setenv("SPMD_BASE_URL_OVERRIDE", server.base)
    monkeypatch.delenv("SPMD_BUNDLE", raising=False)
    with pytest.raises(FetchError, match="offline"):
        fetch.fetch("ban-35", cache=cache_dir, offline=True)
    [path] = fetch.fetch("ban-35", cache=cache_dir, session=session, **FAST)
    assert path == cache_dir / "ban-35" / "adresses-35.csv.gz"
    assert fetch.read_manifest(cache_dir)["ban-35/adresses-35.csv.gz"]["validated"] is True
    monkeypatch.setenv("SPMD_BUNDLE", str(tmp_path))
    loaded = load("ban-35", bundle="", cache=cache_dir, offline=True)  # "": the cache, not the bundle
    assert loaded.data["nom_voie"].tolist()[:1] == ["Rue de Saint-Malo"]
    assert loaded.report.dataset_id == "ban-35"
    monkeypatch.delenv("SPMD_BUNDLE")
    # an HTML error page or a body that is not gzip never replaces the good copy
    server.routes[route] = Route(b"<!doctype html><p>maintenance</p>", content_type="application/gzip")
    with pytest.raises(FetchError, match="HTML page"):
        fetch.fetch("ban-35", cache=cache_dir, session=session, **FAST)
    server.routes[route] = Route(b"id;numero\n", content_type="application/gzip")
    with pytest.raises(FetchError, match="not a gzip file"):
        fetch.fetch("ban-35", cache=cache_dir, session=session, **FAST)
    assert path.read_bytes() == body
