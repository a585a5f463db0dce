"""``FigureWorker``: the report's figures drawn by a helper process while the analysis runs.

This module imports nothing heavy (the figure code is loaded inside the methods), so a command
can fork the helper before it imports the analysis: the helper then imports matplotlib on the
core that the command's own imports leave idle. What the helper will need too (pandas, for the
figure code) is best imported before the fork, and shared.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from minihcvd.parallel import StreamWorker

if TYPE_CHECKING:
    from minihcvd.report.figures import RenderedFigure
    from minihcvd.stats.analysis import AnalysisResults

__all__ = ["FigureWorker", "import_matplotlib"]

#: The key of the throwaway figure :meth:`FigureWorker.warm_up` sends.
_WARM_UP = "(warm-up)"


def import_matplotlib() -> None:
    """The matplotlib modules the report draws with (no pyplot)."""
    import matplotlib.backends.backend_agg
    import matplotlib.backends.backend_svg
    import matplotlib.figure  # noqa: F401


def _prepare_helper() -> None:
    """The helper's set-up: matplotlib imported, and every object so far (the modules) kept out
    of the garbage collector's passes for the helper's short life (5% of its drawing time)."""
    import gc

    import_matplotlib()
    gc.freeze()


class FigureWorker:
    """The report's figures drawn by a helper process while the analysis runs.

    Create it early, before the analysis is imported (``minihcvd analyze`` imports pandas,
    which both processes need, and freezes the garbage collector's objects first): the helper
    is forked while the process is small and imports matplotlib at once. Call
    :meth:`warm_up` once the data are read (the helper loads the figure code and draws a
    throwaway figure while the datasets are derived). Pass
    :meth:`submit_curves` as ``analyze_package``'s ``on_curves``: each curve's figure is sent
    to the helper as soon as the curve exists, so it is drawn while the parent goes on (the
    Cox models, Tables 1–3). ``write_report`` (its ``figures=``) adds the forest plot and
    collects everything: the same figures, in the same order, as ``build_figures``. Use it as
    a context manager so that a failed analysis leaves no helper behind; without a second core
    it draws everything at the end, here.
    """

    def __init__(self) -> None:
        self._worker: StreamWorker[str, RenderedFigure] = StreamWorker(_prepare_helper)

    def warm_up(self) -> None:
        """Have the helper draw a throwaway figure now (nothing without a helper)."""
        if self._worker.pid is not None:
            from minihcvd.report.writer import warm_up

            self._worker.submit(_WARM_UP, warm_up)

    def submit_curves(self, results: AnalysisResults) -> None:
        """Send the figures of every curve in ``results`` not sent yet."""
        from minihcvd.report.writer import figure_jobs

        for name, job in figure_jobs(results, forest=False):
            self._worker.submit(name, job)

    def submit_all(self, results: AnalysisResults) -> None:
        """Send every figure of the finished ``results`` not sent yet (the forest plot) and
        tell the helper that was all: it shares the rest with a second helper."""
        from minihcvd.report.writer import figure_jobs

        for name, job in figure_jobs(results):
            self._worker.submit(name, job)
        self._worker.end_of_jobs()

    def finish(self, results: AnalysisResults) -> list[RenderedFigure]:
        """Every figure of ``results`` (the forest plot too), in ``build_figures`` order."""
        from minihcvd.report.writer import figure_jobs

        self.submit_all(results)  # nothing twice: figures already sent are skipped
        jobs = figure_jobs(results)
        if self._worker.pid is None and jobs:
            import_matplotlib()  # no helper: they are drawn here
        drawn = self._worker.finish()  # the warm-up figure too, left out here
        return [drawn[name] for name, _ in jobs]

    def close(self) -> None:
        """Stop the helper if it still runs (idempotent)."""
        self._worker.close()

    def __enter__(self) -> FigureWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
