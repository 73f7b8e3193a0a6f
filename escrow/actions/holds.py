"""Holds: a dispute over the quantity (EA 3.3) and a suspension for the seller's breach (SPA 8.1)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from escrow.actions.base import lock_tranche, run_transition
from escrow.actions.instruments import _end_open_hold
from escrow.contract.errors import InvalidInput
from escrow.models import HistoryAction, Hold, Role
from escrow.notifications.notify import notify_roles
from escrow.notifications.texts import Text, in_english
from escrow.queries import preconditions
from escrow.queries.clock import contract_today
from escrow.usecases.permissions import require

ALL = [Role.ISSUER, Role.PURCHASER, Role.SELLER, Role.ESCROW_AGENT]


def _reason(reason, missing):
    if not (reason or "").strip():
        raise InvalidInput(str(missing))
    return reason.strip()


def _open_hold(tranche, kind, actor, party, reason):
    return Hold.objects.create(
        tranche=tranche,
        kind=kind,
        reason=reason,
        raised_by=actor,
        raised_for=party,
        started_at=timezone.now(),
        started_on=contract_today(),
    )


HOLDS = {
    # action key -> (hold kind, transition, history action, clause, message when the reason is missing)
    "raise_dispute": (
        Hold.Kind.DISPUTE,
        "hold_for_dispute",
        HistoryAction.DISPUTE_RAISED,
        "EA 3.3",
        gettext_lazy("Give the reason for the dispute; every party will read it."),
    ),
    "suspend_release": (
        Hold.Kind.SUSPENSION,
        "suspend",
        HistoryAction.SUSPENDED,
        "SPA 8.1",
        gettext_lazy("Give the reason for the suspension; every party will read it."),
    ),
}


def _hold(action, actor, tranche_id, reason):
    """Stop the clock on a pending release: who, why and under which clause is recorded (SPA 8.2)."""
    kind, transition, history_action, clause, missing = HOLDS[action]
    tranche = lock_tranche(tranche_id)
    party = require(actor, tranche.deal, action)
    preconditions.holdable(tranche, action)
    reason = _reason(reason, missing)
    _open_hold(tranche, kind, actor, party, reason)
    run_transition(
        tranche,
        transition,
        actor=actor,
        party=party,
        action=history_action,
        clause=clause,
        summary=f"{party.organisation}: {in_english(Hold.Kind(kind).label)}: {reason}",
        details={"reason": reason},
    )
    notify_roles(
        tranche.deal,
        ALL,
        tranche=tranche,
        key=f"{history_action}:{tranche.pk}:{tranche.holds.count()}",
        clause=clause,
        subject=Text(
            gettext_lazy("%(deal)s: year %(year)s release on hold — %(hold)s"),
            deal=tranche.deal.name,
            year=tranche.year,
            hold=Hold.Kind(kind).label,
        ),
    )
    return tranche


@transaction.atomic
def raise_dispute(actor, tranche_id, *, reason):
    """EA 3.3: any party disputes the quantity; the agent suspends action until a settlement or award."""
    return _hold("raise_dispute", actor, tranche_id, reason)


@transaction.atomic
def suspend_release(actor, tranche_id, *, reason):
    """SPA 8.1: the issuer suspends the release for the seller's breach of its commitments."""
    return _hold("suspend_release", actor, tranche_id, reason)


@transaction.atomic
def lift_suspension(actor, tranche_id, *, reason):
    """SPA 8.1: the issuer lifts its suspension; the tranche returns where it was."""
    tranche = lock_tranche(tranche_id)
    party = require(actor, tranche.deal, "lift_suspension")
    preconditions.suspended(tranche)
    reason = _reason(reason, gettext_lazy("Give the reason for the lifting; every party will read it."))
    _end_open_hold(tranche, actor, resolution=reason)
    run_transition(
        tranche,
        "lift_suspension",
        actor=actor,
        party=party,
        action=HistoryAction.SUSPENSION_LIFTED,
        clause="SPA 8.1",
        summary=f"Suspension lifted: {reason}",
        details={"reason": reason},
    )
    notify_roles(
        tranche.deal,
        ALL,
        tranche=tranche,
        key=f"lifted:{tranche.pk}:{tranche.holds.count()}",
        clause="SPA 8.1",
        subject=Text(
            gettext_lazy("%(deal)s: year %(year)s suspension lifted"), deal=tranche.deal.name, year=tranche.year
        ),
    )
    return tranche
