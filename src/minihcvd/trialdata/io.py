"""Read, validate and write a trial data package (a folder of CSV files).

Reading never raises on bad content: every problem is collected with its file, row (1-based
data row, header excluded) and column, and :func:`read_package` raises them all at once as
:class:`~minihcvd.errors.ValidationFailed`. Writing serialises the frames, validates the bytes
exactly as a reader would, and only then writes all files at once.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from minihcvd.atomic import OutputFolder
from minihcvd.clinical import DistinctColumns
from minihcvd.errors import TrialDataError, ValidationFailed
from minihcvd.trialdata.checks import (
    check_adverse_events,
    check_assessments,
    check_linked_file,
    check_outcome_consistency,
    check_patients,
)
from minihcvd.trialdata.package import TrialPackage
from minihcvd.trialdata.parse import (
    DATE_FORMAT,
    PlainCells,
    by_column,
    parse_file,
    parse_plain,
)
from minihcvd.trialdata.schema import (
    ADMINISTRATIONS,
    ADVERSE_EVENTS,
    ASSESSMENTS,
    FILES,
    PATIENTS,
    FileSpec,
)

__all__ = [
    "PACKAGE_OUTPUT", "Problem", "format_csv", "read_package", "validate_package", "write_package"
]

#: A package folder (its files): one holding anything else is not replaced by
#: :func:`write_package` (it would be lost).
PACKAGE_OUTPUT = OutputFolder(
    "the package", tuple(spec.name for spec in FILES), TrialDataError
)

#: A validation finding: a :class:`TrialDataError` with ``file``, ``row`` and ``field``.
Problem = TrialDataError

_ATTRIBUTE = {
    PATIENTS.name: "patients",
    ASSESSMENTS.name: "assessments",
    ADVERSE_EVENTS.name: "adverse_events",
    ADMINISTRATIONS.name: "administrations",
}
_PLACE = re.compile(r",? *(?:in|at|starting at) (?:line|row) \d+")


def _data_row(parser_message: str) -> int | None:
    """The data row a pandas parser message points at (its 'line' counts the header, 1-based;
    its 'row' counts lines from 0, which is the same as our data row)."""
    line = re.search(r"line (\d+)", parser_message)
    if line:
        return int(line.group(1)) - 1
    row = re.search(r"row (\d+)", parser_message)
    return int(row.group(1)) if row else None


def _parse_bytes(data: bytes, spec: FileSpec) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Typed frame and problems from a file's bytes; None when they are not a readable CSV."""
    data = data.removeprefix(b"\xef\xbb\xbf")  # a byte-order mark, as spreadsheets write it
    try:
        end = data.find(b"\n")
        first_line = (data if end < 0 else data[:end]).decode("utf-8")
        if not data.isascii():  # ASCII is UTF-8; checking that is ten times faster
            data.decode("utf-8")
    except UnicodeDecodeError as error:
        return None, [Problem(f"not UTF-8 text (byte {error.start})", file=spec.name)]
    names = [name.strip() for name in next(csv.reader([first_line]), [])]
    if not any(names):
        return None, [Problem("the file is empty; expected a header row", file=spec.name)]
    lower = [name.lower() for name in names]  # ADSL keeps columns under lower-case names
    repeated = sorted({name for name in names if lower.count(name.lower()) > 1 or not name})
    if repeated:
        what = ", ".join(f"'{name}'" for name in repeated)
        return None, [Problem(f"header has empty or repeated column names: {what}", file=spec.name)]
    layout = _layout(data)
    plain = None if layout is None else _plain_cells(data, layout, len(names))
    if plain is not None:
        return parse_plain(dict(zip(names, plain, strict=True)), spec)
    fields = np.empty(0, dtype=np.intp) if layout is None else _fields_per_row(data, layout)
    long_rows = np.flatnonzero(fields > len(names)) + 1
    if long_rows.size:
        return None, _long_row_problems([int(row) for row in long_rows], len(names), spec)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            raw = pd.read_csv(
                io.BytesIO(data),
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                index_col=False,
                skip_blank_lines=True,
                skipinitialspace=True,
                encoding="utf-8",
            )
    except pd.errors.ParserWarning:
        return None, _long_row_problems(_long_quoted_rows(data, len(names)), len(names), spec)
    except pd.errors.ParserError as error:
        detail = str(error).split("C error: ")[-1].strip()
        if re.match(r"Expected \d+ fields", detail):  # the parser's line count is not our row
            rows = _long_quoted_rows(data, len(names))
            return None, _long_row_problems(rows, len(names), spec)
        return None, [
            Problem(
                f"malformed CSV: {_PLACE.sub('', detail)}", file=spec.name, row=_data_row(detail)
            )
        ]
    raw.columns = names
    short_rows = np.flatnonzero(fields < len(names)) + 1
    problems = [
        Problem(
            f"row has fewer fields than the header's {len(names)}", file=spec.name, row=int(row)
        )
        for row in short_rows
    ]
    typed, cell_problems = parse_file(raw, spec)
    return typed, problems + cell_problems


