"""The deal's figures through the contract engine (SPA 5.1, 5.2): a read, no writes."""
from escrow.contract.releases import compute_releases


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
