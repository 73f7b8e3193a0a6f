"""Staff actions on who plays which role (SPA 9), share prices (SPA 8.2) and calendar overrides (P6):
each checks who may, writes its history with the values before and after, and changes what people see
at once (deal visibility, deadlines)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from escrow.actions.calendars import set_calendar_override
from escrow.actions.parties import add_party, approve_auditor, change_party_role, end_party
from escrow.actions.prices import correct_share_price, enter_share_price
from escrow.contract.errors import InvalidInput, NotAllowed, NotFound, WrongState
from escrow.history.chain import REFERENCE_CHAIN
from escrow.models import CalendarOverride, DealParty, HistoryEntry, SharePrice
from escrow.queries.clock import calendar_for, contract_today
from escrow.queries.deals import deals_visible_to
from parties.models import Organisation
from tests.escrow.api.helpers import client_for

pytestmark = pytest.mark.django_db


def staff_with(*codenames, username="deskstaff"):
    user = get_user_model().objects.create_user(username, password="x", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return get_user_model().objects.get(pk=user.pk)


def last_entry(deal=None):
    entries = HistoryEntry.objects.filter(**({"deal": deal} if deal else {"chain__key": REFERENCE_CHAIN}))
    return entries.order_by("seq").last()


@pytest.fixture
def desk(db):
    return staff_with(
        "add_dealparty",
        "change_dealparty",
        "add_shareprice",
        "change_shareprice",
        "add_calendaroverride",
        "change_calendaroverride",
    )


@pytest.fixture
def second_desk(kaixin, desk, django_user_model):
    """A second compliance organisation with one person, added to Kaixin by staff."""
    org = Organisation.objects.create(name="Second Compliance Desk", jurisdiction="HK")
    person = django_user_model.objects.create_user("second", password="x", organisation=org)
    party = add_party(kaixin, org, "compliance", by=desk)
    return party, person


# --- parties ---


def test_staff_change_a_partys_role_with_before_and_after(kaixin, desk, second_desk):
    party, person = second_desk
    assert last_entry(kaixin).actor == desk  # add_party names the staff member too
    change_party_role(desk, party, "auditor")
    party.refresh_from_db()
    assert party.role == "auditor" and party.approved_at is None  # the issuer still has to approve it (SPA 4.2)
    entry = last_entry(kaixin)
    assert (entry.action, entry.actor, entry.clause) == ("party_role_changed", desk, "SPA 9")
    assert (entry.details["before"]["role"], entry.details["after"]["role"]) == ("compliance", "auditor")
    assert "Compliance (read-only) to Approved accounting firm" in entry.summary
    assert kaixin in deals_visible_to(person)


def test_a_role_change_is_refused_clearly(kaixin, people, desk, second_desk):
    party, _ = second_desk
    with pytest.raises(InvalidInput, match=r"Kaixin Holdings is already the Issuer \(Party A\) of this deal"):
        change_party_role(desk, party, "issuer")
    with pytest.raises(InvalidInput, match="already plays that role"):
        change_party_role(desk, party, "compliance")
    with pytest.raises(InvalidInput, match="Unknown role chairman"):
        change_party_role(desk, party, "chairman")
    for user in (people["issuer"], staff_with("view_dealparty", username="viewer")):
        with pytest.raises(NotAllowed, match=r"escrow\.change_dealparty"):
            change_party_role(user, party, "auditor")
    assert DealParty.objects.get(pk=party.pk).role == "compliance"


def test_ending_a_role_hides_the_deal_from_its_people_at_once(kaixin, desk, second_desk):
    party, person = second_desk
    assert client_for(person).get(f"/api/deals/{kaixin.slug}/").status_code == 200
    with pytest.raises(InvalidInput, match="Say why the role ends"):
        end_party(desk, party, "  ")
    end_party(desk, party, "Replaced by the main compliance desk")
    assert kaixin not in deals_visible_to(person)
    assert client_for(person).get(f"/api/deals/{kaixin.slug}/").status_code == 404
    entry = last_entry(kaixin)
    assert (entry.action, entry.actor, entry.details["reason"]) == (
        "party_ended",
        desk,
        "Replaced by the main compliance desk",
    )
    assert entry.details["before"]["ended_at"] is None and entry.details["after"]["ended_at"]
    with pytest.raises(WrongState, match="ended on"):
        end_party(desk, party, "again")
    with pytest.raises(WrongState, match="ended on"):
        change_party_role(desk, party, "auditor")
    with pytest.raises(InvalidInput, match="ended on"):
        add_party(kaixin, party.organisation, "compliance", by=desk)


def test_adding_a_party_needs_the_permission(kaixin, people):
    org = Organisation.objects.create(name="Walk-in Desk", jurisdiction="HK")
    with pytest.raises(NotAllowed, match=r"escrow\.add_dealparty"):
        add_party(kaixin, org, "compliance", by=staff_with("change_dealparty"))
    assert not DealParty.objects.filter(organisation=org).exists()


def test_approving_the_auditor_stays_the_issuers(kaixin, desk):
    firm = Organisation.objects.create(name="Staff Pick LLP", jurisdiction="PRC", kind="accounting_firm")
    with pytest.raises(NotFound):  # staff hold no contract role (DESIGN.md "Roles")
        approve_auditor(desk, kaixin, firm)


# --- share prices (SPA 8.2) ---


def test_staff_and_the_issuer_enter_prices_into_the_reference_history(kaixin, people, desk):
    price = enter_share_price(desk, "kxin", date(2025, 12, 1), "2.51", source="NASDAQ")
    assert (price.ticker, price.close, price.entered_by) == ("KXIN", Decimal("2.51"), desk)
    entry = last_entry()
    assert (entry.action, entry.actor, entry.deal) == ("share_price_entered", desk, None)
    assert entry.details["before"] is None and entry.details["after"]["close"] == "2.51"
    enter_share_price(people["issuer"], "KXIN", date(2025, 12, 2), Decimal("2.48"))
    assert last_entry().details["acting_for"] == "Kaixin Holdings (issuer)"


def test_prices_are_refused_clearly(kaixin, people, desk):
    enter_share_price(desk, "KXIN", date(2025, 12, 1), "2.51")
    with pytest.raises(InvalidInput, match=r"KXIN 2025-12-01 is stored as 2\.5100; correct that price instead"):
        enter_share_price(desk, "KXIN", date(2025, 12, 1), "2.60")
    with pytest.raises(InvalidInput, match="in the future"):
        enter_share_price(desk, "KXIN", contract_today() + timedelta(days=3), "2.60")
    with pytest.raises(InvalidInput, match="must be a positive price"):
        enter_share_price(desk, "KXIN", date(2025, 12, 2), "0")
    for who in ("purchaser", "agent1", "compliance"):
        with pytest.raises(NotAllowed, match="issuer of a deal whose shares trade as KXIN"):
            enter_share_price(people[who], "KXIN", date(2025, 12, 2), "2.50")
    with pytest.raises(NotAllowed, match="trade as OTHR"):
        enter_share_price(people["issuer"], "OTHR", date(2025, 12, 2), "2.50")
    assert SharePrice.objects.count() == 1


def test_a_correction_keeps_the_old_close_and_the_reason(kaixin, people, desk):
    price = enter_share_price(desk, "KXIN", date(2025, 12, 1), "2.51")
    with pytest.raises(InvalidInput, match="say why the close is corrected"):
        correct_share_price(desk, price, "2.15", "")
    with pytest.raises(InvalidInput, match=r"already stored as 2\.5100"):
        correct_share_price(desk, price, "2.51", "no change")
    with pytest.raises(NotAllowed):
        correct_share_price(people["purchaser"], price, "2.15", "typo")
    corrected = correct_share_price(people["issuer"], price, "2.15", "Digits swapped when typing")
    assert corrected.close == Decimal("2.15") and corrected.entered_at > price.entered_at  # the sweep revalues
    entry = last_entry()
    assert (entry.action, entry.actor) == ("share_price_corrected", people["issuer"])
    assert (entry.details["before"]["close"], entry.details["after"]["close"]) == ("2.5100", "2.15")
    assert entry.details["reason"] == "Digits swapped when typing" and "from 2.5100 to 2.15" in entry.summary


# --- calendar overrides (P6) ---


def test_an_override_is_set_and_changed_with_before_and_after(desk):
    set_calendar_override(desk, "cn", date(2031, 1, 2), False, "Announced late")
    first = last_entry()
    assert (first.action, first.actor, first.details["calendar"]) == ("calendar_override_set", desk, "CN")
    assert first.details["before"] is None and first.details["after"] == {
        "is_business_day": False,
        "note": "Announced late",
    }
    set_calendar_override(desk, "CN", date(2031, 1, 2), True, "Cancelled")
    second = last_entry()
    assert second.details["before"] == first.details["after"] and second.details["after"]["is_business_day"] is True
    set_calendar_override(desk, "CN", date(2031, 1, 2), True, "Cancelled")  # nothing changes: nothing recorded
    assert last_entry() == second and CalendarOverride.objects.get().is_business_day is True


def test_overrides_are_refused_clearly(people, desk, kaixin):
    with pytest.raises(InvalidInput, match=r"Unknown calendar code XX \(P6\)"):
        set_calendar_override(desk, "XX", date(2031, 1, 2), False)
    with pytest.raises(InvalidInput, match=r"working day \(true\) or a day off \(false\)"):
        set_calendar_override(desk, "CN", date(2031, 1, 2), "no")
    for user in (people["issuer"], people["agent1"], staff_with("view_calendaroverride", username="viewer")):
        with pytest.raises(NotAllowed, match=r"escrow\.add_calendaroverride"):
            set_calendar_override(user, "CN", date(2031, 1, 2), False)
    set_calendar_override(desk, "CN", date(2031, 1, 2), False)
    with pytest.raises(NotAllowed, match=r"escrow\.change_calendaroverride"):
        set_calendar_override(staff_with("add_calendaroverride", username="adder"), "CN", date(2031, 1, 2), True)
    assert CalendarOverride.objects.get().is_business_day is False


def test_an_override_moves_the_deadlines_people_see_at_once(kaixin, people, desk, django_capture_on_commit_callbacks):
    """EA 1.1: 15 business days after 2 Dec 2025 is 23 Dec on the China calendar; a day off on 10 Dec moves it."""
    agent = client_for(people["agent1"])
    assert agent.get(f"/api/deals/{kaixin.slug}/").json()["next_step"]["due"] == "2025-12-23"
    with django_capture_on_commit_callbacks(execute=True):
        set_calendar_override(desk, "CN", date(2025, 12, 10), False, "Typhoon closure")
    assert agent.get(f"/api/deals/{kaixin.slug}/").json()["next_step"]["due"] == "2025-12-24"
    due = agent.get("/api/me/due/").json()
    assert [d["step"]["due"] for d in due if d["step"]["action"] == "confirm_deposit"] == ["2025-12-24"]


def test_the_calendar_is_built_once_and_rebuilt_after_an_override_commits(
    kaixin, desk, django_capture_on_commit_callbacks
):
    cal = calendar_for(kaixin)
    assert calendar_for(kaixin) is cal  # reused, not rebuilt per look-up
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        set_calendar_override(desk, "CN", date(2025, 12, 10), False)
        assert calendar_for(kaixin) is cal  # not before the change commits: nobody rebuilds from old rows
    # the calendar's version is dropped first; then the notice of the EA 1.1 deadline the override moved
    assert len(callbacks) == 2
    callbacks[0]()  # the commit
    rebuilt = calendar_for(kaixin)
    assert rebuilt is not cal and rebuilt.is_business_day(date(2025, 12, 10)) is False
    assert cal.is_business_day(date(2025, 12, 10)) is True
