"""Server-rendered SVG bar charts: the geometry (bar_chart) and its SVG markup (svg, the `chart_svg` tag)."""

import html
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.formats import get_format
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 78, 12, 28, 36


@dataclass
class Series:
    name: str
    css: str
    values: list  # one per group; None = no bar


@dataclass
class Chart:
    title: str
    width: int = WIDTH
    height: int = HEIGHT
    bars: list = field(default_factory=list)
    xlabels: list = field(default_factory=list)
    yticks: list = field(default_factory=list)
    legend: list = field(default_factory=list)
    baseline: int = HEIGHT - BOTTOM
    left: int = LEFT


def compact(value) -> str:
    """665000000 -> '665M' (English) or '6.65亿' (Chinese): axis labels stay short."""
    value = Decimal(value)
    if (get_language() or "").startswith("zh"):
        for unit, size in (("亿", Decimal(10) ** 8), ("万", Decimal(10) ** 4)):
            if abs(value) >= size:
                return f"{(value / size).normalize():f}"[:6].rstrip(".") + unit
        return f"{value:f}"
    for unit, size in (("B", Decimal(10) ** 9), ("M", Decimal(10) ** 6), ("K", Decimal(10) ** 3)):
        if abs(value) >= size:
            return f"{(value / size).normalize():f}"[:5].rstrip(".") + unit
    return f"{value.normalize():f}"


def bar_chart(title, groups, series, *, top=None) -> Chart:
    """Grouped bars: one group per label, one bar per series; y from 0 to a rounded maximum."""
    chart = Chart(title=title)
    peak = _nice_max(top or max([Decimal(v) for s in series for v in s.values if v is not None] or [1]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    group_w = plot_w / max(len(groups), 1)
    bar_w = group_w * 0.7 / max(len(series), 1)
    for g, label in enumerate(groups):
        x0 = LEFT + g * group_w + group_w * 0.15
        chart.xlabels.append({"x": round(x0 + group_w * 0.35, 1), "y": HEIGHT - BOTTOM + 18, "text": label})
        for s_index, s in enumerate(series):
            value = s.values[g]
            if value is None:
                continue
            h = float(Decimal(value) / peak) * plot_h
            chart.bars.append(
                {
                    "x": round(x0 + s_index * bar_w, 1),
                    "y": round(HEIGHT - BOTTOM - h, 1),
                    "w": round(bar_w - 2, 1),
                    "h": round(h, 1),
                    "css": s.css,
                    "title": f"{label} — {s.name}: {compact(value)}",
                }
            )
    chart.yticks = [{"y": round(HEIGHT - BOTTOM - plot_h * i / 4, 1), "text": compact(peak * i / 4)} for i in range(5)]
    chart.legend = [{"x": LEFT + i * 190, "css": s.css, "text": s.name} for i, s in enumerate(series)]
    return chart


def _nice_max(value) -> Decimal:
    value = Decimal(value)
    if value <= 0:
        return Decimal(1)
    magnitude = Decimal(10) ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        candidate = magnitude * Decimal(str(step))
        if candidate >= value:
            return candidate
    return magnitude * 10


def svg(chart: Chart, testid=None) -> str:
    """The chart as SVG in a <figure>, written in Python rather than a template (issue 13 item 1: the template
    drew each of a chart's ~60 numbers through a template node, a sixth of the deal page's Python). The markup,
    whitespace included, is what templates/includes/chart.svg.html drew (tests/escrow/views/test_chart_svg.py
    compares them in English and Chinese): numbers as a template prints them (the language's decimal
    separator, no grouping), text escaped."""
    point = get_format("DECIMAL_SEPARATOR")

    def n(value):  # {{ value }} of an int or a float: localize() without grouping (USE_THOUSAND_SEPARATOR off)
        text = str(value)
        return text if point == "." else text.replace(".", point)

    def t(value):  # {{ value }} of a text: escaped as conditional_escape escapes it, without its detours
        return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))

    title, left, width = t(chart.title), n(chart.left), n(chart.width)
    out = [
        f'<figure class="chart" data-testid="{t(testid or "chart")}">\n'
        f'  <svg viewBox="0 0 {width} {n(chart.height)}" role="img" aria-label="{title}" class="chart-svg"'
        f' xmlns="http://www.w3.org/2000/svg">\n'
        f"    <title>{title}</title>\n    "
    ]
    for tick in chart.yticks:
        y = n(tick["y"])
        out.append(
            f'\n      <line x1="{left}" x2="{width}" y1="{y}" y2="{y}" class="grid"/>\n'
            f'      <text x="{n(chart.left - 6)}" y="{y}" class="axis-label" text-anchor="end"'
            f' dominant-baseline="middle">{t(tick["text"])}</text>\n    '
        )
    out.append("\n    ")
    for bar in chart.bars:
        out.append(
            f'\n      <rect x="{n(bar["x"])}" y="{n(bar["y"])}" width="{n(bar["w"])}" height="{n(bar["h"])}"'
            f' class="{t(bar["css"])}"><title>{t(bar["title"])}</title></rect>\n    '
        )
    baseline = n(chart.baseline)
    out.append(f'\n    <line x1="{left}" x2="{width}" y1="{baseline}" y2="{baseline}" class="axis"/>\n    ')
    for label in chart.xlabels:
        out.append(
            f'\n      <text x="{n(label["x"])}" y="{n(label["y"])}" class="axis-label"'
            f' text-anchor="middle">{t(label["text"])}</text>\n    '
        )
    out.append("\n    ")
    for item in chart.legend:
        out.append(
            f'\n      <rect x="{n(item["x"])}" y="6" width="12" height="12" class="{t(item["css"])}"/>\n'
            f'      <text x="{n(item["x"] + 18)}" y="16" class="legend-label">{t(item["text"])}</text>\n    '
        )
    out.append(f"\n  </svg>\n  <figcaption>{title}</figcaption>\n</figure>\n")
    return mark_safe("".join(out))  # noqa: S308 (every value above is escaped or a number)
