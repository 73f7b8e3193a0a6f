"""What-if: hypothetical revenues and policies through the schedule every page, command and action
reads (escrow.queries.quantities.schedule_for, SPA 5.1, 5.2): years already released show what they
released, and offsets for them are capped the same way. Reads only."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from escrow.contract.policies import Policies, PolicyError
from escrow.queries.quantities import schedule_for
from escrow.views.charts import Series, bar_chart
from escrow.views.common import deal_for
from escrow.views.forms import WhatIfForm


@login_required
def whatif(request, slug):
    deal = deal_for(request, slug)
    tranches = list(deal.tranches.order_by("year"))
    data = request.GET if request.GET else None
    form = WhatIfForm(data, tranches=tranches, deal=deal, initial=_initial(tranches))
    schedule = None
    if form.is_bound and form.is_valid():
        schedule = _compute(form, deal, tranches)
    elif not form.is_bound:
        schedule = _compute_initial(deal, tranches)
    return render(
        request,
        "escrow/whatif.html",
        {
            "deal": deal,
            "form": form,
            "schedule": schedule,
            "chart": _chart(tranches, schedule) if schedule else None,
        },
    )


def _initial(tranches):
    return {
        f"revenue_{t.year}": t.audited_revenue if t.audited_revenue is not None else t.target_revenue for t in tranches
    }


def _compute(form, deal, tranches):
    try:
        policies = Policies.from_mapping({**deal.policies.as_dict(), **form.policies()})
        return schedule_for(deal, tranches=tranches, actuals=form.cleaned_data["actuals"], policies=policies)
    except (PolicyError, ValueError) as exc:
        form.add_error(None, str(exc))
        return None


def _compute_initial(deal, tranches):
    return schedule_for(deal, tranches=tranches, actuals=list(_initial(tranches).values()))


def _chart(tranches, schedule):
    groups = [_("Year %(n)s") % {"n": t.year} for t in tranches]
    releases = {y.year: y for y in schedule.years}
    return bar_chart(
        _("Shares released per year"),
        groups,
        [
            Series(_("Own release"), "bar-released", [_figure(releases, t, "own_release") for t in tranches]),
            Series(
                _("Offset for earlier years"),
                "bar-offset",
                [sum(releases[t.year].offset_shares.values()) if t.year in releases else None for t in tranches],
            ),
            Series(_("Deducted"), "bar-deducted", [_figure(releases, t, "deducted") for t in tranches]),
        ],
        top=max([y.total_release for y in schedule.years] + [y.tranche_shares for y in schedule.years] + [1]),
    )


def _figure(releases, tranche, name):
    """A year's figure for the chart, or None (no bar) for a year without a revenue."""
    return getattr(releases.get(tranche.year), name, None)
