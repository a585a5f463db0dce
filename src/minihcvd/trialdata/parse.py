"""Turn a file's raw text cells into typed columns, collecting every bad cell as a problem.

Each column is parsed in one vectorised step; the rows that fail are found with a boolean mask
and only they become :class:`~minihcvd.errors.TrialDataError` objects. Rows are numbered from 1
for the first data row (the header is not counted), as in the rest of the project.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from minihcvd.errors import TrialDataError
from minihcvd.trialdata.schema import ColumnSpec, FileSpec

__all__ = ["DATE_FORMAT", "parse_file", "problems_at"]

DATE_FORMAT = "%Y-%m-%d"
_BOOLEANS = {"true": True, "false": False}

# A parser gets the cell text and the empty mask; it returns values and the bad-cell mask.
Parser = Callable[[pd.Series, pd.Series, ColumnSpec], tuple[pd.Series, pd.Series]]


def problems_at(
    mask: pd.Series,
    message: str,
    *,
    file: str,
    field: str,
    values: pd.Series | None = None,
) -> list[TrialDataError]:
    """One problem per True row of ``mask``; ``{value}`` in ``message`` is that row's value."""
    rows = np.flatnonzero(mask.to_numpy(dtype=bool, na_value=False))
    found = [""] * rows.size if values is None else values.iloc[rows].astype("str").tolist()
    return [
        TrialDataError(message.format(value=value), file=file, row=int(row) + 1, field=field)
        for row, value in zip(rows, found, strict=True)
    ]


def _text(text: pd.Series, empty: pd.Series, spec: ColumnSpec) -> tuple[pd.Series, pd.Series]:
    return text.where(~empty), pd.Series(False, index=text.index)


def _code(text: pd.Series, empty: pd.Series, spec: ColumnSpec) -> tuple[pd.Series, pd.Series]:
    return text.where(~empty), ~empty & ~text.isin(spec.codes)


def _date(text: pd.Series, empty: pd.Series, spec: ColumnSpec) -> tuple[pd.Series, pd.Series]:
    values = pd.to_datetime(text.where(~empty), format=DATE_FORMAT, errors="coerce")
    # the parser also takes unpadded dates (2020-1-5); the format is YYYY-MM-DD, 10 characters
    bad = ~empty & (values.isna() | text.str.len().ne(len("YYYY-MM-DD")))
    return values.where(~bad), bad


def _bool(text: pd.Series, empty: pd.Series, spec: ColumnSpec) -> tuple[pd.Series, pd.Series]:
    values = text.str.lower().map(_BOOLEANS).astype("boolean")
    return values, ~empty & values.isna()


def _number(text: pd.Series, empty: pd.Series, spec: ColumnSpec) -> tuple[pd.Series, pd.Series]:
    values = pd.to_numeric(text.where(~empty), errors="coerce").astype("float64")
    bad = ~empty & ~np.isfinite(values)
    if spec.kind == "int":
        bad |= ~empty & (values % 1 != 0)
    if spec.minimum is not None:
        bad |= values < spec.minimum
    if spec.maximum is not None:
        bad |= values > spec.maximum
    if spec.kind == "int":
        return values.where(~bad).astype("Int64"), bad
    return values.where(~bad), bad


_PARSERS: dict[str, Parser] = {
    "id": _text,
    "text": _text,
    "code": _code,
    "date": _date,
    "bool": _bool,
    "int": _number,
    "float": _number,
}


def _expected(spec: ColumnSpec) -> str:
    if spec.kind == "code":
        return "one of " + ", ".join(spec.codes)
    if spec.kind == "date":
        return "a date YYYY-MM-DD"
    if spec.kind == "bool":
        return "true or false"
    noun = "a whole number" if spec.kind == "int" else "a number"
    bounds = [f">= {spec.minimum:g}"] if spec.minimum is not None else []
    bounds += [f"<= {spec.maximum:g}"] if spec.maximum is not None else []
    return f"{noun} {' and '.join(bounds)}".strip()


def _extra(text: pd.Series, empty: pd.Series) -> pd.Series:
    """An undeclared column: numbers if all filled cells are numbers, else booleans, else text."""
    numbers = pd.to_numeric(text.where(~empty), errors="coerce")
    if bool(numbers.notna().eq(~empty).all()) and bool((~empty).any()):
        return numbers.astype("float64")
    flags = text.str.lower().map(_BOOLEANS).astype("boolean")
    if bool(flags.notna().eq(~empty).all()) and bool((~empty).any()):
        return flags
    return text.where(~empty)


def parse_file(raw: pd.DataFrame, spec: FileSpec) -> tuple[pd.DataFrame, list[TrialDataError]]:
    """Typed columns of ``raw`` (all text) and the problems found in them."""
    problems = [
        TrialDataError(
            f"required column '{column.name}' is missing", file=spec.name, field=column.name
        )
        for column in spec.columns
        if column.required and column.name not in raw.columns
    ]
    typed: dict[str, pd.Series] = {}
    for name in raw.columns:
        text = raw[name]
        empty = text == ""
        column = spec.column(name)
        if column is None:
            typed[name] = _extra(text, empty)
            continue
        values, bad = _PARSERS[column.kind](text, empty, column)
        message = f"expected {_expected(column)}, found '{{value}}'"
        problems += problems_at(bad, message, file=spec.name, field=name, values=text)
        if column.required_value:
            problems += problems_at(empty, "a value is required", file=spec.name, field=name)
        typed[name] = values
    return pd.DataFrame(typed, index=raw.index), problems
