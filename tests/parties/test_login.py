"""Sign-in in one step (no authenticator) or two (password, then the code)."""

import time

from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from escrow.models import HistoryEntry
from tests.conftest import PASSWORD

from .conftest import code_for


def sign_in(client, username, password=PASSWORD, next_url=None):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data)


def test_login_page_is_ours_and_translated(client, db):
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert b'data-testid="login-form"' in page.content
    assert reverse("password_reset").encode() in page.content


def test_person_without_authenticator_signs_in_with_password(client, people):
    response = sign_in(client, "auditor")
    assert response.status_code == 302 and response["Location"] == reverse("escrow:dashboard")
    assert client.session["_auth_user_id"] == str(people["auditor"].pk)


def test_wrong_password_stays_on_the_form(client, people):
    response = sign_in(client, "issuer", password="not-it")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_signatory_without_authenticator_is_invited_to_enrol(client, people):
    response = sign_in(client, "seller")
    assert response["Location"] == reverse("escrow:dashboard")
    assert b'data-testid="two-factor-banner"' in client.get(response["Location"]).content


def test_people_who_cannot_sign_see_no_banner(client, people):
    sign_in(client, "auditor")
    assert b'data-testid="two-factor-banner"' not in client.get(reverse("escrow:dashboard")).content


def test_authenticator_adds_a_second_step(client, people, enrolled):
    device = enrolled("issuer")
    response = sign_in(client, "issuer", next_url="/deals/kaixin-2025/")
    assert response["Location"] == reverse("login_otp")
    assert "_auth_user_id" not in client.session, "the password alone must not sign in"

    response = client.post(reverse("login_otp"), {"token": code_for(device)})
    assert response.status_code == 302 and response["Location"] == "/deals/kaixin-2025/"
    assert client.session["_auth_user_id"] == str(people["issuer"].pk)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id


def test_wrong_code_is_refused_and_recorded_as_failed_login(client, people, enrolled):
    enrolled("purchaser")
    sign_in(client, "purchaser")
    response = client.post(reverse("login_otp"), {"token": "000000"})
    assert response.status_code == 200 and b"not correct" in response.content
    assert "_auth_user_id" not in client.session
    assert HistoryEntry.objects.filter(action="login_failed", details__username="purchaser").exists()


def test_five_wrong_codes_send_the_person_back_to_the_password(client, people, enrolled):
    enrolled("purchaser")
    sign_in(client, "purchaser")
    for _ in range(5):
        response = client.post(reverse("login_otp"), {"token": "000000"})
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert client.get(reverse("login_otp"))["Location"] == reverse("login")


def test_code_step_expires(client, people, enrolled, monkeypatch):
    device = enrolled("agent1")
    sign_in(client, "agent1")
    later = time.time() + 301
    monkeypatch.setattr("parties.views.time.time", lambda: later)
    response = client.post(reverse("login_otp"), {"token": code_for(device)})
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_code_step_without_password_step_goes_to_login(client, db):
    assert client.get(reverse("login_otp"))["Location"] == reverse("login")


def test_session_signed_in_without_the_code_is_ended(client, people, enrolled):
    """The admin's login form (or force_login) skips the code step: the middleware notices."""
    enrolled("agent2")
    client.force_login(people["agent2"])
    response = client.get(reverse("escrow:dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_login_recorded_in_account_history(client, people):
    sign_in(client, "compliance")
    assert HistoryEntry.objects.filter(action="login", actor=people["compliance"]).exists()
