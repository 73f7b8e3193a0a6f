"""A signatory declines to sign, saying why (issue 12 item 8).

Declining is not a dispute (EA 3.3 suspends the release; a decline suspends nothing): it tells the other
parties and the escrow agent, in writing and in the history, why a party does not sign the document as it
stands. RULES.md gives a decline no effect on the state, so the instrument stays open, the tranche stays
where it is, and the deadlines keep running (SPA 5.1, 8.2): the party may still sign, or a dispute,
settlement, adjustment or corrected report may follow.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from escrow.actions.base import record
from escrow.actions.instruments import CLAUSE, lock_instrument
from escrow.contract.errors import InvalidInput
from escrow.models import Decline, HistoryAction, Instrument, Role
from escrow.models.deal import CONTRACT_PARTIES
from escrow.notifications.notify import notify_roles
from escrow.notifications.texts import LowerFirst, Text, in_english
from escrow.queries import preconditions
from escrow.usecases.permissions import require

DECLINED = gettext_lazy("%(deal)s: %(party)s declined to sign the %(document)s for year %(year)s")
DECLINED_BODY = gettext_lazy(
    "Reason given: %(reason)s. The document stays open for signature; this is not a dispute (EA 3.3)."
)


@transaction.atomic
def decline_to_sign(actor, instrument_id, *, reason):
    """Record that the actor's party will not sign this open instrument, and why; tell the others."""
    tranche, instrument, party = lock_instrument(actor, instrument_id)
    require(actor, tranche.deal, "decline_to_sign")
    preconditions.declinable(instrument, party)  # what the sign page offers declining by (one place)
    reason = (reason or "").strip()
    if not reason:
        problem = InvalidInput(_("Say why your party declines to sign; the other parties read it."))
        problem.field = "reason"
        raise problem
    decline = Decline.objects.create(
        instrument=instrument, party=party, person=actor, reason=reason, declined_at=timezone.now()
    )
    kind = in_english(instrument.get_kind_display())
    record(
        tranche.deal,
        action=HistoryAction.SIGNATURE_DECLINED,
        actor=actor,
        party=party,
        tranche=tranche,
        clause=CLAUSE[instrument.kind],
        summary=f"{actor} declined to sign the {kind.lower()} for {party.organisation}. Reason: {reason}",
        details={"instrument": instrument.pk, "document_sha256": instrument.document.sha256, "reason": reason},
    )
    notify_roles(
        tranche.deal,
        _told(instrument, party),
        tranche=tranche,
        key=f"declined:{decline.pk}",
        clause=CLAUSE[instrument.kind],
        subject=Text(
            DECLINED,
            deal=tranche.deal.name,
            party=party.organisation.name,
            document=LowerFirst(instrument.get_kind_display()),
            year=tranche.year,
        ),
        body=Text(DECLINED_BODY, reason=reason),
    )
    return decline


def _told(instrument, party):
    """The other parties and the escrow agent; for a joint instruction also the auditor, whose report the
    quantity rests on and who may still correct it while nobody has signed (escrow.actions.corrections)."""
    roles = [r for r in CONTRACT_PARTIES if r != party.role]
    if instrument.kind == Instrument.Kind.JOINT_INSTRUCTION:
        roles.append(Role.AUDITOR)
    return roles
