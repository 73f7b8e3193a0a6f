"""The signatory register walked in a browser (issue 10 item 1): officer 1 proposes a third officer from the
register page reached from the deal page; the proposer is offered no confirmation; officer 2 confirms; the
page shows the cooling-off period's end in Beijing time; a day later the new officer is on the register.
Screenshot: docs/screenshots/register.png (UPDATE_SCREENSHOTS=1)."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from escrow.models import RegisterChange, Signatory
from escrow.queries.register import is_signatory
from parties.actions import add_person
from tests.conftest import PASSWORD, SHANGHAI

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_propose_confirm_cool_off_take_effect(open_as, live_server, people, deposited, shoot, tmp_path):
    officer3 = add_person(
        None,
        username="agent3",
        password=PASSWORD,
        organisation=people["agent1"].organisation,
        email="agent3@demo.invalid",
        first_name="Mei",
        last_name="Lin",
    )
    register_url = live_server.url + reverse("escrow:register", args=[deposited.slug])

    page = open_as("agent1")
    page.goto(live_server.url + reverse("escrow:deal", args=[deposited.slug]))
    page.get_by_test_id("tab-register").click()
    page.wait_for_load_state()
    assert page.url == register_url
    assert page.locator('[data-testid="signatory"][data-person="purchaser"]').count() == 1
    form = page.get_by_test_id("propose-form")
    form.locator("#id_party").select_option(label="AUTOA2A, LTD. (Escrow agent (Party D))")
    form.locator("#id_person").select_option(label="Mei Lin (AUTOA2A, LTD.)")
    form.locator("#id_title").fill("Escrow officer")
    form.locator("#id_phone").fill("+1 284 555 0106")
    page.get_by_test_id("propose-button").click()
    page.wait_for_load_state()
    change = RegisterChange.objects.get(signatory__person=officer3)
    assert change.state == "proposed" and change.proposed_by == people["agent1"]
    row = page.locator(f'[data-testid="pending-change"][data-change="{change.pk}"]')
    assert row.count() == 1 and row.get_by_test_id("confirm-button").count() == 0  # four eyes

    other = open_as("agent2")
    other.goto(register_url)
    other.locator(f'[data-testid="pending-change"][data-change="{change.pk}"]').get_by_test_id("confirm-button").click()
    other.wait_for_load_state()
    change = RegisterChange.objects.get(pk=change.pk)
    assert change.state == "confirmed" and change.confirmed_by == people["agent2"]
    ends = timezone.localtime(change.cooling_off_ends_at, SHANGHAI).strftime("%Y-%m-%d %H:%M")
    cooling = other.locator(f'[data-testid="pending-change"][data-change="{change.pk}"]').get_by_test_id(
        "cooling-off-end"
    )
    assert ends in cooling.inner_text()
    assert "Beijing time" in other.content()
    assert not is_signatory(officer3, deposited, change.party)
    shoot(other, "register", tmp_path)

    with time_machine.travel(change.cooling_off_ends_at + timedelta(minutes=5)):
        later = open_as("agent3")
        later.goto(register_url)
        status = later.locator('[data-testid="signatory"][data-person="agent3"]').get_by_test_id("signatory-status")
        assert "Active since" in status.inner_text()
        assert Signatory.objects.get(person=officer3).is_active
        assert later.locator(f'[data-testid="pending-change"][data-change="{change.pk}"]').count() == 0
