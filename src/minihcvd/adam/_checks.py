"""Precondition checks every derivation opens with (admiral's assert_* helpers)."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from minihcvd.errors import DerivationError


def require_columns(dataset: pd.DataFrame, columns: Iterable[str], *, step: str) -> None:
    """Raise if any of ``columns`` is missing from ``dataset``."""
    missing = [name for name in columns if name not in dataset.columns]
    if missing:
        raise DerivationError(
            f"{step} needs column(s) {', '.join(missing)}; derive them first", field=missing[0]
        )


def require_new(dataset: pd.DataFrame, columns: Iterable[str], *, step: str) -> None:
    """Raise if a column ``step`` would add is already there (derivations never overwrite)."""
    present = [name for name in columns if name in dataset.columns]
    if present:
        raise DerivationError(
            f"{step} would overwrite existing column(s) {', '.join(present)}", field=present[0]
        )


def require_choice(value: str, allowed: Iterable[str], *, option: str) -> None:
    """Raise if option ``value`` is not one of ``allowed``."""
    choices = list(allowed)
    if value not in choices:
        raise DerivationError(f"{option} must be one of {', '.join(choices)}; got {value!r}")
