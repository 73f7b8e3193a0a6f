"""SPA 9: the deals a person sees are exactly guardian's answer for view_deal (the person's own object
permissions and their groups'), written as one SQL subquery (escrow.queries.deals.VISIBLE_DEAL_IDS) instead of
guardian's ORM build on every request (issue 13 item 1)."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

from bench.world import copies_of
from escrow.models import Deal, Tranche
from escrow.queries.deals import deals_visible_to

pytestmark = pytest.mark.django_db


def guardians(user):
    found = get_objects_for_user(user, "escrow.view_deal", klass=Deal, with_superuser=False, accept_global_perms=False)
    return set(found.values_list("pk", flat=True))


def ours(user):
    user.__dict__.pop("_visible_deals", None)  # built once per request's user object
    return set(deals_visible_to(user).values_list("pk", flat=True))


def test_the_same_deals_as_guardian_for_people_groups_and_outsiders(deposited, people, outsider):
    copies_of(deposited, 3)  # seen by the Kaixin deal's people
    others = list(Deal.objects.exclude(pk=deposited.pk).order_by("pk"))
    group = Group.objects.create(name="readers")
    outsider.groups.add(group)
    assign_perm("escrow.view_deal", group, others[0])  # through a group (guardian's generic rows)
    assign_perm("escrow.change_deal", outsider, others[1])  # another permission: not seen
    assign_perm("escrow.view_deal", outsider, others[2])  # a person's own row
    for user in [*people.values(), outsider]:
        assert ours(user) == guardians(user), user.username
    assert ours(outsider) == {others[0].pk, others[2].pk}
    assert ours(people["issuer"]) == {deposited.pk, *(d.pk for d in others)}
    remove_perm("escrow.view_deal", people["issuer"], deposited)
    assert ours(people["issuer"]) == guardians(people["issuer"]) == {d.pk for d in others}
    assert not deals_visible_to(AnonymousUser()).exists()


def test_it_nests_in_other_queries(deposited, people, outsider):
    """As a subquery (the tranches of the deals I see) it keeps its meaning whatever aliases the outer query uses."""
    copies_of(deposited, 2)
    mine = Tranche.objects.filter(deal__in=deals_visible_to(people["auditor"]))
    assert set(mine.values_list("deal_id", flat=True)) == guardians(people["auditor"]) and mine.count() == 15
    assert not Tranche.objects.filter(deal__in=deals_visible_to(outsider)).exists()
    assert deals_visible_to(people["auditor"]).filter(tranches__year=1, slug=deposited.slug).get() == deposited
