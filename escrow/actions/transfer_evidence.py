"""The transfer agent's evidence of a movement (issue 11 item 4): checked and written inside the action
that writes the movement, the deposit (EA 1.1) or the release (EA 3.2).

A value the caller gives is checked, and a blank one is refused (the pages send every field, blank or not,
so an officer who leaves one out is told what to enter); a value left out (None) is recorded as not given
and shown as missing: seeds, tests and API clients older than issue 11 give none.
The confirmation PDF is optional when the movement is recorded: the transfer agent often sends it days
after it registers the shares, and the EA 3.2 deadline runs on the transfer, not on its paperwork. One not
given is shown to every party as missing. Attaching it later needs its own use case and history entry
(attach_transfer_confirmation, not declared yet); it needs no edit of the append-only evidence row, as
escrow.queries.transfers.confirmation_for reads the latest confirmation stored for the deposit or tranche.
"""

from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from escrow.actions.fees import look_again
from escrow.contract.errors import InvalidInput
from escrow.contract.numbers import InputProblem, parse_iso_date
from escrow.documents.storage import read_upload, store_pdf
from escrow.models import StoredDocument, TransferEvidence


@dataclass(frozen=True)
class TransferFacts:
    """What the officer entered, checked."""

    transfer_date: date | None
    transfer_agent: str
    recipient_account: str
    confirmation: StoredDocument | None = None

    def details(self, reference):
        """The structured history details (issue 11 item 4): the entry alone proves the transfer."""
        return {
            "reference": reference,
            "date": self.transfer_date,
            "transfer_agent": self.transfer_agent or None,
            "recipient_account": self.recipient_account or None,
            "confirmation": confirmation_details(self.confirmation),
        }


def confirmation_details(document):
    if document is None:
        return None
    return {"document_id": document.pk, "sha256": document.sha256, "name": document.original_name}


def check_facts(*, transfer_date, transfer_agent, recipient_account, today, earliest, earliest_words):
    """The date, when given, is a Beijing contract date neither after today nor before `earliest`; the
    names, when given, are not blank."""
    if isinstance(transfer_date, str) and not transfer_date.strip():
        raise InvalidInput(_("Enter the date the transfer agent registered the shares (YYYY-MM-DD, Beijing time)."))
    day = _as_date(transfer_date) if transfer_date is not None else None
    if day is not None and day > today:
        raise InvalidInput(
            _(
                "The date %(date)s is after today (%(today)s, Beijing time); enter the day the transfer agent "
                "registered the shares."
            )
            % {"date": day.isoformat(), "today": today.isoformat()}
        )
    if day is not None and earliest is not None and day < earliest:
        raise InvalidInput(
            _("The date %(date)s is before %(what)s (%(earliest)s, Beijing time); check the transfer agent's record.")
            % {"date": day.isoformat(), "what": earliest_words, "earliest": earliest.isoformat()}
        )
    agent = _given(transfer_agent, _("Name the transfer agent that registered the shares."), 200)
    account = _given(
        recipient_account,
        _("Enter the recipient's account at the transfer agent (for example the DTC participant and account number)."),
        2000,
    )
    return TransferFacts(day, agent, account)


def _as_date(value):
    if isinstance(value, date):
        return value
    try:
        return parse_iso_date(value)
    except InputProblem as exc:
        raise InvalidInput(exc.translated(_).message) from None


def _given(value, missing, limit):
    if value is None:
        return ""
    text = str(value).strip()
    if not text:
        raise InvalidInput(missing)
    if len(text) > limit:
        raise InvalidInput(_("Shorten the entry to at most %(limit)s characters.") % {"limit": limit})
    return text


def store_confirmation(*, deal, tranche, upload, by, original_name=""):
    """The transfer agent's confirmation, a PDF checked by content (escrow.documents.storage)."""
    if upload is None:
        return None
    data = upload if isinstance(upload, bytes) else read_upload(upload)
    name = original_name or getattr(upload, "name", "") or ""
    return store_pdf(
        deal=deal,
        kind=StoredDocument.Kind.TRANSFER_CONFIRMATION,
        data=data,
        by=by,
        tranche=tranche,
        original_name=name,
    )


def record_evidence(movement, facts, by):
    look_again(movement.deal_id)  # a transfer date moves the movement's day, so the escrow period's (EA 2)
    return TransferEvidence.objects.create(
        movement=movement,
        deal=movement.deal,
        tranche=movement.tranche,
        transfer_date=facts.transfer_date,
        transfer_agent=facts.transfer_agent,
        recipient_account=facts.recipient_account,
        recorded_by=by,
        recorded_at=timezone.now(),
    )
