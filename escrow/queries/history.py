"""A deal's history as the pages, the API and the exports read it (a read; the chain writes itself)."""

from escrow.history.chain import chain_key_for
from escrow.models import HistoryEntry


def history_of(deal, *, tranche=None):
    """The deal's hash-chained entries in chain order (oldest first), or those about one of its years.
    Only the deal's own chain (`deal:<id>`): account and reference entries live in chains of their own."""
    entries = HistoryEntry.objects.filter(deal=deal, chain__key=chain_key_for(deal))
    if tranche is not None:
        entries = entries.filter(tranche=tranche)
    return entries.select_related("tranche", "chain").order_by("seq")
