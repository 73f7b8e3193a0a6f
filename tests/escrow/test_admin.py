"""Staff admin: history, ledger and tranche states cannot be changed; deals, parties, share prices and
calendar overrides are written through their actions, with the staff member in the history."""

from decimal import Decimal

import pytest
from django.urls import reverse

from escrow.models import CalendarOverride, Deal, DealParty, HistoryEntry, ShareMovement, SharePrice, Tranche
from parties.models import Organisation
from tests.conftest import open_and_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(admin_client):
    return admin_client


def change_url(obj):
    return reverse(f"admin:escrow_{obj._meta.model_name}_change", args=[obj.pk])


def delete_url(obj):
    return reverse(f"admin:escrow_{obj._meta.model_name}_delete", args=[obj.pk])


def test_admin_cannot_change_a_tranche_state(deposited, people, staff):
    t = open_and_file(deposited, people, 1, "665000000")
    response = staff.post(change_url(t), {"state": "released", "release_quantity": "15000000", "target_revenue": "1"})
    assert response.status_code == 403
    t = Tranche.objects.get(pk=t.pk)  # protected FSM field: re-read, not refresh_from_db
    assert (t.state, t.release_quantity, t.target_revenue) == ("awaiting_instruction", 3_000_000, 665_000_000)
    assert staff.post(delete_url(t), {"post": "yes"}).status_code == 403
    assert staff.get(change_url(t)).status_code == 200  # staff may look


def test_admin_cannot_change_or_delete_a_ledger_row(deposited, staff):
    movement = ShareMovement.objects.get(deal=deposited)
    response = staff.post(change_url(movement), {"quantity": "1", "kind": "release", "fact_key": "x"})
    assert response.status_code == 403
    assert staff.post(delete_url(movement), {"post": "yes"}).status_code == 403
    assert (
        staff.post(
            reverse("admin:escrow_sharemovement_add"),
            {"deal": deposited.pk, "kind": "release", "quantity": "5", "fact_key": "forged"},
        ).status_code
        == 403
    )
    movement.refresh_from_db()
    assert movement.quantity == 15_000_000 and ShareMovement.objects.count() == 1


