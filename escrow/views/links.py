"""Where one click takes a person to do a step (the URL of the page that runs the action)."""
from django.urls import reverse

from escrow.models import Instrument

SIGN_KINDS = {
    "sign_joint_instruction": Instrument.Kind.JOINT_INSTRUCTION,
    "sign_settlement": Instrument.Kind.SETTLEMENT,
    "sign_adjustment": Instrument.Kind.ADJUSTMENT,
}
# Pages about the whole deal, not one year.
DEAL_PAGES = {
    "confirm_deposit": "escrow:confirm_deposit",
    "approve_auditor": "escrow:approve_auditor",
    "return_for_cancellation": "escrow:return_for_cancellation",
}
TRANCHE_PAGES = {
    "file_report": "escrow:file_report",
    "prepare_release": "escrow:prepare_release",
    "approve_release": "escrow:approve_release",
    "propose_settlement": "escrow:propose_settlement",
    "lift_suspension": "escrow:lift_suspension",
    "raise_dispute": "escrow:raise_dispute",
    "suspend_release": "escrow:suspend_release",
    "propose_adjustment": "escrow:propose_adjustment",
    "file_award": "escrow:file_award",
    "withdraw_preparation": "escrow:withdraw_preparation",
}


def open_instrument(tranche, kind):
    """The open instrument of a kind, from the prefetched `open_instruments` when present."""
    instruments = getattr(tranche, "open_instruments", None)
    if instruments is None:
        instruments = tranche.instruments.filter(status=Instrument.Status.OPEN)
    return next((i for i in instruments if i.kind == kind), None)


def step_url(deal, tranche, action):
    """The page for an action on a deal or tranche; None when there is no page for it."""
    if action in DEAL_PAGES:
        return reverse(DEAL_PAGES[action], args=[deal.slug])
    if tranche is None:
        return None
    if action in SIGN_KINDS:
        instrument = open_instrument(tranche, SIGN_KINDS[action])
        if instrument is not None:
            return reverse("escrow:sign", args=[instrument.pk])
        if action == "sign_settlement":
            return reverse("escrow:propose_settlement", args=[deal.slug, tranche.year])
        return None
    if action in TRANCHE_PAGES:
        return reverse(TRANCHE_PAGES[action], args=[deal.slug, tranche.year])
    return None
