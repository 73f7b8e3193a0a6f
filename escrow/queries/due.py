"""What is waiting for a person across their deals (the dashboard's "Waiting for you", GET /api/me/due/).

Issue 13 item 2: the due items are found in SQL by state and role, most urgent first, and only one
bounded page of them is built; the visible deals are a subquery, never a list. Which role acts in which
state is `escrow.queries.steps.next_step`'s rule: `ACTING` below is that rule written as a filter, and
`tests/escrow/perf/test_due_filter.py` checks the two agree for every state, role and signature; each
row found is still passed through `next_step`, which builds the step the page shows.
"""

from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import Prefetch, prefetch_related_objects

from escrow.models import Deal, Role, Tranche, TrancheState
from escrow.models import Instrument as I
from escrow.queries.clock import contract_today
from escrow.queries.deals import visible_deals_sql
from escrow.queries.rows import columns, loader, rows
from escrow.queries.steps import CalendarCache, next_step, next_step_for_deal
from escrow.usecases.permissions import ROLE_ACTIONS

S = TrancheState
DUE_LIMIT = 20  # the dashboard lists the most urgent (and says how many in all); the API pages through all

# EA 1.1: who confirms the deposit, so who can have one due: the role table's `confirm_deposit`.
DEPOSITING = tuple(sorted(str(role) for role in ROLE_ACTIONS["confirm_deposit"][0]))

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


def actions_due_for(user, today=None, *, limit=DUE_LIMIT, offset=0, links=()) -> DueList:
    """The person's due items, soonest deadline first (no deadline last), `limit` of them from `offset`:
    a fixed number of queries whatever the number of deals (each list's total comes with its rows).
    `links`: the steps whose link is an open instrument's page (escrow.views.links.SIGN_KINDS); the open
    instruments of the tranches at such a step are read (one query, none when no row links to one; the API
    shows no links)."""
    if not user or not user.is_authenticated:
        return DueList([], 0)  # deals_visible_to's rule: no deals, nothing due
    today = today or contract_today()
    calendars = CalendarCache()
    wanted = offset + limit
    tranches, tranches_total, confirms_deposits = _tranches_due(user, wanted)
    deposits, deposits_total = _deposits_due(user, wanted) if confirms_deposits else ([], 0)
    left = _DaysLeft(today)
    due = []
    for deal in deposits:
        cal = calendars.get(deal)
        due.append(left.item(deal, None, next_step_for_deal(deal, cal), cal))
    for tranche in tranches:
        signed = {role for role in SIGNING if getattr(tranche, f"{role}_signed")}
        cal = calendars.get(tranche.deal)
        step = next_step(tranche, signed_roles=signed, cal=cal)
        if tranche.my_role in step.roles:  # always true: ACTING is next_step's rule (see the module's test)
            due.append(left.item(tranche.deal, tranche, step, cal))
    due.sort(key=lambda d: (d.step.due or date.max, d.deal.slug, d.tranche.year if d.tranche else 0))
    page = due[offset:wanted]
    linked = [item.tranche for item in page if item.tranche is not None and item.step.action in links]
    if linked:  # next_step does not read them (the signatures came with the rows)
        prefetch_related_objects(linked, OPEN_INSTRUMENTS)
    return DueList(page, deposits_total + tranches_total)


# Issue 13 item 1: the two queries are written in SQL once, not built through the ORM on every request (building
# and compiling them with their EXISTS columns and role filter cost 20,000 function calls, a third of the
# dashboard, even with nothing due); the rows become Deal and Tranche objects as the ORM would make them
# (`_rows`). The rules are the ones above, written out below from the same tables: ACTING, SIGNING, WAITING.
def _deposits_due(user, wanted):
    """EA 1.1: deals awaiting the deposit, for their escrow agent. The deadline is 15 business days after
    the effective date on the deal's calendar, so the effective date orders them (per calendar exactly)."""
    visible, visible_params = visible_deals_sql(user, "d.id")
    sql = (
        f"SELECT {_DEAL_COLUMNS}, COUNT(*) OVER () FROM escrow_deal d"  # noqa: S608 (constant SQL, bound values)
        " JOIN escrow_dealparty p ON p.deal_id = d.id"
        " WHERE d.state = %s AND p.organisation_id = %s AND p.ended_at IS NULL"
        f" AND p.role IN ({_marks(DEPOSITING)}) AND {visible} ORDER BY d.effective_date, d.slug LIMIT %s"
    )
    params = (Deal.State.AWAITING_DEPOSIT, user.organisation_id, *DEPOSITING, *visible_params, wanted)
    rows = _rows(sql, params)
    deal = _loader(Deal)
    return [deal(row) for row in rows], rows[0][-1] if rows else 0


