"""Issue 13 item 4: `email.compose` fills a frame rendered once per language and shape (a %-format string,
values escaped with html.escape for the HTML part, the link from a path reversed once, the language and URL
settings looked up once per memo); every email must read exactly as the two templates render it with the
values themselves (the way compose worked before the sweep needed it fast)."""

import itertools
from datetime import date
from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.test import override_settings
from django.utils import translation

from escrow.contract.moments import iso_day
from escrow.notifications.email import compose, page_url

DEAL = SimpleNamespace(pk=1, slug="kaixin-2025", name="Kaixin")
YEAR = SimpleNamespace(pk=7, year=3)
# Values that would trip a naive fill: format fields, markers, what HTML escapes, Chinese.
TRICKY = ["Kaixin: year 1 — due in 7 days", "%(link)s 100% <b>&amp;</b> \"'", "\x00subject\x00 %s %%", "开心：第1年"]


def _templates(subject, body, clause, due, link):
    context = {"subject": subject, "body": body, "clause": clause, "due": iso_day(due), "link": link}
    return (
        render_to_string("email/notification.txt", context).strip() + "\n",
        render_to_string("email/notification.html", context),
    )


@override_settings(PORTAL_BASE_URL="https://escrow.example.com")
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_framed_email_reads_as_the_templates_render_it(language):
    shapes = itertools.product(TRICKY, ["", *TRICKY], ["", "SPA 4.2, EA 3.1(a)", TRICKY[1]], [None, date(2027, 1, 29)])
    places = [(DEAL, YEAR), (DEAL, None), (None, None)]
    with translation.override(language):
        memo = {}
        for (subject, body, clause, due), (deal, tranche) in itertools.product(shapes, places):
            for given in (None, memo):  # one email alone, and many sharing one memo (as notify_many does)
                email = compose(subject, body, deal=deal, tranche=tranche, clause=clause, due=due, memo=given)
                expected = _templates(subject, body, clause, due, page_url(deal, tranche))
                assert (email.text, email.html) == expected, (subject, body, clause, due)
