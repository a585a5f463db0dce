"""Small literal ADSL frames for the ADaM tests."""

from __future__ import annotations

import pandas as pd


def dates(*values: str | None) -> pd.Series:
    """A datetime64 column from ISO strings (None is missing)."""
    return pd.to_datetime(pd.Series(values, dtype="object"), format="%Y-%m-%d")


def mini_adsl(**columns: object) -> pd.DataFrame:
    """ADSL with STUDYID and the given columns."""
    frame = pd.DataFrame(columns)
    frame.insert(0, "STUDYID", "NCT01371630")
    return frame
