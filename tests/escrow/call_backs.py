"""Test helpers for the call-back before a release (issue 10 item 2): put a persona on the deal's signatory
register (only when the fixtures have not already) and record a confirmed call-back through the action."""

from datetime import timedelta

from django.utils import timezone

from escrow import actions
from escrow.models import DealParty, Signatory
from escrow.queries.callbacks import active_register, effective_instruction, last_signer_id

PHONES = {"issuer": "+1 345 555 0101", "purchaser": "+86 571 5555 0102", "seller": "+86 577 5555 0103"}


def registered(deal, person, role=None) -> Signatory:
    """The person's register entry in force on the deal, created directly when there is none yet."""
    entry = active_register(deal).filter(person=person).first()
    if entry is not None:
        return entry
    party = DealParty.objects.get(deal=deal, organisation_id=person.organisation_id, ended_at__isnull=True)
    return Signatory.objects.create(
        deal=deal,
        party=party,
        person=person,
        name=person.get_full_name() or person.username,
        title="Director",
        phone=PHONES.get(role or party.role, "+852 5555 0199"),
        email=person.email or f"{person.username}@x.invalid",
        effective_at=timezone.now() - timedelta(days=2),
    )


def confirm_call_back(deal, people, tranche, officer="agent1", outcome="confirmed", note=""):
    """An officer calls the issuer's or purchaser's signatory who did not sign the effective instruction last
    and records the answer (EA 3.2 four eyes plus the call-back practice)."""
    instruction = effective_instruction(tranche)
    last = last_signer_id(instruction)
    persona = next(p for p in ("issuer", "purchaser") if people[p].pk != last)
    entry = registered(deal, people[persona], persona)
    return actions.record_call_back(
        people[officer], tranche.pk, signatory_id=entry.pk, outcome=outcome, note=note or "Confirmed quantity and hash"
    )
