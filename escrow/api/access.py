"""Finding a deal object for a person, or NotFound (SPA 9).

Every lookup goes through the deals the person may see (guardian, with_superuser=False) and the
ROLE_ACTIONS table: someone with no role on the deal gets 404 for the deal and everything in it,
never 403, and the same message whether or not the object exists.
"""
from django.utils.translation import gettext as _

from escrow.contract.errors import NotFound
from escrow.history.chain import chain_key_for
from escrow.models import HistoryEntry, Instrument, StoredDocument, Tranche
from escrow.queries.deals import deals_visible_to, get_deal_for
from escrow.usecases.permissions import require


def deal_for(user, ref, action="view_deal"):
    """SPA 9: the deal by slug or id, if the person's organisation plays a role on it."""
    deal = get_deal_for(user, ref)
    require(user, deal, action)
    return deal


def tranche_for(user, pk):
    tranche = Tranche.objects.filter(pk=pk, deal__in=deals_visible_to(user)).select_related("deal").first()
    if tranche is None:
        raise NotFound(_("No such tranche."))
    require(user, tranche.deal, "view_deal")
    return tranche


def instrument_for(user, pk):
    instrument = (Instrument.objects.filter(pk=pk, tranche__deal__in=deals_visible_to(user))
                  .select_related("tranche__deal", "document").first())
    if instrument is None:
        raise NotFound(_("No such document."))
    require(user, instrument.tranche.deal, "view_deal")
    return instrument


def document_for(user, pk, action="view_deal"):
    document = (StoredDocument.objects.filter(pk=pk, deal__in=deals_visible_to(user))
                .select_related("deal", "tranche", "uploaded_by").first())
    if document is None:
        raise NotFound(_("No such document."))
    require(user, document.deal, action)
    return document


def history_of(deal):
    """The deal's hash-chained entries in chain order."""
    return (HistoryEntry.objects.filter(deal=deal, chain__key=chain_key_for(deal))
            .select_related("tranche", "chain").order_by("seq"))
