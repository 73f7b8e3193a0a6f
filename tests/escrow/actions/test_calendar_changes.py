"""P6 calendars and the deadlines counted in business days (EA 1.1 deposit, EA 3.2 transfer).

A deadline counted over a year whose official holiday notice is not in the calendar yet (the holidays
package has no make-up working days for it and no override covers it; 2027 today) is provisional: every
page, API response and the joint instruction's PDF say so, with the reason. When staff enter an override,
the deadlines it moves are recomputed at once, each change is written to the deal's history with the dates
before and after and the override that caused it, and the people who must act are told in their language.
SPA 5.1's 60 calendar days never move.
"""

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from escrow import actions
from escrow.actions.calendars import set_calendar_override
from escrow.contract.errors import NotAllowed
from escrow.history.chain import REFERENCE_CHAIN, verify_chain
from escrow.models import CalendarOverride, Deal, HistoryChain, HistoryEntry, Notification, Role, Tranche
from tests.conftest import SHANGHAI, open_and_file, release, sign_instruction, tranche
from tests.escrow.api.helpers import client_for as api_client
from tests.factories import ROLES, _people

pytestmark = pytest.mark.django_db

DOCUMENTS_COMPLETE, TRANSFER_DUE, TRANSFER_MOVED = date(2027, 1, 20), date(2027, 2, 3), date(2027, 2, 4)
EFFECTIVE, DEPOSIT_DUE, DEPOSIT_MOVED = date(2026, 12, 15), date(2027, 1, 6), date(2027, 1, 7)


def on(day):
    """The contract clock at 10:00 in Shanghai on `day` (contract_today() follows)."""
    return time_machine.travel(datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI), tick=False)


def staff_with(*codenames, username="calendar-desk"):
    user = get_user_model().objects.create_user(username, password="x", is_staff=True, email=f"{username}@x.invalid")
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="escrow", codename__in=codenames))
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def desk(db):
    return staff_with("add_calendaroverride", "change_calendaroverride")


@pytest.fixture
def instructed(deposited, people):
    """Year 1 reported and instructed on 2027-01-20: EA 3.2 transfer due 10 business days later, 2027-02-03,
    counted over 2027, whose holiday notice is not in the calendar."""
    with on(DOCUMENTS_COMPLETE):
        open_and_file(deposited, people, 1, "665000000", today=DOCUMENTS_COMPLETE)
        sign_instruction(deposited, people, 1)
    t = tranche(deposited, 1)
    assert (t.state, t.documents_complete_on, t.transfer_due_date) == ("instructed", DOCUMENTS_COMPLETE, TRANSFER_DUE)
    return t


@pytest.fixture
def late_deal(db):
    """A deal effective 2026-12-15, awaiting its deposit: EA 1.1 counts 15 business days into 2027."""
    deal = actions.create_deal(
        None,
        slug="deal-december",
        name="December Deal",
        target_company="Target December",
        total_shares=5_000_000,
        effective_date=EFFECTIVE,
        tranches=[(1, date(2026, 12, 1), date(2027, 11, 30), Decimal(100_000_000))],
        policies={},
    )
    people = _people("december")
    for username, role in ROLES.items():
        org = people[username].organisation
        if role != Role.AUDITOR and not deal.parties.filter(organisation=org).exists():
            actions.add_party(deal, org, role)
    return Deal.objects.get(pk=deal.pk), people


def page(user, url):
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


# --- provisional deadlines are marked, with the reason -----------------------------------------------------


def test_a_deposit_counted_into_an_unannounced_year_is_provisional_everywhere(late_deal):
    deal, people = late_deal
    agent = people["agent1"]
    for url in (reverse("escrow:dashboard"), reverse("escrow:deal", args=[deal.slug])):
        html = page(agent, url)
        assert 'data-testid="provisional-deadline"' in html and 'data-years="2027"' in html, url
        assert "the CN holiday notice for 2027 is not in the calendar yet" in html, url
    body = api_client(agent).get(f"/api/deals/{deal.slug}/").json()
    assert body["next_step"]["due"] == DEPOSIT_DUE.isoformat()
    assert body["deposit_due_provisional"]["years"] == [2027]
    assert body["deposit_due_provisional"]["deadline"] == "deposit_due"
    assert "may move" in body["deposit_due_provisional"]["reason"]
    (due,) = api_client(agent).get("/api/me/due/").json()
    assert due["step"]["action"] == "confirm_deposit" and due["due_provisional"]["clause"] == "EA 1.1"


