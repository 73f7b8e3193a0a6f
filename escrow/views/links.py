"""Where one click takes a person to do a step (the URL of the page that runs the action).

The routes are the `page` of each use case in escrow.usecases.declared; a step is a contract use case
that writes (reads such as view_deal have pages too, but nobody is asked to take them).
"""

from django.urls import reverse

from escrow.models import Instrument
from escrow.usecases import CONTRACT_USE_CASES

STEPS = [case for case in CONTRACT_USE_CASES.values() if case.writes and case.page]
# Signing an instrument: the use case sign_<kind> signs the open instrument of that kind (declining one is
# offered on its signing page).
SIGN_KINDS = {
    case.name: Instrument.Kind(case.name.removeprefix("sign_"))
    for case in STEPS
    if case.scope == "instrument" and case.name.startswith("sign_")
}
# Other pages about one instrument, linked from its signing page: declining it (issue 12 item 8).
INSTRUMENT_PAGES = {
    case.name: case.page for case in STEPS if case.scope == "instrument" and case.name not in SIGN_KINDS
}
# Pages about the whole deal, not one year.
DEAL_PAGES = {case.name: case.page for case in STEPS if case.scope == "deal"}
TRANCHE_PAGES = {case.name: case.page for case in STEPS if case.scope == "tranche"}
# A settlement is signed once proposed: until then its step leads to the proposal (EA 3.3).
PROPOSED_BY = {"sign_settlement": "propose_settlement"}


def open_instrument(tranche, kind):
    """The open instrument of a kind, from the prefetched `open_instruments` when present."""
    instruments = getattr(tranche, "open_instruments", None)
    if instruments is None:
        instruments = tranche.instruments.filter(status=Instrument.Status.OPEN)
    return next((i for i in instruments if i.kind == kind), None)


def offered_step_url(now, deal, tranche, action):
    """The page of a step if this person can take it now (`now`: escrow.queries.available.Now), else None.
    A settlement not yet proposed leads to its proposal (PROPOSED_BY) when the person may propose it."""
    if not action:
        return None
    if action in SIGN_KINDS:
        instrument = open_instrument(tranche, SIGN_KINDS[action]) if tranche is not None else None
        if instrument is None:
            proposer = PROPOSED_BY.get(action)
            return offered_step_url(now, deal, tranche, proposer) if proposer else None
        return step_url(deal, tranche, action) if now.may(action, tranche, instrument) else None
    return step_url(deal, tranche, action) if now.may(action, tranche) else None


def step_url(deal, tranche, action):
    """The page for an action on a deal or tranche; None when there is no page for it."""
    if action in DEAL_PAGES:
        return reverse(DEAL_PAGES[action], args=[deal.slug])
    if tranche is None:
        return None
    if action in SIGN_KINDS:
        instrument = open_instrument(tranche, SIGN_KINDS[action])
        if instrument is not None:
            return reverse(CONTRACT_USE_CASES[action].page, args=[instrument.pk])
        if action in PROPOSED_BY:
            return step_url(deal, tranche, PROPOSED_BY[action])
        return None
    if action in TRANCHE_PAGES:
        return reverse(TRANCHE_PAGES[action], args=[deal.slug, tranche.year])
    return None
