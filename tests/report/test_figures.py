"""KM and forest figures: censor marks, numbers at risk, p-value text, PNG/SVG output."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops

from minihcvd.report import figures
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

    def test_legend_labels_each_curve_in_its_colour(self) -> None:
        """Top right, top to bottom in curve order: the label, then a line of the curve's
        colour; inside the axes, no label over its line (fixed artists, no Legend)."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.colors import to_hex

        long_label = "TP53 wild type, a long group name"
        km_a = KaplanMeierFitter().fit([100.0, 400.0, 500.0], [1, 0, 1])
        km_b = KaplanMeierFitter().fit([30.0, 200.0], [1, 0])
        figure = km_figure([("A", km_a), (long_label, km_b)], title="t")
        axes = figure.axes[0]
        assert axes.get_legend() is None
        renderer = FigureCanvasAgg(figure).get_renderer()
        labels = {t.get_text(): t for t in axes.texts}
        rows = [labels["A (n = 3)"], labels[f"{long_label} (n = 2)"]]
        samples = [line for line in axes.lines if line.get_transform() == rows[0].get_transform()]
        assert [to_hex(line.get_color()) for line in samples] == list(figures.COLOURS[:2])
        box = axes.get_window_extent(renderer)
        for text, line in zip(rows, samples, strict=True):
            extent = text.get_window_extent(renderer)
            line_x = line.get_transform().transform(np.column_stack(line.get_data()))[:, 0]
            assert box.x0 < extent.x0 and extent.x1 < line_x.min() and line_x.max() < box.x1
            assert box.y0 < extent.y0 and extent.y1 < box.y1
        assert rows[0].get_window_extent(renderer).y0 > rows[1].get_window_extent(renderer).y1

    def test_censor_marks_are_one_path(self) -> None:
        """Every censored time of a curve is one segment of a single path."""
        km = KaplanMeierFitter().fit([10, 20, 30, 40], [0, 1, 0, 0])
        figure = km_figure([("A", km)], title="t")
        patches = list(figure.axes[0].patches)
        assert len(patches) == 1
        vertices = patches[0].get_path().vertices
        np.testing.assert_allclose(vertices[::2, 0], np.array([10, 30, 40]) / DAYS_PER_MONTH)


def _matplotlib_axes(
    axes: object, x_ticks: object, y_ticks: object, *, xlabel: str, ylabel: str
) -> None:
    """The reference: the same axes drawn by matplotlib's own ``Axis``."""
    axes.set_xticks(x_ticks)  # type: ignore[attr-defined]
    axes.set_yticks(y_ticks)  # type: ignore[attr-defined]
    axes.set_xlabel(xlabel)  # type: ignore[attr-defined]
    axes.set_ylabel(ylabel)  # type: ignore[attr-defined]


def _pixels(figure: object) -> Image.Image:
    return Image.open(io.BytesIO(render(figure, "x", "t").png)).convert("RGB")  # type: ignore[arg-type]


class TestFixedAxes:
    """The KM plots' fixed axes against matplotlib's ``Axis`` (which they stand in for)."""

    @pytest.mark.parametrize(
        ("groups", "options"),
        [
            (1, {"title": "one curve"}),
            (2, {"title": "two", "ylabel": "Survival", "logrank_p": 0.03}),
            (3, {"title": "three", "xlabel": "Months from the landmark", "logrank_p": 1e-9}),
        ],
    )
    def test_same_pixels_as_matplotlib_axis(
        self, monkeypatch: pytest.MonkeyPatch, groups: int, options: dict[str, object]
    ) -> None:
        """Tick marks, tick labels and axis labels land on the same pixels."""
        rng = np.random.default_rng(groups)
        curves = [
            (
                f"group {'x' * 6 * index}",
                KaplanMeierFitter().fit(rng.integers(1, 2000, 80), rng.integers(0, 2, 80)),
            )
            for index in range(groups)
        ]
        ours = _pixels(km_figure(curves, **options))  # type: ignore[arg-type]
        monkeypatch.setattr(figures, "_fixed_axes", _matplotlib_axes)
        reference = _pixels(km_figure(curves, **options))  # type: ignore[arg-type]
        assert ours.size == reference.size
        assert ImageChops.difference(ours, reference).getbbox() is None

    @pytest.mark.parametrize("direction", ["in", "inout"])
    def test_tick_direction_follows_rc(
        self, monkeypatch: pytest.MonkeyPatch, direction: str
    ) -> None:
        """A matplotlibrc with other tick directions moves marks and labels as Axis does."""
        from matplotlib import rc_context

        km = KaplanMeierFitter().fit([100.0, 400.0, 900.0], [1, 0, 1])
        style = {"xtick.direction": direction, "ytick.direction": direction}
        with rc_context(style):
            ours = _pixels(km_figure([("A", km)], title="t"))
            monkeypatch.setattr(figures, "_fixed_axes", _matplotlib_axes)
            reference = _pixels(km_figure([("A", km)], title="t"))
        assert ImageChops.difference(ours, reference).getbbox() is None

    def test_tick_texts_come_from_the_axis_formatter(self) -> None:
        """Months as integers, survival with one decimal; the Axis itself is hidden."""
        km = KaplanMeierFitter().fit([100.0, 900.0], [1, 0])
        figure = km_figure([("A", km)], title="t")
        axes = figure.axes[0]
        # 900 days is 29.6 months: ticks to 36; then the survival ticks and the axis labels
        assert _texts(figure)[-12:] == [
            *["0", "12", "24", "36"],
            *["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"],
            *["Months", "Overall survival"],
        ]
        assert not axes.xaxis.get_visible() and not axes.yaxis.get_visible()


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


