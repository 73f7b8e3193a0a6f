"""The charts' SVG is written in Python (escrow.views.charts.svg, issue 13 item 1): the markup must be what the
template it replaced (templates/includes/chart.svg.html, kept below as the reference) drew, byte for byte, in
English and in Chinese, texts escaped."""

from decimal import Decimal

import pytest
from django.template import engines
from django.utils import translation

from escrow.views.charts import Series, bar_chart, svg

# templates/includes/chart.svg.html as it was when escrow.views.charts.svg replaced it.
REFERENCE = '{% load i18n %}<figure class="chart" data-testid="{{ testid|default:\'chart\' }}">\n  <svg viewBox="0 0 {{ chart.width }} {{ chart.height }}" role="img" aria-label="{{ chart.title }}" class="chart-svg" xmlns="http://www.w3.org/2000/svg">\n    <title>{{ chart.title }}</title>\n    {% for tick in chart.yticks %}\n      <line x1="{{ chart.left }}" x2="{{ chart.width }}" y1="{{ tick.y }}" y2="{{ tick.y }}" class="grid"/>\n      <text x="{{ chart.left|add:\'-6\' }}" y="{{ tick.y }}" class="axis-label" text-anchor="end" dominant-baseline="middle">{{ tick.text }}</text>\n    {% endfor %}\n    {% for bar in chart.bars %}\n      <rect x="{{ bar.x }}" y="{{ bar.y }}" width="{{ bar.w }}" height="{{ bar.h }}" class="{{ bar.css }}"><title>{{ bar.title }}</title></rect>\n    {% endfor %}\n    <line x1="{{ chart.left }}" x2="{{ chart.width }}" y1="{{ chart.baseline }}" y2="{{ chart.baseline }}" class="axis"/>\n    {% for label in chart.xlabels %}\n      <text x="{{ label.x }}" y="{{ label.y }}" class="axis-label" text-anchor="middle">{{ label.text }}</text>\n    {% endfor %}\n    {% for item in chart.legend %}\n      <rect x="{{ item.x }}" y="6" width="12" height="12" class="{{ item.css }}"/>\n      <text x="{{ item.x|add:\'18\' }}" y="16" class="legend-label">{{ item.text }}</text>\n    {% endfor %}\n  </svg>\n  <figcaption>{{ chart.title }}</figcaption>\n</figure>\n'


def charts():
    yield bar_chart(
        "Audited revenue <against> target",
        ["Year 1", "Year 2"],
        [
            Series("Target", "bar-target", [Decimal("665000000"), Decimal("700000000.50")]),
            Series("Audited & revenue", "bar-revenue", [Decimal("598500000"), None]),
        ],
    )
    yield bar_chart(
        "Shares per year",
        ["Year 1", "Year 2", "Year 3"],
        [
            Series("Released", "bar-released", [1200000, 0, 0]),
            Series("Deducted", "bar-deducted", [34567, 0, None]),
            Series("Still in escrow", "bar-escrow", [0, 1266667, 1266666]),
        ],
        top=3800000,
    )
    yield bar_chart("Nothing yet", [], [])
    yield bar_chart('Small "values"', ["A", "B"], [Series("One", "x", [Decimal("0.5"), Decimal("3")])])


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_svg_is_what_the_template_drew(language):
    reference = engines["django"].from_string(REFERENCE)
    with translation.override(language):
        for chart in charts():
            for testid in ("revenue-chart", None):
                assert svg(chart, testid) == reference.render({"chart": chart, "testid": testid})
