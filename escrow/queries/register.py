"""Reading the deal's signatory register (issue 10 item 1): who signs or approves for each party now, the
changes still waiting for confirmation or cooling off, and which register forms a person may use."""

from dataclasses import dataclass, field

from django.utils import timezone

from escrow.models import DealParty, RegisterChange, Role, Signatory
from escrow.models.deal import CONTRACT_PARTIES
from escrow.queries.deals import viewer_party as party_of_viewer


def active_signatories(deal, role=None, at=None):
    """The entries that give signing power on the deal at `at` (now by default), for one role or all."""
    entries = Signatory.objects.filter(deal=deal).active(at).select_related("party__organisation", "person")
    if role is not None:
        entries = entries.filter(party__role=role, party__ended_at__isnull=True)
    return entries.order_by("party__role", "name", "pk")


def is_signatory(user, deal, party, at=None) -> bool:
    """Whether the person is on the party's register on this deal at `at` (now by default)."""
    if not user or not user.is_authenticated or party is None:
        return False
    return Signatory.objects.filter(deal=deal, party=party, person=user).active(at).exists()


def pending_changes(deal, at=None):
    """Changes still open to objection: awaiting confirmation, or confirmed and still cooling off."""
    at = at or timezone.now()
    changes = (
        RegisterChange.objects.filter(
            deal=deal, state__in=[RegisterChange.State.PROPOSED, RegisterChange.State.CONFIRMED]
        )
        .select_related("signatory", "party__organisation", "proposed_by", "confirmed_by")
        .order_by("proposed_at", "pk")
    )
    return [c for c in changes if c.is_pending(at)]


@dataclass
class PartyRegister:
    party: DealParty
    entries: list  # Signatory rows live at the moment: active, or waiting to take effect
    may_propose: bool = False  # the viewer may propose an addition now
    may_remove: bool = False  # the viewer may propose removals now


@dataclass
class RegisterView:
    """What the register page and the API show one person."""

    deal: object
    at: object
    parties: list = field(default_factory=list)
    pending: list = field(default_factory=list)
    may_confirm: bool = False
    may_object: bool = False
    viewer_party: object = None


def register_for(user, deal, at=None) -> RegisterView:
    """The register of every contracting party with the forms this person may use now (the actions check
    the same rules again)."""
    at = at or timezone.now()
    viewer_party = party_of_viewer(user, deal)  # the one deal_for read, when it did
    excluded = bool(user.is_staff or user.is_superuser)
    role = viewer_party.role if viewer_party else None
    view = RegisterView(deal=deal, at=at, viewer_party=viewer_party, pending=pending_changes(deal, at))
    view.may_confirm = not excluded and role == Role.ESCROW_AGENT
    view.may_object = not excluded and role in CONTRACT_PARTIES
    parties = DealParty.objects.filter(deal=deal, role__in=CONTRACT_PARTIES, ended_at__isnull=True).select_related(
        "organisation"
    )
    parties = sorted(parties, key=lambda p: CONTRACT_PARTIES.index(p.role))
    live = _live_entries(parties, at)
    for party in parties:
        entries = live.get(party.pk, [])
        has_active = any(e.is_active_at(at) for e in entries)
        # is_signatory's rule, on the entries read (the live ones include every active one)
        own_signatory = viewer_party == party and any(_signs(e, user, deal, at) for e in entries)
        first_by_agent = not has_active and role == Role.ESCROW_AGENT
        view.parties.append(
            PartyRegister(
                party=party,
                entries=entries,
                may_propose=not excluded and (own_signatory or first_by_agent),
                may_remove=not excluded and own_signatory,
            )
        )
    return view


def _live_entries(parties, at) -> dict:
    """{party id: its live entries by name}: one query for every party (one per party before, issue 13 item 1)."""
    entries = Signatory.objects.filter(party__in=[p.pk for p in parties]).live(at).select_related("person")
    by_party = {}
    for entry in entries.order_by("name", "pk"):
        by_party.setdefault(entry.party_id, []).append(entry)
    return by_party


def _signs(entry, user, deal, at) -> bool:
    """is_signatory's rule for one entry of the person's party: theirs, on this deal, active at `at`."""
    return entry.person_id == user.pk and entry.deal_id == deal.pk and entry.is_active_at(at)
