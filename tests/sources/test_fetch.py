"""fetch(): the HTTP path against a real threaded http.server on 127.0.0.1, with faults."""

from __future__ import annotations

import hashlib
import json
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests

from sources import catalogue, fetch
from sources.catalogue import Dataset
from sources.errors import DatasetNotFound, FetchError, SchemaError
from sources.validate import Loaded, Report
from tests.factories import make_gtfs_zip

GOOD_CSV = b"name,lon,lat\nRepublique,-1.678,48.110\nGares,-1.673,48.105\n"
NEW_CSV = b"name,lon,lat\nRepublique,-1.678,48.110\nGares,-1.673,48.105\nClemenceau,-1.668,48.097\n"
BAD_CSV = b"nom;x;y\nRepublique;-1.678;48.110\n"  # parses, but not the declared columns


# --- test loaders (the real ones live in sources/loaders; these keep the tests self-contained) ---

def load_tiny_csv(paths: Any, *, strict: bool = False) -> Loaded:
    """A loader of the test CSV: columns name, lon, lat; a missing column is a SchemaError."""
    path = Path(paths if isinstance(paths, (str, Path)) else paths[0])
    frame = pd.read_csv(path)
    for col in ("name", "lon", "lat"):
        if col not in frame.columns:
            raise SchemaError("missing required column", file=path.name, field=col)
    report = Report("tiny-csv", files=[path.name], rows_read=len(frame), rows_kept=len(frame))
    return Loaded(frame, report)


def load_tiny_gtfs(paths: Any, *, strict: bool = False) -> Loaded:
    """A loader of a GTFS zip: needs stops.txt; returns the stops."""
    path = Path(paths if isinstance(paths, (str, Path)) else paths[0])
    with zipfile.ZipFile(path) as zf:
        if "stops.txt" not in zf.namelist():
            raise SchemaError("stops.txt missing", file=path.name)
        with zf.open("stops.txt") as fh:
            stops = pd.read_csv(fh)
    report = Report("tiny-gtfs", files=[path.name], rows_read=len(stops), rows_kept=len(stops))
    return Loaded(stops, report)


# --- the server ---------------------------------------------------------------------------------

@dataclass
class Route:
    body: bytes = b""
    content_type: str = "text/csv"
    etag: str | None = None
    #: statuses to answer before serving the body (e.g. [500] = one 500, then 200)
    fail_first: list[int] = field(default_factory=list)
    status: int = 200
    sleep_s: float = 0.0
    declared_length: int | None = None  # a Content-Length larger than the body = truncated


class FaultServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802
                server.requests.append((self.path, dict(self.headers)))
                route = server.routes.get(self.path)
                if route is None:
                    return self._send(404, b"not found", "text/plain")
                if route.sleep_s:
                    time.sleep(route.sleep_s)
                if route.fail_first:
                    return self._send(route.fail_first.pop(0), b"oops", "text/plain")
                if route.status != 200:
                    return self._send(route.status, b"error", "text/plain")
                if route.etag and self.headers.get("If-None-Match") == route.etag:
                    self.send_response(304)
                    self.send_header("ETag", route.etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                self.send_response(200)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(route.declared_length or len(route.body)))
                if route.etag:
                    self.send_header("ETag", route.etag)
                    self.send_header("Last-Modified", "Mon, 04 Mar 2024 08:00:00 GMT")
                if route.declared_length:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                self.wfile.write(route.body)
                return None

            def _send(self, status: int, body: bytes, ctype: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that timed out leaves a broken pipe: expected here

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)

    def headers_of_last(self, path: str) -> dict[str, str]:
        return [h for p, h in self.requests if p == path][-1]


@pytest.fixture()
def server() -> Iterator[FaultServer]:
    srv = FaultServer()
    srv.thread.start()
    try:
        yield srv
    finally:
        srv.httpd.shutdown()
        srv.httpd.server_close()


@pytest.fixture()
def session() -> Iterator[requests.Session]:
    s = requests.Session()
    s.trust_env = False  # never route 127.0.0.1 through a proxy from the environment
    yield s
    s.close()


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:16] + '"'


