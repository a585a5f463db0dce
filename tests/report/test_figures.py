"""KM and forest figures: censor marks, numbers at risk, p-value text, PNG/SVG output."""

from __future__ import annotations

import numpy as np

from minihcvd.report.figures import forest_figure, km_figure, render
from minihcvd.stats.cox_models import CoxTerm
from minihcvd.stats.kaplan_meier import KaplanMeierFitter
from minihcvd.stats.survival_summary import DAYS_PER_MONTH


def _texts(figure: object) -> list[str]:
    axes = figure.axes[0]  # type: ignore[attr-defined]
    return [t.get_text() for t in axes.texts]


class TestKmFigure:
    def test_numbers_at_risk_and_p(self) -> None:
        """At-risk counts under each 12-month tick, the log-rank p on the plot."""
        days = np.array([100, 400, 500, 800, 30, 200]) * 1.0
        km_a = KaplanMeierFitter().fit(days[:4], [1, 0, 1, 1])
        km_b = KaplanMeierFitter().fit(days[4:], [1, 0])
        figure = km_figure([("A", km_a), ("B", km_b)], title="t", logrank_p=0.0002)
        texts = _texts(figure)
        assert "Log-rank p = 0.0002" in texts
        assert "A\nB" in texts
        # ticks every 12 months up to 36 (A's last time is 26 months): time >= each tick
        assert texts[:4] == ["4\n2", "3\n0", "1\n0", "0\n0"]

    def test_censor_marks_are_one_path(self) -> None:
        """Every censored time of a curve is one segment of a single path."""
        km = KaplanMeierFitter().fit([10, 20, 30, 40], [0, 1, 0, 0])
        figure = km_figure([("A", km)], title="t")
        patches = list(figure.axes[0].patches)
        assert len(patches) == 1
        vertices = patches[0].get_path().vertices
        np.testing.assert_allclose(vertices[::2, 0], np.array([10, 30, 40]) / DAYS_PER_MONTH)


class TestForestAndRender:
    def test_forest_labels_terms(self) -> None:
        """One y tick per term, HR text beside it."""
        terms = [
            CoxTerm("sct", "sct", 0.8, 0.5, 1.3, 0.4, 110, 70),
            CoxTerm("age", "age", 1.02, 1.0, 1.04, 0.03, 110, 70),
        ]
        figure = forest_figure(terms, title="Cox")
        labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
        assert labels == ["sct", "age"]
        assert "0.800 (0.500–1.300) p = 0.40" in _texts(figure)

    def test_render_gives_png_and_inline_svg(self) -> None:
        """PNG bytes and an SVG without XML prolog (ready to inline)."""
        km = KaplanMeierFitter().fit([10, 20, 30], [1, 1, 0])
        rendered = render(km_figure([("A", km)], title="t"), "x", "t")
        assert rendered.png.startswith(b"\x89PNG")
        assert rendered.svg.startswith("<svg")
