"""The deal page: years as a timeline, charts, ledger, policies, parties, penalty meter."""

from collections import defaultdict
from functools import lru_cache

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import get_language

from escrow.contract.errors import InvalidInput
from escrow.contract.policies import POLICY_DEFINITIONS
from escrow.models import Role
from escrow.queries.as_of import deal_as_of, parse_as_of
from escrow.queries.deal_reads import active_people, current_parties, deal_tranches
from escrow.queries.quantities import consideration_today
from escrow.queries.steps import next_step_for_deal
from escrow.queries.transfers import ledger_records
from escrow.queries.year_parts import PENALTY_DAYS
from escrow.views.common import deal_for, now_for
from escrow.views.forms import AsOfForm
from escrow.views.links import offered_step_url
from escrow.views.presenters import revenue_chart, shares_chart, year_rows


@login_required
def deal_page(request, slug):
    deal = deal_for(request, slug)
    now = now_for(request, deal)
    role, can = now.role, now.can
    raw = request.GET.get("as_of", "")
    picker, refused = AsOfForm(initial={"as_of": raw.strip()}), ""
    try:
        day = parse_as_of(deal, raw)
    except InvalidInput as error:
        day, refused = None, error.message
    if day is not None:
        return deal_as_of_page(request, deal, day, picker, role=role, can=can)
    # the deal is the one read above (no join of its columns again); whether each year has penalty days read with it
    tranches = deal_tranches(deal, PENALTY_DAYS)
    rows = year_rows(deal, tranches, now)
    deal_step = next_step_for_deal(deal)
    transfer, releases, balances = ledger_records(deal, tranches)  # one read of the deal's movements
    return render(
        request,
        "escrow/deal.html",
        {
            "deal": deal,
            "role": role,
            "can": can,
            "rows": rows,
            "deal_step": deal_step,
            # Issue 12 item 3: the deal's actions this person can take now (the return once every year is
            # released, SPA 5.2(1); the deposit once, EA 1.1), asked of the actions' own checks.
            "may": dict.fromkeys(now.deal_actions(), True),
            "deal_step_url": offered_step_url(now, deal, None, deal_step.action) if deal_step else None,
            "balances": balances,
            "consideration_today": consideration_today(deal),  # issue 14 item 2: deposited + rebased
            "transfer": transfer,  # issue 11 item 4: the deposit's evidence (EA 1.1)
            "releases": releases,  # issue 12 item 5: each transfer to the seller (EA 3.2)
            "policies_html": policies_html(deal),
            "parties": parties_of(deal),
            "revenue_chart": revenue_chart(deal, tranches),
            "shares_chart": shares_chart(rows),
            "penalties": [r for r in rows if r.penalty is not None],
            "as_of_form": picker,
            "as_of_refused": refused,
        },
        status=400 if refused else 200,
    )


def deal_as_of_page(request, deal, day, picker, *, role, can):
    """Issue 14 item 1: the deal at the end of `day` (Beijing time), replayed from the ledger and the history.
    Figures only: no next step, no action (nothing can be done in the past)."""
    snapshot = deal_as_of(deal, day)
    return render(
        request,
        "escrow/deal_as_of.html",
        {
            "deal": deal,
            "role": role,
            "can": can,
            "snapshot": snapshot,
            "as_of_form": picker,
            "balances": snapshot.balances,
        },
    )


def policies_in_force(values):
    """Each policy's definition with the deal's reading (`values`, in POLICY_DEFINITIONS' order)."""
    return [
        {"definition": d, "value": value, "meaning": d.meanings.get(value, ""), "is_default": value == d.default}
        for d, value in zip(POLICY_DEFINITIONS, values, strict=True)
    ]


def policies_html(deal):
    """The deal page's list of policies in force (P1-P9). It reads nothing but the deal's policy values and the
    language, so it is rendered once per process for each language and set of values (issue 13 item 1: the
    list's template was a twentieth of the page's Python), never stale: a changed value is another key."""
    return _policies_html(get_language(), tuple(getattr(deal, d.key) for d in POLICY_DEFINITIONS))


@lru_cache(maxsize=256)
def _policies_html(language, values):
    return render_to_string("escrow/policies_in_force.html", {"policies": policies_in_force(values)})


def parties_of(deal):
    """The deal's current parties in the roles' order, each with `people`: its organisation's active portal users
    by name. Two queries written once (escrow.queries.deal_reads), the people grouped here rather than through
    prefetch_related's machinery (issue 13 item 1)."""
    parties = current_parties(deal)
    people = defaultdict(list)
    for person in active_people({p.organisation_id for p in parties}):
        people[person.organisation_id].append(person)
    for party in parties:
        party.people = people[party.organisation_id]
    order = list(Role.values)
    return sorted(parties, key=lambda p: order.index(p.role) if p.role in order else 99)
