"""Issue 13 item 1: the two-factor banner reuses the device the OTP middleware loaded for the session."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from parties import twofactor

pytestmark = pytest.mark.django_db


def test_a_verified_person_costs_the_banner_no_query(people, django_assert_num_queries):
    issuer = people["issuer"]
    issuer.otp_device = TOTPDevice.objects.create(user=issuer, name="phone", confirmed=True)
    with django_assert_num_queries(0):
        assert not twofactor.needs_enrolment(issuer)


def test_the_page_reads_the_device_once(people):
    """A verified signatory's page: the OTP middleware's read of the device is the only one."""
    issuer = people["issuer"]
    device = TOTPDevice.objects.create(user=issuer, name="phone", confirmed=True)
    client = Client()
    client.force_login(issuer)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(reverse("escrow:notifications")).content.decode()
    device_reads = [q for q in ctx.captured_queries if "otp_" in q["sql"]]
    assert len(device_reads) == 1 and 'data-testid="two-factor-banner"' not in html


def test_an_unenrolled_signatory_still_sees_the_banner(people):
    client = Client()
    client.force_login(people["issuer"])
    assert 'data-testid="two-factor-banner"' in client.get(reverse("escrow:notifications")).content.decode()
