"""Input checks shared by the survival fitters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from minihcvd.errors import AnalysisError
from minihcvd.stats._checks import check_labels, search_sorted, stable_argsort, unique_times

_LABELS = st.one_of(
    st.lists(st.booleans(), min_size=1, max_size=40),
    st.lists(st.integers(-3, 12), min_size=1, max_size=40),
    st.lists(st.sampled_from(["S1", "S2", "S3+", "amended", "original"]), min_size=1, max_size=40),
)


@given(_LABELS)
def test_levels_are_the_sorted_texts_of_the_labels(labels: list[object]) -> None:
    """Levels are the distinct label texts, sorted as text (10 after 2 is "10" < "2"), and
    each subject's code points at its own label's text — whatever the labels' type."""
    values = np.array(labels)
    levels, codes = check_labels(values, len(labels))
    texts = pd.Series(values, dtype=object).astype(str).to_numpy()
    assert levels == sorted(set(texts))
    assert [levels[code] for code in codes] == list(texts)
    assert codes.dtype == np.int64


@pytest.mark.parametrize("missing", [None, float("nan")])
def test_a_missing_label_is_an_error(missing: object) -> None:
    """A subject without a group is named as an error, never a group of its own."""
    with pytest.raises(AnalysisError, match="missing labels"):
        check_labels(np.array(["a", missing, "b"], dtype=object), 3)


_DAYS = st.lists(
    st.one_of(st.integers(0, 70_000).map(float), st.floats(-5, 5), st.just(0.5)),
    min_size=1,
    max_size=3000,
)


@given(_DAYS)
def test_stable_argsort_is_numpys(values: list[float]) -> None:
    """The radix path (whole days 0..65535) and the general one give NumPy's permutation."""
    times = np.array(values)
    assert np.array_equal(stable_argsort(times), np.argsort(times, kind="stable"))
    days = np.floor(np.abs(times)) % 65536
    assert np.array_equal(stable_argsort(days), np.argsort(days, kind="stable"))


_SIDES = st.sampled_from(["left", "right"])


@given(_DAYS, st.lists(st.integers(0, 3000), min_size=1, max_size=50), _SIDES)
@example([float(day) for day in range(1500)], [0, 10, 700, 1400, 3000], "right")
def test_search_sorted_is_numpys(values: list[float], grid: list[int], side: str) -> None:
    """The table path (many whole numbers in a narrow range) and the general one give
    NumPy's indices, for values inside and outside the sorted array's range."""
    times = np.unique(np.array(grid, dtype=float))
    for candidate in (np.array(values), np.floor(np.abs(np.array(values) * 3)) % 4000):
        many = np.tile(candidate, 1 + 2048 // candidate.size)
        expected = np.searchsorted(times, many, side=side)  # type: ignore[call-overload]
        assert np.array_equal(search_sorted(times, many, side), expected)  # type: ignore[arg-type]


@given(_DAYS)
def test_unique_times_is_numpys(values: list[float]) -> None:
    times = np.array(values)
    expected = np.unique(times, return_inverse=True, return_counts=True)
    for got, want in zip(unique_times(times), expected, strict=True):
        assert np.array_equal(got, want.reshape(-1))
