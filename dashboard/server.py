"""A thin security layer around Streamlit's web server, installed by ``python -m dashboard``.

Streamlit (1.5x and later) serves the app with Starlette under uvicorn; :func:`install` wraps the
Starlette application it creates in :class:`SecurityLayer`, an ASGI middleware that

- adds security headers to every HTTP response: a Content-Security-Policy that lets the page,
  its components (streamlit-folium's Leaflet, served from ``/app/static``) and deck.gl run from
  the app's own origin only (map tiles also from the OpenStreetMap and CARTO tile servers, used
  when they answer), ``X-Frame-Options: SAMEORIGIN`` and ``frame-ancestors 'self'`` (Streamlit's
  components are same-origin iframes; no other site may frame the app),
  ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer``;
- closes ``/_stcore/metrics`` (404) unless ``SPMD_METRICS=local``, which opens it to requests from
  the machine itself (a loopback client without ``X-Forwarded-For``: not through a local proxy).

The upload limit (``server.maxUploadSize``) is given to Streamlit from ``sources.budgets``
(:func:`server_args`), the same figure the traces page shows and the README states.

Uploads are bounded in number and in total as well (:class:`UploadGuard`, in the same layer): a
``PUT`` to the upload endpoint is answered 413 with a plain message naming the budget and its
setting, before its body is read, when the session already holds ``max_uploads_per_session``
files or when the files all sessions hold would pass ``max_upload_total_bytes``. When a session
ends (its browser closes or loses the connection) its uploaded files are dropped at once, and once
Streamlit's reconnection delay (``server.disconnectedSessionTTL``) is over, the stored session is
shut down (Streamlit's storage only forgets it, lazily, which kept its files and state) and the
freed memory is handed back to the system (:func:`release_memory`).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import re
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from dashboard import served

log = logging.getLogger("dashboard.server")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


#: the base map of deck.gl maps when tiles are reachable (maps.make_deck(online_tiles=True): Streamlit's
#: CARTO provider fetches its style, glyphs and tiles)
CARTO_ORIGIN = "https://*.cartocdn.com"


def csp_directives() -> tuple[str, ...]:
    """The Content-Security-Policy (dashboard.leaflet, with pandas, is imported here: after the start).
    Only the two tile servers of the online base maps are allowed beside the app itself."""
    from dashboard.leaflet import OSM_TILES

    tiles = "{0.scheme}://{0.netloc}".format(urlsplit(OSM_TILES)) + " " + CARTO_ORIGIN
    return (
        "default-src 'self'",
        # Streamlit's bundle, its components' iframes (same origin) and Vega charts need inline code
        # and eval; scripts still come from this origin only
        "script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:",
        "style-src 'self' 'unsafe-inline'",
        f"img-src 'self' data: blob: {tiles}",
        "font-src 'self' data:",
        f"connect-src 'self' {CARTO_ORIGIN}",
        "worker-src 'self' blob:",
        "frame-src 'self' blob: data:",
        "frame-ancestors 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    )


@functools.cache
def security_headers() -> dict[str, str]:
    """The headers added to every response."""
    return {
        "Content-Security-Policy": "; ".join(csp_directives()),
        "X-Frame-Options": "SAMEORIGIN",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    }


METRICS_PATH = "/_stcore/metrics"
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def metrics_mode() -> str:
    """``off`` (default) or ``local`` (setting ``SPMD_METRICS``)."""
    return "local" if os.environ.get("SPMD_METRICS", "").strip().lower() == "local" else "off"


def metrics_allowed(scope: Scope) -> bool:
    if metrics_mode() != "local":
        return False
    client = scope.get("client") or ("", 0)
    forwarded = any(k.lower() in (b"x-forwarded-for", b"forwarded") for k, _ in scope.get("headers") or [])
    return client[0] in LOOPBACK and not forwarded


#: ``PUT <base>/_stcore/upload_file/<session id>/<file id>``: one uploaded file
UPLOAD_PATH = re.compile(r"/_stcore/upload_file/([^/]+)/([^/]+)/?$")


def _upload_manager() -> Any:
    """Streamlit's uploaded-file manager of the running server (None outside a server)."""
    try:
        from streamlit import runtime

        return runtime.get_instance().uploaded_file_mgr if runtime.exists() else None
    except Exception:  # noqa: BLE001 - no runtime: nothing to bound
        return None