def _long_row_problems(rows: list[int | None], width: int, spec: FileSpec) -> list[Problem]:
    """One problem for each data row with more fields than the header's ``width``."""
    message = f"malformed CSV: row has more fields than the header's {width}"
    return [Problem(message, file=spec.name, row=row) for row in rows]


class _Layout(NamedTuple):
    """Where a file without quotes has its lines and commas (blank lines included)."""

    starts: npt.NDArray[np.intp]  # first byte of each line
    ends: npt.NDArray[np.intp]  # its newline (or the end of the data)
    commas: npt.NDArray[np.intp]


def _layout(data: bytes) -> _Layout | None:
    """Lines and commas, found with NumPy.

    None for a file with quotes, whose commas may sit inside values: the CSV parser judges it.
    """
    if b'"' in data:
        return None
    raw = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(raw == ord("\n"))
    if raw.size and raw[-1] != ord("\n"):
        ends = np.append(ends, raw.size)
    commas = np.flatnonzero(raw == ord(","))
    starts = np.concatenate(([0], ends[:-1] + 1)).astype(np.intp)
    return _Layout(starts, ends, commas)


def _fields_per_row(data: bytes, layout: _Layout) -> npt.NDArray[np.intp]:
    """Number of fields in each data row (blank lines skipped)."""
    raw = np.frombuffer(data, dtype=np.uint8)
    starts, ends, commas = layout
    fields = np.searchsorted(commas, ends) - np.searchsorted(commas, starts) + 1
    carriage_return = (ends > starts) & (raw[np.maximum(ends - 1, 0)] == ord("\r"))
    filled = (ends - starts) > carriage_return
    return np.asarray(fields[filled][1:], dtype=np.intp)  # without the header


