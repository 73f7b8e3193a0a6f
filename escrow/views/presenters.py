"""Figures of a deal's years as the pages show them: read from tranches, the ledger and the engine."""
from dataclasses import dataclass

from django.db.models import OuterRef, Subquery, Sum
from django.utils.translation import gettext as _

from escrow.contract.releases import tranche_sizes
from escrow.models import PenaltyDay, ShareMovement
from escrow.queries.steps import next_step, signed_roles_of

from escrow.views.charts import Series, bar_chart
from escrow.views.links import step_url


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


def released_by_tranche(deal) -> dict:
    rows = (ShareMovement.objects.filter(deal=deal, kind=ShareMovement.Kind.RELEASE, tranche__isnull=False)
            .values("tranche_id").annotate(n=Sum("quantity")).values_list("tranche_id", "n"))
    return dict(rows)


def latest_penalties(deal) -> dict:
    """The last accrued PenaltyDay of each tranche of the deal (the meter), in one query."""
    last_day = PenaltyDay.objects.filter(tranche=OuterRef("tranche")).order_by("-day").values("day")[:1]
    rows = PenaltyDay.objects.filter(tranche__deal=deal, day=Subquery(last_day))
    return {row.tranche_id: row for row in rows}


def year_rows(deal, tranches, role) -> list:
    sizes = tranche_sizes(deal.total_shares, len(tranches))
    released = released_by_tranche(deal)
    penalties = latest_penalties(deal)
    offset_for = _offset_shares_for_earlier(tranches)
    rows = []
    for size, tranche in zip(sizes, tranches):
        step = next_step(tranche, signed_roles=signed_roles_of(tranche))
        out = released.get(tranche.pk, 0)
        offset_shares = sum(int(v) for v in (tranche.offset_shares or {}).values()) if out else 0
        own_out = max(out - offset_shares, 0)
        in_escrow = max(size - own_out - offset_for.get(tranche.year, 0), 0)
        rows.append(YearRow(tranche, size, out, offset_shares, in_escrow, step,
                            step_url(deal, tranche, step.action), bool(role and role in step.roles),
                            penalties.get(tranche.pk)))
    return rows


def _offset_shares_for_earlier(tranches) -> dict:
    """Shares of earlier years released with later, released years (SPA 5.2(2) offsets)."""
    totals = {}
    for tranche in tranches:
        if tranche.state != "released":
            continue
        for year, shares in (tranche.offset_shares or {}).items():
            totals[int(year)] = totals.get(int(year), 0) + int(shares)
    return totals


def revenue_chart(deal, tranches):
    groups = [_("Year %(n)s") % {"n": t.year} for t in tranches]
    return bar_chart(_("Audited revenue against target"), groups, [
        Series(_("Target"), "bar-target", [t.target_revenue for t in tranches]),
        Series(_("Audited revenue"), "bar-revenue", [t.audited_revenue for t in tranches]),
    ])


def shares_chart(rows):
    groups = [_("Year %(n)s") % {"n": r.tranche.year} for r in rows]
    return bar_chart(_("Shares per year"), groups, [
        Series(_("Released"), "bar-released", [r.released for r in rows]),
        Series(_("Deducted"), "bar-deducted", [r.tranche.deducted for r in rows]),
        Series(_("Still in escrow"), "bar-escrow", [r.in_escrow for r in rows]),
    ], top=max([r.size for r in rows] + [r.released for r in rows] + [1]))