class TestFontsFromMemory:
    """Drawing reads matplotlib's font files from memory, with the same pixels, and leaves
    matplotlib's own font loading as it was."""

    def test_same_png_as_fonts_read_from_their_files(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from contextlib import nullcontext

        km = KaplanMeierFitter().fit([100.0, 400.0, 900.0], [1, 0, 1])
        terms = [CoxTerm("age", "age", 1.02, 1.0, 1.04, 0.03, 110, 70)]
        ours = [
            render(km_figure([("A", km)], title="t", logrank_p=0.04), "a", "t").png,
            render(forest_figure(terms, title="Cox"), "b", "Cox").png,
        ]
        monkeypatch.setattr(figures, "_fonts_from_memory", nullcontext)
        reference = [
            render(km_figure([("A", km)], title="t", logrank_p=0.04), "a", "t").png,
            render(forest_figure(terms, title="Cox"), "b", "Cox").png,
        ]
        assert ours == reference

    def test_used_while_drawing_only(self) -> None:
        from matplotlib import font_manager

        original = getattr(font_manager, figures.FONT_HOOK)  # the locked matplotlib has it
        figures._font_in_memory.cache_clear()
        km = KaplanMeierFitter().fit([10, 20, 30], [1, 1, 0])
        render(km_figure([("A", km)], title="t"), "x", "t")
        assert figures._font_in_memory.cache_info().currsize >= 1
        assert getattr(font_manager, figures.FONT_HOOK) is original
        # a font matplotlib makes afterwards is a file again (the PDF backend needs its name)
        path = font_manager.findfont("DejaVu Sans")
        assert font_manager.get_font(path).fname == path

    def test_overlapping_drawings_leave_matplotlib_as_it_was(self) -> None:
        """Two drawings that overlap (two threads: the first ends before the second): only
        the first swaps and restores, so matplotlib keeps its own loader afterwards."""
        from matplotlib import font_manager

        original = getattr(font_manager, figures.FONT_HOOK)
        first, second = figures._fonts_from_memory(), figures._fonts_from_memory()
        first.__enter__()
        second.__enter__()
        assert getattr(font_manager, figures.FONT_HOOK) is figures._font_in_memory
        first.__exit__(None, None, None)
        second.__exit__(None, None, None)
        assert getattr(font_manager, figures.FONT_HOOK) is original

    def test_restored_when_drawing_fails(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from matplotlib import font_manager
        from matplotlib.figure import Figure

        original = getattr(font_manager, figures.FONT_HOOK)

        def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError("drawing failed")

        figure = km_figure([("A", KaplanMeierFitter().fit([10, 20], [1, 0]))], title="t")
        monkeypatch.setattr(Figure, "savefig", broken)
        with pytest.raises(RuntimeError, match="drawing failed"):
            render(figure, "x", "t")
        assert getattr(font_manager, figures.FONT_HOOK) is original


class TestPng:
    """The figures' PNGs: written without Pillow's row filters, read back as the same pixels."""

    @given(st.integers(1, 40), st.integers(1, 40), st.integers(0, 2**32 - 1))
    @settings(max_examples=30, deadline=None)
    def test_pillow_reads_the_pixels_back(self, height: int, width: int, seed: int) -> None:
        rgba = np.random.default_rng(seed).integers(0, 256, (height, width, 4), dtype=np.uint8)
        with Image.open(io.BytesIO(figures.png_bytes(rgba, dpi=120))) as image:
            assert image.mode == "RGBA"
            np.testing.assert_array_equal(np.asarray(image), rgba)
            assert image.info["dpi"] == pytest.approx((120, 120), abs=0.02)  # whole dots/m

    def test_same_pixels_as_matplotlibs_png(self) -> None:
        """A rendered figure's PNG decodes to what matplotlib's own PNG of it decodes to."""
        from matplotlib import rc_context

        km = KaplanMeierFitter().fit([100.0, 400.0, 900.0, 1200.0], [1, 0, 1, 0])
        figure = km_figure([("A", km)], title="t", logrank_p=0.2)
        ours = render(figure, "x", "t").png
        theirs = io.BytesIO()
        with rc_context({"text.hinting": "none"}):
            figure.savefig(theirs, format="png", dpi=figures.PNG_DPI)
        ours_image, theirs_image = _pixels_of(ours), _pixels_of(theirs.getvalue())
        assert ours_image.size == theirs_image.size
        assert ImageChops.difference(ours_image, theirs_image).getbbox() is None

    def test_pixels_must_arrive_at_once(self) -> None:
        sink = figures._PixelSink()
        with pytest.raises(RuntimeError, match="wrote no pixels"):
            sink.rgba()
        with pytest.raises(RuntimeError, match="at once"):
            sink.write(b"\x00" * 16)  # flat bytes, not an image


def _pixels_of(png: bytes) -> Image.Image:
    with Image.open(io.BytesIO(png)) as image:
        return image.convert("RGBA")
