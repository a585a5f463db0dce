"""Write the derived datasets: CSV always, SAS transport (XPORT v5) on request.

CSV files keep every variable name as derived and use the package conventions (ISO dates,
``true``/``false``, empty for missing). XPORT v5 allows names of at most 8 characters and labels
of at most 40: names are upper-cased, longer ones shortened to 8 characters (made unique with a
digit), and the label carries the variable's meaning or its original name.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Final

import pandas as pd

from minihcvd.adam.pipeline import AdamDatasets
from minihcvd.atomic import OutputFolder
from minihcvd.errors import DerivationError
from minihcvd.trialdata.io import format_csv

__all__ = ["DATASETS_OUTPUT", "VARIABLE_LABELS", "dataset_frames", "write_datasets", "xpt_names"]

VARIABLE_LABELS: Final = {
    "STUDYID": "Study Identifier",
    "USUBJID": "Unique Subject Identifier",
    "COHORT": "Protocol Version Cohort",
    "TRTSDT": "Date of First Exposure to Treatment",
    "TRTEDT": "Date of Last Exposure to Treatment",
    "INOLSTDT": "Date of Last Inotuzumab Dose",
    "DTHDT": "Date of Death",
    "DTHFL": "Subject Death Flag",
    "LSTALVDT": "Date Last Known Alive",
    "SALVGRP": "Salvage Group",
    "SALV1FL": "First Salvage Flag",
    "HRCYTFL": "High-Risk Cytogenetics Flag",
    "BOR": "Best Overall Response",
    "RSPFL": "Responder Flag (CR/CRp/CRi)",
    "RSPDT": "Date of First Response",
    "RELDT": "Date of Relapse",
    "EDTHFL": "Early Death Flag (Day 1-28)",
    "MRDNEGFL": "MRD Negative by Flow at Any Time",
    "MRDRSPFL": "MRD Negative by Flow at Response",
    "MRDNGSFL": "MRD Negative by NGS at Any Time",
    "RSPSRC": "Source of Response Data",
    "SCTFL": "Allogeneic SCT Flag",
    "SCTDT": "Date of Allogeneic SCT",
    "BLINFL": "Blinatumomab Received Flag",
    "BLINDT": "Date of First Blinatumomab Dose",
    "PARAMCD": "Parameter Code",
    "PARAM": "Parameter",
    "STARTDT": "Time-to-Event Origin Date",
    "ADT": "Analysis Date",
    "AVAL": "Analysis Value",
    "AVALC": "Analysis Value (C)",
    "AVALU": "Analysis Value Unit",
    "CNSR": "Censor (0 Event, 1 Censored)",
    "EVNTDESC": "Event or Censoring Description",
    "CNSDTDSC": "Censor Date Description",
    "SRCDOM": "Source Data",
    "SRCVAR": "Source Variable",
    "AETERM": "Reported Term for the Adverse Event",
    "ASTDT": "Analysis Start Date",
    "ASTDY": "Analysis Start Relative Day",
    "AETOXGR": "Standard Toxicity Grade",
    "AETOXGRN": "Standard Toxicity Grade (N)",
    "AESEV": "CTCAE Grade Meaning",
    "CTCAEV": "CTCAE Version",
    "AEHEMFL": "Hematologic Event Flag",
    "AERELFL": "Treatment-Related Flag",
    "SOSFL": "Sinusoidal Obstruction Syndrome Flag",
    "TRTEMFL": "Treatment Emergent Analysis Flag",
    "WORSTFL": "Worst Grade per Subject and Term Flag",
    "TSTART": "Interval Start (Days)",
    "TSTOP": "Interval Stop (Days)",
    "EVENT": "Death at Interval Stop",
    "SCT": "After Allogeneic SCT (0/1)",
}
_TITLES: Final = {
    "adsl": "Subject-Level Analysis Dataset",
    "adrs": "Response Analysis Dataset",
    "adtte": "Time-to-Event Analysis Dataset",
    "adae": "Adverse Events Analysis Dataset",
    "sct_intervals": "SCT Counting-Process Intervals",
}
_XPT_TABLE: Final = {"sct_intervals": "SCTINT"}
_SAS_EPOCH: Final = pd.Timestamp("1960-01-01")
_SAS_NAME_CHARACTERS: Final = frozenset(string.ascii_uppercase + string.digits + "_")


def dataset_frames(datasets: AdamDatasets) -> dict[str, pd.DataFrame]:
    """The datasets present, by file stem (``adae`` only with adverse events)."""
    frames = {
        "adsl": datasets.adsl,
        "adrs": datasets.adrs,
        "adtte": datasets.adtte,
        "adae": datasets.adae,
        "sct_intervals": datasets.sct_intervals,
    }
    return {name: frame for name, frame in frames.items() if frame is not None}


def _is_sas_name(column: str) -> bool:
    return (
        0 < len(column) <= 8
        and set(column) <= _SAS_NAME_CHARACTERS
        and not column[0].isdigit()
    )


def xpt_names(columns: list[str]) -> list[str]:
    """SAS names: upper-case ASCII letters, digits and ``_``, not starting with a digit, at
    most 8 characters, unique (a digit replaces the end if needed).

    A column whose name already is such a name (the derived ADaM variables) keeps it; a kept
    input column that shortens to the same name gets the digit, so e.g. ADSL's ``COHORT`` is
    the derived variable and the input ``cohort`` becomes ``COHORT1``.
    """
    taken = {column for column in columns if _is_sas_name(column)}
    names: list[str] = []
    for column in columns:
        if _is_sas_name(column):
            names.append(column)
            continue
        kept = "".join(ch for ch in column.upper() if ch in _SAS_NAME_CHARACTERS)
        if kept[:1].isdigit():
            kept = "_" + kept
        base = kept[:8] or "VAR"
        name, number = base, 1
        while name in taken:
            suffix = str(number)
            name, number = base[: 8 - len(suffix)] + suffix, number + 1
        taken.add(name)
        names.append(name)
    return names


def _xpt_frame(
    frame: pd.DataFrame,
) -> tuple[pd.DataFrame, list[str | None], dict[str, str]]:
    """Columns converted for XPORT v5, their labels and formats.

    Dates become SAS dates (days since 1960-01-01, format DATE9.), so a date column stays
    numeric even when every value is missing; booleans become ``Y``/``N``.
    """
    out = pd.DataFrame(index=frame.index)
    formats: dict[str, str] = {}
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_datetime64_any_dtype(column.dtype):
            out[name] = (column - _SAS_EPOCH) / pd.Timedelta(days=1)
            formats[name] = "DATE9."
        elif column.dtype == "boolean" or pd.api.types.is_bool_dtype(column.dtype):
            out[name] = column.astype("boolean").map({True: "Y", False: "N"}).astype(object)
        elif pd.api.types.is_numeric_dtype(column.dtype):
            out[name] = column.astype("float64")
        else:
            out[name] = column.astype(object).where(column.notna(), None)
    labels: list[str | None] = [VARIABLE_LABELS.get(name, name)[:40] for name in frame.columns]
    names = xpt_names([str(c) for c in frame.columns])
    renamed = dict(zip(frame.columns, names, strict=True))
    xpt_formats = {renamed[name]: value for name, value in formats.items()}
    return out.set_axis(names, axis=1), labels, xpt_formats


def _file_names(xpt: bool, stems: list[str]) -> list[str]:
    return [f"{stem}.{ext}" for stem in stems for ext in (("csv", "xpt") if xpt else ("csv",))]


#: A datasets folder (any run's files); one holding anything else is not replaced.
DATASETS_OUTPUT: Final = OutputFolder(
    "the datasets", tuple(_file_names(True, list(_TITLES))), DerivationError
)


def write_datasets(datasets: AdamDatasets, out_dir: Path, *, xpt: bool = False) -> list[Path]:
    """Write every dataset as ``<name>.csv`` (and ``<name>.xpt``) into ``out_dir`` at once.

    ``out_dir`` is replaced as a whole (:func:`minihcvd.atomic.atomic_output_dir`): no file of
    an earlier run (its ADAE, its XPT files) is left beside the new ones. Raises
    ``DerivationError`` (nothing written) if ``out_dir`` is not a folder that can be written or
    holds files that are not datasets.
    """
    out_dir = Path(out_dir)
    frames = dataset_frames(datasets)
    with DATASETS_OUTPUT.writing(out_dir) as staging:
        for name, frame in frames.items():
            (staging / f"{name}.csv").write_text(format_csv(frame), encoding="utf-8")
            if xpt:
                _write_xpt(name, frame, staging / f"{name}.xpt")
    return [out_dir / name for name in _file_names(xpt, list(frames))]


def _write_xpt(name: str, frame: pd.DataFrame, path: Path) -> None:
    import pyreadstat  # lazily: only ``--xpt`` needs it

    data, labels, formats = _xpt_frame(frame)
    try:
        pyreadstat.write_xport(
            data,
            str(path),
            file_label=_TITLES[name],
            column_labels=labels,
            table_name=_XPT_TABLE.get(name, name.upper()),
            file_format_version=5,
            variable_format=formats,
        )
    except Exception as error:  # pyreadstat raises its own unexported error types
        raise DerivationError(f"cannot write {name}.xpt: {error}") from error
