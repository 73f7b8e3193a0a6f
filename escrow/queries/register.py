"""Reading the deal's signatory register (issue 10 item 1): who signs or approves for each party now, the
changes still waiting for confirmation or cooling off, and which register forms a person may use."""

import functools
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.utils import timezone

from escrow.models import DealParty, RegisterChange, Role, Signatory
from escrow.models.deal import CONTRACT_PARTIES
from escrow.queries.deals import viewer_party as party_of_viewer
from escrow.queries.rows import columns, loader, moment, nulls, rows, width
from parties.models import Organisation

User = get_user_model()


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
    registers, changes = _register_reads(deal, at)
    pending = [c for c in changes if c.is_pending(at)]  # pending_changes' rule, on the changes read
    view = RegisterView(deal=deal, at=at, viewer_party=viewer_party, pending=pending)
    view.may_confirm = not excluded and role == Role.ESCROW_AGENT
    view.may_object = not excluded and role in CONTRACT_PARTIES
    for party, entries in registers:
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


def _register_reads(deal, at) -> tuple:
    """([(party, its live entries by name)] of the deal's contracting parties that have not ended, in
    CONTRACT_PARTIES order, each party with its organisation and each entry with its person; the changes
    pending_changes reads before its filter, by proposal, with what it reads with them). One hand-written query
    (issue 13 item 1: a query for the changes, one for the parties and one per party before); tests/escrow/
    queries/test_register_read.py compares register_for with the reading it replaced."""
    found = rows(_register_sql(), [moment(at), deal.pk, *CONTRACT_PARTIES, deal.pk, *_OPEN])
    load = {model: loader(model) for model in (DealParty, Organisation, Signatory, User, RegisterChange)}
    at_org, at_entry, at_person, at_change, at_proposer, at_confirmer = _offsets()
    parties, changes = {}, []
    for row in found:
        party_id = row[2]
        if row[0] == 1:
            change = load[RegisterChange](row[at_change:])
            change.signatory, change.party = load[Signatory](row[at_entry:]), load[DealParty](row[2:])
            change.party.organisation = load[Organisation](row[at_org:])
            change.proposed_by = load[User](row[at_proposer:])
            change.confirmed_by = load[User](row[at_confirmer:]) if row[at_confirmer] is not None else None
            changes.append(change)
            continue
        if party_id not in parties:
            party = load[DealParty](row[2:])
            party.organisation = load[Organisation](row[at_org:])
            parties[party_id] = (party, [])
        if row[at_entry] is not None:  # the LEFT JOIN's empty row of a party with nobody on its register
            entry = load[Signatory](row[at_entry:])
            entry.person = load[User](row[at_person:])
            parties[party_id][1].append(entry)
    return sorted(parties.values(), key=lambda found: CONTRACT_PARTIES.index(found[0].role)), changes


_OPEN = (RegisterChange.State.PROPOSED, RegisterChange.State.CONFIRMED)
# The row: kind (0 a party and one of its live entries, 1 a change), its place in its kind's order, then the
# columns of a party, its organisation, a signatory entry, the entry's person (kind 0), a change, its proposer
# and its confirmer (kind 1).
_ROW = (DealParty, Organisation, Signatory, User, RegisterChange, User, User)


@functools.cache
def _offsets() -> tuple:
    starts, at = [], 2
    for model in _ROW:
        starts.append(at)
        at += width(model)
    return tuple(starts[1:])


@functools.cache
def _register_sql():
    """Written once per process: the parties with their live entries, and the open changes (pending_changes'
    ORM query: its filter, order and select_related), one UNION ALL."""
    roles = ", ".join(["%s"] * len(CONTRACT_PARTIES))
    entry = (columns(DealParty, "p"), columns(Organisation, "o"), columns(Signatory, "s"), columns(User, "u"))
    registers = ", ".join((*entry, nulls(RegisterChange), nulls(User), nulls(User)))
    change = (columns(RegisterChange, "c"), columns(User, "pb"), columns(User, "cb"))
    changes = ", ".join(
        (columns(DealParty, "cp"), columns(Organisation, "co"), columns(Signatory, "cs"), nulls(User), *change)
    )
    return (
        f'SELECT 0, ROW_NUMBER() OVER (ORDER BY s."name", s."id"), {registers} '  # noqa: S608 - constant SQL
        'FROM escrow_dealparty p INNER JOIN parties_organisation o ON p."organisation_id" = o."id" '
        'LEFT JOIN escrow_signatory s ON s."party_id" = p."id" AND (s."removed_at" IS NULL OR s."removed_at" > %s) '
        'LEFT JOIN parties_user u ON s."person_id" = u."id" '
        f'WHERE p."deal_id" = %s AND p."role" IN ({roles}) AND p."ended_at" IS NULL '
        f'UNION ALL SELECT 1, ROW_NUMBER() OVER (ORDER BY c."proposed_at", c."id"), {changes} '
        'FROM escrow_registerchange c INNER JOIN escrow_signatory cs ON c."signatory_id" = cs."id" '
        'INNER JOIN escrow_dealparty cp ON c."party_id" = cp."id" '
        'INNER JOIN parties_organisation co ON cp."organisation_id" = co."id" '
        'INNER JOIN parties_user pb ON c."proposed_by_id" = pb."id" '
        'LEFT JOIN parties_user cb ON c."confirmed_by_id" = cb."id" '
        'WHERE c."deal_id" = %s AND c."state" IN (%s, %s) ORDER BY 1, 2'
    )


def _signs(entry, user, deal, at) -> bool:
    """is_signatory's rule for one entry of the person's party: theirs, on this deal, active at `at`."""
    return entry.person_id == user.pk and entry.deal_id == deal.pk and entry.is_active_at(at)
