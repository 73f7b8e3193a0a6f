"""Issue 10 item 3, the API client insider: a signatory who never enrolled two-factor, holding a token and the
password, while TWO_FACTOR_REQUIRED is on; and an enrolled signatory whose password (and token) were taken.

Each attack must fail: by session or by token, a person without a confirmed authenticator can do nothing but
enrol (every API endpoint answers 403 naming enrolment); signing, preparing and approving need a fresh code from
an enrolled person, never the password alone; and the action refuses even if an interface forgot to ask."""

import pytest
from django.test import Client
from django.urls import URLPattern, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from escrow import actions
from escrow.actions.reauth import reauthenticate
from escrow.api import urls as api_urls
from escrow.contract.errors import NotAllowed
from escrow.models import Signature, Tranche
from parties import actions as parties
from tests.conftest import PASSWORD, open_and_file, sign_instruction
from tests.escrow.call_backs import confirm_call_back
from tests.parties.conftest import code_for
from tests.parties.tokens import token_client

pytestmark = pytest.mark.django_db

ENROL = "Enrol two-factor authentication"


@pytest.fixture
def insider(deposited, people, settings):
    """The issuer's signatory: never enrolled; their token was made before two-factor became required."""
    api = token_client(people["issuer"])
    settings.TWO_FACTOR_REQUIRED = True
    return api


@pytest.fixture
def instruction(deposited, people):
    return open_and_file(deposited, people, 1, "665000000").instruments.get(kind="joint_instruction")


def enrol(person):
    return TOTPDevice.objects.create(user=person, name="Authenticator app", confirmed=True)


def every_api_path(deal, instruction):
    """Every route of escrow.api.urls, with real identifiers where it takes one."""
    values = {"pk": str(instruction.pk), "ref": deal.slug}
    for pattern in api_urls.urlpatterns:
        assert isinstance(pattern, URLPattern), "a nested include: list its routes here"
        route = str(pattern.pattern)
        for name, value in values.items():
            route = route.replace(f"<int:{name}>", value).replace(f"<str:{name}>", value)
        assert "<" not in route, route
        yield f"/api/{route}"


# --- Not enrolled: nothing but enrolment ------------------------------------------------------------------


def test_every_endpoint_refuses_the_unenrolled_token_naming_enrolment(insider, deposited, instruction):
    paths = list(every_api_path(deposited, instruction))
    assert len(paths) > 20
    for path in paths:
        for method in ("get", "post"):
            response = getattr(insider, method)(path, {"password": PASSWORD}, format="json")
            if path == "/api/docs/" and response.status_code == 302:  # a browser page: sent to enrol
                assert response["Location"].startswith(reverse("two_factor_setup")), method
                continue
            assert response.status_code == 403, (method, path, response.status_code)
            assert ENROL in response.content.decode(), (method, path)  # the schema answers in its own type


def test_the_unenrolled_signatory_cannot_sign_with_token_and_password(insider, instruction):
    url = f"/api/instruments/{instruction.pk}/sign/"
    body = {"expected_sha256": instruction.document.sha256, "password": PASSWORD}
    refused = insider.post(url, body, format="json")
    assert refused.status_code == 403 and ENROL in refused.json()["detail"]
    assert not Signature.objects.exists()


def test_the_action_refuses_the_unenrolled_too_whatever_the_interface(insider, people, instruction):
    """Defence in depth: an endpoint that forgot the permission still reaches the action's re-authentication."""
    with pytest.raises(NotAllowed, match="enrol two-factor"):
        actions.sign_instrument(
            people["issuer"], instruction.pk, expected_sha256=instruction.document.sha256, password=PASSWORD
        )
    assert not Signature.objects.exists()


