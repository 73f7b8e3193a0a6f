"""The API finds deals and what is in them with the portal's one lookup (escrow.queries.deals, SPA 9).

Nothing is decided here: a person with no role on the deal gets NotFound, which escrow.api.errors
turns into the same 404 the pages give; a role that may see the deal but not take the action gets
NotAllowed (403) with the refusal and its clause.
"""

from escrow.queries.deals import deal_for, document_for, instrument_for, tranche_for
from escrow.queries.history import history_of

__all__ = ["deal_for", "document_for", "history_of", "instrument_for", "tranche_for"]
