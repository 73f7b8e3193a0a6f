"""Holds: a dispute over the quantity (EA 3.3) and a suspension for the seller's breach (SPA 8.1)."""
from django.db import transaction
from django.utils import timezone

from escrow.clock import contract_today
from escrow.errors import InvalidInput
from escrow.models import Hold, Role, TrancheState
from escrow.models.tranche import HOLDABLE
from escrow.notify import notify_roles
from escrow.permissions import require

from .base import expect_state, lock_tranche, run_transition
from .instruments import _end_open_hold

ALL = [Role.ISSUER, Role.PURCHASER, Role.SELLER, Role.ESCROW_AGENT]


def _reason(reason, what):
    if not (reason or "").strip():
        raise InvalidInput(f"Give the reason for the {what}; every party will read it.")
    return reason.strip()


def _open_hold(tranche, kind, actor, party, reason):
    return Hold.objects.create(tranche=tranche, kind=kind, reason=reason, raised_by=actor, raised_for=party,
                               started_at=timezone.now(), started_on=contract_today())


@transaction.atomic
def raise_dispute(actor, tranche_id, *, reason):
    """EA 3.3: any party disputes the quantity; the agent suspends action until a settlement or award."""
    tranche = lock_tranche(tranche_id)
    party = require(actor, tranche.deal, "raise_dispute")
    expect_state(tranche, *HOLDABLE, doing="raise a dispute")
    reason = _reason(reason, "dispute")
    _open_hold(tranche, Hold.Kind.DISPUTE, actor, party, reason)
    run_transition(tranche, "hold_for_dispute", actor=actor, party=party, action="dispute_raised", clause="EA 3.3",
                   summary=f"{party.organisation} disputes the quantity: {reason}", details={"reason": reason})
    notify_roles(tranche.deal, ALL, tranche=tranche, key=f"dispute:{tranche.pk}:{tranche.holds.count()}",
                 clause="EA 3.3", subject=f"{tranche.deal.name}: year {tranche.year} is disputed — release suspended")
    return tranche


@transaction.atomic
def suspend_release(actor, tranche_id, *, reason):
    """SPA 8.1: the issuer suspends the release for the seller's breach of its commitments."""
    tranche = lock_tranche(tranche_id)
    party = require(actor, tranche.deal, "suspend_release")
    expect_state(tranche, *HOLDABLE, doing="suspend the release")
    reason = _reason(reason, "suspension")
    _open_hold(tranche, Hold.Kind.SUSPENSION, actor, party, reason)
    run_transition(tranche, "suspend", actor=actor, party=party, action="suspended", clause="SPA 8.1",
                   summary=f"Release suspended by the issuer: {reason}", details={"reason": reason})
    notify_roles(tranche.deal, ALL, tranche=tranche, key=f"suspended:{tranche.pk}:{tranche.holds.count()}",
                 clause="SPA 8.1", subject=f"{tranche.deal.name}: year {tranche.year} release suspended (SPA 8.1)")
    return tranche


@transaction.atomic
def lift_suspension(actor, tranche_id, *, reason):
    """SPA 8.1: the issuer lifts its suspension; the tranche returns where it was."""
    tranche = lock_tranche(tranche_id)
    party = require(actor, tranche.deal, "lift_suspension")
    expect_state(tranche, TrancheState.SUSPENDED, doing="lift the suspension")
    reason = _reason(reason, "lifting")
    _end_open_hold(tranche, actor, resolution=reason)
    run_transition(tranche, "lift_suspension", actor=actor, party=party, action="suspension_lifted",
                   clause="SPA 8.1", summary=f"Suspension lifted: {reason}", details={"reason": reason})
    notify_roles(tranche.deal, ALL, tranche=tranche, key=f"lifted:{tranche.pk}:{tranche.holds.count()}",
                 clause="SPA 8.1", subject=f"{tranche.deal.name}: year {tranche.year} suspension lifted")
    return tranche
