"""report layer: results.json, tables, figures and a self-contained report.html."""

from minihcvd.report.writer import FigureWorker, Reproduction, build_figures, write_report

__all__ = ["FigureWorker", "Reproduction", "build_figures", "write_report"]