def _plain_cells(data: bytes, layout: _Layout, width: int) -> list[PlainCells] | None:
    """The cells of each column when the file is plain, else None (the CSV parser reads it).

    Plain: ASCII without NUL or other control bytes besides line ends, no quotes, every line
    ending alike (LF or CR LF), no blank line, every row with exactly the header's number of
    fields, at least one data row, and no cell starting with a space (which the parser would
    skip). For such a file the cells are exactly what the CSV parser would give.
    """
    lines = layout.ends.size
    if lines < 2 or layout.commas.size != lines * (width - 1) or not data.isascii():
        return None
    raw = np.frombuffer(data, dtype=np.uint8)
    spaces = np.flatnonzero(raw == ord(" "))
    if spaces.size and (
        spaces[0] == 0 or bool(np.any(np.isin(raw[spaces - 1], (ord(","), ord("\n")))))
    ):
        return None  # a cell starting with a space, which the CSV parser would skip
    newlines = lines - int(data[-1:] != b"\n")
    returns = data.count(b"\r") if b"\r" in data else 0
    ends = layout.ends
    if returns:
        if returns != newlines or data.count(b"\r\n") != newlines:
            return None
        ends = np.where(ends < raw.size, ends - 1, ends)  # the last line may lack its newline
    if int(np.count_nonzero(raw < ord(" "))) != newlines + returns:
        return None
    if bool(np.any(ends <= layout.starts)):
        return None
    commas = layout.commas.reshape(lines, width - 1)
    # as many commas as the rows need, each row's first and last in it: width fields each
    if width > 1 and not (
        bool(np.all(commas[:, 0] >= layout.starts)) and bool(np.all(commas[:, -1] < ends))
    ):
        return None
    # the data rows' k-th commas along memory (one copy: a column of the rows × commas matrix
    # is strided, and every arithmetic on it three times slower)
    data_commas = np.ascontiguousarray(commas[1:].T)
    bounds = []
    for column in range(width):
        first = layout.starts[1:] if column == 0 else data_commas[column - 1] + 1
        last = ends[1:] if column == width - 1 else data_commas[column]
        bounds.append((first, last - first))
    widest = max(int(length.max()) for _, length in bounds)
    if raw.size <= 2 * widest:
        data = data + bytes(widest)  # a tiny file: pad it, so every window fits
    return by_column(
        lambda bound: PlainCells(_windows(data, bound[0], int(bound[1].max())), bound[1]),
        bounds,
        rows=lines - 1,
    )


def _windows(data: bytes, first: npt.NDArray[np.intp], width: int) -> npt.NDArray[np.uint8]:
    """The ``width`` bytes from each of ``first`` (zeros past the end of ``data``), rows x width.

    Each window is read as one ``width``-byte item of an array of items starting at every byte.
    """
    if width == 0:
        return np.zeros((first.size, 0), dtype=np.uint8)
    last = len(data) - width  # the last item that fits
    items = np.ndarray(shape=(last + 1,), dtype=f"V{width}", buffer=data, strides=(1,))
    windows = items[np.minimum(first, last)].view(np.uint8).reshape(-1, width)
    for row in np.flatnonzero(first > last):  # at most the cells of the last line
        start = int(first[row])
        windows[row] = np.frombuffer(data[start : start + width].ljust(width, b"\0"), np.uint8)
    return windows


def _long_quoted_rows(data: bytes, width: int) -> list[int | None]:
    """Data rows with more than ``width`` fields in a file with quotes (error path only: the
    CSV module reads the records, whose quoted values may hold commas and line breaks)."""
    records = csv.reader(io.StringIO(data.decode("utf-8"), newline=""), skipinitialspace=True)
    filled = (record for record in records if any(record))
    next(filled, None)  # the header
    rows: list[int | None] = [
        number for number, record in enumerate(filled, start=1) if len(record) > width
    ]
    return rows or [None]


def _read_file(directory: Path, spec: FileSpec) -> tuple[pd.DataFrame | None, list[Problem]]:
    path = directory / spec.name
    if path.exists() and not path.is_file():
        return None, [Problem("is a folder or special file, not a CSV file", file=spec.name)]
    if not path.is_file():
        missing = [Problem("required file is missing", file=spec.name)] if spec.required else []
        return None, missing
    try:
        data = path.read_bytes()
    except OSError as error:
        return None, [Problem(f"cannot be read: {error.strerror}", file=spec.name)]
    return _parse_bytes(data, spec)


def _package(frames: dict[str, pd.DataFrame | None], source: Path | None) -> TrialPackage | None:
    patients = frames[PATIENTS.name]
    if patients is None:
        return None
    return TrialPackage(
        patients=patients,
        assessments=frames[ASSESSMENTS.name],
        adverse_events=frames[ADVERSE_EVENTS.name],
        administrations=frames[ADMINISTRATIONS.name],
        source=source,
    )


