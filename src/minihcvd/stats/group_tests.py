"""Tests comparing baseline characteristics and responses between groups (Tables 1 and 2).

The rule of R gtsummary's ``add_p()`` defaults, as the reference README states: categorical
variables by Pearson's chi-squared test without continuity correction, or Fisher's exact test
when an expected count is below 5; continuous variables by the Mann–Whitney U (Wilcoxon
rank-sum) test with R ``wilcox.test``'s choice of exact or normal approximation.

Fisher's test on any r×c table is exact, as R's ``fisher.test`` (the network algorithm, with
R's tolerances); a table too large for it gets R's documented alternative, a Monte Carlo p
with a stated number of replicates and seed, and a note saying so.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
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

#: R's fisher.test on a 2×2 table counts tables with P <= P(observed) (1 + 1e-7) as extreme;
FISHER_RELATIVE_TOLERANCE = 1e-7
#: on a larger one FEXACT's tolerance (the square root of the smallest relative spacing).
FEXACT_TOLERANCE = 3.45254e-7
#: Steps (column fillings looked at, partial tables carried) the exact enumeration may take
#: before R's Monte Carlo alternative is used instead: about a second.
MAX_EXACT_STEPS = 300_000
MONTE_CARLO_REPLICATES = 100_000
MONTE_CARLO_SEED = 20_230_123
#: Partial tables whose log-probabilities agree to 1e-9 are merged (far inside the tolerance).
MERGE_SCALE = 1e9
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
    return _fisher_p(table)


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
    return _fisher_p(table)


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


def _fisher_p(table: IntArray) -> GroupTestResult:
    """Fisher's exact test of an r×c table (no empty row or column), as R's ``fisher.test``.

    Exact by :func:`_fisher_network`; past ``MAX_EXACT_STEPS`` steps of it, R's
    ``simulate.p.value`` alternative with ``MONTE_CARLO_REPLICATES`` tables drawn with the
    observed margins (seed ``MONTE_CARLO_SEED``), and a note saying so.
    """
    if table.shape == (2, 2):
        return GroupTestResult("Fisher's exact", _fisher_network(table, FISHER_RELATIVE_TOLERANCE))
    try:
        return GroupTestResult(
            "Fisher's exact", _fisher_network(table, FEXACT_TOLERANCE, MAX_EXACT_STEPS)
        )
    except _TooLarge:
        pass
    return GroupTestResult(
        "Fisher's exact (Monte Carlo)",
        _fisher_monte_carlo(table),
        f"exact enumeration too large: Monte Carlo p from {MONTE_CARLO_REPLICATES:,} tables"
        f" with the observed margins (seed {MONTE_CARLO_SEED}), as R's"
        " fisher.test(simulate.p.value = TRUE)",
    )


def _fisher_network(table: IntArray, tolerance: float, max_steps: int | None = None) -> float:
    """Exact two-sided p: the sum of P(T) over tables T with the observed margins and
    P(T) <= P(observed) (1 + tolerance). Raises ``_TooLarge`` past ``max_steps`` steps
    (column fillings looked at and partial tables carried).

    The network algorithm of Mehta and Patel (R's FEXACT) on the table's columns, the longer
    side: a node is a column index and the multiset of row totals still to fill (the future
    depends on nothing else). Each node knows the most and the least probable completions
    (worked out once per node) and, in closed form, the total probability of all of them
    (Σ Π 1/x! = n!/(Π r! Π c!)); a partial table whose every completion is as extreme as the
    observed one adds that total, one none of whose completions is is dropped, and only the
    rest go on to the next column, merged with those of equal probability at the same node.
    """
    if table.shape[0] > table.shape[1]:
        table = table.T
    columns = np.sort(table.sum(axis=0))[::-1]  # large columns first: small futures
    n_columns = columns.size
    lf = log_factorials(int(table.sum()))
    log_const = float(lf[table.sum(axis=1)].sum() + lf[columns].sum() - lf[table.sum()])
    threshold = -float(lf[table].sum()) + np.log1p(tolerance)
    later = np.concatenate((np.cumsum(columns[::-1])[::-1], [0]))  # patients in columns j..
    steps = 0

    def step(count: int) -> None:
        nonlocal steps
        steps += count
        if max_steps is not None and steps > max_steps:
            raise _TooLarge

    @cache
    def fills(j: int, state: tuple[int, ...]) -> tuple[tuple[tuple[int, ...], float], ...]:
        """Each way to fill column j from the row totals ``state``: (next state, −Σ log x!)."""
        out = []
        for cells in _compositions(int(columns[j]), state):
            rest = tuple(sorted(s - x for s, x in zip(state, cells, strict=True)))
            out.append((rest, -float(lf[list(cells)].sum())))
        step(len(out))
        return tuple(out)

    @cache
    def extremes(j: int, state: tuple[int, ...]) -> tuple[float, float]:
        """Least and most of −Σ log x! over the completions of columns j.. from ``state``."""
        if j == n_columns:
            return 0.0, 0.0
        ends = [(value, *extremes(j + 1, rest)) for rest, value in fills(j, state)]
        return min(v + lo for v, lo, _ in ends), max(v + hi for v, _, hi in ends)

    def log_mass(j: int, state: tuple[int, ...]) -> float:
        return float(lf[later[j]] - lf[list(state)].sum() - lf[columns[j:]].sum())

    root = tuple(sorted(int(r) for r in table.sum(axis=1)))
    layer: dict[tuple[int, ...], tuple[FloatArray, FloatArray]] = {root: (np.zeros(1), np.ones(1))}
    p_value = 0.0
    for j in range(n_columns):
        pending: dict[tuple[int, ...], list[tuple[FloatArray, FloatArray]]] = {}
        for state, (past, weight) in layer.items():
            for rest, value in fills(j, state):
                paths = past + value
                least, most = extremes(j + 1, rest)
                all_extreme = paths + most <= threshold
                if all_extreme.any():
                    mass = log_const + log_mass(j + 1, rest)
                    p_value += float(
                        (weight[all_extreme] * np.exp(paths[all_extreme] + mass)).sum()
                    )
                open_ = ~all_extreme & (paths + least <= threshold)
                if open_.any():
                    pending.setdefault(rest, []).append((paths[open_], weight[open_]))
        layer = {}
        for rest, parts in pending.items():
            paths = np.concatenate([p for p, _ in parts])
            weights = np.concatenate([w for _, w in parts])
            keys, first, inverse = np.unique(
                np.round(paths * MERGE_SCALE), return_index=True, return_inverse=True
            )
            layer[rest] = (paths[first], np.bincount(inverse, weights=weights).astype(np.float64))
            step(keys.size)
    return min(1.0, p_value)


class _TooLarge(Exception):
    """The exact enumeration would take more than its budget of steps."""


def _compositions(total: int, bounds: tuple[int, ...]) -> Iterator[tuple[int, ...]]:
    """Column fillings: cells 0 <= x_i <= bounds_i summing to ``total`` (the row totals left
    then always have a completion: they sum to the later columns' total)."""

    def grow(i: int, remaining: int) -> Iterator[tuple[int, ...]]:
        if i == len(bounds) - 1:
            if remaining <= bounds[i]:
                yield (remaining,)
            return
        capacity = sum(bounds[i + 1 :])
        for x in range(max(0, remaining - capacity), min(bounds[i], remaining) + 1):
            for tail in grow(i + 1, remaining - x):
                yield (x, *tail)

    return grow(0, total)


def _fisher_monte_carlo(table: IntArray) -> float:
    """R's ``fisher.test(simulate.p.value = TRUE)``: (1 + #{simulated tables with
    −Σ log x! <= observed's}) / (B + 1), tables drawn with the observed margins (Patefield's
    algorithm, as R's ``r2dtable``)."""
    from scipy.stats import random_table  # only here: 0.4 s to import

    lf = log_factorials(int(table.sum()))
    draws = random_table(table.sum(axis=1), table.sum(axis=0)).rvs(
        MONTE_CARLO_REPLICATES, method="patefield", random_state=MONTE_CARLO_SEED
    )
    statistic = -lf[draws].sum(axis=(1, 2))
    observed = -float(lf[table].sum())
    almost_one = 1.0 + 64.0 * np.finfo(np.float64).eps
    extreme = int((statistic <= observed / almost_one).sum())
    return (1.0 + extreme) / (MONTE_CARLO_REPLICATES + 1.0)


def _finite(values: Any) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    finite: FloatArray = array[np.isfinite(array)]
    return finite
