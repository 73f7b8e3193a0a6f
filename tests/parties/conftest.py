"""Helpers for sign-in tests: confirmed TOTP devices and the codes they accept."""

import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def code_for(device, *, later=0) -> str:
    """The code an authenticator app shows now (or `later` seconds from now).

    A device refuses a code twice in one 30-second step; a second code in one test uses later=30,
    which the default tolerance of one step still accepts.
    """
    generator = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    generator.time = time.time() + later
    return str(generator.token()).zfill(device.digits)


@pytest.fixture
def enrolled(people):
    """Give a person a confirmed authenticator; returns the device."""

    def enrol(username):
        return TOTPDevice.objects.create(user=people[username], name="Authenticator app", confirmed=True)

    return enrol
