"""The deal's signatory register (issue 10 item 1): signing power from the register, never from membership;
four eyes on every change; a cooling-off period during which every party is notified and may object; staff
and superusers never on it; every step in the deal's history with who did it (EA 3.1(b), 3.2)."""

from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone

from escrow import actions
from escrow.actions.register import (
    confirm_register_change,
    object_to_register_change,
    propose_signatory,
    propose_signatory_removal,
)
from escrow.contract.errors import InvalidInput, NotAllowed, WrongState
from escrow.models import HistoryAction, HistoryEntry, Notification, RegisterChange, Role, Signatory
from escrow.queries.register import active_signatories, is_signatory, pending_changes
from escrow.usecases.permissions import require
from parties.actions import add_person
from tests.conftest import PASSWORD, SHANGHAI, open_and_file, tranche
from tests.factories import make_deal

pytestmark = pytest.mark.django_db
# A day after the seed, whenever the suite runs: the seeded register is in effect from the moment it is loaded.
T0 = (timezone.now() + timedelta(days=1)).replace(microsecond=0)


def newcomer(org, username, **extra):
    return add_person(
        None, username=username, password=PASSWORD, organisation=org, email=f"{username}@x.invalid", **extra
    )


def party(deal, role):
    return deal.parties.get(role=role, ended_at__isnull=True)


def add(actor, deal, role, person, **fields):
    return propose_signatory(
        actor, deal, party(deal, role), person, title="Director", phone="+86 21 0000 0000", **fields
    )


def test_the_seed_puts_everyone_who_signs_or_approves_on_the_register(kaixin, people):
    """load_kaixin: the register from the signed agreement (2 Dec 2025), cooled off, in the history."""
    on_register = {s.person.username: s.party.role for s in active_signatories(kaixin)}
    assert on_register == {
        "issuer": Role.ISSUER,
        "purchaser": Role.PURCHASER,
        "seller": Role.SELLER,
        "agent1": Role.ESCROW_AGENT,
        "agent2": Role.ESCROW_AGENT,
    }
    assert {s.person.username for s in active_signatories(kaixin, role=Role.ESCROW_AGENT)} == {"agent1", "agent2"}
    changes = RegisterChange.objects.filter(deal=kaixin)
    assert {(c.from_agreement, c.proposed_by.username, c.confirmed_by.username) for c in changes} == {
        (True, "agent1", "agent2")
    }
    assert {timezone.localtime(c.proposed_at, SHANGHAI).date() for c in changes} == {date(2025, 12, 2)}
    confirmed = HistoryEntry.objects.filter(deal=kaixin, action=HistoryAction.REGISTER_CHANGE_CONFIRMED)
    assert confirmed.count() == 5 and {e.actor.username for e in confirmed} == {"agent2"}
    assert not is_signatory(people["auditor"], kaixin, party(kaixin, Role.ISSUER))


def test_four_eyes_the_proposer_never_confirms(kaixin, people):
    """A current agent signatory proposes a third officer; only another officer confirms."""
    officer3 = newcomer(people["agent1"].organisation, "agent3")
    change = add(people["agent1"], kaixin, Role.ESCROW_AGENT, officer3)
    with pytest.raises(NotAllowed, match="other than the proposer"):
        confirm_register_change(people["agent1"], change.pk)
    with pytest.raises(NotAllowed, match="As Issuer"):
        confirm_register_change(people["issuer"], change.pk)
    confirm_register_change(people["agent2"], change.pk)
    change = RegisterChange.objects.get(pk=change.pk)
    assert (change.state, change.confirmed_by) == ("confirmed", people["agent2"])
    with pytest.raises(WrongState, match="nothing to confirm"):
        confirm_register_change(people["agent2"], change.pk)


def test_a_member_who_is_not_a_signatory_proposes_nothing(kaixin, people):
    clerk = newcomer(people["purchaser"].organisation, "clerk")
    with pytest.raises(NotAllowed, match="Only a current signatory of Zhejiang Kaixin Auto"):
        add(clerk, kaixin, Role.PURCHASER, newcomer(people["purchaser"].organisation, "friend"))
    with pytest.raises(NotAllowed, match="Only a current signatory"):
        add(people["issuer"], kaixin, Role.PURCHASER, clerk)  # another party's signatory neither
    with pytest.raises(InvalidInput, match="only its own people"):
        add(people["purchaser"], kaixin, Role.PURCHASER, people["issuer"])