def _tranches_due(user, wanted):
    """The tranches where the person's role acts next, ordered by the deadline next_step shows (nulls last),
    then the deal and the year. The person's party is joined (one row per tranche: one role per organisation
    and deal), the same rule as permissions.party_for. The waiting tranches and their total are found on narrow
    rows; only the page's rows are read whole. Third: whether the organisation plays a role that confirms a deposit
    (DEPOSITING) on any deal, so that no one else pays for the deposits' query; it rides on a lone row (its tranche
    columns NULL) when nothing is due."""
    visible, visible_params = visible_deals_sql(user, "t.deal_id")
    sql = (
        # The organisation's roles, made distinct once (the join against each party row compared every pair below
        # with every party: 12,000 comparisons, 3-10 ms, for an organisation on 1,000 deals); read twice, so
        # PostgreSQL reads the parties once.
        "WITH roles AS (SELECT DISTINCT mp.role FROM escrow_dealparty mp WHERE mp.organisation_id = %s"  # noqa: S608
        " AND mp.ended_at IS NULL), waiting AS ("  # (constant SQL, bound values)
        f" SELECT t.id, t.state, t.year, d.slug, p.role AS my_role, {_DEADLINE} AS due,"
        f" {_SETTLING[connection.vendor]} AS settling,"
        f" {_SIGNED} AS issuer_signed, {_SIGNED} AS purchaser_signed"
        " FROM escrow_tranche t JOIN escrow_deal d ON d.id = t.deal_id JOIN escrow_dealparty p ON p.deal_id = t.deal_id"
        f" WHERE p.organisation_id = %s AND p.ended_at IS NULL AND t.state IN ({_marks(WAITING)}) AND {visible}"
        f" AND t.state IN (SELECT a.column1 FROM (VALUES {_PAIRS}) AS a"  # (state, role): VALUES' own names
        " JOIN roles AS r ON r.role = a.column2)"
        "), page AS ("
        f" SELECT waiting.*, COUNT(*) OVER () AS total FROM waiting WHERE {_ACTING}"
        " ORDER BY due ASC NULLS LAST, slug, year LIMIT %s"
        f") SELECT {_TRANCHE_COLUMNS}, {_DEAL_COLUMNS}, page.my_role, page.issuer_signed, page.purchaser_signed,"
        " page.total, me.deposits"
        f" FROM (SELECT EXISTS (SELECT 1 FROM roles WHERE roles.role IN ({_marks(DEPOSITING)})) AS deposits) AS me"
        " LEFT JOIN page ON 1 = 1 LEFT JOIN escrow_tranche t ON t.id = page.id"
        " LEFT JOIN escrow_deal d ON d.id = t.deal_id"
        " ORDER BY page.due ASC NULLS LAST, page.slug, page.year"
    )
    params = (
        user.organisation_id,
        *_DEADLINE_PARAMS,
        *_signed_params(Role.ISSUER),
        *_signed_params(Role.PURCHASER),
        user.organisation_id,
        *WAITING,
        *visible_params,
        *_PAIRS_PARAMS,
        *_ACTING_PARAMS,
        wanted,
        *DEPOSITING,
    )
    rows = _rows(sql, params)
    if rows[0][0] is None:  # the lone row: nothing due
        return [], 0, bool(rows[0][-1])
    tranches = []
    load_tranche, load_deal, n = _loader(Tranche), _loader(Deal), len(Tranche._meta.concrete_fields)
    for row in rows:
        tranche = load_tranche(row[:n])
        tranche.deal = load_deal(row[n:])
        tranche.my_role, tranche.issuer_signed, tranche.purchaser_signed = row[-5:-2]
        tranches.append(tranche)
    return tranches, rows[0][-2], bool(rows[0][-1])


def _marks(values):
    return ", ".join(["%s"] * len(values))


