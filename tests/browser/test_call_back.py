"""The call-back before a release in a browser (issue 10 item 2; EA 3.2 four eyes plus the call-back practice):
officer 2 is not offered the approval until officer 1 has recorded, on the tranche page, a call-back in which
a registered signatory of the issuer (the purchaser signed last) confirmed the instruction."""

import pytest
from django.urls import reverse

from escrow import actions
from escrow.models import HistoryAction, HistoryEntry, Tranche
from tests.browser.transfer_facts import fill_transfer_facts
from tests.conftest import PASSWORD, open_and_file, sign_instruction
from tests.escrow.call_backs import registered

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "kaixin-2025"


def url(live_server, name, *args):
    return live_server.url + reverse(name, args=args)


def record_call_back(page, live_server, entry, outcome="confirmed", note="Confirmed 3,000,000 shares and the hash"):
    """On the tranche page: pick the signatory from the register, the outcome, a note; record."""
    page.goto(url(live_server, "escrow:tranche", SLUG, 1))
    form = page.get_by_test_id("call-back-form")
    form.get_by_test_id("call-back-signatory").select_option(str(entry.pk))
    form.locator(f'[data-testid="call-back-outcome"][value="{outcome}"]').check()
    form.get_by_test_id("call-back-note").fill(note)
    form.get_by_test_id("call-back-button").click()
    page.wait_for_load_state()
    assert not page.get_by_test_id("form-error").count(), page.get_by_test_id("form-error").inner_text()


def test_call_back_then_approval_by_officer_2(open_as, live_server, kaixin, people, shoot, tmp_path):
    actions.confirm_deposit(people["agent1"], kaixin, reference="DRS-0001")
    open_and_file(kaixin, people, 1, "665000000")
    t, instruction = sign_instruction(kaixin, people, 1)  # the issuer, then the purchaser (EA 3.1(b))
    actions.prepare_release(people["agent1"], t.pk, expected_sha256=instruction.document.sha256, password=PASSWORD)
    issuer_entry = registered(kaixin, people["issuer"])
    purchaser_entry, seller_entry = registered(kaixin, people["purchaser"]), registered(kaixin, people["seller"])

    officer2 = open_as("agent2")
    officer2.goto(url(live_server, "escrow:approve_release", SLUG, 1))
    assert officer2.get_by_test_id("approve-needs-call-back").is_visible()
    assert not officer2.get_by_test_id("approve-form").count()

    officer1 = open_as("agent1")
    officer1.goto(url(live_server, "escrow:tranche", SLUG, 1))
    picker = officer1.get_by_test_id("call-back-signatory")
    choices = picker.locator("option").all_inner_texts()
    assert any(issuer_entry.name in c and issuer_entry.phone in c and issuer_entry.title in c for c in choices)
    assert not any(purchaser_entry.phone in c or seller_entry.phone in c for c in choices)  # last signer, seller
    record_call_back(officer1, live_server, issuer_entry)
    box = officer1.get_by_test_id("call-back")
    assert officer1.get_by_test_id("call-back-confirmed").is_visible()
    row = officer1.get_by_test_id("call-back-row").inner_text()
    assert issuer_entry.name in row and issuer_entry.phone in row and str(people["agent1"]) in row
    box.scroll_into_view_if_needed()
    officer1.evaluate("window.scrollBy(0, -120)")
    shoot(officer1, "call-back", tmp_path)

    officer2.goto(url(live_server, "escrow:approve_release", SLUG, 1))
    assert officer2.get_by_test_id("call-back-confirmed").is_visible()
    officer2.get_by_test_id("transfer-reference").fill("TA-2027-001")
    fill_transfer_facts(officer2, confirmation=False)  # issue 11 item 4
    officer2.get_by_test_id("intent-checkbox").check()
    officer2.get_by_test_id("password").fill(PASSWORD)
    officer2.get_by_test_id("approve-button").click()
    officer2.wait_for_load_state()
    assert not officer2.get_by_test_id("form-error").count(), officer2.get_by_test_id("form-error").inner_text()
    assert Tranche.objects.get(pk=t.pk).state == "released"
    released = HistoryEntry.objects.get(deal=kaixin, action=HistoryAction.RELEASED)
    assert released.details["call_back"]["number_called"] == issuer_entry.phone


def test_a_denied_call_back_keeps_the_approval_away(open_as, live_server, kaixin, people, tmp_path):
    actions.confirm_deposit(people["agent1"], kaixin, reference="DRS-0001")
    open_and_file(kaixin, people, 1, "665000000")
    sign_instruction(kaixin, people, 1)
    officer1 = open_as("agent1")
    record_call_back(officer1, live_server, registered(kaixin, people["issuer"]), "not_confirmed", "Unknown quantity")
    assert officer1.get_by_test_id("call-back-denied").is_visible()
    officer1.goto(url(live_server, "escrow:approve_release", SLUG, 1))
    assert officer1.get_by_test_id("approve-needs-call-back").is_visible()