def _held(manager: Any, session_id: str) -> tuple[int, int]:
    """(files the session holds, bytes all sessions hold) in Streamlit's uploaded-file manager."""
    storage = getattr(manager, "file_storage", None)
    if storage is None:
        return 0, 0
    lock = getattr(manager, "_lock", None) or threading.Lock()
    with lock:
        files = len(storage.get(session_id, {}))
        total = sum(len(rec.data) for recs in storage.values() for rec in recs.values())
    return files, total


class UploadGuard:
    """The budgets on uploads, checked on each ``PUT`` before its body is read: files one session
    holds (``max_uploads_per_session``) and bytes all sessions hold (``max_upload_total_bytes``,
    counting the uploads in flight at their announced size, else the one-file limit)."""

    def __init__(self) -> None:
        self.in_flight: dict[str, tuple[int, int]] = {}  # session id -> (files, bytes) being received

    def refusal(self, scope: Scope, manager: Any) -> tuple[str | None, int | None]:
        """(the refusal message or None, bytes reserved for this upload or None when it is not an
        upload let through)."""
        from sources import UnusableInputError, get_budgets

        match = UPLOAD_PATH.search(str(scope.get("path", "")))
        if scope.get("method") != "PUT" or match is None or manager is None:
            return None, None
        session_id = match.group(1)
        budgets = get_budgets()
        headers = dict(scope.get("headers") or [])
        try:
            size = max(0, int(headers.get(b"content-length", b"")))
        except ValueError:
            size = budgets.max_upload_bytes
        files, total = _held(manager, session_id)
        flying_files, flying_bytes = self.in_flight.get(session_id, (0, 0))
        all_flying = sum(b for _, b in self.in_flight.values())
        try:
            budgets.check("max_uploads_per_session", files + flying_files + 1, what="uploads of this session")
            budgets.check("max_upload_total_bytes", total + all_flying + size, what="uploads held by the server")
        except UnusableInputError as exc:  # a BudgetExceeded: the message names the limit and setting
            return str(exc), None
        self.in_flight[session_id] = (flying_files + 1, flying_bytes + size)
        return None, size

    def done(self, scope: Scope, size: int) -> None:
        match = UPLOAD_PATH.search(str(scope.get("path", "")))
        if match is None or match.group(1) not in self.in_flight:
            return
        files, nbytes = self.in_flight.pop(match.group(1))
        if files > 1:
            self.in_flight[match.group(1)] = (files - 1, nbytes - size)


class SecurityLayer:
    """ASGI middleware: security headers on every response, metrics closed, uploads bounded (see
    the module doc)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.uploads = UploadGuard()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        if path.rstrip("/").endswith(METRICS_PATH) and not metrics_allowed(scope):
            await _send_plain(send, 404, b"Not Found")
            return
        refusal, reserved = self.uploads.refusal(scope, _upload_manager())
        if refusal is not None:
            log.warning("upload refused: %s", refusal)
            await _send_plain(send, 413, refusal.encode())
            return

        async def send_with_headers(message: Message) -> None:
            if message.get("type") == "http.response.start":
                raw = list(message.get("headers") or [])
                present = {k.lower() for k, _ in raw}
                extra = security_headers()
                cache = served.cache_control(path) if message.get("status") == 200 else None
                if cache is not None:
                    extra["Cache-Control"] = cache
                for name, value in extra.items():
                    if name.lower().encode() not in present:
                        raw.append((name.lower().encode(), value.encode()))
                message["headers"] = raw
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            if reserved is not None:
                self.uploads.done(scope, reserved)


async def _send_plain(send: Send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in security_headers().items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def install() -> bool:
    """Wrap the application Streamlit's server creates in :class:`SecurityLayer` (idempotent).
    False when this Streamlit has no Starlette server to wrap (then nothing is changed)."""
    try:
        from streamlit.web.server.starlette import starlette_server
    except ImportError:
        return False
    create = getattr(starlette_server, "create_starlette_app", None)
    if create is None:
        return False
    if getattr(create, "_spmd_secured", False):
        return True

    def create_secured(*args: Any, **kwargs: Any) -> Any:
        return SecurityLayer(create(*args, **kwargs))

    create_secured._spmd_secured = True  # type: ignore[attr-defined]
    starlette_server.create_starlette_app = create_secured
    _release_uploads_when_sessions_end()
    return True


def release_memory() -> None:
    """Collect garbage, then hand freed heap pages back to the system (glibc's ``malloc_trim``:
    a 49 MB upload parsed in small chunks leaves the heap fragmented, and the process would keep
    that size long after the data is gone)."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: the allocator keeps its own policy
        pass