def test_cooling_off_a_confirmed_addition_takes_effect_only_when_the_period_ends(kaixin, people):
    """Proposed at T0, confirmed an hour later: in effect at T0 + 24 h, not before."""
    deputy = newcomer(people["purchaser"].organisation, "deputy")
    with time_machine.travel(T0, tick=False):
        change = add(people["purchaser"], kaixin, Role.PURCHASER, deputy)
        assert change.cooling_off_ends_at == T0 + timedelta(hours=24)
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        confirm_register_change(people["agent2"], change.pk)
        assert Signatory.objects.get(person=deputy).effective_at == T0 + timedelta(hours=24)
        assert [c.pk for c in pending_changes(kaixin)] == [change.pk]
    with (
        time_machine.travel(T0 + timedelta(hours=23, minutes=59), tick=False),
        pytest.raises(NotAllowed, match="not on the signatory register"),
    ):
        require(deputy, kaixin, "sign_joint_instruction")
    with time_machine.travel(T0 + timedelta(hours=24), tick=False):
        assert require(deputy, kaixin, "sign_joint_instruction").role == Role.PURCHASER
        assert is_signatory(deputy, kaixin, party(kaixin, Role.PURCHASER))
        assert pending_changes(kaixin) == []


def test_a_late_confirmation_takes_effect_at_once(kaixin, people):
    deputy = newcomer(people["issuer"].organisation, "deputy")
    with time_machine.travel(T0, tick=False):
        change = add(people["issuer"], kaixin, Role.ISSUER, deputy)
    with time_machine.travel(T0 + timedelta(hours=30), tick=False):
        confirm_register_change(people["agent1"], change.pk)
        assert Signatory.objects.get(person=deputy).effective_at == T0 + timedelta(hours=30)
        assert is_signatory(deputy, kaixin, party(kaixin, Role.ISSUER))


def test_every_party_is_notified_and_any_party_may_object(kaixin, people):
    """The seller objects during the cooling-off period: the change is cancelled with the reason."""
    deputy = newcomer(people["purchaser"].organisation, "deputy")
    with time_machine.travel(T0, tick=False):
        change = add(people["purchaser"], kaixin, Role.PURCHASER, deputy)
    told = set(
        Notification.objects.filter(dedupe_key__startswith=f"register:{change.pk}:proposed").values_list(
            "user__username", flat=True
        )
    )
    assert {"issuer", "purchaser", "seller", "agent1", "agent2"} <= told and "auditor" not in told
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        confirm_register_change(people["agent1"], change.pk)
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        with pytest.raises(InvalidInput, match="Say why"):
            object_to_register_change(people["seller"], change.pk, reason=" ")
        object_to_register_change(people["seller"], change.pk, reason="Not authorised by the board")
    change = RegisterChange.objects.get(pk=change.pk)
    assert (change.state, change.objected_by, change.objection) == (
        "objected",
        people["seller"],
        "Not authorised by the board",
    )
    with time_machine.travel(T0 + timedelta(days=3), tick=False):
        assert not is_signatory(deputy, kaixin, party(kaixin, Role.PURCHASER))
        with pytest.raises(NotAllowed, match="not on the signatory register"):
            require(deputy, kaixin, "sign_joint_instruction")
    entry = HistoryEntry.objects.get(deal=kaixin, action=HistoryAction.REGISTER_CHANGE_OBJECTED)
    assert entry.actor == people["seller"] and "Not authorised by the board" in entry.summary


def test_no_objection_once_in_effect(kaixin, people):
    deputy = newcomer(people["purchaser"].organisation, "deputy")
    with time_machine.travel(T0, tick=False):
        change = add(people["purchaser"], kaixin, Role.PURCHASER, deputy)
        confirm_register_change(people["agent1"], change.pk)
    with (
        time_machine.travel(T0 + timedelta(hours=25), tick=False),
        pytest.raises(WrongState, match="already taken effect"),
    ):
        object_to_register_change(people["issuer"], change.pk, reason="Too late")


