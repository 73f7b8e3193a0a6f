"""Dividends and votes on the escrowed shares (issue 14 items 2, 3; SPA 3.2, EA 1.3), driven through the actions."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from escrow import actions
from escrow.actions import holdings as act
from escrow.contract.errors import InvalidInput, NotAllowed, NotFound, WrongState
from escrow.models import Deal, Dividend, HistoryAction, HistoryEntry, Meeting, Notification, ShareMovement
from escrow.queries.clock import contract_today
from escrow.queries.holdings import BEIJING, dividend_view, in_escrow_on, meeting_view
from escrow.queries.quantities import consideration_today, schedule_for, sizes_for, year_figures
from tests.conftest import open_and_file, release, tranche

CLAUSE = "SPA 3.2, EA 1.3"


@pytest.fixture
def escrowed(kaixin, people):
    """Kaixin with the shares issued to the agent on 2025-12-19 (EA 1.1), year 1 released at 2,700,000."""
    actions.confirm_deposit(
        people["agent1"],
        kaixin,
        reference="DRS-KXIN-2025-1219",
        issue_date=date(2025, 12, 19),
        transfer_agent="Continental Stock Transfer",
        recipient_account="AUTOA2A book entry",
    )
    deal = Deal.objects.get(pk=kaixin.pk)
    open_and_file(deal, people, 1, "598500000")  # 10% short: 300,000 deducted (SPA 5.2)
    t = release(deal, people, 1)
    assert t.release_quantity == 2_700_000
    return deal, t.released_on


def _entry(action):
    return HistoryEntry.objects.filter(action=action).order_by("-pk").first()


def _cash(deal, people, record_date, per_share="0.05"):
    return act.record_dividend(
        people["issuer"],
        deal,
        kind="cash",
        declared_on=date(2026, 6, 1),
        record_date=record_date,
        payment_date=record_date,
        per_share=per_share,
        currency="usd",
    )


def test_entitlement_at_a_record_date_after_a_partial_release(escrowed, people):
    """The worked case: 15,000,000 deposited, year 1 released 2,700,000; a record date after that release
    counts 12,300,000 shares, one before it 15,000,000 (SPA 3.2: the shares in escrow at the record date)."""
    deal, released_on = escrowed
    assert in_escrow_on(deal, date(2025, 12, 18)) == 0
    assert in_escrow_on(deal, date(2025, 12, 19)) == 15_000_000
    assert in_escrow_on(deal, released_on - timedelta(days=1)) == 15_000_000
    assert in_escrow_on(deal, released_on) == 12_300_000

    before = _cash(deal, people, date(2026, 6, 30))
    after = _cash(deal, people, released_on)
    assert dividend_view(before).shares == 15_000_000 and dividend_view(before).cash == Decimal("750000")
    assert dividend_view(after).shares == 12_300_000 and dividend_view(after).cash == Decimal("615000")
    entry = _entry(HistoryAction.DIVIDEND_RECORDED)
    assert entry.clause == CLAUSE and entry.details["shares_in_escrow_at_record_date"] == 12_300_000
    assert entry.details["entitlement"] == "615000" and entry.details["currency"] == "USD"
    assert Notification.objects.filter(user=people["seller"], dedupe_key__startswith=f"dividend:{after.pk}").exists()


def test_the_agent_passes_the_dividend_through_and_the_seller_confirms(escrowed, people):
    deal, released_on = escrowed
    dividend = _cash(deal, people, released_on)
    with pytest.raises(WrongState):  # SPA 3.2: nothing to confirm before the agent paid
        act.confirm_dividend_receipt(people["seller"], deal, dividend.pk)
    with pytest.raises(NotAllowed):  # EA 1.3: the agent passes dividends through, not the issuer
        act.record_dividend_pass_through(
            people["issuer"], deal, dividend.pk, paid_on=released_on, reference="W-1", amount="615000"
        )
    with pytest.raises(InvalidInput) as caught:  # withholding is noted with its reason
        act.record_dividend_pass_through(
            people["agent1"], deal, dividend.pk, paid_on=released_on, reference="W-1", amount="553500", withheld="61500"
        )
    assert caught.value.field == "withholding_note"
    act.record_dividend_pass_through(
        people["agent1"],
        deal,
        dividend.pk,
        paid_on=released_on,
        reference="WIRE-2026-001",
        amount="553,500.00",
        withheld="61500",
        withholding_note="10% withholding tax",
    )
    dividend.refresh_from_db()
    assert dividend.entitled_shares == 12_300_000 and dividend.entitlement == Decimal("615000")
    assert dividend.paid_amount == Decimal("553500.00") and dividend.withholding_amount == Decimal("61500")
    entry = _entry(HistoryAction.DIVIDEND_PASSED_THROUGH)
    assert entry.clause == CLAUSE and entry.details["reference"] == "WIRE-2026-001"
    assert entry.details["withheld"] == "61500" and entry.details["withholding_note"] == "10% withholding tax"
    with pytest.raises(WrongState):  # once
        act.record_dividend_pass_through(
            people["agent2"], deal, dividend.pk, paid_on=released_on, reference="W-2", amount="1"
        )
    with pytest.raises(NotAllowed):  # SPA 3.2: the seller confirms its own receipt
        act.confirm_dividend_receipt(people["agent1"], deal, dividend.pk)
    act.confirm_dividend_receipt(people["seller"], deal, dividend.pk)
    dividend.refresh_from_db()
    assert dividend.receipt_confirmed_by == people["seller"] and dividend_view(dividend).status == "received"
    assert _entry(HistoryAction.DIVIDEND_RECEIPT_CONFIRMED).clause == CLAUSE
    with pytest.raises(WrongState):
        act.confirm_dividend_receipt(people["seller"], deal, dividend.pk)


def test_a_future_record_date_is_not_paid_yet(escrowed, people):
    deal, released_on = escrowed
    dividend = _cash(deal, people, released_on + timedelta(days=30))
    assert dividend_view(dividend).provisional
    with pytest.raises(WrongState, match="record date"):
        act.record_dividend_pass_through(
            people["agent1"], deal, dividend.pk, paid_on=released_on, reference="W", amount="1"
        )


def _stock(deal, people, record_date, per_share="0.1", policy=""):
    return act.record_dividend(
        people["issuer"],
        deal,
        kind="shares",
        declared_on=date(2026, 6, 1),
        record_date=record_date,
        payment_date=record_date,
        per_share=per_share,
        stock_policy=policy,
    )


def _conserved(deal):
    """deposited + rebased = released + returned + in escrow, and the tranches' remainders sum to the ledger."""
    b = ShareMovement.objects.filter(deal=deal).balances()
    assert b["deposited"] + b["rebased"] == b["released"] + b["returned"] + b["in_escrow"]
    figures = year_figures(Deal.objects.get(pk=deal.pk), deal.tranches.order_by("year"))
    assert sum(f.in_escrow for f in figures.values()) == b["in_escrow"]
    return b


