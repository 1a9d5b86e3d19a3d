"""The dashboard server's security layer (dashboard/server.py) on a real server on 127.0.0.1, its
metrics rule as an ASGI app, and the upload limit: one figure from sources.budgets everywhere."""

from __future__ import annotations

import asyncio
import re
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from dashboard import server
from devkit.browser import ROOT, free_port, start_streamlit, stop_streamlit, wait_healthy
from sources.budgets import DEFAULTS, budgets

HEADERS = ("content-security-policy", "x-frame-options", "x-content-type-options", "referrer-policy")


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("secure")
    env = {"SPMD_OFFLINE": "1", "SPMD_CACHE": str(tmp / "cache"),
           "SPMD_DASHBOARD_PLANNER": "tests.browser_helpers:small_planner", "SPMD_METRICS": ""}
    port = free_port()
    proc = start_streamlit(port=port, env=env, log_path=tmp / "streamlit.log")
    try:
        wait_healthy(port, proc=proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_streamlit(proc)


@pytest.mark.parametrize("path", ["/", "/_stcore/health", "/app/static/leaflet/leaflet.js", "/planner",
                                  "/_stcore/host-config", "/no/such/page"])
def test_every_response_has_the_security_headers(live: str, path: str) -> None:
    status, headers, _ = _get(live + path)
    assert status < 500
    for name in HEADERS:
        assert name in headers, (path, name)
    csp = dict(d.strip().split(" ", 1) for d in headers["content-security-policy"].split(";"))
    assert csp["default-src"] == "'self'" and csp["frame-ancestors"] == "'self'"
    assert csp["connect-src"] == f"'self' {server.CARTO_ORIGIN}" and csp["object-src"] == "'none'"
    assert csp["img-src"] == f"'self' data: blob: https://tile.openstreetmap.org {server.CARTO_ORIGIN}"
    assert csp["script-src"].split()[0] == "'self'" and "http" not in csp["script-src"]
    assert headers["x-frame-options"] == "SAMEORIGIN" and headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"


def test_static_files_are_kept_by_the_browser(live: str) -> None:
    """Streamlit's static serving sends no Cache-Control: the map library is kept a day, a file
    named by its content for good, any other path gets none."""
    from dashboard import served

    url = served.serve('{"cache": "test"}', "maps")
    assert url is not None
    status, headers, body = _get(live + url)
    assert status == 200 and body == b'{"cache": "test"}'
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    status, headers, _ = _get(live + "/app/static/leaflet/leaflet.js")
    assert status == 200 and headers["cache-control"] == "public, max-age=86400"
    assert "immutable" not in _get(live + "/planner")[1].get("cache-control", "")
    served.path_of(url).unlink()


def test_metrics_are_closed_by_default(live: str) -> None:
    for path in ("/_stcore/metrics", "/_stcore/metrics/", "/_stcore/metrics?families=session_events_total"):
        status, headers, body = _get(live + path)
        assert status == 404 and b"session" not in body
        assert "content-security-policy" in headers
    assert _get(live + "/_stcore/health")[0] == 200  # the rest is served


def test_main_gives_streamlit_the_budget_upload_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from streamlit.web import cli
    from streamlit.web.server.starlette import starlette_server

    import dashboard.__main__ as entry

    captured: list[list[str]] = []
    monkeypatch.setattr(entry, "_start_background", lambda: None)
    monkeypatch.setattr(cli, "main", lambda: captured.append(list(sys.argv)))
    monkeypatch.setattr(sys, "argv", ["python"])
    monkeypatch.setattr(starlette_server, "create_starlette_app", starlette_server.create_starlette_app)
    entry.main(["--server.port", "1"])
    assert captured[0][3:] == ["--server.maxUploadSize", str(server.max_upload_mb()), "--server.port", "1"]
    assert getattr(starlette_server.create_starlette_app, "_spmd_secured", False)
    assert server.server_args(["--server.maxUploadSize", "3"]) == []


def test_upload_limit_is_one_figure_in_config_readme_and_page(monkeypatch: pytest.MonkeyPatch) -> None:
    mb = DEFAULTS["max_upload_bytes"][0] // 2**20
    assert server.max_upload_mb() == mb == budgets().max_upload_bytes // 2**20
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == mb
    assert f"{mb} MB upload limit" in (ROOT / "README.md").read_text()
    page = (ROOT / "dashboard" / "pages" / "traces.py").read_text()
    assert "server.max_upload_mb()" in page and not re.search(r"MAX_UPLOAD_MB = \d", page)
    monkeypatch.setenv("SPMD_BUDGET_MAX_UPLOAD_BYTES", str(5 * 2**20))
    assert server.max_upload_mb() == 5 and server.server_args([])[-1] == "5"


# -- the metrics rule and the headers, on the ASGI layer itself -----------------------------------

async def _inner(scope, receive, send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"x-frame-options", b"DENY")]})
    await send({"type": "http.response.body", "body": b"metrics"})


def _call(path: str, *, client: str = "127.0.0.1", headers: list[tuple[bytes, bytes]] | None = None):
    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    async def receive() -> dict:
        return {"type": "http.request"}

    scope = {"type": "http", "path": path, "client": (client, 5555), "headers": headers or []}
    asyncio.run(server.SecurityLayer(_inner)(scope, receive, send))
    start = sent[0]
    return start["status"], dict(start["headers"]), sent[1]["body"]


