"""The "Dividends and votes" page, its forms, its API reads and the voting reminders (issue 14 items 2, 3;
SPA 3.2, EA 1.3): each person is offered only what they can do now, in both languages."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from escrow.actions import holdings as act
from escrow.actions.deadlines import sweep
from escrow.models import Dividend, HistoryEntry, Meeting, Notification
from escrow.queries.clock import contract_today
from tests.escrow.actions.test_holdings import escrowed  # noqa: F401  (fixture: 2,700,000 released in year 1)
from tests.escrow.api.helpers import client_for
from tests.escrow.deadlines.conftest import on


def _client(user, language="en"):
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def _page(user, deal, language="en"):
    response = _client(user, language).get(reverse("escrow:holdings", args=[deal.slug]))
    assert response.status_code == 200
    return response.content.decode()


def _dividend(deal, people, record_date):
    return act.record_dividend(
        people["issuer"],
        deal,
        kind="cash",
        declared_on=date(2026, 6, 1),
        record_date=record_date,
        payment_date=record_date,
        per_share="0.05",
        currency="USD",
    )


def test_the_deal_page_links_to_dividends_and_votes(escrowed, people):  # noqa: F811
    deal, _ = escrowed
    html = _client(people["compliance"]).get(reverse("escrow:deal", args=[deal.slug])).content.decode()
    assert reverse("escrow:holdings", args=[deal.slug]) in html and 'data-testid="tab-holdings"' in html


def test_each_role_is_offered_only_its_step(escrowed, people):  # noqa: F811
    deal, released_on = escrowed
    dividend = _dividend(deal, people, released_on)
    issuer, agent, seller = (_page(people[p], deal) for p in ("issuer", "agent1", "seller"))
    assert "record-dividend-link" in issuer and "record-meeting-link" in issuer
    assert "record-dividend-link" not in agent and "record-dividend-link" not in seller
    for html in (issuer, agent, seller):
        assert "12,300,000" in html and "USD 615,000.00" in html  # on the shares in escrow at the record date
    assert "pass-through-link" in agent and "pass-through-link" not in issuer and "pass-through-link" not in seller
    assert "receipt-link" not in seller  # nothing paid yet

    response = _client(people["agent1"]).post(
        reverse("escrow:dividend_pass_through", args=[deal.slug]),
        {"dividend": dividend.pk, "paid_on": released_on.isoformat(), "reference": "WIRE-7", "amount": "615,000.00"},
    )
    assert response.status_code == 302
    seller = _page(people["seller"], deal)
    assert "receipt-link" in seller and "WIRE-7" in seller
    assert "pass-through-link" not in _page(people["agent1"], deal)

    # A second tab posting the pass-through again changes nothing and says why (issue 12 item 3).
    agent2 = _client(people["agent2"])  # signing in is in the account history
    before = HistoryEntry.objects.count()
    again = agent2.post(
        reverse("escrow:dividend_pass_through", args=[deal.slug]),
        {"dividend": dividend.pk, "paid_on": released_on.isoformat(), "reference": "WIRE-8", "amount": "1"},
    )
    assert again.status_code == 409 and 'data-testid="stale-reason"' in again.content.decode()
    assert HistoryEntry.objects.count() == before


def test_a_vote_through_the_pages_in_chinese(escrowed, people):  # noqa: F811
    deal, released_on = escrowed
    meeting = act.record_meeting(
        people["issuer"],
        deal,
        record_date=released_on,
        meeting_date=released_on + timedelta(days=40),
        resolutions="Re-elect the directors\nAppoint the auditor",
    )
    seller = _client(people["seller"], "zh-hans")
    form = seller.get(reverse("escrow:instruct_vote", args=[deal.slug]) + f"?meeting={meeting.pk}")
    html = form.content.decode()
    assert form.status_code == 200 and 'data-testid="holding-form"' in html and "Re-elect the directors" in html
    with translation.override("zh-hans"):
        assert translation.gettext("Give the voting instruction") in html
        assert translation.gettext("Give the voting instruction") != "Give the voting instruction"
    posted = seller.post(
        reverse("escrow:instruct_vote", args=[deal.slug]),
        {"meeting": meeting.pk, "resolution_1": "for", "resolution_2": "abstain"},
    )
    assert posted.status_code == 302
    page = _page(people["seller"], deal, "zh-hans")
    with translation.override("zh-hans"):
        assert translation.gettext("Abstain") in page and translation.gettext("Dividends and votes") in page
    history = _client(people["seller"], "zh-hans").get(reverse("escrow:history", args=[deal.slug])).content.decode()
    assert "12,300,000" in history
    agent = _client(people["agent1"])
    posted = agent.post(
        reverse("escrow:proxy_lodged", args=[deal.slug]),
        {"meeting": meeting.pk, "lodged_on": released_on.isoformat(), "reference": "PROXY-9"},
    )
    assert posted.status_code == 302
    assert Meeting.objects.get(pk=meeting.pk).lodged_reference == "PROXY-9"
    assert "instruct-link" not in _page(people["seller"], deal)


def test_the_api_lists_dividends_and_meetings(escrowed, people, outsider):  # noqa: F811
    deal, released_on = escrowed
    _dividend(deal, people, released_on)
    act.record_meeting(
        people["issuer"], deal, record_date=released_on, meeting_date=released_on + timedelta(days=40), resolutions="A"
    )
    body = client_for(people["auditor"]).get(f"/api/deals/{deal.slug}/dividends/").json()
    assert body[0]["shares_in_escrow_at_record_date"] == 12_300_000 and body[0]["entitlement"] == "615000"
    assert body[0]["status"] == "awaiting_pass_through" and body[0]["clause"] == "SPA 3.2, EA 1.3"
    meetings = client_for(people["seller"]).get(f"/api/deals/{deal.slug}/meetings/").json()
    assert (
        meetings[0]["resolutions"] == [{"number": 1, "text": "A"}] and meetings[0]["status"] == "awaiting_instruction"
    )
    assert client_for(outsider).get(f"/api/deals/{deal.slug}/dividends/").status_code == 404
    schema = client_for(people["seller"]).get("/api/schema/", {"format": "json"}).json()
    assert "/api/deals/{ref}/dividends/" in schema["paths"] and "/api/deals/{ref}/meetings/" in schema["paths"]


@pytest.mark.django_db
def test_the_seller_is_reminded_before_the_cut_off_once(escrowed, people):  # noqa: F811
    deal, released_on = escrowed
    today = contract_today()
    meeting = act.record_meeting(
        people["issuer"],
        deal,
        record_date=released_on,
        meeting_date=today + timedelta(days=30),
        resolutions="A",
        cut_off=f"{today + timedelta(days=3)} 17:00",
    )
    reminders = Notification.objects.filter(dedupe_key__startswith=f"meeting:{meeting.pk}:cut-off")
    with on(today, hour=12):
        sweep(today=today)
        sweep(today=today)  # a repeated tick sends nothing twice
    assert list(reminders.values_list("user__username", flat=True)) == ["seller"]
    assert reminders.get().dedupe_key.startswith(f"meeting:{meeting.pk}:cut-off:{today + timedelta(days=3)}:3:")
    act.instruct_vote(people["seller"], deal, meeting.pk, choices={1: "for"})
    with on(today + timedelta(days=2), hour=12):
        sweep(today=today + timedelta(days=2))
    assert reminders.count() == 1  # instructed: no more reminders
    assert Dividend.objects.count() == 0