def test_a_stock_dividend_enters_the_ledger_as_rebases_of_the_tranches_in_escrow(escrowed, people):
    """SPA 3.2, EA 1.3, EA 4.2 (issue 14 item 2, the lead's decision): a 10% stock dividend after the year-1
    release, on the 12,300,000 shares in escrow: 1,230,000 new shares, pro rata to what remains in escrow per
    tranche (year 1's 300,000 deducted shares get 30,000; years 2-5 300,000 each), written as signed rebases
    when the agent records them received. Conservation holds, year 1's release is untouched, the tranches still
    to be released grow, and the engine, the what-if and the year-2 release use the grown sizes."""
    deal, released_on = escrowed
    dividend = _stock(deal, people, released_on)
    view = dividend_view(dividend)
    assert view.shares == 12_300_000 and view.new_shares.shares == 1_230_000
    assert view.allocation == {1: 30_000, 2: 300_000, 3: 300_000, 4: 300_000, 5: 300_000}
    assert view.status == "awaiting_shares" and not ShareMovement.objects.filter(kind="rebase").exists()
    with pytest.raises(NotAllowed):  # EA 1.3: the agent holds the shares and records them received
        act.record_dividend_pass_through(
            people["issuer"], deal, dividend.pk, paid_on=released_on, reference="TA-SD", amount="1230000"
        )
    with pytest.raises(InvalidInput, match="1,230,000"):  # never typed twice: the ledger's figure or nothing
        act.record_dividend_pass_through(
            people["agent1"], deal, dividend.pk, paid_on=released_on, reference="TA-SD", amount="1200000"
        )
    act.record_dividend_pass_through(
        people["agent1"], deal, dividend.pk, paid_on=released_on, reference="TA-SD", amount="1,230,000"
    )

    rebases = ShareMovement.objects.filter(kind="rebase").order_by("tranche__year")
    assert {m.tranche.year: m.quantity for m in rebases} == view.allocation
    assert {m.fact_key for m in rebases} == {f"stock-dividend:{dividend.pk}:{y}" for y in range(1, 6)}
    assert {m.reference for m in rebases} == {"TA-SD"}
    b = _conserved(deal)
    assert b == {
        "deposited": 15_000_000,
        "rebased": 1_230_000,
        "released": 2_700_000,  # year 1's release untouched
        "returned": 0,
        "in_escrow": 13_530_000,
    }
    deal = Deal.objects.get(pk=deal.pk)
    assert sizes_for(deal) == [3_030_000, 3_300_000, 3_300_000, 3_300_000, 3_300_000]
    assert consideration_today(deal) == 16_230_000 and deal.total_shares == 15_000_000  # the agreement's figure
    assert tranche(deal, 1).release_quantity == 2_700_000
    # SPA 3.2: a later record date counts the new shares; the record date before the release does not.
    assert in_escrow_on(deal, released_on) == 13_530_000
    assert in_escrow_on(deal, released_on - timedelta(days=1)) == 15_000_000

    entry = _entry(HistoryAction.DIVIDEND_PASSED_THROUGH)
    assert entry.clause == "SPA 3.2, EA 1.3, EA 4.2" and "rebase" in entry.summary
    assert entry.details["allocation"] == {"1": 30_000, "2": 300_000, "3": 300_000, "4": 300_000, "5": 300_000}
    assert entry.details["consideration_after"] == 16_230_000
    from escrow.queries.reconcile import differences

    assert list(differences(deal)) == []  # issue 10 item 5: every rebase has its history entry
    received = dividend_view(Dividend.objects.get(pk=dividend.pk))
    assert received.status == "shares_in_escrow" and received.allocation == view.allocation
    with pytest.raises(WrongState, match="received"):  # once
        act.record_dividend_pass_through(
            people["agent1"], deal, dividend.pk, paid_on=released_on, reference="TA-SD", amount=""
        )
    with pytest.raises(WrongState, match="stay in escrow"):  # nothing reaches the seller to confirm
        act.confirm_dividend_receipt(people["seller"], deal, dividend.pk)

    # The engine and the what-if read the grown sizes (SPA 5.1 on today's basis).
    targets = [t.target_revenue for t in deal.tranches.order_by("year")]
    whatif = schedule_for(deal, actuals=["598500000", *targets[1:]])
    assert [y.tranche_shares for y in whatif.years] == [3_030_000, 3_300_000, 3_300_000, 3_300_000, 3_300_000]
    assert whatif.released_total + whatif.cancelled_at_expiry == 2_700_000 + 13_530_000
    # Year 2 on target releases its grown tranche (and no more of year 1 than is left of it in escrow).
    open_and_file(deal, people, 2, str(targets[1]))
    t2 = tranche(deal, 2)
    assert t2.own_release == 3_300_000
    release(deal, people, 2)
    assert ShareMovement.objects.get(kind="release", tranche=t2).quantity == t2.release_quantity
    assert _conserved(deal)["in_escrow"] == 13_530_000 - t2.release_quantity