def test_an_announced_deadline_is_not_marked(kaixin, people):
    """EA 1.1 for Kaixin: 2 Dec 2025 + 15 business days = 23 Dec 2025, on an announced calendar."""
    html = page(people["agent1"], reverse("escrow:dashboard"))
    assert 'data-action="confirm_deposit"' in html and "provisional-deadline" not in html
    assert api_client(people["agent1"]).get(f"/api/deals/{kaixin.slug}/").json()["deposit_due_provisional"] is None
    assert api_client(people["agent1"]).get("/api/me/due/").json()[0]["due_provisional"] is None


def test_a_transfer_counted_into_an_unannounced_year_is_provisional_on_pages_and_api(instructed, people):
    deal = instructed.deal
    agent = people["agent1"]
    tranche_page = page(agent, reverse("escrow:tranche", args=[deal.slug, 1]))
    assert 'data-deadline="transfer_due_date"' in tranche_page and 'data-testid="transfer-due-stat"' in tranche_page
    assert "EA 3.2 business-day deadline may move" in tranche_page
    deal_page = page(agent, reverse("escrow:deal", args=[deal.slug]))
    assert deal_page.count('data-deadline="transfer_due_date"') == 1
    assert 'data-deadline="transfer_due_date"' in page(agent, reverse("escrow:dashboard"))
    detail = api_client(agent).get(f"/api/tranches/{instructed.pk}/").json()
    assert detail["transfer_due_date"] == TRANSFER_DUE.isoformat()
    assert detail["transfer_due_provisional"] == {
        "deadline": "transfer_due_date",
        "clause": "EA 3.2",
        "due": TRANSFER_DUE.isoformat(),
        "calendar": "CN",
        "years": [2027],
        "reason": "Provisional: the CN holiday notice for 2027 is not in the calendar yet, so this EA 3.2 "
        "business-day deadline may move when it is entered (P6).",
    }
    listed = api_client(agent).get(f"/api/deals/{deal.slug}/tranches/").json()
    assert [t["transfer_due_provisional"] is not None for t in listed] == [True, False, False, False, False]
    due = [d for d in api_client(agent).get("/api/me/due/").json() if d["step"]["action"] == "prepare_release"]
    assert due[0]["due_provisional"]["years"] == [2027]


def test_the_release_deadline_in_calendar_days_is_never_provisional(deposited, people):
    """SPA 5.1: 60 calendar days after the year ends (2027-01-29) do not depend on holidays."""
    open_and_file(deposited, people, 1, "665000000")
    html = page(people["issuer"], reverse("escrow:tranche", args=[deposited.slug, 1]))
    assert "2027" in html and "provisional-deadline" not in html
    body = api_client(people["issuer"]).get(f"/api/tranches/{tranche(deposited, 1).pk}/").json()
    assert body["next_step"]["due"] == "2027-01-29" and body["transfer_due_provisional"] is None


