"""A picture of the stopping boundary, optionally with a trial's path through it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from minihcvd.atomic import write_bytes_atomic
from minihcvd.errors import MonitoringError
from minihcvd.monitoring.design import MonitoringDesign
from minihcvd.monitoring.interim import InterimLook

__all__ = ["plot_boundary"]


def plot_boundary(
    design: MonitoringDesign, path: Path, looks: Sequence[InterimLook] = ()
) -> None:
    """Save a PNG: the follow-up needed to continue for each number of deaths, stops shaded.

    matplotlib is imported here (with the non-interactive Agg backend) so that importing the
    monitoring layer stays quick.
    """
    import io

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    boundary = design.boundary_months
    deaths = np.arange(boundary.size)
    figure, axes = plt.subplots(figsize=(7.0, 4.5), dpi=120)
    axes.step(deaths, boundary, where="post", color="firebrick",
              label="least follow-up to continue")
    axes.fill_between(deaths, 0, boundary, step="post", color="firebrick", alpha=0.12,
                      label="stop: Pr(mu_E > mu_S + δ | data) < p_L")
    if looks:
        axes.plot([look.deaths for look in looks], [look.exposure_months for look in looks],
                  "o-", markersize=2.5, color="steelblue", label="trial at each enrollment")
    axes.set_xlabel("deaths")
    axes.set_ylabel("total follow-up (patient-months)")
    axes.set_title(f"p_L = {design.p_lower:g}, δ = {design.delta_months:g} months, "
                   f"from {design.min_patients} patients")
    axes.set_xlim(left=0)
    axes.set_ylim(bottom=0)
    axes.legend(loc="upper left", fontsize=8)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    try:
        write_bytes_atomic(Path(path), buffer.getvalue())
    except OSError as error:
        raise MonitoringError(f"cannot write the plot: {error.strerror or error}",
                              file=path) from None
