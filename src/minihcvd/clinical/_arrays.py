"""Coercion of rule inputs to NumPy arrays, shared by the vectorised clinical rules.

Rules take anything array-like (lists, NumPy arrays, pandas Series with nullable dtypes) so the
same function serves one patient at a bedside and 200,000 in an analysis.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from minihcvd.errors import ClinicalRuleError

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
DateArray = npt.NDArray[np.datetime64]

_DAY = np.timedelta64(1, "D")

#: Days in a month for reporting durations in months (the mean Gregorian month; the reference
#: README's convention, months = days / 30.4375). Every layer converts with this one value.
DAYS_PER_MONTH = 30.4375


def as_float(values: Any, *, name: str, minimum: float | None = None) -> FloatArray:
    """Float array with NaN for missing; a value below ``minimum`` is a rule error."""
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    array = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    if minimum is not None and bool(np.any(array < minimum)):
        raise ClinicalRuleError(
            f"{name} must be >= {minimum:g}; found {np.nanmin(array):g}", field=name
        )
    return array


def as_flag(values: Any) -> tuple[BoolArray, BoolArray]:
    """(value, known) boolean arrays from booleans with missing entries."""
    series = (values if isinstance(values, pd.Series) else pd.Series(values)).astype("boolean")
    known = series.notna().to_numpy(dtype=bool)
    return series.fillna(False).to_numpy(dtype=bool), known


def as_dates(values: Any) -> DateArray:
    """datetime64[D] array with NaT for missing."""
    return pd.to_datetime(pd.Series(values), errors="raise").to_numpy(dtype="datetime64[D]")


def study_day(start: DateArray, date: DateArray) -> FloatArray:
    """ADaM duration in days, ``date - start + 1`` (NaN where either is missing)."""
    days = (date - start) / _DAY + 1.0
    return np.asarray(days, dtype=np.float64)


def text_equals(column: pd.Series, text: str) -> BoolArray:
    """Rows of a text column equal to ``text`` (missing: not equal), as a boolean array.

    A ``str`` column is compared on its objects (its missing cells are NaN, never equal): 2.5x
    faster than its own ``==``, which first checks every cell for missing.
    """
    if str(column.dtype) == "str":
        return np.asarray(column.to_numpy() == text, dtype=bool)
    return column.eq(text).to_numpy(dtype=bool, na_value=False)


def with_missing(values: npt.NDArray[Any], known: BoolArray) -> npt.NDArray[np.object_]:
    """Object array of ``values`` with ``None`` where not ``known``."""
    result = values.astype(object)
    result[~known] = None
    return result


@dataclass(frozen=True)
class DistinctValues:
    """A column as codes into its distinct values (-1: missing), from one hash pass.

    Whatever is asked of the values is worked out once per distinct value and looked up for
    each row: at 10^5 rows with a few distinct values, far cheaper than comparing every row.
    """

    codes: npt.NDArray[np.intp]
    values: list[Any]

    @classmethod
    def of(cls, column: Any) -> DistinctValues:
        """Hash ``column`` (a Series or array as it is; anything else as objects)."""
        if not isinstance(column, pd.Series | np.ndarray | pd.api.extensions.ExtensionArray):
            column = pd.Series(column, dtype=object)
        if str(column.dtype) == "str":
            # its objects as they are (missing: NaN): pandas' own factorize of a text column
            # first re-checks every cell for missing, which doubles the time
            column = column.to_numpy()
        codes, uniques = pd.factorize(column)
        return cls(np.asarray(codes, dtype=np.intp), list(uniques))

    def texts(self) -> DistinctValues:
        """The same rows, each distinct value as its text (``str``), as tables show them."""
        return DistinctValues(self.codes, [str(value) for value in self.values])

    def known(self) -> BoolArray:
        """Rows with a value."""
        return np.asarray(self.codes >= 0)

    def each(self, answers: Sequence[Any], missing: Any) -> npt.NDArray[Any]:
        """``answers[i]`` (one per distinct value) for each row; ``missing`` where it has none."""
        per_row: npt.NDArray[Any] = np.array([*answers, missing])[self.codes]  # -1: the last
        return per_row

    def isin(self, wanted: Collection[Any]) -> BoolArray:
        """Rows whose value is one of ``wanted`` (False where missing)."""
        return np.asarray(self.each([value in wanted for value in self.values], False), dtype=bool)

    def mapped(self, labels: Mapping[Any, str]) -> DistinctValues:
        """The values renamed by ``labels``: the new values are its distinct labels, sorted; a
        value it has no label for becomes missing."""
        names = sorted({labels[value] for value in self.values if value in labels})
        lookup = [names.index(labels[value]) if value in labels else -1 for value in self.values]
        return DistinctValues(self.each(lookup, -1).astype(np.intp), names)


class DistinctColumns:
    """:class:`DistinctValues` of a frame's columns, each hashed on first use and then kept.

    An analysis groups the same patients by the same columns several times (the curves, Tables
    1 and 2, the Cox models); at 200,000 patients a text column takes 10 ms to hash. The frame
    must not change while this is in use.
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self._hashed: dict[str, DistinctValues] = {}

    def __getitem__(self, name: str) -> DistinctValues:
        if name not in self._hashed:
            self._hashed[name] = DistinctValues.of(self.frame[name])
        return self._hashed[name]
