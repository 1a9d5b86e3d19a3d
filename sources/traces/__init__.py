"""GPS traces to anonymised flows (scikit-mobility), and simulated traces.

Modules (imported explicitly; this package imports nothing heavy):

- :mod:`sources.traces.load` — CSV / GPX traces into TrajDataFrames, bad rows quarantined;
- :mod:`sources.traces.clean` — speed filter, compression, stays, home and work;
- :mod:`sources.traces.flows` — tiles (communes, IRIS, 200 m grid, stop catchments), trips, OD flows;
- :mod:`sources.traces.privacy` — re-identification risk, anonymisation, the only export;
- :mod:`sources.traces.simulate` — GPS-like traces from planner itineraries (``simulated=True``);
- :mod:`sources.traces.pipeline` — one call per dashboard action.

Every use of scikit-mobility goes through :mod:`sources.traces._skmob_compat`.
"""