def _register(monkeypatch: pytest.MonkeyPatch, ds_id: str, urls: tuple[str, ...], *,
              loader: str = "tests.sources.test_fetch:load_tiny_csv", fmt: str = "CSV",
              bundle_files: tuple[str, ...] = ()) -> Dataset:
    ds = Dataset(id=ds_id, title_fr="Test", title_en="Test", producer="tests",
                 licence_id=catalogue.ODBL, attribution="tests, ODbL", urls=urls, format=fmt,
                 update_frequency_days=1, coverage="Rennes Métropole", bundle_files=bundle_files,
                 loader=loader)
    monkeypatch.setitem(catalogue.CATALOGUE, ds_id, ds)
    return ds


FAST = {"timeout_s": 2.0, "retries": 2, "backoff_s": 0.01}


# --- tests --------------------------------------------------------------------------------------

def test_download_writes_file_and_manifest_then_304_keeps_copy(server, session, cache_dir,
                                                                 monkeypatch):
    server.routes["/data/stops.csv"] = Route(GOOD_CSV, etag=_etag(GOOD_CSV))
    _register(monkeypatch, "t-csv", (server.base + "/data/stops.csv",))

    [path] = fetch.fetch("t-csv", cache=cache_dir, session=session, **FAST)

    assert path == cache_dir / "t-csv" / "stops.csv"
    assert path.read_bytes() == GOOD_CSV
    entry = fetch.read_manifest(cache_dir)["t-csv/stops.csv"]
    assert entry["sha256"] == hashlib.sha256(GOOD_CSV).hexdigest()
    assert entry["size"] == len(GOOD_CSV)
    assert entry["etag"] == _etag(GOOD_CSV)
    assert entry["last_modified"] == "Mon, 04 Mar 2024 08:00:00 GMT"
    assert entry["validated"] is True
    assert entry["url"] == server.base + "/data/stops.csv"
    assert list((cache_dir / "t-csv").iterdir()) == [path]  # no staging left behind

    mtime = path.stat().st_mtime_ns
    [again] = fetch.fetch("t-csv", cache=cache_dir, session=session, **FAST)
    sent = server.headers_of_last("/data/stops.csv")
    assert sent["If-None-Match"] == _etag(GOOD_CSV)
    assert sent["If-Modified-Since"] == "Mon, 04 Mar 2024 08:00:00 GMT"
    assert again == path and path.stat().st_mtime_ns == mtime
    assert server.hits("/data/stops.csv") == 2


def test_new_version_replaces_copy(server, session, cache_dir, monkeypatch):
    server.routes["/s.csv"] = Route(GOOD_CSV, etag=_etag(GOOD_CSV))
    _register(monkeypatch, "t-csv", (server.base + "/s.csv",))
    fetch.fetch("t-csv", cache=cache_dir, session=session, **FAST)
    server.routes["/s.csv"] = Route(NEW_CSV, etag=_etag(NEW_CSV))
    [path] = fetch.fetch("t-csv", cache=cache_dir, session=session, **FAST)
    assert path.read_bytes() == NEW_CSV
    assert fetch.read_manifest(cache_dir)["t-csv/s.csv"]["etag"] == _etag(NEW_CSV)


def test_404_fails_at_once_without_retry(server, session, cache_dir, monkeypatch):
    _register(monkeypatch, "t-csv", (server.base + "/missing.csv",))
    with pytest.raises(FetchError, match=r"missing\.csv: HTTP 404"):
        fetch.fetch("t-csv", cache=cache_dir, session=session, **FAST)
    assert server.hits("/missing.csv") == 1
    assert not (cache_dir / "t-csv" / "missing.csv").exists()


def test_500_then_200_is_retried(server, session, cache_dir, monkeypatch):
    server.routes["/flaky.csv"] = Route(GOOD_CSV, fail_first=[500, 503])
    _register(monkeypatch, "t-csv", (server.base + "/flaky.csv",))
    [path] = fetch.fetch("t-csv", cache=cache_dir, session=session, **FAST)
    assert path.read_bytes() == GOOD_CSV
    assert server.hits("/flaky.csv") == 3


def test_500_forever_gives_up_naming_url(server, session, cache_dir, monkeypatch):
    server.routes["/down.csv"] = Route(status=500)
    _register(monkeypatch, "t-csv", (server.base + "/down.csv",))
    with pytest.raises(FetchError, match=r"down\.csv: HTTP 500.*3 attempts"):
        fetch.fetch("t-csv", cache=cache_dir, session=session, **FAST)
    assert server.hits("/down.csv") == 3


