"""GPS traces to anonymised flows (scikit-mobility), and simulated traces.

Modules (imported explicitly; this package imports nothing heavy):

- :mod:`sources.traces.load` — CSV / GPX traces into TrajDataFrames, bad rows quarantined;
- :mod:`sources.traces.clean` — speed filter, compression, stays, home and work;
- :mod:`sources.traces.flows` — tiles (communes, IRIS, 200 m grid, stop catchments), trips, OD flows;
- :mod:`sources.traces.privacy` — re-identification risk, anonymisation, the only export;
- :mod:`sources.traces.pipeline` — one call per dashboard action.

Every use of scikit-mobility goes through :mod:`sources.traces._skmob_compat`, whose
:func:`load_skmob` is the public way in (``from sources.traces import load_skmob``). Simulated
traces are made by :mod:`routing.planner.simulate` (it drives the planner).
"""


def __getattr__(name: str):  # noqa: ANN202 - lazy: importing the package loads nothing heavy
    if name == "load_skmob":
        from sources.traces._skmob_compat import load_skmob

        return load_skmob
    raise AttributeError(f"module 'sources.traces' has no attribute {name!r}")
