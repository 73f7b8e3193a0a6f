"""TOTP enrolment, and when it is offered or required."""

import pytest
from django.test import override_settings
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from escrow.models import HistoryEntry

from .conftest import code_for


def test_enrolment_page_shows_qr_code_and_secret(client, people):
    client.force_login(people["seller"])
    page = client.get(reverse("two_factor_setup"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="totp-qr"' in html and "<svg" in html and "<path" in html
    device = TOTPDevice.objects.get(user=people["seller"], confirmed=False)
    secret = page.context["secret"].replace(" ", "")
    assert len(secret) == 32 and secret in html.replace(" ", "")
    assert "<script" not in html, "CSP forbids inline script: the QR code is drawn on the server"
    # Reloading keeps the same secret until it is confirmed, so a half-scanned code stays valid.
    assert client.get(reverse("two_factor_setup")).context["secret"].replace(" ", "") == secret
    assert TOTPDevice.objects.filter(user=people["seller"]).count() == 1 and device.name


def test_confirming_with_a_code_turns_it_on(client, people):
    client.force_login(people["seller"])
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=people["seller"])
    response = client.post(reverse("two_factor_setup"), {"token": code_for(device), "next": "/deals/kaixin-2025/"})
    assert response.status_code == 302 and response["Location"] == "/deals/kaixin-2025/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert HistoryEntry.objects.filter(action="two_factor_enrolled", actor=people["seller"]).exists()
    page = client.get(reverse("two_factor_setup"))
    assert b'data-testid="two-factor-enrolled"' in page.content


def test_wrong_code_does_not_turn_it_on(client, people):
    client.force_login(people["seller"])
    client.get(reverse("two_factor_setup"))
    response = client.post(reverse("two_factor_setup"), {"token": "123456"})
    assert response.status_code == 200 and b"did not match" in response.content
    assert not TOTPDevice.objects.filter(user=people["seller"], confirmed=True).exists()


def test_next_must_stay_on_this_site(client, people):
    client.force_login(people["seller"])
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=people["seller"])
    response = client.post(reverse("two_factor_setup"), {"token": code_for(device), "next": "https://evil.example/"})
    assert response["Location"] == reverse("escrow:dashboard")


@override_settings(TWO_FACTOR_REQUIRED=True)
@pytest.mark.parametrize("username", ["issuer", "purchaser", "seller", "agent1", "agent2"])
def test_when_required_signatories_must_enrol_first(client, people, username):
    response = client.post(reverse("login"), {"username": username, "password": "escrow-demo-2026"})
    assert response["Location"].startswith(reverse("two_factor_setup"))
    blocked = client.get(reverse("escrow:dashboard"))
    assert blocked.status_code == 302 and blocked["Location"].startswith(reverse("two_factor_setup"))
    assert client.get(reverse("two_factor_setup")).status_code == 200
    assert client.get("/api/deals/").status_code in (403, 404)


@override_settings(TWO_FACTOR_REQUIRED=True)
@pytest.mark.parametrize("username", ["auditor", "compliance"])
def test_when_required_people_who_cannot_sign_are_not_forced(client, people, username):
    client.force_login(people[username])
    assert client.get(reverse("escrow:dashboard")).status_code == 200


@override_settings(TWO_FACTOR_REQUIRED=True)
def test_when_required_enrolled_signatory_gets_through(client, people, enrolled):
    device = enrolled("issuer")
    client.post(reverse("login"), {"username": "issuer", "password": "escrow-demo-2026"})
    client.post(reverse("login_otp"), {"token": code_for(device)})
    assert client.get(reverse("escrow:dashboard")).status_code == 200


def test_signing_re_authentication_then_asks_for_the_code(people, enrolled):
    """escrow.actions.reauth treats an enrolled person as TOTP: the password no longer signs."""
    from escrow.actions.reauth import reauthenticate
    from escrow.contract.errors import NotAllowed

    device = enrolled("issuer")
    with pytest.raises(NotAllowed):
        reauthenticate(people["issuer"], password="escrow-demo-2026")
    assert reauthenticate(people["issuer"], otp_token=code_for(device)) == "totp"


def test_an_unconfirmed_device_is_not_two_factor(people):
    """One rule (parties.twofactor.has_two_factor) for the sign-in step, the middleware and re-authentication
    at signing: only a confirmed device counts."""
    from escrow.actions.reauth import reauthenticate
    from parties.twofactor import has_two_factor

    TOTPDevice.objects.create(user=people["seller"], name="Authenticator app", confirmed=False)
    assert not has_two_factor(people["seller"])
    assert reauthenticate(people["seller"], password="escrow-demo-2026") == "password"
    TOTPDevice.objects.filter(user=people["seller"]).update(confirmed=True)
    assert has_two_factor(people["seller"])