def test_timeout_is_retried_then_reported(server, session, cache_dir, monkeypatch):
    server.routes["/slow.csv"] = Route(GOOD_CSV, sleep_s=1.0)
    _register(monkeypatch, "t-csv", (server.base + "/slow.csv",))
    t0 = time.perf_counter()
    with pytest.raises(FetchError, match=r"slow\.csv: timed out after 0\.2 s \(after 2 attempts\)"):
        fetch.fetch("t-csv", cache=cache_dir, session=session, timeout_s=0.2, retries=1,
                    backoff_s=0.01)
    assert time.perf_counter() - t0 < 2.0
    assert server.hits("/slow.csv") == 2
    assert not (cache_dir / "t-csv" / "slow.csv").exists()


def test_truncated_body_is_rejected(server, session, cache_dir, monkeypatch):
    server.routes["/cut.csv"] = Route(GOOD_CSV, declared_length=len(GOOD_CSV) + 500)
    _register(monkeypatch, "t-csv", (server.base + "/cut.csv",))
    with pytest.raises(FetchError, match=r"cut\.csv: truncated body"):
        fetch.fetch("t-csv", cache=cache_dir, session=session, **FAST)
    assert server.hits("/cut.csv") == 3
    assert not (cache_dir / "t-csv" / "cut.csv").exists()
    assert fetch.read_manifest(cache_dir) == {}


def test_html_page_instead_of_zip_is_rejected(server, session, cache_dir, monkeypatch):
    page = b"<!DOCTYPE html><html><body>Maintenance</body></html>"
    server.routes["/gtfs.zip"] = Route(page, content_type="text/html; charset=utf-8")
    _register(monkeypatch, "t-gtfs", (server.base + "/gtfs.zip",),
              loader="tests.sources.test_fetch:load_tiny_gtfs", fmt="GTFS")
    with pytest.raises(FetchError, match=r"gtfs\.zip: the server sent an HTML page"):
        fetch.fetch("t-gtfs", cache=cache_dir, session=session, **FAST)
    # the same page with a lying Content-Type is caught by its first bytes
    server.routes["/gtfs.zip"] = Route(page, content_type="application/zip")
    with pytest.raises(FetchError, match=r"received an HTML page where gtfs\.zip was expected"):
        fetch.fetch("t-gtfs", cache=cache_dir, session=session, **FAST)
    assert server.hits("/gtfs.zip") == 2  # content faults are not retried
    assert not (cache_dir / "t-gtfs" / "gtfs.zip").exists()


def test_zip_that_is_not_a_zip_and_html_instead_of_csv(server, session, cache_dir, monkeypatch):
    server.routes["/gtfs.zip"] = Route(b"\x00\x01garbage" * 10, content_type="application/zip")
    _register(monkeypatch, "t-gtfs", (server.base + "/gtfs.zip",),
              loader="tests.sources.test_fetch:load_tiny_gtfs", fmt="GTFS")
    with pytest.raises(FetchError, match="not a zip archive"):
        fetch.fetch("t-gtfs", cache=cache_dir, session=session, **FAST)
    server.routes["/s.csv"] = Route(b"\n  <html><head></head></html>", content_type="text/csv")
    _register(monkeypatch, "t-csv", (server.base + "/s.csv",))
    with pytest.raises(FetchError, match="HTML page where s.csv"):
        fetch.fetch("t-csv", cache=cache_dir, session=session, **FAST)


def test_gtfs_zip_is_downloaded_and_validated(server, session, cache_dir, tmp_path, monkeypatch):
    body = make_gtfs_zip(tmp_path / "feed.zip").read_bytes()
    server.routes["/gtfs/feed.zip"] = Route(body, content_type="application/zip", etag=_etag(body))
    _register(monkeypatch, "t-gtfs", (server.base + "/gtfs/feed.zip",),
              loader="tests.sources.test_fetch:load_tiny_gtfs", fmt="GTFS")
    [path] = fetch.fetch("t-gtfs", cache=cache_dir, session=session, **FAST)
    assert path.read_bytes() == body
    assert fetch.read_manifest(cache_dir)["t-gtfs/feed.zip"]["validated"] is True


