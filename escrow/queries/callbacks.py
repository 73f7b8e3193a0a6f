"""The call-back before a release (issue 10 item 2): whom an officer may call about the effective joint
instruction, what was recorded, and whether the approval may go ahead (EA 3.2 four eyes plus the banks'
call-back practice). Read by escrow.actions.callbacks, escrow.actions.releases, the pages and the API."""

from dataclasses import dataclass, field

from escrow.models import CallBack, Instrument, Role
from escrow.queries.register import active_signatories

# The parties that gave the instruction (EA 3.1(b)): the call-back confirms it with one of them.
CALLED_ROLES = (Role.ISSUER, Role.PURCHASER)


def effective_instruction(tranche):
    """The joint instruction now in force for the tranche (EA 3.1(b)), or None. A page that read all the
    tranche's instruments already (`loaded_instruments`, with their documents) is not read again."""
    loaded = getattr(tranche, "loaded_instruments", None)
    if loaded is not None:
        found = [
            i for i in loaded if i.kind == Instrument.Kind.JOINT_INSTRUCTION and i.status == Instrument.Status.EFFECTIVE
        ]
        return max(found, key=lambda i: (i.created_at, i.pk), default=None)
    return (
        tranche.instruments.filter(kind=Instrument.Kind.JOINT_INSTRUCTION, status=Instrument.Status.EFFECTIVE)
        .select_related("document")
        .order_by("created_at", "pk")
        .last()
    )


def active_register(deal, at=None):
    """The deal's register entries in force at `at` (now by default): confirmed, past their cooling-off
    period, not removed (issue 10 item 1, escrow.queries.register)."""
    return active_signatories(deal, at=at)


def last_signer_id(instruction):
    """The person who signed the instruction last: the call-back must reach someone else (four eyes)."""
    last = instruction.signatures.order_by("signed_at", "pk").last() if instruction else None
    return last.signer_id if last else None


def callable_signatories(tranche, instruction=None):
    """Whom an officer may call about the tranche's effective instruction: the issuer's and the purchaser's
    active register entries, except the person who signed last."""
    instruction = instruction or effective_instruction(tranche)
    entries = active_register(tranche.deal).filter(party__role__in=CALLED_ROLES, party__ended_at__isnull=True)
    last = last_signer_id(instruction)
    return entries.exclude(person_id=last) if last else entries


def call_backs_of(tranche):
    """Every call-back recorded on the tranche, oldest first, with whom and by whom. Ordered as the model is
    within one tranche (its ["tranche", ...] would join the tranche and its deal to sort one tranche's rows)."""
    return (
        CallBack.objects.filter(tranche=tranche)
        .select_related("officer", "signatory__party__organisation", "instrument__document")
        .order_by("called_at", "pk")
    )


@dataclass
class CallBackStatus:
    """Where the call-back of a tranche's effective instruction stands."""

    instruction: object
    call_backs: list = field(default_factory=list)  # for the effective instruction, oldest first
    waived: bool = False
    waiver_reason: str = ""

    @property
    def confirmed(self):
        """The latest call-back that confirmed this instruction, or None."""
        return next((c for c in reversed(self.call_backs) if c.confirmed), None)

    @property
    def denied(self):
        """The latest call-back in which the signatory did not confirm this instruction, or None."""
        return next((c for c in reversed(self.call_backs) if c.outcome == CallBack.Outcome.NOT_CONFIRMED), None)

    @property
    def clears_approval(self) -> bool:
        """Approval may go ahead: waived, or confirmed and never denied for this instruction."""
        return self.waived or (self.confirmed is not None and self.denied is None)


def call_back_status(tranche, every=None) -> CallBackStatus:
    """`every`: call_backs_of(tranche) when the caller has read them (the tranche page shows them all); the
    effective instruction's are taken from them, in the same order, instead of read again."""
    instruction = effective_instruction(tranche)
    if not instruction:
        call_backs = []
    elif every is not None:
        call_backs = [c for c in every if c.instrument_id == instruction.pk]
    else:
        call_backs = list(call_backs_of(tranche).filter(instrument=instruction))
    deal = tranche.deal
    return CallBackStatus(instruction, call_backs, deal.call_back_waived, deal.call_back_waiver_reason)