@pytest.mark.parametrize("mode, client, forwarded, status", [
    ("", "127.0.0.1", False, 404), ("off", "127.0.0.1", False, 404), ("local", "127.0.0.1", False, 200),
    ("local", "::1", False, 200), ("local", "10.0.0.8", False, 404), ("local", "127.0.0.1", True, 404),
    ("LOCAL", "192.168.1.2", False, 404),
])
def test_metrics_local_only_when_asked(monkeypatch: pytest.MonkeyPatch, mode: str, client: str,
                                       forwarded: bool, status: int) -> None:
    monkeypatch.setenv("SPMD_METRICS", mode)
    headers = [(b"x-forwarded-for", b"203.0.113.9")] if forwarded else []
    got, sent_headers, body = _call("/_stcore/metrics", client=client, headers=headers)
    assert got == status
    assert (body == b"metrics") == (status == 200)
    assert b"content-security-policy" in sent_headers


def test_layer_keeps_headers_the_app_set_and_adds_the_others() -> None:
    status, headers, body = _call("/")
    assert status == 200 and body == b"metrics"
    assert headers[b"x-frame-options"] == b"DENY"  # the app's own value wins
    assert headers[b"x-content-type-options"] == b"nosniff"


def test_install_is_idempotent_and_wraps_streamlit_app() -> None:
    from streamlit.runtime.websocket_session_manager import WebsocketSessionManager
    from streamlit.web.server.starlette import starlette_server

    before = starlette_server.create_starlette_app
    disconnect = WebsocketSessionManager.disconnect_session
    try:
        assert server.install() and server.install()
        wrapped = starlette_server.create_starlette_app
        assert getattr(wrapped, "_spmd_secured", False)
        server.install()
        assert starlette_server.create_starlette_app is wrapped
        assert getattr(WebsocketSessionManager.disconnect_session, "_spmd_releases", False)
    finally:
        starlette_server.create_starlette_app = before
        WebsocketSessionManager.disconnect_session = disconnect


# -- uploads: bounded in number and in total, dropped when the session ends ---------------------------

def _upload_scope(session: str, size: int | None, method: str = "PUT") -> dict:
    headers = [] if size is None else [(b"content-length", str(size).encode())]
    return {"type": "http", "method": method, "path": f"/_stcore/upload_file/{session}/f", "headers": headers}


def _manager(held: dict[str, list[int]]):
    from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
    from streamlit.runtime.uploaded_file_manager import UploadedFileRec

    mgr = MemoryUploadedFileManager("/_stcore/upload_file")
    for session, sizes in held.items():
        for i, n in enumerate(sizes):
            mgr.add_file(session, UploadedFileRec(file_id=f"{session}-{i}", name="x.csv", type="text/csv",
                                                  data=b"x" * n))
    return mgr


def test_uploads_per_session_and_in_total_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPMD_BUDGET_MAX_UPLOADS_PER_SESSION", "2")
    monkeypatch.setenv("SPMD_BUDGET_MAX_UPLOAD_TOTAL_BYTES", "1000")
    guard = server.UploadGuard()
    mgr = _manager({"a": [100], "b": [100, 100]})
    refusal, reserved = guard.refusal(_upload_scope("a", 300), mgr)
    assert refusal is None and reserved == 300
    # a second upload of session a in flight counts: a third is over the session's budget
    refusal, _ = guard.refusal(_upload_scope("a", 10), mgr)
    assert "SPMD_BUDGET_MAX_UPLOADS_PER_SESSION" in refusal and "uploads of this session" in refusal
    assert "SPMD_BUDGET_MAX_UPLOADS_PER_SESSION" in guard.refusal(_upload_scope("b", 10), mgr)[0]
    guard.done(_upload_scope("a", 300), 300)
    assert guard.in_flight == {}
    # in total: 300 held + 701 announced > 1000
    refusal, _ = guard.refusal(_upload_scope("c", 701), mgr)
    assert "SPMD_BUDGET_MAX_UPLOAD_TOTAL_BYTES" in refusal
    assert guard.refusal(_upload_scope("c", 700), mgr)[0] is None
    # other requests pass untouched
    assert guard.refusal(_upload_scope("a", 10, method="DELETE"), mgr) == (None, None)
    assert guard.refusal({"type": "http", "method": "PUT", "path": "/x"}, mgr) == (None, None)


def test_a_refused_upload_is_a_413_with_the_budget_before_the_body_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPMD_BUDGET_MAX_UPLOADS_PER_SESSION", "1")
    monkeypatch.setattr(server, "_upload_manager", lambda: _manager({"s": [10]}))
    read: list[int] = []
    sent: list[dict] = []

    async def receive() -> dict:
        read.append(1)
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(server.SecurityLayer(_inner)(_upload_scope("s", 10), receive, send))
    assert sent[0]["status"] == 413 and b"SPMD_BUDGET_MAX_UPLOADS_PER_SESSION" in sent[1]["body"]
    assert read == []


def test_a_session_that_ends_drops_its_uploads() -> None:
    class Sessions:  # the attribute of Streamlit's WebsocketSessionManager
        _uploaded_file_mgr = _manager({"gone": [100, 100], "stays": [100]})

    server.end_session_uploads(Sessions, "gone")
    assert set(Sessions._uploaded_file_mgr.file_storage) == {"stays"}
    server.release_memory()  # no error where glibc is absent either
