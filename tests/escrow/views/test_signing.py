"""The signing ceremony (EA 3.1(b)) and the four-eyes transfer pages (EA 3.2) through HTTP."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from escrow.models import HistoryEntry, Signature
from escrow.queries.clock import contract_today
from tests.conftest import PASSWORD, open_and_file, sign_instruction, tranche
from tests.escrow.call_backs import registered

pytestmark = pytest.mark.django_db


@pytest.fixture
def instruction(deposited, people):
    t = open_and_file(deposited, people, 1, "665000000")
    return t.instruments.get(kind="joint_instruction", status="open")


def sign_url(instrument):
    return reverse("escrow:sign", args=[instrument.pk])


def test_ceremony_shows_document_summary_hash_and_form(instruction, client_for):
    html = client_for("issuer").get(sign_url(instruction)).content.decode()
    assert instruction.document.sha256 in html
    assert 'data-testid="intent-checkbox"' in html and 'data-testid="password"' in html
    assert 'data-testid="sign-button"' in html
    assert "3,000,000 shares" in html and "Fangle Lai" in html
    assert f'value="{instruction.document.sha256}"' in html  # the hidden expected hash
    assert reverse("escrow:document", args=[instruction.document.pk]) in html


def test_signing_records_signature_and_shows_receipt(instruction, client_for, people):
    client = client_for("issuer")
    response = client.post(
        sign_url(instruction),
        {"intent": "on", "password": PASSWORD, "expected_sha256": instruction.document.sha256},
        HTTP_USER_AGENT="Test browser",
        REMOTE_ADDR="10.1.2.3",
    )
    signature = Signature.objects.get(instrument=instruction, signer=people["issuer"])
    assert response.status_code == 302
    assert response["Location"] == reverse("escrow:signature_receipt", args=[signature.pk])
    assert signature.sha256 == instruction.document.sha256
    assert signature.ip_address == "10.1.2.3" and signature.user_agent == "Test browser"
    receipt = client.get(response["Location"]).content.decode()
    assert f'data-testid="document-hash">{instruction.document.sha256}<' in receipt


@pytest.mark.parametrize(
    "data, message",
    [
        ({"password": PASSWORD}, "Tick the box"),
        ({"intent": "on", "password": "wrong"}, "Your password was not correct"),
        ({"intent": "on"}, "Re-enter your password"),
    ],
)
def test_signing_errors_are_shown_and_change_nothing(instruction, client_for, data, message):
    before = HistoryEntry.objects.filter(deal__isnull=False).count()
    response = client_for("issuer").post(
        sign_url(instruction), {"expected_sha256": instruction.document.sha256, **data}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Signature.objects.exists()
    assert HistoryEntry.objects.filter(deal__isnull=False).count() == before


def test_a_stale_hash_is_refused(instruction, client_for):
    response = client_for("issuer").post(
        sign_url(instruction), {"intent": "on", "password": PASSWORD, "expected_sha256": "0" * 64}
    )
    assert response.status_code == 400
    assert "not the current version" in response.content.decode()
    assert not Signature.objects.exists()


def test_seller_sees_the_document_but_no_sign_form(instruction, client_for):
    html = client_for("seller").get(sign_url(instruction)).content.decode()
    assert 'data-testid="not-signatory"' in html and 'data-testid="sign-button"' not in html
    response = client_for("seller").post(
        sign_url(instruction), {"intent": "on", "password": PASSWORD, "expected_sha256": instruction.document.sha256}
    )
    assert response.status_code == 403 and not Signature.objects.exists()  # the role table refuses (EA 3.1(b))


def test_outsider_cannot_see_the_ceremony(instruction, outsider, client):
    client.force_login(outsider)
    assert client.get(sign_url(instruction)).status_code == 404


def test_prepare_and_approve_pages_show_the_hash_and_release(deposited, people, client_for):
    open_and_file(deposited, people, 1, "665000000")
    _t, instruction = sign_instruction(deposited, people, 1)
    digest = instruction.document.sha256
    prepare = reverse("escrow:prepare_release", args=[deposited.slug, 1])
    officer1 = client_for("agent1")
    assert digest in officer1.get(prepare).content.decode()
    response = officer1.post(prepare, {"confirm": "on", "password": PASSWORD, "expected_sha256": digest})
    assert response.status_code == 302 and tranche(deposited, 1).state == "release_prepared"

    approve = reverse("escrow:approve_release", args=[deposited.slug, 1])
    same = officer1.post(
        approve, {"confirm": "on", "password": PASSWORD, "expected_sha256": digest, "transfer_reference": "TA-9"}
    )
    assert same.status_code == 409 and "four eyes" in same.content.decode()
    assert tranche(deposited, 1).state == "release_prepared"

    officer2 = client_for("agent2")
    # Issue 10 item 2: the approval is offered once a call-back has confirmed the instruction.
    assert 'data-testid="approve-form"' not in officer2.get(approve).content.decode()
    entry = registered(deposited, people["issuer"])
    called = officer1.post(
        reverse("escrow:record_call_back", args=[deposited.slug, 1]), {"signatory": entry.pk, "outcome": "confirmed"}
    )
    assert called.status_code == 302
    assert 'data-testid="approve-form"' in officer2.get(approve).content.decode()
    missing = officer2.post(approve, {"confirm": "on", "password": PASSWORD, "expected_sha256": digest})
    assert missing.status_code == 400 and tranche(deposited, 1).state == "release_prepared"
    done = officer2.post(
        approve,
        {
            "confirm": "on",
            "password": PASSWORD,
            "expected_sha256": digest,
            "transfer_reference": "TA-9",
            # Issue 11 item 4: the transfer agent's facts (the confirmation PDF may follow).
            "transfer_date": contract_today().isoformat(),
            "transfer_agent": "Continental Stock Transfer & Trust Company",
            "recipient_account": "DTC 0352, account 88-120-4471",
        },
    )
    assert done.status_code == 302
    assert tranche(deposited, 1).state == "released" and tranche(deposited, 1).transfer_reference == "TA-9"
    deal_html = officer2.get(reverse("escrow:deal", args=[deposited.slug])).content.decode()
    assert 'data-testid="released-shares">3,000,000<' in deal_html
    # Issue 12 item 3: Back to the approval page offers no form; it says what happened and links to the year.
    back = officer2.get(approve).content.decode()
    assert 'data-testid="approve-form"' not in back and 'data-testid="stale-reason"' in back and "released" in back
    # Issue 12 item 4: the year says there is nothing to do, what was released and when (EA 3.2).
    year = officer2.get(reverse("escrow:tranche", args=[deposited.slug, 1])).content.decode()
    assert 'data-testid="nothing-to-do"' in year and f"Released 3,000,000 shares on {contract_today()}" in year
    assert "Nobody needs to act yet" not in year and 'data-testid="next-due"' not in year


def test_a_device_still_being_enrolled_is_not_two_factor(instruction, client_for, people):
    """parties.twofactor.has_two_factor is the one rule: an unconfirmed authenticator (enrolment begun,
    never confirmed with a code) does not count, so the password still signs (tests/parties/test_two_factor.py:
    a confirmed one does)."""
    client = client_for("issuer")
    client.get(reverse("two_factor_setup"))  # begins enrolment: an unconfirmed device
    assert TOTPDevice.objects.filter(user=people["issuer"], confirmed=False).exists()
    page = client.get(sign_url(instruction)).content.decode()
    assert 'data-testid="password"' in page and 'data-testid="otp-token"' not in page
    response = client.post(
        sign_url(instruction), {"intent": "on", "password": PASSWORD, "expected_sha256": instruction.document.sha256}
    )
    assert response.status_code == 302
    assert Signature.objects.get(instrument=instruction, signer=people["issuer"]).auth_method == "password"