def test_failed_validation_keeps_last_good_copy(server, session, cache_dir, monkeypatch):
    server.routes["/s.csv"] = Route(GOOD_CSV, etag=_etag(GOOD_CSV))
    _register(monkeypatch, "t-csv", (server.base + "/s.csv",))
    [path] = fetch.fetch("t-csv", cache=cache_dir, session=session, **FAST)
    before = fetch.read_manifest(cache_dir)["t-csv/s.csv"]

    server.routes["/s.csv"] = Route(BAD_CSV, etag=_etag(BAD_CSV))
    with pytest.raises(FetchError) as err:
        fetch.fetch("t-csv", cache=cache_dir, session=session, **FAST)
    message = str(err.value)
    assert server.base + "/s.csv" in message
    assert "does not validate" in message and "field 'name'" in message
    assert path.read_bytes() == GOOD_CSV
    assert fetch.read_manifest(cache_dir)["t-csv/s.csv"] == before
    assert [p.name for p in (cache_dir / "t-csv").iterdir()] == ["s.csv"]


def test_custom_validator_rejects(server, session, cache_dir, monkeypatch):
    server.routes["/s.csv"] = Route(GOOD_CSV)
    _register(monkeypatch, "t-csv", (server.base + "/s.csv",))

    def reject(paths: list[Path]) -> None:
        raise ValueError(f"{len(paths)} file(s) refused")

    with pytest.raises(FetchError, match=r"1 file\(s\) refused"):
        fetch.fetch("t-csv", cache=cache_dir, session=session, validate=reject, **FAST)
    assert not (cache_dir / "t-csv" / "s.csv").exists()


def test_half_written_cache_file_is_refetched_online_and_reported_offline(
        server, session, cache_dir, monkeypatch):
    server.routes["/s.csv"] = Route(GOOD_CSV, etag=_etag(GOOD_CSV))
    _register(monkeypatch, "t-csv", (server.base + "/s.csv",))
    [path] = fetch.fetch("t-csv", cache=cache_dir, session=session, **FAST)
    assert fetch.fetch("t-csv", cache=cache_dir, offline=True) == [path]

    path.write_bytes(GOOD_CSV[:10])  # a crash in the middle of a write
    with pytest.raises(FetchError, match=r"half-written: 10 bytes on disk, 58 in the manifest"):
        fetch.fetch("t-csv", cache=cache_dir, offline=True)

    [again] = fetch.fetch("t-csv", cache=cache_dir, session=session, **FAST)
    assert "If-None-Match" not in server.headers_of_last("/s.csv")  # no 304 for a bad copy
    assert again.read_bytes() == GOOD_CSV

    path.write_bytes(GOOD_CSV.replace(b"Gares", b"Garez"))  # same size, other bytes
    assert "sha256 differs" in fetch.verify_cached(path, fetch.read_manifest(cache_dir)["t-csv/s.csv"])


def test_offline_without_copy_and_corrupt_manifest(server, session, cache_dir, monkeypatch):
    server.routes["/s.csv"] = Route(GOOD_CSV, etag=_etag(GOOD_CSV))
    _register(monkeypatch, "t-csv", (server.base + "/s.csv",))
    with pytest.raises(FetchError, match="not in the cache"):
        fetch.fetch("t-csv", cache=cache_dir, offline=True)
    fetch.fetch("t-csv", cache=cache_dir, session=session, **FAST)
    (cache_dir / "manifest.json").write_text("{not json", encoding="utf-8")
    assert fetch.read_manifest(cache_dir) == {}
    [path] = fetch.fetch("t-csv", cache=cache_dir, session=session, **FAST)  # re-fetched
    assert "If-None-Match" not in server.headers_of_last("/s.csv")
    assert json.loads((cache_dir / "manifest.json").read_text())["entries"]["t-csv/s.csv"]["size"] == len(GOOD_CSV)
    assert path.read_bytes() == GOOD_CSV


def test_multi_file_dataset_is_validated_together(server, session, cache_dir, monkeypatch):
    seen: list[list[str]] = []

    def check(paths: list[Path]) -> None:
        seen.append([p.name for p in paths])

    server.routes["/a/topology.csv"] = Route(GOOD_CSV, etag='"a1"')
    server.routes["/b/status.csv"] = Route(NEW_CSV, etag='"b1"')
    _register(monkeypatch, "t-two", (server.base + "/a/topology.csv", server.base + "/b/status.csv"))
    paths = fetch.fetch("t-two", cache=cache_dir, session=session, validate=check, **FAST)
    assert [p.name for p in paths] == ["topology.csv", "status.csv"]
    server.routes["/b/status.csv"] = Route(GOOD_CSV, etag='"b2"')  # only one file changes
    fetch.fetch("t-two", cache=cache_dir, session=session, validate=check, **FAST)
    assert seen == [["topology.csv", "status.csv"], ["topology.csv", "status.csv"]]
    assert (cache_dir / "t-two" / "status.csv").read_bytes() == GOOD_CSV
    assert fetch.read_manifest(cache_dir)["t-two/topology.csv"]["etag"] == '"a1"'


