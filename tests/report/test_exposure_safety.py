"""report.html's exposure and safety tables read the results.json numbers."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from minihcvd.report.exposure_safety import exposure_safety_tables
from minihcvd.report.html import render_html
from minihcvd.stats import analyze_package
from minihcvd.trialdata import read_package

PACKAGE = Path(__file__).resolve().parents[1] / "data" / "safety_package"


@pytest.fixture(scope="module")
def document() -> dict[str, object]:
    return analyze_package(read_package(PACKAGE)).to_json_dict()


def test_sos_row_reads_the_counts_and_fishers_p(document: dict[str, object]) -> None:
    tables = {t["title"]: t for t in exposure_safety_tables(document)}
    rows = {r["label"]: r for r in tables["Safety: SOS, early death, deaths in remission"]["rows"]}
    sos = document["safety"]["sos"]  # type: ignore[index]
    row = rows["SOS (any grade, any time)"]
    original = sos["by_group"]["original"]
    assert row["original"] == f"{original['count']}/{original['denominator']} (" + (
        f"{original['percent']:.0f}%)"
    )
    assert row["test"] == "Fisher's exact"
    weeks = rows["Weeks from the last inotuzumab dose to SCT"]
    assert weeks["test"] == "Mann–Whitney U"
    amended = document["safety"]["last_inotuzumab_to_sct_weeks"]["by_group"]["amended"]  # type: ignore[index]
    assert weeks["amended"].startswith(f"{amended['median']:g} (")


def test_page_has_the_sections(document: dict[str, object]) -> None:
    html = render_html(document, [])
    for heading in ("Treatment exposure", "Safety: SOS, early death, deaths in remission"):
        assert f">{heading}<" in html
    assert "Cumulative inotuzumab, mg/m²" in html
    assert "Causes of early death" in html


def test_a_skipped_section_says_so(document: dict[str, object]) -> None:
    package = dataclasses.replace(read_package(PACKAGE), administrations=None)
    skipped = analyze_package(package).to_json_dict()
    tables = {t["title"]: t for t in exposure_safety_tables(skipped)}
    labels = [r["label"] for r in tables["Treatment exposure"]["rows"]]
    assert "Blinatumomab on study" not in labels  # needs administrations.csv
    assert "Received blinatumomab (in or off study)" in labels  # from patients.csv
