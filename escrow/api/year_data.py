"""/api/tranches/<id>/ and /api/instruments/<id>/ written as plain dicts in the serializers' shape (issue 13 item 1):
DRF copies every declared field of every nested serializer on each request (about 7,500 function calls for one
year). Each function returns what its serializer's `.data` returns (the serializers stay the schema, and
tests/escrow/api/test_year_data.py compares both): a value that is None is None whatever the field, as
Serializer.to_representation writes it; dates, moments and decimals go through the serializers' own field types.
"""

from rest_framework import serializers
from rest_framework.reverse import reverse

from escrow.api.serializers import (
    SignatureSerializer,
    _int,
    _revenue,
    _text,
    tranche_summary_data,
)
from escrow.queries import transfers
from escrow.queries.year_parts import RELEASE, has

_MOMENT, _DAY = serializers.DateTimeField(), serializers.DateField()


def tranche_data(tranche, context) -> dict:
    """TrancheSerializer(tranche, context=context).data; `context` as escrow.api.serializers.origin_context makes it."""
    return {
        **tranche_summary_data(tranche),
        "deal": _text(tranche.deal.slug),
        "calculation": tranche.calculation,
        "prepared_by": _person(tranche.prepared_by),
        "transfer": _transfer(tranche, context),
        "instruments": [instrument_data(i, context) for i in tranche.instruments.all()],
        "holds": [hold_data(h) for h in tranche.holds.all()],
        "reports": [report_data(r, context) for r in tranche.reports.all()],
    }


def _transfer(tranche, context):
    """TrancheSerializer.get_transfer: null while the shares are in escrow (most years: no query)."""
    if not has(tranche, RELEASE):
        return None
    record = transfers.release_record(tranche)
    return transfer_record_data(record, context) if record else None


def transfer_record_data(record, context) -> dict:
    """TransferRecordSerializer(record, context=context).data: a fact not recorded is None (its to_representation
    writes an empty transfer agent or account as None too)."""
    confirmation = record.confirmation
    return {
        "kind": _text(record.kind),
        "quantity": _int(record.quantity),
        "reference": _text(record.reference),
        "transfer_date": _day(record.transfer_date),
        "transfer_agent": _text(record.transfer_agent) or None,
        "recipient_account": _text(record.recipient_account) or None,
        "confirmation": None if confirmation is None else document_data(confirmation, context),
        "recorded_by": _person(record.recorded_by),
        "recorded_at": _moment(record.recorded_at),
        "missing": _texts(record.missing),
    }


def instrument_data(instrument, context) -> dict:
    """InstrumentSerializer(instrument, context=context).data."""
    document, sealed = instrument.document, instrument.sealed_document
    return {
        "id": _int(instrument.id),
        "kind": _text(instrument.kind),
        "status": _text(instrument.status),
        "quantity": _int(instrument.quantity),
        "release_due_date": _day(instrument.release_due_date),
        "required_roles": _texts(instrument.required_roles),
        "reason": _text(instrument.reason),
        "sha256": None if document is None else _text(document.sha256),
        "document": None if document is None else document_data(document, context),
        "sealed_document": None if sealed is None else document_data(sealed, context),
        "created_at": _moment(instrument.created_at),
        "effective_at": _moment(instrument.effective_at),
        "superseded_by": _int(instrument.superseded_by_id),
        "signatures": [signature_data(s, context) for s in instrument.signatures.all()],
        "declines": [decline_data(d) for d in instrument.declines.all()],
    }


def document_data(document, context) -> dict:
    """DocumentSerializer(document, context=context).data."""
    tranche = document.tranche if document.tranche_id is not None else None
    return {
        "id": _int(document.id),
        "kind": _text(document.kind),
        "kind_display": _text(document.get_kind_display()),
        "tranche_year": None if tranche is None else _int(tranche.year),
        "sha256": _text(document.sha256),
        "size": _int(document.size),
        "original_name": _text(document.original_name),
        "uploaded_by": _person(document.uploaded_by),
        "uploaded_at": _moment(document.uploaded_at),
        "download": download_url(document.pk, context),
    }


_PLACEHOLDER = 987654321  # no document's pk: the link reversed once is split around it


def download_url(pk, context) -> str:
    """reverse("api:document-download", args=[pk], request=context["request"]): reversed once per response (the
    request's host, script prefix and API version do not change within it; the halves are kept in this response's
    context) and each document's pk put in its place."""
    halves = context.get("_download_halves")
    if halves is None:
        url = reverse("api:document-download", args=[_PLACEHOLDER], request=context.get("request"))
        head, _, tail = url.rpartition(str(_PLACEHOLDER))
        halves = context["_download_halves"] = (head, tail)
    return f"{halves[0]}{int(pk)}{halves[1]}"


def signature_data(signature, context) -> dict:
    """SignatureSerializer(signature, context=context).data: where the signer signed from only for the roles
    that read it (SIGNATURE_ORIGIN_ROLES)."""
    party = signature.party
    data = {
        "id": _int(signature.id),
        "signer": _person(signature.signer),
        "signer_username": _text(signature.signer.username),
        "party_role": _text(party.role),
        "party": _text(party.organisation.name),
        "sha256": _text(signature.sha256),
        "signed_at": _moment(signature.signed_at),
        "auth_method": _text(signature.auth_method),
        "ip_address": _text(signature.ip_address),
        "user_agent": _text(signature.user_agent),
    }
    if not _sees_origin(context, party.deal_id):
        data.pop("ip_address", None)
        data.pop("user_agent", None)
    return data


def _sees_origin(context, deal_id) -> bool:
    """SignatureSerializer's own rule, one look-up per deal per response, kept in `context` (one rule, one place)."""
    return SignatureSerializer(context=context)._sees_origin(deal_id)


def decline_data(decline) -> dict:
    """DeclineSerializer(decline).data."""
    return {
        "id": _int(decline.id),
        "instrument": _int(decline.instrument_id),
        "party": _text(decline.party.organisation.name),
        "role": _text(decline.party.role),
        "person": _text(decline.person.username),
        "reason": _text(decline.reason),
        "declined_at": _moment(decline.declined_at),
    }


def hold_data(hold) -> dict:
    """HoldSerializer(hold).data."""
    return {
        "id": _int(hold.id),
        "kind": _text(hold.kind),
        "reason": _text(hold.reason),
        "raised_by": _person(hold.raised_by),
        "started_on": _day(hold.started_on),
        "ended_on": _day(hold.ended_on),
        "resolution": _text(hold.resolution),
    }


def report_data(report, context) -> dict:
    """ReportSerializer(report, context=context).data."""
    return {
        "id": _int(report.id),
        "firm": _text(report.firm.organisation.name),
        "audited_revenue": _revenue(report.audited_revenue),
        "filed_at": _moment(report.filed_at),
        "superseded_by": _int(report.superseded_by_id),
        "correction_reason": _text(report.correction_reason),
        "document": document_data(report.document, context),
    }


def _texts(values):
    """ListField(child=CharField())."""
    return None if values is None else [None if v is None else str(v) for v in values]


def _person(user):
    """PersonField: the person's name, None when there is none (the serializer writes None before the field)."""
    return None if user is None else (str(user) if user else "")


def _day(value):
    return None if value is None else _DAY.to_representation(value)


def _moment(value):
    return None if value is None else _MOMENT.to_representation(value)
