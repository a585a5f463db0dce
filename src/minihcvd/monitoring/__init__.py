"""monitoring layer: Bayesian survival monitoring (Thall, Wooten & Tannir 2005) and its simulation.

``prob_experimental_better`` is the posterior probability the rule looks at; a
``MonitoringDesign`` holds the priors and the rule (saved as TOML by ``save_design``), its
``boundary_months`` the least follow-up to continue for each number of deaths; ``design_trial``
elicits and calibrates one; ``simulate_grid`` gives operating characteristics; ``check_as_of``
and ``replay`` apply a design to a trial's patients.

The names of ``interim`` (which reads trial tables and so loads pandas, 0.2-0.3 s) load when
first used (PEP 562), so ``monitor simulate`` and ``monitor design`` start without pandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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
from minihcvd.monitoring.posterior import InverseGammaPrior, prob_experimental_better
from minihcvd.monitoring.simulate import (
    OperatingCharacteristics,
    simulate_looks,
    simulate_operating_characteristics,
)

if TYPE_CHECKING:
    from minihcvd.monitoring.interim import DAYS_PER_MONTH, InterimLook, check_as_of, replay

_LAZY = {name: "minihcvd.monitoring.interim"
         for name in ("DAYS_PER_MONTH", "InterimLook", "check_as_of", "replay")}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


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
