"""Charts drawn on the server as inline SVG — a line, vertical columns, horizontal bars — each
with a Japanese title, <title>/<desc> and role="img" for screen readers, and the same numbers in
a table under a <details>.

The geometry (axis maximum, ticks, positions) is plain arithmetic in `Frame` and `nice_max`;
the markup is built here with every text escaped."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT = 960, 320
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 48  # margins of the plot area (axis labels)
BAR_LABEL = 260  # width of the category labels left of horizontal bars
BAR_ROW = 30  # height of one horizontal bar's row
INK, GRID, ACCENT = "#1a1a1c", "#c9ccd4", "#0031d8"


@dataclass(frozen=True, slots=True)
class Point:
    """One value: its axis label, the number, and how the table and the tooltip say it."""

    label: str
    value: float
    text: str
    heading: str | None = None  # the table's row heading, when fuller than the axis label


def nice_max(value: float, smallest: float = 5) -> float:
    """The axis maximum: the smallest of 1, 2, 2.5, 5 × 10^k that is ≥ value and ≥ `smallest`, so
    that its fifths (the gridlines) are round numbers, whole ones for counts."""
    value = max(value, smallest)
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= value)


def ticks(top: float, count: int = 5) -> list[float]:
    """Evenly spaced gridline values from 0 to `top`."""
    return [top * i / count for i in range(count + 1)]


@dataclass(frozen=True, slots=True)
class Frame:
    """The plot area inside the margins and the scale of the value axis."""

    width: float
    height: float
    top_value: float

    def y(self, value: float) -> float:
        """Vertical position of a value (0 at the bottom of the plot area)."""
        return TOP + (self.height - TOP - BOTTOM) * (1 - value / self.top_value)

    def slot(self, count: int) -> float:
        """The width of each of `count` evenly spaced categories."""
        return (self.width - LEFT - RIGHT) / count

    def x(self, index: int, count: int) -> float:
        """Horizontal centre of the index-th of `count` categories."""
        return LEFT + self.slot(count) * (index + 0.5)


def _number(value: float, unit: str) -> str:
    shown = f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"
    return f"{shown}{unit}"


def _svg(chart_id: str, title: str, desc: str, height: float, body: list[str]) -> str:
    return (f'<svg viewBox="0 0 {WIDTH} {height:.0f}" width="{WIDTH}" height="{height:.0f}" role="img" '
            f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg" '
            f'font-size="13" fill="{INK}">'
            f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(desc)}</desc>'
            + "".join(body) + "</svg>")


def _value_axis(frame: Frame, unit: str) -> list[str]:
    parts = []
    for value in ticks(frame.top_value):
        y = frame.y(value)
        parts.append(f'<line x1="{LEFT}" x2="{frame.width - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="{GRID}" stroke-width="1"/>'
                     f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end">{_number(value, unit)}</text>')
    return parts


def _tooltip(point: Point) -> str:
    return f"<title>{escape(point.heading or point.label)}: {escape(point.text)}</title>"


def _category_labels(frame: Frame, points: Sequence[Point], every: int) -> list[str]:
    y = frame.height - BOTTOM + 20
    return [f'<text x="{frame.x(i, len(points)):.1f}" y="{y}" text-anchor="middle">{escape(p.label)}</text>'
            for i, p in enumerate(points) if i % every == 0 or i == len(points) - 1]


def _figure(chart_id: str, title: str, svg: str, points: Sequence[Point], columns: tuple[str, str]) -> Markup:
    rows = "".join(f'<tr><th scope="row">{escape(p.heading or p.label)}</th><td class="num">{escape(p.text)}</td></tr>'
                   for p in points)
    return Markup(
        f'<figure class="chart" id="{chart_id}"><figcaption>{escape(title)}</figcaption>{svg}'
        f'<details><summary>数値を表で見る</summary><div class="table-wrap"><table>'
        f'<caption class="sr-only">{escape(title)}</caption><thead><tr><th scope="col">{escape(columns[0])}</th>'
        f'<th scope="col" class="num">{escape(columns[1])}</th></tr></thead><tbody>{rows}</tbody></table></div>'
        f'</details></figure>')


def line_chart(chart_id: str, title: str, desc: str, points: Sequence[Point], *, unit: str = "",
               top_value: float | None = None, columns: tuple[str, str] = ("", "値"),
               label_every: int = 1) -> Markup:
    """A line over evenly spaced categories (e.g. month ends), with a dot and tooltip per point."""
    frame = Frame(WIDTH, HEIGHT, top_value or nice_max(max((p.value for p in points), default=0)))
    body = _value_axis(frame, unit) + _category_labels(frame, points, label_every)
    if points:
        path = " ".join(f"{frame.x(i, len(points)):.1f},{frame.y(p.value):.1f}" for i, p in enumerate(points))
        body.append(f'<polyline points="{path}" fill="none" stroke="{ACCENT}" stroke-width="2.5"/>')
        body += [f'<circle cx="{frame.x(i, len(points)):.1f}" cy="{frame.y(p.value):.1f}" r="3.5" '
                 f'fill="{ACCENT}">{_tooltip(p)}</circle>' for i, p in enumerate(points)]
    return _figure(chart_id, title, _svg(chart_id, title, desc, HEIGHT, body), points, columns)


def column_chart(chart_id: str, title: str, desc: str, points: Sequence[Point], *, unit: str = "",
                 columns: tuple[str, str] = ("", "値")) -> Markup:
    """Vertical bars over categories (e.g. the coming months), the value over each bar."""
    frame = Frame(WIDTH, HEIGHT, nice_max(max((p.value for p in points), default=0)))
    body = _value_axis(frame, unit) + _category_labels(frame, points, 1)
    width = frame.slot(len(points) or 1) * 0.6
    for i, p in enumerate(points):
        x, y = frame.x(i, len(points)), frame.y(p.value)
        body.append(f'<rect x="{x - width / 2:.1f}" y="{y:.1f}" width="{width:.1f}" '
                    f'height="{frame.y(0) - y:.1f}" fill="{ACCENT}">{_tooltip(p)}</rect>'
                    f'<text x="{x:.1f}" y="{y - 5:.1f}" text-anchor="middle">{_number(p.value, "")}</text>')
    return _figure(chart_id, title, _svg(chart_id, title, desc, HEIGHT, body), points, columns)


def bar_chart(chart_id: str, title: str, desc: str, points: Sequence[Point], *,
              columns: tuple[str, str] = ("", "値")) -> Markup:
    """Horizontal bars, one row per category (long Japanese labels fit on the left)."""
    top_value = nice_max(max((p.value for p in points), default=0))
    height = TOP + BAR_ROW * max(len(points), 1) + 8
    span = WIDTH - BAR_LABEL - RIGHT - 48  # room for the value after the longest bar
    body = []
    for i, p in enumerate(points):
        y = TOP + BAR_ROW * i
        length = span * p.value / top_value
        body.append(f'<text x="{BAR_LABEL - 8}" y="{y + BAR_ROW / 2 + 4:.1f}" text-anchor="end">{escape(p.label)}</text>'
                    f'<rect x="{BAR_LABEL}" y="{y + 5}" width="{length:.1f}" height="{BAR_ROW - 10}" '
                    f'fill="{ACCENT}">{_tooltip(p)}</rect>'
                    f'<text x="{BAR_LABEL + length + 6:.1f}" y="{y + BAR_ROW / 2 + 4:.1f}">{escape(p.text)}</text>')
    body.append(f'<line x1="{BAR_LABEL}" x2="{BAR_LABEL}" y1="{TOP}" y2="{height - 8}" stroke="{INK}"/>')
    return _figure(chart_id, title, _svg(chart_id, title, desc, height, body), points, columns)