def test_every_step_is_in_the_history_with_who(kaixin, people):
    deputy = newcomer(people["issuer"].organisation, "deputy")
    before = HistoryEntry.objects.filter(deal=kaixin).count()
    change = add(people["issuer"], kaixin, Role.ISSUER, deputy)
    confirm_register_change(people["agent2"], change.pk)
    proposed, confirmed = HistoryEntry.objects.filter(deal=kaixin).order_by("seq")[before:]
    assert (proposed.action, proposed.actor, proposed.acting_for) == (
        "register_change_proposed",
        people["issuer"],
        "Kaixin Holdings (issuer)",
    )
    assert (confirmed.action, confirmed.actor) == ("register_change_confirmed", people["agent2"])
    assert proposed.details["person"] == deputy.pk and proposed.details["phone"] == "+86 21 0000 0000"
    assert "Beijing time" in confirmed.summary


def test_removal_takes_effect_after_confirmation_and_cooling_off(kaixin, people):
    purchaser = people["purchaser"]
    entry = Signatory.objects.get(person=purchaser)
    deputy = newcomer(purchaser.organisation, "deputy")
    with time_machine.travel(T0, tick=False):
        confirm_register_change(people["agent1"], add(purchaser, kaixin, Role.PURCHASER, deputy).pk)
    with time_machine.travel(T0 + timedelta(days=2), tick=False):
        with pytest.raises(NotAllowed, match="Only a current signatory"):
            propose_signatory_removal(people["issuer"], kaixin, entry.pk, reason="Left the company")
        change = propose_signatory_removal(deputy, kaixin, entry.pk, reason="Left the company")
        confirm_register_change(people["agent2"], change.pk)
    with time_machine.travel(T0 + timedelta(days=2, hours=23), tick=False):
        assert is_signatory(purchaser, kaixin, party(kaixin, Role.PURCHASER))  # still, during the cooling-off
    with time_machine.travel(T0 + timedelta(days=2, hours=24), tick=False):
        assert not is_signatory(purchaser, kaixin, party(kaixin, Role.PURCHASER))
        with pytest.raises(NotAllowed, match="not on the signatory register"):
            require(purchaser, kaixin, "sign_joint_instruction")
        require(purchaser, kaixin, "view_deal")  # membership still shows the deal (SPA 9)


def test_an_objection_to_a_removal_keeps_the_signatory(kaixin, people):
    entry = Signatory.objects.get(person=people["agent2"])
    change = propose_signatory_removal(people["agent1"], kaixin, entry.pk, reason="Reassigned")
    object_to_register_change(people["issuer"], change.pk, reason="Officer 2 is named in the agreement")
    entry.refresh_from_db()
    assert entry.removed_at is None and entry.is_active


def test_staff_and_superusers_are_never_on_a_register(kaixin, people, django_user_model):
    org = people["purchaser"].organisation
    staff = add_person(None, username="ops", password=PASSWORD, organisation=org, email="ops@x.invalid")
    django_user_model.objects.filter(pk=staff.pk).update(is_staff=True)
    staff.refresh_from_db()
    with pytest.raises(NotAllowed, match="can never be on a signatory register"):
        add(people["purchaser"], kaixin, Role.PURCHASER, staff)
    with pytest.raises(NotAllowed, match="take no part"):
        add(staff, kaixin, Role.PURCHASER, newcomer(org, "someone"))
    root = django_user_model.objects.create_superuser("root", "root@x.invalid", PASSWORD)
    django_user_model.objects.filter(pk=root.pk).update(organisation=people["agent1"].organisation)
    root.refresh_from_db()
    change = add(people["agent1"], kaixin, Role.ESCROW_AGENT, newcomer(people["agent1"].organisation, "agent3"))
    with pytest.raises(NotAllowed, match="take no part"):
        confirm_register_change(root, change.pk)
    with pytest.raises(NotAllowed, match="take no part"):
        object_to_register_change(root, change.pk, reason="mine")


def test_a_superuser_of_the_purchaser_never_signs_even_if_somehow_registered(deposited, people, django_user_model):
    """Even a register row written behind the actions' back gives a superuser no signing power."""
    root = django_user_model.objects.create_superuser("root", "root@x.invalid", PASSWORD)
    django_user_model.objects.filter(pk=root.pk).update(organisation=people["purchaser"].organisation)
    root.refresh_from_db()
    Signatory.objects.create(
        deal=deposited,
        party=party(deposited, Role.PURCHASER),
        person=root,
        name="root",
        title="x",
        phone="x",
        email="root@x.invalid",
        effective_at=timezone.now() - timedelta(days=5),
    )
    instruction = open_and_file(deposited, people, 1, "665000000").instruments.get(kind="joint_instruction")
    with pytest.raises(NotAllowed, match="Platform staff and superuser accounts never sign"):
        actions.sign_instrument(root, instruction.pk, expected_sha256=instruction.document.sha256, password=PASSWORD)


