"""analyze_package's hooks and its helper process: curves reported as they appear, and the
same results whether a forked helper fits the Cox models or this process does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.processes import ChildWatch, needs_two
from tests.stats.packages import make_package

from minihcvd.stats import analysis
from minihcvd.stats.analysis import AnalysisResults


def test_on_curves_sees_new_curves_and_no_cox_model(tmp_path: Path) -> None:
    """The hook is called as curves appear (OS and RFS, each factor, each landmark), each
    time with no Cox model in the results yet."""
    seen: list[tuple[bool, int, int, int]] = []

    def hook(partial: AnalysisResults) -> None:
        seen.append(
            (
                partial.os is not None,
                len(partial.os_by),
                len(partial.landmarks),
                len(partial.cox.univariate),
            )
        )

    final = analysis.analyze_package(make_package(tmp_path), on_curves=hook)
    compared = [c for c in final.os_by.values() if c.groups or not c.note]
    assert seen[0] == (True, 0, 0, 0)
    assert len(seen) == 1 + len(compared) + len(final.landmarks)
    assert seen[-1] == (True, len(final.os_by), len(final.landmarks), 0)
    assert final.cox.univariate


@needs_two
def test_models_and_tables_on_a_helper_give_the_same_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, children: ChildWatch
) -> None:
    """Above PARALLEL_MIN_PATIENTS a forked helper fits the Cox models and makes Tables 1–3
    while the curves are computed: results.json is the same as computed in one process."""
    package = make_package(tmp_path)
    serial = analysis.analyze_package(package).to_json_dict()
    monkeypatch.setattr(analysis, "PARALLEL_MIN_PATIENTS", 0)
    parallel = analysis.analyze_package(package).to_json_dict()
    assert json.dumps(parallel, sort_keys=True) == json.dumps(serial, sort_keys=True)
    assert children.none_left()