def test_the_consideration_on_today_s_basis_is_shown_beside_the_agreement_s(escrowed, people, client):
    """Issue 14 item 2: the deal page, the API and the release statement show the consideration on today's basis
    (deposited + rebased) and keep deal.total_shares as the agreement's figure (SPA 1.1)."""
    from django.urls import reverse

    from escrow.queries.statements import statement_facts
    from tests.escrow.api.helpers import client_for

    deal, released_on = escrowed
    dividend = _stock(deal, people, released_on)
    act.record_dividend_pass_through(people["agent1"], deal, dividend.pk, paid_on=released_on, reference="TA-SD")
    deal = Deal.objects.get(pk=deal.pk)
    facts = statement_facts(deal)
    assert (facts.total_shares, facts.consideration_today) == (15_000_000, 16_230_000)
    assert facts.balances["rebased"] == 1_230_000
    client.force_login(people["seller"])
    html = client.get(reverse("escrow:deal", args=[deal.slug])).content.decode()
    assert 'data-testid="consideration-today"' in html and "16,230,000" in html and "15,000,000" in html
    assert 'data-testid="ledger-rebased"' in html
    body = client_for(people["seller"]).get(f"/api/deals/{deal.slug}/").json()
    assert (body["total_shares"], body["consideration_today"]) == (15_000_000, 16_230_000)


