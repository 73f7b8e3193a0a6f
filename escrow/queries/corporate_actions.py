"""The deal's splits and consolidations as the page and the API show them (issue 14 item 4): a read."""

from dataclasses import dataclass

from escrow.models import CorporateAction
from escrow.queries.quantities import sizes_for


@dataclass(frozen=True)
class CorporateActions:
    """Every action of the deal (latest first), the one waiting for the agent, and each year's size now."""

    actions: list
    pending: CorporateAction | None
    sizes: list  # [(year, size)] after the last confirmed action (SPA 5.1 fifths before any)


def corporate_actions_of(deal) -> CorporateActions:
    actions = list(
        CorporateAction.objects.filter(deal=deal)
        .select_related("proposed_by", "confirmed_by")
        .order_by("-effective_date", "-id")
    )
    pending = next((a for a in actions if a.state == CorporateAction.State.PROPOSED), None)
    return CorporateActions(actions, pending, list(enumerate(sizes_for(deal), 1)))
