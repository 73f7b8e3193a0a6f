"""The signatory register's use cases in the permission matrices (issue 10 item 1): how each persona tries them
on a world's deal through the actions layer (CALLS) and the API (REQUESTS). Allowed personas succeed: each is
a current signatory of its own party in the seeded world, and a change to confirm or object to is proposed
first by the deal's own issuer."""

from itertools import count

from escrow.actions import register
from escrow.models import DealParty, RegisterChange, Signatory
from escrow.models.deal import CONTRACT_PARTIES
from escrow.usecases.permissions import require
from parties.actions import add_person
from tests.conftest import PASSWORD

_numbers = count(1)


def own_party(user, w):
    """The person's contracting party on the deal, or the issuer's (whose register a stranger is refused)."""
    mine = DealParty.objects.filter(
        deal=w.deal, organisation_id=getattr(user, "organisation_id", None), role__in=CONTRACT_PARTIES
    ).first()
    return mine or w.deal.parties.get(role="issuer")


def nominee(party):
    n = next(_numbers)
    return add_person(
        None, username=f"nominee-{n}", password=PASSWORD, organisation=party.organisation, email=f"n{n}@x.invalid"
    )


def entry_of(user, w):
    return Signatory.objects.filter(deal=w.deal, person=user).first() or Signatory.objects.filter(deal=w.deal).first()


def proposal(w) -> RegisterChange:
    """A change awaiting confirmation, proposed by the deal's own issuer."""
    issuer = w.people["issuer"]
    party = w.deal.parties.get(role="issuer")
    return register.propose_signatory(issuer, w.deal, party, nominee(party), title="Deputy", phone="+86 1")


def _propose(user, w):
    party = own_party(user, w)
    return register.propose_signatory(user, w.deal, party, nominee(party), title="Deputy", phone="+86 1")


CALLS = {
    "view_register": lambda u, w: require(u, w.deal, "view_register"),
    "propose_signatory": _propose,
    "propose_signatory_removal": lambda u, w: register.propose_signatory_removal(
        u, w.deal, entry_of(u, w).pk, reason="Left the company"
    ),
    "confirm_register_change": lambda u, w: register.confirm_register_change(u, proposal(w).pk),
    "object_to_register_change": lambda u, w: register.object_to_register_change(
        u, proposal(w).pk, reason="Not authorised"
    ),
}


# Over the API the body cannot depend on the caller, so proposals (which name the caller's own party or entry)
# are tried persona by persona in tests/escrow/api/test_register_api.py instead.
CALLER_DEPENDENT = {"propose_signatory", "propose_signatory_removal"}
REQUESTS = {
    "view_register": lambda w: ("get", f"/api/deals/{w.deal.slug}/register/", None),
    "confirm_register_change": lambda w: (
        "post",
        f"/api/deals/{w.deal.slug}/register/confirm/",
        {"change": proposal(w).pk},
    ),
    "object_to_register_change": lambda w: (
        "post",
        f"/api/deals/{w.deal.slug}/register/object/",
        {"change": proposal(w).pk, "reason": "Not authorised"},
    ),
}


def _ready_propose(w):
    issuer, party = w.people["issuer"], w.deal.parties.get(role="issuer")
    person = nominee(party)
    return lambda: register.propose_signatory(issuer, w.deal, party, person, title="Deputy", phone="+86 1")


def _ready_removal(w):
    issuer = w.people["issuer"]
    return lambda: register.propose_signatory_removal(issuer, w.deal, entry_of(issuer, w).pk, reason="Left")


def _ready_confirm(w):
    change = proposal(w)
    return lambda: register.confirm_register_change(w.people["agent2"], change.pk)


def _ready_object(w):
    change = proposal(w)
    return lambda: register.object_to_register_change(w.people["seller"], change.pk, reason="Not authorised")


# For tests/escrow/test_usecases.py: each write prepared (nominee, proposal) so the run writes only its history.
READY = {
    "propose_signatory": _ready_propose,
    "propose_signatory_removal": _ready_removal,
    "confirm_register_change": _ready_confirm,
    "object_to_register_change": _ready_object,
}