def test_the_new_shares_follow_the_dividend_policy(escrowed, people):
    deal, released_on = escrowed
    last = _stock(deal, people, released_on, per_share="0.05", policy="last-tranche")
    assert dividend_view(last).allocation == {5: 615_000}
    act.record_dividend_pass_through(people["agent2"], deal, last.pk, paid_on=released_on, reference="TA-L")
    assert dict(ShareMovement.objects.filter(kind="rebase").values_list("tranche__year", "quantity")) == {5: 615_000}
    assert sizes_for(Deal.objects.get(pk=deal.pk))[4] == 3_615_000 and _conserved(deal)["rebased"] == 615_000


def test_no_new_shares_while_a_year_is_fixed_in_the_old_count(escrowed, people):
    """As for a split (issue 14 item 4): a year whose quantity is computed but not released names old shares."""
    deal, released_on = escrowed
    dividend = _stock(deal, people, released_on)
    open_and_file(deal, people, 2, "700000000")
    with pytest.raises(WrongState, match="Year\\(s\\) 2"):
        act.record_dividend_pass_through(people["agent1"], deal, dividend.pk, paid_on=released_on, reference="X")
    assert not ShareMovement.objects.filter(kind="rebase").exists()


def test_dividend_input_is_checked(escrowed, people):
    deal, _released_on = escrowed
    common = {"kind": "cash", "declared_on": "2026-06-01", "record_date": "2026-06-30", "payment_date": "2026-07-15"}
    with pytest.raises(InvalidInput) as caught:
        act.record_dividend(people["issuer"], deal, **common, per_share="0", currency="USD")
    assert caught.value.field == "per_share"
    with pytest.raises(InvalidInput) as caught:
        act.record_dividend(
            people["issuer"], deal, **{**common, "record_date": "2026-05-01"}, per_share="1", currency="USD"
        )
    assert caught.value.field == "record_date"
    with pytest.raises(InvalidInput) as caught:
        act.record_dividend(people["issuer"], deal, **common, per_share="1", currency="dollars")
    assert caught.value.field == "currency"
    for who in ("seller", "agent1", "purchaser", "auditor", "compliance"):
        with pytest.raises(NotAllowed):
            act.record_dividend(people[who], deal, **common, per_share="1", currency="USD")
    assert not Dividend.objects.exists()


def test_no_dividend_before_the_shares_are_in_escrow(kaixin, people):
    with pytest.raises(WrongState):
        act.record_dividend(
            people["issuer"],
            kaixin,
            kind="cash",
            declared_on="2026-06-01",
            record_date="2026-06-30",
            payment_date="2026-07-15",
            per_share="1",
            currency="USD",
        )


def _meeting(deal, people, record_date, meeting_date, **kw):
    return act.record_meeting(
        people["issuer"],
        deal,
        record_date=record_date,
        meeting_date=meeting_date,
        resolutions="Re-elect the directors\nAppoint the auditor\n",
        **kw,
    )


