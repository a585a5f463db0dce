"""Tests comparing baseline characteristics and responses between groups (Tables 1 and 2).

The rule of R gtsummary's ``add_p()`` defaults, as the reference README states: categorical
variables by Pearson's chi-squared test without continuity correction, or Fisher's exact test
when an expected count is below 5; continuous variables by the Mann–Whitney U (Wilcoxon
rank-sum) test with R ``wilcox.test``'s choice of exact or normal approximation.

Fisher's test on a table larger than 2×2 with two groups is exact too: every table with the
observed margins is enumerated (R's ``fisher.test`` p with its 1e-7 relative tolerance), as
long as there are at most ``MAX_EXACT_TABLES`` of them. Beyond that (or with more than two
groups) the chi-squared p is given with a note saying why, never a random Monte Carlo p.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from minihcvd.errors import AnalysisError
from minihcvd.stats._checks import FloatArray, IntArray
from minihcvd.stats._distributions import chi2_sf, log_factorials, two_sided_normal_p

__all__ = [
    "GroupTestResult",
    "compare_categorical",
    "compare_continuous",
    "fisher_exact",
    "pearson_chi_squared",
]

MAX_EXACT_TABLES = 1_000_000
#: R's fisher.test counts tables with probability <= observed * (1 + 1e-7) as as extreme.
FISHER_RELATIVE_TOLERANCE = 1e-7
#: R's wilcox.test uses the exact distribution below 50 per group when there are no ties.
WILCOXON_EXACT_LIMIT = 50


@dataclass(frozen=True)
class GroupTestResult:
    """A p-value with the test that produced it and, when the rule had to bend, why."""

    test: str
    p_value: float
    note: str | None = None


def compare_categorical(counts: Any) -> GroupTestResult:
    """Test a (levels × groups) table of counts: chi-squared, or Fisher when expected < 5."""
    table = np.asarray(counts, dtype=np.int64)
    if table.ndim != 2 or np.any(table < 0):
        raise AnalysisError("a contingency table must be a 2-D array of non-negative counts")
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if table.shape[0] < 2 or table.shape[1] < 2:
        raise AnalysisError(
            "a categorical comparison needs two levels observed in two groups;"
            f" the table has {table.shape[0]} level(s) and {table.shape[1]} group(s)"
        )
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    chi_squared = _pearson(table, expected)
    if expected.min() >= 5:
        return GroupTestResult("chi-squared", chi_squared)
    if table.shape[1] != 2:
        return GroupTestResult(
            "chi-squared",
            chi_squared,
            "expected count < 5 but more than two groups: chi-squared p, not Fisher's",
        )
    n_tables = _count_tables(table[:, 0].sum(), table.sum(axis=1))
    if n_tables > MAX_EXACT_TABLES:
        return GroupTestResult(
            "chi-squared",
            chi_squared,
            f"expected count < 5 but {n_tables:,} tables to enumerate: chi-squared p",
        )
    return GroupTestResult("Fisher's exact", _fisher_two_groups(table))


def fisher_exact(counts: Any) -> GroupTestResult:
    """Two-sided Fisher's exact test of a (levels × 2 groups) table, as R's ``fisher.test``.

    For comparisons the paper makes by Fisher's test whatever the expected counts (SOS, early
    death by protocol version); levels nobody has are dropped, as R's test ignores them.
    """
    table = np.asarray(counts, dtype=np.int64)
    if table.ndim != 2 or table.shape[1] != 2 or np.any(table < 0):
        raise AnalysisError("Fisher's exact test needs a (levels × 2) table of non-negative counts")
    if np.any(table.sum(axis=0) == 0):
        raise AnalysisError("Fisher's exact test needs patients in both groups")
    table = table[table.sum(axis=1) > 0]
    if table.shape[0] < 2:
        return GroupTestResult("Fisher's exact", 1.0)
    return GroupTestResult("Fisher's exact", _fisher_two_groups(table))


def pearson_chi_squared(counts: Any) -> GroupTestResult:
    """Pearson's chi-squared test without continuity correction (R ``chisq.test(correct =
    FALSE)``), whatever the expected counts: the paper's P for SOS and early death is this one."""
    table = np.asarray(counts, dtype=np.int64)
    if table.ndim != 2 or np.any(table < 0):
        raise AnalysisError("a contingency table must be a 2-D array of non-negative counts")
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if table.shape[0] < 2 or table.shape[1] < 2:
        raise AnalysisError("the chi-squared test needs two levels observed in two groups")
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    return GroupTestResult("chi-squared", _pearson(table, expected))


def compare_continuous(first: Any, second: Any) -> GroupTestResult:
    """Two-sided Mann–Whitney U test (Wilcoxon rank-sum) as R's ``wilcox.test`` does it.

    Exact when both groups have fewer than 50 values and there are no ties; otherwise the
    normal approximation with tie correction and continuity correction.
    """
    x = _finite(first)
    y = _finite(second)
    if x.size == 0 or y.size == 0:
        raise AnalysisError("the Mann–Whitney U test needs a value in each group")
    ranks, tie_sizes = _average_ranks(np.concatenate((x, y)))
    statistic = float(ranks[: x.size].sum() - x.size * (x.size + 1) / 2.0)
    exact = x.size < WILCOXON_EXACT_LIMIT and y.size < WILCOXON_EXACT_LIMIT
    if exact and tie_sizes.max() == 1:
        return GroupTestResult("Mann–Whitney U", _exact_u_p(statistic, x.size, y.size))
    return GroupTestResult("Mann–Whitney U", _normal_u_p(statistic, x.size, y.size, tie_sizes))


