"""The geometry of the report's charts: bars and lines placed on a grid, drawn as inline SVG.

The charts are SVG in the page, not pictures: the browser draws their Chinese
and English text with its own fonts (a PNG from matplotlib would need a CJK font
on the machine that plays the demo), they stay sharp at any zoom, and the file
stays self-contained. This module only computes where things go; the template
(``templates/report.html.j2``) writes the elements.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from complaint_events.labels import Label

WIDTH = 960
LABEL_WIDTH = 250  # room for a two-line bilingual label left of the bars
ROW = 46
TOP = 12
BOTTOM = 52  # tick labels and the axis title
RIGHT = 56  # room for the value beside the longest bar


@dataclass(frozen=True)
class Tick:
    at: float
    text: str


@dataclass(frozen=True)
class Segment:
    x: float
    width: float
    colour: str
    value: int


@dataclass(frozen=True)
class Bar:
    label: Label
    y: float
    height: float
    segments: tuple[Segment, ...]
    total: int
    end: float  # where the bar ends, for its value


@dataclass(frozen=True)
class LegendEntry:
    label: Label
    colour: str


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars, one per labelled row, each made of one or more coloured segments."""

    width: int
    height: int
    left: float
    plot_width: float
    plot_bottom: float
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    axis: Label
    legend: tuple[LegendEntry, ...]


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``top``."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [i * step for i in range(math.ceil(top / step - 1e-9) + 1)]


def bar_chart(
    rows: Sequence[tuple[Label, Sequence[int]]],
    axis: Label,
    colours: Sequence[str] = ("#2f6db5",),
    legend: Sequence[Label] = (),
) -> BarChart:
    """Bars for ``rows`` (a label and its segment values, stacked left to right)."""
    plot_width = WIDTH - LABEL_WIDTH - RIGHT
    top_value = max((sum(values) for _, values in rows), default=0)
    ticks = nice_ticks(top_value)
    scale = plot_width / ticks[-1]
    bars = []
    for i, (lab, values) in enumerate(rows):
        x = float(LABEL_WIDTH)
        segments = []
        for value, colour in zip(values, colours, strict=False):
            segments.append(Segment(x, value * scale, colour, value))
            x += value * scale
        bars.append(Bar(lab, TOP + i * ROW + 6, ROW - 12, tuple(segments), sum(values), x))
    plot_bottom = TOP + len(rows) * ROW
    return BarChart(
        width=WIDTH,
        height=int(plot_bottom + BOTTOM),
        left=LABEL_WIDTH,
        plot_width=plot_width,
        plot_bottom=plot_bottom,
        bars=tuple(bars),
        ticks=tuple(Tick(LABEL_WIDTH + t * scale, f"{t:g}") for t in ticks),
        axis=axis,
        legend=tuple(LegendEntry(lab, c) for lab, c in zip(legend, colours, strict=False)),
    )


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    text: str  # the value, for the point's tooltip


@dataclass(frozen=True)
class LineChart:
    """One series over labelled x positions, with a dashed target line across."""

    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    points: tuple[Point, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    target_y: float
    x_axis: Label
    y_axis: Label
    series: Label
    target: Label


def percent_line_chart(
    labels: Sequence[str],
    percents: Sequence[float],
    target: float,
    x_axis: Label,
    y_axis: Label,
    series: Label,
    target_label: Label,
) -> LineChart:
    """A 0-100 % line over ``labels`` (days), with a target line at ``target`` %."""
    left, right, top, bottom, height = 84.0, WIDTH - 24.0, 24.0, 340.0, 396
    span = right - left
    step = span / max(len(labels) - 1, 1)

    def y_of(value: float) -> float:
        return bottom - (bottom - top) * value / 100

    points = tuple(
        Point(left + i * step, y_of(p), f"{d}: {p:.0f}%")
        for i, (d, p) in enumerate(zip(labels, percents, strict=True))
    )
    return LineChart(
        width=WIDTH,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        points=points,
        x_ticks=tuple(Tick(left + i * step, d) for i, d in enumerate(labels)),
        y_ticks=tuple(Tick(y_of(v), f"{v}%") for v in range(0, 101, 20)),
        target_y=y_of(target),
        x_axis=x_axis,
        y_axis=y_axis,
        series=series,
        target=target_label,
    )
