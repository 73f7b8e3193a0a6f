"""Issue 13 item 1: deal_for, now_for_each and deals_signed_for read the person's party and signing power with
hand-written SQL (escrow.queries.deals, escrow.queries.available, escrow.usecases.permissions.signing_power_sql).
Each is compared here with the ORM query it replaced (kept below) for people, groups, outsiders, platform staff,
ended parties and register entries current, ended, not yet in effect and never confirmed; on PostgreSQL and on
SQLite (the quick start) alike."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef, Value
from django.utils import timezone
from guardian.shortcuts import assign_perm

from bench.world import copies_of
from escrow.contract.errors import DomainError, NotFound
from escrow.models import Deal, DealParty, Role, Signatory
from escrow.queries.available import Now, _can, now_for_each
from escrow.queries.deals import deal_for, deals_visible_to
from escrow.usecases.permissions import ROLE_ACTIONS, SIGNING_POWER, deals_signed_for, is_platform_staff, may, require

pytestmark = pytest.mark.django_db


# The ORM versions these replaced, as they were.
def old_signing_power(user, deal_ref="deal_id"):
    if not user.is_authenticated or is_platform_staff(user) or not user.organisation_id:
        return Value(False)
    entries = Signatory.objects.filter(
        deal_id=OuterRef(deal_ref),
        person=user,
        party__organisation_id=user.organisation_id,
        party__ended_at__isnull=True,
    )
    return Exists(entries.active())


def old_deals_signed_for(user, deal_ids) -> set:
    if not user.is_authenticated or is_platform_staff(user) or not user.organisation_id:
        return set()
    return set(
        Signatory.objects.filter(
            deal_id__in=deal_ids, person=user, party__organisation_id=user.organisation_id, party__ended_at__isnull=True
        )
        .active()
        .values_list("deal_id", flat=True)
    )


def old_deal_for(user, ref, action="view_deal"):
    party = None
    if user and user.is_authenticated and user.organisation_id:
        lookup = {"deal__pk": ref} if str(ref).isdigit() else {"deal__slug": ref}
        parties = DealParty.objects.filter(
            deal__in=deals_visible_to(user), organisation_id=user.organisation_id, ended_at__isnull=True, **lookup
        )
        party = parties.select_related("deal", "organisation").annotate(signs=old_signing_power(user)).first()
    if party is None:
        raise NotFound("No such deal.")
    deal = party.deal
    deal.viewer_party = (user.pk, require(user, deal, action, party=party))
    deal.viewer_signs = (user.pk, party.signs)
    return deal


def old_now_for_each(user, deals) -> dict:
    deals = list(deals)
    parties = {
        p.deal_id: p
        for p in DealParty.objects.filter(deal__in=deals, organisation_id=user.organisation_id, ended_at__isnull=True)
        .select_related("organisation")
        .annotate(signs=old_signing_power(user))
    }
    return {d.pk: Now(user, d, party=parties.get(d.pk), signs=d.pk in parties and parties[d.pk].signs) for d in deals}


def old_can(role, signs):
    return {a: True for a in ROLE_ACTIONS if may(role, a) and (signs or a not in SIGNING_POWER)} if role else {}


def fields(obj):
    return None if obj is None else [getattr(obj, f.attname) for f in obj._meta.concrete_fields]


def read(find, user, ref, action="view_deal"):
    user.__dict__.pop("_visible_deals", None)
    try:
        deal = find(user, ref, action)
    except DomainError as exc:
        return type(exc).__name__, exc.message
    party = deal.viewer_party[1]
    return fields(deal), fields(party), fields(party.organisation), deal.viewer_party[0], bool(deal.viewer_signs[1])


@pytest.fixture
def world(deposited, people, outsider, django_user_model):
    """Kaixin and two copies; register entries in every state; an ended party; a group's view and a staff member."""
    copies_of(deposited, 2)
    deals = list(Deal.objects.order_by("pk"))
    now = timezone.now()
    issuer, auditor = people["issuer"], people["auditor"]
    assert Signatory.objects.filter(deal=deals[0], person=issuer).active().exists()  # Kaixin's register
    purchaser = people["purchaser"]

    def entry(deal, role, person, effective_at=now - timedelta(days=1), removed_at=None):
        party = DealParty.objects.get(deal=deal, role=role)
        Signatory.objects.create(
            deal=deal,
            party=party,
            person=person,
            name=person.username,
            title="Director",
            phone="1",
            email="x@example.com",
            effective_at=effective_at,
            removed_at=removed_at,
        )

    entry(deals[1], Role.ISSUER, issuer, removed_at=now - timedelta(hours=1))  # ended
    entry(deals[1], Role.PURCHASER, purchaser, effective_at=None)  # never confirmed
    entry(deals[1], Role.AUDITOR, auditor)  # current, but the auditor's party ends below
    entry(deals[2], Role.ISSUER, issuer, effective_at=now + timedelta(days=3))  # not yet in effect
    entry(deals[2], Role.PURCHASER, issuer)  # current, for another organisation's party
    entry(deals[2], Role.PURCHASER, purchaser, removed_at=now + timedelta(days=3))  # current, ends later
    DealParty.objects.filter(deal=deals[1], organisation_id=auditor.organisation_id).update(ended_at=now)  # ended
    group = Group.objects.create(name="readers")
    outsider.groups.add(group)
    assign_perm("escrow.view_deal", group, deals[0])  # sees it, plays no role: still not found
    staff = django_user_model.objects.create_user("staff", organisation=issuer.organisation, is_staff=True)
    assign_perm("escrow.view_deal", staff, deals[0])
    return deals, [*people.values(), outsider, staff]


def test_deal_for_reads_what_the_orm_read(world):
    deals, users = world
    refs = [ref for d in deals for ref in (d.slug, str(d.pk))] + ["no-such-deal", "0", str(2**70)]
    for user in users:
        for ref in refs:
            for action in ("view_deal", "export_history"):
                assert read(deal_for, user, ref, action) == read(old_deal_for, user, ref, action), (user, ref)
    signed = {read(deal_for, user, ref)[-1] for user in users for ref in refs if len(read(deal_for, user, ref)) == 5}
    assert signed == {True, False}  # both answers were met


def test_signing_power_is_the_orm_rule(world):
    deals, users = world
    ids = [d.pk for d in deals]
    answers = []
    for user in users:
        assert deals_signed_for(user, ids) == old_deals_signed_for(user, ids), user
        answers.append(deals_signed_for(user, ids))
    assert any(answers) and not all(answers)
    assert deals_signed_for(users[0], []) == set()


def test_now_for_each_is_the_orm_version(world):
    deals, users = world
    for user in users:
        old, new = old_now_for_each(user, deals), now_for_each(user, deals)
        assert old.keys() == new.keys()
        for pk in old:
            assert fields(new[pk].party) == fields(old[pk].party), (user, pk)
            if old[pk].party:
                assert fields(new[pk].party.organisation) == fields(old[pk].party.organisation)
                assert bool(new[pk].party.signs) == bool(old[pk].party.signs)
            assert (new[pk].role, new[pk].can) == (old[pk].role, old[pk].can), (user, pk)
    assert now_for_each(users[0], []) == {}


def test_the_role_table_worked_out_once_is_the_same(world):
    for role in [*Role.values, None]:
        for signs in (True, False):
            assert old_can(role, signs) == (_can(role, signs) if role else {})
    now = now_for_each(world[1][0], world[0])
    first = next(n for n in now.values() if n.can)
    first.can["x"] = True  # a caller's copy: changing it changes no other deal's
    assert all("x" not in n.can for n in now.values() if n is not first)
