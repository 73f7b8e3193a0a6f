"""The charts' SVG is written in Python (escrow.views.charts.svg, issue 13 item 1): the markup must be what the
template it replaced (templates/includes/chart.svg.html, kept as chart_svg_reference.html next to this file)
drew, byte for byte, in English and in Chinese, texts escaped."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.template import engines
from django.utils import translation

from escrow.views.charts import Series, bar_chart, svg

# templates/includes/chart.svg.html as it was when escrow.views.charts.svg replaced it.
REFERENCE = (Path(__file__).parent / "chart_svg_reference.html").read_text()


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
