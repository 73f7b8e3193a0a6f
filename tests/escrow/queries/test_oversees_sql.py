"""Issue 13 item 1: whether a person oversees a deal they see (the dashboard's link to the overview) is one
hand-written EXISTS (escrow.queries.overview.oversees); this compares it with the ORM query it replaced,
`_overseen(user).exists()`, for every Kaixin person, an outsider, an ended party, a deal no longer seen, and
anonymous; on PostgreSQL and SQLite alike."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from guardian.shortcuts import remove_perm

from escrow.models import DealParty
from escrow.queries.overview import _overseen, oversees

pytestmark = pytest.mark.django_db


def reference(user):
    return _overseen(user).exists()


def fresh(user):
    user.__dict__.pop("_visible_deals", None)
    return user


def test_the_sql_is_the_orm_reference(deposited, people, outsider):
    everyone = [*people.values(), outsider]
    answers = {user.username: oversees(fresh(user)) for user in everyone}
    assert answers == {user.username: reference(fresh(user)) for user in everyone}
    assert answers["compliance"] and answers["agent1"] and not answers["auditor"] and not answers["issuer"]
    assert not oversees(AnonymousUser())
    agent = people["agent1"]
    remove_perm("escrow.view_deal", agent, deposited)  # a deal the person no longer sees
    assert oversees(fresh(agent)) == reference(fresh(agent))
    DealParty.objects.filter(deal=deposited, organisation=people["compliance"].organisation).update(
        ended_at=timezone.now()
    )
    compliance = fresh(people["compliance"])
    assert oversees(compliance) == reference(fresh(compliance))