def test_admin_cannot_change_or_delete_a_history_entry(deposited, staff):
    entry = HistoryEntry.objects.filter(deal=deposited).last()
    before = (entry.summary, entry.hash)
    response = staff.post(change_url(entry), {"summary": "nothing happened", "action": "x"})
    assert response.status_code == 403
    assert staff.post(delete_url(entry), {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert (entry.summary, entry.hash) == before


def test_admin_bulk_delete_is_not_offered(deposited, staff):
    movement = ShareMovement.objects.get(deal=deposited)
    response = staff.post(
        reverse("admin:escrow_sharemovement_changelist"),
        {"action": "delete_selected", "_selected_action": [movement.pk], "post": "yes"},
    )
    assert ShareMovement.objects.filter(pk=movement.pk).exists()
    assert response.status_code in (200, 302, 403)


def test_admin_read_only_pages_render(deposited, people, staff):
    open_and_file(deposited, people, 1, "665000000")
    for name in [
        "historyentry",
        "sharemovement",
        "signature",
        "instrument",
        "storeddocument",
        "penaltyday",
        "tranche",
        "deal",
        "dealparty",
        "hold",
    ]:
        assert staff.get(reverse(f"admin:escrow_{name}_changelist")).status_code == 200, name
    assert staff.get(change_url(deposited)).status_code == 200


def test_staff_creates_a_deal_with_its_tranches(db, staff):
    data = {
        "slug": "acme-2026",
        "name": "Acme earn-out",
        "name_zh": "",
        "target_company": "Acme Ltd",
        "total_shares": "900",
        "tranche_count": "3",
        "share_class": "Ordinary",
        "ticker": "ACME",
        "target_currency": "CNY",
        "price_currency": "USD",
        "effective_date": "2026-01-05",
        "escrow_fee_per_year": "0",
        "notes": "",
        "excess_credit": "half-of-excess",
        "offset_base": "shortfall-year",
        "offset_order": "earliest-first",
        "rounding": "floor",
        "partial_release": "by-formula",
        "calendar": "hk",
        "penalty_cap_valuation": "last-day",
        "hold_days": "civil-code",
        "escrow_fee_payer": "issuer",
        "tranches-TOTAL_FORMS": "5",
        "tranches-INITIAL_FORMS": "0",
        "tranches-MIN_NUM_FORMS": "0",
        "tranches-MAX_NUM_FORMS": "1000",
    }
    for i, (start, end, target) in enumerate(
        [("2026-01-01", "2026-12-31", "100"), ("2027-01-01", "2027-12-31", "200"), ("2028-01-01", "2028-12-31", "300")]
    ):
        data.update(
            {
                f"tranches-{i}-year": str(i + 1),
                f"tranches-{i}-period_start": start,
                f"tranches-{i}-period_end": end,
                f"tranches-{i}-target_revenue": target,
            }
        )
    response = staff.post(reverse("admin:escrow_deal_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    deal = Deal.objects.get(slug="acme-2026")
    assert deal.state == "awaiting_deposit" and deal.calendar == "HK"
    assert list(deal.tranches.values_list("year", "state")) == [(1, "scheduled"), (2, "scheduled"), (3, "scheduled")]
    assert all(t.release_due_date for t in deal.tranches.all())
    assert HistoryEntry.objects.filter(deal=deal).order_by("seq").first().action == "deal_created"


def test_staff_adds_a_party_through_the_action(kaixin, staff):
    org = Organisation.objects.create(name="Second Compliance Desk", jurisdiction="HK")
    response = staff.post(
        reverse("admin:escrow_dealparty_add"),
        {"deal": kaixin.pk, "organisation": org.pk, "role": "compliance", "contract_name": ""},
    )
    assert response.status_code == 302
    assert DealParty.objects.filter(deal=kaixin, organisation=org, role="compliance").exists()
    entry = HistoryEntry.objects.filter(deal=kaixin).order_by("seq").last()
    assert entry.action == "party_added" and "Second Compliance" in entry.summary


def test_staff_cannot_change_a_deal_after_creation(kaixin, staff):
    response = staff.post(change_url(kaixin), {"total_shares": "1", "name": "Hacked"})
    assert response.status_code == 403
    kaixin = Deal.objects.get(pk=kaixin.pk)
    assert kaixin.total_shares == 15_000_000 and Tranche.objects.filter(deal=kaixin).count() == 5


def test_staff_change_and_end_a_partys_role_through_the_actions(kaixin, staff, admin_user):
    org = Organisation.objects.create(name="Second Compliance Desk", jurisdiction="HK")
    staff.post(
        reverse("admin:escrow_dealparty_add"),
        {"deal": kaixin.pk, "organisation": org.pk, "role": "compliance", "contract_name": ""},
    )
    party = DealParty.objects.get(deal=kaixin, organisation=org)
    assert staff.get(change_url(party)).status_code == 200
    response = staff.post(change_url(party), {"role": "auditor", "end_reason": ""})
    assert response.status_code == 302
    entry = HistoryEntry.objects.filter(deal=kaixin).order_by("seq").last()
    assert (entry.action, entry.actor, entry.details["after"]["role"]) == ("party_role_changed", admin_user, "auditor")
    response = staff.post(change_url(party), {"role": "auditor", "end_reason": "Engagement finished"})
    assert response.status_code == 302
    party.refresh_from_db()
    entry = HistoryEntry.objects.filter(deal=kaixin).order_by("seq").last()
    assert party.ended_at and (entry.action, entry.details["reason"]) == ("party_ended", "Engagement finished")
    assert staff.post(change_url(party), {"role": "compliance"}).status_code == 403  # an ended role stays ended


def test_the_party_admin_shows_a_refusal_and_changes_nothing(kaixin, staff):
    party = DealParty.objects.get(deal=kaixin, role="compliance")
    before = HistoryEntry.objects.filter(deal=kaixin).count()
    response = staff.post(change_url(party), {"role": "issuer", "end_reason": ""}, follow=True)
    assert "Kaixin Holdings is already the Issuer (Party A) of this deal" in response.content.decode()
    response = staff.post(change_url(party), {"role": "auditor", "end_reason": "both"})
    assert "Change the role or end it, not both at once." in response.content.decode()
    assert DealParty.objects.get(pk=party.pk).role == "compliance"
    assert HistoryEntry.objects.filter(deal=kaixin).count() == before


def reference():
    return HistoryEntry.objects.filter(chain__key="reference").order_by("seq")


def test_staff_enter_and_correct_a_share_price_through_the_actions(db, staff, admin_user):
    response = staff.post(
        reverse("admin:escrow_shareprice_add"),
        {"ticker": "KXIN", "day": "2025-12-01", "close": "2.51", "currency": "USD", "source": "NASDAQ"},
    )
    assert response.status_code == 302
    price = SharePrice.objects.get()
    assert price.entered_by == admin_user and reference().last().action == "share_price_entered"
    missing_reason = staff.post(change_url(price), {"close": "2.15", "reason": ""})
    assert missing_reason.status_code == 200 and SharePrice.objects.get().close == Decimal("2.51")
    assert staff.post(change_url(price), {"close": "2.15", "reason": "Digits swapped"}).status_code == 302
    entry = reference().last()
    assert (entry.action, entry.actor, entry.details["reason"]) == (
        "share_price_corrected",
        admin_user,
        "Digits swapped",
    )
    assert (entry.details["before"]["close"], SharePrice.objects.get().close) == ("2.5100", Decimal("2.15"))
    assert staff.post(delete_url(price), {"post": "yes"}).status_code == 403


def test_staff_set_and_change_a_calendar_override_through_the_action(db, staff, admin_user):
    response = staff.post(
        reverse("admin:escrow_calendaroverride_add"),
        {"calendar": "cn", "day": "2031-01-02", "is_business_day": "", "note": "Announced late"},
    )
    assert response.status_code == 302
    override = CalendarOverride.objects.get()
    assert (override.calendar, override.is_business_day) == ("CN", False)
    assert staff.post(change_url(override), {"is_business_day": "on", "note": "Cancelled"}).status_code == 302
    entry = reference().last()
    assert (entry.action, entry.actor) == ("calendar_override_set", admin_user)
    assert (entry.details["before"]["is_business_day"], entry.details["after"]["is_business_day"]) == (False, True)
    bad = staff.post(reverse("admin:escrow_calendaroverride_add"), {"calendar": "XX", "day": "2031-01-03"})
    assert bad.status_code == 200 and "Unknown calendar code XX (P6)" in bad.content.decode()
    assert CalendarOverride.objects.count() == 1
