"""DistinctValues: per-row answers worked out once per distinct value, equal to row by row."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from minihcvd.clinical import DistinctColumns, DistinctValues

_CELLS = st.lists(
    st.one_of(st.none(), st.sampled_from(["S1", "S2", "S3+", "Y", "N", "ED", "CR"])),
    min_size=1,
    max_size=40,
)


@given(_CELLS)
def test_answers_match_row_by_row(cells: list[str | None]) -> None:
    column = pd.Series(cells, dtype="str")
    distinct = DistinctValues.of(column)
    present = [cell is not None for cell in cells]
    assert list(distinct.known()) == present
    wanted = {"S1", "CR"}
    assert list(distinct.isin(wanted)) == [cell in wanted for cell in cells]
    assert [distinct.values[code] if code >= 0 else None for code in distinct.codes] == cells


@given(_CELLS)
def test_mapped_relabels_and_drops_unlabelled(cells: list[str | None]) -> None:
    labels = {"Y": "Salvage 1", "N": "Salvage 2+", "S1": "Salvage 1"}
    mapped = DistinctValues.of(pd.Series(cells, dtype=object)).mapped(labels)
    assert mapped.values == sorted(set(labels[c] for c in cells if c in labels))
    got = [mapped.values[code] if code >= 0 else None for code in mapped.codes]
    assert got == [labels.get(cell) if cell is not None else None for cell in cells]


def test_arrays_are_hashed_as_they_are() -> None:
    """A boolean array keeps its booleans (no detour through objects)."""
    distinct = DistinctValues.of(np.array([True, False, True]))
    assert distinct.values == [True, False]
    assert list(distinct.each(["yes", "no"], "missing")) == ["yes", "no", "yes"]


def test_distinct_columns_hash_each_column_once(monkeypatch: object) -> None:
    """Asked twice for a column, DistinctColumns hashes it once and answers the same."""
    frame = pd.DataFrame({"cohort": ["original", "amended", None], "sex": ["M", "F", "F"]})
    hashed: list[str] = []
    original = DistinctValues.of.__func__  # type: ignore[attr-defined]

    def counting(cls: type[DistinctValues], column: pd.Series) -> DistinctValues:
        hashed.append(str(column.name))
        return original(cls, column)  # type: ignore[no-any-return]

    monkeypatch.setattr(DistinctValues, "of", classmethod(counting))  # type: ignore[attr-defined]
    columns = DistinctColumns(frame)
    first, again = columns["cohort"], columns["cohort"]
    assert first is again
    assert columns["sex"].values == ["M", "F"]
    assert hashed == ["cohort", "sex"]
    assert list(first.codes) == [0, 1, -1] and first.values == ["original", "amended"]