def test_the_reason_is_in_the_readers_language(instructed, people):
    agent = people["agent1"]
    client = Client()
    client.force_login(agent)
    html = client.get(reverse("escrow:tranche", args=[instructed.deal.slug, 1]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    with translation.override("zh-hans"):
        from escrow.queries.clock import transfer_provisional

        expected = str(transfer_provisional(tranche(instructed.deal, 1)).reason)
    assert expected in html.content.decode()


def test_the_instruction_pdf_marks_a_provisional_transfer_deadline(instructed):
    text = _pdf_text(instructed)
    assert "Transfer due (EA 3.2)" in text and "if received on 2027-01-20, by 2027-02-03" in text
    assert "PROVISIONAL / 暂定" in text and "holiday notice for 2027 is not in the calendar yet" in text


def test_an_instruction_issued_on_an_announced_calendar_is_not_marked(deposited, people):
    with on(date(2026, 12, 10)):
        open_and_file(deposited, people, 1, "665000000", today=date(2026, 12, 10))
    text = _pdf_text(tranche(deposited, 1))
    assert "if received on 2026-12-10, by 2026-12-24" in text and "PROVISIONAL" not in text


def _pdf_text(t):
    instruction = t.instruments.get(kind="joint_instruction")
    reader = PdfReader(io.BytesIO(instruction.document.file.read()))
    return " ".join(" ".join(p.extract_text().split()) for p in reader.pages)


# --- an override recomputes the deadlines it moves ---------------------------------------------------------


def test_an_override_moves_the_transfer_deadline_records_it_and_tells_the_agent(
    instructed, people, desk, django_capture_on_commit_callbacks
):
    deal = instructed.deal
    agent2 = people["agent2"]
    agent2.language = "zh-hans"
    agent2.save(update_fields=["language"])
    before = set(Notification.objects.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        override = set_calendar_override(desk, "CN", date(2027, 1, 25), False, "State Council notice 2026-12")
    t = tranche(deal, 1)
    assert t.transfer_due_date == TRANSFER_MOVED and t.state == "instructed"
    (entry,) = HistoryEntry.objects.filter(deal=deal, action="deadline_recomputed")
    assert override.recomputed == [entry]
    assert (entry.actor, entry.tranche, entry.clause) == (desk, t, "EA 3.2 (P6)")
    assert "moved from 2027-02-03 to 2027-02-04" in entry.summary and "2027-01-25 is now a day off" in entry.summary
    details = entry.details
    assert (details["deadline"], details["before"], details["after"]) == (
        "transfer_due_date",
        "2027-02-03",
        "2027-02-04",
    )
    assert (details["provisional_years_before"], details["provisional_years_after"]) == ([2027], [])
    reference = HistoryEntry.objects.get(chain__key=REFERENCE_CHAIN, action="calendar_override_set")
    assert details["override"]["reference_entry"] == {
        "chain": REFERENCE_CHAIN,
        "seq": reference.seq,
        "hash": reference.hash,
    }
    assert details["override"]["after"] == {"is_business_day": False, "note": "State Council notice 2026-12"}
    assert verify_chain(HistoryChain.objects.get(key=f"deal:{deal.pk}")).ok

    told = Notification.objects.exclude(pk__in=before)
    assert {n.user.username for n in told} == {"agent1", "agent2"}  # EA 3.2: the agent must act
    english = told.get(user=people["agent1"])
    assert english.subject.endswith("year 1 transfer now due by 2027-02-04 (was 2027-02-03)")
    assert "2027-01-25 is now a day off" in english.body and english.tranche == t
    with translation.override("zh-hans"):
        expected = translation.gettext("%(deal)s: year %(year)s transfer now due by %(after)s (was %(before)s)") % {
            "deal": deal.name,
            "year": 1,
            "after": TRANSFER_MOVED,
            "before": TRANSFER_DUE,
        }
    assert told.get(user=agent2).subject == expected

    # 2027 now has an override: the deadline is no longer provisional anywhere.
    body = api_client(people["agent1"]).get(f"/api/tranches/{t.pk}/").json()
    assert body["transfer_due_date"] == "2027-02-04" and body["transfer_due_provisional"] is None
    assert "provisional-deadline" not in page(people["agent1"], reverse("escrow:tranche", args=[deal.slug, 1]))


def test_an_override_moves_a_pending_deposit_and_tells_issuer_and_agent(
    late_deal, desk, django_capture_on_commit_callbacks
):
    deal, people = late_deal
    with django_capture_on_commit_callbacks(execute=True):
        set_calendar_override(desk, "CN", date(2026, 12, 18), False, "Typhoon closure")
    (entry,) = HistoryEntry.objects.filter(deal=deal, action="deadline_recomputed")
    assert (entry.details["deadline"], entry.details["before"], entry.details["after"]) == (
        "deposit_due",
        DEPOSIT_DUE.isoformat(),
        DEPOSIT_MOVED.isoformat(),
    )
    assert entry.details["provisional_years_after"] == [2027]  # an override in 2026 leaves 2027 unannounced
    told = Notification.objects.filter(dedupe_key__startswith=f"deadline-recomputed:{entry.pk}:")
    assert {n.user.username for n in told} == {"issuer-december", "agent1-december", "agent2-december"}
    assert "still provisional" in told.first().body
    body = api_client(people["agent1"]).get(f"/api/deals/{deal.slug}/").json()
    assert body["next_step"]["due"] == DEPOSIT_MOVED.isoformat()
    assert body["deposit_due_provisional"]["due"] == DEPOSIT_MOVED.isoformat()


def test_an_override_that_moves_nothing_records_and_tells_nothing(instructed, late_deal, desk):
    notes = Notification.objects.count()
    set_calendar_override(desk, "CN", date(2027, 3, 1), False, "After every deadline")
    set_calendar_override(desk, "HK", date(2027, 1, 25), False, "Another calendar")
    assert not HistoryEntry.objects.filter(action="deadline_recomputed").exists()
    assert Notification.objects.count() == notes
    assert tranche(instructed.deal, 1).transfer_due_date == TRANSFER_DUE


def test_released_and_uninstructed_tranches_keep_their_dates(deposited, people, desk):
    with on(DOCUMENTS_COMPLETE):
        open_and_file(deposited, people, 1, "665000000", today=DOCUMENTS_COMPLETE)
        release(deposited, people, 1)
    released = tranche(deposited, 1)
    assert released.transfer_due_date == TRANSFER_DUE
    set_calendar_override(desk, "CN", date(2027, 1, 25), False)
    assert tranche(deposited, 1).transfer_due_date == TRANSFER_DUE  # the transfer is done
    assert not HistoryEntry.objects.filter(action="deadline_recomputed").exists()
    assert [t.release_due_date for t in Tranche.objects.filter(deal=deposited)] == [
        date(2027, 1, 29),
        date(2028, 1, 29),
        date(2029, 1, 29),
        date(2030, 1, 29),
        date(2031, 1, 29),
    ]


def test_a_refused_override_moves_nothing(instructed, people):
    notes = Notification.objects.count()
    for user in (people["issuer"], people["agent1"], staff_with("view_calendaroverride", username="viewer")):
        with pytest.raises(NotAllowed):
            set_calendar_override(user, "CN", date(2027, 1, 25), False)
    assert not CalendarOverride.objects.exists()
    assert tranche(instructed.deal, 1).transfer_due_date == TRANSFER_DUE
    assert not HistoryEntry.objects.filter(action="deadline_recomputed").exists()
    assert Notification.objects.count() == notes


def test_changing_the_override_back_moves_the_deadline_back(instructed, desk):
    set_calendar_override(desk, "CN", date(2027, 1, 25), False, "Announced")
    set_calendar_override(desk, "CN", date(2027, 1, 25), False, "Announced")  # the same again: nothing
    set_calendar_override(desk, "CN", date(2027, 1, 25), True, "Withdrawn")
    moves = HistoryEntry.objects.filter(action="deadline_recomputed").order_by("seq")
    assert [(e.details["before"], e.details["after"]) for e in moves] == [
        ("2027-02-03", "2027-02-04"),
        ("2027-02-04", "2027-02-03"),
    ]
    assert tranche(instructed.deal, 1).transfer_due_date == TRANSFER_DUE


def test_staff_set_the_override_in_the_admin_and_the_deadline_moves(instructed, desk):
    client = Client()
    client.force_login(desk)
    response = client.post(
        reverse("admin:escrow_calendaroverride_add"),
        {"calendar": "CN", "day": "2027-01-25", "is_business_day": "", "note": "State Council notice"},
    )
    assert response.status_code == 302
    assert tranche(instructed.deal, 1).transfer_due_date == TRANSFER_MOVED
    entry = HistoryEntry.objects.get(action="deadline_recomputed")
    assert entry.actor == desk and entry.details["override"]["day"] == "2027-01-25"
