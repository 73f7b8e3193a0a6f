"""One date style per language (issue 12 item 2): ISO 8601 dates on every page in both languages, never
"Jan. 29, 2027" or "01/29/2027"; every moment on the Beijing clock and labelled so, exports and their file
names included."""

import csv
import io
import re
from datetime import UTC, date, datetime

import pytest
from django.urls import reverse
from django.utils import translation

from escrow.contract.moments import beijing_clock, file_stamp, iso_day
from escrow.history.chain import chain_key_for
from escrow.models import HistoryChain
from escrow.templatetags.portal import day, moment
from escrow.views.forms import HistoryFilterForm
from tests.conftest import open_and_file, release

pytestmark = pytest.mark.django_db

US_OR_ABBREVIATED = re.compile(
    r"\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b(Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.? \d{1,2}, \d{4}"
)
# 16:30 UTC on 29 January 2027 is 00:30 on 30 January in Beijing: a UTC label would show the wrong day.
LATE = datetime(2027, 1, 29, 16, 30, tzinfo=UTC)


def test_a_date_is_iso_in_both_languages_and_a_moment_is_beijing_time_labelled():
    for language, label in (("en", "2027-01-30 00:30 (Beijing time)"), ("zh-hans", "2027-01-30 00:30（北京时间）")):
        with translation.override(language):
            assert day(date(2027, 1, 29)) == "2027-01-29"
            assert moment(LATE) == label
            assert moment(LATE, "bare") == "2027-01-30 00:30"
            assert day(None) == moment(None) == "—"
    assert iso_day(LATE) == "2027-01-30"  # a moment's contract day is its Beijing day
    assert beijing_clock(LATE, seconds=True) == "2027-01-30 00:30:00"
    assert file_stamp(LATE) == "20270130-003000"


def test_django_formats_dates_iso_in_both_languages_too():
    """What a template renders without our filters (a bare {{ date }}, the admin) is ISO as well."""
    from django.template import Context, Template

    template = Template('{{ d }} {{ d|date:"DATE_FORMAT" }} {{ d|date:"SHORT_DATE_FORMAT" }}')
    for language in ("en", "zh-hans"):
        with translation.override(language):
            assert template.render(Context({"d": date(2027, 1, 29)})) == "2027-01-29 2027-01-29 2027-01-29"


def test_date_fields_are_iso_text_boxes_not_the_browsers_locale_picker():
    """Chromium shows <input type=date> in the browser's locale (01/29/2027 in en-US)."""
    html = str(HistoryFilterForm(parties=(), people=(), actions=())["date_from"])
    assert 'type="text"' in html and 'placeholder="YYYY-MM-DD"' in html and "pattern=" in html


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_pages_show_one_date_style(deposited, people, client_for, language):
    open_and_file(deposited, people, 1, "598500000")
    release(deposited, people, 1)
    client = client_for("agent1")
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    pages = [
        reverse("escrow:dashboard"),
        reverse("escrow:deal", args=[deposited.slug]),
        reverse("escrow:tranche", args=[deposited.slug, 1]),
        reverse("escrow:history", args=[deposited.slug]),
        reverse("escrow:notifications"),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert not US_OR_ABBREVIATED.search(html), (url, US_OR_ABBREVIATED.search(html).group())
        assert re.search(r"\b20\d\d-\d\d-\d\d\b", html), url
    tranche_page = client.get(pages[2]).content.decode()
    assert ("When (Beijing time)" if language == "en" else "时间（北京时间）") in tranche_page


def test_history_exports_are_in_beijing_time_and_so_is_their_file_name(deposited, people, client_for):
    client = client_for("agent1")
    response = client.get(reverse("escrow:history_csv", args=[deposited.slug]))
    name = re.search(r'filename="([^"]+)"', response["Content-Disposition"]).group(1)
    assert re.fullmatch(rf"{deposited.slug}-history-\d{{8}}-\d{{6}}-beijing\.csv", name)
    rows = [r for r in csv.reader(io.StringIO(response.content.decode("utf-8-sig"))) if not r[0].startswith("#")]
    assert rows[0][1] == "at (Beijing time, UTC+8)"
    first = HistoryChain.objects.get(key=chain_key_for(deposited)).entries.order_by("seq").first()
    assert rows[1][1] == beijing_clock(first.at, seconds=True)
    heading = response.content.decode("utf-8-sig").splitlines()[2]
    assert "Beijing time (UTC+8)" in heading and "UTC" not in heading.replace("UTC+8", "")
    pdf = client.get(reverse("escrow:history_pdf", args=[deposited.slug]))
    assert re.search(r'-beijing\.pdf"$', pdf["Content-Disposition"])
