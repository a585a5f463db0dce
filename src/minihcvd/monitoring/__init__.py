"""monitoring layer: Bayesian survival monitoring (Thall, Wooten & Tannir 2005) and its simulation.

``prob_experimental_better`` is the posterior probability the rule looks at; a
``MonitoringDesign`` holds the priors and the rule (saved as TOML by ``save_design``), its
``boundary_months`` the least follow-up to continue for each number of deaths; ``design_trial``
elicits and calibrates one; ``simulate_grid`` gives operating characteristics; ``check_as_of``
and ``replay`` apply a design to a trial's patients.
"""

from minihcvd.monitoring.boundary import stopping_boundary
from minihcvd.monitoring.calibrate import Calibration, calibrate_p_lower, design_trial
from minihcvd.monitoring.design import (
    Elicitation,
    MonitoringDesign,
    elicit_standard_prior,
    median_interval_months,
    shape_from_median_interval,
)
from minihcvd.monitoring.design_file import (
    default_design_path,
    design_to_toml,
    load_design,
    save_design,
)
from minihcvd.monitoring.grid import ScenarioResult, local_workers_for_grid, simulate_grid
from minihcvd.monitoring.interim import DAYS_PER_MONTH, InterimLook, check_as_of, replay
from minihcvd.monitoring.posterior import InverseGammaPrior, prob_experimental_better
from minihcvd.monitoring.simulate import (
    OperatingCharacteristics,
    simulate_looks,
    simulate_operating_characteristics,
)

__all__ = [
    "DAYS_PER_MONTH",
    "Calibration",
    "Elicitation",
    "InterimLook",
    "InverseGammaPrior",
    "MonitoringDesign",
    "OperatingCharacteristics",
    "ScenarioResult",
    "calibrate_p_lower",
    "check_as_of",
    "default_design_path",
    "design_to_toml",
    "design_trial",
    "elicit_standard_prior",
    "load_design",
    "local_workers_for_grid",
    "median_interval_months",
    "prob_experimental_better",
    "replay",
    "save_design",
    "shape_from_median_interval",
    "simulate_grid",
    "simulate_looks",
    "simulate_operating_characteristics",
    "stopping_boundary",
]
