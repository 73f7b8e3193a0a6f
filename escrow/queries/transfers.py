"""The transfer agent's evidence of the deposit (EA 1.1) and of a release (EA 3.2), as every party on the
deal reads it (issue 11 item 4): the pages, the API, the exports and the evidence pack."""

from collections import defaultdict
from dataclasses import dataclass

from escrow.models import ShareMovement, StoredDocument
from escrow.models.ledger import balances_of
from escrow.queries.deal_reads import movements_with_evidence, transfer_confirmations


@dataclass(frozen=True)
class TransferRecord:
    """One movement with its evidence; a field that was not recorded is None (shown as missing)."""

    kind: str  # ShareMovement.Kind
    quantity: int
    reference: str
    transfer_date: object
    transfer_agent: str
    recipient_account: str
    confirmation: StoredDocument | None
    recorded_by: object
    recorded_at: object

    @property
    def missing(self) -> list:
        """Names of the facts not on record (for the 'missing' notice and the API)."""
        facts = {
            "reference": self.reference,
            "transfer_date": self.transfer_date,
            "transfer_agent": self.transfer_agent,
            "recipient_account": self.recipient_account,
            "confirmation": self.confirmation,
        }
        return [name for name, value in facts.items() if not value]

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "quantity": self.quantity,
            "reference": self.reference,
            "transfer_date": self.transfer_date.isoformat() if self.transfer_date else None,
            "transfer_agent": self.transfer_agent or None,
            "recipient_account": self.recipient_account or None,
            "confirmation": confirmation_dict(self.confirmation),
            "recorded_by": str(self.recorded_by) if self.recorded_by else None,
            "recorded_at": self.recorded_at.isoformat() if self.recorded_at else None,
            "missing": self.missing,
        }


def confirmation_dict(document):
    if document is None:
        return None
    return {
        "id": document.pk,
        "sha256": document.sha256,
        "name": document.original_name,
        "uploaded_at": document.uploaded_at.isoformat(),
    }


def confirmation_for(deal, tranche=None):
    """The latest transfer agent's confirmation of the deposit (tranche None) or of the tranche's release."""
    documents = StoredDocument.objects.filter(deal=deal, kind=StoredDocument.Kind.TRANSFER_CONFIRMATION)
    documents = documents.filter(tranche=tranche) if tranche is not None else documents.filter(tranche__isnull=True)
    return documents.order_by("uploaded_at", "pk").last()


def _record(movement, confirmation):
    return None if movement is None else _from_movement(movement, confirmation)


def deposit_record(deal) -> TransferRecord | None:
    """EA 1.1: the deposit and its evidence, or None before the deposit."""
    movement = (
        ShareMovement.objects.filter(deal=deal, kind=ShareMovement.Kind.DEPOSIT)
        .select_related("recorded_by", "evidence")
        .first()
    )
    return _record(movement, confirmation_for(deal) if movement else None)


def release_record(tranche) -> TransferRecord | None:
    """EA 3.2: the tranche's release and its evidence, or None while the shares are in escrow."""
    movement = (
        ShareMovement.objects.filter(tranche=tranche, kind=ShareMovement.Kind.RELEASE)
        .select_related("recorded_by", "evidence")
        .first()
    )
    return _record(movement, confirmation_for(tranche.deal, tranche) if movement else None)


def release_records(deal) -> list:
    """Issue 12 item 5: every release of the deal with its evidence, by year, in three queries (the deal page's
    table of transfers to the seller and the exports), whatever the number of years."""
    movements = (
        ShareMovement.objects.filter(deal=deal, kind=ShareMovement.Kind.RELEASE)
        .select_related("tranche", "recorded_by", "evidence")
        .order_by("tranche__year")
    )
    confirmations = {}
    for document in StoredDocument.objects.filter(
        deal=deal, kind=StoredDocument.Kind.TRANSFER_CONFIRMATION, tranche__isnull=False
    ).order_by("uploaded_at", "pk"):
        confirmations[document.tranche_id] = document  # the latest one stands (confirmation_for)
    return [(m.tranche, _from_movement(m, confirmations.get(m.tranche_id))) for m in movements]


def transfer_records(deal) -> tuple:
    """(deposit_record(deal), release_records(deal)) in two queries instead of four (the deal page shows both):
    the deposit and the releases read together, and every transfer confirmation of the deal at once."""
    deposit, releases, _balances = ledger_records(deal)
    return deposit, releases


