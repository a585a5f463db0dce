"""The trial data package: a folder of CSV files, read, validated, written (docs/data-format.md)."""

from minihcvd.trialdata.io import (
    PACKAGE_OUTPUT,
    Problem,
    format_csv,
    read_package,
    validate_package,
    write_package,
)
from minihcvd.trialdata.package import TrialPackage
from minihcvd.trialdata.schema import FILES, ColumnSpec, FileSpec

__all__ = [
    "FILES",
    "PACKAGE_OUTPUT",
    "ColumnSpec",
    "FileSpec",
    "Problem",
    "TrialPackage",
    "format_csv",
    "read_package",
    "validate_package",
    "write_package",
]
