"""A deal's years as the deal page shows them: the figures of escrow.queries.quantities.year_figures
(the same the API and exports read), next steps and penalty meters."""

from dataclasses import dataclass

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from escrow.models import PenaltyDay
from escrow.queries.quantities import year_figures
from escrow.queries.steps import next_step, signed_roles_of
from escrow.queries.year_parts import PENALTY_DAYS, has
from escrow.views.charts import Series, bar_chart
from escrow.views.links import offered_step_url


@dataclass
class YearRow:
    tranche: object
    size: int
    released: int
    offset_shares: int
    in_escrow: int
    step: object
    step_url: str | None
    my_turn: bool
    penalty: object = None


def latest_penalties(deal) -> dict:
    """The last accrued PenaltyDay of each tranche of the deal (the meter), in one query."""
    last_day = PenaltyDay.objects.filter(tranche=OuterRef("tranche")).order_by("-day").values("day")[:1]
    rows = PenaltyDay.objects.filter(tranche__deal=deal, day=Subquery(last_day))
    return {row.tranche_id: row for row in rows}


def year_rows(deal, tranches, now) -> list:
    """Each year's figures and next step; the step's button only when this person can take it now (`now`:
    escrow.queries.available.Now)."""
    figures = year_figures(deal, tranches)
    # the meters' query only when a year has accrued a day (escrow.queries.year_parts, read with the tranches)
    penalties = latest_penalties(deal) if any(has(t, PENALTY_DAYS) for t in tranches) else {}
    rows = []
    for tranche in tranches:
        step = next_step(tranche, signed_roles=signed_roles_of(tranche))
        figure = figures[tranche.year]
        url = offered_step_url(now, deal, tranche, step.action)
        rows.append(
            YearRow(
                tranche,
                figure.size,
                figure.released,
                figure.offset_shares,
                figure.in_escrow,
                step,
                url,
                bool(now.role in step.roles and url),
                penalties.get(tranche.pk),
            )
        )
    return rows


def revenue_chart(deal, tranches):
    groups = [_("Year %(n)s") % {"n": t.year} for t in tranches]
    return bar_chart(
        _("Audited revenue against target"),
        groups,
        [
            Series(_("Target"), "bar-target", [t.target_revenue for t in tranches]),
            Series(_("Audited revenue"), "bar-revenue", [t.audited_revenue for t in tranches]),
        ],
    )


def shares_chart(rows):
    groups = [_("Year %(n)s") % {"n": r.tranche.year} for r in rows]
    return bar_chart(
        _("Shares per year"),
        groups,
        [
            Series(_("Released"), "bar-released", [r.released for r in rows]),
            Series(_("Deducted"), "bar-deducted", [r.tranche.deducted for r in rows]),
            Series(_("Still in escrow"), "bar-escrow", [r.in_escrow for r in rows]),
        ],
        top=max([r.size for r in rows] + [r.released for r in rows] + [1]),
    )
