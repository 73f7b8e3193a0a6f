"""Batch form of the recipe's first step (actions/base.py lock_tranche), for the sweep."""

import gc
from contextlib import contextmanager

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


@contextmanager
def collector_paused():
    """Python's cycle collector off for one chunk or phase of the sweep, or one penalty run (issue 13 item 4), as
    bulk loaders do: a chunk builds some hundred thousand short-lived rows, tuples and dicts, and each time that
    many survive a young collection the collector walks every object of the process (the whole of Django too;
    0.2-0.6 s a time on a 10,000-deal sweep). The rows hold no reference cycles; whatever cycles a chunk makes
    are collected once it is back on. Left as it was if the caller had turned it off."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def lock_tranche_values(tranche_ids, tranche_fields, deal_fields):
    """`lock_tranches` without model objects (issue 13: the penalty sweep locks thousands of tranches a chunk,
    and building their objects was a third of its time): the same locks in the same order. Returns ({deal id:
    {field: value}}, [{field: value}] of the tranches in primary-key order); `deal_fields` and `tranche_fields`
    name "pk" to have it."""
    ids = any_of(tranche_ids)
    deals = Deal.objects.select_for_update().filter(pk__in=Tranche.objects.filter(pk__in=ids).values("deal_id"))
    deals = {d["pk"]: d for d in deals.order_by("pk").values(*deal_fields)}
    tranches = Tranche.objects.select_for_update().filter(pk__in=ids).order_by("pk").values(*tranche_fields)
    return deals, list(tranches)
