"""``reproduction_table``: published value, default-seed value, range over seeds, flag."""

from __future__ import annotations

import math

import pytest

from minihcvd.cohort import measure_seed, published_targets, reproduction_table
from minihcvd.cohort.measures import results_value


class TestResultsValue:
    def test_nested_keys_and_row_selectors(self) -> None:
        """Dotted keys walk the document; rows[k=v] picks a table row."""
        doc = {"os": {"survival": {"36": {"estimate": 0.4}}},
               "table1": {"rows": [{"variable": "sex", "level": "M", "overall": {"count": 52}}]}}
        assert results_value(doc, "os.survival.36.estimate") == 0.4
        assert results_value(doc, "table1.rows[variable=sex,level=M].overall.count") == 52

    def test_missing_is_nan(self) -> None:
        """An absent key or a null is NaN, never an exception."""
        assert math.isnan(results_value({"os": None}, "os.median_months"))
        assert math.isnan(results_value({}, "table1.rows[variable=age].p"))


class TestReproductionTable:
    def test_range_and_flag(self) -> None:
        """The range is the 2.5-97.5% quantile over seeds; outside is flagged."""
        key = "os_median/overall"
        seeds = [{key: float(v)} for v in range(1, 41)]
        table = reproduction_table({key: 16.0}, seeds)
        row = next(r for r in table.rows if r.target.key == key)
        assert row.default_value == 16.0
        assert row.low == pytest.approx(1.975)
        assert row.high == pytest.approx(39.025)
        assert row.outside is False
        far = reproduction_table({}, [{key: 50.0}] * 5)
        assert next(r for r in far.rows if r.target.key == key).outside is True

    def test_without_seeds_no_flag(self) -> None:
        """With the default seed only, ranges are empty and nothing is flagged."""
        table = reproduction_table({}, [])
        assert all(r.outside is None for r in table.rows)
        assert len(table.to_frame()) == len(published_targets())

    def test_markdown_and_json(self) -> None:
        """The table renders as Markdown and JSON with one row per published number."""
        table = reproduction_table(measure_seed(5), [])
        lines = table.to_markdown().splitlines()
        assert len(lines) == len(published_targets()) + 2
        assert table.to_json_dict()["rows"][0]["id"] == "age_median"
