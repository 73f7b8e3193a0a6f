"""Issue 13 item 1: the due items' two queries are hand-written SQL (escrow.queries.due); this compares them with
the ORM queries they replaced (kept below as the reference, as they were) for every person, page and state."""

from datetime import date

import pytest
from django.db.models import BooleanField, Case, Count, DateField, Exists, F, OuterRef, Q, When, Window

from escrow.models import Deal, DealParty, Role, Signature, Tranche, TrancheState
from escrow.models import Instrument as I
from escrow.queries import due
from escrow.queries.clock import calendar_for
from escrow.queries.deals import deals_visible_to
from escrow.usecases.permissions import ROLE_ACTIONS
from tests.conftest import open_and_file
from tests.escrow.views.test_query_counts import add_deals

pytestmark = pytest.mark.django_db
S = TrancheState


def reference_deposits(user):
    deals = deals_visible_to(user).filter(
        state=Deal.State.AWAITING_DEPOSIT,
        parties__organisation_id=user.organisation_id,
        parties__ended_at__isnull=True,
        parties__role=Role.ESCROW_AGENT,
    )
    return deals.order_by("effective_date", "slug")


def reference_tranches(user):
    mine = Q(deal__parties__organisation_id=user.organisation_id, deal__parties__ended_at__isnull=True)
    signed = {
        f"{role}_signed": Exists(
            Signature.objects.filter(
                instrument__tranche=OuterRef("pk"),
                instrument__status=I.Status.OPEN,
                instrument__kind=I.Kind.JOINT_INSTRUCTION,
                party__role=role,
            )
        )
        for role in due.SIGNING
    }
    settling = Case(When(calculation__requires_settlement=True, then=True), default=False, output_field=BooleanField())
    deadline = Case(
        When(state__in=(S.AWAITING_REPORT, S.AWAITING_INSTRUCTION), then=F("release_due_date")),
        When(state__in=(S.INSTRUCTED, S.RELEASE_PREPARED), then=F("transfer_due_date")),
        default=None,
        output_field=DateField(),
    )
    rule = Q()
    for state, roles in due.ACTING.items():
        rule |= Q(state=state, my_role__in=roles)
    waiting = Q(state=S.AWAITING_INSTRUCTION, settling=False)
    rule |= Q(state=S.AWAITING_INSTRUCTION, settling=True, my_role__in=due.SETTLING)
    rule |= waiting & Q(my_role=Role.ISSUER, issuer_signed=False)
    rule |= waiting & Q(my_role=Role.PURCHASER, purchaser_signed=False)
    tranches = (
        Tranche.objects.filter(deal__in=deals_visible_to(user))
        .filter(mine, state__in=due.WAITING)
        .annotate(my_role=F("deal__parties__role"), due=deadline, settling=settling, **signed)
        .filter(rule)
        .select_related("deal")
    )
    return tranches.order_by(F("due").asc(nulls_last=True), "deal__slug", "year")


def with_total(queryset, wanted):
    rows = list(queryset.annotate(total=Window(Count("pk")))[:wanted])
    return rows, rows[0].total if rows else 0


def facts(deals_or_tranches):
    rows, total = deals_or_tranches
    seen = []
    for row in rows:
        if isinstance(row, Tranche):
            signed = (row.issuer_signed, row.purchaser_signed) if row.state == S.AWAITING_INSTRUCTION else None
            fields = {f.attname: getattr(row, f.attname) for f in Tranche._meta.concrete_fields}
            deal = {f.attname: getattr(row.deal, f.attname) for f in Deal._meta.concrete_fields}
            seen.append((fields, deal, row.my_role, signed))
        else:
            seen.append({f.attname: getattr(row, f.attname) for f in Deal._meta.concrete_fields})
    return seen, total


@pytest.fixture
def varied(deposited, people):
    """The Kaixin deal's year 1 awaiting the joint instruction (signed by nobody), and 30 more deals whose first
    years are in every state someone acts in (and some in none), a few awaiting their deposit."""
    open_and_file(deposited, people, 1, "665000000")
    add_deals(24, people)
    add_deals_awaiting = Deal.objects.filter(slug__in=["deal-020", "deal-021", "deal-022", "deal-023"])
    add_deals_awaiting.update(state=Deal.State.AWAITING_DEPOSIT)
    states = [S.AWAITING_REPORT, S.INSTRUCTED, S.RELEASE_PREPARED, S.DISPUTED, S.SUSPENDED, S.AWAITING_INSTRUCTION]
    states += [S.SCHEDULED, S.RELEASED]
    for i, deal in enumerate(Deal.objects.filter(slug__startswith="deal-").order_by("slug")[:20]):
        state = states[i % len(states)]
        Tranche.objects.filter(deal=deal, year__in=(1, 2)).update(
            state=state,
            transfer_due_date=date(2027, 3, 1 + i) if i % 3 else None,
            release_due_date=date(2027, 1, 29) if i % 4 else date(2027, 2, 1),
            calculation={"requires_settlement": True} if i % 5 == 0 else {"requires_settlement": False},
        )
    return deposited


@pytest.mark.parametrize("wanted", [1, 5, 20, 100])
def test_the_sql_is_the_orm_reference(varied, people, wanted):
    for user in people.values():
        found = due._tranches_due(user, wanted)[:2]
        assert facts(found) == facts(with_total(reference_tranches(user), wanted)), user
        assert facts(due._deposits_due(user, wanted)) == facts(with_total(reference_deposits(user), wanted)), user
    assert any(due._tranches_due(user, 100)[1] for user in people.values())
    assert due._deposits_due(people["agent1"], 100)[1] == 4


def test_only_who_confirms_a_deposit_reads_the_deposits(varied, people, django_assert_num_queries):
    """The tranches' query says whether the organisation plays a role that confirms a deposit (the role table's
    `confirm_deposit`, EA 1.1) on any deal: nobody else runs the deposits' query, which could find nothing for them."""
    confirming = ROLE_ACTIONS["confirm_deposit"][0]
    for user in people.values():
        roles = set(
            DealParty.objects.filter(organisation_id=user.organisation_id, ended_at__isnull=True).values_list(
                "role", flat=True
            )
        )
        assert due._tranches_due(user, 20)[2] == bool(roles & confirming), user
        assert due._tranches_due(user, 0)[2] == bool(roles & confirming), user  # the lone row carries it too
        with django_assert_num_queries(2 if roles & confirming else 1):
            found = due.actions_due_for(user)
        if not roles & confirming:
            assert due._deposits_due(user, 20) == ([], 0), user
        assert found.total == due._tranches_due(user, 100)[1] + due._deposits_due(user, 100)[1], user
    assert any(
        not set(due.DEPOSITING)
        & set(DealParty.objects.filter(organisation_id=u.organisation_id).values_list("role", flat=True))
        for u in people.values()
    )


def test_days_left_are_each_deadlines_own(varied, people):
    """The business days are counted once per calendar and deadline in a list: each item still shows its own."""
    today = date(2027, 1, 20)
    seen = set()
    for user in people.values():
        for item in due.actions_due_for(user, today, limit=100).items:
            if item.step.due is None:
                assert (item.calendar_days_left, item.business_days_left) == (None, None)
                continue
            cal = calendar_for(item.deal)
            assert item.calendar_days_left == (item.step.due - today).days
            assert item.business_days_left == cal.business_days_between(today, item.step.due)
            seen.add(item.step.due)
    assert len(seen) > 3  # several deadlines, so the counts are not all one
