"""The oversight overview (issue 12 item 8): every deal the person oversees with its overdue items and active
holds, most urgent first.

Who oversees is the use case `oversee_deals` (compliance and the escrow agent); a deal is listed only when the
person's own role on it is one of those (SPA 9: nothing they could not read on the deal's pages). An item is
overdue when its step has a deadline, someone must act, and today is after the deadline (RULES.md: a deadline
is missed on the day after it); the step is the one `next_step` names, so the overview, the pages and the
reminders never disagree. Set-based: a fixed number of queries whatever the number of deals.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.translation import gettext as _

from escrow.contract.errors import NotAllowed
from escrow.models import Deal, DealParty, Hold, Tranche
from escrow.queries.clock import contract_today
from escrow.queries.deals import deals_visible_to, visible_deals_sql
from escrow.queries.rows import rows
from escrow.queries.steps import (
    CalendarCache,
    NextStep,
    next_step,
    next_step_for_deal,
    signed_roles_of,
    tranches_with_context,
)
from escrow.usecases.permissions import ROLE_ACTIONS, refusal

ACTION = "oversee_deals"
# The clause that justifies each kind of hold (escrow.models.Hold.Kind).
HOLD_CLAUSES = {Hold.Kind.DISPUTE: "EA 3.3", Hold.Kind.SUSPENSION: "SPA 8.1", Hold.Kind.ADJUSTMENT: "SPA 5.3"}


@dataclass(frozen=True)
class OverdueItem:
    """A step whose deadline has passed: the deposit (tranche None) or a year's step."""

    tranche: Tranche | None
    step: NextStep
    since: date  # the first day of default: the day after the deadline

    def days(self, today) -> int:
        """Days in default so far, the first one included."""
        return (today - self.since).days + 1


@dataclass
class DealOverview:
    deal: Deal
    role: str  # the person's role on the deal
    overdue: list = field(default_factory=list)  # OverdueItem, longest in default first
    holds: list = field(default_factory=list)  # open Hold rows, oldest first

    @property
    def urgency(self) -> tuple:
        """Overdue before holds only; the longer in default (then the older the hold), the earlier."""
        oldest = min((i.since for i in self.overdue), default=date.max)
        held = min((h.started_on for h in self.holds), default=date.max)
        return (not self.overdue, oldest, -len(self.overdue), held, self.deal.slug)


def overseen_roles(user) -> dict:
    """deal id -> the person's role, for the deals they see on which that role oversees."""
    return dict(_overseen(user).values_list("deal_id", "role"))


def oversees(user) -> bool:
    """Whether the person oversees any deal they see (the dashboard's link to the overview): one EXISTS, not
    the role of every deal (issue 13 item 1: flat at 1,000 deals). `_overseen(user).exists()` written once in
    SQL (built through the ORM it cost 2,400 function calls a dashboard); tests/escrow/queries/test_oversees_sql.py
    compares the two."""
    if not user or not user.is_authenticated or not user.organisation_id:
        return False
    visible, visible_params = visible_deals_sql(user, "p.deal_id")
    sql = (
        "SELECT 1 FROM escrow_dealparty p WHERE p.organisation_id = %s AND p.ended_at IS NULL"  # noqa: S608
        f" AND p.role IN ({', '.join(['%s'] * len(_OVERSEEING))}) AND {visible} LIMIT 1"  # (constant SQL)
    )
    return bool(rows(sql, (user.organisation_id, *_OVERSEEING, *visible_params)))


_OVERSEEING = tuple(sorted(str(role) for role in ROLE_ACTIONS[ACTION][0]))  # who oversees: the role table


def _overseen(user):
    if not user or not user.is_authenticated or not user.organisation_id:
        return DealParty.objects.none()
    roles, _clause = ROLE_ACTIONS[ACTION]
    return DealParty.objects.filter(
        deal__in=deals_visible_to(user),
        organisation_id=user.organisation_id,
        ended_at__isnull=True,
        role__in=list(roles),
    )


def require_oversight(user) -> dict:
    """The overseen deals' roles; NotAllowed (403) with the role table's refusal for anyone else. The page
    names no deal, so refusing reveals none (SPA 9)."""
    overseen = overseen_roles(user)
    if overseen:
        return overseen
    other = None
    if user.is_authenticated and user.organisation_id:
        other = DealParty.objects.filter(
            deal__in=deals_visible_to(user), organisation_id=user.organisation_id, ended_at__isnull=True
        ).values_list("role", flat=True)
        other = next(iter(other), None)
    clause = ROLE_ACTIONS[ACTION][1]
    if other:
        raise NotAllowed(refusal(other, ACTION), clause=clause)
    raise NotAllowed(
        _("Only compliance and the escrow agent see the overview of overdue items and holds (%(clause)s).")
        % {"clause": clause},
        clause=clause,
    )


def overview_for(user, today=None) -> list:
    """DealOverview for every overseen deal with an overdue item or an open hold, most urgent first."""
    today = today or contract_today()
    roles = require_oversight(user)
    deals = list(Deal.objects.filter(pk__in=roles))
    overdue, calendars = defaultdict(list), CalendarCache()
    for deal in deals:
        _add(overdue[deal.pk], None, next_step_for_deal(deal, calendars.get(deal)), today)
    for tranche in tranches_with_context(deals):
        step = next_step(tranche, signed_roles=signed_roles_of(tranche), cal=calendars.get(tranche.deal))
        _add(overdue[tranche.deal_id], tranche, step, today)
    holds = defaultdict(list)
    open_holds = Hold.objects.filter(tranche__deal__in=deals, ended_at__isnull=True).select_related(
        "tranche", "raised_by", "raised_for__organisation"
    )
    for hold in open_holds.order_by("started_at"):
        holds[hold.tranche.deal_id].append(hold)
    rows = [
        DealOverview(d, roles[d.pk], sorted(overdue[d.pk], key=lambda i: (i.since, _year(i))), holds[d.pk])
        for d in deals
        if overdue[d.pk] or holds[d.pk]
    ]
    return sorted(rows, key=lambda r: r.urgency)


def hold_days(hold, today) -> int:
    """Days the hold has lasted so far, the day it was raised included."""
    return (today - hold.started_on).days + 1


def _add(items, tranche, step, today):
    if step is not None and step.roles and step.due is not None and step.due < today:
        items.append(OverdueItem(tranche, step, step.due + timedelta(days=1)))


def _year(item):
    return item.tranche.year if item.tranche else 0
