"""Written instruments and signatures: the joint instruction (EA 3.1(b)), settlements and awards
(EA 3.3), adjustments (SPA 5.3). A signed document never changes; a new quantity is a new document."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from escrow.actions.base import lock_tranche, record, run_transition
from escrow.actions.completion import seal_signed_instrument
from escrow.actions.reauth import reauthenticate
from escrow.contract.calendar import release_due, transfer_due
from escrow.contract.errors import InvalidInput, NotFound
from escrow.contract.numbers import InputProblem, parse_iso_date, parse_quantity
from escrow.documents import pdf
from escrow.documents.storage import document_bytes, store_pdf
from escrow.models import DealParty, HistoryAction, Instrument, Role, Signature, StoredDocument
from escrow.models.deal import CONTRACT_PARTIES
from escrow.notifications.notify import notify_roles
from escrow.notifications.texts import LowerFirst, Text, in_english
from escrow.queries import preconditions
from escrow.queries.clock import calendar_for, contract_today
from escrow.usecases.permissions import party_for, require

SIGNERS = {
    Instrument.Kind.JOINT_INSTRUCTION: [Role.ISSUER, Role.PURCHASER],
    Instrument.Kind.SETTLEMENT: list(CONTRACT_PARTIES),
    Instrument.Kind.ADJUSTMENT: list(CONTRACT_PARTIES),
}
ISSUED = {
    Instrument.Kind.JOINT_INSTRUCTION: HistoryAction.JOINT_INSTRUCTION_ISSUED,
    Instrument.Kind.SETTLEMENT: HistoryAction.SETTLEMENT_ISSUED,
    Instrument.Kind.ADJUSTMENT: HistoryAction.ADJUSTMENT_ISSUED,
}
RELEASE_DATE_PAST = gettext_noop(
    "The new release date %(date)s is in the past; enter a date from today (%(today)s) to %(latest)s (YYYY-MM-DD)."
)
CLAUSE = preconditions.INSTRUMENT_CLAUSE


def _create_instrument(
    tranche, *, kind, quantity, actor, calculation_lines, calculation=None, reason="", release_due_date=None
):
    """Render, store and record a new instrument; any open one of the same kind is superseded."""
    deal = tranche.deal
    roles = SIGNERS[kind]
    parties = {
        p.role: p
        for p in DealParty.objects.filter(deal=deal, role__in=roles, ended_at__isnull=True).select_related(
            "organisation"
        )
    }
    seller = DealParty.objects.filter(deal=deal, role=Role.SELLER).select_related("organisation").first()
    number = tranche.instruments.filter(kind=kind).count() + 1
    reference = f"{deal.slug}-Y{tranche.year}-{kind}-{number}"
    data = pdf.render_instrument(
        kind=kind,
        deal=deal,
        tranche=tranche,
        quantity=quantity,
        recipient=str(seller.organisation) if seller else "",
        reason=reason,
        reference=reference,
        signers=[f"{parties[r].organisation} ({in_english(Role(r).label)})" for r in roles if r in parties],
        calculation_lines=calculation_lines,
        policies=deal.policies.as_dict(),
        release_due_date=release_due_date,
        calculation=calculation or tranche.calculation,  # the engine's figures, stated step by step
        signer_roles=list(roles),
    )
    document = store_pdf(deal=deal, tranche=tranche, kind=kind, data=data, by=actor, original_name=f"{reference}.pdf")
    instrument = Instrument.objects.create(
        tranche=tranche,
        kind=kind,
        document=document,
        quantity=quantity,
        required_roles=list(roles),
        reason=reason,
        calculation=calculation or {},
        created_by=actor,
        created_at=timezone.now(),
        release_due_date=release_due_date,
    )
    for old in tranche.instruments.filter(kind=kind, status=Instrument.Status.OPEN).exclude(pk=instrument.pk):
        old.status, old.superseded_by = Instrument.Status.SUPERSEDED, instrument
        old.save(update_fields=["status", "superseded_by"])
    record(
        deal,
        action=ISSUED[kind],
        actor=actor,
        tranche=tranche,
        clause=CLAUSE[kind],
        summary=f"{in_english(instrument.get_kind_display())} {reference}: {quantity:,} shares, awaiting signatures",
        details={
            "reference": reference,
            "quantity": quantity,
            "document_sha256": document.sha256,
            "required_roles": list(roles),
            "reason": reason,
        },
    )
    notify_roles(
        deal,
        roles,
        tranche=tranche,
        key=f"sign:{instrument.pk}",
        clause=CLAUSE[kind],
        due=tranche.release_due_date,  # SPA 5.1: the release date the signatures are needed for
        subject=Text(
            gettext_lazy("%(deal)s: please sign the %(document)s for year %(year)s (%(shares)s shares)"),
            deal=deal.name,
            year=tranche.year,
            shares=f"{quantity:,}",
            document=LowerFirst(Instrument.Kind(instrument.kind).label),  # lazy: each reader's language
        ),
    )
    return instrument


def issue_joint_instruction(tranche, *, quantity, actor, calculation_lines, calculation=None, reason=""):
    return _create_instrument(
        tranche,
        kind=Instrument.Kind.JOINT_INSTRUCTION,
        quantity=quantity,
        actor=actor,
        calculation_lines=calculation_lines,
        calculation=calculation,
        reason=reason,
    )


def lock_instrument(actor, instrument_id):
    """(tranche, instrument, the actor's party), locked deal first (actions.base); NotFound for no role."""
    tranche_id = Instrument.objects.filter(pk=instrument_id).values_list("tranche_id", flat=True).first()
    if tranche_id is None:
        raise NotFound(_("No such document."))
    tranche = lock_tranche(tranche_id)
    instrument = Instrument.objects.select_for_update().select_related("document").get(pk=instrument_id)
    party = party_for(actor, tranche.deal)
    if party is None:
        raise NotFound(_("No such document."))
    return tranche, instrument, party


@transaction.atomic
def sign_instrument(actor, instrument_id, *, expected_sha256, password=None, otp_token=None, ip=None, user_agent=""):
    """Sign the exact bytes of an instrument for the actor's party (re-authenticated)."""
    tranche, instrument, party = lock_instrument(actor, instrument_id)
    _check_signable(instrument, tranche, party, actor, expected_sha256)
    method = reauthenticate(actor, password=password, otp_token=otp_token)
    document_bytes(instrument.document)  # raises if the stored bytes no longer match their hash
    digest = instrument.document.sha256
    Signature.objects.create(
        instrument=instrument,
        party=party,
        signer=actor,
        sha256=digest,
        signed_at=timezone.now(),
        ip_address=ip,
        user_agent=(user_agent or "")[:500],
        auth_method=method,
    )
    record(
        tranche.deal,
        action=HistoryAction.SIGNED,
        actor=actor,
        party=party,
        tranche=tranche,
        clause=CLAUSE[instrument.kind],
        summary=f"{actor} signed the {in_english(instrument.get_kind_display()).lower()} for {party.organisation}",
        details={"instrument": instrument.pk, "document_sha256": digest, "ip": ip, "auth_method": method},
    )
    if set(instrument.required_roles) <= set(instrument.signatures.values_list("party__role", flat=True)):
        _take_effect(instrument, tranche, actor, party)
    return instrument


def _check_signable(instrument, tranche, party, actor, expected_sha256):
    require(actor, tranche.deal, f"sign_{instrument.kind}")
    # Open, required, not yet signed by this person or party, the year awaiting it: what the pages ask too.
    preconditions.signable(instrument, tranche, party, actor, CLAUSE[instrument.kind])
    if (expected_sha256 or "").lower() != instrument.document.sha256:
        raise InvalidInput(_("The document you reviewed is not the current version; reload it and review again."))


def _take_effect(instrument, tranche, actor, party):
    instrument.status, instrument.effective_at = Instrument.Status.EFFECTIVE, timezone.now()
    instrument.save(update_fields=["status", "effective_at"])
    # Issue 11: the signed instrument (certificate of completion, platform seal), in this same transaction.
    seal_signed_instrument(instrument, tranche, actor, party, clause=CLAUSE[instrument.kind])
    if instrument.kind == Instrument.Kind.JOINT_INSTRUCTION:
        return _instruction_complete(instrument, tranche, actor, party)
    kind = in_english(instrument.get_kind_display())
    _end_open_hold(tranche, actor, resolution=f"{kind} signed by all parties", document=instrument.document)
    if instrument.release_due_date:
        tranche.release_due_date = instrument.release_due_date
    _apply_new_quantity(
        tranche,
        actor,
        party,
        quantity=instrument.quantity,
        clause=CLAUSE[instrument.kind],
        why=f"{kind} signed by all parties",
    )


def _instruction_complete(instrument, tranche, actor, party):
    """EA 3.1: both documents are in; EA 3.2: the transfer is due within 10 business days."""
    today = contract_today()
    due = transfer_due(today, calendar_for(tranche.deal))
    tranche.release_quantity = instrument.quantity
    run_transition(
        tranche,
        "record_instruction",
        today,
        due.due,
        actor=actor,
        party=party,
        action=HistoryAction.INSTRUCTED,
        clause="EA 3.1, 3.2",
        summary=f"Joint instruction signed by issuer and purchaser: {instrument.quantity:,} shares; "
        f"transfer due by {due.due}",
        details={
            "instrument": instrument.pk,
            "documents_complete_on": today,
            "transfer_due": due.due,
            "deadline": due.as_dict(),
        },
    )
    notify_roles(
        tranche.deal,
        [Role.ESCROW_AGENT, Role.SELLER],
        tranche=tranche,
        key=f"instructed:{instrument.pk}",
        clause="EA 3.2",
        due=due.due,
        subject=Text(
            gettext_lazy("%(deal)s: year %(year)s instructed — transfer of %(shares)s shares due by %(due)s"),
            deal=tranche.deal.name,
            year=tranche.year,
            shares=f"{instrument.quantity:,}",
            due=due.due,
        ),
    )


def _end_open_hold(tranche, actor, *, resolution, document=None):
    hold = tranche.holds.filter(ended_at__isnull=True).first()
    if hold:
        hold.ended_at, hold.ended_on, hold.ended_by = timezone.now(), contract_today(), actor
        hold.resolution, hold.resolving_document = resolution, document
        hold.save()
    return hold


def _apply_new_quantity(tranche, actor, party, *, quantity, clause, why):
    balance = tranche.deal.movements.balances()["in_escrow"]
    if quantity > balance:
        raise InvalidInput(
            _("%(quantity)s shares exceed the %(balance)s still in escrow.")
            % {"quantity": f"{quantity:,}", "balance": f"{balance:,}"}
        )
    tranche.release_quantity = quantity
    run_transition(
        tranche,
        "apply_new_quantity",
        actor=actor,
        party=party,
        action=HistoryAction.QUANTITY_CHANGED,
        clause=clause,
        summary=f"{why}: {quantity:,} shares; a new joint instruction is needed",
        details={"quantity": quantity},
    )
    issue_joint_instruction(
        tranche,
        quantity=quantity,
        actor=actor,
        reason=why,
        calculation_lines=[f"{clause}: {why}", f"Quantity: {quantity:,}"],
        calculation=tranche.calculation,
    )


def _check_quantity(quantity, tranche, *, clause):
    """EA 3.3, SPA 5.3: a whole number of shares (escrow.contract.numbers) from 0 to what the deal can
    still release (in escrow: not yet released or returned), refused when the document is proposed,
    not at its last signature (_apply_new_quantity checks again then: the balance may have moved)."""
    most = tranche.deal.movements.balances()["in_escrow"]
    try:
        return parse_quantity(quantity, most=most)
    except InputProblem as exc:
        raise exc.translated(_, field="quantity", clause=clause) from None


def _check_release_date(value, tranche):
    """SPA 5.3: a new release date is YYYY-MM-DD within the deal's life (from the agreement's effective
    date to the end of the last assessment year plus its 60-day release period, SPA 5.1), not past."""
    if value is None or value == "":
        return None
    life = _deal_life(tranche.deal)
    try:
        day = parse_iso_date(value, life=life)
        today = contract_today()
        if day < today:
            raise InputProblem("date_past", RELEASE_DATE_PAST, date=day, today=today, latest=life[1])
    except InputProblem as exc:
        raise exc.translated(_, field="release_due_date", clause="SPA 5.3") from None
    return day


def _deal_life(deal):
    last_year_end = deal.tranches.order_by("-year").values_list("period_end", flat=True).first()
    return deal.effective_date, release_due(last_year_end).due


@transaction.atomic
def propose_settlement(actor, tranche_id, *, quantity, reason):
    """EA 3.3: a written settlement of the quantity, to be signed by all parties."""
    tranche = lock_tranche(tranche_id)
    require(actor, tranche.deal, "propose_settlement")
    preconditions.settleable(tranche)
    if not (reason or "").strip():
        raise InvalidInput(_("Say what the parties agreed."))
    return _create_instrument(
        tranche,
        kind=Instrument.Kind.SETTLEMENT,
        quantity=_check_quantity(quantity, tranche, clause="EA 3.3"),
        actor=actor,
        reason=reason.strip(),
        calculation_lines=[f"EA 3.3 settlement: {reason.strip()}"],
    )


@transaction.atomic
def propose_adjustment(actor, tranche_id, *, quantity, reason, release_due_date=None):
    """SPA 5.3: under exceptional circumstances quantity and timing change by written agreement of all."""
    tranche = lock_tranche(tranche_id)
    require(actor, tranche.deal, "propose_adjustment")
    preconditions.adjustable(tranche)
    if not (reason or "").strip():
        raise InvalidInput(_("State the exceptional circumstances (SPA 5.3)."))
    quantity = _check_quantity(quantity, tranche, clause="SPA 5.3")
    release_due_date = _check_release_date(release_due_date, tranche)
    return _create_instrument(
        tranche,
        kind=Instrument.Kind.ADJUSTMENT,
        quantity=quantity,
        actor=actor,
        reason=reason.strip(),
        release_due_date=release_due_date,
        calculation_lines=[f"SPA 5.3 adjustment: {reason.strip()}"],
    )


@transaction.atomic
def file_award(actor, tranche_id, *, quantity, pdf_bytes, reference, original_name=""):
    """EA 3.3, SPA 10.2: an effective CIETAC award or court ruling ends the dispute."""
    tranche = lock_tranche(tranche_id)
    party = require(actor, tranche.deal, "file_award")
    preconditions.disputed(tranche)
    if not (reference or "").strip():
        raise InvalidInput(_("Enter the award's or ruling's case number."))
    quantity = _check_quantity(quantity, tranche, clause="EA 3.3")
    document = store_pdf(
        deal=tranche.deal,
        tranche=tranche,
        kind=StoredDocument.Kind.AWARD,
        data=pdf_bytes,
        by=actor,
        original_name=original_name,
    )
    record(
        tranche.deal,
        action=HistoryAction.AWARD_FILED,
        actor=actor,
        party=party,
        tranche=tranche,
        clause="EA 3.3, SPA 10.2",
        summary=f"Award {reference} filed: {quantity:,} shares",
        details={"reference": reference, "quantity": quantity, "document_sha256": document.sha256},
    )
    _end_open_hold(tranche, actor, resolution=f"Award {reference}", document=document)
    _apply_new_quantity(
        tranche, actor, party, quantity=quantity, clause="EA 3.3", why=f"Arbitral award or ruling {reference}"
    )
    return tranche
