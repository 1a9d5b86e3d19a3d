"""The traces pipeline in two stages: what does not depend on the anonymisation's parameters,
prepared once, then each set of parameters; the same results as one whole analysis."""

from __future__ import annotations

import numpy as np
import pandas as pd

from routing.planner.simulate import simulate_straight_commutes
from sources.traces import pipeline


def test_one_preparation_serves_every_set_of_parameters_with_the_same_results() -> None:
    rng = np.random.default_rng(5)
    n = 24
    homes = np.column_stack([-1.70 + rng.normal(0, 4e-4, n), 48.10 + rng.normal(0, 4e-4, n)])
    work = np.column_stack([-1.65 + rng.normal(0, 4e-4, n), 48.12 + rng.normal(0, 4e-4, n)])
    tdf = simulate_straight_commutes(n, seed=5, homes=homes, workplaces=work)
    prepared = pipeline.prepare_traces(tdf)
    for params in ({"k": 3, "coarse_tiles": "grid1000", "temporal": "period", "by_mode": True},
                   {"k": 2, "coarse_tiles": "grid200", "temporal": None, "by_mode": False},
                   {"k": 3, "coarse_tiles": "grid1000", "temporal": "period", "by_mode": True}):
        staged = pipeline.anonymise_prepared(prepared, **params)
        whole = pipeline.analyse_traces(tdf, **params)
        assert staged.steps == whole.steps and staged.steps["flows_published"] > 0
        pd.testing.assert_frame_equal(staged.anonymised.flows, whole.anonymised.flows)
        pd.testing.assert_frame_equal(staged.risk_table(), whole.risk_table())
        assert staged.anonymised.removed == whole.anonymised.removed