def test_the_unenrolled_session_gets_the_same_refusal_and_pages_send_to_enrolment(insider, people):
    browser = Client()
    browser.force_login(people["issuer"])
    api = browser.get("/api/deals/")
    assert api.status_code == 403 and ENROL in api.json()["detail"]
    page = browser.get(reverse("escrow:dashboard"))
    assert page.status_code == 302 and page["Location"].startswith(reverse("two_factor_setup"))
    tokens_page = browser.get(reverse("api_tokens"))
    assert tokens_page.status_code == 302 and tokens_page["Location"].startswith(reverse("two_factor_setup"))


def test_the_unenrolled_cannot_mint_a_fresh_token_either(insider, people):
    with pytest.raises(parties.NotAllowed, match="Enrol two-factor"):
        parties.create_token(people["issuer"], label="Another way in")


def test_once_enrolled_the_same_token_works_again(insider, people):
    enrol(people["issuer"])
    assert insider.get("/api/deals/").status_code == 200


# --- Enrolled: a fresh code, never the password alone ----------------------------------------------------


def test_an_enrolled_signatorys_password_and_token_do_not_sign(insider, people, instruction):
    device = enrol(people["issuer"])
    url = f"/api/instruments/{instruction.pk}/sign/"
    digest = instruction.document.sha256
    refused = insider.post(url, {"expected_sha256": digest, "password": PASSWORD}, format="json")
    assert refused.status_code == 403 and "password is not enough" in refused.json()["detail"]
    wrong = insider.post(url, {"expected_sha256": digest, "otp_token": "000000"}, format="json")
    assert wrong.status_code == 403 and "authenticator app" in wrong.json()["detail"]
    assert not Signature.objects.exists()
    signed = insider.post(url, {"expected_sha256": digest, "otp_token": code_for(device)}, format="json")
    assert signed.status_code == 200, signed.json()
    assert Signature.objects.get().auth_method == "totp"


def test_a_code_is_good_once(insider, people):
    """A code read over a shoulder, or from a log, is worth nothing once used (django-otp's last step)."""
    device = enrol(people["issuer"])
    code = code_for(device)
    assert reauthenticate(people["issuer"], otp_token=code) == "totp"
    with pytest.raises(NotAllowed, match="authenticator app"):
        reauthenticate(people["issuer"], otp_token=code)


def test_preparing_and_approving_over_the_api_need_a_code_too(deposited, people, settings):
    open_and_file(deposited, people, 1, "665000000")
    t, instruction = sign_instruction(deposited, people, 1)
    settings.TWO_FACTOR_REQUIRED = True
    officer1, officer2 = enrol(people["agent1"]), enrol(people["agent2"])
    digest = instruction.document.sha256
    url = f"/api/tranches/{t.pk}/prepare-release/"
    api1 = token_client(people["agent1"])
    refused = api1.post(url, {"expected_sha256": digest, "password": PASSWORD}, format="json")
    assert refused.status_code == 403 and "password is not enough" in refused.json()["detail"]
    assert Tranche.objects.get(pk=t.pk).state == "instructed"
    prepared = api1.post(url, {"expected_sha256": digest, "otp_token": code_for(officer1)}, format="json")
    assert prepared.status_code == 200, prepared.json()
    confirm_call_back(deposited, people, t)  # EA 3.2 and the call-back practice (issue 10 item 2)
    url = f"/api/tranches/{t.pk}/approve-release/"
    api2 = token_client(people["agent2"])
    body = {"expected_sha256": digest, "transfer_reference": "TA-1", "password": PASSWORD}
    refused = api2.post(url, body, format="json")
    assert refused.status_code == 403 and "password is not enough" in refused.json()["detail"]
    assert Tranche.objects.get(pk=t.pk).state == "release_prepared"
    body = {"expected_sha256": digest, "transfer_reference": "TA-1", "otp_token": code_for(officer2)}
    assert api2.post(url, body, format="json").status_code == 200
    assert Tranche.objects.get(pk=t.pk).state == "released"


def test_a_revoked_token_of_an_enrolled_person_is_refused(insider, people):
    enrol(people["issuer"])
    token = people["issuer"].api_tokens.get()
    parties.revoke_token(people["issuer"], token)
    refused = insider.get("/api/deals/")
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
