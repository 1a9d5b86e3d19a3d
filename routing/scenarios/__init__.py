"""What-if scenarios: files that add or remove a line, change a frequency or a speed, add a car
park or a bike-share station (:mod:`~routing.scenarios.scenario`), applied to a compiled service
day, and compared before/after on accessibility (:mod:`~routing.scenarios.compare`); the stops to
make wheelchair-accessible first (:mod:`~routing.scenarios.rank`)."""

from routing.scenarios.compare import compare_scenarios, opportunity_points
from routing.scenarios.rank import StopRanking, rank_stops
from routing.scenarios.scenario import (
    DEFAULT_SCENARIO,
    MAX_SCENARIO_BYTES,
    SCENARIO_DIR,
    Scenario,
    ScenarioError,
    apply_scenario,
    apply_scenario_full,
    available_scenarios,
    bare_network,
    load_scenario,
    network_with_scenario,
    parse_scenario,
    with_scenario,
)

__all__ = [
    "DEFAULT_SCENARIO", "MAX_SCENARIO_BYTES", "SCENARIO_DIR", "Scenario", "ScenarioError",
    "apply_scenario", "apply_scenario_full", "available_scenarios", "bare_network",
    "compare_scenarios", "load_scenario", "network_with_scenario", "opportunity_points",
    "parse_scenario", "rank_stops", "StopRanking", "with_scenario",
]
