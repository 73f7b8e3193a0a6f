"""Batch form of the recipe's first step (actions/base.py lock_tranche), for the sweep."""

from escrow.models import Deal, Tranche
from escrow.models.bulk import any_of


def lock_tranches(tranche_ids, **conditions):
    """Lock the deals, then the tranches, each in primary-key order (the order every action uses, so
    no deadlock), and re-read `conditions` under the lock: rows a concurrent run already moved drop out."""
    ids = any_of(tranche_ids)  # one array parameter: a chunk is hundreds of ids
    deals = Deal.objects.select_for_update().filter(pk__in=Tranche.objects.filter(pk__in=ids).values("deal_id"))
    deals = {d.pk: d for d in deals.order_by("pk")}
    tranches = list(Tranche.objects.select_for_update(of=("self",)).filter(pk__in=ids, **conditions).order_by("pk"))
    for tranche in tranches:
        tranche.deal = deals[tranche.deal_id]
    return tranches
