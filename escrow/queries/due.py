"""What is waiting for a person across their deals (the dashboard's "Waiting for you", GET /api/me/due/).

Issue 13 item 2: the due items are found in SQL by state and role, most urgent first, and only one
bounded page of them is built; the visible deals are a subquery, never a list. Which role acts in which
state is `escrow.queries.steps.next_step`'s rule: `ACTING` below is that rule written as a filter, and
`tests/escrow/perf/test_due_filter.py` checks the two agree for every state, role and signature; each
row found is still passed through `next_step`, which builds the step the page shows.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import BooleanField, Case, Count, DateField, Exists, F, OuterRef, Prefetch, Q, When, Window

from escrow.models import Deal, Role, Signature, Tranche, TrancheState
from escrow.models import Instrument as I
from escrow.queries.clock import contract_today
from escrow.queries.deals import deals_visible_to
from escrow.queries.steps import CalendarCache, next_step, next_step_for_deal

S = TrancheState
DUE_LIMIT = 20  # the dashboard lists the most urgent (and says how many in all); the API pages through all

# next_step's roles, state by state (SPA 4.2, EA 3.1-3.3, SPA 8.1): who acts on a tranche in each state.
SETTLING = (Role.ISSUER, Role.PURCHASER, Role.SELLER, Role.ESCROW_AGENT)
ACTING = {
    S.AWAITING_REPORT: (Role.AUDITOR,),
    S.INSTRUCTED: (Role.ESCROW_AGENT,),
    S.RELEASE_PREPARED: (Role.ESCROW_AGENT,),
    S.DISPUTED: SETTLING,
    S.SUSPENDED: (Role.ISSUER,),
}
SIGNING = (Role.ISSUER, Role.PURCHASER)  # EA 3.1(b): the joint instruction's two signatories
WAITING = (*ACTING, S.AWAITING_INSTRUCTION)  # the states in which anyone acts next
OPEN_INSTRUMENTS = Prefetch(
    "instruments", queryset=I.objects.filter(status=I.Status.OPEN).order_by("pk"), to_attr="open_instruments"
)


@dataclass(frozen=True)
class DueAction:
    deal: Deal
    tranche: Tranche | None
    step: object  # escrow.queries.steps.NextStep
    calendar_days_left: int | None
    business_days_left: int | None


@dataclass(frozen=True)
class DueList:
    items: list
    total: int  # every item due for the person, of which `items` is one page


def actions_due_for(user, today=None, *, limit=DUE_LIMIT, offset=0) -> DueList:
    """The person's due items, soonest deadline first (no deadline last), `limit` of them from `offset`:
    a fixed number of queries whatever the number of deals (each list's total comes with its rows)."""
    today = today or contract_today()
    calendars = CalendarCache()
    wanted = offset + limit
    deposits, deposits_total = _with_total(_deposits_due(user), wanted)
    tranches, tranches_total = _with_total(_tranches_due(user), wanted)
    due = [_due(d, None, next_step_for_deal(d, calendars.get(d)), today, calendars.get(d)) for d in deposits]
    for tranche in tranches:
        signed = {role for role in SIGNING if getattr(tranche, f"{role}_signed")}
        step = next_step(tranche, signed_roles=signed, cal=calendars.get(tranche.deal))
        if tranche.my_role in step.roles:  # always true: ACTING is next_step's rule (see the module's test)
            due.append(_due(tranche.deal, tranche, step, today, calendars.get(tranche.deal)))
    due.sort(key=lambda d: (d.step.due or date.max, d.deal.slug, d.tranche.year if d.tranche else 0))
    return DueList(due[offset:wanted], deposits_total + tranches_total)


def _with_total(queryset, wanted):
    """The first `wanted` rows and how many there are in all, in one query (a window count rides along)."""
    rows = list(queryset.annotate(total=Window(Count("pk")))[:wanted])
    return rows, rows[0].total if rows else 0


def _deposits_due(user):
    """EA 1.1: deals awaiting the deposit, for their escrow agent. The deadline is 15 business days after
    the effective date on the deal's calendar, so the effective date orders them (per calendar exactly)."""
    deals = deals_visible_to(user).filter(
        state=Deal.State.AWAITING_DEPOSIT,
        parties__organisation_id=user.organisation_id,
        parties__ended_at__isnull=True,
        parties__role=Role.ESCROW_AGENT,
    )
    return deals.order_by("effective_date", "slug")


def _tranches_due(user):
    """The tranches where the person's role acts next, ordered by the deadline next_step shows."""
    # The person's party is joined (one row per tranche: one role per organisation and deal), not looked up
    # per row; the annotation reuses the filter's join. Same rule as permissions.party_for.
    mine = Q(deal__parties__organisation_id=user.organisation_id, deal__parties__ended_at__isnull=True)
    tranches = (
        Tranche.objects.filter(deal__in=deals_visible_to(user))
        .filter(mine, state__in=WAITING)
        .annotate(my_role=F("deal__parties__role"), due=_deadline(), settling=_settling(), **_signed())
        .filter(_acting())
        .select_related("deal")
        .prefetch_related(OPEN_INSTRUMENTS)  # the signing links (escrow.views.links.open_instrument)
    )
    return tranches.order_by(F("due").asc(nulls_last=True), "deal__slug", "year")


def _acting():
    """ACTING as a filter, plus EA 3.1(b): awaiting the instruction, every party when a settlement of a
    partial quantity is needed (P5), otherwise the issuer and purchaser who have not signed it yet."""
    rule = Q()
    for state, roles in ACTING.items():
        rule |= Q(state=state, my_role__in=roles)
    waiting = Q(state=S.AWAITING_INSTRUCTION, settling=False)
    rule |= Q(state=S.AWAITING_INSTRUCTION, settling=True, my_role__in=SETTLING)
    rule |= waiting & Q(my_role=Role.ISSUER, issuer_signed=False)
    rule |= waiting & Q(my_role=Role.PURCHASER, purchaser_signed=False)
    return rule


def _signed():
    """Whether the issuer and the purchaser have signed the open joint instruction (EA 3.1(b)): what
    signed_roles_of reads from the prefetched signatures, as two columns of the same query."""
    return {
        f"{role}_signed": Exists(
            Signature.objects.filter(
                instrument__tranche=OuterRef("pk"),
                instrument__status=I.Status.OPEN,
                instrument__kind=I.Kind.JOINT_INSTRUCTION,
                party__role=role,
            )
        )
        for role in SIGNING
    }


def _settling():
    """next_step's `calculation.get("requires_settlement")`: true only where the report's calculation says so."""
    return Case(When(calculation__requires_settlement=True, then=True), default=False, output_field=BooleanField())


def _deadline():
    """next_step's `due`: SPA 5.1 release date before the instruction, EA 3.2 transfer date after it."""
    return Case(
        When(state__in=(S.AWAITING_REPORT, S.AWAITING_INSTRUCTION), then=F("release_due_date")),
        When(state__in=(S.INSTRUCTED, S.RELEASE_PREPARED), then=F("transfer_due_date")),
        default=None,
        output_field=DateField(),
    )


def _due(deal, tranche, step, today, cal):
    if step.due is None:
        return DueAction(deal, tranche, step, None, None)
    return DueAction(deal, tranche, step, (step.due - today).days, cal.business_days_between(today, step.due))