def ledger_records(deal, tranches=None) -> tuple:
    """transfer_records(deal) and the deal's ledger balances (ShareMovement's `balances()`, the same rule
    `balances_of` over the same rows), from one read of the deal's movements: the deal page shows all three.
    `tranches`: the deal's tranches when the caller has read them (the deal page, /api/deals/<ref>/); each
    movement then takes its tranche from them instead of a join of the tranche's 24 columns."""
    kind = ShareMovement.Kind
    if tranches is None:
        every = list(ShareMovement.objects.filter(deal=deal).select_related("tranche", "recorded_by", "evidence"))
        documents = StoredDocument.objects.filter(deal=deal, kind=StoredDocument.Kind.TRANSFER_CONFIRMATION)
        documents = documents.order_by("uploaded_at", "pk")
    else:  # the same two reads in SQL written once (issue 13 item 1: the deal page and /api/deals/<ref>/)
        every, documents = movements_with_evidence(deal, tranches), transfer_confirmations(deal)
    # in the model's order (recorded_at, id): the first deposit is deposit_record's .first()
    totals = defaultdict(int)
    for m in every:
        totals[m.kind] += m.quantity or 0
    movements = [m for m in every if m.kind in (kind.DEPOSIT, kind.RELEASE)]
    confirmations = {}
    for document in documents:
        confirmations[document.tranche_id] = document  # the latest one stands (confirmation_for); None: the deposit
    deposit = next((m for m in movements if m.kind == kind.DEPOSIT), None)
    releases = sorted((m for m in movements if m.kind == kind.RELEASE), key=lambda m: m.tranche.year)
    return (
        _record(deposit, confirmations.get(None) if deposit else None),
        [(m.tranche, _from_movement(m, confirmations.get(m.tranche_id))) for m in releases],
        balances_of(totals),
    )


def _from_movement(movement, confirmation):
    evidence = getattr(movement, "evidence", None)  # None for a movement recorded before issue 11
    return TransferRecord(
        kind=movement.kind,
        quantity=movement.quantity,
        reference=movement.reference,
        transfer_date=evidence.transfer_date if evidence else None,
        transfer_agent=evidence.transfer_agent if evidence else "",
        recipient_account=evidence.recipient_account if evidence else "",
        confirmation=confirmation,
        recorded_by=movement.recorded_by,
        recorded_at=movement.recorded_at,
    )


def transfer_lines(deal) -> list:
    """The exports' heading lines (issue 11 item 4): the deposit's and each release's transfer agent record,
    in English like the rest of the record; a fact not recorded reads 'not recorded'."""
    records = [deposit_record(deal), *(record for _tranche, record in release_records(deal))]
    return [_line(r) for r in records if r is not None]


def _line(record):
    what = "Deposit (EA 1.1)" if record.kind == ShareMovement.Kind.DEPOSIT else "Release (EA 3.2)"
    confirmation = record.confirmation
    facts = facts_in_words(
        record.reference,
        record.transfer_date.isoformat() if record.transfer_date else None,
        record.transfer_agent,
        record.recipient_account,
        confirmation.sha256 if confirmation else None,
    )
    return f"{what}: {record.quantity:,} shares; {facts}"


def facts_in_words(reference, day, agent, account, sha256) -> str:
    """The transfer agent's facts in the record's English, one place for the exports' heading and rows."""
    missing = "not recorded"
    return (
        f"reference {reference or missing}; date {day or missing} (Beijing); transfer agent {agent or missing}; "
        f"account {' / '.join((account or missing).splitlines())}; "
        f"confirmation {('SHA-256 ' + sha256) if sha256 else 'missing'}"
    )


@dataclass(frozen=True)
class EntryReferences:
    """Issue 12 item 5: the references a history entry's details carry (the hashed record is not changed):
    the transfer agent's record of a deposit or release (issue 11), or a bare reference (a return, an award,
    entries written before issue 11)."""

    reference: str
    transfer: dict | None  # the entry's `transfer` details: date, transfer_agent, recipient_account, confirmation

    @property
    def date(self):
        return (self.transfer or {}).get("date")

    @property
    def transfer_agent(self):
        return (self.transfer or {}).get("transfer_agent")

    @property
    def recipient_account(self):
        return (self.transfer or {}).get("recipient_account")

    @property
    def confirmation(self):
        return (self.transfer or {}).get("confirmation")

    def in_words(self) -> str:
        """For the exports' rows, in English like the rest of the record."""
        if self.transfer is None:
            return f"reference {self.reference}"
        sha256 = (self.confirmation or {}).get("sha256")
        return facts_in_words(self.reference, self.date, self.transfer_agent, self.recipient_account, sha256)


def entry_references(details) -> EntryReferences | None:
    """The references in a history entry's details, or None when it carries none."""
    details = details if isinstance(details, dict) else {}
    transfer = details.get("transfer") if isinstance(details.get("transfer"), dict) else None
    reference = (transfer or {}).get("reference") or details.get("transfer_reference") or details.get("reference")
    if not reference and transfer is None:
        return None
    return EntryReferences(str(reference or ""), transfer)
