"""The deal's figures through the contract engine (SPA 5.1, 5.2): a read, no writes."""
from collections import defaultdict

from escrow.contract.releases import compute_releases, tranche_sizes
from escrow.models import TrancheState


def schedule_for(deal, *, tranches=None):
    """The release schedule over the audited years, contiguous from year 1."""
    tranches = list(tranches if tranches is not None else deal.tranches.order_by("year"))
    actuals = []
    for tranche in tranches:
        if tranche.audited_revenue is None:
            break
        actuals.append(tranche.audited_revenue)
    targets = [t.target_revenue for t in tranches]
    return compute_releases(deal.total_shares, targets, actuals, deal.policies)


def calculation_lines(year_release):
    return [f"{e.clause}: {e.formula} → {e.figure}" for e in year_release.explanations]


def released_for_each_year(tranches) -> dict:
    """Shares released so far for each year's fifth: a released tranche's own part is its quantity
    less what it released to offset earlier years (SPA 5.2(2))."""
    released = defaultdict(int)
    for t in tranches:
        if t.state != TrancheState.RELEASED or not t.release_quantity:
            continue
        offset_shares = {int(k): v for k, v in (t.offset_shares or {}).items()}
        taken = min(sum(offset_shares.values()), t.release_quantity)
        for year, shares in offset_shares.items():
            released[year] += shares
        released[t.year] += t.release_quantity - taken
    return released


def capped_offsets(deal, year_release, tranches) -> tuple:
    """SPA 5.1: no year releases more than its fifth. The engine assumes earlier years released the
    formula's figures; a settlement, award or adjustment may have released more, so each offset is
    capped at what is still unreleased for its year. Returns (offset shares by year, years capped)."""
    sizes = tranche_sizes(deal.total_shares, deal.tranche_count)
    released = released_for_each_year(tranches)
    offset_shares, capped = {}, []
    for year, shares in year_release.offset_shares.items():
        room = max(0, sizes[year - 1] - released[year])
        offset_shares[year] = min(shares, room)
        if offset_shares[year] < shares:
            capped.append(year)
    return {y: n for y, n in offset_shares.items() if n}, capped
