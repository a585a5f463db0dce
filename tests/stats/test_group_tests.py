"""compare_categorical / compare_continuous against R's chisq.test, fisher.test, wilcox.test."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.stats.oracle import ORACLE_DIR, RECORDED_DIR

from minihcvd.errors import AnalysisError
from minihcvd.stats import group_tests
from minihcvd.stats._distributions import log_factorials
from minihcvd.stats.group_tests import compare_categorical, compare_continuous

CASES = pd.read_csv(ORACLE_DIR / "group_tests.csv", keep_default_na=False)
EXPECTED_TESTS = {"chi2": "chi-squared", "fisher": "Fisher's exact", "wilcox": "Mann–Whitney U"}


def _numbers(text: str) -> list[float]:
    return [float(v) for v in text.split()]


def _run(case: pd.Series) -> group_tests.GroupTestResult:
    if case["kind"] == "table":
        return compare_categorical([_numbers(row) for row in case["first"].split("|")])
    return compare_continuous(_numbers(case["first"]), _numbers(case["second"]))


def _recorded(directory: Path) -> dict[str, float]:
    table = pd.read_csv(directory / "group_tests_p.csv")
    return dict(zip(table["case"], table["p"], strict=True))


class TestAgainstR:
    @pytest.mark.parametrize("index", range(len(CASES)))
    def test_p_value_equals_r(self, index: int) -> None:
        """Each case's p equals R's (recorded) and the test is the one the rule picks."""
        case = CASES.iloc[index]
        result = _run(case)
        assert result.p_value == pytest.approx(_recorded(RECORDED_DIR)[case["case"]], abs=1e-9)
        assert result.test == EXPECTED_TESTS[case["case"].split("_")[0]]

    @pytest.mark.r_oracle
    def test_recorded_p_values_are_r_now(self, tmp_path: Path) -> None:
        """Re-running group_tests.R reproduces the recorded p-values."""
        subprocess.run(
            ["Rscript", str(ORACLE_DIR / "group_tests.R"), str(ORACLE_DIR), str(tmp_path)],
            check=True,
            capture_output=True,
            timeout=60,
        )
        live, kept = _recorded(tmp_path), _recorded(RECORDED_DIR)
        assert live.keys() == kept.keys()
        np.testing.assert_allclose(list(live.values()), list(kept.values()), rtol=1e-12)


class TestRuleBoundaries:
    def test_too_large_a_table_gets_r_monte_carlo_with_note(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Past the exact budget: R's Monte Carlo alternative, within 4 SE of R's exact p,
        the same p on every run, and a note with the replicates and the seed."""
        monkeypatch.setattr(group_tests, "MAX_EXACT_STEPS", 5)
        case = CASES.set_index("case").loc["fisher_8x2"]
        table = [_numbers(row) for row in case["first"].split("|")]
        result = compare_categorical(table)
        exact = _recorded(RECORDED_DIR)["fisher_8x2"]
        replicates = group_tests.MONTE_CARLO_REPLICATES
        assert result.test == "Fisher's exact (Monte Carlo)"
        assert abs(result.p_value - exact) < 4 * np.sqrt(exact * (1 - exact) / replicates)
        assert compare_categorical(table) == result
        assert result.note == (
            f"exact enumeration too large: Monte Carlo p from {replicates:,} tables with the"
            f" observed margins (seed {group_tests.MONTE_CARLO_SEED}), as R's"
            " fisher.test(simulate.p.value = TRUE)"
        )

    def test_three_groups_with_small_counts_are_exact(self) -> None:
        """With three groups and small counts: Fisher's exact test of the 2×3 table."""
        result = compare_categorical([[1, 2, 3], [3, 2, 1]])
        assert result.test == "Fisher's exact"
        assert result.note is None

    def test_empty_level_is_dropped(self) -> None:
        """A level with no patients does not change the test."""
        full = compare_categorical([[31, 21], [36, 22]])
        padded = compare_categorical([[31, 21], [0, 0], [36, 22]])
        assert padded.p_value == full.p_value

    def test_one_level_is_an_error(self) -> None:
        """Everyone in one level: no test, one clear error."""
        with pytest.raises(AnalysisError, match="the table has 1 level"):
            compare_categorical([[10, 12]])

    def test_constant_values_are_an_error(self) -> None:
        """All values equal: the rank test has no variance."""
        with pytest.raises(AnalysisError, match="values that differ"):
            compare_continuous([1.0] * 60, [1.0] * 60)

    def test_missing_values_are_ignored(self) -> None:
        """NaN values are left out before ranking."""
        clean = compare_continuous([1, 2, 3], [4, 5, 6])
        assert compare_continuous([1, 2, np.nan, 3], [4, 5, 6, np.nan]) == clean


def _all_tables(rows: tuple[int, ...], columns: tuple[int, ...]) -> list[np.ndarray]:
    """Every table with these margins, by brute force (first column, then the rest)."""
    if len(columns) == 1:
        return [np.array(rows)[:, None]]
    tables = []
    for first in np.ndindex(*(r + 1 for r in rows)):
        if sum(first) == columns[0]:
            rest = tuple(r - x for r, x in zip(rows, first, strict=True))
            tables += [np.column_stack((first, t)) for t in _all_tables(rest, columns[1:])]
    return tables


@given(
    st.lists(st.lists(st.integers(0, 4), min_size=3, max_size=4), min_size=2, max_size=3).filter(
        lambda t: len({len(r) for r in t}) == 1
    )
)
def test_network_p_is_the_brute_force_sum(cells: list[list[int]]) -> None:
    """The network algorithm's p equals the sum over every table with the margins of those
    no more probable than the observed one (R's rule, its tolerance)."""
    table = np.array(cells)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if min(table.shape) < 2:
        return
    rows, columns = tuple(table.sum(axis=1)), tuple(table.sum(axis=0))
    lf = log_factorials(int(table.sum()))
    const = lf[list(rows)].sum() + lf[list(columns)].sum() - lf[table.sum()]
    log_p = np.array([const - lf[t].sum() for t in _all_tables(rows, columns)])
    observed = const - lf[table].sum()
    tolerance = group_tests.FEXACT_TOLERANCE
    brute = np.exp(log_p[log_p <= observed + np.log1p(tolerance)]).sum()
    assert group_tests._fisher_network(table, tolerance) == pytest.approx(brute, abs=1e-12)


@given(
    st.lists(
        st.one_of(st.sampled_from([0.0, -0.0, 1.5, 2.0, -3.25]), st.floats(-1e6, 1e6)),
        min_size=1,
        max_size=60,
    )
)
def test_average_ranks_are_scipys_and_ties_are_counted(values: list[float]) -> None:
    """Mid-ranks equal scipy's rankdata (average); tie sizes are np.unique's counts."""
    from scipy.stats import rankdata

    from minihcvd.stats.group_tests import _average_ranks

    array = np.array(values, dtype=np.float64)
    ranks, tie_sizes = _average_ranks(array)
    np.testing.assert_array_equal(ranks, rankdata(array, method="average"))
    np.testing.assert_array_equal(tie_sizes, np.unique(array, return_counts=True)[1])


def test_average_ranks_put_a_nan_last_as_a_sort_does() -> None:
    """Callers drop non-finite values; a NaN that got through ranks last, once, not first."""
    from minihcvd.stats.group_tests import _average_ranks

    ranks, tie_sizes = _average_ranks(np.array([2.0, np.nan, 1.0, np.nan]))
    np.testing.assert_array_equal(ranks, [2.0, 3.5, 1.0, 3.5])
    np.testing.assert_array_equal(tie_sizes, [1, 1, 2])
