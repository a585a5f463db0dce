"""One analysed 110-patient package shared by the report tests (analysis is the slow part)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.stats.packages import make_package

from minihcvd.stats.analysis import AnalysisResults, analyze_package


@pytest.fixture(scope="session")
def results(tmp_path_factory: pytest.TempPathFactory) -> AnalysisResults:
    """The default analysis plan on a synthetic package with adverse events."""
    package = make_package(tmp_path_factory.mktemp("package"))
    return analyze_package(package)


@pytest.fixture(scope="session")
def report_dir(results: AnalysisResults, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report written once for all tests that only read it."""
    from minihcvd.report import write_report

    out = tmp_path_factory.mktemp("report") / "out"
    write_report(results, out)
    return out
