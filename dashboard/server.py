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
"""

from __future__ import annotations

import functools
import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

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


class SecurityLayer:
    """ASGI middleware: security headers on every response, metrics closed (see the module doc)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        if path.rstrip("/").endswith(METRICS_PATH) and not metrics_allowed(scope):
            await _send_plain(send, 404, b"Not Found")
            return

        async def send_with_headers(message: Message) -> None:
            if message.get("type") == "http.response.start":
                raw = list(message.get("headers") or [])
                present = {k.lower() for k, _ in raw}
                for name, value in security_headers().items():
                    if name.lower().encode() not in present:
                        raw.append((name.lower().encode(), value.encode()))
                message["headers"] = raw
            await send(message)

        await self.app(scope, receive, send_with_headers)


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
    return True


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