def _acting():
    """ACTING as a filter on the waiting rows, plus EA 3.1(b): awaiting the instruction, every party when a
    settlement of a partial quantity is needed (P5), otherwise the issuer and purchaser who have not signed it."""
    rules = [(f"(state = %s AND my_role IN ({_marks(roles)}))", (state, *roles)) for state, roles in ACTING.items()]
    waiting = S.AWAITING_INSTRUCTION
    rules.append((f"(state = %s AND settling AND my_role IN ({_marks(SETTLING)}))", (waiting, *SETTLING)))
    for role in SIGNING:
        rules.append((f"(state = %s AND NOT settling AND my_role = %s AND NOT {role}_signed)", (waiting, role)))
    return "(" + " OR ".join(sql for sql, _ in rules) + ")", tuple(p for _, params in rules for p in params)


_ACTING, _ACTING_PARAMS = _acting()
# The same rule as (state, role) pairs: the states in which any of the person's roles may act.
_PAIRS_PARAMS = tuple(
    value
    for state, roles in [*ACTING.items(), (S.AWAITING_INSTRUCTION, (*SETTLING, *SIGNING))]
    for role in dict.fromkeys(roles)
    for value in (state, role)
)
_PAIRS = ", ".join(["(%s, %s)"] * (len(_PAIRS_PARAMS) // 2))
# next_step's `due`: SPA 5.1 release date before the instruction, EA 3.2 transfer date after it.
_DEADLINE = (
    "CASE WHEN t.state IN (%s, %s) THEN t.release_due_date WHEN t.state IN (%s, %s) THEN t.transfer_due_date END"
)
_DEADLINE_PARAMS = (S.AWAITING_REPORT, S.AWAITING_INSTRUCTION, S.INSTRUCTED, S.RELEASE_PREPARED)
# next_step's `calculation.get("requires_settlement")`: true only where the report's calculation says so.
# Django's SQL for calculation__requires_settlement=True on each database the portal runs on (PostgreSQL; SQLite for
# the quick start and local runs).
_SETTLING = {
    "postgresql": "CASE WHEN (t.calculation -> 'requires_settlement') = 'true'::jsonb THEN true ELSE false END",
    "sqlite": (
        "CASE WHEN (CASE WHEN JSON_TYPE(t.calculation, '$.\"requires_settlement\"') IN ('null', 'true', 'false')"
        " THEN JSON_TYPE(t.calculation, '$.\"requires_settlement\"')"
        " ELSE JSON_EXTRACT(t.calculation, '$.\"requires_settlement\"') END) = 'true' THEN 1 ELSE 0 END"
    ),
}
# Whether the role has signed the open joint instruction (EA 3.1(b)), what signed_roles_of reads from the
# prefetched signatures; asked only while the tranche awaits it (next_step reads signatures then only).
_SIGNED = (
    "(t.state = %s AND EXISTS (SELECT 1 FROM escrow_signature s JOIN escrow_instrument i ON i.id = s.instrument_id"
    " JOIN escrow_dealparty sp ON sp.id = s.party_id"
    " WHERE i.tranche_id = t.id AND i.status = %s AND i.kind = %s AND sp.role = %s))"
)


def _signed_params(role):  # the parameters of _SIGNED
    return (S.AWAITING_INSTRUCTION, I.Status.OPEN, I.Kind.JOINT_INSTRUCTION, role)


_columns, _rows, _loader = columns, rows, loader
_DEAL_COLUMNS, _TRANCHE_COLUMNS = _columns(Deal, "d"), _columns(Tranche, "t")


class _DaysLeft:
    """The due items of one list, with the days left until each deadline. The business days are counted once per
    calendar and deadline: a list's deadlines are a few dates (SPA 5.1's release date is the same for many deals),
    each count the calendar's ordinals (escrow.contract.calendar.BusinessCalendar.business_days_between)."""

    def __init__(self, today):
        self.today = today
        self._business = {}  # (calendar, deadline) -> business days; a calendar is one object per code and list

    def item(self, deal, tranche, step, cal) -> DueAction:
        due = step.due
        if due is None:
            return DueAction(deal, tranche, step, None, None)
        business = self._business.get((cal, due))
        if business is None:
            business = self._business[cal, due] = cal.business_days_between(self.today, due)
        return DueAction(deal, tranche, step, (due - self.today).days, business)
