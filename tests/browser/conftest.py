"""The dashboard server and the browser page shared by the browser tests (one server per test run:
the browser tests share an xdist group, so they run in one worker)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from devkit.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    free_port,
    start_streamlit,
    stop_streamlit,
    wait_healthy,
)
from tests.browser_helpers import SHOTS, ServerURL, real_planner_usable

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
#: chromium's software-GL chatter is logged as console warnings, never as errors; nothing is ignored
IGNORED_CONSOLE: tuple[str, ...] = ()


@pytest.fixture(scope="session")
def server(bundle_dir: Path, tmp_path_factory: pytest.TempPathFactory,
           request: pytest.FixtureRequest) -> Iterator[str]:
    """``streamlit run`` on the bundle (offline), its network read from the run's shared cache."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (/usr/bin/chromium): apt-get install chromium")
    pytest.importorskip("playwright.sync_api", reason="playwright (python) is not installed")
    tmp = tmp_path_factory.mktemp("streamlit")
    env = {"SPMD_BUNDLE": str(bundle_dir), "SPMD_OFFLINE": "1",
           "SPMD_KIOSK_IDLE_S": "30", "SPMD_KIOSK_CHECK_S": "2"}
    if real_planner_usable():
        env["SPMD_CACHE"] = str(request.getfixturevalue("rennes_cache"))
    else:
        env["SPMD_CACHE"] = str(tmp / "cache")
        env["SPMD_DASHBOARD_PLANNER"] = "tests.browser_helpers:small_planner"
    port = free_port()
    # closed sessions dropped after 5 s (30 s in .streamlit/config.toml), for the memory check
    proc = start_streamlit(port=port, env=env, log_path=tmp / "streamlit.log",
                           extra_args=("--server.disconnectedSessionTTL", "5"))
    try:
        wait_healthy(port, proc=proc)
        url = ServerURL(f"http://127.0.0.1:{port}")
        url.pid = proc.pid
        yield url
    finally:
        stop_streamlit(proc)


@pytest.fixture()
def browser_page(server: str):
    """A chromium page (1600 x 1000, French); after the test, no request left 127.0.0.1 and the
    console showed no error."""
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    requests: list[str] = []
    console_errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1000}, locale="fr-FR")
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: console_errors.append(str(e)))
        page.on("response", lambda r: console_errors.append(f"HTTP {r.status} {r.url}")
                if r.status >= 400 else None)
        page.set_default_timeout(120_000)
        yield page, requests, console_errors
        browser.close()
    offsite = [u for u in requests
               if urlparse(u).scheme in {"http", "https", "ws", "wss"}
               and urlparse(u).hostname not in LOCAL_HOSTS]
    assert offsite == [], f"requests left 127.0.0.1: {offsite[:5]}"
    errors = [e for e in console_errors if not any(s in e for s in IGNORED_CONSOLE)]
    assert errors == [], f"console errors: {errors[:5]}"