def end_session_uploads(manager: Any, session_id: str) -> None:
    """Drop the files a session uploaded (Streamlit keeps them until the session is shut down,
    which a session dropped from the reconnection storage never is)."""
    uploads = getattr(manager, "_uploaded_file_mgr", None)
    if uploads is not None:
        uploads.remove_session_files(session_id)


def expire_stored_sessions(manager: Any) -> int:
    """Shut down the disconnected sessions whose reconnection delay is over (Streamlit's storage
    only forgets them when it is next used, without shutting them down); returns how many."""
    cache = getattr(getattr(manager, "_session_storage", None), "_cache", None)
    expire = getattr(cache, "expire", None)
    if expire is None:
        return 0
    expired = expire()
    for _, info in expired:
        try:
            info.session.shutdown()
        except Exception:  # noqa: BLE001 - a session half gone: what is left is garbage
            log.debug("stored session shut down with an error", exc_info=True)
    return len(expired)


def _release_uploads_when_sessions_end() -> None:
    """Patch Streamlit's session manager: a session that disconnects drops its uploads at once, and
    is shut down (state, caches) once its reconnection delay is over; the memory goes back then."""
    try:
        from streamlit import config
        from streamlit.runtime.websocket_session_manager import WebsocketSessionManager
    except ImportError:
        return
    disconnect = WebsocketSessionManager.disconnect_session
    if getattr(disconnect, "_spmd_releases", False):
        return

    def disconnect_session(self: Any, session_id: str) -> None:
        disconnect(self, session_id)
        end_session_uploads(self, session_id)
        release_memory()
        ttl_s = float(config.get_option("server.disconnectedSessionTTL") or 0)

        def later() -> None:
            if expire_stored_sessions(self):
                release_memory()

        try:  # on the server's event loop, where Streamlit shuts sessions down itself
            asyncio.get_running_loop().call_later(ttl_s + 1.0, later)
        except RuntimeError:  # called from another thread
            timer = threading.Timer(ttl_s + 1.0, later)
            timer.daemon = True
            timer.start()

    disconnect_session._spmd_releases = True  # type: ignore[attr-defined]
    WebsocketSessionManager.disconnect_session = disconnect_session


def max_upload_mb() -> int:
    """The upload limit in MB (MiB, as Streamlit counts), from ``sources.budgets`` (setting
    SPMD_BUDGET_MAX_UPLOAD_BYTES): the server's limit and the one the traces page states."""
    from sources import get_budgets

    return max(1, get_budgets().max_upload_bytes // (1024 * 1024))


def server_args(argv: list[str]) -> list[str]:
    """Streamlit options added to ``argv`` (unless given there): the upload limit from the budgets."""
    extra: list[str] = []
    if not any(a.startswith("--server.maxUploadSize") for a in argv):
        extra += ["--server.maxUploadSize", str(max_upload_mb())]
    return extra
