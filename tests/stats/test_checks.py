"""Input checks shared by the survival fitters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minihcvd.errors import AnalysisError
from minihcvd.stats._checks import check_labels

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
