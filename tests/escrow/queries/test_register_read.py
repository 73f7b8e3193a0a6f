"""Issue 13 item 1: register_for reads every party's live entries in one query and takes the person's party from
deal_for (escrow.queries.register); it is compared here with the reading it replaced (kept below: a query per
party, party_for, is_signatory) for every person, with the deal as deal_for returns it and as a plain object, at
moments before, during and after a cooling-off, with an addition and a removal pending."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from escrow.actions.register import confirm_register_change, propose_signatory, propose_signatory_removal
from escrow.models import DealParty, Role, Signatory
from escrow.models.deal import CONTRACT_PARTIES
from escrow.queries.deals import deal_for
from escrow.queries.register import PartyRegister, RegisterView, is_signatory, pending_changes, register_for
from escrow.usecases.permissions import party_for
from parties.models import User
from tests.escrow.actions.test_register import T0, newcomer, party
from tests.escrow.history.test_history_chain import bypass_trigger

pytestmark = pytest.mark.django_db


def old_register_for(user, deal, at=None) -> RegisterView:  # as it was
    at = at or timezone.now()
    viewer_party = party_for(user, deal)
    excluded = bool(user.is_staff or user.is_superuser)
    role = viewer_party.role if viewer_party else None
    view = RegisterView(deal=deal, at=at, viewer_party=viewer_party, pending=pending_changes(deal, at))
    view.may_confirm = not excluded and role == Role.ESCROW_AGENT
    view.may_object = not excluded and role in CONTRACT_PARTIES
    parties = DealParty.objects.filter(deal=deal, role__in=CONTRACT_PARTIES, ended_at__isnull=True).select_related(
        "organisation"
    )
    for party_ in sorted(parties, key=lambda p: CONTRACT_PARTIES.index(p.role)):
        entries = list(Signatory.objects.filter(party=party_).live(at).select_related("person").order_by("name", "pk"))
        has_active = any(e.is_active_at(at) for e in entries)
        own_signatory = is_signatory(user, deal, party_, at) if viewer_party == party_ else False
        first_by_agent = not has_active and role == Role.ESCROW_AGENT
        view.parties.append(
            PartyRegister(
                party=party_,
                entries=entries,
                may_propose=not excluded and (own_signatory or first_by_agent),
                may_remove=not excluded and own_signatory,
            )
        )
    return view


def fields(obj):
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def shape(view):
    parties = view.parties
    return (
        view.at,
        view.viewer_party.pk if view.viewer_party else None,
        [(c.pk, fields(c), fields(c.signatory), fields(c.party), c.party.organisation.name) for c in view.pending],
        [(c.proposed_by.username, c.confirmed_by.username if c.confirmed_by else None) for c in view.pending],
        view.may_confirm,
        view.may_object,
        [(p.party.pk, p.party.organisation.name, [(e.pk, e.person.username) for e in p.entries]) for p in parties],
        [(p.may_propose, p.may_remove) for p in parties],
    )


def test_the_register_is_read_as_before(kaixin, people):
    purchaser = people["purchaser"]
    deputy = newcomer(purchaser.organisation, "deputy")
    with time_machine.travel(T0, tick=False):
        addition = propose_signatory(
            purchaser, kaixin, party(kaixin, Role.PURCHASER), deputy, title="Director", phone="+86 21 0000 0000"
        )
        confirm_register_change(people["agent1"], addition.pk)
    with time_machine.travel(T0 + timedelta(days=2), tick=False):
        entry = Signatory.objects.get(person=purchaser)
        removal = propose_signatory_removal(deputy, kaixin, entry.pk, reason="Left the company")
    moments = [T0 - timedelta(hours=1), T0 + timedelta(hours=1), T0 + timedelta(days=2, hours=1)]
    moments.append(T0 + timedelta(days=9))
    seen, pending = set(), set()
    for user in User.objects.all():
        for at in moments:
            with time_machine.travel(at, tick=False):
                mine = shape(register_for(user, kaixin, at))
                assert mine == shape(old_register_for(user, kaixin, at)), (user.username, at)
                seen.add(tuple(mine[7]))
                pending.add(len(mine[2]))
                if user.organisation_id:
                    found = deal_for(user, kaixin.slug)
                    assert shape(register_for(user, found, at)) == mine
    assert removal.pk and len(seen) > 2 and len(pending) > 1  # different forms offered, changes pending or not


def test_a_party_with_nobody_on_its_register_and_an_ended_party(kaixin, people):
    seller, issuer = party(kaixin, Role.SELLER), party(kaixin, Role.ISSUER)
    then = connection.ops.adapt_datetimefield_value(T0)  # stored as the ORM stores it (SQLite: its text)
    bypass_trigger("UPDATE escrow_signatory SET removed_at = %s WHERE party_id = %s", [then, seller.pk])
    bypass_trigger("UPDATE escrow_dealparty SET ended_at = %s WHERE id = %s", [then, issuer.pk])
    for at in (T0 - timedelta(microseconds=1), T0, T0 + timedelta(days=1)):  # removed at T0: live until then
        for user in User.objects.all():
            mine = shape(register_for(user, kaixin, at))
            assert mine == shape(old_register_for(user, kaixin, at)), user.username
    at = T0 + timedelta(days=1)
    parties = {p.party.pk: p.entries for p in register_for(people["agent1"], kaixin, at).parties}
    assert parties[seller.pk] == [] and issuer.pk not in parties