def test_a_member_not_on_the_register_neither_signs_nor_prepares_nor_approves(deposited, people):
    """Organisation membership gives visibility and the other actions, never signing power."""
    clerk = newcomer(people["purchaser"].organisation, "clerk")
    officer3 = newcomer(people["agent1"].organisation, "agent3")
    t = open_and_file(deposited, people, 1, "665000000")
    instruction = t.instruments.get(kind="joint_instruction")
    with pytest.raises(NotAllowed, match="not on the signatory register of Zhejiang Kaixin Auto"):
        actions.sign_instrument(clerk, instruction.pk, expected_sha256=instruction.document.sha256, password=PASSWORD)
    for who in ("issuer", "purchaser"):
        actions.sign_instrument(
            people[who], instruction.pk, expected_sha256=instruction.document.sha256, password=PASSWORD
        )
    digest = instruction.document.sha256
    with pytest.raises(NotAllowed, match="not on the signatory register of AUTOA2A"):
        actions.prepare_release(officer3, t.pk, expected_sha256=digest, password=PASSWORD)
    actions.prepare_release(people["agent1"], t.pk, expected_sha256=digest, password=PASSWORD)
    with pytest.raises(NotAllowed, match="not on the signatory register of AUTOA2A"):
        actions.approve_release(officer3, t.pk, expected_sha256=digest, transfer_reference="TA-1", password=PASSWORD)
    with pytest.raises(NotAllowed, match="not on the signatory register"):
        actions.withdraw_preparation(officer3, t.pk, reason="Check the figures")
    assert tranche(deposited, 1).state == "release_prepared"
    actions.raise_dispute(clerk, t.pk, reason="A member may still dispute (EA 3.3)")  # not a signing act
    assert tranche(deposited, 1).state == "disputed"


def test_the_first_signatory_of_a_party_is_recorded_by_the_escrow_agent(db):
    """A party with nobody on its register (its signatory removed): only an escrow-agent officer proposes the
    first one, from the signed agreement; another officer confirms."""
    deal, crew = make_deal("fresh")
    purchaser = party(deal, Role.PURCHASER)
    entry = Signatory.objects.get(party=purchaser)
    confirm_register_change(
        crew["agent1"], propose_signatory_removal(crew["purchaser"], deal, entry.pk, reason="Replaced").pk
    )
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        assert not active_signatories(deal, role=Role.PURCHASER).exists()
        clerk = newcomer(crew["purchaser"].organisation, "clerk")
        with pytest.raises(NotAllowed, match="an escrow-agent officer records the first one"):
            add(crew["issuer"], deal, Role.PURCHASER, clerk)
        change = add(crew["agent1"], deal, Role.PURCHASER, clerk)
        assert change.from_agreement
        confirm_register_change(crew["agent2"], change.pk)


def test_pages_offer_signing_and_approving_only_to_people_on_the_register(client, deposited, people):
    """No action is offered that would be refused: a member off the register sees why, not a Sign button."""
    from django.urls import reverse

    clerk = newcomer(people["purchaser"].organisation, "clerk2")
    officer3 = newcomer(people["agent1"].organisation, "agent4")
    t = open_and_file(deposited, people, 1, "665000000")
    instruction = t.instruments.get(kind="joint_instruction")
    client.force_login(clerk)
    page = client.get(reverse("escrow:sign", args=[instruction.pk])).content.decode()
    assert 'data-testid="off-register"' in page and 'data-testid="sign-button"' not in page
    client.force_login(people["purchaser"])
    assert 'data-testid="sign-button"' in client.get(reverse("escrow:sign", args=[instruction.pk])).content.decode()
    for who in ("issuer", "purchaser"):
        actions.sign_instrument(
            people[who], instruction.pk, expected_sha256=instruction.document.sha256, password=PASSWORD
        )
    client.force_login(officer3)
    tranche_page = client.get(reverse("escrow:tranche", args=[deposited.slug, 1])).content.decode()
    assert reverse("escrow:prepare_release", args=[deposited.slug, 1]) not in tranche_page
