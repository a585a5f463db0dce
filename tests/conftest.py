"""Shared test configuration."""

from __future__ import annotations

import os
import shutil

import pytest
from hypothesis import settings
from tests.processes import ChildWatch

settings.register_profile("ci", deadline=None, derandomize=True, max_examples=100)
settings.register_profile("dev", deadline=None, max_examples=60)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """R oracle tests are skipped without Rscript on a developer machine, but fail in CI."""
    if shutil.which("Rscript") or os.environ.get("CI"):
        return
    reason = "Rscript not installed (apt-get install r-base-core r-cran-survival)"
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        if "r_oracle" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def children() -> ChildWatch:
    """Which child processes exist now: ``children.none_left()`` after parallel work."""
    return ChildWatch()
