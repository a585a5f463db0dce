"""report layer: results.json, tables, figures and a self-contained report.html."""

from minihcvd.report.writer import Reproduction, build_figures, write_report

__all__ = ["Reproduction", "build_figures", "write_report"]