def _average_ranks(values: FloatArray) -> tuple[FloatArray, IntArray]:
    """Mid-ranks of finite ``values`` and the sizes of its groups of ties.

    The values are hashed into their distinct ones, and only those are sorted: a baseline
    column of 200,000 patients has a few hundred distinct values (3x faster than sorting it).
    """
    # + 0.0: -0.0 is 0.0, one value as in a sort; a NaN (callers drop them) one value, last
    codes, distinct = pd.factorize(values + 0.0, use_na_sentinel=False)
    rank_of = np.empty(distinct.size, dtype=np.intp)
    rank_of[np.argsort(distinct, kind="stable")] = np.arange(distinct.size)
    inverse = rank_of[codes]  # each value's place among the sorted distinct values
    counts = np.bincount(inverse, minlength=distinct.size)
    upper = np.cumsum(counts)
    mid_rank: FloatArray = (upper - (counts - 1) / 2.0)[inverse]
    return mid_rank, counts.astype(np.int64)


def _exact_u_p(statistic: float, n: int, m: int) -> float:
    """R's exact two-sided p: twice the smaller tail of U's distribution, capped at 1."""
    # counts of U = 0..n*m are the coefficients of the Gaussian binomial [n+m choose n]_q
    counts = np.zeros(n * m + 1)
    counts[0] = 1.0
    for i in range(1, n + 1):
        shifted = np.zeros_like(counts)
        shifted[m + i :] = counts[: counts.size - (m + i)]
        counts = counts - shifted  # times (1 - q^(m+i))
        for start in range(i):  # divided by (1 - q^i): running sums with lag i
            counts[start::i] = np.cumsum(counts[start::i])
    cdf = np.cumsum(counts) / counts.sum()
    u = round(statistic)
    lower = cdf[u]
    upper = 1.0 - (cdf[u - 1] if u > 0 else 0.0)
    return float(min(1.0, 2.0 * min(lower, upper)))


def _normal_u_p(statistic: float, n: int, m: int, tie_sizes: IntArray) -> float:
    """Normal approximation with tie and continuity corrections (``correct = TRUE``)."""
    total = n + m
    centred = statistic - n * m / 2.0
    ties = float((tie_sizes**3 - tie_sizes).sum())
    sigma = np.sqrt(n * m / 12.0 * ((total + 1) - ties / (total * (total - 1))))
    if sigma == 0:
        raise AnalysisError("the Mann–Whitney U test needs values that differ")
    z = (centred - np.sign(centred) * 0.5) / sigma
    return float(min(1.0, two_sided_normal_p(z)[0]))


def _pearson(table: IntArray, expected: FloatArray) -> float:
    statistic = float(((table - expected) ** 2 / expected).sum())
    df = (table.shape[0] - 1) * (table.shape[1] - 1)
    return chi2_sf(statistic, df)


def _log_choose(log_factorial: FloatArray, n: Any, k: Any) -> FloatArray:
    result: FloatArray = log_factorial[n] - log_factorial[k] - log_factorial[n - k]
    return result


def _count_tables(first_column_total: int, row_totals: IntArray) -> int:
    """Number of first columns with the given total and row bounds (a small DP over sums)."""
    ways = np.zeros(first_column_total + 1, dtype=np.float64)
    ways[0] = 1.0
    for bound in row_totals:
        cumulative = np.concatenate(([0.0], np.cumsum(ways)))
        upper = np.arange(first_column_total + 1) + 1
        lower = np.maximum(upper - int(bound) - 1, 0)
        ways = cumulative[upper] - cumulative[lower]
    return int(ways[first_column_total])


def _fisher_two_groups(table: IntArray) -> float:
    """Exact p of a (levels × 2) table: sum of P(T) over tables no more probable than observed.

    Partial first columns are grown level by level, keeping only those that can still reach
    the column total; the largest level comes last, where its count is determined.
    """
    table = table[np.argsort(table.sum(axis=1), kind="stable")]
    rows = table.sum(axis=1)
    total = int(table[:, 0].sum())
    lf = log_factorials(int(rows.sum()))
    remaining = np.concatenate((np.cumsum(rows[::-1])[::-1][1:], [0]))
    sums = np.zeros(1, dtype=np.int64)
    log_p = np.zeros(1)
    for bound, left in zip(rows[:-1], remaining[:-1], strict=True):
        x = np.arange(int(bound) + 1)
        new_sums = (sums[:, None] + x[None, :]).ravel()
        new_log_p = (log_p[:, None] + _log_choose(lf, bound, x)[None, :]).ravel()
        feasible = (new_sums <= total) & (new_sums >= total - left)
        sums, log_p = new_sums[feasible], new_log_p[feasible]
    log_p = log_p + _log_choose(lf, rows[-1], total - sums)
    observed = float(_log_choose(lf, rows, table[:, 0]).sum())
    log_norm = float(_log_choose(lf, rows.sum(), total))
    extreme = log_p <= observed + np.log1p(FISHER_RELATIVE_TOLERANCE)
    return float(min(1.0, np.exp(log_p[extreme] - log_norm).sum()))


def _finite(values: Any) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    finite: FloatArray = array[np.isfinite(array)]
    return finite
