"""Signatures over exact bytes (EA 3.1(b)): re-authentication, one person one party, no replay,
superseded documents stay on record."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from escrow import actions
from escrow.actions.register import confirm_register_change, propose_signatory
from escrow.contract.errors import InvalidInput, NotAllowed, NotFound, WrongState
from escrow.models import Instrument, Signature
from parties.actions import change_person
from tests.conftest import PASSWORD, open_and_file, tranche

pytestmark = pytest.mark.django_db


@pytest.fixture
def instruction(deposited, people):
    open_and_file(deposited, people, 1, "665000000")
    return tranche(deposited, 1).instruments.get(kind="joint_instruction", status="open")


def sign(person, instruction, **overrides):
    kwargs = dict(expected_sha256=instruction.document.sha256, password=PASSWORD, ip="10.0.0.8", user_agent="Firefox")
    kwargs.update(overrides)
    return actions.sign_instrument(person, instruction.pk, **kwargs)


def test_signature_records_who_for_whom_what_when_how(instruction, people):
    sign(people["issuer"], instruction)
    signature = Signature.objects.get(instrument=instruction)
    assert signature.signer == people["issuer"]
    assert signature.party.role == "issuer"
    assert signature.sha256 == instruction.document.sha256
    assert (signature.ip_address, signature.user_agent, signature.auth_method) == ("10.0.0.8", "Firefox", "password")
    assert signature.signed_at is not None


def test_wrong_password_signs_nothing(instruction, people):
    with pytest.raises(NotAllowed, match="password"):
        sign(people["issuer"], instruction, password="guess")
    assert not Signature.objects.exists()


def test_totp_is_required_once_enrolled(instruction, people):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=people["purchaser"], name="phone", confirmed=True)
    with pytest.raises(NotAllowed, match="authenticator"):
        sign(people["purchaser"], instruction)  # the password alone is no longer enough
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    sign(people["purchaser"], instruction, password=None, otp_token=f"{code:06d}")
    assert Signature.objects.get(instrument=instruction).auth_method == "totp"


def test_replayed_signature_is_refused(instruction, people):
    sign(people["issuer"], instruction)
    with pytest.raises(InvalidInput, match="already signed"):
        sign(people["issuer"], instruction)
    assert Signature.objects.count() == 1


def test_signing_a_different_version_is_refused(instruction, people):
    with pytest.raises(InvalidInput, match="current version"):
        sign(people["issuer"], instruction, expected_sha256="f" * 64)
    assert not Signature.objects.exists()


def test_roles_that_do_not_sign_instructions(instruction, people, outsider):
    for who in ("seller", "agent1", "auditor", "compliance"):
        with pytest.raises(NotAllowed):
            sign(people[who], instruction)
    with pytest.raises(NotFound):
        sign(outsider, instruction)
    assert not Signature.objects.exists()


def test_one_person_cannot_sign_for_two_parties(instruction, people, admin_user):
    """Move the issuer's signatory to the purchaser after signing: the second signature is refused."""
    sign(people["issuer"], instruction)
    issuer = change_person(admin_user, people["issuer"], organisation=people["purchaser"].organisation)
    # Issue 10 item 1: membership alone gives no signing power; the purchaser's register does not name him.
    with pytest.raises(NotAllowed, match="not on the signatory register"):
        sign(issuer, instruction)
    # Even once on the purchaser's register (proposed, confirmed, cooled off), he signed for the issuer already.
    deal = instruction.tranche.deal
    party = deal.parties.get(role="purchaser")
    change = propose_signatory(people["purchaser"], deal, party, issuer, title="Director", phone="+86 1")
    confirm_register_change(people["agent1"], change.pk)
    with (
        time_machine.travel(timezone.now() + timedelta(hours=25)),
        pytest.raises(InvalidInput, match="one person signs for one party"),
    ):
        sign(issuer, instruction)


def test_superseded_instruction_stays_on_record_and_cannot_be_signed(instruction, people):
    sign(people["issuer"], instruction)
    t = tranche(instruction.tranche.deal, 1)
    actions.raise_dispute(people["seller"], t.pk, reason="The audited figure omits December sales")
    actions.file_award(people["seller"], t.pk, quantity=2_900_000, pdf_bytes=make_award(), reference="CIETAC-1")
    instruction.refresh_from_db()
    assert instruction.status == Instrument.Status.SUPERSEDED
    assert instruction.signatures.count() == 1
    with pytest.raises(WrongState, match="superseded"):
        sign(people["purchaser"], instruction)
    new = tranche(instruction.tranche.deal, 1).instruments.get(kind="joint_instruction", status="open")
    assert new.quantity == 2_900_000 and new.document.sha256 != instruction.document.sha256


def test_admin_superuser_can_sign_nothing(instruction, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@x.invalid", PASSWORD)
    with pytest.raises(NotFound):
        sign(admin, instruction)


def make_award():
    from tests.conftest import make_pdf

    return make_pdf("CIETAC award CIETAC-1")


def test_guessing_the_password_at_signing_locks_signing(instruction, people):
    """A stolen session cannot brute-force the re-authentication: 5 wrong answers lock it."""
    for _ in range(5):
        with pytest.raises(NotAllowed, match="password"):
            sign(people["issuer"], instruction, password="guess")
    with pytest.raises(NotAllowed, match="locked"):
        sign(people["issuer"], instruction)  # even the right password, until the lock expires
    assert not Signature.objects.exists()
