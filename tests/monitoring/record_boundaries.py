"""Record stopping boundaries of many designs from a source tree, as JSON.

``tests/monitoring/data/boundaries_before_issue19.json`` was made with the search that issue 19
replaced (Chandrupatla's root finder on the quadrature and the closed form, commit 22d3ed8):

    git archive 22d3ed8 src | tar -x -C /tmp/old
    PYTHONPATH=/tmp/old/src .venv/bin/python tests/monitoring/record_boundaries.py OUT.json

``test_boundary.py`` checks that today's boundary equals it.
"""

from __future__ import annotations

import itertools
import json
import sys

from minihcvd.monitoring import InverseGammaPrior, stopping_boundary

#: (standard shape, standard scale, experimental shape, experimental scale): the default
#: design's priors, a weak and a strong historical prior, a vague experimental prior of shape
#: below 1 and a long-survival setting.
PRIORS = [(100.0, 1099.7664296696569, 3.0, 22.21750362969004), (4.0, 30.0, 0.5, 2.0),
          (400.0, 4000.0, 3.0, 20.0), (20.0, 150.0, 2.0, 8.0), (50.0, 2000.0, 5.0, 160.0)]
DELTAS = [0.0, 1.0, 5.77]
P_LOWERS = [0.01, 0.05, 0.171, 0.5]
MAX_DEATHS = 110


def designs() -> list[dict[str, float]]:
    return [{"standard_shape": a_s, "standard_scale": b_s, "experimental_shape": a_e,
             "experimental_scale": b_e, "delta_months": delta, "p_lower": p_lower}
            for (a_s, b_s, a_e, b_e), delta, p_lower in itertools.product(PRIORS, DELTAS,
                                                                          P_LOWERS)]


def boundary(design: dict[str, float]) -> list[float]:
    return [float(value) for value in stopping_boundary(
        standard=InverseGammaPrior(design["standard_shape"], design["standard_scale"]),
        experimental=InverseGammaPrior(design["experimental_shape"],
                                       design["experimental_scale"]),
        delta_months=design["delta_months"], p_lower=design["p_lower"],
        max_deaths=MAX_DEATHS)]


def main() -> None:
    recorded = [{**design, "boundary_months": boundary(design)} for design in designs()]
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        json.dump({"max_deaths": MAX_DEATHS, "designs": recorded}, out, indent=0)
        out.write("\n")


if __name__ == "__main__":
    main()
