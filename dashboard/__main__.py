"""``python -m dashboard [streamlit run options]``: the dashboard server (``streamlit run dashboard/app.py``)
with its heavy state loading from the moment the process starts rather than from the first visit.

The planner (network and engines) and the base map layers are prepared in background threads
while the server starts (see :func:`dashboard.state.start_background`); a visitor's page draws
its widgets at once and uses the planner as soon as it is ready. The server gets security
headers, a closed metrics endpoint and the upload limit of ``sources.budgets``
(:mod:`dashboard.server`).
"""

from __future__ import annotations

import sys
from pathlib import Path

APP = Path(__file__).resolve().parent / "app.py"


def _start_background() -> None:
    # imports pandas, pydeck...: in this thread, not before the server
    from dashboard import server, state

    server.security_headers()  # ready before the first response
    from dashboard import transit

    transit.ensure_deckgl_bundle()  # the animation's deck.gl, served offline (copied from pydeck)
    state.start_background()


def _links_run_the_app() -> None:
    """Every page can be linked to (``/departures?stop=...``): the app declares its pages with
    ``st.navigation``, but Streamlit treats ``dashboard/pages/`` as old-style pages (and runs a linked
    page without the app around it: no navigation, no language) until a first visit to ``/`` has
    called ``st.navigation``. Tell it from the start."""
    try:
        from streamlit.runtime.pages_manager import PagesManager

        PagesManager.uses_pages_directory = False
    except (ImportError, AttributeError):  # another Streamlit: links work after a first visit to /
        pass


def main(argv: list[str] | None = None) -> None:
    import logging
    import threading

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    threading.Thread(target=_start_background, name="spmd-start", daemon=True).start()
    from streamlit.web import cli

    _links_run_the_app()
    from dashboard import server

    server.install()  # security headers, metrics closed (dashboard/server.py)
    args = list(sys.argv[1:] if argv is None else argv)
    sys.argv = ["streamlit", "run", str(APP), *server.server_args(args), *args]
    cli.main()


if __name__ == "__main__":
    main()
