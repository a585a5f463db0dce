"""report layer: results.json, tables, figures and a self-contained report.html.

Its names are loaded on first use: ``minihcvd.report.figure_worker`` (the figures' helper) can
then be imported and started before the analysis is.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from minihcvd.report.figure_worker import FigureWorker
    from minihcvd.report.writer import Reproduction, build_figures, write_report

__all__ = ["FigureWorker", "Reproduction", "build_figures", "write_report"]

_HOME = {
    "FigureWorker": "minihcvd.report.figure_worker",
    "Reproduction": "minihcvd.report.writer",
    "build_figures": "minihcvd.report.writer",
    "write_report": "minihcvd.report.writer",
}


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_HOME[name]), name)
