"""Issue 10 item 3: with TWO_FACTOR_REQUIRED on, a signatory without a confirmed authenticator is refused
by token as by session; once enrolled, signing over the API needs a fresh code, not the password."""

import pytest
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD, open_and_file
from tests.parties.conftest import code_for
from tests.parties.tokens import token_client

pytestmark = pytest.mark.django_db


def test_a_token_of_a_signatory_who_has_not_enrolled_is_refused(deposited, people, settings):
    api = token_client(people["issuer"])  # made before two-factor became required
    settings.TWO_FACTOR_REQUIRED = True
    response = api.get("/api/deals/")
    assert response.status_code == 403 and "Enrol two-factor" in response.json()["detail"]


@override_settings(TWO_FACTOR_REQUIRED=True)
def test_enrolled_signatory_signs_over_the_api_with_a_code_only(deposited, people):
    device = TOTPDevice.objects.create(user=people["issuer"], name="Authenticator app", confirmed=True)
    instruction = open_and_file(deposited, people, 1, "665000000").instruments.get(kind="joint_instruction")
    api = token_client(people["issuer"])
    assert api.get("/api/deals/").status_code == 200
    url = f"/api/instruments/{instruction.pk}/sign/"
    digest = instruction.document.sha256
    refused = api.post(url, {"expected_sha256": digest, "password": PASSWORD}, format="json")
    assert refused.status_code == 403 and "authenticator app" in refused.json()["detail"]
    signed = api.post(url, {"expected_sha256": digest, "otp_token": code_for(device)}, format="json")
    assert signed.status_code == 200, signed.json()
