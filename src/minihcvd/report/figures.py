"""Kaplan–Meier and forest plots like the paper's Fig. 1 A–F, drawn with matplotlib's OO API.

No pyplot: figures are ``matplotlib.figure.Figure`` objects rendered by the Agg and SVG
canvases, so no global backend is touched (only matplotlib's font loader, swapped while a
figure is drawn: :func:`_fonts_from_memory`). Curves are drawn from the unique times
only (one step per distinct time), which keeps 10^5–10^6 patients as cheap as 110. A KM plot's
axes never change once built, so their ticks and labels are a few fixed artists placed as
matplotlib's ``Axis`` places them (:func:`_fixed_axes`), not the ``Axis`` itself: it builds tick
objects and measures every tick label on each draw, a third of a figure's drawing time.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt

from minihcvd.report.formatting import format_p
from minihcvd.stats.cox_models import CoxTerm
from minihcvd.stats.kaplan_meier import KaplanMeierFitter
from minihcvd.stats.survival_summary import DAYS_PER_MONTH

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["RenderedFigure", "forest_figure", "km_figure", "png_bytes", "render"]

COLOURS = ("#1f4e79", "#c0392b", "#2e8b57", "#8e44ad", "#d68910", "#5d6d7e")
RISK_TABLE_STEP_MONTHS = 12
PNG_DPI = 120
CENSOR_TICK_HALF_HEIGHT = 0.018
_AT_RISK_LINESPACING = 1.45
# the curve labels (see _legend), in points: matplotlib's legend defaults at 8-point text
_LEGEND_FONT_PT = 8
_LEGEND_EDGE_PT = 0.9 * _LEGEND_FONT_PT  # border pad 0.4 + border-to-axes pad 0.5
_LEGEND_LINE_PT = 2.0 * _LEGEND_FONT_PT  # handle length
_LEGEND_GAP_PT = 0.8 * _LEGEND_FONT_PT  # handle-to-text pad
_LEGEND_ROW_PT = 1.7 * _LEGEND_FONT_PT  # a text line and the label spacing 0.5
#: y ticks of a survival curve (what matplotlib's locator picks for 0–1.02)
SURVIVAL_TICKS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
FOREST_TICKS = (0.01, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 100.0)
#: The function of ``matplotlib.font_manager`` that makes every font object (see
#: :func:`_fonts_from_memory`)
FONT_HOOK = "_get_font"


@dataclass(frozen=True)
class RenderedFigure:
    """A figure as PNG bytes and SVG text (the SVG is inlined in report.html)."""

    name: str
    title: str
    png: bytes
    svg: str


def km_figure(
    curves: Sequence[tuple[str, KaplanMeierFitter]],
    *,
    title: str,
    ylabel: str = "Overall survival",
    xlabel: str = "Months",
    logrank_p: float | None = None,
) -> Figure:
    """Step curves with censoring ticks, numbers at risk under the axis, the log-rank p."""
    from matplotlib.figure import Figure

    height_in = 4.0 + 0.22 * len(curves)
    figure = Figure(figsize=(6.4, height_in))
    # fixed margins (no constrained layout: it re-measures every text, 10x slower); the left
    # one leaves room for the at-risk row labels (7-point text, about 0.05 inch a character)
    longest = max(len(label) for label, _ in curves)
    left = min(0.4, max(0.14, 0.1 + longest * 0.05 / 6.4))
    figure.subplots_adjust(
        left=left, right=0.96, top=0.92, bottom=(1.0 + 0.22 * len(curves)) / height_in
    )
    axes = figure.add_subplot()
    last_month = max(km.timeline_[-1] for _, km in curves) / DAYS_PER_MONTH
    ticks = np.arange(0, last_month + RISK_TABLE_STEP_MONTHS, RISK_TABLE_STEP_MONTHS)
    legend = []
    for index, (label, km) in enumerate(curves):
        colour = COLOURS[index % len(COLOURS)]
        legend.append((f"{label} (n = {km.n_})", colour))
        months = km.timeline_ / DAYS_PER_MONTH
        axes.step(
            np.concatenate(([0.0], months)),
            np.concatenate(([1.0], km.survival_function_)),
            where="post",
            color=colour,
            linewidth=1.6,
        )
        censored = km.n_censored_ > 0
        # add_artist, not add_patch: limits are set below, and autoscaling walks every vertex
        axes.add_artist(_censor_ticks(months[censored], km.survival_function_[censored], colour))
    # one text per tick column (not per curve and tick): text layout is the drawing's cost
    at_risk = np.array([_numbers_at_risk(km, ticks * DAYS_PER_MONTH) for _, km in curves])
    for tick, column in zip(ticks, at_risk.T, strict=True):
        axes.text(
            tick,
            -0.2 - 0.075,
            "\n".join(str(v) for v in column),
            transform=axes.get_xaxis_transform(),
            ha="center",
            va="top",
            fontsize=7,
            linespacing=_AT_RISK_LINESPACING,
        )
    axes.text(
        -0.07,
        -0.2,
        "At risk",
        transform=axes.transAxes,
        ha="right",
        va="center",
        fontsize=7,
        fontweight="bold",
    )
    axes.text(
        -0.07,
        -0.2 - 0.075,
        "\n".join(label for label, _ in curves),
        transform=axes.transAxes,
        ha="right",
        va="top",
        fontsize=7,
        linespacing=_AT_RISK_LINESPACING,
    )
    axes.set_xlim(0, ticks[-1])
    axes.set_ylim(0, 1.02)
    figure.suptitle(title, x=0.02, ha="left", fontsize=10)
    _legend(axes, legend)
    if logrank_p is not None:
        axes.text(
            0.98,
            0.62,
            f"Log-rank p {_p_relation(logrank_p)}",
            transform=axes.transAxes,
            ha="right",
            fontsize=8,
        )
    axes.spines[["top", "right"]].set_visible(False)
    _fixed_axes(axes, ticks, SURVIVAL_TICKS, xlabel=xlabel, ylabel=ylabel)
    return figure


def forest_figure(terms: Sequence[CoxTerm], *, title: str) -> Figure:
    """Hazard ratios with 95% CIs on a log axis, one line per term."""
    from matplotlib.figure import Figure

    height_in = 1.2 + 0.35 * len(terms)
    figure = Figure(figsize=(6.4, height_in))
    figure.subplots_adjust(left=0.25, right=0.62, top=1 - 0.45 / height_in, bottom=0.6 / height_in)
    axes = figure.add_subplot()
    y = np.arange(len(terms))[::-1]
    hr = np.array([t.hr for t in terms])
    lower = np.array([t.lower for t in terms])
    upper = np.array([t.upper for t in terms])
    axes.errorbar(
        hr,
        y,
        xerr=[hr - lower, upper - hr],
        fmt="s",
        color=COLOURS[0],
        ecolor=COLOURS[0],
        capsize=3,
        markersize=5,
    )
    axes.axvline(1.0, color="#777777", linewidth=0.8, linestyle="--")
    axes.set_xscale("log")
    low, high = float(lower.min()), float(upper.max())
    ticks = [t for t in FOREST_TICKS if low / 1.5 <= t <= high * 1.5] or [1.0]
    axes.set_xticks(ticks, [f"{t:g}" for t in ticks])
    axes.minorticks_off()
    axes.set_yticks(y)
    axes.set_yticklabels([t.term for t in terms], fontsize=8)
    axes.set_xlabel("Hazard ratio (95% CI)")
    axes.set_title(title, fontsize=10)
    for position, term in zip(y, terms, strict=True):
        axes.text(
            1.02,
            position,
            f"{term.hr:.3f} ({term.lower:.3f}–{term.upper:.3f}) p {_p_relation(term.p)}",
            transform=axes.get_yaxis_transform(),
            va="center",
            fontsize=7,
        )
    axes.spines[["top", "right"]].set_visible(False)
    return figure


def render(figure: Figure, name: str, title: str) -> RenderedFigure:
    """PNG and SVG of ``figure``."""
    from matplotlib import rc_context

    pixels = _PixelSink()
    svg = io.StringIO()
    with _fonts_from_memory():
        # FreeType's hinting is a third of a figure's drawing; at 120 dpi the unhinted,
        # antialiased text looks the same
        with rc_context({"text.hinting": "none"}):
            figure.savefig(pixels, format="rgba", dpi=PNG_DPI)
        with rc_context({"svg.fonttype": "none"}):  # text stays text: smaller, faster
            figure.savefig(svg, format="svg")
    png = png_bytes(pixels.rgba(), dpi=PNG_DPI)
    return RenderedFigure(name, title, png, _strip_xml_header(svg.getvalue()))


class _PixelSink(io.BytesIO):
    """A file for ``savefig(format="rgba")`` that keeps the pixels as an image: Agg writes its
    whole buffer at once, as a (height × width × 4) view."""

    def __init__(self) -> None:
        super().__init__()
        self._pixels: npt.NDArray[np.uint8] | None = None

    def write(self, data: Any, /) -> int:
        pixels = np.array(memoryview(data), dtype=np.uint8)  # a copy of Agg's own buffer
        if pixels.ndim != 3 or pixels.shape[2] != 4 or self._pixels is not None:
            raise RuntimeError("matplotlib's Agg canvas did not hand over its pixels at once")
        self._pixels = pixels
        return pixels.nbytes

    def rgba(self) -> npt.NDArray[np.uint8]:
        if self._pixels is None:
            raise RuntimeError("matplotlib's Agg canvas wrote no pixels")
        return self._pixels


def png_bytes(rgba: npt.NDArray[np.uint8], *, dpi: float) -> bytes:
    """A PNG of 8-bit RGBA pixels (height × width × 4) with its resolution, rows unfiltered.

    Pillow (which matplotlib saves PNGs with) tries five filters on every row: 10 ms of a
    figure's drawing. Unfiltered rows deflated at level 1 take 3 ms, and are smaller for
    plots (flat colours, long runs); any PNG reader decodes the same pixels.
    """
    height, width, _ = rgba.shape
    scanlines = np.zeros((height, 1 + width * 4), dtype=np.uint8)  # filter byte 0: none
    scanlines[:, 1:] = rgba.reshape(height, width * 4)
    pixels_per_metre = round(dpi / 0.0254)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            # width, height, 8 bits per channel, colour type 6 (RGBA), deflate, no interlace
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)),
            chunk(b"pHYs", struct.pack(">IIB", pixels_per_metre, pixels_per_metre, 1)),
            chunk(b"IDAT", zlib.compress(scanlines.tobytes(), 1)),
            chunk(b"IEND", b""),
        )
    )


@contextmanager
def _fonts_from_memory() -> Iterator[None]:
    """While drawing, matplotlib's fonts read from a copy of their files in memory.

    matplotlib hands FreeType each font as an open file: every glyph it loads is a seek and a
    read on that file, about 3,000 system calls per figure, a sixth of its drawing time. An
    in-memory file (``FT2Font`` takes any binary file object) draws the same pixels without
    them. Only for our drawing: the PDF and PostScript backends use a font's file name, which
    an in-memory font lacks. ``FONT_HOOK`` (matplotlib 3.10, the locked version) is where
    every font object is made; without it nothing changes.
    """
    from matplotlib import font_manager

    original = getattr(font_manager, FONT_HOOK, None)
    if original is None or original is _font_in_memory:  # none, or swapped by another drawing
        yield
        return
    setattr(font_manager, FONT_HOOK, _font_in_memory)
    try:
        yield
    finally:
        setattr(font_manager, FONT_HOOK, original)


@lru_cache(maxsize=16)
def _font_in_memory(
    font_filepaths: tuple[str, ...], hinting_factor: int, *, _kerning_factor: int, thread_id: int
) -> Any:
    """matplotlib's ``font_manager._get_font``, each font file read into memory once (the
    first font, with the others as its fallbacks; one font object per thread, as there)."""
    from matplotlib.ft2font import FT2Font

    first, *fallbacks = (io.BytesIO(Path(path).read_bytes()) for path in font_filepaths)
    return FT2Font(
        first,
        hinting_factor,
        _fallback_list=[
            FT2Font(font, hinting_factor, _kerning_factor=_kerning_factor) for font in fallbacks
        ],
        _kerning_factor=_kerning_factor,
    )


def _fixed_axes(
    axes: Any, x_ticks: Any, y_ticks: Any, *, xlabel: str, ylabel: str
) -> None:
    """Draw ``axes``' bottom and left axes as fixed artists, the way matplotlib's ``Axis`` would.

    Same rc settings (tick size, width, pad, colours, font sizes, label pad), same transforms
    (``get_xaxis_text1_transform``), tick texts from the axis' own formatter; each axis label
    sits ``axes.labelpad`` points beyond the tick labels' bounding box, as ``Axis`` puts it
    (an annotation anchored to a tick label, so it is measured at draw time, once).
    """
    from matplotlib import rcParams as typed_rc_params
    from matplotlib.lines import Line2D
    from matplotlib.markers import TICKDOWN, TICKLEFT, TICKRIGHT, TICKUP

    rcParams = cast("Mapping[str, Any]", typed_rc_params)  # keys built from "x"/"y" below
    # tick direction → (x marker, y marker, share of the tick outside the axes), as in Tick
    directions: dict[str, tuple[Any, Any, float]] = {
        "out": (TICKDOWN, TICKLEFT, 1.0),
        "in": (TICKUP, TICKRIGHT, 0.0),
        "inout": ("|", "_", 0.5),
    }
    # drawn where the Axis would be among the axes' artists (set by axes.axisbelow)
    zorder = axes.xaxis.get_zorder()
    labels: dict[str, list[Any]] = {}
    for name, ticks in (("x", x_ticks), ("y", y_ticks)):
        axis = axes.xaxis if name == "x" else axes.yaxis
        x_marker, y_marker, outside = directions[rcParams[f"{name}tick.direction"]]
        marker = x_marker if name == "x" else y_marker
        size, width = rcParams[f"{name}tick.major.size"], rcParams[f"{name}tick.major.width"]
        pad = rcParams[f"{name}tick.major.pad"] + outside * size
        colour = rcParams[f"{name}tick.color"]
        label_colour = rcParams[f"{name}tick.labelcolor"]
        if label_colour == "inherit":
            label_colour = colour
        locations = np.asarray(ticks, dtype=float)
        if name == "x":
            mark_transform = axes.get_xaxis_transform("tick1")
            text_transform, va, ha = axes.get_xaxis_text1_transform(pad)
            xy = (locations, np.zeros_like(locations))
        else:
            mark_transform = axes.get_yaxis_transform("tick1")
            text_transform, va, ha = axes.get_yaxis_text1_transform(pad)
            xy = (np.zeros_like(locations), locations)
        axes.add_artist(
            Line2D(
                *xy,
                transform=mark_transform,
                marker=marker,
                linestyle="none",
                color=colour,
                markeredgecolor=colour,
                markersize=size,
                markeredgewidth=width,
                zorder=zorder,
                clip_on=False,
            )
        )
        texts = axis.get_major_formatter().format_ticks(locations)
        labels[name] = [
            axes.text(
                *point,
                text,
                transform=text_transform,
                va=va,
                ha=ha,
                fontsize=rcParams[f"{name}tick.labelsize"],
                color=label_colour,
                zorder=zorder,
            )
            for point, text in zip(zip(*xy, strict=True), texts, strict=True)
        ]
        axis.set_visible(False)
    common = {
        "textcoords": "offset points",
        "fontsize": rcParams["axes.labelsize"],
        "fontweight": rcParams["axes.labelweight"],
        "color": rcParams["axes.labelcolor"],
        "annotation_clip": False,
        "zorder": zorder,
    }
    pad_points = rcParams["axes.labelpad"]
    axes.annotate(
        xlabel,
        xy=(0.5, 0.0),
        xycoords=("axes fraction", labels["x"][0]),
        xytext=(0.0, -pad_points),
        ha="center",
        va="top",
        **common,
    )
    widest = max(labels["y"], key=lambda text: len(text.get_text()))
    axes.annotate(
        ylabel,
        xy=(0.0, 0.5),
        xycoords=(widest, "axes fraction"),
        xytext=(-pad_points, 0.0),
        ha="center",
        va="bottom",
        rotation=90,
        rotation_mode="anchor",
        **common,
    )


def _legend(axes: Any, entries: Sequence[tuple[str, str]]) -> None:
    """Each curve's label and a short line of its colour, at the top right of ``axes``, the
    labels right-aligned before the lines (matplotlib's legend with ``markerfirst=False``, the
    same spacing).

    Fixed artists placed in points from the axes' corner: matplotlib's ``Legend`` measures and
    packs its entries again on every draw, a third of a Kaplan–Meier figure's drawing time.
    """
    from matplotlib.lines import Line2D
    from matplotlib.transforms import Affine2D, ScaledTranslation

    figure = axes.get_figure()
    # points from the axes' top right corner (the same on the PNG's and the SVG's canvas)
    corner = (
        Affine2D().scale(1 / 72)
        + figure.dpi_scale_trans
        + ScaledTranslation(1, 1, axes.transAxes)
    )
    line_end = -_LEGEND_EDGE_PT
    line_start = line_end - _LEGEND_LINE_PT
    for row, (label, colour) in enumerate(entries):
        y = -_LEGEND_EDGE_PT - _LEGEND_ROW_PT * (row + 0.5)
        axes.add_artist(
            Line2D(
                [line_start, line_end], [y, y], transform=corner, color=colour, linewidth=1.6
            )
        )
        axes.text(
            line_start - _LEGEND_GAP_PT,
            y,
            label,
            transform=corner,
            ha="right",
            va="center",
            fontsize=_LEGEND_FONT_PT,
        )


def _censor_ticks(months: np.ndarray, survival: np.ndarray, colour: str) -> Any:
    """All censoring marks of a curve as one path (one SVG element, not one per mark)."""
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path

    vertices = np.empty((2 * months.size, 2))
    vertices[0::2, 0] = months
    vertices[1::2, 0] = months
    vertices[0::2, 1] = survival - CENSOR_TICK_HALF_HEIGHT
    vertices[1::2, 1] = survival + CENSOR_TICK_HALF_HEIGHT
    codes = np.tile([Path.MOVETO, Path.LINETO], months.size)
    return PathPatch(Path(vertices, codes), edgecolor=colour, facecolor="none", linewidth=1.0)


def _numbers_at_risk(km: KaplanMeierFitter, days: np.ndarray) -> list[int]:
    """Patients with time >= each tick (the at-risk count just before it)."""
    index = np.searchsorted(km.timeline_, days, side="left")
    padded = np.concatenate((km.n_at_risk_, [0.0]))
    return [int(v) for v in padded[index]]


def _p_relation(p: float) -> str:
    text = format_p(p)
    return text if text.startswith("<") else f"= {text}"


def _strip_xml_header(svg: str) -> str:
    """Drop the XML prolog and DOCTYPE so the SVG can sit inside HTML."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg
