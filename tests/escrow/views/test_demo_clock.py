"""Issue 12 item 9: the demo clock's bar in the header and its route; nothing of it outside the demo."""

from datetime import date

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import path, reverse

from escrow.actions.democlock import start_demo_clock
from escrow.models import HistoryEntry, TrancheState
from escrow.queries.clock import contract_today
from tests.conftest import tranche

URL = reverse("escrow:demo_clock")


@pytest.fixture
def demo(settings, deposited):
    settings.DEMO_CLOCK = True
    start_demo_clock(date(2026, 11, 30))
    return deposited


def test_without_the_demo_setting_no_bar_and_the_route_is_not_found(deposited, client_for, settings):
    settings.DEMO_CLOCK = False
    client = client_for("issuer")
    assert 'data-testid="demo-clock"' not in client.get(reverse("escrow:dashboard")).content.decode()
    assert client.post(URL, {"step": "day"}).status_code == 404


def test_the_bar_shows_the_date_and_a_day_opens_year_1(demo, client_for):
    client = client_for("issuer")
    page = client.get(reverse("escrow:deal", args=[demo.slug])).content.decode()
    assert 'data-testid="demo-clock-today">2026-11-30<' in page

    back = reverse("escrow:deal", args=[demo.slug])
    answer = client.post(URL, {"step": "day", "next": back}, follow=True)

    assert answer.redirect_chain == [(back, 302)]
    text = answer.content.decode()
    assert "The demo clock moved from 2026-11-30 to 2026-12-01; the deadline sweep ran for 1 day." in text
    assert 'data-testid="demo-clock-today">2026-12-01<' in text
    assert tranche(demo, 1).state == TrancheState.AWAITING_REPORT


def test_moves_to_a_date_in_chinese(demo, client_for):
    client = client_for("agent1")
    answer = client.post(URL, {"to": "2026-12-08"}, follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert contract_today() == date(2026, 12, 8)
    assert "演示时钟已从 2026-11-30 调至 2026-12-08" in answer.content.decode()


def test_a_refused_move_says_why_and_changes_nothing(demo, client_for):
    client = client_for("seller")
    answer = client.post(URL, {"to": "2026-01-01"}, follow=True)
    assert "The demo clock only moves forward: choose a date after 2026-11-30." in answer.content.decode()
    answer = client.post(URL, {"to": "next week"}, follow=True)
    assert answer.status_code == 200 and contract_today() == date(2026, 11, 30)
    assert not HistoryEntry.objects.filter(action="demo_clock_moved", details__started=False).exists()


def test_someone_with_no_role_sees_no_bar_and_is_refused(demo, outsider):
    client = Client()
    client.force_login(outsider)
    assert 'data-testid="demo-clock"' not in client.get(reverse("escrow:dashboard")).content.decode()
    assert client.post(URL, {"step": "day"}).status_code == 403
    assert Client().post(URL, {"step": "day"}).status_code == 302  # to sign-in
    assert contract_today() == date(2026, 11, 30)


def test_an_off_site_next_goes_to_the_dashboard(demo, client_for):
    answer = client_for("issuer").post(URL, {"step": "day", "next": "https://evil.example/"})
    assert answer.url == reverse("escrow:dashboard")


def test_the_500_page_needs_no_request_context():
    """Django renders 500.html without a context: it must still render, with its own words and styles."""
    page = render_to_string("500.html")
    assert "Server error" in page and "/static/css/portal.css" in page


def crash(request):
    raise RuntimeError("a bug")


urlpatterns = [path("crash/", crash)]


@pytest.mark.urls(__name__)
def test_a_crash_shows_the_portals_500_page_in_the_readers_language(db, settings):
    settings.DEBUG = False  # as in the demo (config/settings/local.py)
    client = Client(raise_request_exception=False)
    answer = client.get("/crash/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert answer.status_code == 500
    text = answer.content.decode()
    assert "服务器错误" in text and "a bug" not in text and "Traceback" not in text