def test_a_vote_instructed_and_lodged(escrowed, people):
    deal, released_on = escrowed
    meeting = _meeting(deal, people, released_on, released_on + timedelta(days=40))
    assert meeting.resolutions == [
        {"number": 1, "text": "Re-elect the directors"},
        {"number": 2, "text": "Appoint the auditor"},
    ]
    cut_off = meeting.cut_off.astimezone(BEIJING)
    assert (cut_off.hour, cut_off.minute) == (17, 0) and cut_off.date() < meeting.meeting_date
    assert _entry(HistoryAction.MEETING_RECORDED).clause == CLAUSE

    with pytest.raises(NotAllowed):  # SPA 3.2: the voting rights are the seller's
        act.instruct_vote(people["issuer"], deal, meeting.pk, choices={1: "for", 2: "for"})
    with pytest.raises(InvalidInput):
        act.instruct_vote(people["seller"], deal, meeting.pk, choices={1: "for"})
    with pytest.raises(WrongState, match="no voting instruction"):
        act.record_proxy_lodged(people["agent1"], deal, meeting.pk, lodged_on=released_on, reference="P-1")
    act.instruct_vote(people["seller"], deal, meeting.pk, choices={1: "for", 2: "for"})
    second = act.instruct_vote(people["seller"], deal, meeting.pk, choices={"1": "for", "2": "against"})
    assert second.shares == 12_300_000
    entry = _entry(HistoryAction.VOTE_INSTRUCTED)
    assert entry.clause == CLAUSE and entry.details["choices"] == {"1": "for", "2": "against"}
    assert entry.details["replaces"] is not None

    with pytest.raises(NotAllowed):  # EA 1.3: the agent lodges
        act.record_proxy_lodged(people["seller"], deal, meeting.pk, lodged_on=released_on, reference="P-1")
    act.record_proxy_lodged(people["agent1"], deal, meeting.pk, lodged_on=released_on, reference="PROXY-2026-07")
    meeting.refresh_from_db()
    assert meeting.lodged_instruction == second and meeting.lodged_reference == "PROXY-2026-07"
    entry = _entry(HistoryAction.PROXY_LODGED)
    assert entry.clause == CLAUSE and entry.details["choices"] == {"1": "for", "2": "against"}
    assert entry.details["shares"] == 12_300_000
    assert meeting_view(meeting).status == "proxy_lodged"
    with pytest.raises(WrongState, match="lodged"):  # once lodged, nothing changes
        act.instruct_vote(people["seller"], deal, meeting.pk, choices={1: "against", 2: "against"})
    with pytest.raises(WrongState):
        act.record_proxy_lodged(people["agent2"], deal, meeting.pk, lodged_on=released_on, reference="P-2")


def test_no_instruction_after_the_cut_off(escrowed, people):
    deal, released_on = escrowed
    today = contract_today()
    meeting = _meeting(deal, people, released_on, today + timedelta(days=1))  # default cut-off: already passed
    assert meeting.cut_off < datetime.now(BEIJING)
    with pytest.raises(WrongState, match="cut-off"):
        act.instruct_vote(people["seller"], deal, meeting.pk, choices={1: "for", 2: "for"})
    assert meeting_view(meeting).status == "no_instruction"
    explicit = _meeting(
        deal, people, released_on, today + timedelta(days=20), cut_off=f"{today + timedelta(days=3)} 12:00"
    )
    assert explicit.cut_off == datetime.combine(
        today + timedelta(days=3), datetime.min.time().replace(hour=12), BEIJING
    )
    act.instruct_vote(people["seller"], deal, explicit.pk, choices={1: "abstain", 2: "for"})


def test_meeting_input_is_checked(escrowed, people):
    deal, _released_on = escrowed
    with pytest.raises(InvalidInput) as caught:
        _meeting(deal, people, "2026-07-01", "2026-06-01")
    assert caught.value.field == "meeting_date"
    with pytest.raises(InvalidInput) as caught:
        act.record_meeting(people["issuer"], deal, record_date="2026-06-01", meeting_date="2026-07-01", resolutions="")
    assert caught.value.field == "resolutions"
    with pytest.raises(InvalidInput) as caught:
        _meeting(deal, people, "2026-06-01", "2026-07-01", cut_off="2026-07-02 10:00")
    assert caught.value.field == "cut_off"
    for who in ("seller", "agent1", "purchaser", "auditor", "compliance"):
        with pytest.raises(NotAllowed):
            act.record_meeting(people[who], deal, record_date="2026-06-01", meeting_date="2026-07-01", resolutions="x")
    assert not Meeting.objects.exists()


def test_a_stranger_sees_no_dividend(escrowed, people, outsider):
    deal, released_on = escrowed
    dividend = _cash(deal, people, released_on)
    with pytest.raises(NotFound):
        act.confirm_dividend_receipt(outsider, deal, dividend.pk)
