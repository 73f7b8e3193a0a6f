"""Issue 13 item 1: the dashboard's and /api/deals/' list of deals is hand-written SQL (escrow.queries.deals.DealList);
this compares its count and every page with the ORM query it replaced, visible_with_roles(user).order_by("slug"),
for the Kaixin people, an outsider seeing deals through a group and their own permission, a party that has ended
(no role), and anonymous; on PostgreSQL and SQLite alike. The pages read through Django's Paginator as well."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.core.paginator import Paginator
from django.utils import timezone
from guardian.shortcuts import assign_perm

from bench.world import copies_of
from escrow.models import Deal, DealParty
from escrow.queries.deals import DealList, visible_with_roles

pytestmark = pytest.mark.django_db


def reference(user):
    return visible_with_roles(user).order_by("slug")


def facts(deals):
    return [({f.attname: getattr(d, f.attname) for f in Deal._meta.concrete_fields}, d.my_role) for d in deals]


def fresh(user):
    user.__dict__.pop("_visible_deals", None)
    return user


def test_the_count_and_every_page_are_the_orm_s(deposited, people, outsider):
    copies_of(deposited, 6)
    others = list(Deal.objects.exclude(pk=deposited.pk).order_by("pk"))
    group = Group.objects.create(name="readers")
    outsider.groups.add(group)
    assign_perm("escrow.view_deal", group, others[0])
    assign_perm("escrow.view_deal", outsider, others[2])
    ended = DealParty.objects.filter(deal=others[3], organisation=people["auditor"].organisation)
    ended.update(ended_at=timezone.now())
    for user in [*people.values(), outsider]:
        ours, orm = DealList(fresh(user)), reference(user)
        assert ours.count() == orm.count(), user
        for start, stop in [(0, 1), (0, 3), (2, 5), (0, 100), (6, 9), (7, 20), (50, 60), (3, 3), (0, None), (4, None)]:
            assert facts(ours[start:stop]) == facts(orm[start:stop]), (user, start, stop)
            if stop is not None and stop > start:  # the API's page and total in one query
                deals, total = ours.window(start, stop - start)
                assert (facts(deals), total) == (facts(orm[start:stop]), orm.count()), (user, start, stop)
    auditor = DealList(fresh(people["auditor"]))
    assert [d.my_role for d in auditor[0:10]].count(None) == 1  # the ended party's deal is still seen, with no role
    assert DealList(fresh(outsider)).count() == 2
    assert DealList(AnonymousUser()).count() == 0 and DealList(AnonymousUser())[0:20] == []  # deals_visible_to's none


NUMBERS = [None, "", "1", "2", "3", "0", "-1", "99", "x", "2.0", " 2 ", "3.5", "99999999999999999999999", "-9" * 30]


def pages_equal(ours, orm):
    assert facts(ours) == facts(orm)
    assert (ours.number, ours.paginator.count, ours.paginator.num_pages, ours.has_next(), ours.has_previous()) == (
        orm.number,
        orm.paginator.count,
        orm.paginator.num_pages,
        orm.has_next(),
        orm.has_previous(),
    )
    assert (ours.start_index(), ours.end_index(), len(ours)) == (orm.start_index(), orm.end_index(), len(orm))


@pytest.mark.parametrize("number", NUMBERS)
def test_the_paginator_pages_are_the_orm_s(deposited, people, number, monkeypatch):
    copies_of(deposited, 6)  # 7 deals: pages of 3, 3 and 1
    user = fresh(people["issuer"])
    orm = Paginator(reference(user), 3).get_page(number)
    pages_equal(Paginator(DealList(user), 3).get_page(number), orm)
    # The dashboard's one query chooses the same page (and never falls back on counting and reading again).
    monkeypatch.setattr(DealList, "count", lambda self: pytest.fail("read again"))
    pages_equal(DealList(user).page(number, 3), orm)
    pages_equal(DealList(user).page(number, 7), Paginator(reference(user), 7).get_page(number))  # exactly one page
    pages_equal(DealList(user).page(number, 20), Paginator(reference(user), 20).get_page(number))


@pytest.mark.parametrize("number", ["1", "2", "0", "x"])
def test_no_deals_is_one_empty_page(people, outsider, number, monkeypatch):
    monkeypatch.setattr(DealList, "count", lambda self: pytest.fail("read again"))
    pages_equal(DealList(fresh(outsider)).page(number, 20), Paginator(reference(outsider), 20).get_page(number))
    page = DealList(AnonymousUser()).page(number, 20)
    assert (list(page), page.number, page.paginator.count, page.paginator.num_pages) == ([], 1, 0, 1)
    assert DealList(fresh(outsider)).window(0, 100) == ([], 0) and DealList(AnonymousUser()).window(0, 5) == ([], 0)
