"""Enrol an authenticator in the browser, then sign in and sign with its codes."""

import base64
import time

import pytest
from django.urls import reverse
from django_otp.oath import TOTP

from tests.conftest import open_and_file

from .conftest import fill_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def code(secret_text, later=0):
    """What the person's phone shows for the key printed on the enrolment page."""
    secret = secret_text.replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    generator = TOTP(key, step=30, t0=0, digits=6)
    generator.time = time.time() + later
    return str(generator.token()).zfill(6)


def test_enrol_then_sign_in_and_sign_with_codes(open_as, live_server, people, deposited, shoot, tmp_path):
    year1 = open_and_file(deposited, people, 1, 700_000_000)
    instruction = year1.instruments.get(kind="joint_instruction", status="open")
    page = open_as("issuer")
    assert page.get_by_test_id("two-factor-banner").is_visible()

    page.goto(live_server.url + reverse("two_factor_setup"))
    assert page.get_by_test_id("totp-qr").locator("svg").is_visible()
    secret = page.get_by_test_id("totp-secret").inner_text()
    shoot(page, "en-two-factor-setup", tmp_path)
    page.get_by_test_id("otp-token").fill(code(secret))
    page.get_by_test_id("two-factor-confirm").click()
    page.wait_for_load_state()
    assert not page.get_by_test_id("two-factor-banner").count()

    page.get_by_test_id("logout").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("logged-out").is_visible()

    page.goto(live_server.url + reverse("escrow:sign", args=[instruction.pk]))
    shoot(page, "en-login", tmp_path)
    fill_login(page, "issuer")
    assert "/accounts/login/code/" in page.url, "an enrolled person needs the code to sign in"
    page.get_by_test_id("otp-token").fill(code(secret, later=30))  # a code is accepted only once
    page.get_by_test_id("otp-submit").click()
    page.wait_for_load_state()
    assert page.url.endswith(reverse("escrow:sign", args=[instruction.pk]))

    page.get_by_test_id("intent-checkbox").check()
    page.get_by_test_id("otp-token").fill(code(secret, later=60))
    page.get_by_test_id("sign-button").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("signature-receipt").is_visible(), page.content()[:3000]
