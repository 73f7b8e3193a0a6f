"""Batch form of the recipe's first step (actions/base.py lock_tranche), for the sweep."""

from escrow.models import Deal, Tranche


def lock_tranches(tranche_ids, **conditions):
    """Lock the deals, then the tranches, each in primary-key order (the order every action uses, so
    no deadlock), and re-read `conditions` under the lock: rows a concurrent run already moved drop out."""
    deal_ids = set(Tranche.objects.filter(pk__in=tranche_ids).values_list("deal_id", flat=True))
    deals = {d.pk: d for d in Deal.objects.select_for_update().filter(pk__in=deal_ids).order_by("pk")}
    tranches = list(
        Tranche.objects.select_for_update(of=("self",)).filter(pk__in=tranche_ids, **conditions).order_by("pk")
    )
    for tranche in tranches:
        tranche.deal = deals[tranche.deal_id]
    return tranches
