"""Issue 12 item 3 in a browser: after signing or approving, Back and reload show no stale form.

The issuer signs the joint instruction from the year's page; Back returns to the sign page, which no longer
offers "Sign this document" but says when the issuer signed, links to the receipt and to the year. Officer 1
prepares; the year's page offers officer 1 no approval (four eyes, EA 3.2). Officer 2 approves; Back shows no
approve form for the released year, and the year says there is nothing to do, what was released and when
(issue 12 item 4). Every page is no-store, so Back asks the server again (Chromium keeps no copy).
"""

import pytest
from django.urls import reverse

from escrow import actions
from escrow.models import Tranche
from escrow.queries.clock import contract_today
from tests.browser.transfer_facts import fill_transfer_facts
from tests.conftest import PASSWORD, open_and_file, tranche
from tests.escrow.call_backs import confirm_call_back

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "kaixin-2025"


def url(live_server, name, *args):
    return live_server.url + reverse(name, args=args)


def test_back_after_signing_and_approving_offers_nothing_stale(
    open_as, live_server, deposited, people, shoot, tmp_path
):
    open_and_file(deposited, people, 1, "665000000")
    instruction = tranche(deposited, 1).instruments.get(kind="joint_instruction", status="open")

    issuer = open_as("issuer")
    issuer.goto(url(live_server, "escrow:tranche", SLUG, 1))
    issuer.get_by_test_id("sign-link").click()
    issuer.wait_for_load_state()
    issuer.get_by_test_id("intent-checkbox").check()
    issuer.get_by_test_id("password").fill(PASSWORD)
    issuer.get_by_test_id("sign-button").click()
    issuer.wait_for_load_state()
    assert issuer.get_by_test_id("signature-receipt").is_visible()

    issuer.go_back()
    issuer.wait_for_load_state()
    assert issuer.url.endswith(reverse("escrow:sign", args=[instruction.pk]))
    for _ in range(2):  # Back, then a reload: the server answers both, and neither offers the form
        assert not issuer.get_by_test_id("sign-form").count() and not issuer.get_by_test_id("sign-button").count()
        reason = issuer.get_by_test_id("stale-reason").inner_text()
        assert "You already signed this document on" in reason and "Beijing time" in reason, reason
        assert issuer.get_by_test_id("my-receipt").is_visible() and issuer.get_by_test_id("stale-link").is_visible()
        issuer.reload()
    issuer.get_by_test_id("stale-reason").scroll_into_view_if_needed()
    shoot(issuer, "sign-after-back", tmp_path)
    issuer.get_by_test_id("stale-link").click()
    issuer.wait_for_load_state()
    assert not issuer.get_by_test_id("sign-link").count()  # the year's page no longer offers it either

    actions.sign_instrument(
        people["purchaser"], instruction.pk, expected_sha256=instruction.document.sha256, password=PASSWORD
    )
    t = tranche(deposited, 1)
    confirm_call_back(deposited, people, t)
    actions.prepare_release(people["agent1"], t.pk, expected_sha256=instruction.document.sha256, password=PASSWORD)
    officer1 = open_as("agent1")
    officer1.goto(url(live_server, "escrow:tranche", SLUG, 1))
    assert not officer1.get_by_test_id("offer-approve_release").count()  # EA 3.2 four eyes: not the preparer
    assert officer1.get_by_test_id("offer-withdraw_preparation").is_visible()

    officer2 = open_as("agent2")
    officer2.goto(url(live_server, "escrow:tranche", SLUG, 1))
    officer2.get_by_test_id("offer-approve_release").click()
    officer2.wait_for_load_state()
    officer2.get_by_test_id("transfer-reference").fill("TA-2027-001")
    fill_transfer_facts(officer2, confirmation=False)
    officer2.get_by_test_id("intent-checkbox").check()
    officer2.get_by_test_id("password").fill(PASSWORD)
    officer2.get_by_test_id("approve-button").click()
    officer2.wait_for_load_state()
    assert Tranche.objects.get(pk=t.pk).state == "released"

    officer2.go_back()
    officer2.wait_for_load_state()
    assert officer2.url.endswith(reverse("escrow:approve_release", args=[SLUG, 1]))
    for _ in range(2):
        assert not officer2.get_by_test_id("approve-form").count()
        assert "released" in officer2.get_by_test_id("stale-reason").inner_text()
        now = officer2.get_by_test_id("stale-now").inner_text()
        assert f"Released 3,000,000 shares on {contract_today()}" in now, now  # what happened and when
        officer2.reload()
    officer2.get_by_test_id("stale-reason").scroll_into_view_if_needed()
    shoot(officer2, "approve-after-back", tmp_path)

    officer2.get_by_test_id("stale-link").click()
    officer2.wait_for_load_state()
    step = officer2.get_by_test_id("next-step").inner_text()
    assert "Nothing to do" in step and f"Released 3,000,000 shares on {contract_today()}" in step, step
    assert "Nobody needs to act yet" not in step and not officer2.get_by_test_id("offered-actions").count()
    shoot(officer2, "released-year-nothing-to-do", tmp_path)
