"""Where one click takes a person to do a step (the URL of the page that runs the action).

The routes are the `page` of each use case in escrow.usecases.declared; a step is a contract use case
that writes (reads such as view_deal have pages too, but nobody is asked to take them).
"""

import re

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


def step_url(deal, tranche, action, reverse=reverse):
    """The page for an action on a deal or tranche; None when there is no page for it. `reverse`: django.urls.reverse
    or a list's own that reverses each pattern once (escrow.templatetags.dashboard_rows.Links.reverse)."""
    if action in DEAL_PAGES:
        return reverse(DEAL_PAGES[action], args=[deal.slug])
    if tranche is None:
        return None
    if action in SIGN_KINDS:
        instrument = open_instrument(tranche, SIGN_KINDS[action])
        if instrument is not None:
            return reverse(CONTRACT_USE_CASES[action].page, args=[instrument.pk])
        if action in PROPOSED_BY:
            return step_url(deal, tranche, PROPOSED_BY[action], reverse)
        return None
    if action in TRANCHE_PAGES:
        return reverse(TRANCHE_PAGES[action], args=[deal.slug, tranche.year])
    return None


PLAIN = re.compile(r"[-A-Za-z0-9_]+")  # what reverse() leaves as it is (no percent-encoding)
SLUG, STAND_IN_NUMBER = "0slug0", 987654320  # stand-ins, replaced in the reversed pattern


class Links:
    """URLs with each pattern reversed once per list: plain arguments (a slug of plain characters, a whole number)
    go into the reversed pattern as reverse() would put them; anything else is reversed as usual. `reverse` has
    django.urls.reverse's signature for escrow.views.links.step_url."""

    def __init__(self):
        self._patterns = {}

    def reverse(self, name, args=()):
        if not all(_plain(arg) for arg in args):
            return reverse(name, args=args)
        key = (name, tuple(type(arg) for arg in args))
        parts = self._patterns.get(key)
        if parts is None:
            parts = self._patterns[key] = _parts(
                reverse(name, args=[_stand_in(i, arg) for i, arg in enumerate(args)]), args
            )
        text, tail = "", parts[-1]
        for literal, i in parts[:-1]:
            text += literal + str(args[i])
        return text + tail

    def deal(self, slug):
        return self.reverse("escrow:deal", [slug])

    def tranche(self, slug, year):
        return self.reverse("escrow:tranche", [slug, year])


def _plain(arg) -> bool:
    if type(arg) is int:
        return arg >= 0
    return isinstance(arg, str) and PLAIN.fullmatch(arg) is not None


def _parts(url, args):
    """The reversed URL cut at each stand-in: (the text before it, its argument's position) pairs, then the rest."""
    found = sorted((url.index(str(_stand_in(i, arg))), i, len(str(_stand_in(i, arg)))) for i, arg in enumerate(args))
    parts, at = [], 0
    for start, i, length in found:
        parts.append((url[at:start], i))
        at = start + length
    return [*parts, url[at:]]


def _stand_in(i, arg):
    """A stand-in for the i-th argument, of its kind, that nothing else in a reversed URL looks like."""
    return STAND_IN_NUMBER + i if type(arg) is int else f"{SLUG}{i}x"
