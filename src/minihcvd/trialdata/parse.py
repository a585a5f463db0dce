"""Turn a file's raw text cells into typed columns, collecting every bad cell as a problem.

Each column is parsed in one vectorised step; the rows that fail are found with a boolean mask
and only they become :class:`~minihcvd.errors.TrialDataError` objects. Rows are numbered from 1
for the first data row (the header is not counted), as in the rest of the project.

A plain file (see :func:`minihcvd.trialdata.io`) arrives as :class:`PlainCells`, the bytes of
each column's cells: dates, numbers, flags and codes in their usual form are converted from those
bytes with NumPy, without a Python string per cell. A column with any cell out of that usual form
(a bad value, ``1e3``, ``TRUE ``…) goes through the general text parser instead, so values and
problems are the same either way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from minihcvd.errors import TrialDataError
from minihcvd.trialdata.schema import ColumnSpec, FileSpec

__all__ = [
    "DATE_FORMAT",
    "PlainCells",
    "by_column",
    "parse_file",
    "parse_plain",
    "problems_at",
]

DATE_FORMAT = "%Y-%m-%d"
#: From this many rows the columns of a plain file are converted on two threads: the work is
#: NumPy's on whole columns, which releases the GIL (about 25% less time at 200,000 rows).
THREADED_MIN_ROWS = 50_000
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
    if not rows.size:
        return []
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
    return _checked_number(values, empty, spec)


def _checked_number(
    values: pd.Series, empty: pd.Series, spec: ColumnSpec
) -> tuple[pd.Series, pd.Series]:
    """Bad cells of a parsed number column (not finite, not whole, out of range) set missing."""
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
    return _parse_columns(spec, list(raw.columns), raw.index, raw.__getitem__, {})


def parse_plain(
    columns: Mapping[str, PlainCells], spec: FileSpec
) -> tuple[pd.DataFrame, list[TrialDataError]]:
    """:func:`parse_file` for the cells of a plain file, column name to cells, in file order."""
    rows = next(iter(columns.values())).lengths.size
    index = pd.RangeIndex(rows)

    def text(name: str) -> pd.Series:
        return pd.Series(pd.array(columns[name].strings(), dtype="str"), index=index)

    return _parse_columns(spec, list(columns), index, text, columns)


def _parse_columns(
    spec: FileSpec,
    names: list[str],
    index: pd.Index,
    text_of: Callable[[str], pd.Series],
    cells_of: Mapping[str, PlainCells],
) -> tuple[pd.DataFrame, list[TrialDataError]]:
    problems = [
        TrialDataError(
            f"required column '{column.name}' is missing", file=spec.name, field=column.name
        )
        for column in spec.columns
        if column.required and column.name not in names
    ]
    typed: dict[str, pd.Series] = {}

    def fast_of(name: str) -> _FastResult | None:
        column, cells = spec.column(name), cells_of.get(name)
        return None if column is None or cells is None else _FAST[column.kind](cells, column)

    fast_results = by_column(fast_of, names, rows=len(index) if cells_of else 0)
    for name, fast in zip(names, fast_results, strict=True):
        column = spec.column(name)
        text: pd.Series | None = None
        if fast is None:
            text = text_of(name)
            empty = text == ""
            if column is None:
                typed[name] = _extra(text, empty)
                continue
            values, bad = _PARSERS[column.kind](text, empty, column)
        else:
            values, bad, empty = fast
        # for mypy: a column that is not in the spec has no fast parser (by_column gives None);
        # under -O nothing is checked less (bandit B101)
        assert column is not None  # nosec B101
        if bool(bad.any()):
            message = f"expected {_expected(column)}, found '{{value}}'"
            shown = text_of(name) if text is None else text
            problems += problems_at(bad, message, file=spec.name, field=name, values=shown)
        if column.required_value:
            problems += problems_at(empty, "a value is required", file=spec.name, field=name)
        typed[name] = values
    # the columns are this function's own: a frame of them needs no copy (CoW guards the rest)
    return pd.DataFrame(typed, index=index, copy=False), problems


Item = TypeVar("Item")
Result = TypeVar("Result")


def by_column(
    convert: Callable[[Item], Result], columns: Iterable[Item], *, rows: int
) -> list[Result]:
    """``[convert(c) for c in columns]``, on two threads from ``THREADED_MIN_ROWS`` rows."""
    if rows < THREADED_MIN_ROWS:
        return [convert(column) for column in columns]
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="minihcvd-columns") as pool:
        return list(pool.map(convert, columns))


# --- plain files: cells as bytes -------------------------------------------------------------

_DIGITS_OF_DATE = [0, 1, 2, 3, 5, 6, 8, 9]
# dates outside these years take the general parser (its resolution and bounds decide there)
_FIRST_YEAR, _LAST_YEAR = 1800, 2199
#: exact powers of ten: a mantissa of at most 15 digits divided by one is correctly rounded,
#: as the text parser's result is
_POWERS_OF_TEN = np.array([float(10**k) for k in range(16)])
_MAX_DIGITS = 15
_US_PER_DAY = 86_400_000_000
#: Days from 1970-01-01 to the first of each month of _FIRST_YEAR.._LAST_YEAR (and the month
#: after), and each month's length: a lookup is 9x faster than NumPy's month-to-day conversion
_MONTH_STARTS = (
    np.arange((_LAST_YEAR - _FIRST_YEAR + 1) * 12 + 1) + (_FIRST_YEAR - 1970) * 12
).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
_MONTH_LENGTHS = np.diff(_MONTH_STARTS)
_FastResult = tuple[pd.Series, pd.Series, pd.Series]
_KEY_BYTES = 8


def _key(text: bytes) -> np.uint64:
    """:meth:`PlainCells.keys` of a cell holding ``text`` (at most 8 bytes)."""
    return np.uint64(int.from_bytes(text.ljust(_KEY_BYTES, b"\0"), "little"))


@dataclass(frozen=True)
class PlainCells:
    """The cells of one column of a plain file (ASCII, no NUL): each cell's first bytes, to the
    width of the widest cell (``window``, rows x width; past a cell's ``lengths`` come the bytes
    that follow it in the file, or zeros)."""

    window: npt.NDArray[np.uint8]
    lengths: npt.NDArray[np.intp]

    def inside(self) -> npt.NDArray[np.bool_]:
        """Which bytes of ``window`` belong to the cell."""
        return np.arange(self.window.shape[1]) < self.lengths[:, None]

    def equals(self, text: bytes) -> npt.NDArray[np.bool_]:
        """Cells that are exactly ``text``."""
        if len(text) > self.window.shape[1]:
            return np.zeros(self.lengths.size, dtype=bool)
        expected = np.frombuffer(text, dtype=np.uint8)
        same = (self.window[:, : len(text)] == expected).all(axis=1)
        return np.asarray((self.lengths == len(text)) & same, dtype=bool)

    def keys(self, window: npt.NDArray[np.uint8] | None = None) -> npt.NDArray[np.uint64]:
        """Each cell's first 8 bytes as one number (zeros past its end), to compare cells with
        short texts at once (in ``window``, a transformed copy, if given)."""
        window = self.window if window is None else window
        width = min(window.shape[1], _KEY_BYTES)
        part = np.zeros((self.lengths.size, _KEY_BYTES), dtype=np.uint8)
        part[:, :width] = window[:, :width]
        part *= np.arange(_KEY_BYTES) < self.lengths[:, None]
        return part.view("<u8").reshape(-1)

    def strings(self) -> npt.NDArray[np.object_]:
        """The cells as Python strings, as the CSV parser gives them."""
        width = self.window.shape[1]
        if width == 0:
            return np.full(self.lengths.size, "", dtype=object)
        # ASCII: each byte is its code point
        code_points = (self.window * self.inside()).astype(np.uint32)
        return code_points.view(f"U{width}").reshape(-1).astype(object)


def _fast_text(cells: PlainCells, spec: ColumnSpec) -> _FastResult:
    empty = cells.lengths == 0
    strings = cells.strings()
    strings[empty] = np.nan
    return (
        pd.Series(pd.array(strings, dtype="str")),
        pd.Series(np.zeros(empty.size, dtype=bool)),
        pd.Series(empty),
    )


def _fast_code(cells: PlainCells, spec: ColumnSpec) -> _FastResult | None:
    if not all(code and code.isascii() for code in spec.codes):
        return None
    which = np.full(cells.lengths.size, len(spec.codes), dtype=np.intp)
    if max(len(code) for code in spec.codes) <= _KEY_BYTES:
        keys = cells.keys()
        short = cells.lengths <= _KEY_BYTES
        for number, code in enumerate(spec.codes):
            which[(keys == _key(code.encode("ascii"))) & short] = number
    else:
        for number, code in enumerate(spec.codes):
            which[cells.equals(code.encode("ascii"))] = number
    empty = cells.lengths == 0
    if bool(np.any((which == len(spec.codes)) & ~empty)):
        return None  # a cell that is not a code: the general parser reports it
    choices = pd.array([*spec.codes, np.nan], dtype="str")
    return (
        pd.Series(choices.take(which)),
        pd.Series(np.zeros(empty.size, dtype=bool)),
        pd.Series(empty),
    )


def _fast_date(cells: PlainCells, spec: ColumnSpec) -> _FastResult | None:
    empty = cells.lengths == 0
    filled = ~empty
    if not filled.any() or cells.window.shape[1] < len("YYYY-MM-DD"):
        return None
    if bool(np.any(filled & (cells.lengths != len("YYYY-MM-DD")))):
        return None
    everyone = bool(filled.all())
    # each character position's bytes along memory (10 × cells): a position of the cells ×
    # characters window is strided, and every arithmetic on it slower
    text = np.ascontiguousarray((cells.window if everyone else cells.window[filled])[:, :10].T)
    digits = text[_DIGITS_OF_DATE] - np.uint8(ord("0"))  # a byte below "0" wraps past 9
    if bool(np.any(digits > 9)) or bool(np.any((text[4] != ord("-")) | (text[7] != ord("-")))):
        return None
    number = digits.astype(np.int32)
    year = number[0] * 1000 + number[1] * 100 + number[2] * 10 + number[3]
    month = number[4] * 10 + number[5]
    day = number[6] * 10 + number[7]
    if bool(np.any((year < _FIRST_YEAR) | (year > _LAST_YEAR))):
        return None
    if bool(np.any((month < 1) | (month > 12) | (day < 1))):
        return None
    month_index = (year - _FIRST_YEAR) * 12 + (month - 1)
    if bool(np.any(day > _MONTH_LENGTHS[month_index])):
        return None  # a day past the month's end (2021-02-30)
    dates = _MONTH_STARTS[month_index] + (day - 1)
    stamps = np.full(empty.size, np.iinfo(np.int64).min, dtype=np.int64)
    stamps[filled] = dates * _US_PER_DAY
    values = pd.Series(stamps.view("datetime64[us]"))
    return values, pd.Series(np.zeros(empty.size, dtype=bool)), pd.Series(empty)


def _fast_bool(cells: PlainCells, spec: ColumnSpec) -> _FastResult | None:
    window = cells.window[:, :_KEY_BYTES]
    upper = (window >= ord("A")) & (window <= ord("Z"))
    keys = cells.keys(np.where(upper, window | 0x20, window).astype(np.uint8))
    short = cells.lengths <= _KEY_BYTES
    true = (keys == _key(b"true")) & short
    false = (keys == _key(b"false")) & short
    empty = cells.lengths == 0
    if bool(np.any(~(true | false | empty))):
        return None
    values = pd.Series(pd.arrays.BooleanArray(true, empty.copy()))
    return values, pd.Series(np.zeros(empty.size, dtype=bool)), pd.Series(empty)


def _fast_number(cells: PlainCells, spec: ColumnSpec) -> _FastResult | None:
    """Numbers written ``-?digits(.digits)?`` with at most 15 digits, else None."""
    lengths = cells.lengths
    empty = lengths == 0
    width = cells.window.shape[1]
    if width == 0:
        return None
    # each character position along memory (positions × cells; see _fast_date)
    chars = np.ascontiguousarray(cells.window.T)
    inside = np.arange(width)[:, None] < lengths
    digit = (chars >= ord("0")) & (chars <= ord("9")) & inside
    dot = (chars == ord(".")) & inside
    negative = (chars[0] == ord("-")) & ~empty
    allowed = digit | dot
    allowed[0] |= negative
    if not bool(np.all(allowed | ~inside)):
        return None
    dots = dot.sum(axis=0)
    has_dot = dots == 1
    at = lengths.copy()  # where the dot is (the length: none)
    for position in range(width - 1, -1, -1):
        at[dot[position]] = position
    before = at - negative
    after = np.where(has_dot, lengths - at - 1, 0)
    filled = ~empty
    if bool(np.any(filled & ((dots > 1) | (before < 1) | (has_dot & (after < 1))))):
        return None
    if bool(np.any(before + after > _MAX_DIGITS)):
        return None
    mantissa = np.zeros(lengths.size, dtype=np.int64)
    for position in range(width):  # digit by digit, left to right, the dot and sign skipped
        value = chars[position].astype(np.int64) - ord("0")
        mantissa = np.where(digit[position], mantissa * 10 + value, mantissa)
    if bool(np.any(negative & (mantissa == 0))):
        return None  # -0 and -0.0 differ in sign only: the general parser decides
    values = mantissa.astype(np.float64) / _POWERS_OF_TEN[after]
    values = np.where(negative, -values, values)
    values[empty] = np.nan
    empty_series = pd.Series(empty)
    checked, bad = _checked_number(pd.Series(values), empty_series, spec)
    return checked, bad, empty_series


_FAST: dict[str, Callable[[PlainCells, ColumnSpec], _FastResult | None]] = {
    "id": _fast_text,
    "text": _fast_text,
    "code": _fast_code,
    "date": _fast_date,
    "bool": _fast_bool,
    "int": _fast_number,
    "float": _fast_number,
}