def test_base_url_override_env_points_official_urls_at_local_server(server, session, cache_dir,
                                                                      monkeypatch):
    server.routes["/api/explore/v2.1/catalog/datasets/x/exports/csv"] = Route(GOOD_CSV)
    _register(monkeypatch, "t-ods",
              ("https://data.rennesmetropole.fr/api/explore/v2.1/catalog/datasets/x/exports/csv",))
    monkeypatch.setenv("SPMD_BASE_URL_OVERRIDE", server.base + "/")
    [path] = fetch.fetch("t-ods", cache=cache_dir, session=session, **FAST)
    assert path.name == "t-ods.csv" and path.read_bytes() == GOOD_CSV
    assert server.hits("/api/explore/v2.1/catalog/datasets/x/exports/csv") == 1


def test_bundle_serves_globs_without_network(tmp_path, cache_dir, monkeypatch):
    (tmp_path / "b" / "rt").mkdir(parents=True)
    for name in ("pos-2020-04-02.json", "pos-2022-12-20.json"):
        (tmp_path / "b" / "rt" / name).write_text("[]")
    _register(monkeypatch, "t-rt", ("http://127.0.0.1:9/never",), bundle_files=("rt/pos-*.json",))
    paths = fetch.fetch("t-rt", bundle=tmp_path / "b", cache=cache_dir)
    assert [p.name for p in paths] == ["pos-2020-04-02.json", "pos-2022-12-20.json"]
    monkeypatch.setenv("SPMD_BUNDLE", str(tmp_path / "b"))
    assert fetch.fetch("t-rt") == paths
    _register(monkeypatch, "t-none", (), bundle_files=("rt/none-*.csv",))
    with pytest.raises(DatasetNotFound, match=r"no file matching 'rt/none-\*\.csv'"):
        fetch.fetch("t-none")
    with pytest.raises(DatasetNotFound, match="online only"):
        fetch.fetch("star-gtfs-rt-trip-updates")
    with pytest.raises(DatasetNotFound, match="no dataset 'nope'"):
        fetch.fetch("nope")


def test_no_official_url_is_reported(cache_dir, monkeypatch):
    monkeypatch.delenv("SPMD_BUNDLE", raising=False)
    with pytest.raises(DatasetNotFound, match="'indicators' has no official URL"):
        fetch.fetch("indicators", cache=cache_dir)


@pytest.mark.parametrize(("ds_id", "url", "expected"), [
    ("star-gtfs", "https://eu.ftp.opendatasoft.com/star/gtfs/GTFS_STAR_BUS_METRO_EN_COURS.zip",
     "GTFS_STAR_BUS_METRO_EN_COURS.zip"),
    ("star-stops", "https://data.explore.star.fr/api/explore/v2.1/catalog/datasets/x/exports/json",
     "star-stops.json"),
    ("communes", "https://geo.api.gouv.fr/communes?codeRegion=53&format=geojson", "communes.geojson"),
    ("star-gtfs-rt-trip-updates", "https://proxy.transport.data.gouv.fr/resource/star-rt",
     "star-gtfs-rt-trip-updates.pb"),
    ("osm-streets", "https://download.geofabrik.de/europe/france/bretagne-latest.osm.pbf",
     "bretagne-latest.osm.pbf"),
])
def test_cache_name(ds_id: str, url: str, expected: str) -> None:
    assert fetch.cache_name(catalogue.get(ds_id), url) == expected


def test_every_catalogue_url_gets_a_distinct_cache_name() -> None:
    for ds in catalogue.all_datasets():
        names = [fetch.cache_name(ds, u, i, len(ds.urls)) for i, u in enumerate(ds.urls)]
        assert len(set(names)) == len(names), ds.id
        assert all("/" not in n and n for n in names)