def _cross_check(package: TrialPackage | None) -> list[Problem]:
    """Checks across rows and files (the package's outcomes are worked out here, once, and
    kept for the derivation)."""
    if package is None:
        return []
    patients = package.patients
    assessments = package.assessments
    events = package.adverse_events
    given = package.administrations
    if patients.empty:
        return [Problem("no patients: expected at least one data row", file=PATIENTS.name)]
    distinct = DistinctColumns(patients)  # columns hashed once for the checks below
    problems = check_patients(patients, distinct=distinct)
    if assessments is not None:
        problems += check_linked_file(
            assessments,
            patients,
            file=ASSESSMENTS.name,
            date_column="assessment_date",
            not_before_start=True,
        )
        problems += check_assessments(assessments)
    if events is not None:
        problems += check_linked_file(
            events,
            patients,
            file=ADVERSE_EVENTS.name,
            date_column="onset_date",
            not_before_start=False,
        )
        problems += check_adverse_events(events, patients)
    if given is not None:
        problems += check_linked_file(
            given, patients, file=ADMINISTRATIONS.name, date_column="date", not_before_start=True
        )
    outcome_ready = assessments is None or set(ASSESSMENTS.required_columns) <= set(
        assessments.columns
    )
    if outcome_ready:
        problems += check_outcome_consistency(
            patients, assessments, lambda: package.outcomes, distinct=distinct
        )
    return problems


def _order(problems: list[Problem]) -> list[Problem]:
    """File order of the package, then row (file-level first), as a reader expects."""
    rank = {spec.name: index for index, spec in enumerate(FILES)}
    return sorted(problems, key=lambda p: (rank.get(p.file or "", -1), p.row or 0))


def _load(directory: Path) -> tuple[TrialPackage | None, list[Problem]]:
    directory = Path(directory)
    if not directory.is_dir():
        return None, [Problem("not a folder; expected a trial data package", file=directory)]
    frames: dict[str, pd.DataFrame | None] = {}
    problems: list[Problem] = []
    for spec in FILES:
        frames[spec.name], found = _read_file(directory, spec)
        problems += found
    package = _package(frames, directory)
    problems += _cross_check(package)
    if problems or package is None:
        return None, _order(problems)
    return package, []


def validate_package(directory: Path) -> list[Problem]:
    """Every problem of the package in ``directory`` (empty when it is valid); never raises."""
    return _load(directory)[1]


def read_package(directory: Path) -> TrialPackage:
    """The validated package in ``directory``; raises ``ValidationFailed`` listing all problems."""
    package, problems = _load(directory)
    if problems or package is None:
        raise ValidationFailed(problems)
    return package


def format_csv(frame: pd.DataFrame) -> str:
    """CSV text as the package format has it: ISO dates, true/false, empty for missing."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if pd.api.types.is_bool_dtype(column.dtype) or column.dtype == "boolean":
            out[name] = column.astype("boolean").map({True: "true", False: "false"})
        elif pd.api.types.is_datetime64_any_dtype(column.dtype):
            out[name] = column.dt.strftime(DATE_FORMAT)
    return out.to_csv(index=False, na_rep="", lineterminator="\n")


def write_package(package: TrialPackage, directory: Path) -> None:
    """Validate ``package`` as its files would be read, then write them all at once.

    ``directory`` is replaced as a whole (:func:`minihcvd.atomic.atomic_output_dir`), so no
    optional file of an earlier package is left to be read back as part of this one. Raises
    ``ValidationFailed`` (nothing written) if the package is invalid, and ``TrialDataError`` if
    ``directory`` cannot be written or holds files that are not package files.
    """
    directory = Path(directory)
    texts = {
        spec.name: format_csv(frame)
        for spec in FILES
        if (frame := getattr(package, _ATTRIBUTE[spec.name])) is not None
    }
    frames: dict[str, pd.DataFrame | None] = {spec.name: None for spec in FILES}
    problems: list[Problem] = []
    for spec in FILES:
        if spec.name in texts:
            frames[spec.name], found = _parse_bytes(texts[spec.name].encode("utf-8"), spec)
            problems += found
    problems += _cross_check(_package(frames, None))
    if problems:
        raise ValidationFailed(_order(problems))
    with PACKAGE_OUTPUT.writing(directory) as staging:
        for name, text in texts.items():
            (staging / name).write_text(text, encoding="utf-8")
