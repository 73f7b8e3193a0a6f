"""The one writer of share movements, with the EA 4.2 guard (issue 14 item 7).

EA 4.2: the escrow agent may not sell, transfer, pledge or otherwise dispose of the escrowed shares. Only a
deposit (EA 1.1), a release to the seller (EA 3.2), a return for cancellation (SPA 5.2(1)) and a corporate
action's rebase move them. Every action writes its movement through `write_movement`, which refuses any other
kind before the database does (the check constraint `movement_kind_ea_4_2` on ShareMovement is the last word).
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from escrow.actions.fees import look_again
from escrow.contract.errors import NotAllowed
from escrow.models import ShareMovement
from escrow.models.ledger import EA_4_2_KINDS


def check_movement_kind(kind) -> None:
    """EA 4.2: refuse a movement that is not a deposit, release, return for cancellation or rebase."""
    if str(kind) not in EA_4_2_KINDS:
        raise NotAllowed(
            _(
                "The escrow agent may not sell, transfer, pledge or otherwise dispose of the shares (EA 4.2): "
                "only a deposit, a release, a return for cancellation or a rebase (split, consolidation or stock "
                "dividend) moves them."
            ),
            clause="EA 4.2",
        )


def write_movement(*, deal, kind, quantity, fact_key, actor, tranche=None, reference="") -> ShareMovement:
    """Add one movement to the append-only ledger, inside the calling action's transaction."""
    assert transaction.get_connection().in_atomic_block, "actions run inside transaction.atomic"
    check_movement_kind(kind)
    look_again(deal.pk)  # the escrow period may start or end on this movement's day (EA 2, EA 4.4)
    return ShareMovement.objects.create(
        deal=deal,
        tranche=tranche,
        kind=kind,
        quantity=quantity,
        fact_key=fact_key,
        reference=reference,
        recorded_at=timezone.now(),
        recorded_by=actor,
    )
