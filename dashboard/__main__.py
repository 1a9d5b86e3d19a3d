"""``python -m dashboard [streamlit run options]``: the dashboard server (``streamlit run dashboard/app.py``)
with its heavy state loading from the moment the process starts rather than from the first visit.

The planner (network and engines) and the base map layers are prepared in background threads
while the server starts (see :func:`dashboard.state.start_background`); a visitor's page draws
its widgets at once and uses the planner as soon as it is ready.
"""

from __future__ import annotations

import sys
from pathlib import Path

APP = Path(__file__).resolve().parent / "app.py"


def _start_background() -> None:
    from dashboard import state  # imports pandas, pydeck...: in this thread, not before the server

    state.start_background()


def main(argv: list[str] | None = None) -> None:
    import logging
    import threading

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    threading.Thread(target=_start_background, name="spmd-start", daemon=True).start()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    cli.main()


if __name__ == "__main__":
    main()
