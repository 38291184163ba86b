"""Charts as SVG, drawn on the server from plain numbers (no Django, no script, no CDN).

The same SVG is inlined in the dashboard and drawn into the monthly report's PDF, so colours
are attributes (not CSS classes) and every text is an SVG <text>. The caller gives labels
already in the reader's language and locale (`1.234`, `mar 2026`); each chart also has a
table, which the page shows beside it for screen readers and for a quick read."""

from dataclasses import dataclass, field
from html import escape

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 70, 12, 14, 44
# Colours readable on white and told apart by people with the common colour blindness
# (Okabe-Ito), in the order series use them.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
TICKS = 5  # 1, 2, 2.5 and 5 times a power of ten divide into five round steps
INK, GRID, MUTED = "#1f2933", "#d9dee3", "#616e7c"


@dataclass
class Series:
    name: str
    values: list[float]
    color: str = ""


@dataclass
class Chart:
    title: str
    labels: list[str]  # one per bucket (x axis)
    series: list[Series]
    stacked: bool = False
    kind: str = "bars"  # "bars" or "lines"
    fmt: object = field(default=str)  # a number -> its words on the axis (locale, money)


def nice_ceiling(value: float) -> float:
    """The round number the axis ends at: 1, 2, 2.5 or 5 times a power of ten, at least value."""
    if value <= 0:
        return 1
    power = 1
    while power * 10 <= value:
        power *= 10
    while power > value:
        power /= 10
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def _text(x, y, words, *, anchor="middle", size=11, color=MUTED, weight="normal"):
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
        f'font-family="DejaVu Sans, sans-serif" font-weight="{weight}" fill="{color}">'
        f"{escape(str(words))}</text>"
    )


def _frame(chart: Chart, top_value: float) -> list[str]:
    plot_h = HEIGHT - TOP - BOTTOM
    parts = []
    for i in range(TICKS + 1):
        value = top_value * i / TICKS
        y = TOP + plot_h - plot_h * i / TICKS
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(_text(LEFT - 6, y + 4, chart.fmt(value), anchor="end", size=10))
    return parts


def _x_labels(chart: Chart, slot: float) -> list[str]:
    n = len(chart.labels)
    every = max(1, -(-n // 12))  # at most about twelve labels under the axis
    parts = []
    for i, label in enumerate(chart.labels):
        if i % every == 0:
            x = LEFT + slot * i + slot / 2
            parts.append(_text(x, HEIGHT - BOTTOM + 16, label, size=10))
    return parts


def _legend(chart: Chart) -> list[str]:
    parts, x = [], LEFT
    y = HEIGHT - 10
    for index, serie in enumerate(chart.series):
        color = serie.color or PALETTE[index % len(PALETTE)]
        parts.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{color}"/>')
        parts.append(_text(x + 14, y, serie.name, anchor="start", size=10, color=INK))
        x += 24 + 6.2 * len(serie.name)
    return parts


def svg(chart: Chart, *, chart_id: str = "chart") -> str:
    """The chart as an SVG element, scaled to its container's width."""
    n = max(len(chart.labels), 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / n
    if chart.stacked:
        peak = max(
            (sum(max(s.values[i], 0) for s in chart.series) for i in range(len(chart.labels))),
            default=0,
        )
    else:
        peak = max((max(s.values, default=0) for s in chart.series), default=0)
    top_value = max(nice_ceiling(peak), TICKS)  # whole steps for small counts
    parts = _frame(chart, top_value)

    def y_of(value):
        return TOP + plot_h - plot_h * (value / top_value)

    if chart.kind == "lines":
        for index, serie in enumerate(chart.series):
            color = serie.color or PALETTE[index % len(PALETTE)]
            points = " ".join(
                f"{LEFT + slot * i + slot / 2:.1f},{y_of(v):.1f}"
                for i, v in enumerate(serie.values)
            )
            if len(serie.values) == 1:
                x = LEFT + slot / 2
                parts.append(
                    f'<circle cx="{x:.1f}" cy="{y_of(serie.values[0]):.1f}" r="3" fill="{color}"/>'
                )
            elif points:
                parts.append(
                    f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2.5"/>'
                )
    else:
        groups = 1 if chart.stacked else max(len(chart.series), 1)
        bar_w = max(slot * 0.7 / groups, 1)
        for i in range(len(chart.labels)):
            base = 0.0
            for index, serie in enumerate(chart.series):
                color = serie.color or PALETTE[index % len(PALETTE)]
                value = max(serie.values[i], 0)
                if chart.stacked:
                    x = LEFT + slot * i + slot * 0.15
                    y1, y0 = y_of(base + value), y_of(base)
                    base += value
                else:
                    x = LEFT + slot * i + slot * 0.15 + bar_w * index
                    y1, y0 = y_of(value), y_of(0)
                if y0 - y1 > 0.05:
                    parts.append(
                        f'<rect x="{x:.1f}" y="{y1:.1f}" width="{bar_w:.1f}" '
                        f'height="{y0 - y1:.1f}" fill="{color}"/>'
                    )
    parts.append(
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" '
        f'stroke="{INK}" stroke-width="1"/>'
    )
    parts.extend(_x_labels(chart, slot))
    parts.extend(_legend(chart))
    title = escape(chart.title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby="{chart_id}-t" '
        f'class="chart" preserveAspectRatio="xMinYMin meet">'
        f'<title id="{chart_id}-t">{title}</title>' + "".join(parts) + "</svg>"
    )


def hbars(title: str, items: list[tuple[str, float, str]], *, chart_id: str = "chart") -> str:
    """Horizontal bars, one per (label, value, value's words): a funnel, reasons, peers."""
    row, label_w = 30, 210
    height = TOP + row * max(len(items), 1) + 6
    peak = max((value for _label, value, _words in items), default=0) or 1
    plot_w = WIDTH - label_w - 90
    parts = []
    for i, (label, value, words) in enumerate(items):
        y = TOP + row * i
        width = plot_w * max(value, 0) / peak
        parts.append(_text(label_w - 8, y + 15, label, anchor="end", size=11, color=INK))
        if width > 0.05:
            parts.append(
                f'<rect x="{label_w}" y="{y + 3}" width="{width:.1f}" height="{row - 10}" '
                f'fill="{PALETTE[0]}"/>'
            )
        parts.append(_text(label_w + width + 6, y + 15, words, anchor="start", size=11, color=INK))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-labelledby="{chart_id}-t" '
        f'class="chart" preserveAspectRatio="xMinYMin meet">'
        f'<title id="{chart_id}-t">{escape(title)}</title>' + "".join(parts) + "</svg>"
    )
